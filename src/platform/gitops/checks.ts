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
