/**
 * The fuzz harness of the values input (issue 18): generated overlays (mutations of every key path of the defined
 * environments with awkward values and keys) and generated values-file texts (tags, merge keys, duplicate keys,
 * deep nesting, encodings), each run through the whole synth. Each case must be accepted and pass every check, or
 * be rejected with a PlatformValidationError/PlatformConfigError whose every problem names the key and the fix;
 * never a crash, a hang, an echoed secret or a partial write. Used by test/robust-fuzz.test.ts (a few hundred seeded
 * cases) and `npm run fuzz` (a longer campaign with figures).
 */
import * as fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main as synthMain } from '../../cli/synth';
import { decodeValuesText, loadEnvironment, parseValuesText } from '../../src/config/values';
import { PlatformConfigError, PlatformValidationError } from '../../src/core/errors';
import { synthesize } from '../../src/output/synth';
import { listFiles } from '../../src/output/write';

/** Values that must never be printed: every generated secret carries this marker. */
export const CANARY = 'CANARYpw7';

const ENVS = ['dev', 'staging', 'prod'] as const;

/** Every key path of the defined environments (after defaults), the places a mutation may hit. */
function keyPaths(): string[][] {
  const out = new Map<string, string[]>();
  const walk = (v: unknown, p: string[]) => {
    if (p.length) out.set(p.join('\u0000'), p);
    if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
    if (Array.isArray(v) && v.length) walk(v[0], [...p, '0']);
  };
  for (const e of ENVS) walk(loadEnvironment(e), []);
  return [...out.values()].filter((p) => p[0] !== 'name');
}
const PATHS = keyPaths();

const KEYS = ['__proto__', 'constructor', 'prototype', 'enabled', 'replicas', 'x', 'app', 'app.kubernetes.io/name', 'bad key', '-x', 'a/b/c',
  'UPPER_CASE', 'SUPERSET_SECRET_KEY', 'MAPBOX_API_KEY', 'password', 'token', '<<', '', 'k'.repeat(70)];

const SCALARS: unknown[] = [null, true, false, 0, -1, 1, 2, 3, 7, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 1.5, 1e308, Infinity, -Infinity, NaN,
  '', ' ', '0', 'x'.repeat(70), 'x'.repeat(300), 'r'.repeat(5000), 'a..b', '192.168.0.1', 'xn--bucket', 'ab', 'UTC+5', 'Local', 'Mars/Olympus',
  'Europe/Berlin', 'US/Eastern', 'Etc/GMT-5', '0 2 * * 7', '0 2 * * 6', '*/5 * * * *', '@daily', '@every 1h', '61 * * * *', '0 2 * *', 'TZ=UTC 0 2 * * *',
  '0s', '0h', '1h', '7d', '720h0m0s', '999999999999h', '{name}-{name}', '{name}-tls', '{nope}', 'postgres://u:' + CANARY + '@h/db',
  'https://user:' + CANARY + '@auth.example.com/x', '-----BEGIN RSA PRIVATE KEY-----' + CANARY, 'AKIA' + 'Q'.repeat(16), '-dev', '-' + 'x'.repeat(60),
  'UPPER', 'ok-name', 'a/b', '10Gi', '-1Gi', '0', '500m', '1e3', 'Etc/UTC', 'IfNotPresent', 'small', 'large', 'in-cluster-minio', 'external-s3',
  'trino.254carbon.com', 'a'.repeat(64) + '.com', 'release', 'kube-prometheus-stack', 'has space', '\u0000', '\ufffd', 'é', '\u202e', '${jndi:x}', '"; rm -rf /'];

/** A canary secret under a secret-looking key, or a value from the pool, a random string or number, or a small structure. */
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...SCALARS) },
    { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
    { weight: 1, arbitrary: fc.integer() },
    { weight: 1, arbitrary: fc.double() },
    { weight: 1, arbitrary: fc.array(tie('v'), { maxLength: 3 }) },
    { weight: 2, arbitrary: fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 6 })), tie('v'), { maxKeys: 3 }) },
  ),
})).v;

