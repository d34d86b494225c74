/**
 * Argo CD never deletes data: every PersistentVolumeClaim the platform writes, and every claim a StatefulSet makes
 * from its templates, survives a prune, a disabled or renamed component and a deleted Application.
 *
 * - A PersistentVolumeClaim object carries `argocd.argoproj.io/sync-options: Delete=false,Prune=false`
 *   (gitops-engine `SyncOptionDisablePrune` / argo-cd `SyncOptionDisableDeletion`; docs/runtime-facts.md, "Argo CD
 *   and volumes"). Argo CD reads both from the live object, so the option protects a claim once a sync has applied
 *   it; the take-over runbook annotates the live claims before the first sync.
 * - Claims a StatefulSet makes from `volumeClaimTemplates` are not Argo CD's: they carry no tracking annotation (the
 *   templates must not either, nor Argo CD's tracking label `app.kubernetes.io/instance`), so no Application prunes
 *   or deletes them; deleting the StatefulSet keeps them unless `persistentVolumeClaimRetentionPolicy` says
 *   `Delete`, which this check refuses. The sync options cannot go into the templates: they are fixed at creation.
 */

/** The sync options that keep a volume when Argo CD prunes or deletes its Application. */
export const KEEP_VOLUME_SYNC_OPTIONS: readonly string[] = ['Delete=false', 'Prune=false'];

/** The annotation key Argo CD reads sync options from. */
export const SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';

/**
 * Annotations that would make Argo CD track (and so prune or delete) a claim made from a template. The label
 * `app.kubernetes.io/instance` tracks only under label tracking; this project requires annotation tracking (checked by
 * `takeover preflight`), and its instance values (`<component>-<env>`) are no Application's name.
 */
const TRACKING_ANNOTATIONS = ['argocd.argoproj.io/tracking-id'];

/** Why a rendered object could lose a volume through Argo CD or Kubernetes (empty: it cannot). */
export function volumeProtectionProblems(m: Record<string, any>, where: string): string[] {
  const problems: string[] = [];
  const what = `${where}: ${m.kind} ${m.metadata?.name}`;
  if (m.kind === 'PersistentVolumeClaim') {
    const opts = String(m.metadata?.annotations?.[SYNC_OPTIONS_ANNOTATION] ?? '').split(',').map((s) => s.trim());
    for (const want of KEEP_VOLUME_SYNC_OPTIONS) {
      if (!opts.includes(want)) {
        problems.push(`${what} lacks the sync option ${want} (it has '${opts.filter(Boolean).join(',')}'), so Argo CD could delete the volume. Fix: do not set ${want.split('=')[0]}= on a claim`);
      }
    }
  }
  if (m.kind === 'StatefulSet') {
    const retention = m.spec?.persistentVolumeClaimRetentionPolicy ?? {};
    for (const k of ['whenDeleted', 'whenScaled']) {
      if (retention[k] === 'Delete') {
        problems.push(`${what} sets persistentVolumeClaimRetentionPolicy.${k}: Delete, so Kubernetes deletes its volumes. Fix: leave it at Retain`);
      }
    }
    for (const t of m.spec?.volumeClaimTemplates ?? []) {
      const labels = Object.keys(t.metadata?.labels ?? {});
      const annotations = Object.keys(t.metadata?.annotations ?? {});
      const tracking = annotations.filter((a) => TRACKING_ANNOTATIONS.includes(a));
      if (tracking.length) {
        problems.push(`${what}: volume claim template ${t.metadata?.name} carries ${tracking.join(', ')}, which would make Argo CD track, prune and delete the claims it makes. Fix: no labels or annotations in volumeClaimTemplates`);
      }
      if (labels.includes('app.kubernetes.io/version')) {
        problems.push(`${what}: volume claim template ${t.metadata?.name} carries app.kubernetes.io/version; templates are fixed at creation, so every version bump would be refused. Fix: no labels in volumeClaimTemplates`);
      }
    }
  }
  return problems;
}

/**
 * Whether the live object's `argocd.argoproj.io/sync-options` lists the option: a comma-separated list whose items are
 * trimmed (gitops-engine pkg/sync/resource/annotations.go `HasAnnotationOption`, at the commit Argo CD v2.13.9 pins).
 */
export function hasSyncOption(live: Record<string, any>, option: string): boolean {
  return String(live.metadata?.annotations?.[SYNC_OPTIONS_ANNOTATION] ?? '').split(',').map((s) => s.trim()).includes(option);
}

/** Whether Argo CD deletes a tracked live object that left the desired state when it prunes (gitops-engine sync_context.go `pruneObject`). */
export function argoCdPrunes(live: Record<string, any>): boolean {
  return !hasSyncOption(live, 'Prune=false');
}

/**
 * Whether Argo CD deletes a tracked live object when its Application is deleted with the resources finalizer
 * (argo-cd v2.13.9 controller/appcontroller.go `shouldBeDeleted`: not a CRD, not `Delete=false`, not Helm's
 * `helm.sh/resource-policy: keep`).
 */
export function argoCdDeletesWithApplication(live: Record<string, any>): boolean {
  return live.kind !== 'CustomResourceDefinition' && !hasSyncOption(live, 'Delete=false')
    && live.metadata?.annotations?.['helm.sh/resource-policy'] !== 'keep';
}

/**
 * The claims a StatefulSet makes, as its controller makes them (k8s.io/kubernetes v1.28.15
 * pkg/controller/statefulset/stateful_set_utils.go `getPersistentVolumeClaims`): one per template and ordinal, named
 * `<template>-<statefulset>-<ordinal>`, with the template's labels plus the selector's, and the template's annotations.
 */
export function claimsOfStatefulSet(sts: Record<string, any>, ordinal = 0): Record<string, any>[] {
  return (sts.spec?.volumeClaimTemplates ?? []).map((t: any) => ({
    apiVersion: 'v1', kind: 'PersistentVolumeClaim',
    metadata: {
      name: `${t.metadata?.name}-${sts.metadata?.name}-${ordinal}`, namespace: sts.metadata?.namespace,
      labels: { ...(t.metadata?.labels ?? {}), ...(sts.spec?.selector?.matchLabels ?? {}) },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
    },
    spec: t.spec,
  }));
}

/**
 * Whether an Argo CD Application tracks a live object: with annotation tracking (what this project requires) by
 * `argocd.argoproj.io/tracking-id` naming the Application, with label tracking by `app.kubernetes.io/instance`
 * equal to its name (argo-cd util/argo/resource_tracking.go).
 */
export function trackedBy(live: Record<string, any>, application: string, method: 'annotation' | 'label'): boolean {
  if (method === 'label') return live.metadata?.labels?.['app.kubernetes.io/instance'] === application;
  return String(live.metadata?.annotations?.['argocd.argoproj.io/tracking-id'] ?? '').split(':')[0] === application;
}
