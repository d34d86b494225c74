import type { RenderedObject } from '../../core/manifest';

/**
 * Checks the Argo CD Applications of one environment against its synthesized output: every child Application's
 * directory is a synthesized component folder with objects, every component folder has exactly one child
 * Application, and the root reads the folder the children are written to.
 */
export function checkApplications(objects: readonly RenderedObject[], env: string): string[] {
  const problems: string[] = [];
  const folders = new Set(objects.filter((o) => o.path.startsWith(`${env}/`)).map((o) => o.path.split('/').slice(0, 2).join('/')));
  const apps = objects.filter((o) => o.manifest.kind === 'Application');
  const children = apps.filter((o) => o.path.startsWith(`argocd/${env}/`) && !o.path.startsWith(`argocd/${env}/bootstrap/`));
  const roots = apps.filter((o) => o.path.startsWith(`argocd/${env}/bootstrap/`));
  if (children.length === 0 && roots.length === 0) return problems; // gitops disabled
  const claimed = new Map<string, string>();
  for (const a of children) {
    const p: string = a.manifest.spec?.source?.path ?? '';
    const folder = folders.has(p.split('/').slice(-2).join('/')) ? p.split('/').slice(-2).join('/') : undefined;
    if (!folder || !folder.startsWith(`${env}/`)) {
      problems.push(`${a.path}: Application ${a.manifest.metadata.name} points at '${p}', which is not a synthesized folder of environment '${env}'. Fix: point it at <outputPath>/${env}/<component>`);
      continue;
    }
    if (claimed.has(folder)) problems.push(`${a.path}: ${folder} is also deployed by ${claimed.get(folder)}. Fix: one Application per component`);
    claimed.set(folder, a.path);
  }
  for (const f of folders) {
    if (!claimed.has(f)) problems.push(`${f}: no Application deploys this folder. Fix: every component chart needs a child Application`);
  }
  if (roots.length !== 1) problems.push(`argocd/${env}/bootstrap: expected one root Application, found ${roots.length}`);
  for (const r of roots) {
    const p: string = r.manifest.spec?.source?.path ?? '';
    if (!p.endsWith(`argocd/${env}`) || r.manifest.spec?.source?.directory?.recurse) {
      problems.push(`${r.path}: the root Application must read argocd/${env} without recursion (found '${p}'). Fix: point it at <outputPath>/argocd/${env}`);
    }
  }
  return problems;
}

/**
 * What Argo CD v2.13.9's application-controller strips from an Application spec and persists ("Normalized app
 * spec", `util/argo/argo.go` `NormalizeApplicationSpec`/`NormalizeSource`, `pkg/apis/application/v1alpha1/types.go`
 * `IsZero` methods). A parent Application that writes one of these values sees its child OutOfSync forever and
 * re-applies it on every self-heal. Returns the field paths that would be normalized.
 */
export function argoCdNormalizedPaths(spec: Record<string, any> | undefined): string[] {
  const out: string[] = [];
  if (!spec) return out;
  if (spec.project === '') out.push('spec.project (empty: becomes "default")');
  const sp = spec.syncPolicy;
  if (sp !== undefined && sp !== null) {
    const zero = sp.automated == null && !(sp.syncOptions?.length) && sp.retry == null && sp.managedNamespaceMetadata == null;
    if (zero) out.push('spec.syncPolicy (no automated, syncOptions, retry or managedNamespaceMetadata: removed)');
  }
  const empty = (v: unknown) => v === undefined || v === null || v === '' || v === false
    || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);
  const sources: [string, any][] = spec.sources?.length ? [] : spec.source ? [['spec.source', spec.source]] : [];
  for (const [where, src] of sources) {
    const k = src.kustomize;
    if (k != null && ['namePrefix', 'nameSuffix', 'version', 'namespace', 'images', 'replicas', 'commonLabels',
      'commonAnnotations', 'patches', 'components', 'kubeVersion', 'apiVersions'].every((f) => empty(k[f]))) {
      out.push(`${where}.kustomize (zero value: removed)`);
    }
    const h = src.helm;
    if (h != null && ['version', 'releaseName', 'valueFiles', 'parameters', 'fileParameters', 'values', 'valuesObject',
      'passCredentials', 'ignoreMissingValueFiles', 'skipCrds', 'kubeVersion', 'apiVersions', 'namespace'].every((f) => empty(h[f]))) {
      out.push(`${where}.helm (zero value: removed)`);
    }
    const d = src.directory;
    // A zero directory with include or exclude is rebuilt with the same Go marshalling (no patch, no drift).
    if (d != null && !d.recurse && ['extVars', 'tlas', 'libs'].every((f) => empty(d.jsonnet?.[f]))
      && empty(d.include) && empty(d.exclude)) {
      out.push(`${where}.directory (zero value: removed)`);
    }
  }
  return out;
}

