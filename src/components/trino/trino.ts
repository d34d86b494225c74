import { k8s } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { PlatformComponent, PlatformComponentProps } from '../../core/component';
import { PlatformConfigError } from '../../core/errors';
import { ServiceDescriptor } from '../../core/graph';
import { Image } from '../../core/image';
import { ResourceRequirements } from '../../core/resources';
import { ContainerSpec, execProbe, httpProbe } from '../../core/workload';
import { ICEBERG_REST_SERVICE } from '../iceberg/rest-catalog';
import { icebergWarehouse, IcebergWarehouse } from '../iceberg/warehouse';
import { MINIO_SERVICE } from '../minio/minio';
import { propertiesFile, renderCatalog, RenderedCatalog, TrinoCatalogSpec, trinoVersionNumber } from './catalogs';
import { deriveTrinoMemory, TrinoMemory } from './memory';

/**
 * The coordinator Service, `trino-coordinator` on 8080 (port name as in the reference pack), plus `metrics` (9090):
 * the coordinator's OpenMetrics endpoint behind a proxy that names the scraping user (Trino answers `/metrics`
 * only to an identified user, and a ServiceMonitor cannot send headers).
 */
export const TRINO_COORDINATOR_SERVICE: ServiceDescriptor<'trino-api' | 'metrics'> = {
  component: 'trino',
  name: 'trino-coordinator',
  ports: { 'trino-api': 8080, 'metrics': 9090 },
};

/** The user the metrics proxy names in `X-Trino-User` when Prometheus scrapes `/metrics`. */
export const TRINO_METRICS_USER = 'prometheus';

/** The ConfigMap of the coordinator's metrics proxy. */
export const TRINO_METRICS_PROXY_CONFIGMAP = 'trino-metrics-proxy';

/**
 * nginx configuration of the metrics proxy: `GET /metrics` on `listen` is forwarded to the coordinator on
 * localhost with `X-Trino-User` set; `/healthz` answers the probes; everything else is 404. Temporary files go
 * to /tmp (the root filesystem is read-only).
 */
export function metricsProxyConfig(listen: number, trinoPort: number): string {
  return [
    'worker_processes 1;',
    'pid /tmp/nginx.pid;',
    'error_log /dev/stderr warn;',
    'events { worker_connections 64; }',
    'http {',
    '  access_log off;',
    '  client_body_temp_path /tmp/client_temp;',
    '  proxy_temp_path /tmp/proxy_temp;',
    '  fastcgi_temp_path /tmp/fastcgi_temp;',
    '  uwsgi_temp_path /tmp/uwsgi_temp;',
    '  scgi_temp_path /tmp/scgi_temp;',
    '  server {',
    `    listen ${listen};`,
    '    location = /metrics {',
    '      limit_except GET { deny all; }',
    `      proxy_pass http://127.0.0.1:${trinoPort}/metrics;`,
    `      proxy_set_header X-Trino-User ${TRINO_METRICS_USER};`,
    '    }',
    '    location = /healthz { return 200 "ok\\n"; }',
    '    location / { return 404; }',
    '  }',
    '}',
    '',
  ].join('\n');
}

/** The ConfigMap with every catalog, mounted by the coordinator and every worker. */
export const TRINO_CATALOGS_CONFIGMAP = 'trino-catalogs';

/** The user of the trinodb/trino image. */
const UID = 1000;
/** `node.data-dir` (the image's default), an emptyDir. */
const DATA_DIR = '/data/trino';
/** The image's readiness script: /v1/info answers and reports `"starting": false`. */
const HEALTH_CHECK = '/usr/lib/trino/bin/health-check';

