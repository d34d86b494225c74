import { Construct } from 'constructs';
import { PlatformComponent, PlatformComponentProps, WorkloadIdentity } from '../../core/component';
import { PlatformConfigError } from '../../core/errors';
import { Endpoint, SecretDescriptor, ServiceDescriptor } from '../../core/graph';
import { Image } from '../../core/image';
import { ContainerSpec, EnvValue, execProbe, httpProbe } from '../../core/workload';
import { REDIS_PASSWORD_SECRET, REDIS_SERVICE, RedisPasswordKey } from '../redis/redis';
import { SUPERSET_LEGACY_SECRET, SUPERSET_SECRET, SupersetSecretKey } from './secrets';
import { compareStrings } from '../../core/order';

/** The header Superset's remote-user auth trusts (`AUTH_REMOTE_USER_ENV_VAR = HTTP_X_WEBAUTH_USER`). */
export const SUPERSET_IDENTITY_HEADER = 'X-WEBAUTH-USER';

/** The Superset web Service, `superset` on 8088, as in the reference pack (the Ingress backend). */
export const SUPERSET_SERVICE: ServiceDescriptor<'superset'> = { component: 'superset', name: 'superset', ports: { superset: 8088 } };

/**
 * The default image: the upstream `apache/superset` release plus the Trino and PostgreSQL drivers, built from
 * `images/superset/Dockerfile` and pushed to the platform registry (nothing is pip-installed when a pod starts).
 */
export const DEFAULT_SUPERSET_IMAGE = 'harbor.254carbon.com/library/superset:5.0.0-drivers.1';

/** The generated configuration: ConfigMap `superset-config`, key `superset_config.py`. */
export const SUPERSET_CONFIG_MAP = 'superset-config';
/** The init Job's name (the reference pack's). */
export const SUPERSET_INIT_JOB = 'superset-init';

/** The Redis databases Superset uses, one per purpose. */
export interface SupersetRedisDatabases {
  /** Flask-Caching (metadata, data, filter state and explore form caches, by key prefix). */
  readonly cache: number;
  /** The Celery broker (task queues). */
  readonly celeryBroker: number;
  /** Celery task results. */
  readonly celeryResults: number;
  /** SQL Lab's asynchronous query results (`RESULTS_BACKEND`). */
  readonly sqlLabResults: number;
}

/** Cache 1 and results 3 as in the reference pack; the broker keeps 2; SQL Lab results move off the Celery results DB to 4. */
export const DEFAULT_REDIS_DATABASES: SupersetRedisDatabases = { cache: 1, celeryBroker: 2, celeryResults: 3, sqlLabResults: 4 };

/** The admin account the init Job creates (its password comes from `superset-secret`, key `admin-password`). */
export interface SupersetAdmin {
  readonly username: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string;
}

/** Props of `Superset`. */
export interface SupersetProps extends PlatformComponentProps {
  /**
   * The image, which must contain the Trino (`trino[sqlalchemy]`) and PostgreSQL (`psycopg2`) drivers.
   * @default harbor.254carbon.com/library/superset:5.0.0-drivers.1 (built from images/superset/Dockerfile)
   */
  readonly image?: string;
  /**
   * The Secret with `secret-key`, `database-uri` and `admin-password`.
   * @default SUPERSET_SECRET (`superset-secret`, filled by SupersetSecrets)
   */
  readonly secret?: SecretDescriptor<SupersetSecretKey>;
  /**
   * The Redis Service of cache, Celery broker and results.
   * @default REDIS_SERVICE (`redis-service`, Redis)
   */
  readonly redis?: ServiceDescriptor<'redis'>;
  /**
   * The Secret with the Redis password.
   * @default - REDIS_PASSWORD_SECRET where `components.redis.auth.enabled`, otherwise no password
   */
  readonly redisPasswordSecret?: SecretDescriptor<RedisPasswordKey>;
  /**
   * The Redis database of each purpose; all must differ.
   * @default DEFAULT_REDIS_DATABASES (cache 1, broker 2, Celery results 3, SQL Lab results 4)
   */
  readonly redisDatabases?: Partial<SupersetRedisDatabases>;
  /**
   * The Trino coordinator Service; it must have a port named `trino-api` (as `TRINO_COORDINATOR_SERVICE`) (checked when the endpoint is resolved). The init
   * Job registers it as a database connection.
   * @default - no Trino database connection
   */
  readonly trino?: ServiceDescriptor<'trino-api'>;
  /**
   * The Trino catalog of the connection.
   * @default 'iceberg' (the Trino component's Iceberg catalog)
   */
  readonly trinoCatalog?: string;
  /**
   * The name of the Trino connection in Superset.
   * @default 'Trino'
   */
  readonly trinoDatabaseName?: string;
  /**
   * The admin account created by the init Job.
   * @default - username `admin`, name `Superset Admin`, email `admin@<environment domain>`
   */
  readonly admin?: Partial<SupersetAdmin>;
  /**
   * `FEATURE_FLAGS` of superset_config.py.
   * @default - the reference pack's flags (template processing, dashboard RBAC, drill to detail/by, ...)
   */
  readonly featureFlags?: Readonly<Record<string, boolean>>;
}

