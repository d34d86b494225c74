import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { swapMethod } from '../src/output/exchange';
import { listFiles } from '../src/output/write';

// The startup snapshot of the synth (scripts/cli-bundle.js, SNAPSHOTS) and its starter scripts/cli.sh, which
// `npm run synth` and cdk8s.yaml run. The synth itself runs from the project's own bundle folder; how the snapshot
// is built, started, refused and rebuilt is checked with a small program in the synth's place (CLI_ENTRY_SYNTH) in a
// bundle folder of its own, which builds in a fraction of the time.
const ROOT = path.join(__dirname, '..');
const LAUNCHER = path.join(ROOT, 'scripts', 'cli-bundle.js');
const CHARTS = path.join(ROOT, 'charts-out');

/** `sh scripts/cli.sh synth ARGS` as npm runs it; which way it ran, from the timings the launcher writes. */
function cliSh(args: string[], env: Record<string, string | undefined>, timings: string) {
  fs.rmSync(timings, { force: true });
  const r = spawnSync('sh', [path.join(ROOT, 'scripts', 'cli.sh'), 'synth', ...args], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '', CLI_SNAPSHOT: '', CLI_BUNDLE_QUIET: '', ...env, CLI_TIMINGS_FILE: timings },
  });
  const t = fs.existsSync(timings) ? JSON.parse(fs.readFileSync(timings, 'utf8')) : {};
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, snapshot: t.run !== undefined && t['compile bundle'] === undefined && t['bundle rebuild'] === undefined };
}

describe('the synth from its startup snapshot (scripts/cli.sh)', () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'snapshot-out-'));
  const timings = path.join(scratch, 'timings.json');
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
  const synth = (args: string[], env: Record<string, string | undefined> = {}) => cliSh(args, env, timings);

  test('regression: the synth started from the snapshot writes exactly charts-out/, and --check passes', () => {
    // the first start builds the bundle and its snapshot when they are stale (a fresh clone), then runs the bundle
    expect(synth(['--out', CHARTS, '--check'])).toMatchObject({ code: 0 });
    const out = path.join(scratch, 'out');
    const r = synth(['--out', out]);
    expect(r.stderr).toBe('');
    expect(r).toMatchObject({ code: 0, snapshot: true });
    const files = listFiles(out);
    expect(files).toEqual(listFiles(CHARTS));
    for (const f of files) expect(fs.readFileSync(path.join(out, f), 'utf8')).toBe(fs.readFileSync(path.join(CHARTS, f), 'utf8'));
    // the program's own exit codes and messages come through: a usage error is exit 2
    expect(synth(['--env', 'nope', '--out', out])).toMatchObject({ code: 2, snapshot: true, stderr: expect.stringMatching(/nope/) });
  }, 60_000);

  test('the snapshot\'s synth replaces an existing output by the atomic exchange, as the bundle does', () => {
    // Killed at `moved-old` only when the output is replaced by two renames (the exchange has no such phase): the
    // exchange's native module is loaded at run time, not left out of the snapshot.
    const out = path.join(scratch, 'out');
    fs.writeFileSync(path.join(out, 'dev', 'stale.yaml'), 'kind: Stale\n'); // so that the tree is written again
    const r = synth(['--out', out, '--no-baseline'], { PLATFORM_SYNTH_KILL_AT: 'moved-old' });
    if (swapMethod().method === 'exchange') expect(r).toMatchObject({ code: 0, snapshot: true });
    else expect(r.code).not.toBe(0);
    expect(fs.existsSync(path.join(out, 'dev', 'stale.yaml'))).toBe(r.code !== 0);
  }, 60_000);
});

