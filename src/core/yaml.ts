import { dump, DEFAULT_SCHEMA, DumpOptions, Type } from 'js-yaml';
import { PlatformConfigError } from './errors';

/**
 * Plain scalars that YAML 1.1 (the version Kubernetes, kubectl and Argo CD parse, via sigs.k8s.io/yaml) reads
 * as something other than a string, beyond what the YAML 1.2 core schema already quotes: booleans such as
 * `off`/`yes`/`y`, octal `0777`, binary `0b1`, numbers with `_` separators, sexagesimal `12:30`, `.5`, `=`, `<<`.
 * Registered as an implicit type, it makes the writer quote such strings, so they stay strings there.
 */
const YAML11_AMBIGUOUS = new Type('tag:254carbon.com,2026:yaml11-ambiguous', {
  kind: 'scalar',
  resolve: (s: string) => /^(?:[yYnN]|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|true|True|TRUE|false|False|FALSE|~|null|Null|NULL|=|<<|[-+]?(?:0[0-7_]+|0b[01_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?|[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+]?[0-9]+)?|\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)))$/.test(s),
  construct: (s: string) => s,
});
const SCHEMA = DEFAULT_SCHEMA.extend({ implicit: [YAML11_AMBIGUOUS] });

/** The output format: keys in the order given, no line folding, no anchors, double quotes where quoting is needed. */
const OPTIONS: DumpOptions = { schema: SCHEMA, lineWidth: -1, noRefs: true, quotingType: '"', sortKeys: false };

/**
 * The YAML text of one object, as js-yaml writes it with OPTIONS: block style, 2-space indentation (sequences
 * indented under their key), literal block scalars (`|`, `|-`, `|+`) for multi-line strings, strings quoted
 * where YAML 1.1 or 1.2 would read them as something else (see YAML11_AMBIGUOUS), trailing newline. A test
 * parses every output file as YAML 1.1 and 1.2 and requires the same data.
 *
 * Why not just `dump()`: js-yaml analyses every string character by character in JavaScript, which made it the
 * largest single cost of a synth (about 65 ms of it, cold). This writer produces the same bytes for the JSON data
 * of manifests with native regular expressions, and decides ambiguity with js-yaml's own type resolvers. Tests
 * compare it with `toYamlWithJsYaml` on every synthesized object and on a corpus of awkward strings; a value
 * outside the JSON data model (a Date, a class instance, a function) or a key over 1024 characters is written
 * by js-yaml itself.
 */
export function toYaml(value: unknown): string {
  if (value === null || typeof value !== 'object' || !isPlainContainer(value)) return toYamlWithJsYaml(value);
  try {
    return `${node(value, 0, true)}\n`;
  } catch (e) {
    if (e === UNSUPPORTED) return toYamlWithJsYaml(value);
    throw e;
  }
}

/** The same text written by js-yaml (the reference `toYaml` matches byte for byte). */
export function toYamlWithJsYaml(value: unknown): string {
  return dump(value, OPTIONS);
}

/** Thrown inside the writer for a value it leaves to js-yaml. */
/** Control flow, not a failure: the value needs js-yaml (made once; thrown and caught inside toYaml only). */
class UnsupportedByFastWriter extends Error {}
const UNSUPPORTED = new UnsupportedByFastWriter('unsupported by the fast YAML writer');

/** js-yaml's implicit types of SCHEMA (null, bool, int, float, timestamp, merge, YAML11_AMBIGUOUS), in its order. */
const IMPLICIT: ReadonlyArray<{ resolve(data: string): boolean }> = (() => {
  const implicit = (SCHEMA as unknown as { implicit?: unknown }).implicit;
  if (!Array.isArray(implicit) || implicit.length === 0) throw new PlatformConfigError('dependency js-yaml', 'Schema.implicit is missing (an unsupported js-yaml major version is installed)', 'install js-yaml 4.x');
  return implicit;
})();

