import { Construct } from 'constructs';
import { PlatformComponent, PlatformComponentProps } from '../../core/component';
import { PlatformConfigError } from '../../core/errors';
import { addExternalSecret } from '../../core/external-secret';
import { SecretDescriptor, ServiceDescriptor } from '../../core/graph';
import { Image } from '../../core/image';
import { EnvValue, execProbe } from '../../core/workload';

/** The Redis Service, `redis-service` on 6379, as in the reference pack. */
export const REDIS_SERVICE: ServiceDescriptor<'redis'> = { component: 'redis', name: 'redis-service', ports: { redis: 6379 } };

/** The key of the Redis password (the Bitnami chart's key name). */
export type RedisPasswordKey = 'redis-password';
/** The Secret holding the Redis password; produced (by an ExternalSecret) only where auth is enabled. */
export const REDIS_PASSWORD_SECRET: SecretDescriptor<RedisPasswordKey> = { component: 'redis', name: 'redis-secret', keys: ['redis-password'] };

/**
 * The default image repository. Bitnami moved its versioned tags to `docker.io/bitnamilegacy/*` on 28 Aug 2025;
 * pulls of `docker.io/bitnami/redis:<version>` fail since (upstream-facts.md §3).
 */
export const DEFAULT_REDIS_REPOSITORY = 'docker.io/bitnamilegacy/redis';
/** The default tag: the image of Bitnami chart 19.6.4 (Redis 7.2.5). */
export const DEFAULT_REDIS_TAG = '7.2.5-debian-12-r4';

/** The ConfigMap mounted read-only at `/opt/bitnami/redis/mounted-etc`. */
export const REDIS_CONFIG_MAP = 'redis-configuration';

/** Props of `BitnamiRedis`. */
export interface BitnamiRedisProps extends PlatformComponentProps {
  /**
   * The image repository, registry-qualified. `docker.io/bitnami/*` is rejected: its versioned tags no longer pull.
   * @default 'docker.io/bitnamilegacy/redis'
   */
  readonly imageRepository?: string;
  /**
   * The pinned image tag (`latest` is rejected).
   * @default '7.2.5-debian-12-r4'
   */
  readonly imageTag?: string;
  /**
   * Where the password lives in the secret store (used when `components.redis.auth.enabled`).
   * @default - key `data-platform/<environment>/redis`, property `redis-password`
   */
  readonly passwordRemoteRef?: { readonly key: string; readonly property?: string };
  /**
   * Commands renamed away (disabled) in `master.conf`.
   * @default ['FLUSHDB', 'FLUSHALL'] (the Bitnami chart's and the reference pack's)
   */
  readonly disableCommands?: readonly string[];
}

const UID = 1001; // the Bitnami images' non-root user
const ETC = '/opt/bitnami/redis/etc';
const MOUNTED_ETC = '/opt/bitnami/redis/mounted-etc';
const DATA = '/data';
const COMMAND = /^[A-Z][A-Z-]*$/;

/**
 * Redis on the Bitnami image for Superset's cache, Celery broker and results: Deployment `redis` (selector
 * `app: redis`, as in the reference pack) behind Service `redis-service` on 6379.
 *
 * Encoded remediations: the image is pinned in `bitnamilegacy` (the `bitnami/` tags no longer pull); the
 * container runs as uid/gid 1001 with fsGroup 1001, runAsNonRoot, a read-only root filesystem, no privilege
 * escalation, ALL capabilities dropped and seccomp RuntimeDefault, with exactly the writable volumes the
 * Bitnami layout needs (data at `/data`, `/opt/bitnami/redis/etc`, `/tmp`) and the configuration mounted
 * read-only from a ConfigMap at `/opt/bitnami/redis/mounted-etc`; the probes ping with `redis-cli` as the
 * chart's health scripts do; password auth is on wherever the environment enables it, from a Secret reference.
 */
export class BitnamiRedis extends PlatformComponent {
  public static readonly SERVICE = REDIS_SERVICE;

  /** The password Secret, when auth is enabled. */
  public readonly passwordSecret?: SecretDescriptor<RedisPasswordKey>;
  /** The Redis image in use. */
  public readonly image: Image;

