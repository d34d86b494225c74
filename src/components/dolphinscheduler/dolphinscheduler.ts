import { JsonPatch } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { PlatformComponent, PlatformComponentProps, PRE_SYNC_HOOK } from '../../core/component';
import { PlatformConfigError } from '../../core/errors';
import { Endpoint, ServiceDescriptor } from '../../core/graph';
import { Image } from '../../core/image';
import { parseQuantity, ResourceRequirements } from '../../core/resources';
import { Deviation } from '../../core/security';
import { ContainerSpec, EnvValue, httpProbe } from '../../core/workload';
import { MINIO_DEFAULT_IMAGE, MINIO_SERVICE } from '../minio/minio';
import { deriveJvmSizing, JvmSizing } from './memory';
import { FINISH_SCRIPT, GUARD_SCRIPT, MIGRATE_ENV, SOFT_VERSION_ENV, TOOLS_SCHEMA_VERSIONS } from './schema';
import { ZOOKEEPER_SERVICE } from '../zookeeper/zookeeper';

/** The four servers of DolphinScheduler. */
export type DolphinSchedulerRole = 'api' | 'master' | 'worker' | 'alert';

/** The Services of the stack, with the reference pack's names and ports (plus the actuator ports). */
export const DOLPHINSCHEDULER_SERVICES = {
  api: { component: 'dolphinscheduler', name: 'dolphinscheduler-api', ports: { api: 12345 } },
  master: { component: 'dolphinscheduler', name: 'dolphinscheduler-master', ports: { master: 5678, actuator: 5679 } },
  worker: { component: 'dolphinscheduler', name: 'dolphinscheduler-worker', ports: { worker: 1234, actuator: 1235 } },
  alert: { component: 'dolphinscheduler', name: 'dolphinscheduler-alert', ports: { alert: 50053 } },
} as const satisfies Record<DolphinSchedulerRole, ServiceDescriptor>;

/** Container ports, health paths and image names per server (upstream chart 3.2.2). */
const SERVERS: Record<DolphinSchedulerRole, { image: string; ports: Record<string, number>; health: { port: number; path: string } }> = {
  api: { image: 'dolphinscheduler-api', ports: { 'api': 12345, 'python-api': 25333 }, health: { port: 12345, path: '/dolphinscheduler/actuator/health' } },
  master: { image: 'dolphinscheduler-master', ports: { master: 5678, actuator: 5679 }, health: { port: 5679, path: '/actuator/health' } },
  worker: { image: 'dolphinscheduler-worker', ports: { worker: 1234, actuator: 1235 }, health: { port: 1235, path: '/actuator/health' } },
  alert: { image: 'dolphinscheduler-alert-server', ports: { 'alert-rpc': 50052, 'alert': 50053 }, health: { port: 50053, path: '/actuator/health' } },
};

/** Props of `DolphinSchedulerStack`. */
export interface DolphinSchedulerStackProps extends PlatformComponentProps {
  /**
   * The one DolphinScheduler version of every server image and of the schema Job's tools image.
   * @default '3.2.2'
   */
  readonly version?: string;
  /**
   * The registry and organisation the images come from.
   * @default 'docker.io/apache'
   */
  readonly imageRepositoryPrefix?: string;
  /**
   * The image of the small wait-for init containers (needs `nc`).
   * @default 'docker.io/library/busybox:1.36.1'
   */
  readonly waitImage?: string;
  /**
   * The object-store bucket holding the resource center's uploads.
   * @default 'dolphinscheduler'
   */
  readonly resourceBucket?: string;
  /**
   * How long a server blocks at start until ZooKeeper answers (`REGISTRY_ZOOKEEPER_BLOCK_UNTIL_CONNECTED`).
   * At 3.2.2 the master and alert server default to 600ms (their application.yaml) and a server whose registry
   * does not connect in that time fails to start (ZookeeperRegistry.java:105). This is start-up robustness; it is
   * not the fix of the master's `serverNodeManager` NullPointerException, which was bad worker-group data (see
   * `REPAIR_WORKER_GROUPS_SQL` in ./schema.ts).
   * @default '30s'
   */
  readonly registryBlockUntilConnected?: string;
  /**
   * The PostgreSQL client image of the schema guard and finish steps (needs `sh` and `psql`; the tools image has
   * no psql).
   * @default 'docker.io/library/postgres:16.13'
   */
  readonly postgresClientImage?: string;
  /**
   * The MinIO client image of the api and worker init container that makes sure the resource bucket exists
   * (needs `sh` and `mc`).
   * @default MINIO_DEFAULT_IMAGE (the MinIO server image, which ships `mc`)
   */
  readonly minioClientImage?: string;
}

