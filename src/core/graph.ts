import { App } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import type { PublicHostId } from './hosts';
import type { Deviation } from './security';
import { PlatformConfigError } from './errors';
import type { EnvironmentConfig } from '../config/schema';

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

/** The identity of an edge for duplicate checks (fields joined by NUL, which no name contains). */
function edgeKey(from: string, to: string, kind: string, target: string, detail: string | undefined): string {
  return `${from}\0${to}\0${kind}\0${target}\0${detail ?? '\u0001'}`;
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
  /**
   * A runtime link that is not needed to start (e.g. the portal health-checking a registered endpoint):
   * it orders sync waves only where it does not contradict a hard dependency, and it opens network paths.
   * @default false
   */
  readonly soft?: boolean;
  /**
   * A scrape recorded by a ServiceMonitor: the client is the environment's Prometheus, not a pod of `from`
   * (network policies admit the Prometheus pods on this port).
   * @default false
   */
  readonly scrape?: boolean;
}

/**
 * Pods that act for a component but are not synthesized by it (e.g. the Velero server, installed by
 * `velero install`, which the backup component configures): the client side of its edges in network policies.
 */
export interface ClientPods {
  readonly component: string;
  readonly namespace: string;
  /** Labels that select exactly these pods. */
  readonly podSelector: Readonly<Record<string, string>>;
  /** Why these pods act for the component. */
  readonly reason: string;
}

/** How a user-facing endpoint is published on its public host (see `DiscoverableEndpoint.publicHost`). */
export interface PublicIngressOptions {
  /**
   * The Ingress name (keep the name of an Ingress that serves the host today, so it is replaced, not duplicated).
   * @default - the endpoint's id
   */
  readonly name?: string;
  /**
   * The path routed to the Service.
   * @default '/'
   */
  readonly path?: string;
  /**
   * Ingress-controller annotations this endpoint needs (e.g. the request body limit of an upload UI).
   * @default - none
   */
  readonly annotations?: Readonly<Record<string, string>>;
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

/** How the portal groups a discoverable endpoint. */
export type DiscoverableCategory = 'workflow' | 'storage' | 'compute' | 'monitoring' | 'data' | 'api';

/**
 * A user-facing endpoint a component offers (a UI or an API people open), registered in the graph by the
 * component that serves it. The portal's service registry is computed from these at synth time, so it lists
 * exactly the endpoints of the components synthesized in the environment.
 */
export interface DiscoverableEndpoint {
  /** The providing component (the owner of `service`). */
  readonly component: string;
  /** A stable id, unique in the environment, e.g. `dolphinscheduler`. */
  readonly id: string;
  /** The display name, e.g. `DolphinScheduler`. */
  readonly name: string;
  readonly category: DiscoverableCategory;
  /** One sentence for the portal. */
  readonly description: string;
  /** The portal's icon name, e.g. `workflow`. */
  readonly icon: string;
  /** The Service and port name users' traffic reaches in the cluster. */
  readonly service: ServiceDescriptor;
  readonly port: string;
  /** Where health is checked: a port of a Service of the same component and an HTTP path. */
  readonly health: { readonly service: ServiceDescriptor; readonly port: string; readonly path: string };
  /**
   * The public host (see `PUBLIC_HOST_PREFIXES`); the external URL is `https://<prefix>.<domain><publicPath>`.
   * @default - reachable in the cluster only
   */
  readonly publicHost?: PublicHostId;
  /** @default '' */
  readonly publicPath?: string;
  /** @default - the defaults of `PublicIngressOptions` */
  readonly ingress?: PublicIngressOptions;
  /**
   * The request header this endpoint trusts as the logged-in user (single sign-on by the ingress, e.g.
   * `X-WEBAUTH-USER`). Such an endpoint is reachable only from the ingress controller: no other component may
   * consume its port, the portal checks its health through its public URL, and the synth fails unless the
   * environment's ingress sets that header from its authentication response.
   * @default - it trusts no header
   */
  readonly identityHeader?: string;
}

const GRAPH_ID = 'PlatformGraph';
const PLATFORM_SCOPE = Symbol.for('@254carbon/data-platform.PlatformScope');

/**
 * A check of the objects a platform synthesizes (schema, reference integrity, secrets, network, policies):
 * problems as messages that name where, what and the fix. The platform layer registers its checks with
 * `registerPlatformCheck`; every `PlatformGraph` runs them as a cdk8s validation of its scope, so a consumer's
 * `app.synth()`, `cdk8s synth` and `npm run synth` fail with the same messages.
 */
export type PlatformCheck = (graph: PlatformGraph) => string[];

const CHECKS: PlatformCheck[] = [];

/** Registers a check that every platform graph runs at synth (idempotent). */
export function registerPlatformCheck(check: PlatformCheck): void {
  if (!CHECKS.includes(check)) CHECKS.push(check);
}

/**
 * The provides/consumes graph of one platform: every cross-cutting object (sync waves, exceptions,
 * network policies, registries) is derived from it. One graph lives in each platform scope (a `DataPlatform`,
 * or any construct marked with `PlatformGraph.markScope`), else at the root of the cdk8s App, so two platforms
 * in one App never see each other's components.
 */
export class PlatformGraph extends Construct {
  /** The graph of the nearest platform scope of `scope`, else of its App (created on first use). */
  public static of(scope: IConstruct): PlatformGraph {
    const holder = [...scope.node.scopes].reverse().find((s) => (s as unknown as Record<symbol, unknown>)[PLATFORM_SCOPE] === true) ?? App.of(scope);
    return (holder.node.tryFindChild(GRAPH_ID) as PlatformGraph | undefined) ?? new PlatformGraph(holder as Construct, GRAPH_ID);
  }

