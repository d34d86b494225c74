import { Construct } from 'constructs';
import { PlatformComponent } from '../core/component';
import { PlatformGraph } from '../core/graph';
import type { EnvironmentConfig } from '../environments/schema';
import { ArgoCdApplications, ArgoCdApplicationsProps } from '../gitops/argocd';
import { DolphinSchedulerStack } from '../components/dolphinscheduler/dolphinscheduler';
import { MinIO } from '../components/minio/minio';
import { ZooKeeper } from '../components/zookeeper/zookeeper';

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
    this.graph = PlatformGraph.of(this);
    const c = env.components;
    const list: PlatformComponent[] = [];
    const add = (enabled: boolean, make: () => PlatformComponent) => { if (enabled) list.push(make()); };
    add(c.zookeeper.enabled, () => new ZooKeeper(this, 'zookeeper', { environment: env }));
    add(c.minio.enabled, () => new MinIO(this, 'minio', { environment: env }));
    add(c.dolphinscheduler.enabled, () => new DolphinSchedulerStack(this, 'dolphinscheduler', { environment: env }));
    this.components = new Map(list.map((p) => [p.component, p]));
    if (props.gitops !== false) {
      // Last: it reads the complete graph and every component's objects.
      this.gitops = new ArgoCdApplications(this, 'argocd', { ...props.gitops, environment: env, graph: this.graph, components: list });
    }
  }
}