/** Only a string starting with one of these can resolve to one of the implicit types. */
const MAY_RESOLVE = /^[-+.~0-9nNyYtTfFoO=<]/;
/** js-yaml quotes these (YAML 1.1 booleans and sexagesimal numbers) without running the resolvers. */
const DEPRECATED_BOOLEANS = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);
const DEPRECATED_BASE60 = /^[-+]?[0-9_]+(?::[0-9_]+)+(?:\.[0-9_]*)?$/;

/** Printable ASCII (space to `~`): the characters every fast path below is written for. */
const ASCII_LINE = /^[\x20-\x7e]+$/;
const ASCII_LINES = /^[\n\x20-\x7e]*$/;
/** Characters that cannot start a plain scalar (YAML indicators, and space). */
const NOT_PLAIN_FIRST = /^[-?:,[\]{}#&*!|=>'"%@` ]/;
/** Plain scalars cannot end with a space or `:`, nor contain `: ` or ` #`. */
const NOT_PLAIN_INSIDE = /[ :]$|: | #/;

function isPlainContainer(v: object): boolean {
  if (Array.isArray(v)) return true;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function node(v: unknown, level: number, compact: boolean): string {
  switch (typeof v) {
    case 'string': return scalar(v, level, false);
    case 'number': return Number.isInteger(v) && !Object.is(v, -0) ? v.toString(10) : dump(v, OPTIONS).slice(0, -1);
    case 'boolean': return v ? 'true' : 'false';
    case 'object':
      if (v === null) return 'null';
      if (!isPlainContainer(v)) throw UNSUPPORTED;
      return Array.isArray(v) ? sequence(v, level, compact) : mapping(v as Record<string, unknown>, level, compact);
    default: throw UNSUPPORTED;
  }
}

function mapping(m: Record<string, unknown>, level: number, compact: boolean): string {
  let out = '';
  const indent = ' '.repeat(2 * level);
  for (const key of Object.keys(m)) {
    const value = m[key];
    if (value === undefined) continue; // js-yaml skips the pair
    const k = scalar(key, level + 1, true);
    if (k.length > 1024) throw UNSUPPORTED; // js-yaml writes an explicit `? key` pair
    const v = node(value, level + 1, false);
    if (!compact || out !== '') out += `\n${indent}`;
    out += k + (v.charCodeAt(0) === 10 ? ':' : ': ') + v;
  }
  return out === '' ? '{}' : out;
}

function sequence(items: readonly unknown[], level: number, compact: boolean): string {
  if (items.length === 0) return '[]';
  let out = '';
  const indent = ' '.repeat(2 * level);
  for (const item of items) {
    const v = item === undefined ? 'null' : node(item, level + 1, true);
    if (!compact || out !== '') out += `\n${indent}`;
    out += (v.charCodeAt(0) === 10 ? '-' : '- ') + v;
  }
  return out;
}

function ambiguous(s: string): boolean {
  return MAY_RESOLVE.test(s) && IMPLICIT.some((t) => t.resolve(s));
}

/**
 * Written single-line scalars, by string (values and keys apart: a key is never a block scalar). Manifests repeat
 * most strings (label keys and values, names, ports), so most scalars are written once. Cleared when large.
 */
const VALUE_CACHE = new Map<string, string>();
const KEY_CACHE = new Map<string, string>();
const CACHE_LIMIT = 50_000;

/** A string, as js-yaml's writeScalar writes it with OPTIONS (`key`: an implicit key, single-line only). */
function scalar(s: string, level: number, key: boolean): string {
  const cache = key ? KEY_CACHE : VALUE_CACHE;
  const cached = cache.get(s);
  if (cached !== undefined) return cached;
  const written = write(s, level, key);
  if (written.charCodeAt(0) !== 0x7c) { // not a literal block, whose indentation depends on the level
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(s, written);
  }
  return written;
}

function write(s: string, level: number, key: boolean): string {
  if (s.length === 0) return '""';
  if (DEPRECATED_BOOLEANS.has(s) || DEPRECATED_BASE60.test(s)) return `"${s}"`;
  if (ASCII_LINE.test(s)) {
    return !NOT_PLAIN_FIRST.test(s) && !NOT_PLAIN_INSIDE.test(s) && !ambiguous(s) ? s : `"${s.replace(/["\\]/g, '\\$&')}"`;
  }
  if (!key && ASCII_LINES.test(s)) return literal(s, level);
  switch (chooseStyle(s, key)) {
    case 'plain': return s;
    case 'literal': return literal(s, level);
    default: return `"${escape(s)}"`;
  }
}

/** A literal block scalar: header (indentation indicator, chomping), then the lines indented by the level. */
function literal(s: string, level: number): string {
  const indicator = /^\n* /.test(s) ? '2' : '';
  const clip = s.endsWith('\n');
  const keep = clip && (s[s.length - 2] === '\n' || s === '\n');
  const ind = ' '.repeat(2 * Math.max(1, level));
  const body = s.split('\n').map((line) => (line ? ind + line : line)).join('\n');
  return `|${indicator}${keep ? '+' : clip ? '' : '-'}\n${clip ? body.slice(0, -1) : body}`;
}

// The general case, ported from js-yaml 4 (lib/dumper.js: isPrintable, isPlainSafe, chooseScalarStyle and
// escapeString) for a block context without line folding.

function isPrintable(c: number): boolean {
  return (c >= 0x20 && c <= 0x7e) || (c >= 0xa1 && c <= 0xd7ff && c !== 0x2028 && c !== 0x2029)
    || (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff) || (c >= 0x10000 && c <= 0x10ffff);
}

const isWhite = (c: number): boolean => c === 0x20 || c === 0x09;
const isNsCharOrWhite = (c: number): boolean => isPrintable(c) && c !== 0xfeff && c !== 0x0d && c !== 0x0a;

function isPlainSafe(c: number, prev: number): boolean {
  const nsOrWhite = isNsCharOrWhite(c);
  const ns = nsOrWhite && !isWhite(c);
  return (nsOrWhite && c !== 0x23 && !(prev === 0x3a && !ns))
    || (prev >= 0 && isNsCharOrWhite(prev) && !isWhite(prev) && c === 0x23)
    || (prev === 0x3a && ns);
}

function isPlainSafeFirst(c: number): boolean {
  return isPrintable(c) && c !== 0xfeff && !isWhite(c) && !'-?:,[]{}#&*!|=>\'"%@`'.includes(String.fromCodePoint(c));
}

function chooseStyle(s: string, singleLineOnly: boolean): 'plain' | 'literal' | 'double' {
  const last = s.charCodeAt(s.length - 1);
  let plain = isPlainSafeFirst(s.codePointAt(0)!) && !isWhite(last) && last !== 0x3a;
  let lineBreak = false;
  let prev = -1;
  for (let i = 0; i < s.length;) {
    const c = s.codePointAt(i)!;
    if (c === 0x0a && !singleLineOnly) lineBreak = true;
    else if (!isPrintable(c)) return 'double';
    plain = plain && isPlainSafe(c, prev);
    prev = c;
    i += c >= 0x10000 ? 2 : 1;
  }
  if (!lineBreak) return plain && !ambiguous(s) ? 'plain' : 'double';
  return 'literal';
}

const ESCAPES: Record<number, string> = {
  0x00: '\\0', 0x07: '\\a', 0x08: '\\b', 0x09: '\\t', 0x0a: '\\n', 0x0b: '\\v', 0x0c: '\\f', 0x0d: '\\r', 0x1b: '\\e',
  0x22: '\\"', 0x5c: '\\\\', 0x85: '\\N', 0xa0: '\\_', 0x2028: '\\L', 0x2029: '\\P',
};

function escape(s: string): string {
  let out = '';
  for (let i = 0; i < s.length;) {
    const c = s.codePointAt(i)!;
    const width = c >= 0x10000 ? 2 : 1;
    const seq = ESCAPES[c];
    if (!seq && isPrintable(c)) out += s.slice(i, i + width);
    else if (seq) out += seq;
    else {
      const hex = c.toString(16).toUpperCase();
      out += c <= 0xff ? `\\x${hex.padStart(2, '0')}` : c <= 0xffff ? `\\u${hex.padStart(4, '0')}` : `\\U${hex.padStart(8, '0')}`;
    }
    i += width;
  }
  return out;
}
