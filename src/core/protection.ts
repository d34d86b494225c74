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

/** Labels and annotations that would make Argo CD track (and so prune or delete) a claim made from a template. */
const TRACKING_LABELS = ['app.kubernetes.io/instance'];
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
      const tracking = [...labels.filter((l) => TRACKING_LABELS.includes(l)), ...annotations.filter((a) => TRACKING_ANNOTATIONS.includes(a))];
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
