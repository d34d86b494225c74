// Identity and labels of a component's objects: the names, the standard labels, the metadata and the selectors.
// Pure functions of the component's name and environment; `PlatformComponent` exposes them as methods.
import type { ApiObjectMetadata } from 'cdk8s';
import type { EnvironmentConfig } from '../../config/schema';
import { standardLabels } from '../labels';

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

/** The selector of a workload and the labels of its pods (the standard labels plus the selector). */
export interface WorkloadLabels {
  /** `spec.selector.matchLabels`: fixed once the workload exists. */
  readonly selector: Record<string, string>;
  /** The labels of the pod template. */
  readonly labels: Record<string, string>;
}

/** `app.kubernetes.io/instance` of a component's objects in one environment, e.g. `minio-prod`. */
export function componentInstance(component: string, environmentName: string): string {
  return `${component}-${environmentName}`;
}

/** The labels every object of a component carries in one environment (name and instance), e.g. for a ServiceMonitor selector. */
export function componentSelector(component: string, environmentName: string): Record<string, string> {
  return { 'app.kubernetes.io/name': component, 'app.kubernetes.io/instance': componentInstance(component, environmentName) };
}

/** The standard labels of one object of application `appName` in an environment (see `PlatformComponent.labelsFor`). */
export function labelsOf(appName: string, environmentName: string, role: string, version: string): Record<string, string> {
  return standardLabels({ name: appName, instance: componentInstance(appName, environmentName), component: role, version });
}

/** `base` plus the environment's `sharedObjectSuffix` (see `PlatformComponent.sharedName`). */
export function sharedNameOf(environment: EnvironmentConfig, base: string): string {
  return `${base}${environment.sharedObjectSuffix}`;
}

/** Metadata of an object: name, namespace, the standard labels, the identity's annotations, then `extra`. */
export function metadataOf(labels: Record<string, string>, id: WorkloadIdentity, extra: Partial<ApiObjectMetadata> = {}): ApiObjectMetadata {
  return { name: id.name, namespace: id.namespace, labels, annotations: id.annotations ? { ...id.annotations } : undefined, ...extra };
}

/**
 * The selector and pod labels of a workload from its standard labels: the identity's own selector (a reference
 * workload's, kept because selectors are immutable), else name + instance + component.
 */
export function workloadLabelsOf(standard: Record<string, string>, id: WorkloadIdentity): WorkloadLabels {
  const selector = id.selector ? { ...id.selector } : {
    'app.kubernetes.io/name': standard['app.kubernetes.io/name'],
    'app.kubernetes.io/instance': standard['app.kubernetes.io/instance'],
    'app.kubernetes.io/component': standard['app.kubernetes.io/component'],
  };
  return { selector, labels: { ...standard, ...selector } };
}
