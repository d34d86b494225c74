import { Construct } from 'constructs';
import { PlatformComponent } from '../core/component';
import { PlatformGraph } from '../core/graph';
import type { EnvironmentConfig } from '../config/schema';
import { ArgoCdApplications, ArgoCdApplicationsProps } from './gitops/argocd';
import { DolphinSchedulerStack } from '../components/dolphinscheduler/dolphinscheduler';
import { IcebergCompactionJob } from '../components/iceberg/compaction';
import { IcebergRestCatalog } from '../components/iceberg/rest-catalog';
import { icebergWarehouse } from '../components/iceberg/warehouse';
import { MinIO } from '../components/minio/minio';
import { Trino, TRINO_COORDINATOR_SERVICE } from '../components/trino/trino';
import { Redis } from '../components/redis/redis';
import { SupersetSecrets } from '../components/superset/secrets';
import { Superset } from '../components/superset/superset';
import { GraphqlGateway } from '../components/api-gateway/graphql-gateway';
import { PortalServices } from '../components/portal-services/portal-services';
import { PlatformPolicies } from './policies/policies';
import { KyvernoExceptions } from './policies/kyverno-exceptions';
import { ZooKeeper } from '../components/zookeeper/zookeeper';
import { Backups, backupScheduleName } from '../components/backup/backup';
import { Doris } from '../components/doris/doris';
import { Grafana } from '../components/grafana/grafana';
import { Logging, lokiServiceFor } from '../components/logging/logging';
import { PlatformMonitoring } from '../components/monitoring/monitoring';
import { SparkHistoryServer } from '../components/spark-history/spark-history';
import { PlatformIngresses } from './network/ingress';
import { PlatformNetworkPolicies } from './network/network-policies';
import { PlatformAvailability } from './availability/availability';
import './platform-checks';

/** Props of `DataPlatform`. */
export interface DataPlatformProps {
  /** The validated environment (see `loadEnvironment`). */
  readonly environment: EnvironmentConfig;
  /**
   * Options of the Argo CD app-of-apps (repo URL, target revision, ...), or `false` for none.
   * @default - the ArgoCdApplications defaults
   */
  readonly gitops?: Omit<ArgoCdApplicationsProps, 'environment' | 'graph' | 'components'> | false;
}

/**
 * The whole platform of one environment: one Chart per enabled component, all registered in the
 * environment's provides/consumes graph. Put one DataPlatform in each cdk8s App.
 */
export class DataPlatform extends Construct {
  public readonly environment: EnvironmentConfig;
  /** The components synthesized, by component name. */
  public readonly components: ReadonlyMap<string, PlatformComponent>;
  public readonly graph: PlatformGraph;
  /** The Argo CD Applications of the environment (undefined with `gitops: false`). */
  public readonly gitops?: ArgoCdApplications;

  constructor(scope: Construct, id: string, props: DataPlatformProps) {
    super(scope, id);
    const env = props.environment;
    this.environment = env;
    PlatformGraph.markScope(this);
    this.graph = PlatformGraph.of(this);
    this.graph.useEnvironment(env, 'DataPlatform');
    const c = env.components;
    // First: it patches the workloads (topology spread) and adds their PodDisruptionBudgets before anything reads them.
    new PlatformAvailability(this, 'availability', { environment: env, graph: this.graph });
    const list: PlatformComponent[] = [];
    const add = (enabled: boolean, make: () => PlatformComponent) => { if (enabled) list.push(make()); };
    add(c.zookeeper.enabled, () => new ZooKeeper(this, 'zookeeper', { environment: env }));
    add(c.minio.enabled, () => new MinIO(this, 'minio', { environment: env }));
    add(c.dolphinscheduler.enabled, () => new DolphinSchedulerStack(this, 'dolphinscheduler', { environment: env }));
    // One warehouse location for the REST catalog, Trino and the compaction job.
    const warehouse = icebergWarehouse(env);
    add(c.iceberg.restCatalog.enabled, () => new IcebergRestCatalog(this, 'iceberg-rest-catalog', { environment: env, warehouse }));
    let trino: Trino | undefined;
    add(c.trino.enabled, () => (trino = new Trino(this, 'trino', { environment: env, warehouse })));
    let compaction: IcebergCompactionJob | undefined;
    add(c.iceberg.compaction.enabled, () => (compaction = new IcebergCompactionJob(this, 'iceberg-compaction', { environment: env, warehouse })));
    add(c.redis.enabled, () => new Redis(this, 'redis', { environment: env }));
    add(c.superset.enabled, () => new SupersetSecrets(this, 'superset-secrets', { environment: env }));
    add(c.superset.enabled, () => new Superset(this, 'superset', {
      environment: env,
      trino: trino ? TRINO_COORDINATOR_SERVICE : undefined,
      trinoCatalog: trino?.catalogs.find((x) => x.properties['connector.name'] === 'iceberg')?.name,
    }));
    add(c.portalServices.enabled, () => new PortalServices(this, 'portal-services', { environment: env }));
    add(c.apiGateway.enabled, () => new GraphqlGateway(this, 'api-gateway', { environment: env }));
    add(c.sparkHistory.enabled, () => new SparkHistoryServer(this, 'spark-history', { environment: env }));
    add(c.doris.enabled, () => new Doris(this, 'doris', { environment: env }));
    add(c.logging.enabled, () => new Logging(this, 'logging', { environment: env, logAlerts: compaction ? [compaction.logAlerts] : [] }));
    add(c.backup.enabled, () => new Backups(this, 'backup', { environment: env }));
    add(c.grafana.enabled, () => new Grafana(this, 'grafana', {
      environment: env,
      loki: c.logging.enabled ? lokiServiceFor(env) : undefined,
      backupSchedule: c.backup.enabled ? backupScheduleName(env) : undefined,
    }));
    add(c.monitoring.enabled, () => new PlatformMonitoring(this, 'monitoring', {
      environment: env,
      trino: trino ? { coordinator: TRINO_COORDINATOR_SERVICE, metricsPort: 'metrics', workerReplicas: c.trino.replicas.worker } : undefined,
    }));
    // Every stateful volume is known now: the backups add a copy CronJob for each one Velero cannot read.
    const backups = list.find((x): x is Backups => x instanceof Backups && x.component === 'backup');
    backups?.coverVolumes();
    // The network edge: Ingresses and NetworkPolicies, generated at render time from the complete graph. The
    // Ingress chart always runs its checks (header logins need an ingress); it is an Application only when enabled.
    const ingresses = new PlatformIngresses(this, 'ingress', { environment: env });
    if (c.ingress.enabled) list.push(ingresses);
    add(c.networkPolicies.enabled, () => new PlatformNetworkPolicies(this, 'network-policies', { environment: env }));
    // Policies last; the exceptions are generated at render time from every workload in the graph.
    if (c.policies.enabled) {
      const policies = new PlatformPolicies(this, 'platform-policies', { environment: env });
      list.push(policies, new KyvernoExceptions(this, 'policy-exceptions', { environment: env, policies }));
    }
    this.components = new Map(list.map((p) => [p.component, p]));
    if (props.gitops !== false) {
      // Last: it reads the complete graph and every component's objects.
      this.gitops = new ArgoCdApplications(this, 'argocd', { ...props.gitops, environment: env, graph: this.graph, components: list });
    }
  }
}
