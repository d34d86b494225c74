import { parseArgs, ParseArgsConfig } from 'util';
import { PlatformConfigError, PlatformValidationError } from '../core/errors';

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
export function runSynthCommand(body: () => number): number {
  try {
    return body();
  } catch (e) {
    if (e instanceof PlatformValidationError || e instanceof PlatformConfigError) {
      process.stderr.write(`synth failed.\n${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