describe('the startup snapshot: built, started, refused and rebuilt (a small program as the synth)', () => {
  const probeDir = (fs.mkdirSync(path.join(ROOT, '.tmp'), { recursive: true }), fs.mkdtempSync(path.join(ROOT, '.tmp', 'snapshot-test-')));
  const bundles = fs.mkdtempSync(path.join(os.tmpdir(), 'snapshot-bundles-'));
  const timings = path.join(bundles, 'timings.json');
  const entry = path.join(probeDir, 'entry.ts');
  const blob = path.join(bundles, 'synth.blob');
  const manifest = path.join(bundles, 'synth.json');
  const env = { CLI_ENTRY_SYNTH: path.relative(ROOT, entry), CLI_BUNDLE_DIR: bundles };
  afterAll(() => {
    fs.rmSync(probeDir, { recursive: true, force: true });
    fs.rmSync(bundles, { recursive: true, force: true });
  });
  // The warm-up runs main(['--out', <new folder>]); a usage error is exit 2, as the synth's. The program counts
  // its runs in the process: from the snapshot the first run of a process is its second (the warm-up was first).
  const program = (word: string) => `let runs = 0;
export function main(argv: string[]): number {
  runs++;
  if (argv.includes('--no-such-option')) { process.stderr.write('usage: probe\\n'); return 2; }
  process.stdout.write('${word} run ' + runs + ': ' + argv.filter((a) => a !== '--out' && !a.includes('snapshot-warmup')).join(' '));
  return 0;
}\n`;
  /** Which way a start went: a usage error (exit 2) after the bundle or the snapshot was loaded. */
  const probe = (extra: Record<string, string | undefined> = {}) => {
    const r = cliSh(['--no-such-option'], { ...env, ...extra }, timings);
    expect(r.code).toBe(2);
    return { snapshot: r.snapshot };
  };

  test('built with the bundle, from the node that runs it, after a warm-up run of the program; then started from it', () => {
    fs.writeFileSync(entry, program('one'));
    const r = spawnSync(process.execPath, [LAUNCHER, 'build', 'synth'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(fs.statSync(blob).size).toBeGreaterThan(1_000_000);
    const [node, flags, v8flags] = fs.readFileSync(`${blob}.node`, 'utf8').split('\n');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(v8flags).toBe(require('../scripts/cli-bundle.js').SNAPSHOT_V8_FLAGS.join(' '));
    expect(v8flags).toContain('--no-rehash-snapshot');
    expect(node).toBe(process.execPath);
    expect(flags).toBe(fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'latin1').split('\n').find((l) => /^flags\s*:/.test(l)) : '');
    // the program ran once before the snapshot was taken (its functions are compiled in it): this is its second run
    expect(cliSh(['a', 'b'], env, timings)).toMatchObject({ code: 0, snapshot: true, stdout: 'one run 2: a b', stderr: '' });
    expect(cliSh(['a'], { ...env, CLI_SNAPSHOT: '0' }, timings)).toMatchObject({ code: 0, snapshot: false, stdout: 'one run 1: a' });
  }, 60_000);

  test.each([
    ['CLI_SNAPSHOT=0', { CLI_SNAPSHOT: '0' }],
    ['NODE_OPTIONS with a V8 flag (V8 refuses the snapshot then)', { NODE_OPTIONS: '--max-old-space-size=3000' }],
  ])('falls back to the launcher: %s', (_, extra) => {
    expect(probe(extra)).toEqual({ snapshot: false });
  }, 60_000);

  test('falls back to the launcher when the blob is of another node binary or CPU, older than the binary, or missing', () => {
    const node = `${blob}.node`;
    const saved = fs.readFileSync(node, 'utf8');
    try {
      fs.writeFileSync(node, '/bin/sh\n');
      expect(probe()).toEqual({ snapshot: false });
      // another CPU (V8 would refuse the snapshot, and exit 14)
      const [, cpu, v8flags] = saved.split('\n');
      fs.writeFileSync(node, `${process.execPath}\nflags\t: fpu\n${v8flags}\n`);
      expect(probe()).toEqual({ snapshot: false });
      // a record without the V8 flags line (written by an older launcher)
      fs.writeFileSync(node, `${process.execPath}\n${cpu}\n`);
      expect(probe()).toEqual({ snapshot: false });
      fs.writeFileSync(node, saved);
      expect(probe()).toEqual({ snapshot: true });
      const { atime, mtime } = fs.statSync(blob);
      fs.utimesSync(blob, new Date(0), new Date(0)); // older than the node binary: node may have been replaced
      expect(probe()).toEqual({ snapshot: false });
      fs.utimesSync(blob, atime, mtime);
      fs.renameSync(blob, `${blob}.aside`);
      expect(probe()).toEqual({ snapshot: false });
      fs.renameSync(`${blob}.aside`, blob);
      expect(probe()).toEqual({ snapshot: true });
    } finally {
      fs.writeFileSync(node, saved);
      if (fs.existsSync(`${blob}.aside`)) fs.renameSync(`${blob}.aside`, blob);
    }
  }, 60_000);

  test('regression: a snapshot of another bundle is never run; a changed input rebuilds the bundle and its snapshot first', () => {
    const saved = fs.readFileSync(manifest, 'utf8');
    // another bundle on disk than the one the snapshot was built from: the bundle runs
    fs.writeFileSync(manifest, JSON.stringify({ ...JSON.parse(saved), bundle: 'another' }));
    expect(probe()).toEqual({ snapshot: false });
    fs.writeFileSync(manifest, saved);
    expect(probe()).toEqual({ snapshot: true });
    // the program changed: the snapshot's main function hands over to the launcher, which rebuilds both first
    fs.writeFileSync(entry, program('two'));
    const blobBefore = fs.statSync(blob).mtimeMs;
    const r = cliSh(['c'], env, timings);
    expect(r).toMatchObject({ code: 0, snapshot: false, stdout: 'two run 1: c' });
    expect(r.stderr).toMatch(/\(re\)building the synth bundle: .*entry\.ts changed/);
    expect(fs.statSync(blob).mtimeMs).toBeGreaterThan(blobBefore);
    expect(cliSh(['d'], env, timings)).toMatchObject({ code: 0, snapshot: true, stdout: 'two run 2: d', stderr: '' });
  }, 60_000);

  test('started from the snapshot with glibc\'s malloc on transparent huge pages, after the tunables already set', () => {
    fs.writeFileSync(entry, 'export function main(): number { process.stdout.write(String(process.env.GLIBC_TUNABLES)); return 0; }\n');
    expect(cliSh([], { ...env, GLIBC_TUNABLES: '' }, timings)).toMatchObject({ code: 0, snapshot: false }); // rebuilt first
    expect(cliSh([], { ...env, GLIBC_TUNABLES: '' }, timings)).toMatchObject({ code: 0, snapshot: true, stdout: 'glibc.malloc.hugetlb=1' });
    expect(cliSh([], { ...env, GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }, timings))
      .toMatchObject({ code: 0, snapshot: true, stdout: 'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1' });
    // the launcher's way is left as it is
    expect(cliSh([], { ...env, GLIBC_TUNABLES: '', CLI_SNAPSHOT: '0' }, timings)).toMatchObject({ code: 0, snapshot: false, stdout: '' });
  }, 60_000);
});
