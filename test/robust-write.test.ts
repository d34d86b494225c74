import { spawn, spawnSync } from 'child_process';
import { buildSync } from 'esbuild';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { swapMethod } from '../src/output/exchange';
import { EXCHANGE_PHASES, listFiles, recoverOutput, resolveOutputDir, sideNames, WRITE_PHASES, writeTree } from '../src/output/write';

const ROOT = path.resolve(__dirname, '..');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'robust-write-'));

/**
 * The child (test/fixtures/write-child.ts with the writer it imports) bundled once for this file by esbuild, as the
 * command line runs bundled (scripts/cli-bundle.js): a dozen children then start in a tenth of a second of CPU
 * each instead of half a second under tsx's loader.
 */
// Inside the checkout (.cache/ is git-ignored), so that koffi, a native module kept out of the bundle as the CLI
// bundle keeps it out, resolves from node_modules as it does for the synth.
fs.mkdirSync(path.join(ROOT, '.cache'), { recursive: true });
const CHILD = path.join(fs.mkdtempSync(path.join(ROOT, '.cache', 'robust-write-')), 'write-child.js');
buildSync({ entryPoints: [path.join(ROOT, 'test', 'fixtures', 'write-child.ts')], outfile: CHILD, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'error', external: ['koffi'] });
afterAll(() => fs.rmSync(path.dirname(CHILD), { recursive: true, force: true }));

/** The generation every file of `root` carries, or a description of why the tree is not one whole generation. */
function generationOf(out: string, root: string, count = 120): string {
  const files = listFiles(out).filter((f) => f.startsWith(`${root}/`));
  const gens = new Set(files.map((f) => /^gen: (\S+)/.exec(fs.readFileSync(path.join(out, f), 'utf8'))?.[1]));
  if (files.length !== count) return `incomplete: ${files.length} files`;
  if (gens.size !== 1) return `mixed: ${[...gens].join(',')}`;
  return [...gens][0]!;
}

/** The child's node arguments: plain node running the bundle, so a signal reaches the writer itself. */
const childArgs = (out: string, gen: string, roots: string) => [CHILD, out, gen, roots];

