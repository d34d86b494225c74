#!/usr/bin/env node
// `npm run bench`: the full synth against the framework floor.
//
// Headline: the full synth (the command line exactly as `npm run synth` runs it: package.json's `synth` script,
// run by sh with the arguments appended as npm does, i.e. scripts/cli.sh starting Node from the startup snapshot of
// the freshness-checked bundle of scripts/cli-bundle.js; every environment, every check) into an EMPTY folder, against a bare Node
// process that only loads cdk8s, cdk8s-plus-28 and constructs. A fresh Node process each time; after one warm-up
// of each, PAIRS interleaved pairs (floor, synth, floor, synth, ...) so both see the same moments of a shared,
// noisy machine; the ratio is the median of the per-pair ratios (wall; CPU the same way). Target: at most 2.0x.
// Also: the phase breakdown (median per phase), the wall time of `npm run synth` as a newcomer runs it (first
// run after install: bundle built, no code cache; then a second run), and the scale probe (N environments
// generated from prod, bench/scale.ts): time and memory for 1, 10, 25 and 50 environments.
//
// Environment: PAIRS (default 9), SCALE=0 skips the scale probe, NEWCOMER=0 skips the npm run synth timing.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const bundle = require('../scripts/cli-bundle.js');

const root = path.resolve(__dirname, '..');
const pairs = Math.max(3, parseInt(process.env.PAIRS || '9', 10));
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
// The empty output folder of the headline synth: on tmpfs (/dev/shm) when there is one, so that the disk traffic
// of other processes on a shared machine does not decide the ratio (writing 450 files took 50 ms on tmpfs and
// 230-800 ms on the shared disk at the same moment); BENCH_OUT=DIR chooses. The same synth into an empty folder on
// the disk is reported on its own line.
const tmpfs = fs.existsSync('/dev/shm') && fs.statSync('/dev/shm').isDirectory() ? '/dev/shm' : os.tmpdir();
const outBase = fs.mkdtempSync(path.join(process.env.BENCH_OUT || tmpfs, 'bench-out-'));
const timingsFile = path.join(scratch, 'timings.json');
const launcher = path.join(root, 'scripts', 'cli-bundle.js');

const med = (xs) => { const v = [...xs].sort((a, b) => a - b); const n = v.length; return n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2; };
const ms = (x) => `${x.toFixed(0)} ms`;