  /** Makes `scope` a platform scope: the components below it share one graph of their own. */
  public static markScope(scope: IConstruct): void {
    Object.defineProperty(scope, PLATFORM_SCOPE, { value: true, enumerable: false });
  }

  /** The construct whose subtree this graph describes (a platform scope or the App). */
  public get platformScope(): IConstruct {
    return this.node.scope!;
  }

  /**
   * The environment the graph's components were built for (set by the first component or the platform).
   * @default - none until a component is added
   */
  public get environment(): EnvironmentConfig | undefined {
    return this._environment;
  }

  /** Records the environment of a component; one graph serves one environment. */
  public useEnvironment(env: EnvironmentConfig, by: string): void {
    if (this._environment === undefined) this._environment = env;
    else if (this._environment.name !== env.name) {
      throw new PlatformConfigError(`environment '${env.name}', component '${by}'`, `is built in a scope whose components are built for environment '${this._environment.name}'`, 'give each environment its own DataPlatform (or a scope marked with PlatformGraph.markScope)');
    }
  }

  private readonly _edges: Edge[] = [];
  /** The identity of each recorded edge (from, to, kind, target, detail), for addEdge's duplicate check. */
  private readonly _edgeKeys = new Set<string>();
  /** Bumped by every change that can change `edges`; the derived edges are computed once per state. */
  private _revision = 0;
  private _edgesMemo?: { revision: number; edges: readonly Edge[] };
  private readonly _workloads: WorkloadRecord[] = [];
  private readonly _buckets: BucketClaim[] = [];
  private readonly _components = new Set<string>();
  private readonly _discoverables: DiscoverableEndpoint[] = [];
  private readonly _registryConsumers = new Set<string>();
  private readonly _clientPods: ClientPods[] = [];

  private _environment?: EnvironmentConfig;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    // cdk8s validates the whole App once per chart it synthesizes (Chart.toJson): the checks run once per
    // state of the tree and their result is reused while no construct is added.
    let memo: { size: number; problems: string[] } | undefined;
    this.node.addValidation({
      validate: () => {
        const size = this.platformScope.node.findAll().length;
        if (memo?.size !== size) {
          const problems = CHECKS.flatMap((check) => check(this));
          memo = { size: this.platformScope.node.findAll().length, problems };
        }
        return memo.problems;
      },
    });
  }

