import { App } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import type { Deviation } from './security';

/**
 * A Service a component provides, declared once (name and named ports) and shared with its consumers,
 * so that a consumer's address and port can never disagree with the provider's.
 */
export interface ServiceDescriptor<P extends string = string> {
  /** The providing component (its output folder), e.g. `zookeeper`. */
  readonly component: string;
  /** The Service name. */
  readonly name: string;
  /** Port numbers by port name. */
  readonly ports: Readonly<Record<P, number>>;
  /**
   * A namespace other than the environment's (e.g. `monitoring`).
   * @default - the environment's namespace
   */
  readonly namespace?: string;
}

/** A Secret that a component (or an ExternalSecret) produces, with its keys as a typed list. */
export interface SecretDescriptor<K extends string = string> {
  /** The producing component, or `external` for a Secret the environment provides. */
  readonly component: string;
  readonly name: string;
  readonly keys: readonly K[];
}

/** A resolved address of a Service port. */
export interface Endpoint {
  /** `<service>.<namespace>.svc.cluster.local` or an external host. */
  readonly host: string;
  readonly port: number;
  /** `host:port`. */
  readonly hostPort: string;
  /** `scheme://host:port` plus an optional path. */
  url(scheme: string, path?: string): string;
}

/** What an edge of the graph points at. */
export type EdgeKind = 'service' | 'secret' | 'configMap' | 'bucket';

/** A consumer → provider edge. */
export interface Edge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  /** The Service, Secret, ConfigMap or bucket name. */
  readonly target: string;
  /** The port for a service edge, the key for a secret edge. */
  readonly detail?: string;
}

/** A workload and the deviations its containers declared. */
export interface WorkloadRecord {
  readonly component: string;
  readonly kind: 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Job' | 'CronJob';
  readonly name: string;
  readonly namespace: string;
  /** Labels of the pods it creates. */
  readonly podLabels: Readonly<Record<string, string>>;
  readonly containers: ReadonlyArray<{ readonly name: string; readonly init: boolean; readonly deviations: readonly Deviation[] }>;
}

/** A bucket in the object store that some component needs. */
export interface BucketClaim {
  readonly component: string;
  readonly bucket: string;
  readonly purpose: string;
}

const GRAPH_ID = 'PlatformGraph';

/**
 * The provides/consumes graph of one environment: every cross-cutting object (sync waves, exceptions,
 * network policies, registries) is derived from it. One graph lives at the root of each cdk8s App.
 */
export class PlatformGraph extends Construct {
  /** The graph of the App that `scope` belongs to (created on first use). */
  public static of(scope: IConstruct): PlatformGraph {
    const app = App.of(scope);
    return (app.node.tryFindChild(GRAPH_ID) as PlatformGraph | undefined) ?? new PlatformGraph(app, GRAPH_ID);
  }

  private readonly _edges: Edge[] = [];
  private readonly _workloads: WorkloadRecord[] = [];
  private readonly _buckets: BucketClaim[] = [];
  private readonly _components = new Set<string>();

  private constructor(scope: Construct, id: string) {
    super(scope, id);
  }

  /** Registers a synthesized component. */
  public addComponent(name: string): void {
    this._components.add(name);
  }

  /** Records that `from` depends on `to`. Edges within one component are kept too (they order nothing). */
  public addEdge(edge: Edge): void {
    if (!this._edges.some((e) => e.from === edge.from && e.to === edge.to && e.kind === edge.kind && e.target === edge.target && e.detail === edge.detail)) {
      this._edges.push(edge);
    }
  }

  public addWorkload(w: WorkloadRecord): void {
    this._workloads.push(w);
  }

  public claimBucket(claim: BucketClaim): void {
    this._buckets.push(claim);
  }

  public get components(): readonly string[] {
    return [...this._components];
  }

  public get edges(): readonly Edge[] {
    return this._edges;
  }

  public get workloads(): readonly WorkloadRecord[] {
    return this._workloads;
  }

  public get buckets(): readonly BucketClaim[] {
    return this._buckets;
  }

  /** The components `component` depends on (edges to other components and to nothing external). */
  public dependenciesOf(component: string): string[] {
    return [...new Set(this._edges.filter((e) => e.from === component && e.to !== component && this._components.has(e.to)).map((e) => e.to))].sort();
  }
}