/** Props of `Trino`. */
export interface TrinoProps extends PlatformComponentProps {
  /**
   * The image of the coordinator's metrics proxy (nginx, unprivileged).
   * @default 'docker.io/nginxinc/nginx-unprivileged:1.27.3-alpine'
   */
  readonly metricsProxyImage?: string;
  /**
   * The Trino release; catalog keys are validated against it.
   * @default '436'
   */
  readonly version?: string;
  /**
   * The image repository (the tag is the version).
   * @default 'docker.io/trinodb/trino'
   */
  readonly imageRepository?: string;
  /**
   * The Iceberg warehouse shared with the REST catalog and the compaction job.
   * @default - icebergWarehouse(environment)
   */
  readonly warehouse?: IcebergWarehouse;
  /**
   * The name of the Iceberg catalog (the REST catalog on MinIO).
   * @default 'iceberg'
   */
  readonly icebergCatalogName?: string;
  /**
   * Further typed catalogs, besides the Iceberg one and the PostgreSQL ones of the environment.
   * @default - none
   */
  readonly extraCatalogs?: readonly TrinoCatalogSpec[];
  /**
   * The number of workers. `0` makes a single-node Trino: the coordinator schedules work on itself and no
   * worker Deployment is written.
   * @default - the environment's `components.trino.replicas.worker`
   */
  readonly workers?: number;
}

/** Props of `TrinoCoordinator`: those of `Trino` without workers. */
export type TrinoCoordinatorProps = Omit<TrinoProps, 'workers'>;

/**
 * One role of a synthesized `Trino`: the construct holding the role's Deployment and ConfigMap (the coordinator's
 * also its Service), and the memory settings derived for it from the container's memory limit.
 */
export interface TrinoNode extends IConstruct {
  /** The heap and query memory of each node of the role. */
  readonly memory: TrinoMemory;
}

/** What a Trino node needs to render its files. */
interface NodeContext {
  readonly version: string;
  /** Extra containers and volumes of one role's pods (the coordinator's metrics proxy). */
  readonly sidecars?: Partial<Record<'coordinator' | 'worker', { containers: ContainerSpec[]; volumes: k8s.Volume[] }>>;
  readonly image: Image;
  readonly discoveryUri: string;
  readonly nodeEnvironment: string;
  readonly catalogEnv: Readonly<Record<string, k8s.EnvVarSource>>;
  /** `query.max-memory`: the user memory one query may use across the cluster, the same on every node. */
  readonly queryMaxMemory: string;
}

/**
 * Trino: the coordinator and the workers with their generated configuration, and the catalogs they share.
 *
 * Encoded remediations: the discovery URI is the coordinator Service's FQDN; the heap and the query memory
 * are derived from the container's memory limit (bad combinations fail the synth); catalogs are typed and
 * their keys validated against the Trino version (`s3.*` only with `fs.native-s3.enabled=true`); the Iceberg
 * catalog reaches MinIO by FQDN with path-style access and keys injected from the Secret by `${ENV:...}`;
 * coordinator and workers mount the one `trino-catalogs` ConfigMap; no `TRINO_*` variables (Trino reads none).
 */
export class Trino extends PlatformComponent {
  /** The Trino release. */
  public readonly version: string;
  /** The catalogs, rendered and validated. */
  public readonly catalogs: readonly RenderedCatalog[];
  /** The coordinator: Deployment `trino-coordinator` (one replica), its Service and ConfigMap. */
  public readonly coordinator: TrinoNode;
  /** The workers (undefined for a single-node Trino, `workers: 0`). */
  public readonly workers?: TrinoNode;
  /** The number of workers. */
  public readonly workerReplicas: number;

