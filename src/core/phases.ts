/**
 * Wall time per synth phase, summed over environments, for `npm run bench` (the phase breakdown). Kept on a
 * process-wide symbol so the bundled command line's launcher (`scripts/cli-bundle.js`) can read it without
 * importing the bundle's modules. Costs two `hrtime` calls per phase and environment.
 */
const KEY = Symbol.for('254carbon.synth-phases');
type Totals = Record<string, number>;

function totals(): Totals {
  const g = globalThis as unknown as Record<symbol, Totals | undefined>;
  return (g[KEY] ??= {});
}

/** Runs `fn`, adding its wall time to `phase`. */
export function timed<T>(phase: string, fn: () => T): T {
  const started = process.hrtime.bigint();
  try {
    return fn();
  } finally {
    const t = totals();
    t[phase] = (t[phase] ?? 0) + Number(process.hrtime.bigint() - started) / 1e6;
  }
}

/** The phase times (ms) recorded so far in this process. */
export function phaseTimings(): Readonly<Record<string, number>> {
  return { ...totals() };
}
