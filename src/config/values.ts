import { deepMerge } from '../core/define-environment';
import * as fs from 'fs';
import * as jsyaml from 'js-yaml';
import * as z from 'zod';
import { PlatformValidationError } from '../core/errors';
import { checkParsedInput, checkRawInput, keyPath, MAX_DEPTH, showValue } from './input-checks';
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

/** Largest values file accepted. */
export const MAX_VALUES_BYTES = 8 * 1024 * 1024;
/** Most values (mapping entries and list items, aliases expanded) a values file may hold. */
export const MAX_VALUES_NODES = 1_000_000;

/** The byte offset of the first byte that is not valid UTF-8, or -1. */
function firstInvalidUtf8(b: Buffer): number {
  for (let i = 0; i < b.length;) {
    const c = b[i];
    const n = c < 0x80 ? 0 : (c & 0xe0) === 0xc0 && c >= 0xc2 ? 1 : (c & 0xf0) === 0xe0 ? 2 : (c & 0xf8) === 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    for (let j = 1; j <= n; j++) if (i + j >= b.length || (b[i + j] & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return -1;
}

const lineOf = (b: Buffer, offset: number) => {
  let line = 1;
  for (let i = 0; i < offset; i++) if (b[i] === 0x0a) line++;
  return line;
};

/** The text of a values file: UTF-8 (a UTF-8 byte-order mark is dropped); UTF-16/32 and invalid UTF-8 are refused, saying so. */
export function decodeValuesText(bytes: Buffer, file: string): string {
  const fail = (problem: string, fix: string) => { throw new PlatformValidationError(`values file ${file}`, [`${problem}. Fix: ${fix}`]); };
  if (bytes.length > MAX_VALUES_BYTES) fail(`is ${(bytes.length / 1048576).toFixed(1)} MiB, more than the ${MAX_VALUES_BYTES / 1048576} MiB a values file may hold`, 'split it or remove what the environment does not need');
  const saveAsUtf8 = 'save the file as UTF-8 (e.g. `iconv -f UTF-16 -t UTF-8 in.yaml > out.yaml`)';
  if ((bytes[0] === 0x00 && bytes[1] === 0x00 && bytes[2] === 0xfe && bytes[3] === 0xff) || (bytes[0] === 0xff && bytes[1] === 0xfe && bytes[2] === 0x00 && bytes[3] === 0x00)) fail('is UTF-32 encoded (it starts with a UTF-32 byte-order mark)', saveAsUtf8);
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) fail(`is UTF-16 encoded (it starts with a UTF-16 ${bytes[0] === 0xff ? 'little' : 'big'}-endian byte-order mark)`, saveAsUtf8);
  if (bytes.length >= 2 && (bytes[0] === 0 || bytes[1] === 0)) fail('is UTF-16 encoded without a byte-order mark (it has zero bytes between the characters)', saveAsUtf8);
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    const byte = bytes[bad];
    fail(`is not valid UTF-8: byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')} at line ${lineOf(bytes, bad)}${byte >= 0xa0 ? ` (in Latin-1 that is '${String.fromCharCode(byte)}': the file is probably Latin-1/Windows-1252)` : ''}`,
      'save the file as UTF-8 (e.g. `iconv -f LATIN1 -t UTF-8 in.yaml > out.yaml`)');
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) fail(`holds a zero byte at line ${lineOf(bytes, nul)}`, 'remove it; values files are text');
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return bytes.toString('utf8', start);
}

/**
 * Parses the text of a values file (YAML 1.2 core schema, or JSON). Linear in the size of the file (js-yaml's
 * duplicate-key check is a hash lookup; the \`yaml\` package's is quadratic: 5 MB took minutes). Duplicate keys,
 * unknown tags (\`!vault\`), merge keys (\`<<\`), too deep nesting and alias bombs get a precise message.
 */
export function parseValuesText(text: string, file: string): Plain {
  const fail = (problems: string[]): never => { throw new PlatformValidationError(`values file ${file}`, problems); };
  let doc: unknown;
  try {
    doc = jsyaml.load(text, { schema: jsyaml.CORE_SCHEMA, filename: file, json: false });
  } catch (e) {
    if (e instanceof RangeError || /nesting exceeded maxDepth/.test((e as jsyaml.YAMLException).reason ?? '')) fail([`is nested too deeply to read. Fix: values follow the schema's shape, at most ${MAX_DEPTH} levels deep`]);
    const err = e as jsyaml.YAMLException;
    const where = err.mark ? `line ${err.mark.line + 1}, column ${err.mark.column + 1}` : 'somewhere';
    const reason = err.reason ?? String(e);
    const tag = /^unknown tag !<(.*)>/.exec(reason);
    if (tag) {
      fail([`${where}: the tag '${tag[1]}' is not supported (values files hold plain YAML values; tags such as !vault are not resolved). Fix: remove the tag; a secret is never typed into values: the platform reads it from the secret store through ExternalSecrets`]);
    }
    if (/duplicated mapping key/.test(reason)) {
      const line = err.mark ? text.split('\n', err.mark.line + 1)[err.mark.line] ?? '' : '';
      const key = /^\s*(?:-\s+)?([^:#]+?)\s*:/.exec(line)?.[1];
      fail([`${where}: the key ${key ? `'${key}' ` : ''}appears twice in the same mapping (YAML forbids it; which one wins would be a guess). Fix: keep one of them`]);
    }
    fail([`is not valid YAML: ${reason} (${where}). Fix: correct the YAML syntax`]);
  }
  if (doc === undefined || doc === null) return {};
  if (!isPlain(doc)) {
    fail([`holds ${Array.isArray(doc) ? 'a list' : `a single ${typeof doc} value`} at the top, not a mapping. Fix: write keys such as \`components:\` at the top level`]);
  }
  // The walk below only finds merge keys and alias bombs: skip it (a second pass over a large file) without either.
  if (!text.includes('<<') && !/(^|[\s[{,:-])\*[^\s,\]}]/m.test(text)) return doc as Plain;
  const problems: string[] = [];
  let nodes = 0;
  let stopped = false;
  const path: string[] = [];
  const walk = (v: unknown) => {
    if (stopped) return;
    if (++nodes > MAX_VALUES_NODES) {
      problems.push(`holds more than ${MAX_VALUES_NODES} values (with YAML aliases expanded). Fix: remove repeated aliases; values files are small`);
      stopped = true;
      return;
    }
    if (path.length > MAX_DEPTH) {
      problems.push(`${path.slice(0, MAX_DEPTH).join('.')}: nested more than ${MAX_DEPTH} levels deep. Fix: values follow the schema's shape, which is at most a few levels deep`);
      stopped = true;
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        path.push(String(i));
        walk(v[i]);
        path.pop();
      }
      return;
    }
    for (const k in v) {
      if (k === '<<') {
        problems.push(`${path.join('.') || '(top level)'}: YAML merge keys ('<<') are not supported. Fix: write the keys out, or put shared values into a separate --values file (files merge in order)`);
        if (problems.length > 20) stopped = true;
        continue;
      }
      path.push(k);
      walk((v as Plain)[k]);
      path.pop();
    }
  };
  walk(doc);
  if (problems.length > 0) fail(problems);
  return doc as Plain;
}

/** Reads a values file (YAML or JSON, UTF-8); it must hold a mapping. */
export function readValuesFile(file: string): Record<string, unknown> {
  let bytes: Buffer;
  try {
    const st = fs.statSync(file);
    if (st.isDirectory()) throw Object.assign(new Error('it is a folder'), { code: 'EISDIR' });
    if (st.size > MAX_VALUES_BYTES) {
      throw new PlatformValidationError(`values file ${file}`, [`is ${(st.size / 1048576).toFixed(1)} MiB, more than the ${MAX_VALUES_BYTES / 1048576} MiB a values file may hold. Fix: split it or remove what the environment does not need`]);
    }
    bytes = fs.readFileSync(file);
  } catch (e) {
    if (e instanceof PlatformValidationError) throw e;
    throw new PlatformValidationError(`values file ${file}`, [`cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Fix: pass an existing, readable file to --values`]);
  }
  return parseValuesText(decodeValuesText(bytes, file), file);
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
  const sources = (options.values ?? []).map((v) => v.source);
  const title = `environment '${name}' is invalid${sources.length ? ` (values: ${sources.join(', ')})` : ''}`;
  for (const overlay of options.values ?? []) {
    const raw = checkRawInput(overlay.data);
    if (raw.length > 0) throw new PlatformValidationError(`environment '${name}' is invalid (values: ${overlay.source})`, raw);
    if (Object.hasOwn(overlay.data, 'name') && overlay.data.name !== name) {
      throw new PlatformValidationError(`environment '${name}'`, [
        `values file ${overlay.source} sets name ${showValue(overlay.data.name)}. Fix: remove 'name' from the values file; select the environment with --env`,
      ]);
    }
    input = deepMerge(input, overlay.data);
  }
  // jitless: zod would compile a parser per object schema on first use (`new Function`); an environment is
  // parsed once, so compiling costs more than it saves (three environments: ~8 ms jitless, ~24 ms compiled).
  const raw = checkRawInput(input);
  if (raw.length > 0) throw new PlatformValidationError(title, raw);
  const result = environmentSchema.safeParse(input, { jitless: true });
  if (!result.success) {
    throw new PlatformValidationError(title, result.error.issues.map((i) => formatIssue(i, input)));
  }
  const semantic = checkParsedInput(result.data);
  if (semantic.length > 0) throw new PlatformValidationError(title, semantic);
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


/** One zod issue as `key.path: problem (got X). Fix: ...`. */
export function formatIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const path = keyPath(issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)));
  const got = valueAt(input, issue.path);
  const show = (v: unknown) => showValue(v, issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)));
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