const syncOptionsOf = (m: Record<string, any>): string[] =>
  String(m.metadata?.annotations?.['argocd.argoproj.io/sync-options'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);

/**
 * Checks the namespaces of one environment's output: every namespace an object is written to is created by a
 * Namespace object of the `namespaces` Application (`<env>/namespaces/`), unless it is listed in `notOwned`
 * (shared namespaces another environment owns); that Application syncs in a wave before every other child; no
 * child uses `CreateNamespace=true` (several Applications creating one namespace race); every Namespace object is
 * `Delete=false,Prune=false`, so deleting or pruning an Application never deletes a namespace; and no
 * Application carries a value Argo CD normalizes away (see `argoCdNormalizedPaths`).
 */
export function checkNamespaces(objects: readonly RenderedObject[], env: string, notOwned: readonly string[] = []): string[] {
  const problems: string[] = [];
  const apps = objects.filter((o) => o.manifest.kind === 'Application' && o.path.startsWith(`argocd/${env}/`));
  for (const a of apps) {
    for (const p of argoCdNormalizedPaths(a.manifest.spec)) {
      problems.push(`${a.path}: Argo CD normalizes ${p} out of the live Application, so its parent sees it OutOfSync forever. Fix: leave the zero value out`);
    }
  }
  const children = apps.filter((o) => !o.path.startsWith(`argocd/${env}/bootstrap/`));
  if (children.length === 0) return problems; // gitops disabled
  const platform = objects.filter((o) => o.path.startsWith(`${env}/`));
  const nsObjects = platform.filter((o) => o.manifest.kind === 'Namespace');
  const owners = new Map<string, string>();
  for (const n of nsObjects) {
    const name = n.manifest.metadata?.name;
    if (owners.has(name)) problems.push(`${n.path}: Namespace ${name} is also created by ${owners.get(name)}. Fix: one owner per namespace`);
    owners.set(name, n.path);
    const opts = syncOptionsOf(n.manifest);
    if (!opts.includes('Delete=false') || !opts.includes('Prune=false')) {
      problems.push(`${n.path}: Namespace ${name} lacks argocd.argoproj.io/sync-options Delete=false,Prune=false, so deleting or pruning its Application would delete the namespace and everything in it. Fix: add both options`);
    }
  }
  const nsApp = children.find((a) => String(a.manifest.spec?.source?.path ?? '').endsWith(`/${env}/namespaces`));
  const waveOf = (m: Record<string, any>) => Number(m.metadata?.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
  if (!nsApp) {
    problems.push(`argocd/${env}: no Application deploys ${env}/namespaces. Fix: the namespaces Application must exist`);
  } else {
    for (const a of children.filter((x) => x !== nsApp)) {
      if (waveOf(a.manifest) <= waveOf(nsApp.manifest)) {
        problems.push(`${a.path}: wave ${waveOf(a.manifest)} is not after the namespaces Application's wave ${waveOf(nsApp.manifest)}, so its namespace may not exist yet. Fix: the namespaces Application syncs first`);
      }
    }
  }
  for (const a of children) {
    const opts: string[] = a.manifest.spec?.syncPolicy?.syncOptions ?? [];
    if (opts.some((o) => o.replace(/\s/g, '') === 'CreateNamespace=true')) {
      problems.push(`${a.path}: CreateNamespace=true: several Applications creating one namespace race ("already exists"), and a namespace Argo CD creates this way is not protected by Delete=false. Fix: the namespaces Application owns every namespace`);
    }
  }
  const missing = new Map<string, string[]>();
  for (const o of platform) {
    const ns = o.manifest.metadata?.namespace;
    if (typeof ns !== 'string' || !ns || owners.has(ns) || notOwned.includes(ns)) continue;
    missing.set(ns, [...(missing.get(ns) ?? []), o.path]);
  }
  for (const [ns, paths] of missing) {
    problems.push(`namespace '${ns}' is written to by ${paths.length} object(s) (e.g. ${paths[0]}) but no Namespace object creates it. Fix: the namespaces Application must own it`);
  }
  return problems;
}
