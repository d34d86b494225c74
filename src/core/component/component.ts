// The base class of every component. It holds the component's identity and delegates each method to the
// function of its concern: identity.ts (names, labels, metadata), wiring.ts (the PlatformGraph: endpoints,
// Secrets, the portal registry) and builders.ts (the Kubernetes objects, protected: for subclasses).
import { ApiObjectMetadata, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../config/schema';
import type { ResourceSpec } from '../schema';
import type { Endpoint, SecretDescriptor, ServiceDescriptor, WorkloadRecord } from '../graph';
import { PlatformGraph } from '../graph';
import { checkResources, ResourceRequirements } from '../resources';
import type { PodSpecProps } from '../workload';
import {
  buildConfigMap, buildCronJob, buildDaemonSet, buildDeployment, buildHorizontalPodAutoscaler, buildJob, buildPersistentVolumeClaim,
  buildPodDisruptionBudget, buildService, buildStatefulSet, podLabelsOf, recordedPodSpec,
} from './builders';
import type {
  CronJobOptions, DaemonSetOptions, DeploymentOptions, HorizontalPodAutoscalerOptions, JobOptions, PodDisruptionBudgetOptions,
  ServiceOptions, StatefulSetOptions,
} from './builders';
import { labelsOf, metadataOf, sharedNameOf, type WorkloadIdentity, type WorkloadLabels } from './identity';
import {
  addDiscoverableTo, declareClientPodsOf, DiscoverableOptions, endpointOf, externalEndpointOf, externalSecretKeyRefOf, secretKeyRefOf,
} from './wiring';

const COMPONENT_BRAND = Symbol.for('@254carbon/data-platform.PlatformComponent');

/** Props every platform component takes. */
export interface PlatformComponentProps {
  /** The validated environment (see `loadEnvironment`). */
  readonly environment: EnvironmentConfig;
}

/**
 * A component of the platform: one cdk8s Chart in the environment's namespace, written to
 * `charts-out/<env>/<component>/`. It builds its objects with the shared building blocks and registers
 * what it provides and consumes in the environment's `PlatformGraph`.
 *
 * @remarks
 * Its methods come in three groups: identity and labels (`labelsFor`, `metadataFor`, `sharedName`, `where`),
 * graph wiring (`endpoint`, `externalEndpoint`, `secretKeyRef`, `externalSecretKeyRef`, `addDiscoverable`,
 * `declareClientPods`), and the protected object builders a subclass builds its objects with (`addService`,
 * `addConfigMap`, `addDeployment`, `addStatefulSet`, `addJob`, `addCronJob`, `addDaemonSet`,
 * `addPersistentVolumeClaim`, `addPodDisruptionBudget`, `addHorizontalPodAutoscaler`, `podSpec`).
 */
export abstract class PlatformComponent extends Chart {
  /**
   * True for a PlatformComponent. Use this, not `instanceof`: cdk8s's Chart defines `Symbol.hasInstance`, so
   * `x instanceof PlatformComponent` is true for every Chart.
   */
  public static isPlatformComponent(x: unknown): x is PlatformComponent {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[COMPONENT_BRAND] === true;
  }

  /** The component's name: its output folder and its node in the dependency graph. */
  public readonly component: string;
  /** The environment it is synthesized for. */
  public readonly environment: EnvironmentConfig;
  /** The graph of the App. */
  public readonly graph: PlatformGraph;
  /** `app.kubernetes.io/name` of this component's objects. */
  protected readonly appName: string;

  protected constructor(scope: Construct, id: string, component: string, props: PlatformComponentProps) {
    super(scope, id, { namespace: props.environment.namespace, disableResourceNameHashes: true });
    Object.defineProperty(this, COMPONENT_BRAND, { value: true });
    this.component = component;
    this.appName = component;
    this.environment = props.environment;
    this.graph = PlatformGraph.of(this);
    this.graph.useEnvironment(props.environment, component);
    this.graph.addComponent(component);
  }

  // ---- Identity and labels (identity.ts) ----

  /** The environment's namespace. */
  public get ns(): string {
    return this.environment.namespace;
  }

  /** Where an error points: the environment, the component and an optional detail. */
  public where(detail?: string): string {
    return `environment '${this.environment.name}', component '${this.component}'${detail ? `, ${detail}` : ''}`;
  }

  /** The standard labels of one object of this component. */
  public labelsFor(role: string, version: string): Record<string, string> {
    return labelsOf(this.appName, this.environment.name, role, version);
  }

  /**
   * The name of an object in a namespace that every environment of a cluster shares (e.g. `monitoring`,
   * `velero`) or of a cluster-scoped object: `base` plus the environment's `sharedObjectSuffix`, so that the
   * objects of dev, staging and prod never collide there.
   */
  public sharedName(base: string): string {
    return sharedNameOf(this.environment, base);
  }

  /** Metadata of an object of this component. */
  public metadataFor(id: WorkloadIdentity, extra: Partial<ApiObjectMetadata> = {}): ApiObjectMetadata {
    return metadataOf(this.labelsFor(id.role, id.version), id, extra);
  }

  /** Resolves a preset name or explicit requests/limits; checks limits ≥ requests. */
  public resourcesFor(spec: ResourceSpec, key: string): ResourceRequirements {
    const r: ResourceRequirements = typeof spec === 'string' ? this.environment.resourcePresets[spec] : spec;
    checkResources(r, this.where(`components.${this.component}.${key}`));
    return r;
  }

  // ---- Graph wiring (wiring.ts) ----

  /** The FQDN endpoint of a provider's Service port; records the dependency edge. */
  public endpoint<P extends string>(service: ServiceDescriptor<P>, port: P): Endpoint {
    return endpointOf(this, service, port);
  }

  /** The endpoint of an external dependency the environment declares (`external.services`). */
  public externalEndpoint(id: string): Endpoint {
    return externalEndpointOf(this, id);
  }

  /**
   * A secretKeyRef to a key of a Secret that a component produces; records the edge. The key type comes from the
   * descriptor only (`NoInfer`), so naming a key the Secret does not have is a compile error, not a wider union.
   */
  public secretKeyRef<K extends string>(secret: SecretDescriptor<K>, key: NoInfer<K>): k8s.EnvVarSource {
    return secretKeyRefOf(this, secret, key);
  }

  /**
   * A secretKeyRef to a Secret the environment declares under `external.secrets`. `namespace` is where the
   * consumer runs (default: the environment's namespace); it must be the namespace the Secret is declared in.
   */
  public externalSecretKeyRef(name: string, key: string, namespace?: string): k8s.EnvVarSource {
    return externalSecretKeyRefOf(this, name, key, namespace);
  }

  /**
   * Registers a user-facing endpoint of this component (a UI or API people open) in the graph, for the portal's
   * service registry. The Service must be this component's; health is checked on a port of `health.service`
   * (default: the same Service) at `health.path`.
   */
  public addDiscoverable<P extends string, H extends string = P>(entry: DiscoverableOptions<P, H>): void {
    addDiscoverableTo(this, entry);
  }

  /**
   * Declares pods that act for this component without being synthesized by it (e.g. a server another tool
   * installs, which this component configures): network policies admit them where this component consumes.
   */
  public declareClientPods(namespace: string, podSelector: Readonly<Record<string, string>>, reason: string): void {
    declareClientPodsOf(this, namespace, podSelector, reason);
  }

  // ---- Object builders (builders.ts), for subclasses ----

  /** The selector and pod labels of a workload. */
  protected podLabels(id: WorkloadIdentity): WorkloadLabels {
    return podLabelsOf(this, id);
  }

  /** Renders a pod spec and records the workload in the graph (pull Secrets: the environment's plus the pod's). */
  protected podSpec(kind: WorkloadRecord['kind'], id: WorkloadIdentity, podLabels: Record<string, string>, pod: PodSpecProps): k8s.PodSpec {
    return recordedPodSpec(this, kind, id, podLabels, pod);
  }

  /** Creates the Service of a descriptor, selecting `opts.selector`. The descriptor must be this component's. */
  protected addService(service: ServiceDescriptor, opts: ServiceOptions): k8s.KubeService {
    return buildService(this, service, opts);
  }

  /** A ConfigMap; its keys are written in sorted order. */
  protected addConfigMap(name: string, data: Record<string, string>, role: string, version: string, namespace?: string): k8s.KubeConfigMap {
    return buildConfigMap(this, name, data, role, version, namespace);
  }

  /** A PersistentVolumeClaim (ReadWriteOnce, the environment's storage class). */
  protected addPersistentVolumeClaim(id: WorkloadIdentity, size: string): k8s.KubePersistentVolumeClaim {
    return buildPersistentVolumeClaim(this, id, size);
  }

  /**
   * A Deployment. `replicas` undefined leaves the count to an autoscaler. `podLabels`/`podAnnotations` add
   * metadata to the pod template (never to the selector).
   */
  protected addDeployment(id: WorkloadIdentity, opts: DeploymentOptions): k8s.KubeDeployment {
    return buildDeployment(this, id, opts);
  }

  /**
   * A PodDisruptionBudget selecting exactly the pods of a workload (its selector), allowing one voluntary
   * eviction at a time. Only meaningful for workloads of more than one replica.
   */
  protected addPodDisruptionBudget(id: WorkloadIdentity, opts: PodDisruptionBudgetOptions = {}): k8s.KubePodDisruptionBudget {
    return buildPodDisruptionBudget(this, id, opts);
  }

  /**
   * An autoscaling/v2 HorizontalPodAutoscaler of a Deployment on CPU utilisation (of the requests). Create the
   * Deployment with `replicas: undefined`, so that Argo CD's self-heal and the HPA never fight over the count.
   */
  protected addHorizontalPodAutoscaler(id: WorkloadIdentity, opts: HorizontalPodAutoscalerOptions): k8s.KubeHorizontalPodAutoscalerV2 {
    return buildHorizontalPodAutoscaler(this, id, opts);
  }

  /**
   * A StatefulSet with volume claim templates on the environment's storage class.
   *
   * Everything in a StatefulSet's spec except `replicas`, `ordinals`, `template`, `updateStrategy`,
   * `persistentVolumeClaimRetentionPolicy` and `minReadySeconds` is fixed when it is created (Kubernetes 1.28
   * `ValidateStatefulSetUpdate`; docs/runtime-facts.md). So the claim templates carry only a name and a spec
   * (never labels: a version label there would make every image bump a forbidden update, and the claims are
   * found through the pod's volumes, not through labels), and `podManagementPolicy` / `revisionHistoryLimit`
   * are left to the server's defaults (`OrderedReady`, 10) unless a component asks otherwise: changing any of
   * these on a running StatefulSet needs `declareNotInPlace` (src/core/immutable.ts).
   */
  protected addStatefulSet(id: WorkloadIdentity, opts: StatefulSetOptions): k8s.KubeStatefulSet {
    return buildStatefulSet(this, id, opts);
  }

  /** A Job that runs to completion, bounded in time and retries. */
  protected addJob(id: WorkloadIdentity, opts: JobOptions): k8s.KubeJob {
    return buildJob(this, id, opts);
  }

  /** A CronJob: one run at a time (`Forbid`), bounded history, a start deadline and a run deadline. */
  protected addCronJob(id: WorkloadIdentity, opts: CronJobOptions): k8s.KubeCronJob {
    return buildCronJob(this, id, opts);
  }

  /** A DaemonSet (one pod per node). */
  protected addDaemonSet(id: WorkloadIdentity, opts: DaemonSetOptions): k8s.KubeDaemonSet {
    return buildDaemonSet(this, id, opts);
  }
}
