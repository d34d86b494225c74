import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../config/schema';
import type { PlatformGraph } from '../../core/graph';
import { addPatches, manifestOf } from '../../core/manifest';
import type { AvailabilityConfig } from './config';

/** The node label of a node's host name, and of its zone (well-known labels). */
export const HOSTNAME_KEY = 'kubernetes.io/hostname';
export const ZONE_KEY = 'topology.kubernetes.io/zone';

/**
 * The topology spread of a workload's pods: over nodes, and over zones when the environment declares two or more.
 * A Deployment's spread counts each revision on its own (`matchLabelKeys: [pod-template-hash]`, beta and on by
 * default since Kubernetes 1.27), so a rollout is not skewed by the pods it replaces.
 */
export function topologySpread(selector: Readonly<Record<string, string>>, kind: string, cfg: AvailabilityConfig): Array<Record<string, any>> {
  const keys = [HOSTNAME_KEY, ...(cfg.zones.length >= 2 ? [ZONE_KEY] : [])];
  return keys.map((topologyKey) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: cfg.whenUnsatisfiable,
    labelSelector: { matchLabels: { ...selector } },
    ...(kind === 'Deployment' ? { matchLabelKeys: ['pod-template-hash'] } : {}),
  }));
}

/** A PodDisruptionBudget spec: at most one of the workload's pods evicted at a time. */
export function podDisruptionBudgetSpec(selector: Readonly<Record<string, string>>): Record<string, any> {
  return { maxUnavailable: 1, selector: { matchLabels: { ...selector } } };
}

/** How many replicas a workload runs at least and at most (an HPA's bounds when one scales it). */
export interface ReplicaRange { readonly min: number; readonly max: number; readonly hpa: boolean }

/** The replica range of a Deployment or StatefulSet manifest, given the App's HorizontalPodAutoscalers. */
export function replicaRange(workload: Record<string, any>, hpas: ReadonlyArray<Record<string, any>>): ReplicaRange {
  const hpa = hpas.find((h) => h.metadata?.namespace === workload.metadata?.namespace && h.spec?.scaleTargetRef?.kind === workload.kind
    && h.spec?.scaleTargetRef?.name === workload.metadata?.name);
  if (hpa) return { min: hpa.spec.minReplicas ?? 1, max: hpa.spec.maxReplicas, hpa: true };
  const n = workload.spec?.replicas ?? 1;
  return { min: n, max: n, hpa: false };
}

/**
 * Availability for every workload of the platform, derived, never listed: a Deployment or StatefulSet that can
 * run more than one replica (its `replicas`, or its HPA's `maxReplicas`) gets a topology spread; one that always
 * runs more than one (its `replicas`, or its HPA's `minReplicas`) gets a PodDisruptionBudget (`maxUnavailable: 1`)
 * next to it, in its own chart (so its Argo CD Application). A workload that sets its own spread, or has a
 * PodDisruptionBudget selecting it, is left as it is. Prepares before any other construct (construct it first in
 * the platform): its reads are the objects' final manifests, and a workload it patches is resolved again.
 */
export class PlatformAvailability extends Construct {
  private done = false;

  constructor(scope: Construct, id: string, private readonly props: { readonly environment: EnvironmentConfig; readonly graph: PlatformGraph }) {
    super(scope, id);
  }

  public prepareForSynth(): void {
    if (this.done) return;
    this.done = true;
    const cfg = this.props.environment.components.availability;
    const objects = this.props.graph.platformScope.node.findAll().filter(ApiObject.isApiObject);
    // Every object is complete when the App prepares (nothing but this changes a workload afterwards), so these
    // reads are the objects' output; a workload patched here is resolved again (addPatches).
    const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler').map(manifestOf);
    const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget').map(manifestOf);
    for (const w of this.props.graph.workloads.filter((x) => x.kind === 'Deployment' || x.kind === 'StatefulSet')) {
      const o = objects.find((x) => x.kind === w.kind && x.metadata.name === w.name && (x.metadata.namespace ?? w.namespace) === w.namespace);
      if (!o) continue;
      const m = manifestOf(o);
      const selector: Record<string, string> = m.spec?.selector?.matchLabels ?? {};
      if (Object.keys(selector).length === 0) continue;
      const range = replicaRange(m, hpas);
      if (range.max > 1 && !m.spec?.template?.spec?.topologySpreadConstraints) {
        addPatches(o, JsonPatch.add('/spec/template/spec/topologySpreadConstraints', topologySpread(selector, w.kind, cfg)));
      }
      const covered = pdbs.some((p) => p.metadata?.namespace === w.namespace
        && Object.entries(p.spec?.selector?.matchLabels ?? {}).every(([k, v]) => selector[k] === v));
      if (range.min > 1 && !covered) {
        const spec = podDisruptionBudgetSpec(selector);
        new k8s.KubePodDisruptionBudget(Chart.of(o), `PodDisruptionBudget.${w.name}`, {
          metadata: { name: w.name, namespace: w.namespace, labels: { ...(m.metadata?.labels ?? {}) } },
          spec: { maxUnavailable: k8s.IntOrString.fromNumber(spec.maxUnavailable), selector: spec.selector },
        });
      }
    }
  }
}