function runChild(out: string, gen: string, env: Record<string, string> = {}, roots = 'dev') {
  return spawnSync(process.execPath, childArgs(out, gen, roots), { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
}

/** The same tree as the child writes, written in this process. */
function writeGeneration(out: string, gen: string, root = 'dev') {
  const files = new Map<string, string>();
  for (let i = 0; i < 120; i++) files.set(`${root}/c${i % 7}/ConfigMap.f${i}.yaml`, `gen: ${gen}\nroot: ${root}\ni: ${i}\n`);
  writeTree(out, files, [root]);
}

/** What a fresh run leaves beside the output: nothing but the folder itself. */
const leftovers = (out: string) => fs.readdirSync(path.dirname(out)).filter((f) => f.startsWith(`.${path.basename(out)}.`));

/** An old tree (with a foreign folder the synth does not own), and a child writing a new one, SIGKILLed at `phase`. */
function killDuring(phase: string, env: Record<string, string> = {}) {
  const out = path.join(tmp(), 'charts-out');
  writeGeneration(out, 'old');
  fs.mkdirSync(path.join(out, 'foreign'));
  fs.writeFileSync(path.join(out, 'foreign', 'keep.txt'), 'kept\n');
  const killed = runChild(out, 'new', { ...env, PLATFORM_SYNTH_KILL_AT: phase });
  expect(killed.signal).toBe('SIGKILL');
  return { out, work: sideNames(out).work };
}

/**
 * Recovers as the next run would, then checks: the tree is `expected`, the foreign folder survived, nothing is
 * left beside the folder, and the next write proceeds (the dead writer's lock is stale) and leaves nothing behind.
 */
function recoverAndContinue(out: string, work: string, expected: string) {
  const hadWork = fs.existsSync(work);
  const recovered = recoverOutput(resolveOutputDir(out));
  if (hadWork) expect(recovered).toEqual(expect.any(String));
  else expect(recovered).toBeUndefined();
  expect(generationOf(out, 'dev')).toBe(expected);
  expect(fs.readFileSync(path.join(out, 'foreign', 'keep.txt'), 'utf8')).toBe('kept\n');
  expect(leftovers(out).filter((f) => !f.endsWith('.lock'))).toEqual([]);
  writeGeneration(out, 'third');
  expect(generationOf(out, 'dev')).toBe('third');
  expect(leftovers(out)).toEqual([]);
}

/** Two renames instead of the atomic exchange (the fallback where renameat2 is missing), for a child. */
const NO_EXCHANGE = { PLATFORM_SYNTH_NO_EXCHANGE: '1' };
const exchange = swapMethod();
const onLinux = process.platform === 'linux';

describe('output writer: crash-safe replace', () => {
  test('the atomic exchange is available on Linux (koffi installed, renameat2 bound)', () => {
    if (!onLinux) {
      process.stdout.write(`skipped: ${process.platform} has no renameat2; the writer uses two renames and a journal\n`);
      return;
    }
    expect(exchange).toEqual({ method: 'exchange' });
  });

  test.each(EXCHANGE_PHASES)('regression: a synth killed (SIGKILL) at phase %s of an atomic exchange leaves the old tree or the new one at every moment, and the next run recovers', (phase) => {
    if (exchange.method !== 'exchange') {
      process.stdout.write(`skipped: no atomic exchange here (${exchange.reason})\n`);
      return;
    }
    const { out, work } = killDuring(phase);
    // Right after the kill, before any recovery: the folder is one whole generation, whatever the phase.
    // Up to the journal the exchange has not happened; from `swapped` on it has.
    const before = generationOf(out, 'dev');
    expect(before).toBe(['swapped', 'done'].includes(phase) ? 'new' : 'old');
    recoverAndContinue(out, work, before);
  }, 30000);

  /**
   * A watcher process stats `probe` in a tight loop while `swaps` runs; resolves to how often it polled and how often
   * `probe` was missing.
   */
  function watchWhile(probe: string, swaps: () => void): Promise<{ polls: number; missing: number }> {
    const stop = path.join(tmp(), 'stop');
    const watcher = spawn(process.execPath, ['-e', `
      const fs = require('fs'); let polls = 0, missing = 0;
      const [probe, stop] = process.argv.slice(-2);
      fs.writeFileSync(stop + '.ready', '');
      const pause = new Int32Array(new SharedArrayBuffer(4));
      // Every 0.2 ms (the gap of the two renames lasts the 60 ms pause of the moved-old phase), without spinning a core.
      while (!fs.existsSync(stop)) { polls++; if (!fs.existsSync(probe)) missing++; Atomics.wait(pause, 0, 0, 0.2); }
      process.stdout.write(JSON.stringify({ polls, missing }));`, probe, stop], { stdio: ['ignore', 'pipe', 'inherit'] });
    let report = '';
    watcher.stdout.on('data', (d) => { report += d; });
    // 'close', not 'exit': 'exit' may come before the child's last output has been read (seen on a slow host).
    const exited = new Promise((r) => watcher.on('close', r));
    try {
      for (let i = 0; i < 200 && !fs.existsSync(`${stop}.ready`); i++) spawnSync('sleep', ['0.05']);
      expect(fs.existsSync(`${stop}.ready`)).toBe(true);
      swaps();
    } finally {
      fs.writeFileSync(stop, '');
    }
    return exited.then(() => JSON.parse(report) as { polls: number; missing: number });
  }

  // With two renames and a pause at each phase the watcher must see the gap (the control: the watcher can fail);
  // with the exchange it never may.
  test.each([
    ['two renames (the control: the gap is seen)', NO_EXCHANGE, true],
    ['the atomic exchange (never missing)', {}, false],
  ] as const)('regression: a reader polling charts-out/ during slow swaps by %s', (_name, env, expectGap) => {
    if (!expectGap && exchange.method !== 'exchange') {
      process.stdout.write(`skipped: no atomic exchange here (${exchange.reason})\n`);
      return;
    }
    const out = path.join(tmp(), 'charts-out');
    writeGeneration(out, 'g0');
    return watchWhile(path.join(out, 'dev', 'c0', 'ConfigMap.f0.yaml'), () => {
      for (let round = 1; round <= 2; round++) {
        const r = runChild(out, `g${round}`, { ...env, PLATFORM_SYNTH_DELAY_MS: '60' });
        expect(r.status).toBe(0);
        expect(generationOf(out, 'dev')).toBe(`g${round}`);
      }
    }).then(({ polls, missing }) => {
      // At least a hundred polls (the watcher really watched), then: some missing with two renames, none with the exchange.
      expect(`${polls} polls, ${missing} missing`).toMatch(expectGap ? /^\d{3,} polls, [1-9]\d* missing$/ : /^\d{3,} polls, 0 missing$/);
      expect(leftovers(out)).toEqual([]);
    });
  }, 60000);

  test('an existing empty output folder is replaced by one rename(2): never missing, its mode kept, no exchange and no second rename', () => {
    const out = path.join(tmp(), 'charts-out');
    fs.mkdirSync(out);
    fs.chmodSync(out, 0o750);
    // The exchange is disabled: a swap by two renames would pass `moved-old`, where the child is killed.
    return watchWhile(out, () => {
      const r = runChild(out, 'g1', { ...NO_EXCHANGE, PLATFORM_SYNTH_DELAY_MS: '60', PLATFORM_SYNTH_KILL_AT: 'moved-old' });
      expect({ status: r.status, signal: r.signal }).toEqual({ status: 0, signal: null });
    }).then(({ polls, missing }) => {
      expect(`${polls} polls, ${missing} missing`).toMatch(/^\d{3,} polls, 0 missing$/);
      expect(generationOf(out, 'dev')).toBe('g1');
      expect(fs.statSync(out).mode & 0o777).toBe(0o750);
      expect(leftovers(out)).toEqual([]);
      // The control: the folder is not empty any more, so the next swap takes the two renames and is killed there.
      fs.mkdirSync(path.join(out, 'foreign'));
      fs.writeFileSync(path.join(out, 'foreign', 'keep.txt'), 'kept\n');
      expect(runChild(out, 'g2', { ...NO_EXCHANGE, PLATFORM_SYNTH_KILL_AT: 'moved-old' }).signal).toBe('SIGKILL');
      // Killed between the two renames, with the journal written: the recovery completes the swap.
      recoverAndContinue(out, sideNames(out).work, 'g2');
    });
  }, 60000);

  test.each(WRITE_PHASES)('regression: a synth killed (SIGKILL) at phase %s of a two-rename swap (no exchange) leaves the old tree or the new one, and the next run recovers and leaves nothing behind', (phase) => {
    const { out, work } = killDuring(phase, NO_EXCHANGE);
    // Right after the kill: the path holds the old tree or the new one, except between the two renames, where
    // the journal names the complete new tree (and any reader's recovery puts it in place).
    if (phase === 'moved-old') {
      expect(fs.existsSync(out)).toBe(false);
      expect(fs.existsSync(path.join(work, 'journal'))).toBe(true);
      expect(generationOf(path.join(work, 'new'), 'dev')).toBe('new');
    } else {
      expect(['old', 'new']).toContain(generationOf(out, 'dev'));
    }
    // Before the first rename the staging is dropped (roll back); after it the swap is completed (roll forward).
    recoverAndContinue(out, work, ['moved-old', 'swapped', 'done'].includes(phase) ? 'new' : 'old');
  }, 30000);

  test('regression: synths killed at random moments (slow writes) always leave a complete tree after recovery', async () => {
    const parent = tmp();
    const out = path.join(parent, 'charts-out');
    writeGeneration(out, 'g0');
    const seen = new Set<string>();
    for (let round = 1; round <= 4; round++) {
      const child = spawn(process.execPath, childArgs(out, `g${round}`, 'dev'), { cwd: ROOT, env: { ...process.env, PLATFORM_SYNTH_DELAY_MS: '150' }, stdio: 'ignore' });
      // Listening from the start: a child that finishes before the kill has exited already.
      const exited = new Promise((r) => child.on('exit', r));
      // The bundled child starts in about 0.1 s and its seven phases take 7 x 150 ms: kills between 0.5 and 1 s.
      await new Promise((r) => setTimeout(r, 300 + round * 170));
      child.kill('SIGKILL');
      await exited;
      recoverOutput(resolveOutputDir(out));
      const g = generationOf(out, 'dev');
      expect([`g${round - 1}`, `g${round}`, ...[...seen]]).toContain(g);
      seen.add(g);
      // Make the old generation known for the next round.
      writeGeneration(out, `g${round}`);
    }
    expect(leftovers(out).filter((f) => !f.endsWith('.lock'))).toEqual([]);
  }, 60000);

  test('regression: two writers at once into one folder (roots dev and prod) keep both updates and never mix a tree', async () => {
    const parent = tmp();
    const out = path.join(parent, 'charts-out');
    const start = (gen: string, roots: string) => new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, childArgs(out, gen, roots), { cwd: ROOT, env: { ...process.env, PLATFORM_SYNTH_DELAY_MS: '40' } });
      let stderr = '';
      child.stderr.on('data', (d) => { stderr += d; });
      child.on('close', (code) => resolve({ code, stderr })); // after stderr is read to its end
    });
    const waits: string[] = [];
    for (let round = 0; round < 2; round++) {
      const [a, b] = await Promise.all([start(`d${round}`, 'dev'), start(`p${round}`, 'prod')]);
      expect(a.code).toBe(0);
      expect(b.code).toBe(0);
      waits.push(a.stderr + b.stderr);
      expect(generationOf(out, 'dev')).toBe(`d${round}`);
      expect(generationOf(out, 'prod')).toBe(`p${round}`);
    }
    expect(waits.join('')).toMatch(/waiting for another synth \(pid \d+, since .*\) to finish writing .*charts-out \(lock .*\.charts-out\.lock\)/);
    expect(leftovers(out)).toEqual([]);
  }, 60000);
});

