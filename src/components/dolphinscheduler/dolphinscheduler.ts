import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { PlatformComponent, PlatformComponentProps, PRE_SYNC_HOOK } from '../../core/component';
import { PlatformConfigError } from '../../core/errors';
import { Endpoint, ServiceDescriptor } from '../../core/graph';
import { Image } from '../../core/image';
import { ResourceRequirements } from '../../core/resources';
import { Deviation } from '../../core/security';
import { ContainerSpec, EnvValue, httpProbe } from '../../core/workload';
import { MINIO_SERVICE } from '../minio/minio';
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
   * How long a server blocks at start until ZooKeeper answers (`REGISTRY_ZOOKEEPER_BLOCK_UNTIL_CONNECTED`);
   * the upstream default of 600ms kills a master that starts before its registry.
   * @default '30s'
   */
  readonly registryBlockUntilConnected?: string;
}

/** The ServiceAccount, Role and RoleBinding name. */
export const DOLPHINSCHEDULER_SERVICE_ACCOUNT = 'dolphinscheduler';
/** The schema Job's name. */
export const DOLPHINSCHEDULER_SCHEMA_JOB = 'dolphinscheduler-init-db';

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
 * server; every server waits for ZooKeeper in an init container and blocks 30s for its registry; the
 * schema Job (the upstream `dolphinscheduler-tools` upgrade-schema of the same version, idempotent) is an
 * Argo CD PreSync hook, so it runs before any server; probes use the actuator health groups; resources are
 * stored on MinIO (S3), visible to every worker and kept across restarts.
 */
export class DolphinSchedulerStack extends PlatformComponent {
  /** The DolphinScheduler version of every image. */
  public readonly version: string;
  /** The registry connect string every server uses. */
  public readonly registryConnectString: string;

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
      JAVA_OPTS: '-XX:InitialRAMPercentage=50.0 -XX:MaxRAMPercentage=70.0 -XX:+ExitOnOutOfMemoryError',
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

    // The schema Job: upstream tools image, same version, idempotent upgrade-schema (creates on first run,
    // upgrades after; it never resets users or passwords). A PreSync hook: Argo CD runs it before the servers.
    this.addJob({ name: DOLPHINSCHEDULER_SCHEMA_JOB, role: 'schema-init', version: this.version, annotations: { ...PRE_SYNC_HOOK } }, {
      backoffLimit: 3,
      activeDeadlineSeconds: 1800,
      pod: {
        initContainers: [this.waitFor('wait-for-database', waitImage, dbEndpoint)],
        containers: [{
          name: 'upgrade-schema',
          image: image('dolphinscheduler-tools'),
          workingDir: '/opt/dolphinscheduler',
          command: ['tools/bin/upgrade-schema.sh'],
          env: common,
          resources: this.resourcesFor('small', 'resources.schema'),
          security: { deviations: [{ kind: 'runAsRoot', reason: ROOT_REASON }] },
          writablePaths: ['/tmp', '/opt/dolphinscheduler/logs'],
        }],
      },
    });

    for (const role of ['api', 'master', 'worker', 'alert'] as const) {
      const service = DOLPHINSCHEDULER_SERVICES[role];
      const server = SERVERS[role];
      const selector = { app: service.name };
      const probe = (group: string, timing: Parameters<typeof httpProbe>[2]) =>
        httpProbe(`${server.health.path}/${group}`, server.health.port, timing);
      const resources: ResourceRequirements = this.resourcesFor(cfg.resources[role], `resources.${role}`);
      this.addService(service, { selector, role, version: this.version });
      this.addDeployment({ name: service.name, role, version: this.version, selector }, {
        replicas: cfg.replicas[role],
        pod: {
          serviceAccountName: DOLPHINSCHEDULER_SERVICE_ACCOUNT,
          automountServiceAccountToken: true,
          terminationGracePeriodSeconds: 60,
          initContainers: [this.waitFor('wait-for-zookeeper', waitImage, zk)],
          containers: [{
            name: service.name,
            image: image(server.image),
            ports: server.ports,
            env: { ...common, ...perRole[role] },
            resources,
            security: { deviations: role === 'worker' ? WORKER_REASONS : [{ kind: 'runAsRoot', reason: ROOT_REASON }] },
            writablePaths: ['/tmp', '/opt/dolphinscheduler/logs'],
            startupProbe: probe('liveness', { initialDelaySeconds: 20, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 30 }),
            livenessProbe: probe('liveness', { periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 }),
            readinessProbe: probe('readiness', { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 }),
          }],
        },
      });
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