/** The ServiceAccount, Role and RoleBinding name. */
export const DOLPHINSCHEDULER_SERVICE_ACCOUNT = 'dolphinscheduler';
/** The schema Job's name. */
export const DOLPHINSCHEDULER_SCHEMA_JOB = 'dolphinscheduler-init-db';

/** The share of the worker's memory limit its JVM is sized for; the rest is for the tasks it runs. */
export const WORKER_JVM_SHARE = 0.5;

const ROOT_REASON = 'the apache/dolphinscheduler images set no USER and their files belong to root; the upstream chart runs them as root';
const WORKER_REASONS: readonly Deviation[] = [
  { kind: 'runAsRoot', reason: `${ROOT_REASON}; the worker also switches to the task tenant with sudo` },
  { kind: 'writableRootFilesystem', reason: 'the worker creates tenant users (useradd writes /etc/passwd and /etc/group) and their home directories' },
  { kind: 'addCapabilities', capabilities: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'],
    reason: 'sudo -u <tenant> and tenant creation need to change user and group and to chown task directories' },
];

/**
 * DolphinScheduler: api, master, worker and alert servers (Deployments with the reference names and
 * selectors), their Services, the ServiceAccount/Role/RoleBinding, and the schema Job.
 *
 * Encoded remediations: the registry address is the FQDN of the environment's ZooKeeper Service in every
 * server; every server waits for ZooKeeper in an init container and blocks 30s for its registry (start-up
 * ordering only: the master's `serverNodeManager` NullPointerException of the remediation report came from the
 * old init Job's worker group row with a NULL `addr_list`, repaired by the schema step); the schema Job is an
 * Argo CD PreSync hook, so it runs before any server, and never lets the upstream installer drop an existing
 * database (guard, upstream `upgrade-schema.sh`, finish: see ./schema.ts); the JVMs get absolute sizes derived
 * from the container limits (./memory.ts); api and worker make sure their bucket exists before they start;
 * probes use the actuator health groups; resources are stored on MinIO (S3), visible to every worker and kept
 * across restarts; the worker's ephemeral storage is limited; workloads of more than one replica get a
 * PodDisruptionBudget and a spread over nodes.
 */
export class DolphinSchedulerStack extends PlatformComponent {
  /** The DolphinScheduler version of every image. */
  public readonly version: string;
  /** The registry connect string every server uses. */
  public readonly registryConnectString: string;
  /** The JVM sizing of each server, derived from its container limits. */
  public readonly jvmSizing: Partial<Record<DolphinSchedulerRole, JvmSizing>> = {};

