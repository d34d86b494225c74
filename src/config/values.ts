import { deepMerge } from '../core/define-environment';
import * as fs from 'fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { PlatformValidationError } from '../core/errors';
import { dev } from '../presets/dev';
import { prod } from '../presets/prod';
import { environmentSchema, EnvironmentConfig, EnvironmentInput } from './schema';
import { staging } from '../presets/staging';

/** The environments this project defines, in synth order. */
export const ENVIRONMENTS: Readonly<Record<string, EnvironmentInput>> = { dev, staging, prod };

/** The names of the defined environments. */
export const ENVIRONMENT_NAMES: readonly string[] = Object.keys(ENVIRONMENTS);

export { deepMerge };

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a values file (YAML or JSON); it must hold a mapping. */
export function readValuesFile(file: string): Plain {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new PlatformValidationError(`values file ${file}`, [`cannot be read (${(e as Error).message}). Fix: pass an existing file to --values`]);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text) ?? {};
  } catch (e) {
    throw new PlatformValidationError(`values file ${file}`, [`is not valid YAML: ${(e as Error).message.split('\n')[0]}. Fix: correct the YAML syntax`]);
  }
  if (!isPlain(doc)) {
    throw new PlatformValidationError(`values file ${file}`, ['does not hold a mapping at the top. Fix: write keys such as `components:` at the top level']);
  }
  return doc;
}

/** Options of `loadEnvironment`. */
export interface LoadEnvironmentOptions {
  /**
   * Values overlays (already parsed), applied in order.
   * @default - none
   */
  readonly values?: ReadonlyArray<{ readonly source: string; readonly data: Record<string, unknown> }>;
}

/**
 * Validates an environment definition (one of `ENVIRONMENTS`, a name, or your own) with its overlays and
 * returns it with every default filled in. Throws `PlatformValidationError` listing every problem with the
 * environment, the key path, the bad value and the fix.
 */
export function loadEnvironment(env: string | EnvironmentInput, options: LoadEnvironmentOptions = {}): EnvironmentConfig {
  let input: unknown;
  if (typeof env === 'string') {
    const def = ENVIRONMENTS[env];
    if (!def) {
      throw new PlatformValidationError(`environment '${env}'`, [`is not defined. Fix: use one of ${ENVIRONMENT_NAMES.join(', ')}`]);
    }
    input = def;
  } else {
    input = env;
  }
  const name = isPlain(input) && typeof input.name === 'string' ? input.name : String(env);
  for (const overlay of options.values ?? []) {
    if ('name' in overlay.data && overlay.data.name !== name) {
      throw new PlatformValidationError(`environment '${name}'`, [
        `values file ${overlay.source} sets name '${String(overlay.data.name)}'. Fix: remove 'name' from the values file; select the environment with --env`,
      ]);
    }
    input = deepMerge(input, overlay.data);
  }
  // jitless: zod would compile a parser per object schema on first use (`new Function`); an environment is
  // parsed once, so compiling costs more than it saves (three environments: ~8 ms jitless, ~24 ms compiled).
  const result = environmentSchema.safeParse(input, { jitless: true });
  if (!result.success) {
    const sources = (options.values ?? []).map((v) => v.source);
    const title = `environment '${name}' is invalid${sources.length ? ` (values: ${sources.join(', ')})` : ''}`;
    throw new PlatformValidationError(title, result.error.issues.map((i) => formatIssue(i, input)));
  }
  return result.data;
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let cur: unknown = root;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** One zod issue as `key.path: problem (got X). Fix: ...`. */
export function formatIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const path = issue.path.map(String).join('.') || '(top level)';
  const got = valueAt(input, issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeysAt(environmentSchema, issue.path);
      const hints = issue.keys.map((k) => {
        const near = closest(k, allowed);
        return near ? `'${k}' (did you mean '${near}'?)` : `'${k}'`;
      });
      return `${path}: unknown key${issue.keys.length > 1 ? 's' : ''} ${hints.join(', ')}. ` +
        `Fix: remove ${issue.keys.length > 1 ? 'them' : 'it'} or correct the spelling; valid keys here: ${allowed.join(', ')}`;
    }
    case 'invalid_type':
      return `${path}: expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, got ${show(got)}. Fix: set ${path} to ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'too_small':
      return `${path}: ${show(got)} is too small. Fix: use a value of at least ${String(issue.minimum)}`;
    case 'too_big':
      return `${path}: ${show(got)} is too big. Fix: use a value of at most ${String(issue.maximum)}`;
    case 'invalid_value':
      return `${path}: ${show(got)} is not allowed. Fix: use one of ${issue.values.map((v) => show(v)).join(', ')}`;
    case 'invalid_union':
      return `${path}: ${show(got)} matches none of the accepted forms. Fix: ${path.includes('resources') ? 'use a preset name (small, medium, large) or {requests: {cpu, memory}, limits: {cpu, memory}}' : 'see the schema in src/config/schema.ts'}`;
    default: {
      const msg = issue.message;
      const [problem, fix] = msg.includes('; ') ? [msg.slice(0, msg.indexOf('; ')), msg.slice(msg.indexOf('; ') + 2)] : [msg, 'correct the value'];
      return `${path}: ${show(got)} is invalid: ${problem}. Fix: ${fix}`;
    }
  }
}

const TYPE_NAMES: Record<string, string> = {
  int: 'a whole number', number: 'a number', string: 'a string', boolean: 'true or false', array: 'a list', object: 'a mapping', record: 'a mapping',
};

/** The keys a (possibly wrapped) zod object schema allows at `path`. */
function allowedKeysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  let cur: any = schema;
  const unwrap = () => {
    for (let i = 0; i < 10 && cur?._zod?.def; i++) {
      const def = cur._zod.def;
      if (def.innerType) cur = def.innerType;
      else if (def.type === 'pipe') cur = def.in;
      else break;
    }
  };
  for (const seg of path) {
    unwrap();
    const def = cur?._zod?.def;
    if (def?.type === 'object') cur = def.shape[String(seg)];
    else if (def?.type === 'record') cur = def.valueType;
    else return [];
  }
  unwrap();
  const def = cur?._zod?.def;
  return def?.type === 'object' ? Object.keys(def.shape) : [];
}

/** The allowed key nearest to a misspelt one (edit distance at most 3), if any. */
function closest(key: string, allowed: readonly string[]): string | undefined {
  const dist = (a: string, b: string): number => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
      for (let j = 1; j <= b.length; j++) {
        d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      }
    }
    return d[a.length][b.length];
  };
  const ranked = allowed.map((k) => [k, dist(key, k)] as const).filter(([, n]) => n <= 3).sort((a, b) => a[1] - b[1]);
  return ranked[0]?.[0];
}
