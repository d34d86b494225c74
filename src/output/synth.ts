import { App } from 'cdk8s';
import { PlatformValidationError } from '../core/errors';
import { ENVIRONMENT_NAMES, loadEnvironment, LoadEnvironmentOptions } from '../config/values';
import type { EnvironmentInput } from '../config/schema';
import { DataPlatform } from '../platform/data-platform';
import { checkNotInPlace, NotInPlaceChange, readBaseline } from '../core/immutable';
import { objectKey, renderApp, RenderedObject } from './render';
import { timed } from '../core/phases';
import { toYaml } from '../core/yaml';
import { attributeToValues, checkNameLengths } from './name-checks';

/** The folder under charts-out/ holding the Argo CD Applications, one subfolder per environment. */
export const ARGOCD_FOLDER = 'argocd';

/** Options of `synthesize`. */
export interface SynthOptions extends LoadEnvironmentOptions {
  /**
   * The environments to synthesize: names of defined environments, or your own definitions.
   * @default - every defined environment
   */
  readonly environments?: ReadonlyArray<string | EnvironmentInput>;
  /**
   * The previous output (what Argo CD has applied, normally the committed `charts-out/`): an object that changes a
   * field Kubernetes fixes at creation fails the synth unless its construct declared it (`declareNotInPlace`).
   * @default - no comparison
   */
  readonly baselineDir?: string;
}

/** The result of a synth: file contents by path relative to charts-out/, and the folders it owns. */
export interface SynthResult {
  readonly files: ReadonlyMap<string, string>;
  readonly objects: readonly RenderedObject[];
  /** Folders (relative to charts-out/) whose whole content this synth defines, e.g. `prod`. */
  readonly roots: readonly string[];
  /** Declared changes that cannot be made in place (against `baselineDir`): each needs its remedy before the sync. */
  readonly notInPlace: readonly NotInPlaceChange[];
}

/**
 * Synthesizes environments in memory and runs every check (schema, reference integrity, duplicates, inline
 * secrets). Throws `PlatformValidationError` with every problem; nothing is written.
 */
export function synthesize(options: SynthOptions = {}): SynthResult {
  const envs = options.environments ?? ENVIRONMENT_NAMES;
  const objects: RenderedObject[] = [];
  const roots: string[] = [];
  const sharedNamespaceUsers = new Map<string, string[]>();
  for (const name of envs) {
    const env = timed('validate environment', () => loadEnvironment(name, options));
    const app = new App({ outdir: '.tmp/unused' });
    timed('build constructs', () => new DataPlatform(app, env.name, { environment: env }));
    // Every check runs as a cdk8s validation of the platform (see platform/platform-checks.ts); a problem caused
    // by a values overlay is annotated with the values key that caused it.
    let rendered: RenderedObject[];
    try {
      rendered = timed('render', () => renderApp(app, env.name));
    } catch (e) {
      if (e instanceof PlatformValidationError && options.values?.length) {
        throw new PlatformValidationError(e.title, attributeToValues(e.problems, options.values));
      }
      throw e;
    }
    const lengths = checkNameLengths(rendered, env);
    if (lengths.length > 0) throw new PlatformValidationError(`environment '${env.name}' failed its checks`, attributeToValues(lengths, options.values));
    if (env.gitops.ownSharedNamespaces === false) {
      for (const ns of new Set(rendered.filter((o) => o.path.startsWith(`${env.name}/`)).map((o) => o.manifest.metadata?.namespace as string | undefined))) {
        if (ns && ns !== env.namespace) sharedNamespaceUsers.set(ns, [...(sharedNamespaceUsers.get(ns) ?? []), env.name]);
      }
    }
    objects.push(...rendered);
    roots.push(env.name, `${ARGOCD_FOLDER}/${env.name}`);
  }
  const applications = new Map<string, string>();
  for (const o of objects.filter((x) => x.manifest.kind === 'Application')) {
    const key = objectKey(o.manifest);
    if (applications.has(key)) {
      throw new PlatformValidationError('output', [`${o.path} and ${applications.get(key)} are both Application ${key}. Fix: give each environment its own sharedObjectSuffix`]);
    }
    applications.set(key, o.path);
  }
  // One owner per namespace across environments (one Argo CD may serve them all); when every environment is
  // synthesized, a shared namespace an environment leaves to another must be owned by one.
  const namespaceOwners = new Map<string, string>();
  for (const o of objects.filter((x) => x.manifest.kind === 'Namespace')) {
    const name = o.manifest.metadata?.name;
    if (namespaceOwners.has(name)) {
      throw new PlatformValidationError('output', [`${o.path} and ${namespaceOwners.get(name)} both create Namespace ${name}, so two Applications would own it. Fix: set gitops.ownSharedNamespaces: false in all environments but one`]);
    }
    namespaceOwners.set(name, o.path);
  }
  if (ENVIRONMENT_NAMES.every((e) => envs.includes(e))) {
    for (const [ns, users] of sharedNamespaceUsers) {
      if (!namespaceOwners.has(ns)) {
        throw new PlatformValidationError('output', [`namespace '${ns}' is used by environment(s) ${users.join(', ')} with gitops.ownSharedNamespaces: false, and no environment owns it. Fix: set gitops.ownSharedNamespaces: true in exactly one environment`]);
      }
    }
  }
  let notInPlace: NotInPlaceChange[] = [];
  if (options.baselineDir) {
    const { problems, declared } = checkNotInPlace(objects, readBaseline(options.baselineDir, envs.map((e) => (typeof e === 'string' ? e : String(e.name)))));
    if (problems.length) throw new PlatformValidationError('changes Kubernetes refuses in place', problems);
    notInPlace = declared;
  }
  const files = new Map<string, string>();
  timed('yaml', () => {
    for (const o of objects) {
      if (files.has(o.path)) throw new PlatformValidationError('output', [`two objects write ${o.path}. Fix: give them distinct names`]);
      files.set(o.path, toYaml(o.manifest));
    }
  });
  return { files, objects, roots, notInPlace };
}
