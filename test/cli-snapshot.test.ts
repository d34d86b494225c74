import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { swapMethod } from '../src/output/exchange';
import { listFiles } from '../src/output/write';

// The startup snapshot of the synth (scripts/cli-bundle.js, SNAPSHOTS) and its starter scripts/cli.sh, which
// `npm run synth` and cdk8s.yaml run: built into a bundle folder of its own, then started every way it can be.
const ROOT = path.join(__dirname, '..');
const LAUNCHER = path.join(ROOT, 'scripts', 'cli-bundle.js');
const CHARTS = path.join(ROOT, 'charts-out');

describe('the synth from its startup snapshot (scripts/cli.sh)', () => {
  const bundles = fs.mkdtempSync(path.join(os.tmpdir(), 'snapshot-bundles-'));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'snapshot-out-'));
  const timings = path.join(scratch, 'timings.json');
  const blob = path.join(bundles, 'synth.blob');
  const manifest = path.join(bundles, 'synth.json');
  afterAll(() => {
    fs.rmSync(bundles, { recursive: true, force: true });
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  /** `sh scripts/cli.sh synth ARGS` as npm runs it; which way it ran, from the timings the launcher writes. */
  function synth(args: string[], env: Record<string, string | undefined> = {}) {
    fs.rmSync(timings, { force: true });
    const r = spawnSync('sh', [path.join(ROOT, 'scripts', 'cli.sh'), 'synth', ...args], {
      cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '', CLI_SNAPSHOT: '', CLI_BUNDLE_QUIET: '', ...env, CLI_BUNDLE_DIR: bundles, CLI_TIMINGS_FILE: timings },
    });
    const t = fs.existsSync(timings) ? JSON.parse(fs.readFileSync(timings, 'utf8')) : {};
    return { code: r.status, stdout: r.stdout, stderr: r.stderr, snapshot: t.run !== undefined && t['compile bundle'] === undefined && t['bundle rebuild'] === undefined };
  }
  const check = (env: Record<string, string | undefined> = {}) => synth(['--out', CHARTS, '--check'], env);

  test('built with the bundle, from the node that runs it, after a warm-up run', () => {
    const r = spawnSync(process.execPath, [LAUNCHER, 'build', 'synth'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CLI_BUNDLE_DIR: bundles } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(fs.statSync(blob).size).toBeGreaterThan(5_000_000);
    expect(fs.readFileSync(`${blob}.node`, 'utf8').split('\n')[0]).toBe(process.execPath);
    // the builder script runs the synth once before the snapshot is taken (its functions are compiled in it)
    expect(fs.readFileSync(path.join(bundles, 'synth.snapshot.js'), 'latin1')).toMatch(/main\(args\)[\s\S]*setDeserializeMainFunction/);
  }, 60_000);

  test('regression: the synth started from the snapshot writes exactly charts-out/, and --check passes', () => {
    const out = path.join(scratch, 'out');
    const r = synth(['--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.snapshot).toBe(true);
    const files = listFiles(out);
    expect(files).toEqual(listFiles(CHARTS));
    for (const f of files) expect(fs.readFileSync(path.join(out, f), 'utf8')).toBe(fs.readFileSync(path.join(CHARTS, f), 'utf8'));
    expect(check()).toMatchObject({ code: 0, snapshot: true });
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

  test.each([
    ['CLI_SNAPSHOT=0', { CLI_SNAPSHOT: '0' }],
    ['NODE_OPTIONS with a V8 flag (V8 refuses the snapshot then)', { NODE_OPTIONS: '--max-old-space-size=3000' }],
  ])('falls back to the launcher: %s', (_, env) => {
    expect(check(env)).toMatchObject({ code: 0, snapshot: false });
  }, 60_000);

  test('falls back to the launcher when the blob is of another node binary or CPU, older than the binary, or missing', () => {
    const node = `${blob}.node`;
    const saved = fs.readFileSync(node, 'utf8');
    try {
      fs.writeFileSync(node, '/bin/sh\n');
      expect(check()).toMatchObject({ code: 0, snapshot: false });
      // another CPU (V8 would refuse the snapshot, and exit 14)
      expect(saved.split('\n')[1]).toBe(fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'latin1').split('\n').find((l) => /^flags\s*:/.test(l)) : '');
      fs.writeFileSync(node, `${process.execPath}\nflags\t: fpu\n`);
      expect(check()).toMatchObject({ code: 0, snapshot: false });
      fs.writeFileSync(node, saved);
      expect(check()).toMatchObject({ code: 0, snapshot: true });
      const { atime, mtime } = fs.statSync(blob);
      fs.utimesSync(blob, new Date(0), new Date(0)); // older than the node binary: node may have been replaced
      expect(check()).toMatchObject({ code: 0, snapshot: false });
      fs.utimesSync(blob, atime, mtime);
      fs.renameSync(blob, `${blob}.aside`);
      expect(check()).toMatchObject({ code: 0, snapshot: false });
      fs.renameSync(`${blob}.aside`, blob);
      expect(check()).toMatchObject({ code: 0, snapshot: true });
    } finally {
      fs.writeFileSync(node, saved);
      if (fs.existsSync(`${blob}.aside`)) fs.renameSync(`${blob}.aside`, blob);
    }
  }, 60_000);

  test('regression: a snapshot of another bundle is never run; a stale input rebuilds the bundle and its snapshot first', () => {
    const saved = fs.readFileSync(manifest, 'utf8');
    const m = JSON.parse(saved);
    // another bundle on disk than the one the snapshot was built from: the bundle runs
    fs.writeFileSync(manifest, JSON.stringify({ ...m, bundle: 'another' }));
    expect(check()).toMatchObject({ code: 0, snapshot: false });
    fs.writeFileSync(manifest, saved);
    expect(check()).toMatchObject({ code: 0, snapshot: true });
    // an input recorded with another content: stale, so rebuilt (bundle and snapshot) before anything runs
    const input = Object.keys(m.inputs).find((k) => k.startsWith('src/'))!;
    fs.writeFileSync(manifest, JSON.stringify({ ...m, inputs: { ...m.inputs, [input]: { sha: 'old' } } }));
    const blobBefore = fs.statSync(blob).mtimeMs;
    const r = check();
    expect(r).toMatchObject({ code: 0, snapshot: false });
    expect(r.stderr).toContain(`(re)building the synth bundle: ${input} changed`);
    expect(fs.statSync(blob).mtimeMs).toBeGreaterThan(blobBefore);
    expect(check()).toMatchObject({ code: 0, snapshot: true, stderr: '' });
  }, 120_000);
});
