#!/usr/bin/env node
// Benchmark: the full synth of every environment (compiled JS, a fresh Node process per run) against
// the time Node takes only to load the dependencies. Medians of RUNS runs after one warm-up of each.
// Run with `npm run bench` (it compiles first). Environment: RUNS (default 7).
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const runs = Math.max(5, parseInt(process.env.RUNS || '11', 10));
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-out-'));
const main = path.join(root, 'lib', 'cli', 'synth.js');
if (!fs.existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);

// "Only loading the dependencies" = requiring exactly the node_modules files a full synth loads (discovered
// by one synth run), and nothing of the project's own code.
const discover = spawnSync(process.execPath, ['-e', `
  const code = require(${JSON.stringify(main)}).main(['--out', ${JSON.stringify(out)}]);
  if (code !== 0) process.exit(code);
  process.stdout.write('\\n' + JSON.stringify(Object.keys(require.cache).filter((f) => f.includes('/node_modules/'))));`], { cwd: root, encoding: 'utf8' });
if (discover.status !== 0) throw new Error(`synth failed: ${discover.stderr}`);
const deps = JSON.parse(discover.stdout.trim().split('\n').pop());
const loadOnly = `
  for (const f of ${JSON.stringify(deps)}) require(f);
  process.stdout.write(JSON.stringify({ rssKiB: process.resourceUsage().maxRSS }));`;
const fullSynth = `
  const code = require(${JSON.stringify(main)}).main(['--out', ${JSON.stringify(out)}]);
  if (code !== 0) process.exit(code);
  process.stdout.write(JSON.stringify({ rssKiB: process.resourceUsage().maxRSS }));`;

function once(script) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`benchmark child failed (${r.status}): ${r.stderr}`);
  const last = r.stdout.trim().split('\n').pop();
  return { ms, rssKiB: JSON.parse(last.slice(last.indexOf('{'))).rssKiB };
}

const med = (xs) => { const v = [...xs].sort((a, b) => a - b); return v[Math.floor(v.length / 2)]; };

// Warm-up, then the two measurements interleaved (load, synth, load, synth, ...), so that both see the same
// moments of a shared, noisy machine; the ratio is the median of the per-pair ratios.
once(loadOnly);
once(fullSynth);
const pairs = Array.from({ length: runs }, () => ({ load: once(loadOnly), synth: once(fullSynth) }));
const load = { ms: med(pairs.map((p) => p.load.ms)), rssMiB: med(pairs.map((p) => p.load.rssKiB)) / 1024, all: pairs.map((p) => p.load.ms.toFixed(0)) };
const synth = { ms: med(pairs.map((p) => p.synth.ms)), rssMiB: med(pairs.map((p) => p.synth.rssKiB)) / 1024, all: pairs.map((p) => p.synth.ms.toFixed(0)) };
const ratio = med(pairs.map((p) => p.synth.ms / p.load.ms));
const files = (function count(d) { return fs.readdirSync(d, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? count(path.join(d, e.name)) : 1), 0); })(out);
fs.rmSync(out, { recursive: true, force: true });
console.log(`runs: ${runs} (after one warm-up each), node ${process.version}, ${os.cpus().length} cores; ${deps.length} dependency modules`);
console.log(`load dependencies only : median ${load.ms.toFixed(0)} ms  (max RSS ${load.rssMiB.toFixed(0)} MiB)  [${load.all.join(', ')}]`);
console.log(`full synth, all envs   : median ${synth.ms.toFixed(0)} ms  (max RSS ${synth.rssMiB.toFixed(0)} MiB)  [${synth.all.join(', ')}]  ${files} files`);
console.log(`ratio synth / load     : ${ratio.toFixed(2)}x  (median of the ${runs} interleaved pairs; target: within 2x)`);
