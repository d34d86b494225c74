/**
 * `npm run fuzz [-- --cases N] [--seed S] [--cli-every K]`: a longer fuzz campaign of the values input (see
 * harness.ts). Prints the figures: cases, accepted, rejected, crashes, unclear messages, hangs, partial writes, leaks;
 * and the first examples of each failure. Exit 1 when any failure was found.
 */
import * as fc from 'fast-check';
import { parseArgs } from 'util';
import { CaseResult, fuzzCase, Outcome, REPO_OUTPUT, runCase, runCaseThroughCli } from './harness';

const { values } = parseArgs({ options: { cases: { type: 'string', default: '3000' }, seed: { type: 'string', default: '18' }, 'cli-every': { type: 'string', default: '25' } } });
const cases = Number(values.cases);
const seed = Number(values.seed);
const cliEvery = Number(values['cli-every']);

const counts: Record<Outcome, number> = { accepted: 0, rejected: 0, crash: 0, unclear: 0, hang: 0, 'partial-write': 0, leak: 0 };
const examples: Partial<Record<Outcome, string[]>> = {};
let cli = 0;
let slowest = 0;
// Warm-up (module loading and the first synth's compilation are not a hang of any case).
runCase({ kind: 'overlay', env: 'dev', data: {} });
const started = Date.now();
const samples = fc.sample(fuzzCase, { numRuns: cases, seed });
samples.forEach((c, i) => {
  if (process.env.FUZZ_TRACE) process.stderr.write(`case ${i}: ${c.kind === 'text' ? c.label : JSON.stringify(c.data).slice(0, 300)} (${c.env})\n`);
  const results: CaseResult[] = [runCase(c)];
  if (cliEvery > 0 && i % cliEvery === 0) {
    cli++;
    results.push(runCaseThroughCli(c, REPO_OUTPUT));
  }
  for (const r of results) {
    slowest = Math.max(slowest, r.ms);
    counts[r.outcome]++;
    if (!['accepted', 'rejected'].includes(r.outcome)) {
      const list = (examples[r.outcome] ??= []);
      if (list.length < 3) list.push(`case ${i}: ${c.kind === 'text' ? c.label : JSON.stringify(c.data).slice(0, 200)} (${c.env}) -> ${r.detail}`);
    }
  }
  if ((i + 1) % 500 === 0) process.stderr.write(`${i + 1}/${cases} cases...\n`);
});
const seconds = (Date.now() - started) / 1000;
const failures = counts.crash + counts.unclear + counts.hang + counts['partial-write'] + counts.leak;
process.stdout.write([
  `values fuzz campaign: seed ${seed}, ${cases} cases (${cli} also through the command line onto a copy of charts-out/) in ${seconds.toFixed(1)} s, slowest case ${slowest} ms`,
  `  accepted (every check passed): ${counts.accepted}`,
  `  rejected with a clear message:  ${counts.rejected}`,
  `  crashes:                        ${counts.crash}`,
  `  unclear messages:               ${counts.unclear}`,
  `  hangs (> 5 s):                  ${counts.hang}`,
  `  partial writes:                 ${counts['partial-write']}`,
  `  leaks (a secret echoed):        ${counts.leak}`,
  ...Object.entries(examples).flatMap(([k, list]) => [`${k}:`, ...list!.map((l) => `  ${l}`)]),
  '',
].join('\n'));
process.exitCode = failures > 0 ? 1 : 0;