  constructor(scope: Construct, id: string, props: DolphinSchedulerStackProps) {
    super(scope, id, 'dolphinscheduler', props);
    const cfg = props.environment.components.dolphinscheduler;
    this.version = props.version ?? '3.2.2';
    const prefix = props.imageRepositoryPrefix ?? 'docker.io/apache';
    const image = (name: string) => Image.parse(`${prefix}/${name}:${this.version}`, this.where('version'));
    const waitImage = Image.parse(props.waitImage ?? 'docker.io/library/busybox:1.36.1', this.where('waitImage'));
    const bucket = props.resourceBucket ?? 'dolphinscheduler';

    const db = props.environment.external.databases[cfg.database];
    if (!db) {
      throw new PlatformConfigError(this.where('components.dolphinscheduler.database'), `database '${cfg.database}' is not declared`,
        `declare it under external.databases.${cfg.database} or set components.dolphinscheduler.database to one of: ${Object.keys(props.environment.external.databases).join(', ') || '(none declared)'}`);
    }
    const dbEndpoint = this.externalEndpoint(db.service);
    const zk = this.endpoint(ZOOKEEPER_SERVICE, 'client');
    this.registryConnectString = zk.hostPort;
    const s3 = this.endpoint(MINIO_SERVICE, 'minio-api');
    this.graph.claimBucket({ component: this.component, bucket, purpose: 'DolphinScheduler resource center' });
    const minioSecret = props.environment.components.minio.rootCredentialsSecret;

    const common: Record<string, EnvValue> = {
      TZ: cfg.timezone,
      SPRING_JACKSON_TIME_ZONE: cfg.timezone,
      DATABASE: 'postgresql',
      SPRING_PROFILES_ACTIVE: 'postgresql',
      SPRING_DATASOURCE_URL: `jdbc:postgresql://${dbEndpoint.hostPort}/${db.database}?characterEncoding=utf8`,
      SPRING_DATASOURCE_USERNAME: db.username,
      SPRING_DATASOURCE_PASSWORD: this.externalSecretKeyRef(db.passwordSecret.name, db.passwordSecret.key),
      SPRING_DATASOURCE_DRIVER_CLASS_NAME: 'org.postgresql.Driver',
      REGISTRY_TYPE: 'zookeeper',
      REGISTRY_ZOOKEEPER_CONNECT_STRING: this.registryConnectString,
      REGISTRY_ZOOKEEPER_NAMESPACE: 'dolphinscheduler',
      REGISTRY_ZOOKEEPER_BLOCK_UNTIL_CONNECTED: props.registryBlockUntilConnected ?? '30s',
    };
    const storage: Record<string, EnvValue> = {
      RESOURCE_STORAGE_TYPE: 'S3',
      RESOURCE_UPLOAD_PATH: '/dolphinscheduler',
      RESOURCE_STORAGE_UPLOAD_BASE_PATH: '/dolphinscheduler',
      RESOURCE_AWS_S3_BUCKET_NAME: bucket,
      RESOURCE_AWS_S3_ENDPOINT: s3.url('http'),
      RESOURCE_AWS_REGION: props.environment.components.minio.region,
      RESOURCE_AWS_ACCESS_KEY_ID: this.externalSecretKeyRef(minioSecret, 'access-key'),
      RESOURCE_AWS_SECRET_ACCESS_KEY: this.externalSecretKeyRef(minioSecret, 'secret-key'),
    };
    const perRole: Record<DolphinSchedulerRole, Record<string, EnvValue>> = {
      api: { ...storage },
      master: {
        MASTER_LISTEN_PORT: String(SERVERS.master.ports.master),
        MASTER_EXEC_THREADS: String(cfg.masterExecThreads),
        MASTER_TASK_COMMIT_RETRY_TIMES: '5',
        MASTER_TASK_COMMIT_INTERVAL: '1000',
      },
      worker: { ...storage, WORKER_EXEC_THREADS: String(cfg.workerExecThreads), DEFAULT_TENANT_ENABLED: 'false' },
      alert: { ALERT_PLUGIN_DIR: '/opt/dolphinscheduler/alert-plugin' },
    };

    this.addRbac();
    const pgImage = Image.parse(props.postgresClientImage ?? 'docker.io/library/postgres:16.13', this.where('postgresClientImage'));
    const mcImage = Image.parse(props.minioClientImage ?? MINIO_DEFAULT_IMAGE, this.where('minioClientImage'));

    // The schema Job, a PreSync hook (Argo CD runs it before any server): the guard refuses, with nothing
    // changed, a database upgrade-schema.sh would drop (tables but no version table), and moves a hand-made one
    // aside when asked; upgrade-schema.sh of the same version installs or upgrades; the finish step copies the
    // moved rows back and repairs the worker groups that stop the master. Each step is idempotent.
    const pgEnv: Record<string, EnvValue> = {
      PGHOST: dbEndpoint.host,
      PGPORT: String(dbEndpoint.port),
      PGDATABASE: db.database,
      PGUSER: db.username,
      PGPASSWORD: this.externalSecretKeyRef(db.passwordSecret.name, db.passwordSecret.key),
      PGCONNECT_TIMEOUT: '10',
      PGAPPNAME: 'dolphinscheduler-schema',
      HOME: '/tmp',
    };
    const psqlContainer = (name: string, script: string, extra: Record<string, EnvValue> = {}): ContainerSpec => ({
      name,
      image: pgImage,
      command: ['sh', '-c', script],
      env: { ...pgEnv, ...extra },
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
      security: { uid: 65534, gid: 65534 },
      writablePaths: ['/tmp'],
    });
    const toolsResources = this.resourcesFor('small', 'resources.schema');
    const toolsJvm = deriveJvmSizing(toolsResources.limits, this.where('resources.schema'));
    this.addJob({ name: DOLPHINSCHEDULER_SCHEMA_JOB, role: 'schema-init', version: this.version, annotations: { ...PRE_SYNC_HOOK } }, {
      backoffLimit: 3,
      activeDeadlineSeconds: 1800,
      pod: {
        initContainers: [
          this.waitFor('wait-for-database', waitImage, dbEndpoint),
          psqlContainer('schema-guard', GUARD_SCRIPT, {
            [MIGRATE_ENV]: String(cfg.schema.migrateHandMadeSchema),
            // Refuses a database newer than these tools write (a version not read here: no check).
            ...(TOOLS_SCHEMA_VERSIONS[this.version] ? { [SOFT_VERSION_ENV]: TOOLS_SCHEMA_VERSIONS[this.version] } : {}),
          }),
          {
            name: 'upgrade-schema',
            image: image('dolphinscheduler-tools'),
            workingDir: '/opt/dolphinscheduler',
            command: ['tools/bin/upgrade-schema.sh'],
            // upgrade-schema.sh defaults JAVA_OPTS to -Xms1g -Xmx1g (tools/bin/upgrade-schema.sh:26), above the limit.
            env: { ...common, JAVA_OPTS: `${toolsJvm.javaOpts} -Duser.timezone=${cfg.timezone}` },
            resources: toolsResources,
            security: { deviations: [{ kind: 'runAsRoot', reason: ROOT_REASON }] },
            writablePaths: ['/tmp', '/opt/dolphinscheduler/logs'],
          },
        ],
        containers: [psqlContainer('schema-finish', FINISH_SCRIPT)],
      },
    });

    for (const role of ['api', 'master', 'worker', 'alert'] as const) {
      const service = DOLPHINSCHEDULER_SERVICES[role];
      const server = SERVERS[role];
      const selector = { app: service.name };
      const probe = (group: string, timing: Parameters<typeof httpProbe>[2]) =>
        httpProbe(`${server.health.path}/${group}`, server.health.port, timing);
      const resources: ResourceRequirements = this.resourcesFor(cfg.resources[role], `resources.${role}`);
      const jvm = deriveJvmSizing(resources.limits, this.where(`components.dolphinscheduler.resources.${role}`), role === 'worker' ? { jvmShare: WORKER_JVM_SHARE } : {});
      this.jvmSizing[role] = jvm;
      const usesBucket = role === 'api' || role === 'worker';
      this.addService(service, { selector, role, version: this.version });
      const id = { name: service.name, role, version: this.version, selector };
      const deployment = this.addDeployment(id, {
        replicas: cfg.replicas[role],
        pod: {
          serviceAccountName: DOLPHINSCHEDULER_SERVICE_ACCOUNT,
          automountServiceAccountToken: true,
          terminationGracePeriodSeconds: 60,
          initContainers: [
            this.waitFor('wait-for-zookeeper', waitImage, zk),
            ...(usesBucket ? [this.ensureBucket(mcImage, s3.url('http'), bucket, minioSecret)] : []),
          ],
          containers: [{
            name: service.name,
            image: image(server.image),
            ports: server.ports,
            // JAVA_OPTS replaces bin/jvm_args_env.sh (start.sh:36), which also set -Duser.timezone: keep it.
            env: { ...common, JAVA_OPTS: `${jvm.javaOpts} -Duser.timezone=${cfg.timezone}`, ...perRole[role] },
            resources,
            security: { deviations: role === 'worker' ? WORKER_REASONS : [{ kind: 'runAsRoot', reason: ROOT_REASON }] },
            writablePaths: ['/tmp', '/opt/dolphinscheduler/logs'],
            startupProbe: probe('liveness', { initialDelaySeconds: 20, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 30 }),
            livenessProbe: probe('liveness', { periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 }),
            readinessProbe: probe('readiness', { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 }),
          }],
        },
      });
      if (role === 'worker') {
        // Tasks run on the worker's writable root filesystem and in /tmp (an emptyDir, counted in the pod's
        // ephemeral storage): the kubelet evicts the worker at the limit instead of the node filling up.
        const es = cfg.workerEphemeralStorage;
        if (parseQuantity(es.limit, 'workerEphemeralStorage.limit') < parseQuantity(es.request, 'workerEphemeralStorage.request')) {
          throw new PlatformConfigError(this.where('components.dolphinscheduler.workerEphemeralStorage'),
            `the ephemeral-storage limit ${es.limit} is below the request ${es.request}`, 'raise limit to at least request');
        }
        // (Quantity objects: the generated KubeDeployment.toJson maps resource values through `.value`.)
        deployment.addJsonPatch(
          JsonPatch.add('/spec/template/spec/containers/0/resources/requests/ephemeral-storage', k8s.Quantity.fromString(es.request)),
          JsonPatch.add('/spec/template/spec/containers/0/resources/limits/ephemeral-storage', k8s.Quantity.fromString(es.limit)));
      }
      if ((cfg.replicas[role] ?? 0) > 1) {
        // One voluntary eviction at a time, and replicas spread over nodes (soft: a small cluster still schedules).
        this.addPodDisruptionBudget(id);
        deployment.addJsonPatch(JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [{
          maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector },
        }]));
      }
    }

    // The UI (served by the api server) in the portal, while an api server runs.
    if (cfg.replicas.api > 0) {
      this.addDiscoverable({
        id: 'dolphinscheduler', name: 'DolphinScheduler', category: 'workflow', icon: 'workflow',
        description: 'Workflow orchestration and task scheduling',
        service: DOLPHINSCHEDULER_SERVICES.api, port: 'api', health: { path: SERVERS.api.health.path },
        publicHost: 'dolphinscheduler', publicPath: '/dolphinscheduler/ui/',
      });
    }
  }

  /**
   * An init container that waits for MinIO and creates the resource bucket if it is missing (idempotent,
   * `mc mb --ignore-existing`). The 3.2.2 S3 storage plugin checks the bucket when the api and worker start and
   * refuses to start without it (S3StorageOperator.init -> checkBucketNameExists: "bucketName: ... is not
   * exists, you need to create them by yourself"); MinIO's own bucket Job is a PostSync hook of the MinIO
   * Application, so without this the servers depend on the order Argo CD syncs the two Applications in.
   */
  private ensureBucket(image: Image, endpoint: string, bucket: string, secret: string): ContainerSpec {
    return {
      name: 'ensure-bucket',
      image,
      command: ['sh', '-c', [
        'set -eu',
        `until mc alias set platform ${endpoint} "$MC_ACCESS_KEY" "$MC_SECRET_KEY" >/dev/null; do echo "waiting for MinIO at ${endpoint}"; sleep 5; done`,
        `mc mb --ignore-existing platform/${bucket}`,
        `mc stat platform/${bucket} >/dev/null`,
        `echo "bucket ${bucket} exists"`,
      ].join('\n')],
      env: {
        MC_ACCESS_KEY: this.externalSecretKeyRef(secret, 'access-key'),
        MC_SECRET_KEY: this.externalSecretKeyRef(secret, 'secret-key'),
        MC_CONFIG_DIR: '/tmp/.mc',
      },
      resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
      security: { uid: 65534, gid: 65534 },
      writablePaths: ['/tmp'],
    };
  }

  /** An init container that blocks until a TCP endpoint accepts connections (bounded by the pod's own limits). */
  private waitFor(name: string, image: Image, target: Endpoint): ContainerSpec {
    return {
      name,
      image,
      command: ['sh', '-c', `until nc -z -w 2 ${target.host} ${target.port}; do echo "waiting for ${target.hostPort}"; sleep 2; done`],
      resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '32Mi' } },
      security: { uid: 65534, gid: 65534 },
    };
  }

  private addRbac(): void {
    const labels = this.labelsFor('rbac', this.version);
    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: { name: DOLPHINSCHEDULER_SERVICE_ACCOUNT, labels } });
    new k8s.KubeRole(this, 'Role', {
      metadata: { name: DOLPHINSCHEDULER_SERVICE_ACCOUNT, labels },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }],
    });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: { name: DOLPHINSCHEDULER_SERVICE_ACCOUNT, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: DOLPHINSCHEDULER_SERVICE_ACCOUNT },
      subjects: [{ kind: 'ServiceAccount', name: DOLPHINSCHEDULER_SERVICE_ACCOUNT, namespace: this.ns }],
    });
  }
}
