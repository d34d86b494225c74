#!/usr/bin/env node
/**
 * Command line: a semantic, per-object diff between the committed output and a fresh synth, as markdown.
 *
 *   npm run diff                          committed charts-out/ (HEAD) → fresh synth
 *   npm run diff -- --base origin/main    charts-out/ at a git ref → fresh synth
 *   npm run diff -- --base-dir DIR        a directory of output → fresh synth
 *   npm run diff -- --env prod            one environment (and its Applications)
 *
 * Secret values are never printed. Exit codes: 0 done (whether or not anything changed), 1 synth failed,
 * 2 usage error or unreadable base.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ENVIRONMENT_NAMES } from '../src/config/values';
import { parseCommandLine, runSynthCommand, selectEnvironments } from './cli';
import { diffOutputs, readTreeAtRef, renderDiffMarkdown, repoPath } from './reports/diff';
import { synthesize } from '../src/output/synth';
import { listFiles } from '../src/output/write';
import { PlatformConfigError } from '../src/core/errors';

const USAGE = `usage: diff [--base REF | --base-dir DIR] [--out DIR] [--env NAME]...
  --base REF      git revision whose committed output is the base (default: HEAD)
  --base-dir DIR  a directory of output to use as the base instead of git
  --out DIR       the output directory inside the repository (default: charts-out)
  --env NAME      limit to environments (${ENVIRONMENT_NAMES.join(', ')}); default: all`;

export function main(argv: readonly string[]): number {
  const parsed = parseCommandLine(argv, {
    'base': { type: 'string' },
    'base-dir': { type: 'string' },
    'out': { type: 'string', default: 'charts-out' },
    'env': { type: 'string', multiple: true },
  }, USAGE);
  if (typeof parsed === 'number') return parsed;
  const args = parsed.values;
  if (args.base && args['base-dir']) { process.stderr.write(`--base and --base-dir exclude each other\n${USAGE}\n`); return 2; }
  const environments = selectEnvironments(args.env);
  if (typeof environments === 'number') return environments;

  let base: Map<string, string>;
  let baseName: string;
  try {
    if (args['base-dir']) {
      const dir = path.resolve(args['base-dir']);
      if (!fs.existsSync(dir)) throw new PlatformConfigError(`--base-dir ${dir}`, 'does not exist', 'name a directory that holds a charts-out tree');
      base = new Map(listFiles(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
      baseName = args['base-dir'];
    } else {
      const ref = args.base ?? 'HEAD';
      const out = path.resolve(args.out);
      const { top, rel } = repoPath(fs.existsSync(out) ? out : path.dirname(out));
      const inRepo = fs.existsSync(out) ? rel : path.posix.join(rel, path.basename(out));
      base = readTreeAtRef(top, ref, inRepo);
      baseName = `${inRepo}/ at ${ref}`;
    }
  } catch (e) {
    process.stderr.write(`cannot read the base output: ${(e as Error).message.trim()}\n`);
    return 2;
  }
  return runSynthCommand(() => {
    const result = synthesize({ environments: environments.length ? environments : undefined });
    const under = (f: string) => result.roots.some((r) => f.startsWith(`${r}/`));
    const baseInScope = new Map([...base].filter(([f]) => under(f)));
    const diff = diffOutputs(baseInScope, result.files);
    process.stdout.write(`${renderDiffMarkdown(diff, `Synth diff: ${baseName} → fresh synth`)}\n`);
    return 0;
  });
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
