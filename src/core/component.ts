import { ApiObject, ApiObjectMetadata, Chart, JsonPatch } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/schema';
import type { ResourceSpec } from './schema';
import { PlatformConfigError } from './errors';
import { DiscoverableEndpoint, Endpoint, PlatformGraph, SecretDescriptor, ServiceDescriptor, WorkloadRecord } from './graph';
import { standardLabels } from './labels';
import { serviceFqdn } from './names';
import { checkResources, ResourceRequirements } from './resources';
import { PodSpecProps, renderPodSpec } from './workload';
import { compareStrings } from './order';

const COMPONENT_BRAND = Symbol.for('@254carbon/data-platform.PlatformComponent');

/** Props every platform component takes. */
export interface PlatformComponentProps {
  /** The validated environment (see `loadEnvironment`). */
  readonly environment: EnvironmentConfig;
}

/** Identity of one workload: its name, its role label and (for workloads that exist already) its old selector. */
export interface WorkloadIdentity {
  /** The object name, e.g. `dolphinscheduler-api`. */
  readonly name: string;
  /** `app.kubernetes.io/component`, e.g. `api`. */
  readonly role: string;
  /** `app.kubernetes.io/version`. */
  readonly version: string;
  /**
   * The selector. Keep the reference one for a workload that runs today: selectors are immutable.
   * @default - app.kubernetes.io/name + instance + component
   */
  readonly selector?: Readonly<Record<string, string>>;
  /** @default - none */
  readonly annotations?: Readonly<Record<string, string>>;
  /**
   * A namespace other than the environment's (e.g. `monitoring`).
   * @default - the environment's namespace
   */
  readonly namespace?: string;
}

/** Argo CD annotations that make a one-off Job a hook that runs before the rest of its application. */
export const PRE_SYNC_HOOK: Readonly<Record<string, string>> = {
  'argocd.argoproj.io/hook': 'PreSync',
  'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
};