  constructor(scope: Construct, id: string, props: TrinoProps) {
    super(scope, id, 'trino', props);
    const env = props.environment;
    const cfg = env.components.trino;
    this.version = props.version ?? '436';
    const versionNumber = trinoVersionNumber(this.version, this.where('version'));
    const image = Image.parse(`${props.imageRepository ?? 'docker.io/trinodb/trino'}:${this.version}`, this.where('imageRepository'));
    const warehouse = props.warehouse ?? icebergWarehouse(env);

    const minioSecret = env.components.minio.rootCredentialsSecret;
    const specs: TrinoCatalogSpec[] = [{
      connector: 'iceberg',
      name: props.icebergCatalogName ?? 'iceberg',
      restUri: this.endpoint(ICEBERG_REST_SERVICE, 'catalog-api').url('http'),
      warehouse: warehouse.location,
      objectStore: {
        endpoint: this.endpoint(MINIO_SERVICE, 'minio-api').url('http'),
        region: env.components.minio.region,
        pathStyleAccess: true,
        accessKey: this.externalSecretKeyRef(minioSecret, 'access-key'),
        secretKey: this.externalSecretKeyRef(minioSecret, 'secret-key'),
      },
    }];
    for (const [name, dbId] of Object.entries(cfg.catalogs.postgresql)) {
      const db = env.external.databases[dbId];
      if (!db) {
        throw new PlatformConfigError(this.where(`components.trino.catalogs.postgresql.${name}`), `database '${dbId}' is not declared`,
          `declare it under external.databases.${dbId} or use one of: ${Object.keys(env.external.databases).join(', ') || '(none declared)'}`);
      }
      specs.push({
        connector: 'postgresql',
        name,
        connectionUrl: `jdbc:postgresql://${this.externalEndpoint(db.service).hostPort}/${db.database}`,
        user: db.username,
        password: this.externalSecretKeyRef(db.passwordSecret.name, db.passwordSecret.key),
      });
    }
    specs.push(...(props.extraCatalogs ?? []));
    const seen = new Set<string>();
    for (const s of specs) {
      if (seen.has(s.name)) throw new PlatformConfigError(this.where('catalogs'), `catalog '${s.name}' is defined twice`, 'give each catalog its own name');
      seen.add(s.name);
    }
    this.catalogs = specs.map((s) => renderCatalog(s, versionNumber, this.where(`Trino ${this.version}`)));
    this.addConfigMap(TRINO_CATALOGS_CONFIGMAP,
      Object.fromEntries(this.catalogs.map((c) => [`${c.name}.properties`, propertiesFile(c.properties)])), 'catalogs', this.version);

    // The web UI and the client API in the portal's registry.
    this.addDiscoverable({
      id: 'trino', name: 'Trino', category: 'compute', icon: 'database',
      description: 'Distributed SQL over the Iceberg lake and PostgreSQL',
      service: TRINO_COORDINATOR_SERVICE, port: 'trino-api', health: { path: '/v1/info' }, publicHost: 'trino', publicPath: '/ui/',
    });

    // What every worker can give one query (the coordinator's own share when it is the only node doing work).
    const workers = props.workers ?? cfg.replicas.worker;
    if (!Number.isInteger(workers) || workers < 0) {
      throw new PlatformConfigError(this.where('workers'), `is ${workers}`, 'give a whole number of workers, 0 for a single-node Trino');
    }
    this.workerReplicas = workers;
    const perNode = this.sizing(workers > 0 ? 'worker' : 'coordinator').memory.queryMaxMemoryPerNodeMiB;
    // The coordinator's metrics proxy: Trino serves /metrics only to an identified user (X-Trino-User), which a
    // ServiceMonitor cannot send, so a small nginx beside it adds the header for the scrape and serves nothing else.
    const proxyImage = Image.parse(props.metricsProxyImage ?? 'docker.io/nginxinc/nginx-unprivileged:1.27.3-alpine', this.where('metricsProxyImage'));
    const metricsPort = TRINO_COORDINATOR_SERVICE.ports.metrics;
    this.addConfigMap(TRINO_METRICS_PROXY_CONFIGMAP, { 'nginx.conf': metricsProxyConfig(metricsPort, TRINO_COORDINATOR_SERVICE.ports['trino-api']) }, 'metrics-proxy', proxyImage.tag);
    const metricsProxy: ContainerSpec = {
      name: 'metrics-proxy',
      image: proxyImage,
      command: ['nginx', '-c', '/etc/nginx-proxy/nginx.conf', '-g', 'daemon off;'],
      ports: { metrics: metricsPort },
      resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
      security: { uid: 101, gid: 101 },
      writablePaths: ['/tmp'],
      mounts: [{ name: 'metrics-proxy-config', mountPath: '/etc/nginx-proxy', readOnly: true }],
      livenessProbe: httpProbe('/healthz', 'metrics', { periodSeconds: 30, timeoutSeconds: 5 }),
      readinessProbe: httpProbe('/healthz', 'metrics', { periodSeconds: 10, timeoutSeconds: 5 }),
    };
    const ctx: NodeContext = {
      version: this.version,
      sidecars: { coordinator: { containers: [metricsProxy], volumes: [{ name: 'metrics-proxy-config', configMap: { name: TRINO_METRICS_PROXY_CONFIGMAP } }] } },
      image,
      discoveryUri: this.endpoint(TRINO_COORDINATOR_SERVICE, 'trino-api').url('http'),
      nodeEnvironment: env.name.replace(/-/g, '_'),
      catalogEnv: Object.assign({}, ...this.catalogs.map((c) => c.env)),
      queryMaxMemory: `${perNode * Math.max(1, workers)}MB`,
    };
    this.coordinator = new TrinoCoordinatorNode(this, 'coordinator', ctx);
    if (props.workers !== 0) this.workers = new TrinoWorkerNodes(this, 'workers', ctx);
  }

