import * as fc from 'fast-check';
import { fuzzCase, REPO_OUTPUT, runCase, runCaseThroughCli } from './fuzz/harness';

/**
 * regression (issue 18, point 11): a property-based fuzz test of the values input. Seeded, so a failure is
 * reproducible (`npm run fuzz -- --seed 1811 --cases N` runs the same generator longer).
 */
describe('regression: values fuzz (fast-check, seeded)', () => {
  test('every generated overlay or values file is accepted and passes every check, or is rejected with a clear PlatformValidationError; never a crash, hang or leak', () => {
    const outcomes: Record<string, number> = {};
    runCase({ kind: 'overlay', env: 'dev', data: {} }); // warm-up: loading and compiling are not a hang
    const cpu = process.cpuUsage();
    const started = Date.now();
    fc.assert(fc.property(fuzzCase, (c) => {
      const r = runCase(c);
      outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
      if (r.outcome !== 'accepted' && r.outcome !== 'rejected') throw new Error(`${r.outcome}: ${r.detail}`);
    }), { numRuns: 250, seed: 1811, endOnFailure: true });
    const used = process.cpuUsage(cpu);
    console.log(`fuzz: 250 cases ${JSON.stringify(outcomes)} in ${Date.now() - started} ms wall, ${((used.user + used.system) / 1000).toFixed(0)} ms CPU`);
    expect(outcomes.accepted).toBeGreaterThan(10);
    expect(outcomes.rejected).toBeGreaterThan(100);
    expect((used.user + used.system) / 1000).toBeLessThan(10000);
  }, 120000);

  test('through the command line onto a copy of charts-out/: a rejected synth leaves the tree byte for byte, an accepted one writes exactly its files', () => {
    const outcomes: Record<string, number> = {};
    fc.assert(fc.property(fuzzCase, (c) => {
      const r = runCaseThroughCli(c, REPO_OUTPUT);
      outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
      if (r.outcome !== 'accepted' && r.outcome !== 'rejected') throw new Error(`${r.outcome}: ${r.detail}`);
    }), { numRuns: 4, seed: 1812, endOnFailure: true });
    expect(Object.keys(outcomes).sort()).toEqual(expect.arrayContaining(['rejected']));
  }, 120000);
});
