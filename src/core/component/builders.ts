// Object builders: the Kubernetes objects of a component, each created in the component's Chart with the
// component's labels and the platform's defaults, and (for workloads) recorded in its `PlatformGraph`.
// `PlatformComponent` exposes them as protected methods (`this.addDeployment(...)`); their options are the
// named interfaces below. Construct ids are `<Kind>.<name>`: stable, so the synthesized output never moves.
import { ApiObject, JsonPatch } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { PlatformConfigError } from '../errors';
import type { ServiceDescriptor, WorkloadRecord } from '../graph';
import { compareStrings } from '../order';
import { PodSpecProps, renderPodSpec } from '../workload';
import type { PlatformComponent } from './component';
import { workloadLabelsOf, type WorkloadIdentity, type WorkloadLabels } from './identity';

/** Argo CD annotations that make a one-off Job a hook that runs before the rest of its application. */
export const PRE_SYNC_HOOK: Readonly<Record<string, string>> = {
  'argocd.argoproj.io/hook': 'PreSync',
  'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
};

/** Options of `PlatformComponent.addService`. */
export interface ServiceOptions {
  /** The pods the Service selects: the selector of the workload behind it. */
  readonly selector: Readonly<Record<string, string>>;
  /** `app.kubernetes.io/component` of the Service. */
  readonly role: string;
  /** `app.kubernetes.io/version` of the Service. */
  readonly version: string;
  /**
   * A headless Service (`clusterIP: None`): DNS names the pods, e.g. for a StatefulSet's `serviceName`.
   * @default false
   */
  readonly headless?: boolean;
  /**
   * Publish the addresses of pods that are not ready (peers that must find each other before they are ready).
   * @default - not set (Kubernetes' default, false)
   */
  readonly publishNotReadyAddresses?: boolean;
}

/** Options of `PlatformComponent.addDeployment`. */
export interface DeploymentOptions {
  /** The replica count; `undefined` leaves the count to an autoscaler (`addHorizontalPodAutoscaler`). */
  readonly replicas: number | undefined;
  /** The pod template. */
  readonly pod: PodSpecProps;
  /**
   * How pods are replaced.
   * @default - Kubernetes' default (RollingUpdate, 25% surge and unavailable)
   */
  readonly strategy?: k8s.DeploymentStrategy;
  /**
   * Labels added to the pod template only (never to the selector); the standard labels and the selector win.
   * @default - none
   */
  readonly podLabels?: Readonly<Record<string, string>>;
  /**
   * Annotations of the pod template.
   * @default - none
   */
  readonly podAnnotations?: Readonly<Record<string, string>>;
}

/** Options of `PlatformComponent.addPodDisruptionBudget`. */
export interface PodDisruptionBudgetOptions {
  /**
   * How many of the workload's pods a voluntary disruption may take down at once.
   * @default 1
   */
  readonly maxUnavailable?: number;
}

/** Options of `PlatformComponent.addHorizontalPodAutoscaler`. */
export interface HorizontalPodAutoscalerOptions {
  /** The HorizontalPodAutoscaler's name. */
  readonly name: string;
  /** The fewest replicas; at least 1. */
  readonly minReplicas: number;
  /** The most replicas; at least `minReplicas`. */
  readonly maxReplicas: number;
  /** The average CPU utilisation to keep, in percent of the pods' CPU requests. */
  readonly targetCpuUtilization: number;
}

/** One volume claim template of a StatefulSet (see `StatefulSetOptions.volumeClaims`). */
export interface VolumeClaimTemplateOptions {
  /** The template name: the pods' volume name; each claim is `<name>-<pod>`. */
  readonly name: string;
  /** The requested storage, e.g. `10Gi`. */
  readonly size: string;
}

/** Options of `PlatformComponent.addStatefulSet`. */
export interface StatefulSetOptions {
  /** The replica count. */
  readonly replicas: number;
  /** The governing (headless) Service that gives each pod its DNS name (fixed at creation). */
  readonly serviceName: string;
  /** The pod template. */
  readonly pod: PodSpecProps;
  /**
   * Claims created per pod, ReadWriteOnce on the environment's storage class (fixed at creation).
   * @default - none
   */
  readonly volumeClaims?: ReadonlyArray<VolumeClaimTemplateOptions>;
  /** @default - the server's default, OrderedReady (fixed at creation) */
  readonly podManagementPolicy?: 'OrderedReady' | 'Parallel';
  /** @default - the server's default, 10 (fixed at creation) */
  readonly revisionHistoryLimit?: number;
}

/** Options of `PlatformComponent.addJob`. */
export interface JobOptions {
  /** The pod template; its `restartPolicy` defaults to `Never`. */
  readonly pod: PodSpecProps;
  /**
   * Retries before the Job fails.
   * @default 3
   */
  readonly backoffLimit?: number;
  /**
   * Seconds the Job may run, retries included, before it is stopped and fails.
   * @default 1800
   */
  readonly activeDeadlineSeconds?: number;
  /**
   * Seconds after which a finished Job is deleted.
   * @default - not set: kept until deleted (Argo CD's hook delete policy replaces it on the next sync)
   */
  readonly ttlSecondsAfterFinished?: number;
}