/** Sets `v` at `p` in `root`, with own properties even for `__proto__`. */
function setAt(root: Record<string, unknown>, p: readonly string[], v: unknown): void {
  let cur = root;
  p.forEach((k, i) => {
    const last = i === p.length - 1;
    const existing = Object.getOwnPropertyDescriptor(cur, k)?.value;
    const next = last ? v : existing && typeof existing === 'object' && !Array.isArray(existing) ? existing : {};
    Object.defineProperty(cur, k, { value: next, enumerable: true, writable: true, configurable: true });
    cur = next as Record<string, unknown>;
  });
}

export interface OverlayCase { readonly kind: 'overlay'; readonly env: string; readonly data: Record<string, unknown> }
export interface TextCase { readonly kind: 'text'; readonly env: string; readonly bytes: Buffer; readonly label: string }
export type FuzzCase = OverlayCase | TextCase;

/** Leaves of the defined environments: [path, value], for plausible mutations (another environment's value). */
function leavesOf(): Array<[string[], unknown]> {
  const out: Array<[string[], unknown]> = [];
  const walk = (v: unknown, p: string[]) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
    else if (p.length && p[0] !== 'name') out.push([p, v]);
  };
  for (const e of ENVS) walk(loadEnvironment(e), []);
  return out;
}
const LEAVES = leavesOf();

/** A plausible change: a leaf set to a value some environment has there, or a nearby number. */
const plausible = fc.tuple(fc.constantFrom(...LEAVES), fc.constantFrom(...LEAVES), fc.integer({ min: -2, max: 3 }), fc.nat(3)).map(([[p, v], [, other], delta, pick]) => {
  const next = pick === 0 && typeof v === 'number' ? v + delta : pick === 1 && typeof other === typeof v ? other : v;
  return [p, null, next] as [string[], string | null, unknown];
});

const hostile = fc.tuple(fc.constantFrom(...PATHS), fc.option(fc.constantFrom(...KEYS), { freq: 4 }), value);
const mutation = fc.oneof({ weight: 3, arbitrary: hostile }, { weight: 2, arbitrary: plausible });

export const overlayCase: fc.Arbitrary<OverlayCase> = fc.record({
  env: fc.constantFrom(...ENVS),
  muts: fc.array(mutation, { minLength: 1, maxLength: 3 }),
}).map(({ env, muts }) => {
  const data: Record<string, unknown> = {};
  for (const [p, extra, v] of muts) setAt(data, extra === null ? p : [...p, extra], v);
  return { kind: 'overlay' as const, env, data };
});

const YAML_SNIPPETS = [
  'components:\n  zookeeper:\n    replicas: 3\n',
  'components:\n  zookeeper:\n    replicas: 3\n    replicas: 5\n',
  'components:\n  minio:\n    region: !vault secret/minio\n',
  'base: &b { enabled: false }\ncomponents:\n  doris:\n    <<: *b\n',
  'components:\n  trino:\n    replicas:\n      worker: .inf\n',
  'components:\n  trino:\n    replicas:\n      worker: 0x7fffffff\n',
  'components: [1, 2]\n',
  '- a\n- b\n',
  'components:\n  superset:\n    extraSecretEnv:\n      MAPBOX_API_KEY: { secret: mapbox, key: token }\n',
  `a: ${'['.repeat(200)}${']'.repeat(200)}\n`,
  'a0: &a [x, x, x, x, x, x, x, x]\na1: &b [*a, *a, *a, *a, *a, *a, *a, *a]\na2: &c [*b, *b, *b, *b, *b, *b, *b, *b]\na3: [*c, *c, *c, *c, *c, *c, *c, *c]\n',
  'components:\n  iceberg:\n    compaction:\n      timeZone: Mars/Olympus\n',
  'components:\n  grafana:\n    adminPasswordSecret: ' + CANARY + '\n',
  'domain: "' + 'd'.repeat(60) + '.' + 'e'.repeat(60) + '.' + 'f'.repeat(60) + '.' + 'g'.repeat(60) + '.com"\n',
  'components:\n  backup:\n    schedule: "0 2 * * 7"\n',
  '{"components": {"redis": {"auth": {"enabled": false}}}}\n',
  'components:\n  minio:\n    region: Zürich\n',
  '',
  ':\n',
  'components:\n\tminio: {}\n',
];

