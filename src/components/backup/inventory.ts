/**
 * The inventory of stateful volumes: every PersistentVolumeClaim an environment's objects create (PVC objects and
 * StatefulSet volumeClaimTemplates, one claim per replica) with what backs it up, decided by Velero 1.15.2's own
 * file-system-backup rules (docs/runtime-facts.md, section "Velero"), and a copy CronJob where Velero cannot.
 */

/** One claim and the pods that mount it. */
export interface StatefulVolume {
  readonly namespace: string;
  /** The PVC name (`<template>-<statefulset>-<ordinal>` for a claim template). */
  readonly claim: string;
  /** Where the claim comes from, e.g. `StatefulSet zookeeper (template data)` or `PersistentVolumeClaim`. */
  readonly source: string;
  readonly storageClass: string;
  /** The PVC's annotations (the local-path provisioner reads `volumeType` when it provisions). */
  readonly annotations: Readonly<Record<string, string>>;
  /** The workloads whose pods mount it, with the pod volume name, the running replicas and the pod's annotations. */
  readonly mountedBy: ReadonlyArray<{ kind: string; name: string; component: string; volume: string; replicas: number; podAnnotations: Readonly<Record<string, string>>; runAsUser?: number }>;
}

/** How a volume is backed up (or why not). */
export type Coverage =
  | { readonly by: 'velero-fs'; readonly detail: string }
  | { readonly by: 'volume-copy'; readonly detail: string }
  | { readonly by: 'none'; readonly detail: string };

/** The Velero Schedule template fields the file-system backup decision reads. */
export interface VeleroTemplate {
  readonly includedNamespaces?: readonly string[];
  readonly excludedNamespaces?: readonly string[];
  readonly includedResources?: readonly string[];
  readonly excludedResources?: readonly string[];
  readonly defaultVolumesToFsBackup?: boolean;
}

const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'];

/** Every claim the objects create, with the workloads mounting it (from the manifests only, no hand list). */
export function statefulVolumes(manifests: ReadonlyArray<Record<string, any>>, defaultNamespace: string): StatefulVolume[] {
  const out = new Map<string, { v: Omit<StatefulVolume, 'mountedBy'>; mountedBy: StatefulVolume['mountedBy'][number][] }>();
  const key = (ns: string, claim: string) => `${ns}/${claim}`;
  for (const m of manifests) {
    const ns = m.metadata?.namespace ?? defaultNamespace;
    if (m.kind === 'PersistentVolumeClaim') {
      out.set(key(ns, m.metadata.name), {
        v: { namespace: ns, claim: m.metadata.name, source: 'PersistentVolumeClaim', storageClass: m.spec?.storageClassName ?? '', annotations: { ...(m.metadata.annotations ?? {}) } },
        mountedBy: [],
      });
    }
    if (m.kind === 'StatefulSet') {
      const replicas = m.spec.replicas ?? 1;
      for (const t of m.spec.volumeClaimTemplates ?? []) {
        for (let i = 0; i < Math.max(replicas, 1); i++) {
          const claim = `${t.metadata.name}-${m.metadata.name}-${i}`;
          out.set(key(ns, claim), {
            v: { namespace: ns, claim, source: `StatefulSet ${m.metadata.name} (template ${t.metadata.name})`, storageClass: t.spec?.storageClassName ?? '', annotations: { ...(t.metadata.annotations ?? {}) } },
            mountedBy: [{ kind: 'StatefulSet', name: m.metadata.name, component: componentOf(m), volume: t.metadata.name, replicas: replicas > i ? 1 : 0, podAnnotations: { ...(m.spec.template.metadata?.annotations ?? {}) }, runAsUser: runAsUserOf(m.spec.template.spec, t.metadata.name) }],
          });
        }
      }
    }
  }
  for (const m of manifests) {
    if (!WORKLOADS.includes(m.kind)) continue;
    const ns = m.metadata?.namespace ?? defaultNamespace;
    const template = m.kind === 'CronJob' ? m.spec.jobTemplate.spec.template : m.spec.template;
    for (const vol of template.spec.volumes ?? []) {
      const claim = vol.persistentVolumeClaim?.claimName;
      const entry = claim ? out.get(key(ns, claim)) : undefined;
      if (!entry) continue;
      // A Job or CronJob pod runs only now and then: Velero backs up volumes of running pods only.
      const replicas = m.kind === 'Deployment' || m.kind === 'StatefulSet' ? (m.spec.replicas ?? 1) : m.kind === 'DaemonSet' ? 1 : 0;
      entry.mountedBy.push({ kind: m.kind, name: m.metadata.name, component: componentOf(m), volume: vol.name, replicas, podAnnotations: { ...(template.metadata?.annotations ?? {}) }, runAsUser: runAsUserOf(template.spec, vol.name) });
    }
  }
  return [...out.values()].map(({ v, mountedBy }) => ({ ...v, mountedBy })).sort((a, b) => (key(a.namespace, a.claim) < key(b.namespace, b.claim) ? -1 : 1));
}

