// The base class of the platform's components and its helpers, split by concern:
//   component.ts  PlatformComponent (identity, the environment, the graph) delegating to
//   identity.ts   names, labels, metadata, selectors (WorkloadIdentity, componentInstance, componentSelector)
//   wiring.ts     the PlatformGraph: endpoints, Secret references, the portal registry, client pods
//   builders.ts   the Kubernetes objects (protected builders) and their named options
// Import from here (`../core/component`), not from the files.
export { PlatformComponent } from './component';
export type { PlatformComponentProps } from './component';
export { componentInstance, componentSelector } from './identity';
export type { WorkloadIdentity, WorkloadLabels } from './identity';
export { makeEndpoint } from './wiring';
export type { DiscoverableHealthOptions, DiscoverableOptions } from './wiring';
export { clusterScoped, PRE_SYNC_HOOK } from './builders';
export type {
  CronJobOptions, DaemonSetOptions, DeploymentOptions, HorizontalPodAutoscalerOptions, JobOptions, PodDisruptionBudgetOptions,
  ServiceOptions, StatefulSetOptions, VolumeClaimTemplateOptions,
} from './builders';
