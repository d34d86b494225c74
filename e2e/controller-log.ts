/**
 * The application-controller's "Normalized app spec" lines, classified. Argo CD v2.13.9
 * (controller/appcontroller.go 1842-1856, normalizeApplication) strips zero values from an Application's spec,
 * persists the result and logs the two-way merge patch between the Application as read and as normalized. That
 * patch can also hold status only (conditions the same reconcile set before), which is no normalization of a spec.
 *
 * A spec normalization is the platform's defect when it hits an Application the platform wrote and a field the
 * platform's manifest of that Application sets (the parent then sees the child OutOfSync forever: issue 16, defect
 * 1). On an Application the platform did not write (the old reference Applications of the take-over rehearsal, e.g.
 * `kustomize: {}` normalized to `kustomize: null`), or on a field only the old Application had, it is reported
 * and not counted.
 */
import type { Obj } from './kube';

export interface Normalization {
  app: string;
  /** The patch's spec part (undefined: the patch touched status only). */
  spec?: Obj;
  /** Leaf paths of the spec part, e.g. `spec.source.kustomize`. */
  paths: string[];
  /** The platform wrote this Application and sets one of the paths. */
  ours: boolean;
  line: string;
}

function leafPaths(v: unknown, prefix: string): string[] {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || Object.keys(v as Obj).length === 0) return [prefix];
  return Object.entries(v as Obj).flatMap(([k, x]) => leafPaths(x, `${prefix}.${k}`));
}

function has(obj: Obj | undefined, dotted: string): boolean {
  let cur: unknown = obj;
  for (const k of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object' || !(k in (cur as Obj))) return false;
    cur = (cur as Obj)[k];
  }
  return true;
}

/** Every "Normalized app spec" line of a controller log (logrus text format), classified against ours. */
export function normalizations(logText: string, ours: ReadonlyMap<string, Obj>): Normalization[] {
  const found: Normalization[] = [];
  for (const line of logText.split('\n')) {
    if (!line.includes('Normalized app spec')) continue;
    const msg = /msg="((?:[^"\\]|\\.)*)"/.exec(line)?.[1];
    const app = /\bapplication=("(?:[^"\\]|\\.)*"|\S+)/.exec(line)?.[1]?.replace(/^"|"$/g, '')
      ?? /app-qualified-name=\S+\/(\S+)/.exec(line)?.[1] ?? '?';
    let patch: Obj = {};
    try {
      patch = JSON.parse((JSON.parse(`"${msg ?? ''}"`) as string).replace(/^Normalized app spec: /, '')) as Obj;
    } catch {
      // unparseable: count it against the platform if the Application is ours (never silently pass)
      found.push({ app, paths: ['?'], ours: ours.has(app), line });
      continue;
    }
    const spec = patch.spec as Obj | undefined;
    const paths = spec ? leafPaths(spec, 'spec') : [];
    const mine = ours.get(app);
    found.push({ app, spec, paths, ours: !!mine && paths.some((p) => has(mine, p)), line });
  }
  return found;
}