  /** The resources of one role and the memory settings derived from its container limit. */
  public sizing(role: 'coordinator' | 'worker'): { resources: ResourceRequirements; memory: TrinoMemory } {
    const cfg = this.environment.components.trino;
    const resources = this.resourcesFor(cfg.resources[role], `resources.${role}`);
    const m = cfg.memory;
    const memory = deriveTrinoMemory({
      limit: resources.limits.memory,
      heap: m.heap[role],
      heapPercent: m.heapPercent,
      queryMaxMemoryPerNodePercent: m.queryMaxMemoryPerNodePercent,
      heapHeadroomPercent: m.heapHeadroomPercent,
    }, this.where(`components.trino.resources.${role}`));
    return { resources, memory };
  }

  /**
   * Renders the objects of one role: the coordinator's Service (`TRINO_COORDINATOR_SERVICE`, the coordinator
   * only), its ConfigMap and its Deployment; returns its memory settings.
   * @internal
   */
  public addNode(role: 'coordinator' | 'worker', ctx: NodeContext, replicas: number, config: Record<string, string>): TrinoMemory {
    const { resources, memory } = this.sizing(role);
    const name = `trino-${role}`;
    if (role === 'coordinator') this.addService(TRINO_COORDINATOR_SERVICE, { selector: { app: name }, role, version: ctx.version });
    const configMap = `${name}-config`;
    this.addConfigMap(configMap, {
      'config.properties': propertiesFile({
        ...config,
        'query.max-memory': ctx.queryMaxMemory,
        'http-server.http.port': String(TRINO_COORDINATOR_SERVICE.ports['trino-api']),
        'discovery.uri': ctx.discoveryUri,
        'query.max-memory-per-node': `${memory.queryMaxMemoryPerNodeMiB}MB`,
        'memory.heap-headroom-per-node': `${memory.heapHeadroomPerNodeMiB}MB`,
      }),
      'node.properties': propertiesFile({ 'node.environment': ctx.nodeEnvironment, 'node.data-dir': DATA_DIR }),
      'jvm.config': `${jvmConfig(memory.heapMiB).join('\n')}\n`,
      'log.properties': propertiesFile({ 'io.trino': 'INFO' }),
    }, role, ctx.version);
    const port = 'trino-api';
    this.addDeployment({ name, role, version: ctx.version, selector: { app: name } }, {
      replicas,
      pod: {
        volumes: [
          { name: 'trino-config', configMap: { name: configMap } },
          { name: 'trino-catalogs', configMap: { name: TRINO_CATALOGS_CONFIGMAP } },
          ...(ctx.sidecars?.[role]?.volumes ?? []),
        ],
        containers: [{
          name,
          image: ctx.image,
          ports: { [port]: TRINO_COORDINATOR_SERVICE.ports[port] },
          env: ctx.catalogEnv,
          resources,
          security: { uid: UID, gid: UID },
          writablePaths: [DATA_DIR, '/tmp'],
          mounts: [
            { name: 'trino-config', mountPath: '/etc/trino', readOnly: true },
            { name: 'trino-catalogs', mountPath: '/etc/trino/catalog', readOnly: true },
          ],
          startupProbe: httpProbe('/v1/info', port, { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 30 }),
          livenessProbe: httpProbe('/v1/info', port, { periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 6 }),
          readinessProbe: execProbe([HEALTH_CHECK], { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 }),
        }, ...(ctx.sidecars?.[role]?.containers ?? [])],
      },
    });
    return memory;
  }
}