/** Options of `PlatformComponent.addCronJob`. */
export interface CronJobOptions {
  /** The cron schedule, e.g. `0 3 * * *`. */
  readonly schedule: string;
  /** The pod template of each run; its `restartPolicy` defaults to `Never`. */
  readonly pod: PodSpecProps;
  /**
   * Retries of one run before it fails.
   * @default 1
   */
  readonly backoffLimit?: number;
  /**
   * Seconds one run may take, retries included.
   * @default 10800 (3 hours)
   */
  readonly activeDeadlineSeconds?: number;
  /**
   * Seconds after its scheduled time a missed run may still start.
   * @default 3600
   */
  readonly startingDeadlineSeconds?: number;
  /**
   * The time zone of the schedule, e.g. `Europe/Berlin`.
   * @default - not set: the kube-controller-manager's local time zone
   */
  readonly timeZone?: string;
  /**
   * Suspends future runs.
   * @default - not set (Kubernetes' default, false)
   */
  readonly suspend?: boolean;
}

/** Options of `PlatformComponent.addDaemonSet`. */
export interface DaemonSetOptions {
  /** The pod template. */
  readonly pod: PodSpecProps;
  /**
   * Tolerations of the pods (e.g. to run on tainted control-plane nodes too).
   * @default - none
   */
  readonly tolerations?: k8s.Toleration[];
}

/** The selector and pod labels of a workload of `c` (see `PlatformComponent.podLabels`). */
export function podLabelsOf(c: PlatformComponent, id: WorkloadIdentity): WorkloadLabels {
  return workloadLabelsOf(c.labelsFor(id.role, id.version), id);
}

/** Renders a pod spec and records the workload in the graph (see `PlatformComponent.podSpec`). */
export function recordedPodSpec(c: PlatformComponent, kind: WorkloadRecord['kind'], id: WorkloadIdentity, podLabels: Record<string, string>, pod: PodSpecProps): k8s.PodSpec {
  const spec = renderPodSpec(pod, {
    imagePullPolicy: c.environment.imagePullPolicy,
    imagePullSecrets: c.environment.imagePullSecrets,
    where: c.where(`${kind} ${id.name}`),
  });
  c.graph.addWorkload({
    component: c.component, kind, name: id.name, namespace: id.namespace ?? c.ns, podLabels,
    containers: [
      ...(pod.initContainers ?? []).map((x) => ({ name: x.name, init: true, deviations: [...(x.security.deviations ?? [])] })),
      ...pod.containers.map((x) => ({ name: x.name, init: false, deviations: [...(x.security.deviations ?? [])] })),
    ],
  });
  return spec;
}

/** The claim spec of the platform: ReadWriteOnce on the environment's storage class. */
function claimSpec(c: PlatformComponent, size: string): k8s.PersistentVolumeClaimSpec {
  return {
    accessModes: ['ReadWriteOnce'],
    storageClassName: c.environment.storageClass,
    resources: { requests: { storage: k8s.Quantity.fromString(size) } },
  };
}

/** See `PlatformComponent.addPersistentVolumeClaim`. */
export function buildPersistentVolumeClaim(c: PlatformComponent, id: WorkloadIdentity, size: string): k8s.KubePersistentVolumeClaim {
  return new k8s.KubePersistentVolumeClaim(c, `PersistentVolumeClaim.${id.name}`, {
    metadata: c.metadataFor(id),
    spec: claimSpec(c, size),
  });
}