  /** Registers a synthesized component. */
  public addComponent(name: string): void {
    this._components.add(name);
  }

  /** Records that `from` depends on `to`. Edges within one component are kept too (they order nothing). */
  public addEdge(edge: Edge): void {
    const key = edgeKey(edge.from, edge.to, edge.kind, edge.target, edge.detail);
    if (!this._edgeKeys.has(key)) {
      this._edgeKeys.add(key);
      this._edges.push(edge);
      this._revision++;
    }
  }

  public addWorkload(w: WorkloadRecord): void {
    this._workloads.push(w);
  }

  public claimBucket(claim: BucketClaim): void {
    this._buckets.push(claim);
  }

  /** Registers a user-facing endpoint; ids are unique in the environment. */
  public addDiscoverable(d: DiscoverableEndpoint): void {
    const same = this._discoverables.find((x) => x.id === d.id);
    if (same) {
      throw new PlatformConfigError(`component '${d.component}'`, `discoverable endpoint '${d.id}' is registered by both '${same.component}' and '${d.component}'`, 'give each endpoint its own id');
    }
    this._discoverables.push(d);
    this._revision++;
  }

  /** The user-facing endpoints registered so far, sorted by id. Read them lazily (at synth) to see every component. */
  public get discoverables(): readonly DiscoverableEndpoint[] {
    return [...this._discoverables].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Declares pods outside a component's own workloads that act for it (the client side of its edges). */
  public addClientPods(c: ClientPods): void {
    this._clientPods.push(c);
  }

  /** The declared client pods, in declaration order. */
  public get clientPods(): readonly ClientPods[] {
    return this._clientPods;
  }

  public get components(): readonly string[] {
    return [...this._components];
  }

  /**
   * Declares that `component` reads the registry of discoverable endpoints (it links to and health-checks
   * each of them): it then depends on every component that registers one, as derived edges.
   */
  public consumeRegistry(component: string): void {
    this._registryConsumers.add(component);
    this._revision++;
  }

  /**
   * Every edge: those recorded by endpoint()/secretKeyRef() plus those derived from registry consumption (a derived
   * edge is left out when an edge with its from, to, target and detail exists). Computed once per state of the graph.
   */
  public get edges(): readonly Edge[] {
    if (this._edgesMemo?.revision === this._revision) return this._edgesMemo.edges;
    const seen = new Set(this._edges.map((x) => edgeKey(x.from, x.to, '', x.target, x.detail)));
    const derived: Edge[] = [];
    const discoverables = this.discoverables.filter((x) => !x.identityHeader);
    for (const from of [...this._registryConsumers].sort()) {
      // An endpoint that trusts an identity header is reached through the ingress only (health: public URL).
      for (const d of discoverables) {
        for (const [svc, port] of [[d.service, d.port], [d.health.service, d.health.port]] as const) {
          const key = edgeKey(from, d.component, '', svc.name, port);
          if (seen.has(key)) continue;
          seen.add(key);
          derived.push({ from, to: d.component, kind: 'service', target: svc.name, detail: port, soft: true });
        }
      }
    }
    const edges: readonly Edge[] = Object.freeze([...this._edges, ...derived]);
    this._edgesMemo = { revision: this._revision, edges };
    return edges;
  }

  public get workloads(): readonly WorkloadRecord[] {
    return this._workloads;
  }

  public get buckets(): readonly BucketClaim[] {
    return this._buckets;
  }

  /** The components `component` needs to start (hard edges to other components; runtime links excluded). */
  public dependenciesOf(component: string): string[] {
    return [...new Set(this.edges.filter((e) => !e.soft && e.from === component && e.to !== component && this._components.has(e.to)).map((e) => e.to))].sort();
  }
}
