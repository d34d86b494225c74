/**
 * What every command line of the project (synth, diff, parity, graph, policy-check) shares: option parsing with
 * --help and usage errors (exit 2), environment selection, values files, and exit code 1 for invalid input.
 */
import { parseArgs, ParseArgsConfig } from 'util';
import { PlatformConfigError, PlatformValidationError } from '../src/core/errors';
import { ENVIRONMENT_NAMES, readValuesFile } from '../src/config/values';

/** Parsed command-line values and positionals, or the exit code to return (2 on a usage error, 0 for --help). */
export function parseCommandLine<O extends NonNullable<ParseArgsConfig['options']>>(argv: readonly string[], options: O, usage: string, allowPositionals = false):
  { values: ReturnType<typeof parseArgs<{ options: O; allowPositionals: boolean; strict: true }>>['values']; positionals: string[] } | number {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean', default: false } }, strict: true, allowPositionals });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${usage}\n`);
    return 2;
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  return parsed as any;
}

/** Runs a command body: a failed synth (invalid input, failed checks) prints its message and gives exit code 1. */
export function runSynthCommand(body: () => number, failure = 'synth failed.'): number {
  try {
    return body();
  } catch (e) {
    if (e instanceof PlatformValidationError || e instanceof PlatformConfigError) {
      process.stderr.write(`${failure}\n${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

/**
 * The environments named by `--env` (repeatable, or comma-separated), each of which must be defined; an empty
 * list means all. An unknown name prints the defined ones and gives exit code 2.
 */
export function selectEnvironments(values: readonly string[] | undefined): string[] | number {
  const names = (values ?? []).flatMap((e) => e.split(',')).map((e) => e.trim()).filter(Boolean);
  const unknown = names.filter((e) => !ENVIRONMENT_NAMES.includes(e));
  if (unknown.length > 0) {
    process.stderr.write(`unknown environment ${unknown.map((e) => `'${e}'`).join(', ')}. Fix: use one of ${ENVIRONMENT_NAMES.join(', ')}\n`);
    return 2;
  }
  return names;
}

/** The one environment `--env` names (exactly one); prints the problem with `usage` and returns 2 otherwise. */
export function selectOneEnvironment(env: string | undefined, usage: string): string | number {
  const selected = selectEnvironments(env === undefined ? [] : [env]);
  if (typeof selected === 'number') return selected;
  if (selected.length !== 1) { process.stderr.write(`--env names one environment\n${usage}\n`); return 2; }
  return selected[0];
}

/** Reads `--values` files, in order (a file that cannot be read or parsed throws a PlatformValidationError). */
export function readValuesFiles(sources: readonly string[] | undefined): Array<{ source: string; data: Record<string, unknown> }> {
  return (sources ?? []).map((source) => ({ source, data: readValuesFile(source) }));
}
