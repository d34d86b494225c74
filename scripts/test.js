#!/usr/bin/env node
// `npm test`: the static checks (scripts/check.js: the type check of one tsc program over the library, command
// line, tests, bench, examples, conformance and e2e, then ESLint's typed rules on that same program) and jest,
// started together so that the two cores are busy the whole time (the checks are single-threaded; jest's two
// workers idle at its start and at its tail). jest's output streams as it runs; that of the checks is printed
// when they end. Exit 1 when any part fails; the summary names each part, its
// wall time and its exit status. Arguments are passed to jest (`npm test -- test/trino.test.ts`).
//
// The real-server suites (PostgreSQL, MinIO, redis-server) are not part of this run: `npm run test:servers`
// (jest.servers.config.js), which .ci/run runs.
'use strict';
const { spawn } = require('child_process');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const bin = (pkg, file) => path.join(path.dirname(require.resolve(`${pkg}/package.json`, { paths: [ROOT] })), file);

const parts = [
  // tsc's type check and ESLint's typed rules over one program (see the file).
  { name: 'check', args: [path.join(__dirname, 'check.js')], buffered: true },
  { name: 'jest', args: [bin('jest', 'bin/jest.js'), ...process.argv.slice(2)], buffered: false },
];

const started = Date.now();
const runs = parts.map((part) => new Promise((resolve) => {
  const t0 = Date.now();
  const child = spawn(process.execPath, part.args, {
    cwd: ROOT,
    stdio: part.buffered ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    // The checks colour their output when it goes to a terminal; keep that when ours does.
    env: part.buffered && process.stdout.isTTY ? { ...process.env, FORCE_COLOR: '1' } : process.env,
  });
  let output = '';
  if (part.buffered) {
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
  }
  child.on('error', (e) => { output += `${e.message}\n`; });
  child.on('close', (code, signal) => {
    const seconds = (Date.now() - t0) / 1000;
    if (output.trim()) process.stdout.write(`\n== ${part.name} (exit ${code ?? signal})\n${output}${output.endsWith('\n') ? '' : '\n'}`);
    resolve({ name: part.name, ok: code === 0, status: code ?? signal, seconds });
  });
}));

Promise.all(runs).then((results) => {
  const line = results.map((r) => `${r.name} ${r.ok ? 'ok' : `FAILED (exit ${r.status})`} ${r.seconds.toFixed(1)} s`).join(', ');
  process.stdout.write(`\nnpm test: ${line}; ${((Date.now() - started) / 1000).toFixed(1)} s in all\n`);
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
});