const UID = 1000; // the `superset` user of the apache/superset images
const HOME = '/app/superset_home';
const CONFIG_DIR = '/app/pythonpath';
const CELERY_APP = 'superset.tasks.celery_app:app';
const REFERENCE_FEATURE_FLAGS: Readonly<Record<string, boolean>> = {
  ENABLE_TEMPLATE_PROCESSING: true,
  DASHBOARD_NATIVE_FILTERS: true,
  DASHBOARD_CROSS_FILTERS: true,
  GENERIC_CHART_AXES: true,
  DRILL_TO_DETAIL: true,
  DRILL_BY: true,
  DASHBOARD_RBAC: true,
  ENABLE_ADVANCED_DATA_TYPES: true,
  DASHBOARD_NATIVE_FILTERS_SET: true,
  HORIZONTAL_FILTER_BAR: true,
  DASHBOARD_FILTERS_EXPERIMENTAL: true,
};
/** Argo CD: the init Job runs in the Sync phase, wave 1, and must complete before wave 2 (web, worker, beat) starts. */
const INIT_HOOK = {
  'argocd.argoproj.io/hook': 'Sync',
  'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
  'argocd.argoproj.io/sync-wave': '1',
};
const AFTER_INIT = { 'argocd.argoproj.io/sync-wave': '2' };
const CATALOG = /^[a-z_][a-z0-9_]*$/;
const FLAG = /^[A-Z][A-Z0-9_]*$/;

/**
 * Apache Superset: Deployments `superset-web` (gunicorn on 8088, `/health` probes, Service `superset`),
 * `superset-worker` and `superset-beat` (Celery), the init Job `superset-init` ordered before them, and the
 * generated `superset_config.py` (ConfigMap `superset-config`).
 *
 * Encoded remediations: nothing is installed when a container starts (the drivers are in the image); every pod
 * runs as the image's non-root user 1000 with a read-only root filesystem and emptyDirs for `/tmp` and the
 * Superset home; the secret key, metadata database URI and admin password come from `superset-secret` by typed
 * references; cache, Celery broker, Celery results and SQL Lab results use separate Redis databases on the FQDN
 * of the Redis Service; the init Job (`db upgrade`, admin, `init`) completes before the web pods start.
 */
export class Superset extends PlatformComponent {
  public static readonly SERVICE = SUPERSET_SERVICE;

  /** The generated superset_config.py. */
  public readonly configFile: string;
  /** The Redis databases in use. */
  public readonly redisDatabases: SupersetRedisDatabases;
  /** The SQLAlchemy URI of the Trino connection, when a Trino Service is given. */
  public readonly trinoUri?: string;

