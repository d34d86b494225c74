import { Construct } from 'constructs';
import { PlatformComponent } from '../core/component';
import { PlatformGraph } from '../core/graph';
import type { EnvironmentConfig } from '../environments/schema';
import { DolphinSchedulerStack } from '../components/dolphinscheduler/dolphinscheduler';
import { MinIO } from '../components/minio/minio';
import { ZooKeeper } from '../components/zookeeper/zookeeper';
import { Backups, backupScheduleName } from '../components/backup/backup';
import { Doris } from '../components/doris/doris';
import { Grafana } from '../components/grafana/grafana';
import { Logging, lokiServiceFor } from '../components/logging/logging';
import { PlatformMonitoring, TrinoMonitoringProps } from '../components/monitoring/monitoring';
import { SparkHistoryServer } from '../components/spark-history/spark-history';

/** Props of `DataPlatform`. */
export interface DataPlatformProps {
  /** The validated environment (see `loadEnvironment`). */
  readonly environment: EnvironmentConfig;
  /**
   * Trino, for its ServiceMonitor and worker alert (wired once the Trino component exists).
   * @default - Trino is not monitored
   */
  readonly trinoMonitoring?: TrinoMonitoringProps;
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

  constructor(scope: Construct, id: string, props: DataPlatformProps) {
    super(scope, id);
    const env = props.environment;
    this.environment = env;
    this.graph = PlatformGraph.of(this);
    const c = env.components;
    const list: PlatformComponent[] = [];
    const add = (enabled: boolean, make: () => PlatformComponent) => { if (enabled) list.push(make()); };
    add(c.zookeeper.enabled, () => new ZooKeeper(this, 'zookeeper', { environment: env }));
    add(c.minio.enabled, () => new MinIO(this, 'minio', { environment: env }));
    add(c.dolphinscheduler.enabled, () => new DolphinSchedulerStack(this, 'dolphinscheduler', { environment: env }));
    add(c.sparkHistory.enabled, () => new SparkHistoryServer(this, 'spark-history', { environment: env }));
    add(c.doris.enabled, () => new Doris(this, 'doris', { environment: env }));
    add(c.logging.enabled, () => new Logging(this, 'logging', { environment: env }));
    add(c.backup.enabled, () => new Backups(this, 'backup', { environment: env }));
    add(c.grafana.enabled, () => new Grafana(this, 'grafana', {
      environment: env,
      loki: c.logging.enabled ? lokiServiceFor(env) : undefined,
      backupSchedule: c.backup.enabled ? backupScheduleName(env) : undefined,
    }));
    add(c.monitoring.enabled, () => new PlatformMonitoring(this, 'monitoring', { environment: env, trino: props.trinoMonitoring }));
    this.components = new Map(list.map((p) => [p.component, p]));
  }
}
