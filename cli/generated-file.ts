import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

/**
 * Writes a generated file, or with `check` compares it with the committed one: 0 when fresh (or written), 1 with
 * the fix on stderr when stale.
 */
export function writeOrCheck(file: string, text: string, check: boolean, command: string): number {
  const rel = path.relative(ROOT, file);
  if (check) {
    const committed = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (committed !== text) {
      process.stderr.write(`${rel} is stale. Fix: run ${command} and commit the result\n`);
      return 1;
    }
    process.stdout.write(`${rel} is fresh.\n`);
    return 0;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  process.stdout.write(`wrote ${rel} (${text.length} bytes)\n`);
  return 0;
}

/** Runs a command-line `main`: its return value is the exit code; an error prints its message (no stack) and exits 1. */
export function runMain(main: (argv: readonly string[]) => number): void {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