  constructor(scope: Construct, id: string, props: SupersetProps) {
    super(scope, id, 'superset', props);
    const env = props.environment;
    const cfg = env.components.superset;
    const image = Image.parse(props.image ?? DEFAULT_SUPERSET_IMAGE, this.where('image'));
    const version = image.tag;
    const secret = props.secret ?? SUPERSET_SECRET;
    if (!env.components.redis.enabled && props.redis === undefined) {
      throw new PlatformConfigError(this.where('components.redis.enabled'), 'Superset needs Redis (cache, Celery broker and results), which is disabled',
        'enable components.redis, or give Superset the Service of another Redis in props.redis');
    }
    const redis = this.endpoint(props.redis ?? REDIS_SERVICE, 'redis');
    const redisPasswordSecret = props.redisPasswordSecret ?? (env.components.redis.auth.enabled ? REDIS_PASSWORD_SECRET : undefined);
    this.redisDatabases = this.checkDatabases({ ...DEFAULT_REDIS_DATABASES, ...props.redisDatabases });

    if (props.trino) {
      const catalog = props.trinoCatalog ?? 'iceberg';
      if (!CATALOG.test(catalog)) {
        throw new PlatformConfigError(this.where('trinoCatalog'), `'${catalog}' is not a Trino catalog name`, 'use lower-case letters, digits and _');
      }
      this.trinoUri = `trino://superset@${this.endpoint(props.trino, 'trino-api').hostPort}/${catalog}`;
    }
    const flags = props.featureFlags ?? REFERENCE_FEATURE_FLAGS;
    for (const f of Object.keys(flags)) {
      if (!FLAG.test(f)) throw new PlatformConfigError(this.where('featureFlags'), `'${f}' is not a feature flag name`, 'write it upper-case, e.g. DASHBOARD_RBAC');
    }

    this.configFile = renderConfig({
      redis, redisAuth: redisPasswordSecret !== undefined, databases: this.redisDatabases, trinoUri: this.trinoUri,
      remoteUserAuth: cfg.remoteUserAuth, featureFlags: flags,
    });
    this.addConfigMap(SUPERSET_CONFIG_MAP, { 'superset_config.py': this.configFile }, 'config', version);

    const common: Record<string, EnvValue> = {
      SUPERSET_CONFIG_PATH: `${CONFIG_DIR}/superset_config.py`,
      SUPERSET_HOME: HOME,
      HOME,
      PYTHONDONTWRITEBYTECODE: '1',
      SUPERSET_SECRET_KEY: this.secretKeyRef(secret, 'secret-key'),
      DATABASE_URI: this.secretKeyRef(secret, 'database-uri'),
      ...(redisPasswordSecret ? { REDIS_PASSWORD: this.secretKeyRef(redisPasswordSecret, 'redis-password') } : {}),
      ...this.extraSecretEnv(),
    };
    const container = (name: string, role: 'web' | 'worker' | 'beat' | 'init', rest: Omit<ContainerSpec, 'name' | 'image' | 'resources' | 'security'>): ContainerSpec => ({
      name,
      image,
      resources: this.resourcesFor(cfg.resources[role], `resources.${role}`),
      security: { uid: UID, gid: UID },
      writablePaths: ['/tmp', HOME],
      mounts: [{ name: 'superset-config', mountPath: CONFIG_DIR, readOnly: true }],
      ...rest,
      env: { ...common, ...rest.env },
    });
    const pod = (c: ContainerSpec) => ({
      fsGroup: UID,
      containers: [c],
      volumes: [{ name: 'superset-config', configMap: { name: SUPERSET_CONFIG_MAP } }],
    });
    const identity = (role: string, name: string, annotations?: Record<string, string>): WorkloadIdentity =>
      ({ name, role, version, selector: { app: 'superset', component: role }, annotations });

    // The init Job: schema migration, admin account, roles and permissions, then the Trino connection.
    const admin: SupersetAdmin = {
      username: 'admin', firstName: 'Superset', lastName: 'Admin', email: `admin@${env.domain}`, ...props.admin,
    };
    const init = [
      'set -eu',
      'echo "Upgrading the metadata database"',
      'superset db upgrade',
      'echo "Creating the admin account (kept if it exists)"',
      'superset fab create-admin --username "$ADMIN_USERNAME" --firstname "$ADMIN_FIRSTNAME" --lastname "$ADMIN_LASTNAME" --email "$ADMIN_EMAIL" --password "$ADMIN_PASSWORD"',
      'echo "Initialising roles and permissions"',
      'superset init',
      ...(this.trinoUri ? ['echo "Registering the Trino connection"', 'superset set-database-uri -d "$TRINO_DATABASE_NAME" -u "$TRINO_SQLALCHEMY_URI"'] : []),
    ].join('\n');
    this.addJob(identity('init', SUPERSET_INIT_JOB, INIT_HOOK), {
      backoffLimit: 3,
      activeDeadlineSeconds: 1800,
      pod: pod(container('superset-init', 'init', {
        command: ['/bin/bash', '-c', init],
        env: {
          ADMIN_USERNAME: admin.username,
          ADMIN_FIRSTNAME: admin.firstName,
          ADMIN_LASTNAME: admin.lastName,
          ADMIN_EMAIL: admin.email,
          ADMIN_PASSWORD: this.secretKeyRef(secret, 'admin-password'),
          ...(this.trinoUri ? { TRINO_DATABASE_NAME: props.trinoDatabaseName ?? 'Trino', TRINO_SQLALCHEMY_URI: this.trinoUri } : {}),
        },
      })),
    });

    const port = SUPERSET_SERVICE.ports.superset;
    const web = identity('web', 'superset-web', AFTER_INIT);
    this.addService(SUPERSET_SERVICE, { selector: web.selector!, role: 'web', version });
    if (cfg.replicas.web > 0) {
      this.addDiscoverable({
        id: 'superset', name: 'Superset', category: 'data', icon: 'chart',
        description: 'Dashboards and SQL exploration',
        service: SUPERSET_SERVICE, port: 'superset', health: { path: '/health' }, publicHost: 'superset',
        // With remote-user auth Superset logs in whoever this header names: reachable from the ingress only.
        identityHeader: cfg.remoteUserAuth ? SUPERSET_IDENTITY_HEADER : undefined,
      });
    }
    this.addDeployment(web, {
      replicas: cfg.replicas.web,
      pod: pod(container('superset', 'web', {
        command: ['gunicorn', '--bind', `0.0.0.0:${port}`, '--workers', String(cfg.gunicorn.workers), '--worker-class', 'gthread',
          '--threads', String(cfg.gunicorn.threads), '--timeout', String(cfg.gunicorn.timeoutSeconds), '--worker-tmp-dir', '/tmp',
          '--limit-request-line', '0', '--limit-request-field_size', '0', 'superset.app:create_app()'],
        ports: { superset: port },
        env: { SUPERSET_PORT: String(port) },
        startupProbe: httpProbe('/health', 'superset', { periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 60 }),
        livenessProbe: httpProbe('/health', 'superset', { periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 }),
        readinessProbe: httpProbe('/health', 'superset', { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 }),
      })),
    });
    this.addDeployment(identity('worker', 'superset-worker', AFTER_INIT), {
      replicas: cfg.replicas.worker,
      pod: pod(container('superset-worker', 'worker', {
        command: ['celery', `--app=${CELERY_APP}`, 'worker', '--pool=prefork', '--loglevel=INFO', `--concurrency=${cfg.workerConcurrency}`],
        // The upstream chart's check: the worker answers a ping through the broker.
        livenessProbe: execProbe(['/bin/sh', '-c', `celery --app=${CELERY_APP} inspect ping --destination "celery@$HOSTNAME"`],
          { initialDelaySeconds: 120, periodSeconds: 60, timeoutSeconds: 60, failureThreshold: 3 }),
      })),
    });
    this.addDeployment(identity('beat', 'superset-beat', AFTER_INIT), {
      replicas: cfg.replicas.beat,
      // Never two beats, not even during a rollout: every periodic task would run twice.
      strategy: { type: 'Recreate' },
      pod: pod(container('superset-beat', 'beat', {
        command: ['celery', `--app=${CELERY_APP}`, 'beat', '--loglevel=INFO', '--pidfile=/tmp/celerybeat.pid', '--schedule=/tmp/celerybeat-schedule'],
        livenessProbe: execProbe(['/bin/sh', '-c', 'test -s /tmp/celerybeat.pid && kill -0 "$(cat /tmp/celerybeat.pid)"'],
          { initialDelaySeconds: 60, periodSeconds: 60, timeoutSeconds: 10, failureThreshold: 3 }),
      })),
    });
  }