  constructor(scope: Construct, id: string, props: BitnamiRedisProps) {
    super(scope, id, 'redis', props);
    const cfg = props.environment.components.redis;
    this.image = Image.parse(`${props.imageRepository ?? DEFAULT_REDIS_REPOSITORY}:${props.imageTag ?? DEFAULT_REDIS_TAG}`, this.where('imageRepository/imageTag'));
    if (this.image.registry === 'docker.io' && this.image.repository.startsWith('bitnami/')) {
      throw new PlatformConfigError(this.where('imageRepository'), `'${this.image.reference}' is in docker.io/bitnami, whose versioned tags no longer pull (moved on 28 Aug 2025)`,
        `use '${this.image.registry}/bitnamilegacy/${this.image.repository.slice('bitnami/'.length)}' or a mirror in your registry`);
    }
    const version = this.image.tag;
    const selector = { app: 'redis' };
    const port = REDIS_SERVICE.ports.redis;
    const disabled = props.disableCommands ?? ['FLUSHDB', 'FLUSHALL'];
    for (const c of disabled) {
      if (!COMMAND.test(c)) {
        throw new PlatformConfigError(this.where('disableCommands'), `'${c}' is not a Redis command name`, "write it upper-case, e.g. 'FLUSHALL'");
      }
    }

    const env: Record<string, EnvValue> = {
      REDIS_REPLICATION_MODE: 'master',
      REDIS_PORT: String(port),
    };
    if (cfg.auth.enabled) {
      const secret = addExternalSecret(this, {
        name: REDIS_PASSWORD_SECRET.name,
        role: 'cache',
        version,
        data: { 'redis-password': props.passwordRemoteRef ?? { key: `data-platform/${this.environment.name}/redis`, property: 'redis-password' } },
      });
      this.passwordSecret = secret;
      env.REDIS_PASSWORD = this.secretKeyRef(secret, 'redis-password');
    }

    this.addConfigMap(REDIS_CONFIG_MAP, {
      // The Bitnami chart's defaults: append-only file, no RDB snapshots.
      'redis.conf': ['appendonly yes', 'save ""', ''].join('\n'),
      'master.conf': [`dir ${DATA}`, ...disabled.map((c) => `rename-command ${c} ""`), ''].join('\n'),
    }, 'cache', version);

    // The chart's start-master.sh: copy the mounted configuration to the writable etc dir, then exec redis-server.
    const start = [
      'set -eu',
      `cp ${MOUNTED_ETC}/redis.conf ${ETC}/redis.conf`,
      `cp ${MOUNTED_ETC}/master.conf ${ETC}/master.conf`,
      'ARGS=("--port" "${REDIS_PORT}")',
      cfg.auth.enabled ? 'ARGS+=("--requirepass" "${REDIS_PASSWORD}")' : 'ARGS+=("--protected-mode" "no")',
      `ARGS+=("--include" "${ETC}/redis.conf")`,
      `ARGS+=("--include" "${ETC}/master.conf")`,
      'exec redis-server "${ARGS[@]}"',
    ].join('\n');
    // The chart's ping_liveness_local.sh / ping_readiness_local.sh: redis-cli reads the password from REDISCLI_AUTH.
    const ping = (timeout: number, accept: string) => execProbe(['/bin/bash', '-c', [
      '[ -n "${REDIS_PASSWORD:-}" ] && export REDISCLI_AUTH="$REDIS_PASSWORD"',
      `response=$(timeout -s 15 ${timeout} redis-cli -h localhost -p ${port} ping)`,
      `case "$response" in ${accept}) exit 0 ;; *) echo "$response"; exit 1 ;; esac`,
    ].join('\n')], { initialDelaySeconds: 20, periodSeconds: 5, timeoutSeconds: timeout + 1, failureThreshold: 5 });

    this.addService(REDIS_SERVICE, { selector, role: 'cache', version });
    this.addDeployment({ name: 'redis', role: 'cache', version, selector }, {
      replicas: 1,
      // One Redis at a time: two pods behind the Service would split the cache and the Celery queues.
      strategy: { type: 'Recreate' },
      pod: {
        fsGroup: UID,
        containers: [{
          name: 'redis',
          image: this.image,
          command: ['/bin/bash', '-c', start],
          ports: { redis: port },
          env,
          resources: this.resourcesFor(cfg.resources, 'resources'),
          security: { uid: UID, gid: UID },
          writablePaths: [ETC, '/tmp'],
          mounts: [
            { name: 'redis-data', mountPath: DATA },
            { name: 'redis-config', mountPath: MOUNTED_ETC, readOnly: true },
          ],
          livenessProbe: ping(5, 'PONG|LOADING*|MASTERDOWN*'),
          readinessProbe: ping(1, 'PONG'),
        }],
        volumes: [
          // Cache and broker state: kept across container restarts, not across pod rescheduling (as in the pack).
          { name: 'redis-data', emptyDir: {} },
          { name: 'redis-config', configMap: { name: REDIS_CONFIG_MAP } },
        ],
      },
    });
  }
}
