#!/usr/bin/env node
/**
 * Command line: synthesizes the platform into charts-out/.
 *
 *   npm run synth                                   every environment
 *   npm run synth -- --env prod                     one environment (repeatable, or comma-separated)
 *   npm run synth -- --env prod --values a.yaml     overlays, applied in order (repeatable)
 *   npm run synth -- --check                        synthesize in memory; exit 1 if charts-out/ differs
 *   npm run synth -- --out DIR                      write somewhere else
 *
 * Exit codes: 0 success, 1 invalid input / failed checks / --check found differences, 2 usage error.
 */
import * as path from 'path';
import { parseCommandLine, readValuesFiles, runSynthCommand, selectEnvironments } from './cli';
import { ENVIRONMENT_NAMES } from '../src/config/values';
import { timed } from '../src/core/phases';
import { synthesize } from '../src/output/synth';
import { diffTree, readOutput, writeTree } from '../src/output/write';

const USAGE = `usage: synth [--env NAME]... [--values FILE]... [--out DIR] [--check] [--baseline DIR | --no-baseline]
  --env NAME     environment to synthesize (${ENVIRONMENT_NAMES.join(', ')}); default: all
  --values FILE  YAML overlay deep-merged onto the environment (repeatable, in order; needs --env;
                 not persistent: permanent changes go into src/presets/<env>.ts)
  --out DIR      output directory (default: charts-out)
  --check        do not write; exit 1 if DIR differs from a fresh synth
  --baseline DIR the output Argo CD has applied (default: the output directory): a change to a field Kubernetes
                 fixes at creation fails the synth unless its construct declares it (declareNotInPlace)
  --no-baseline  skip that comparison (only for an output that was never deployed)`;

export function main(argv: readonly string[]): number {
  const parsed = parseCommandLine(argv, {
    'env': { type: 'string', multiple: true },
    'values': { type: 'string', multiple: true },
    'out': { type: 'string', default: 'charts-out' },
    'check': { type: 'boolean', default: false },
    'baseline': { type: 'string' },
    'no-baseline': { type: 'boolean', default: false },
    'cdk8s-cli': { type: 'boolean', default: false },
  }, USAGE);
  if (typeof parsed === 'number') return parsed;
  const args = parsed.values;
  const environments = selectEnvironments(args.env);
  if (typeof environments === 'number') return environments;
  if ((args.values ?? []).length > 0 && environments.length === 0) {
    // An overlay is written for one environment; applied to all three silently it changed prod by accident.
    process.stderr.write(`--values needs --env: name the environment(s) the overlay is for, e.g. --env prod --values ${args.values![0]}. ` +
      'Overlays are not persistent (the next plain `npm run synth` rewrites charts-out/ without them); permanent changes go into src/presets/<env>.ts.\n');
    return 2;
  }
  const outDir = path.resolve(args.out);
  return runSynthCommand(() => {
    const values = readValuesFiles(args.values);
    const started = process.hrtime.bigint();
    const baselineDir = args['no-baseline'] ? undefined : path.resolve(args.baseline ?? outDir);
    const result = synthesize({ environments: environments.length ? environments : undefined, values, baselineDir });
    for (const c of result.notInPlace) {
      process.stderr.write(`note: environment '${c.env}': ${c.kind} ${c.namespace ? `${c.namespace}/` : ''}${c.name} changes ` +
        `${c.changes.map((x) => x.path).join(', ')}, which cannot change in place; declared remedy ${c.remedy} (${c.reason}). ` +
        'Run it before Argo CD syncs this change: npm run takeover -- recreate --env ' + c.env + '\n');
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (args.check) {
      const diff = timed('compare with the tree', () => readOutput(outDir, (real) => diffTree(real, result.files, result.roots)));
      const total = diff.changed.length + diff.missing.length + diff.extra.length;
      if (total > 0) {
        process.stderr.write(`${path.relative(process.cwd(), outDir) || outDir} is stale: ${total} file(s) differ from a fresh synth. Run \`npm run synth\` and commit the result.\n`);
        for (const f of diff.changed) process.stderr.write(`  changed: ${f}\n`);
        for (const f of diff.missing) process.stderr.write(`  missing: ${f}\n`);
        for (const f of diff.extra) process.stderr.write(`  extra:   ${f}\n`);
        return 1;
      }
      process.stdout.write(`${result.files.size} files in ${result.roots.join(', ')} match a fresh synth.\n`);
      return 0;
    }
    const written = timed('write', () => writeTree(outDir, result.files, result.roots));
    if (args['cdk8s-cli'] && process.env.CDK8S_OUTDIR) {
      // `cdk8s synth` expects the app to write into its output folder as well.
      writeTree(path.resolve(process.env.CDK8S_OUTDIR), result.files, result.roots);
    }
    process.stdout.write(`synthesized ${result.objects.length} objects for ${result.roots.join(', ')} into ${path.relative(process.cwd(), outDir) || outDir} in ${ms.toFixed(0)} ms${written ? '' : ' (already up to date: nothing written)'}\n`);
    return 0;
  }, 'synth failed; nothing was written.');
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
