import { Construct } from 'constructs';
import { PlatformComponent } from '../core/component';
import { PlatformGraph } from '../core/graph';
import type { EnvironmentConfig } from '../environments/schema';
import { DolphinSchedulerStack } from '../components/dolphinscheduler/dolphinscheduler';
import { MinIO } from '../components/minio/minio';
import { PlatformPolicies, PolicyExceptions } from '../components/policies/policies';
import { ZooKeeper } from '../components/zookeeper/zookeeper';

/** Props of `DataPlatform`. */
export interface DataPlatformProps {
  /** The validated environment (see `loadEnvironment`). */
  readonly environment: EnvironmentConfig;
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
    // Policies last; the exceptions are generated at render time from every workload in the graph.
    if (c.policies.enabled) {
      const policies = new PlatformPolicies(this, 'platform-policies', { environment: env });
      list.push(policies, new PolicyExceptions(this, 'policy-exceptions', { environment: env, policies }));
    }
    this.components = new Map(list.map((p) => [p.component, p]));
  }
}