function spawn(args, env = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(args[0], args.slice(1), { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { wall, stdout: r.stdout };
}

// The floor reports its own CPU time and peak RSS on its last line.
const FLOOR = `require('cdk8s'); require('cdk8s-plus-28'); require('constructs');
  const c = process.cpuUsage(); process.stdout.write(JSON.stringify({ cpuMs: (c.user + c.system) / 1000, maxRssKiB: process.resourceUsage().maxRSS }));`;
function floor() {
  const r = spawn([process.execPath, '-e', FLOOR]);
  return { wall: r.wall, ...JSON.parse(r.stdout) };
}

// package.json's synth script, as npm runs it (`sh -c '<script> <args>'`), without npm's own start-up.
const SYNTH_SCRIPT = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.synth;
const quote = (a) => `'${a.replace(/'/g, "'\\''")}'`;

function synth(base = outBase, env = {}) {
  const out = fs.mkdtempSync(path.join(base, 'out-'));
  fs.rmSync(timingsFile, { force: true });
  const r = spawn(['sh', '-c', `${SYNTH_SCRIPT} --out ${quote(out)}`], { ...env, CLI_TIMINGS_FILE: timingsFile });
  const t = JSON.parse(fs.readFileSync(timingsFile, 'utf8'));
  fs.rmSync(out, { recursive: true, force: true });
  return { wall: r.wall, cpuMs: t.cpuMs, maxRssKiB: t.maxRssKiB, timings: t };
}

// The bundle (and its startup snapshot) must be fresh before timing starts (a rebuild is the newcomer's cost,
// measured separately).
const reason = bundle.staleness('synth') || (fs.existsSync(bundle.paths('synth').blob) ? null : 'no startup snapshot');
if (reason) { process.stderr.write(`building the synth bundle first (${reason})\n`); bundle.build('synth'); }

floor(); synth(); // warm-up (also writes the V8 code cache)
const runs = [];
for (let i = 0; i < pairs; i++) runs.push({ floor: floor(), synth: synth() });

const ratio = med(runs.map((r) => r.synth.wall / r.floor.wall));
const cpuRatio = med(runs.map((r) => r.synth.cpuMs / r.floor.cpuMs));
const floorMs = med(runs.map((r) => r.floor.wall));
const synthMs = med(runs.map((r) => r.synth.wall));
console.log(`node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}; ${pairs} interleaved pairs after one warm-up each`);
console.log(`framework floor (node: require cdk8s, cdk8s-plus-28, constructs): median ${ms(floorMs)}, CPU ${ms(med(runs.map((r) => r.floor.cpuMs)))}, max RSS ${(med(runs.map((r) => r.floor.maxRssKiB)) / 1024).toFixed(0)} MiB  [${runs.map((r) => r.floor.wall.toFixed(0)).join(', ')}]`);
const started = runs.every((r) => r.synth.timings['compile bundle'] === undefined) ? 'from the startup snapshot' : 'from the bundle (no usable startup snapshot)';
console.log(`full synth (${SYNTH_SCRIPT}: ${started}; every environment, every check, empty folder): median ${ms(synthMs)}, CPU ${ms(med(runs.map((r) => r.synth.cpuMs)))}, max RSS ${(med(runs.map((r) => r.synth.maxRssKiB)) / 1024).toFixed(0)} MiB  [${runs.map((r) => r.synth.wall.toFixed(0)).join(', ')}]`);
console.log(`output folder: ${outBase} (empty for every synth)`);
console.log(`RATIO synth / floor: ${ratio.toFixed(2)}x wall, ${cpuRatio.toFixed(2)}x CPU (median of per-pair ratios; target: at most 2.0x wall)  per pair: [${runs.map((r) => (r.synth.wall / r.floor.wall).toFixed(2)).join(', ')}]`);

// Phase breakdown: medians over the timed synths. "node start + launcher" is what the wall time has beyond the
// phases the launcher and the program time themselves.
const phaseNames = [];
for (const r of runs) {
  for (const k of Object.keys(r.synth.timings)) if (!['phases', 'run', 'cpuMs', 'maxRssKiB'].includes(k) && !phaseNames.includes(k)) phaseNames.push(k);
}
const programPhases = [];
for (const r of runs) for (const k of Object.keys(r.synth.timings.phases)) if (!programPhases.includes(k)) programPhases.push(k);
const rows = [];
for (const k of phaseNames) rows.push([k, med(runs.map((r) => r.synth.timings[k] || 0))]);
// The checks run as cdk8s validations inside the render phase: shown on their own, render without them.
const NESTED = { render: ['schema check', 'reference checks'] };
const own = (r, k) => (r.synth.timings.phases[k] || 0) - (NESTED[k] || []).reduce((a, n) => a + (r.synth.timings.phases[n] || 0), 0);
for (const k of programPhases) rows.push([`  ${k}${NESTED[k] ? ' (without the checks)' : ''}`, med(runs.map((r) => own(r, k)))]);
rows.push(['  (rest of main: argument parsing, Applications/duplicate checks, messages)', med(runs.map((r) => r.synth.timings.run - programPhases.reduce((a, k) => a + own(r, k), 0)))]);
rows.push(['sh, node start (with the snapshot), launcher, exit', med(runs.map((r) => r.synth.wall - r.synth.timings.run - phaseNames.reduce((a, k) => a + (r.synth.timings[k] || 0), 0)))]);
console.log('phase breakdown of the synth (medians, ms):');
for (const [k, v] of rows) console.log(`  ${k.padEnd(78)} ${v.toFixed(0).padStart(6)}`);

{
  // The same, with the empty output folder on the shared disk (os.tmpdir()).
  const disk = [];
  for (let i = 0; i < Math.min(5, pairs); i++) disk.push({ floor: floor(), synth: synth(scratch) });
  console.log(`same synth into an empty folder on the disk (${os.tmpdir()}): median ${ms(med(disk.map((r) => r.synth.wall)))}, write phase ${ms(med(disk.map((r) => r.synth.timings.phases.write || 0)))}, ratio ${med(disk.map((r) => r.synth.wall / r.floor.wall)).toFixed(2)}x (${disk.length} interleaved pairs)`);
}

{
  // The same, without the startup snapshot (CLI_SNAPSHOT=0: the bundle through its V8 code cache).
  const bare = [];
  for (let i = 0; i < Math.min(5, pairs); i++) bare.push({ floor: floor(), synth: synth(outBase, { CLI_SNAPSHOT: '0' }) });
  console.log(`same synth without the startup snapshot (CLI_SNAPSHOT=0, the bundle with its code cache): median ${ms(med(bare.map((r) => r.synth.wall)))}, ratio ${med(bare.map((r) => r.synth.wall / r.floor.wall)).toFixed(2)}x (${bare.length} interleaved pairs)`);
}

if (process.env.NEWCOMER !== '0') {
  // `npm run synth` as the README says, into the repository's charts-out/ (up to date: nothing is written).
  // First run: a bundle folder of its own, empty, as after `npm ci` (bundle built, no code cache yet).
  const fresh = path.join(scratch, 'newcomer-bundle');
  const first = spawn(['npm', 'run', '--silent', 'synth'], { CLI_BUNDLE_DIR: fresh, CLI_BUNDLE_QUIET: '1' });
  const second = spawn(['npm', 'run', '--silent', 'synth'], { CLI_BUNDLE_DIR: fresh });
  const again = [second.wall, spawn(['npm', 'run', '--silent', 'synth'], { CLI_BUNDLE_DIR: fresh }).wall, spawn(['npm', 'run', '--silent', 'synth'], { CLI_BUNDLE_DIR: fresh }).wall];
  console.log(`npm run synth as a newcomer runs it (wall, incl. npm): first run ${ms(first.wall)} (builds the bundle and its startup snapshot), then median ${ms(med(again))} [${again.map((x) => x.toFixed(0)).join(', ')}]`);
}

if (process.env.SCALE !== '0') {
  if (bundle.staleness('scale')) bundle.build('scale');
  const scaleRun = (count) => {
    const out = path.join(outBase, `scale-${count}`);
    fs.rmSync(timingsFile, { force: true });
    const r = spawn([process.execPath, '--expose-gc', launcher, 'run', 'scale', '--count', String(count), '--out', out], { CLI_TIMINGS_FILE: timingsFile });
    fs.rmSync(out, { recursive: true, force: true });
    const t = JSON.parse(fs.readFileSync(timingsFile, 'utf8'));
    return { wall: r.wall, ...JSON.parse(r.stdout.trim().split('\n').pop()), maxRssKiB: t.maxRssKiB };
  };
  scaleRun(1); // warm-up (code cache)
  const counts = [1, 10, 25, 50];
  const results = counts.map((n) => {
    // two runs each, interleaved order would cost minutes; the median of two is their mean
    const a = scaleRun(n);
    const b = scaleRun(n);
    return { n, wall: (a.wall + b.wall) / 2, synthMs: (a.synthMs + b.synthMs) / 2, writeMs: (a.writeMs + b.writeMs) / 2, rssMiB: Math.max(a.maxRssKiB, b.maxRssKiB) / 1024, heapMiB: Math.max(a.heapAfterMiB, b.heapAfterMiB), files: a.files };
  });
  const one = results[0];
  console.log(`scale: N environments generated from prod (distinct names, namespaces, domains, suffixes), every check, written into an empty folder on ${path.dirname(outBase)} (wall of the whole process; mean of 2 runs):`);
  for (const r of results) {
    console.log(`  N=${String(r.n).padStart(2)}: ${ms(r.wall).padStart(8)} (${(r.wall / one.wall).toFixed(1)}x of one; synth ${ms(r.synthMs)}, write ${ms(r.writeMs)}), ${r.files} files, max RSS ${r.rssMiB.toFixed(0)} MiB, live heap after synth ${r.heapMiB.toFixed(0)} MiB`);
  }
  const last = results[results.length - 1];
  const perEnv = (last.heapMiB - one.heapMiB) / (last.n - one.n);
  const mid = results[1];
  const predicted = one.heapMiB + perEnv * (mid.n - one.n);
  console.log(`  50 environments: ${(last.wall / one.wall).toFixed(1)}x the time of one (target: at most 10x); live heap ${perEnv.toFixed(2)} MiB per environment, N=${mid.n} predicted from that line ${predicted.toFixed(0)} MiB, measured ${mid.heapMiB.toFixed(0)} MiB (linear)`);
}
fs.rmSync(scratch, { recursive: true, force: true });
fs.rmSync(outBase, { recursive: true, force: true });
