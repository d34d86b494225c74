import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import type { IConstruct } from 'constructs';
import { PlatformComponent } from './component';
import { PlatformValidationError } from './errors';
import { compareStrings } from './order';

/** One synthesized object with the path it is written to (relative to charts-out/). */
export interface RenderedObject {
  /** `<env>/<component>/<Kind>.<name>.yaml`. */
  readonly path: string;
  readonly env: string;
  readonly component: string;
  readonly manifest: Record<string, any>;
}

const manifests = new WeakMap<ApiObject, Record<string, any>>();

/**
 * The manifest of an ApiObject, resolved once per synth: call it only once the App is complete (from
 * `prepareForSynth()` or rendering), when no construct changes any more.
 */
export function manifestOf(o: ApiObject): Record<string, any> {
  let m = manifests.get(o);
  if (!m) {
    m = o.toJson() as Record<string, any>;
    manifests.set(o, m);
  }
  return m;
}

/**
 * Adds JSON patches to an object whose manifest may have been resolved already (`manifestOf`): the next
 * `manifestOf` resolves it again, with the patches.
 */
export function addPatches(o: ApiObject, ...ops: JsonPatch[]): void {
  o.addJsonPatch(...ops);
  manifests.delete(o);
}

/**
 * Whether the manifest of `o` may hold any of `keys` (as an object key, at any depth), decided without resolving
 * it: false only when the object has no JSON patches and its props (cdk8s's `ApiObject` keeps them as given) are
 * plain data all the way down, with none of the keys, no Lazy and no implicit token (`resolve()`), whose value is
 * only known at synth time. Number/string unions (IntOrString, Quantity) are values, not containers. Anything
 * else (another cdk8s without `props`, a class instance) answers true: the caller then resolves the manifest.
 */
export function mayHoldKey(o: ApiObject, keys: ReadonlySet<string>): boolean {
  const raw = o as unknown as { props?: unknown; patches?: unknown };
  if (!Array.isArray(raw.patches) || raw.patches.length > 0 || raw.props === null || typeof raw.props !== 'object') return true;
  /** An IntOrString or Quantity: an instance whose one field, `value`, is a number or a string, and no token. */
  const isUnion = (v: { value?: unknown; resolve?: unknown }): boolean => Object.getPrototypeOf(v) !== null
    && typeof v.resolve !== 'function' && Object.keys(v).length === 1 && (typeof v.value === 'number' || typeof v.value === 'string');
  const holds = (v: unknown): boolean => {
    if (v === null || typeof v !== 'object') return typeof v === 'function';
    if (Array.isArray(v)) return v.some(holds);
    if (Object.getPrototypeOf(v) !== Object.prototype) return !isUnion(v);
    if (typeof (v as { resolve?: unknown }).resolve === 'function') return true;
    return Object.keys(v).some((k) => keys.has(k) || holds((v as Record<string, unknown>)[k]));
  };
  return holds(raw.props);
}

/**
 * The annotations of an object as its metadata holds them now: what `o.metadata.toJson().annotations` gives (a
 * copy), without resolving the rest of the metadata when they are plain strings, as the platform's are (cdk8s's
 * `ApiObjectMetadataDefinition` keeps them as given; anything else is resolved by `toJson`).
 */
export function objectAnnotations(o: ApiObject): Record<string, string> {
  const raw = (o.metadata as unknown as { annotations?: unknown }).annotations;
  if (raw !== null && typeof raw === 'object' && Object.getPrototypeOf(raw) === Object.prototype) {
    const values = Object.values(raw);
    if (values.every((v) => typeof v === 'string')) return { ...(raw as Record<string, string>) };
  }
  return (o.metadata.toJson().annotations as Record<string, string> | undefined) ?? {};
}

/** The key of an object: `Kind/namespace/name`. */
export function objectKey(m: Record<string, any>): string {
  return `${m.kind}/${m.metadata?.namespace ?? ''}/${m.metadata?.name}`;
}

/**
 * Lets every construct below `scope` that derives objects from the rest of the platform (Ingresses, network
 * policies, policy exceptions) generate them: `prepareForSynth()` runs once per construct. Problems such a
 * construct reports are returned (or thrown, with `throwProblems`), never swallowed.
 */
export function prepareObjects(scope: IConstruct, throwProblems = true): string[] {
  const problems: string[] = [];
  for (const c of scope.node.findAll()) {
    const prepare = (c as { prepareForSynth?: unknown }).prepareForSynth;
    if (typeof prepare !== 'function') continue;
    if (throwProblems) { prepare.call(c); continue; }
    try {
      prepare.call(c);
    } catch (e) {
      if (e instanceof PlatformValidationError) problems.push(...e.problems);
      else if (e instanceof Error && e.name === 'PlatformConfigError') problems.push(e.message);
      else throw e;
    }
  }
  return problems;
}

/**
 * Every object of every component chart below `scope` (and of every chart with an `outputFolder`, such as the
 * Argo CD Applications), with the path it is written to, in a stable order. A component's folder is
 * `<its environment>/<component>`; `env` names the environment of the other charts.
 */
export function collectObjects(scope: IConstruct, env: string, folderOf?: (chart: Chart) => string | undefined): RenderedObject[] {
  const out: RenderedObject[] = [];
  for (const chart of scope.node.findAll().filter((c): c is Chart => c instanceof Chart)) {
    const component = PlatformComponent.isPlatformComponent(chart) ? chart : undefined;
    const own = (chart as { outputFolder?: unknown }).outputFolder;
    const folder = folderOf?.(chart) ?? (component ? `${component.environment.name}/${component.component}` : typeof own === 'string' ? own : undefined);
    if (!folder) continue;
    const objectEnv = component ? component.environment.name : env;
    const objects = chart.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c) && Chart.of(c) === chart);
    for (const manifest of objects.map(manifestOf)) {
      out.push({ path: `${folder}/${manifest.kind}.${manifest.metadata.name}.yaml`, env: objectEnv, component: folder.split('/').pop()!, manifest });
    }
  }
  return out.sort((a, b) => compareStrings(a.path, b.path));
}