  /** `components.superset.extraSecretEnv` as secretKeyRefs; the synth's reference check proves each Secret and key exists. */
  private extraSecretEnv(): Record<string, EnvValue> {
    const out: Record<string, EnvValue> = {};
    const produced = [SUPERSET_SECRET, SUPERSET_LEGACY_SECRET, REDIS_PASSWORD_SECRET];
    for (const [name, ref] of Object.entries(this.environment.components.superset.extraSecretEnv)) {
      const owner = produced.find((d) => d.name === ref.secret)?.component ?? 'external';
      this.graph.addEdge({ from: this.component, to: owner, kind: 'secret', target: ref.secret, detail: ref.key });
      out[name] = { secretKeyRef: { name: ref.secret, key: ref.key } };
    }
    return out;
  }

  private checkDatabases(dbs: SupersetRedisDatabases): SupersetRedisDatabases {
    const seen = new Map<number, string>();
    for (const [purpose, db] of Object.entries(dbs)) {
      if (!Number.isInteger(db) || db < 0 || db > 15) {
        throw new PlatformConfigError(this.where(`redisDatabases.${purpose}`), `${db} is not a Redis database number`, 'use 0 to 15');
      }
      if (seen.has(db)) {
        throw new PlatformConfigError(this.where(`redisDatabases.${purpose}`), `database ${db} is also used for ${seen.get(db)}`,
          'give cache, Celery broker, Celery results and SQL Lab results a database each');
      }
      seen.set(db, purpose);
    }
    return dbs;
  }
}