/**
 * The JVM flags of the upstream chart, with the heap derived from the container limit. Left out: the
 * `-agentpath` of libjvmkill (not established for every image of the supported range; ExitOnOutOfMemoryError
 * covers it) and HeapDumpOnOutOfMemoryError (a heap-sized dump onto an emptyDir).
 */
function jvmConfig(heapMiB: number): string[] {
  return [
    '-server',
    `-Xmx${heapMiB}M`,
    '-XX:+UseG1GC',
    '-XX:G1HeapRegionSize=32M',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-XX:+ExitOnOutOfMemoryError',
    '-XX:-OmitStackTraceInFastThrow',
    '-XX:ReservedCodeCacheSize=512M',
    '-XX:PerMethodRecompilationCutoff=10000',
    '-XX:PerBytecodeRecompilationCutoff=10000',
    '-Djdk.attach.allowAttachSelf=true',
    '-Djdk.nio.maxCachedBufferSize=2000000',
  ];
}

/** The coordinator node of a `Trino`: Deployment `trino-coordinator` (one replica), its Service and ConfigMap. */
class TrinoCoordinatorNode extends Construct implements TrinoNode {
  public readonly memory: TrinoMemory;

  constructor(trino: Trino, id: string, ctx: NodeContext) {
    super(trino, id);
    const replicas = trino.environment.components.trino.replicas;
    this.memory = trino.addNode('coordinator', ctx, replicas.coordinator, {
      'coordinator': 'true',
      'node-scheduler.include-coordinator': String(trino.workerReplicas === 0),
    });
  }
}

/** The Trino workers: Deployment `trino-worker` with the environment's replica count, and its ConfigMap. */
class TrinoWorkerNodes extends Construct implements TrinoNode {
  public readonly memory: TrinoMemory;

  constructor(trino: Trino, id: string, ctx: NodeContext) {
    super(trino, id);
    this.memory = trino.addNode('worker', ctx, trino.workerReplicas, { coordinator: 'false' });
  }
}

/**
 * A working Trino coordinator on its own: a single-node Trino (the coordinator schedules queries on itself),
 * with the Iceberg catalog on the REST catalog and MinIO and the environment's PostgreSQL catalogs, its Service
 * `trino-coordinator`, the metrics proxy and the discoverable UI. It consumes `ICEBERG_REST_SERVICE` and
 * `MINIO_SERVICE`: build those in the same platform (or declare them external), as the reference check demands.
 * Written to `charts-out/<env>/trino/`, like `Trino`.
 */
export class TrinoCoordinator extends Trino {
  constructor(scope: Construct, id: string, props: TrinoCoordinatorProps) {
    super(scope, id, { ...props, workers: 0 });
  }
}