/**
 * A component of the platform: one cdk8s Chart in the environment's namespace, written to
 * `charts-out/<env>/<component>/`. It builds its objects with the shared building blocks and registers
 * what it provides and consumes in the environment's `PlatformGraph`.
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
    return standardLabels({ name: this.appName, instance: componentInstance(this.appName, this.environment.name), component: role, version });
  }

  /**
   * The name of an object in a namespace that every environment of a cluster shares (e.g. `monitoring`,
   * `velero`) or of a cluster-scoped object: `base` plus the environment's `sharedObjectSuffix`, so that the
   * objects of dev, staging and prod never collide there.
   */
  public sharedName(base: string): string {
    return `${base}${this.environment.sharedObjectSuffix}`;
  }

  /** A PersistentVolumeClaim (ReadWriteOnce, the environment's storage class). */
  public addPersistentVolumeClaim(id: WorkloadIdentity, size: string): k8s.KubePersistentVolumeClaim {
    return new k8s.KubePersistentVolumeClaim(this, `PersistentVolumeClaim.${id.name}`, {
      metadata: this.metadataFor(id),
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: this.environment.storageClass,
        resources: { requests: { storage: k8s.Quantity.fromString(size) } },
      },
    });
  }

  /** Resolves a preset name or explicit requests/limits; checks limits ≥ requests. */
  public resourcesFor(spec: ResourceSpec, key: string): ResourceRequirements {
    const r: ResourceRequirements = typeof spec === 'string' ? this.environment.resourcePresets[spec] : spec;
    checkResources(r, this.where(`components.${this.component}.${key}`));
    return r;
  }

  /** The FQDN endpoint of a provider's Service port; records the dependency edge. */
  public endpoint<P extends string>(service: ServiceDescriptor<P>, port: P): Endpoint {
    const portNumber = service.ports[port];
    if (portNumber === undefined) {
      throw new PlatformConfigError(this.where(), `Service ${service.name} has no port '${port}'`, `use one of ${Object.keys(service.ports).join(', ')}`);
    }
    this.graph.addEdge({ from: this.component, to: service.component, kind: 'service', target: service.name, detail: port });
    return makeEndpoint(serviceFqdn(service.name, service.namespace ?? this.ns), portNumber);
  }

  /** The endpoint of an external dependency the environment declares (`external.services`). */
  public externalEndpoint(id: string): Endpoint {
    const ext = this.environment.external.services[id];
    if (!ext) {
      throw new PlatformConfigError(this.where(), `external service '${id}' is not declared`,
        `declare it under external.services.${id} ({service, namespace?, port} or {host, port})`);
    }
    this.graph.addEdge({ from: this.component, to: 'external', kind: 'service', target: id });
    return makeEndpoint(ext.service ? serviceFqdn(ext.service, ext.namespace ?? this.ns) : ext.host!, ext.port);
  }

  /**
   * A secretKeyRef to a key of a Secret that a component produces; records the edge. The key type comes from the
   * descriptor only (`NoInfer`), so naming a key the Secret does not have is a compile error, not a wider union.
   */
  public secretKeyRef<K extends string>(secret: SecretDescriptor<K>, key: NoInfer<K>): k8s.EnvVarSource {
    if (!secret.keys.includes(key)) {
      throw new PlatformConfigError(this.where(), `Secret ${secret.name} has no key '${key}'`, `use one of ${secret.keys.join(', ')}`);
    }
    this.graph.addEdge({ from: this.component, to: secret.component, kind: 'secret', target: secret.name, detail: key });
    return { secretKeyRef: { name: secret.name, key } };
  }

  /**
   * A secretKeyRef to a Secret the environment declares under `external.secrets`. `namespace` is where the
   * consumer runs (default: the environment's namespace); it must be the namespace the Secret is declared in.
   */
  public externalSecretKeyRef(name: string, key: string, namespace?: string): k8s.EnvVarSource {
    const ext = this.environment.external.secrets[name];
    if (ext && (ext.namespace ?? this.ns) !== (namespace ?? this.ns)) {
      throw new PlatformConfigError(this.where(), `external Secret '${name}' is declared in namespace '${ext.namespace ?? this.ns}' but used in '${namespace ?? this.ns}'`,
        `declare a Secret in namespace '${namespace ?? this.ns}' (external.secrets.<name>.namespace) and reference that one`);
    }
    if (!ext) {
      throw new PlatformConfigError(this.where(), `Secret '${name}' is neither produced by the platform nor declared external`,
        `declare it under external.secrets.${name}.keys, or reference a Secret a component produces`);
    }
    if (!ext.keys.includes(key)) {
      throw new PlatformConfigError(this.where(), `external Secret '${name}' has no key '${key}' (it declares ${ext.keys.join(', ')})`,
        `use one of ${ext.keys.join(', ')} or add '${key}' to external.secrets.${name}.keys`);
    }
    this.graph.addEdge({ from: this.component, to: 'external', kind: 'secret', target: name, detail: key });
    return { secretKeyRef: { name, key } };
  }

  /** Creates the Service of a descriptor, selecting `selector`. */
  public addService(service: ServiceDescriptor, opts: { selector: Readonly<Record<string, string>>; role: string; version: string; headless?: boolean; publishNotReadyAddresses?: boolean }): k8s.KubeService {
    if (service.component !== this.component) {
      throw new PlatformConfigError(this.where(), `Service ${service.name} is declared by component '${service.component}'`, 'create a Service only in the component that provides it');
    }
    return new k8s.KubeService(this, `Service.${service.name}`, {
      metadata: { name: service.name, namespace: service.namespace, labels: this.labelsFor(opts.role, opts.version) },
      spec: {
        type: 'ClusterIP',
        clusterIp: opts.headless ? 'None' : undefined,
        publishNotReadyAddresses: opts.publishNotReadyAddresses,
        selector: { ...opts.selector },
        ports: Object.entries(service.ports).map(([name, port]) => ({
          name, port: port as number, targetPort: k8s.IntOrString.fromNumber(port as number), protocol: 'TCP',
        })),
      },
    });
  }

  /** A ConfigMap. */
  public addConfigMap(name: string, data: Record<string, string>, role: string, version: string, namespace?: string): k8s.KubeConfigMap {
    return new k8s.KubeConfigMap(this, `ConfigMap.${name}`, {
      metadata: { name, namespace, labels: this.labelsFor(role, version) },
      data: Object.fromEntries(Object.entries(data).sort(([a], [b]) => compareStrings(a, b))),
    });
  }

  /** Metadata of an object of this component. */
  public metadataFor(id: WorkloadIdentity, extra: Partial<ApiObjectMetadata> = {}): ApiObjectMetadata {
    return { name: id.name, namespace: id.namespace, labels: this.labelsFor(id.role, id.version), annotations: id.annotations ? { ...id.annotations } : undefined, ...extra };
  }

  /** The selector and pod labels of a workload. */
  protected podLabels(id: WorkloadIdentity): { selector: Record<string, string>; labels: Record<string, string> } {
    const standard = this.labelsFor(id.role, id.version);
    const selector = id.selector ? { ...id.selector } : {
      'app.kubernetes.io/name': standard['app.kubernetes.io/name'],
      'app.kubernetes.io/instance': standard['app.kubernetes.io/instance'],
      'app.kubernetes.io/component': standard['app.kubernetes.io/component'],
    };
    return { selector, labels: { ...standard, ...selector } };
  }

  /** Renders a pod spec and records the workload in the graph (pull Secrets: the environment's plus the pod's). */
  protected podSpec(kind: WorkloadRecord['kind'], id: WorkloadIdentity, podLabels: Record<string, string>, pod: PodSpecProps): k8s.PodSpec {
    const spec = renderPodSpec(pod, {
      imagePullPolicy: this.environment.imagePullPolicy,
      imagePullSecrets: this.environment.imagePullSecrets,
      where: this.where(`${kind} ${id.name}`),
    });
    this.graph.addWorkload({
      component: this.component, kind, name: id.name, namespace: id.namespace ?? this.ns, podLabels,
      containers: [
        ...(pod.initContainers ?? []).map((c) => ({ name: c.name, init: true, deviations: [...(c.security.deviations ?? [])] })),
        ...pod.containers.map((c) => ({ name: c.name, init: false, deviations: [...(c.security.deviations ?? [])] })),
      ],
    });
    return spec;
  }

  /**
   * A Deployment. `replicas` undefined leaves the count to an autoscaler. `podLabels`/`podAnnotations` add
   * metadata to the pod template (never to the selector).
   */
  public addDeployment(id: WorkloadIdentity, opts: {
    replicas: number | undefined; pod: PodSpecProps; strategy?: k8s.DeploymentStrategy;
    podLabels?: Readonly<Record<string, string>>; podAnnotations?: Readonly<Record<string, string>>;
  }): k8s.KubeDeployment {
    const { selector, labels: own } = this.podLabels(id);
    const labels = { ...(opts.podLabels ?? {}), ...own };
    return new k8s.KubeDeployment(this, `Deployment.${id.name}`, {
      metadata: this.metadataFor(id),
      spec: {
        replicas: opts.replicas,
        revisionHistoryLimit: 5,
        strategy: opts.strategy,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels, annotations: opts.podAnnotations ? { ...opts.podAnnotations } : undefined },
          spec: this.podSpec('Deployment', id, labels, opts.pod),
        },
      },
    });
  }

  /**
   * A PodDisruptionBudget selecting exactly the pods of a workload (its selector), allowing one voluntary
   * eviction at a time. Only meaningful for workloads of more than one replica.
   */
  public addPodDisruptionBudget(id: WorkloadIdentity, opts: { maxUnavailable?: number } = {}): k8s.KubePodDisruptionBudget {
    const { selector } = this.podLabels(id);
    return new k8s.KubePodDisruptionBudget(this, `PodDisruptionBudget.${id.name}`, {
      metadata: this.metadataFor({ ...id, annotations: undefined }),
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(opts.maxUnavailable ?? 1), selector: { matchLabels: selector } },
    });
  }

  /**
   * An autoscaling/v2 HorizontalPodAutoscaler of a Deployment on CPU utilisation (of the requests). Create the
   * Deployment with `replicas: undefined`, so that Argo CD's self-heal and the HPA never fight over the count.
   */
  public addHorizontalPodAutoscaler(id: WorkloadIdentity, opts: {
    name: string; minReplicas: number; maxReplicas: number; targetCpuUtilization: number;
  }): k8s.KubeHorizontalPodAutoscalerV2 {
    if (opts.minReplicas < 1 || opts.maxReplicas < opts.minReplicas) {
      throw new PlatformConfigError(this.where(`HorizontalPodAutoscaler ${opts.name}`), `bounds ${opts.minReplicas}-${opts.maxReplicas} are not a range`,
        'use 1 <= minReplicas <= maxReplicas');
    }
    return new k8s.KubeHorizontalPodAutoscalerV2(this, `HorizontalPodAutoscaler.${opts.name}`, {
      metadata: this.metadataFor({ ...id, name: opts.name, annotations: undefined }),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: id.name },
        minReplicas: opts.minReplicas,
        maxReplicas: opts.maxReplicas,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: opts.targetCpuUtilization } } }],
      },
    });
  }

  /**
   * Registers a user-facing endpoint of this component (a UI or API people open) in the graph, for the portal's
   * service registry. The Service must be this component's; health is checked on a port of `health.service`
   * (default: the same Service) at `health.path`.
   */
  public addDiscoverable<P extends string, H extends string = P>(entry: {
    id: string; name: string; category: DiscoverableEndpoint['category']; description: string; icon: string;
    service: ServiceDescriptor<P>; port: P;
    health: { path: string; service?: ServiceDescriptor<H>; port?: H };
    publicHost?: DiscoverableEndpoint['publicHost']; publicPath?: string;
    ingress?: DiscoverableEndpoint['ingress']; identityHeader?: string;
  }): void {
    const healthService: ServiceDescriptor = entry.health.service ?? entry.service;
    const healthPort: string = entry.health.port ?? entry.port;
    for (const [svc, port] of [[entry.service, entry.port], [healthService, healthPort]] as const) {
      if (svc.component !== this.component) {
        throw new PlatformConfigError(this.where(`discoverable '${entry.id}'`), `Service ${svc.name} belongs to component '${svc.component}'`,
          'register only endpoints of Services this component provides');
      }
      if ((svc.ports as Record<string, number>)[port] === undefined) {
        throw new PlatformConfigError(this.where(`discoverable '${entry.id}'`), `Service ${svc.name} has no port '${port}'`, `use one of ${Object.keys(svc.ports).join(', ')}`);
      }
    }
    if (!entry.health.path.startsWith('/') || (entry.publicPath !== undefined && !entry.publicPath.startsWith('/'))) {
      throw new PlatformConfigError(this.where(`discoverable '${entry.id}'`), 'paths must start with /', "write e.g. '/actuator/health'");
    }
    this.graph.addDiscoverable({
      component: this.component, id: entry.id, name: entry.name, category: entry.category, description: entry.description, icon: entry.icon,
      service: entry.service, port: entry.port, health: { service: healthService, port: healthPort, path: entry.health.path },
      publicHost: entry.publicHost, publicPath: entry.publicPath, ingress: entry.ingress, identityHeader: entry.identityHeader,
    });
  }

  /**
   * Declares pods that act for this component without being synthesized by it (e.g. a server another tool
   * installs, which this component configures): network policies admit them where this component consumes.
   */
  public declareClientPods(namespace: string, podSelector: Readonly<Record<string, string>>, reason: string): void {
    if (Object.keys(podSelector).length === 0) {
      throw new PlatformConfigError(this.where('client pods'), 'an empty pod selector selects every pod of the namespace', 'give the labels of exactly those pods');
    }
    this.graph.addClientPods({ component: this.component, namespace, podSelector: { ...podSelector }, reason });
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
  public addStatefulSet(id: WorkloadIdentity, opts: {
    replicas: number; serviceName: string; pod: PodSpecProps;
    volumeClaims?: ReadonlyArray<{ name: string; size: string }>;
    /** @default - the server's default, OrderedReady (fixed at creation) */
    podManagementPolicy?: 'OrderedReady' | 'Parallel';
    /** @default - the server's default, 10 (fixed at creation) */
    revisionHistoryLimit?: number;
  }): k8s.KubeStatefulSet {
    const { selector, labels } = this.podLabels(id);
    return new k8s.KubeStatefulSet(this, `StatefulSet.${id.name}`, {
      metadata: this.metadataFor(id),
      spec: {
        replicas: opts.replicas,
        serviceName: opts.serviceName,
        podManagementPolicy: opts.podManagementPolicy,
        revisionHistoryLimit: opts.revisionHistoryLimit,
        selector: { matchLabels: selector },
        template: { metadata: { labels }, spec: this.podSpec('StatefulSet', id, labels, opts.pod) },
        volumeClaimTemplates: opts.volumeClaims?.map((v) => ({
          metadata: { name: v.name },
          spec: {
            accessModes: ['ReadWriteOnce'],
            storageClassName: this.environment.storageClass,
            resources: { requests: { storage: k8s.Quantity.fromString(v.size) } },
          },
        })),
      },
    });
  }

  /** A Job that runs to completion, bounded in time and retries. */
  public addJob(id: WorkloadIdentity, opts: { pod: PodSpecProps; backoffLimit?: number; activeDeadlineSeconds?: number; ttlSecondsAfterFinished?: number }): k8s.KubeJob {
    const { labels } = this.podLabels(id);
    return new k8s.KubeJob(this, `Job.${id.name}`, {
      metadata: this.metadataFor(id),
      spec: {
        backoffLimit: opts.backoffLimit ?? 3,
        activeDeadlineSeconds: opts.activeDeadlineSeconds ?? 1800,
        ttlSecondsAfterFinished: opts.ttlSecondsAfterFinished,
        template: { metadata: { labels }, spec: this.podSpec('Job', id, labels, { restartPolicy: 'Never', ...opts.pod }) },
      },
    });
  }

  /** A CronJob: one run at a time (`Forbid`), bounded history, a start deadline and a run deadline. */
  public addCronJob(id: WorkloadIdentity, opts: {
    schedule: string; pod: PodSpecProps; backoffLimit?: number; activeDeadlineSeconds?: number;
    startingDeadlineSeconds?: number; timeZone?: string; suspend?: boolean;
  }): k8s.KubeCronJob {
    const { labels } = this.podLabels(id);
    return new k8s.KubeCronJob(this, `CronJob.${id.name}`, {
      metadata: this.metadataFor(id),
      spec: {
        schedule: opts.schedule,
        timeZone: opts.timeZone,
        suspend: opts.suspend,
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: opts.startingDeadlineSeconds ?? 3600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: opts.backoffLimit ?? 1,
            activeDeadlineSeconds: opts.activeDeadlineSeconds ?? 3 * 3600,
            template: { metadata: { labels }, spec: this.podSpec('CronJob', id, labels, { restartPolicy: 'Never', ...opts.pod }) },
          },
        },
      },
    });
  }

  /** A DaemonSet (one pod per node). */
  public addDaemonSet(id: WorkloadIdentity, opts: { pod: PodSpecProps; tolerations?: k8s.Toleration[] }): k8s.KubeDaemonSet {
    const { selector, labels } = this.podLabels(id);
    const spec = this.podSpec('DaemonSet', id, labels, opts.pod);
    return new k8s.KubeDaemonSet(this, `DaemonSet.${id.name}`, {
      metadata: this.metadataFor(id),
      spec: {
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        template: { metadata: { labels }, spec: { ...spec, tolerations: opts.tolerations } },
      },
    });
  }
}

/** `app.kubernetes.io/instance` of a component's objects in one environment, e.g. `minio-prod`. */
export function componentInstance(component: string, environmentName: string): string {
  return `${component}-${environmentName}`;
}

/** The labels every object of a component carries in one environment (name and instance), e.g. for a ServiceMonitor selector. */
export function componentSelector(component: string, environmentName: string): Record<string, string> {
  return { 'app.kubernetes.io/name': component, 'app.kubernetes.io/instance': componentInstance(component, environmentName) };
}

/** Removes the namespace the Chart gives every object from a cluster-scoped object (ClusterRole, ClusterRoleBinding, ...). */
export function clusterScoped<T extends ApiObject>(obj: T): T {
  obj.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  return obj;
}

/** Builds an Endpoint. */
export function makeEndpoint(host: string, port: number): Endpoint {
  return {
    host,
    port,
    hostPort: `${host}:${port}`,
    url: (scheme: string, path = '') => `${scheme}://${host}:${port}${path}`,
  };
}