/** See `PlatformComponent.addService`. */
export function buildService(c: PlatformComponent, service: ServiceDescriptor, opts: ServiceOptions): k8s.KubeService {
  if (service.component !== c.component) {
    throw new PlatformConfigError(c.where(), `Service ${service.name} is declared by component '${service.component}'`, 'create a Service only in the component that provides it');
  }
  return new k8s.KubeService(c, `Service.${service.name}`, {
    metadata: { name: service.name, namespace: service.namespace, labels: c.labelsFor(opts.role, opts.version) },
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

/** See `PlatformComponent.addConfigMap`. */
export function buildConfigMap(c: PlatformComponent, name: string, data: Record<string, string>, role: string, version: string, namespace?: string): k8s.KubeConfigMap {
  return new k8s.KubeConfigMap(c, `ConfigMap.${name}`, {
    metadata: { name, namespace, labels: c.labelsFor(role, version) },
    data: Object.fromEntries(Object.entries(data).sort(([a], [b]) => compareStrings(a, b))),
  });
}

/** See `PlatformComponent.addDeployment`. */
export function buildDeployment(c: PlatformComponent, id: WorkloadIdentity, opts: DeploymentOptions): k8s.KubeDeployment {
  const { selector, labels: own } = podLabelsOf(c, id);
  const labels = { ...(opts.podLabels ?? {}), ...own };
  return new k8s.KubeDeployment(c, `Deployment.${id.name}`, {
    metadata: c.metadataFor(id),
    spec: {
      replicas: opts.replicas,
      revisionHistoryLimit: 5,
      strategy: opts.strategy,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels, annotations: opts.podAnnotations ? { ...opts.podAnnotations } : undefined },
        spec: recordedPodSpec(c, 'Deployment', id, labels, opts.pod),
      },
    },
  });
}

/** See `PlatformComponent.addPodDisruptionBudget`. */
export function buildPodDisruptionBudget(c: PlatformComponent, id: WorkloadIdentity, opts: PodDisruptionBudgetOptions = {}): k8s.KubePodDisruptionBudget {
  const { selector } = podLabelsOf(c, id);
  return new k8s.KubePodDisruptionBudget(c, `PodDisruptionBudget.${id.name}`, {
    metadata: c.metadataFor({ ...id, annotations: undefined }),
    spec: { maxUnavailable: k8s.IntOrString.fromNumber(opts.maxUnavailable ?? 1), selector: { matchLabels: selector } },
  });
}

/** See `PlatformComponent.addHorizontalPodAutoscaler`. */
export function buildHorizontalPodAutoscaler(c: PlatformComponent, id: WorkloadIdentity, opts: HorizontalPodAutoscalerOptions): k8s.KubeHorizontalPodAutoscalerV2 {
  if (opts.minReplicas < 1 || opts.maxReplicas < opts.minReplicas) {
    throw new PlatformConfigError(c.where(`HorizontalPodAutoscaler ${opts.name}`), `bounds ${opts.minReplicas}-${opts.maxReplicas} are not a range`,
      'use 1 <= minReplicas <= maxReplicas');
  }
  return new k8s.KubeHorizontalPodAutoscalerV2(c, `HorizontalPodAutoscaler.${opts.name}`, {
    metadata: c.metadataFor({ ...id, name: opts.name, annotations: undefined }),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: id.name },
      minReplicas: opts.minReplicas,
      maxReplicas: opts.maxReplicas,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: opts.targetCpuUtilization } } }],
    },
  });
}

/** See `PlatformComponent.addStatefulSet`. */
export function buildStatefulSet(c: PlatformComponent, id: WorkloadIdentity, opts: StatefulSetOptions): k8s.KubeStatefulSet {
  const { selector, labels } = podLabelsOf(c, id);
  return new k8s.KubeStatefulSet(c, `StatefulSet.${id.name}`, {
    metadata: c.metadataFor(id),
    spec: {
      replicas: opts.replicas,
      serviceName: opts.serviceName,
      podManagementPolicy: opts.podManagementPolicy,
      revisionHistoryLimit: opts.revisionHistoryLimit,
      selector: { matchLabels: selector },
      template: { metadata: { labels }, spec: recordedPodSpec(c, 'StatefulSet', id, labels, opts.pod) },
      // Only a name and a spec: see PlatformComponent.addStatefulSet.
      volumeClaimTemplates: opts.volumeClaims?.map((v) => ({ metadata: { name: v.name }, spec: claimSpec(c, v.size) })),
    },
  });
}

/** See `PlatformComponent.addJob`. */
export function buildJob(c: PlatformComponent, id: WorkloadIdentity, opts: JobOptions): k8s.KubeJob {
  const { labels } = podLabelsOf(c, id);
  return new k8s.KubeJob(c, `Job.${id.name}`, {
    metadata: c.metadataFor(id),
    spec: {
      backoffLimit: opts.backoffLimit ?? 3,
      activeDeadlineSeconds: opts.activeDeadlineSeconds ?? 1800,
      ttlSecondsAfterFinished: opts.ttlSecondsAfterFinished,
      template: { metadata: { labels }, spec: recordedPodSpec(c, 'Job', id, labels, { restartPolicy: 'Never', ...opts.pod }) },
    },
  });
}

/** See `PlatformComponent.addCronJob`. */
export function buildCronJob(c: PlatformComponent, id: WorkloadIdentity, opts: CronJobOptions): k8s.KubeCronJob {
  const { labels } = podLabelsOf(c, id);
  return new k8s.KubeCronJob(c, `CronJob.${id.name}`, {
    metadata: c.metadataFor(id),
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
          template: { metadata: { labels }, spec: recordedPodSpec(c, 'CronJob', id, labels, { restartPolicy: 'Never', ...opts.pod }) },
        },
      },
    },
  });
}

/** See `PlatformComponent.addDaemonSet`. */
export function buildDaemonSet(c: PlatformComponent, id: WorkloadIdentity, opts: DaemonSetOptions): k8s.KubeDaemonSet {
  const { selector, labels } = podLabelsOf(c, id);
  const spec = recordedPodSpec(c, 'DaemonSet', id, labels, opts.pod);
  return new k8s.KubeDaemonSet(c, `DaemonSet.${id.name}`, {
    metadata: c.metadataFor(id),
    spec: {
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector },
      template: { metadata: { labels }, spec: { ...spec, tolerations: opts.tolerations } },
    },
  });
}

/** Removes the namespace the Chart gives every object from a cluster-scoped object (ClusterRole, ClusterRoleBinding, ...). */
export function clusterScoped<T extends ApiObject>(obj: T): T {
  obj.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  return obj;
}