export const textCase: fc.Arbitrary<TextCase> = fc.record({
  env: fc.constantFrom(...ENVS),
  snippet: fc.constantFrom(...YAML_SNIPPETS.map((s, i) => [i, s] as const)),
  encoding: fc.constantFrom('utf8', 'utf8-bom', 'utf16le-bom', 'utf16be-bom', 'utf16le', 'latin1'),
}).map(({ env, snippet: [i, text], encoding }) => {
  const bytes = encoding === 'utf8' ? Buffer.from(text) : encoding === 'utf8-bom' ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])
    : encoding === 'utf16le-bom' ? Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])
      : encoding === 'utf16be-bom' ? Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()])
        : encoding === 'utf16le' ? Buffer.from(text, 'utf16le') : Buffer.from(text, 'latin1');
  return { kind: 'text' as const, env, bytes, label: `snippet ${i} as ${encoding}` };
});

export const fuzzCase: fc.Arbitrary<FuzzCase> = fc.oneof({ weight: 4, arbitrary: overlayCase }, { weight: 1, arbitrary: textCase });

export type Outcome = 'accepted' | 'rejected' | 'crash' | 'unclear' | 'leak' | 'hang' | 'partial-write';
export interface CaseResult { readonly outcome: Outcome; readonly ms: number; readonly detail?: string }

/** Longest a case may take before it counts as a hang. */
export const HANG_MS = 5000;