function componentOf(m: Record<string, any>): string {
  return m.metadata?.labels?.['app.kubernetes.io/name'] ?? m.metadata?.labels?.app ?? '';
}

/** The uid of the first container that mounts `volume` (its own securityContext, else the pod's), if set. */
function runAsUserOf(pod: Record<string, any>, volume: string): number | undefined {
  for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
    if ((c.volumeMounts ?? []).some((vm: any) => vm.name === volume)) return c.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
  }
  return undefined;
}

/**
 * Whether Velero 1.15.2's file-system backup copies the claim under `template`, and why not. The rules, from
 * `pkg/util/podvolume/pod_volume.go` (GetVolumesByPod) and `pkg/podvolume/backupper.go` (BackupPodVolumes):
 * only volumes of running pods; with `defaultVolumesToFsBackup` every pod volume except hostPath, Secret,
 * ConfigMap, projected and downwardAPI volumes and those in `backup.velero.io/backup-volumes-excludes`, else only
 * those in `backup.velero.io/backup-volumes`; and never a claim bound to a hostPath PersistentVolume
 * (`isHostPathVolume`), which is what the local-path provisioner creates unless the PVC says `volumeType: local`.
 */
export function veleroFsCoverage(v: StatefulVolume, template: VeleroTemplate | undefined, hostPathStorageClasses: readonly string[]): { ok: boolean; detail: string } {
  if (!template) return { ok: false, detail: 'no Velero Schedule' };
  const included = template.includedNamespaces ?? [];
  if (included.length > 0 && !included.includes('*') && !included.includes(v.namespace)) return { ok: false, detail: `namespace ${v.namespace} is not in the Schedule` };
  if ((template.excludedNamespaces ?? []).includes(v.namespace)) return { ok: false, detail: `namespace ${v.namespace} is excluded` };
  const res = (r: readonly string[] | undefined) => (r ?? []).some((x) => x === 'persistentvolumeclaims' || x === 'pvc');
  if (res(template.excludedResources) || ((template.includedResources ?? []).length > 0 && !res(template.includedResources) && !(template.includedResources ?? []).includes('*'))) {
    return { ok: false, detail: 'the Schedule leaves PersistentVolumeClaims out' };
  }
  if (hostPathStorageClasses.includes(v.storageClass) && v.annotations.volumeType?.toLowerCase() !== 'local') {
    return { ok: false, detail: `storage class ${v.storageClass} provisions a hostPath PV, which Velero's file-system backup skips` };
  }
  const running = v.mountedBy.filter((w) => w.replicas > 0);
  if (running.length === 0) return { ok: false, detail: 'no running pod mounts it (Velero copies volumes of running pods only)' };
  const selected = running.filter((w) => {
    const list = (a: string | undefined) => (a ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    return template.defaultVolumesToFsBackup
      ? !list(w.podAnnotations['backup.velero.io/backup-volumes-excludes']).includes(w.volume)
      : list(w.podAnnotations['backup.velero.io/backup-volumes']).includes(w.volume);
  });
  if (selected.length === 0) return { ok: false, detail: template.defaultVolumesToFsBackup ? 'opted out (backup.velero.io/backup-volumes-excludes)' : 'not opted in (backup.velero.io/backup-volumes)' };
  return { ok: true, detail: `file-system backup through ${selected[0].kind} ${selected[0].name} (volume ${selected[0].volume})` };
}

/** One row of the report. */
export interface InventoryRow { readonly volume: StatefulVolume; readonly coverage: Coverage; readonly velero: string }

/** The report as markdown (docs/backup-inventory-<env>.md). */
export function inventoryMarkdown(env: string, rows: readonly InventoryRow[], accepted: Readonly<Record<string, string>>): string {
  const lines = [
    `# Backup inventory: ${env}`,
    '',
    'Generated by `npm run backup-inventory -- --env ' + env + ' --out docs/backup-inventory-' + env + '.md` from the synthesized objects',
    '(every PersistentVolumeClaim and StatefulSet volumeClaimTemplate); the synth fails when a volume has no backup and',
    'is not accepted under `components.backup.unprotectedVolumes`. Velero decisions follow Velero 1.15.2 (see',
    'docs/runtime-facts.md, "Velero").',
    '',
    '| namespace | claim | from | storage class | backed up by | detail | Velero file-system backup |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const k = `${r.volume.namespace}/${r.volume.claim}`;
    const by = r.coverage.by === 'none' ? (accepted[k] ? 'NOTHING (accepted)' : 'NOTHING') : r.coverage.by;
    const detail = r.coverage.by === 'none' && accepted[k] ? `${r.coverage.detail}; accepted: ${accepted[k]}` : r.coverage.detail;
    lines.push(`| ${r.volume.namespace} | ${r.volume.claim} | ${r.volume.source} | ${r.volume.storageClass} | ${by} | ${esc(detail)} | ${esc(r.velero)} |`);
  }
  return lines.join('\n') + '\n';
}

function esc(s: string): string {
  return s.replace(/\|/g, '\\|');
}
