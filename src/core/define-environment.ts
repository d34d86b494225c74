import type { EnvironmentInput } from '../config/schema';

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Merges `overlay` onto `base` as Helm merges `-f` files: maps merge key by key, lists and scalars replace,
 * and `null` removes a key. Neither input is modified.
 */
export function deepMerge(base: unknown, overlay: unknown): unknown {
  if (!isPlain(base) || !isPlain(overlay)) {
    return overlay === undefined ? structuredClone(base) : structuredClone(overlay);
  }
  const out: Plain = structuredClone(base);
  for (const [k, v] of Object.entries(overlay)) {
    if (v === null) {
      delete out[k];
    } else {
      out[k] = k in out ? deepMerge(out[k], v) : structuredClone(v);
    }
  }
  return out;
}

/** `T` with every property optional at every depth (lists are replaced whole, as in a values overlay). */
export type DeepPartial<T> = T extends ReadonlyArray<unknown>
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> | null }
    : T;

/** Environment values without the identity keys: what a base definition may hold. */
export type EnvironmentBase = DeepPartial<Omit<EnvironmentInput, 'name' | 'namespace'>>;

/** What an environment definition adds to its base: the identity keys plus any values to override. */
export type EnvironmentOverrides = DeepPartial<EnvironmentInput> & Partial<Pick<EnvironmentInput, 'name' | 'namespace'>>;

/**
 * Defines an environment from a base (e.g. one of the exported presets `BASE`, `dev`, `staging`, `prod`) and
 * overrides, merged as values overlays are merged: maps key by key at every depth, lists and scalars replace,
 * and `null` removes a key so that its default applies. Neither input is changed. The result is a definition,
 * not yet validated: pass it to `loadEnvironment`, which fills in the defaults and reports every problem with
 * the environment, the key and the fix.
 *
 * @example
 * const qa = defineEnvironment(staging, { name: 'qa', namespace: 'data-platform-qa', domain: 'qa.example.com',
 *   sharedObjectSuffix: '-qa', components: { trino: { replicas: { worker: 1 } } } });
 * new DataPlatform(app, 'qa', { environment: loadEnvironment(qa) });
 */
export function defineEnvironment(base: EnvironmentBase | EnvironmentInput, overrides: EnvironmentOverrides): EnvironmentInput {
  return deepMerge(base, overrides) as EnvironmentInput;
}