/** What superset_config.py is generated from. */
interface ConfigInput {
  readonly redis: Endpoint;
  readonly redisAuth: boolean;
  readonly databases: SupersetRedisDatabases;
  readonly trinoUri?: string;
  readonly remoteUserAuth: boolean;
  readonly featureFlags: Readonly<Record<string, boolean>>;
}

const py = (v: string | number | boolean): string => (typeof v === 'boolean' ? (v ? 'True' : 'False') : typeof v === 'number' ? String(v) : JSON.stringify(v));

/** superset_config.py: no secret value in it; secrets are read from the container's environment. */
export function renderConfig(c: ConfigInput): string {
  const flags = Object.entries(c.featureFlags).sort(([a], [b]) => compareStrings(a, b)).map(([k, v]) => `    ${py(k)}: ${py(v)},`);
  return [
    '# superset_config.py, generated by the 254Carbon data platform (src/components/superset). Do not edit.',
    '# Secret values are not in this file: they come from Secret references in the pod environment.',
    'import os',
    'from urllib.parse import quote',
    '',
    'from cachelib.redis import RedisCache',
    'from celery.schedules import crontab',
    'from flask_appbuilder.security.manager import AUTH_DB, AUTH_REMOTE_USER',
    '',
    '',
    'def _required(name):',
    '    value = os.environ.get(name, "")',
    '    if not value:',
    '        raise RuntimeError(f"{name} is not set; it comes from a Secret reference of the pod")',
    '    return value',
    '',
    '',
    'SECRET_KEY = _required("SUPERSET_SECRET_KEY")',
    'SQLALCHEMY_DATABASE_URI = _required("DATABASE_URI")',
    '',
    '# Redis (the Redis component): one database per purpose.',
    `REDIS_HOST = ${py(c.redis.host)}`,
    `REDIS_PORT = ${c.redis.port}`,
    `REDIS_PASSWORD = ${c.redisAuth ? '_required("REDIS_PASSWORD")' : 'None'}`,
    `REDIS_CACHE_DB = ${c.databases.cache}`,
    `REDIS_CELERY_BROKER_DB = ${c.databases.celeryBroker}`,
    `REDIS_CELERY_RESULTS_DB = ${c.databases.celeryResults}`,
    `REDIS_SQLLAB_RESULTS_DB = ${c.databases.sqlLabResults}`,
    '',
    '',
    'def _redis_url(db):',
    '    auth = ":" + quote(REDIS_PASSWORD, safe="") + "@" if REDIS_PASSWORD else ""',
    '    return "redis://" + auth + REDIS_HOST + ":" + str(REDIS_PORT) + "/" + str(db)',
    '',
    '',
    'CACHE_CONFIG = {',
    '    "CACHE_TYPE": "RedisCache",',
    '    "CACHE_DEFAULT_TIMEOUT": 300,',
    '    "CACHE_KEY_PREFIX": "superset_cache_",',
    '    "CACHE_REDIS_URL": _redis_url(REDIS_CACHE_DB),',
    '}',
    'DATA_CACHE_CONFIG = {**CACHE_CONFIG, "CACHE_DEFAULT_TIMEOUT": 86400, "CACHE_KEY_PREFIX": "superset_data_"}',
    'FILTER_STATE_CACHE_CONFIG = {**CACHE_CONFIG, "CACHE_DEFAULT_TIMEOUT": 86400, "CACHE_KEY_PREFIX": "superset_filter_"}',
    'EXPLORE_FORM_DATA_CACHE_CONFIG = {**CACHE_CONFIG, "CACHE_DEFAULT_TIMEOUT": 86400, "CACHE_KEY_PREFIX": "superset_explore_"}',
    '',
    'RESULTS_BACKEND = RedisCache(',
    '    host=REDIS_HOST, port=REDIS_PORT, password=REDIS_PASSWORD, db=REDIS_SQLLAB_RESULTS_DB, key_prefix="superset_results_",',
    // Every key outside the broker carries a TTL: Redis runs maxmemory-policy noeviction (the broker's keys must
    // never be evicted), so expiry is what bounds the memory of cache and results.
    '    default_timeout=86400,',
    ')',
    'SQLLAB_ASYNC_TIME_LIMIT_SEC = 3600',
    '',
    '',
    'class CeleryConfig:',
    '    broker_url = _redis_url(REDIS_CELERY_BROKER_DB)',
    '    result_backend = _redis_url(REDIS_CELERY_RESULTS_DB)',
    '    result_expires = 86400',
    '    imports = ("superset.sql_lab", "superset.tasks.scheduler", "superset.tasks.thumbnails", "superset.tasks.cache")',
    '    worker_prefetch_multiplier = 1',
    '    task_acks_late = False',
    '    task_annotations = {"sql_lab.get_sql_results": {"rate_limit": "100/s"}}',
    '    beat_schedule = {',
    '        "reports.scheduler": {"task": "reports.scheduler", "schedule": crontab(minute="*", hour="*")},',
    '        "reports.prune_log": {"task": "reports.prune_log", "schedule": crontab(minute=10, hour=0)},',
    '    }',
    '',
    '',
    'CELERY_CONFIG = CeleryConfig',
    '',
    ...(c.trinoUri ? ['# The Trino coordinator (registered as a database by the init Job).', `TRINO_SQLALCHEMY_URI = ${py(c.trinoUri)}`, ''] : []),
    '# Behind the ingress, which terminates TLS.',
    'ENABLE_PROXY_FIX = True',
    'PREFERRED_URL_SCHEME = "https"',
    'SESSION_COOKIE_SECURE = True',
    'SESSION_COOKIE_HTTPONLY = True',
    'SESSION_COOKIE_SAMESITE = "Lax"',
    'WTF_CSRF_ENABLED = True',
    '',
    ...(c.remoteUserAuth ? [
      '# The ingress (Cloudflare Access) authenticates and forwards the user in the X-WEBAUTH-USER header.',
      'AUTH_TYPE = AUTH_REMOTE_USER',
      `AUTH_REMOTE_USER_ENV_VAR = "HTTP_${SUPERSET_IDENTITY_HEADER.replace(/-/g, '_').toUpperCase()}"`,
      'AUTH_USER_REGISTRATION = True',
      'AUTH_USER_REGISTRATION_ROLE = "Gamma"',
    ] : [
      'AUTH_TYPE = AUTH_DB',
      'AUTH_USER_REGISTRATION = False',
    ]),
    '',
    'FEATURE_FLAGS = {',
    ...flags,
    '}',
    '',
  ].join('\n');
}