test('regression: `synth --env dev` and `synth --env prod` at once into one charts-out: both overlays land, staging untouched, both exit 0', async () => {
  const parent = tmp();
  const out = path.join(parent, 'charts-out');
  fs.cpSync(path.join(ROOT, 'charts-out'), out, { recursive: true });
  const before = Object.fromEntries(listFiles(out).map((f) => [f, fs.readFileSync(path.join(out, f), 'utf8')]));
  const overlay = (name: string, worker: number) => {
    const f = path.join(parent, `${name}.yaml`);
    fs.writeFileSync(f, `components:\n  dolphinscheduler:\n    replicas:\n      worker: ${worker}\n`);
    return f;
  };
  const synth = (env: string, values: string) => new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, 'cli', 'synth.ts'), '--env', env, '--values', values, '--out', out],
      { cwd: ROOT, env: { ...process.env, PLATFORM_SYNTH_DELAY_MS: '150' } });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (code) => resolve({ code, stderr })); // after stderr is read to its end
  });
  const [dev, prod] = await Promise.all([synth('dev', overlay('dev', 7)), synth('prod', overlay('prod', 9))]);
  expect([dev.code, prod.code]).toEqual([0, 0]);
  expect(dev.stderr + prod.stderr).toContain('waiting for another synth');
  const worker = (env: string) => /replicas: (\d+)/.exec(fs.readFileSync(path.join(out, env, 'dolphinscheduler', 'Deployment.dolphinscheduler-worker.yaml'), 'utf8'))?.[1];
  expect(worker('dev')).toBe('7');
  expect(worker('prod')).toBe('9');
  for (const f of Object.keys(before).filter((x) => x.startsWith('staging/') || x.startsWith('argocd/staging/'))) {
    expect(fs.readFileSync(path.join(out, f), 'utf8')).toBe(before[f]);
  }
  expect(leftovers(out)).toEqual([]);
}, 90000);

