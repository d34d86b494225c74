import { App } from 'cdk8s';
import { PlatformValidationError } from '../core/errors';
import { ENVIRONMENT_NAMES, loadEnvironment, LoadEnvironmentOptions } from '../config/values';
import { DataPlatform } from '../platform/data-platform';
import { checkNotInPlace, NotInPlaceChange, readBaseline } from '../core/immutable';
import { objectKey, renderApp, RenderedObject } from './render';
import { toYaml } from '../core/yaml';

/** The folder under charts-out/ holding the Argo CD Applications, one subfolder per environment. */
export const ARGOCD_FOLDER = 'argocd';

/** Options of `synthesize`. */
export interface SynthOptions extends LoadEnvironmentOptions {
  /**
   * The environments to synthesize.
   * @default - every defined environment
   */
  readonly environments?: readonly string[];
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
  for (const name of envs) {
    const env = loadEnvironment(name, options);
    const app = new App({ outdir: '.tmp/unused' });
    new DataPlatform(app, env.name, { environment: env });
    // Every check runs as a cdk8s validation of the platform (see platform/platform-checks.ts).
    objects.push(...renderApp(app, env.name));
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
  let notInPlace: NotInPlaceChange[] = [];
  if (options.baselineDir) {
    const { problems, declared } = checkNotInPlace(objects, readBaseline(options.baselineDir, envs));
    if (problems.length) throw new PlatformValidationError('changes Kubernetes refuses in place', problems);
    notInPlace = declared;
  }
  const files = new Map<string, string>();
  for (const o of objects) {
    if (files.has(o.path)) throw new PlatformValidationError('output', [`two objects write ${o.path}. Fix: give them distinct names`]);
    files.set(o.path, toYaml(o.manifest));
  }
  return { files, objects, roots, notInPlace };
}