/** Why a rejection message is unclear, or undefined when every problem names a place and a fix. */
export function unclear(message: string, env: string): string | undefined {
  const [title, ...rest] = message.split('\n');
  if (!title.includes(`'${env}'`) && !title.startsWith('values file')) return `the title names neither the environment nor the file: ${title}`;
  if (/\n\s+at .+:\d+:\d+/.test(message)) return 'a stack trace';
  if (/\[object Object\]|\bundefined\b/.test(message)) return `'undefined' or '[object Object]' in: ${message.slice(0, 200)}`;
  const problems = rest.filter((l) => l.startsWith('  - '));
  if (problems.length === 0) return `no problem listed: ${message.slice(0, 200)}`;
  for (const p of problems) {
    if (!p.includes('Fix: ')) return `a problem without a fix: ${p.slice(0, 200)}`;
    // A problem may start with `environment '<env>', ` before the key (the guardrail and construct checks).
    const keyed = /^ {2}- (environment '[^']*', )?(\(top level\):|(?:[^\s:"]|"(?:[^"\\]|\\.)*")+:|is |holds |cannot |line \d+|does not)/.test(p);
    // A check problem names the output object; one caused by the overlay must also name the values key.
    const object = /^ {2}- \S+\.yaml \(/.test(p) && /caused by values key /.test(p);
    if (!keyed && !object) return `a problem that names no key: ${p.slice(0, 300)}`;
  }
  return undefined;
}

/** Runs one case in this process: parse (for texts), load, synthesize with every check. */
export function runCase(c: FuzzCase): CaseResult {
  const started = Date.now();
  const done = (outcome: Outcome, detail?: string): CaseResult => {
    const ms = Date.now() - started;
    return { outcome: ms > HANG_MS && (outcome === 'accepted' || outcome === 'rejected') ? 'hang' : outcome, ms, detail };
  };
  let source = 'fuzz.yaml';
  try {
    let data: Record<string, unknown>;
    if (c.kind === 'text') {
      source = `fuzz.yaml (${c.label})`;
      data = parseValuesText(decodeValuesText(c.bytes, source), source);
    } else {
      data = c.data;
    }
    const result = synthesize({ environments: [c.env], values: [{ source, data }] });
    for (const [file, text] of result.files) if (text.includes(CANARY)) return done('leak', `${file} holds the canary`);
    return done('accepted');
  } catch (e) {
    if (!(e instanceof PlatformValidationError || e instanceof PlatformConfigError)) {
      return done('crash', `${(e as Error)?.name}: ${(e as Error)?.message?.slice(0, 300)}\n${(e as Error)?.stack?.split('\n').slice(1, 4).join('\n')}`);
    }
    const message = (e as Error).message;
    if (message.includes(CANARY)) return done('leak', message.slice(0, 300));
    const why = e instanceof PlatformConfigError && !(e instanceof PlatformValidationError) ? (message.includes('Fix: ') ? undefined : 'no fix') : unclear(message, c.env);
    return why ? done('unclear', why) : done('rejected');
  }
}

/**
 * Runs one case through the command line (a values file on disk, `synth --env E --values F --out DIR`) onto an
 * existing tree: accepted cases must leave exactly the new files, rejected ones the old tree, byte for byte.
 */
export function runCaseThroughCli(c: FuzzCase, seedTree: string): CaseResult {
  const started = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-cli-'));
  const out = path.join(dir, 'charts-out');
  fs.cpSync(seedTree, out, { recursive: true });
  const before = snapshot(out);
  const file = path.join(dir, 'values.yaml');
  fs.writeFileSync(file, c.kind === 'text' ? c.bytes : Buffer.from(JSON.stringify(c.data)));
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  let stderr = '';
  process.stdout.write = (() => true) as any;
  process.stderr.write = ((s: string) => { stderr += String(s); return true; }) as any;
  let code: number;
  try {
    code = synthMain(['--env', c.env, '--values', file, '--out', out]);
  } catch (e) {
    code = -1;
    stderr += String((e as Error).stack);
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
  const after = snapshot(out);
  const leftovers = fs.readdirSync(dir).filter((f) => f.startsWith('.'));
  fs.rmSync(dir, { recursive: true, force: true });
  const ms = Date.now() - started;
  if (code === -1) return { outcome: 'crash', ms, detail: stderr.slice(0, 400) };
  if (stderr.includes(CANARY)) return { outcome: 'leak', ms, detail: stderr.slice(0, 300) };
  if (leftovers.length) return { outcome: 'partial-write', ms, detail: `left ${leftovers.join(', ')}` };
  if (code !== 0) {
    if (JSON.stringify(after) !== JSON.stringify(before)) return { outcome: 'partial-write', ms, detail: 'a rejected synth changed the tree' };
    return { outcome: 'rejected', ms };
  }
  const expected = synthesize({ environments: [c.env], values: [{ source: file, data: c.kind === 'text' ? parseValuesText(decodeValuesText(c.bytes, file), file) : c.data }] });
  for (const [f, text] of expected.files) if (after[f] !== text) return { outcome: 'partial-write', ms, detail: `${f} differs from the synth` };
  for (const f of Object.keys(after)) {
    if (!expected.files.has(f) && expected.roots.some((r) => f.startsWith(`${r}/`))) return { outcome: 'partial-write', ms, detail: `stale ${f}` };
    if (!expected.roots.some((r) => f.startsWith(`${r}/`)) && after[f] !== before[f]) return { outcome: 'partial-write', ms, detail: `${f} outside the environment changed` };
  }
  return { outcome: 'accepted', ms };
}

function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(listFiles(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

/** The repository's committed charts-out/, the seed tree for CLI cases. */
export const REPO_OUTPUT = path.resolve(__dirname, '..', '..', 'charts-out');