describe('output writer: in-process behaviour', () => {
  test('regression: the leftovers of the older writer (a kill between its two renames) are recovered and removed', () => {
    const parent = tmp();
    const out = path.join(parent, 'charts-out');
    writeGeneration(path.join(parent, '.charts-out.new-AbC123'), 'new');
    writeGeneration(path.join(parent, '.charts-out.new-AbC123.old'), 'old');
    writeGeneration(out, 'next');
    expect(generationOf(out, 'dev')).toBe('next');
    expect(fs.readdirSync(parent)).toEqual(['charts-out']);
    fs.rmSync(out, { recursive: true });
    writeGeneration(path.join(parent, '.charts-out.new-XyZ789'), 'new');
    writeGeneration(path.join(parent, '.charts-out.new-XyZ789.old'), 'old');
    expect(recoverOutput(resolveOutputDir(out))).toContain('completed');
    expect(generationOf(out, 'dev')).toBe('new');
    expect(fs.readdirSync(parent)).toEqual(['charts-out']);
  });

  test('a symlinked output folder is written through: the link stays, its target gets the tree', () => {
    const parent = tmp();
    fs.mkdirSync(path.join(parent, 'real'));
    fs.symlinkSync('real', path.join(parent, 'charts-out'));
    writeTree(path.join(parent, 'charts-out'), new Map([['dev/a.yaml', 'a: 1\n']]), ['dev']);
    expect(fs.lstatSync(path.join(parent, 'charts-out')).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(path.join(parent, 'real', 'dev', 'a.yaml'), 'utf8')).toBe('a: 1\n');
    expect(fs.readdirSync(parent).sort()).toEqual(['charts-out', 'real']);
  });
});
