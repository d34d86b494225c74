#!/usr/bin/env node
/**
 * Command line: compares a directory of rendered manifests (e.g. `helm template` output, or the reference pack)
 * with one environment's synthesized output, as a markdown report.
 *
 *   npm run parity -- DIR                                   prod, report on stdout
 *   npm run parity -- DIR --env staging --out report.md
 *   npm run parity -- DIR --explanations docs/parity-explanations.yaml
 *
 * Exit codes: 0 no selector differs, 1 a selector differs (that would force a re-create) or the synth failed,
 * 2 usage error or unreadable input.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { ENVIRONMENT_NAMES, loadEnvironment } from '../src/config/values';
import { parseCommandLine, runSynthCommand, selectOneEnvironment } from './cli';
import { loadManifestDir, keyOf } from './reports/objects';
import { compareParity, Explanation, Explanations, isImmutableSelectorDifference, renderParityMarkdown } from './reports/parity';
import { synthesize } from '../src/output/synth';
import { PlatformConfigError } from '../src/core/errors';

export const DEFAULT_EXPLANATIONS = 'docs/parity-explanations.yaml';

const USAGE = `usage: parity DIR [--env NAME] [--explanations FILE] [--out FILE]
  DIR                 directory of rendered manifests (*.yaml, multi-document), read recursively
  --env NAME          environment to compare with (${ENVIRONMENT_NAMES.join(', ')}; default: prod)
  --explanations FILE explanations of known differences (default: ${DEFAULT_EXPLANATIONS} when it exists)
  --out FILE          write the report there instead of stdout`;

export function main(argv: readonly string[]): number {
  const parsed = parseCommandLine(argv, {
    'env': { type: 'string', default: 'prod' },
    'explanations': { type: 'string' },
    'out': { type: 'string' },
  }, USAGE, true);
  if (typeof parsed === 'number') return parsed;
  const args = parsed.values;
  if (parsed.positionals.length !== 1) { process.stderr.write(`expected one directory\n${USAGE}\n`); return 2; }
  const envName = selectOneEnvironment(args.env, USAGE);
  if (typeof envName === 'number') return envName;
  const dir = path.resolve(parsed.positionals[0]);

  let explanations: Explanations;
  let reference;
  try {
    if (!fs.statSync(dir).isDirectory()) throw new PlatformConfigError(dir, 'is not a directory', 'name the directory of rendered manifests to compare with');
    reference = loadManifestDir(dir);
    const file = args.explanations ?? (fs.existsSync(DEFAULT_EXPLANATIONS) ? DEFAULT_EXPLANATIONS : undefined);
    const entries = file ? (parse(fs.readFileSync(file, 'utf8')) ?? {}) as Record<string, Explanation> : {};
    explanations = new Explanations(entries);
  } catch (e) {
    process.stderr.write(`cannot read the input: ${(e as Error).message}\n`);
    return 2;
  }
  return runSynthCommand(() => {
    const env = loadEnvironment(envName);
    const result = synthesize({ environments: [envName] });
    const ours = result.objects.map((o) => ({ key: keyOf(o.manifest), source: o.path, manifest: o.manifest }));
    const parity = compareParity(reference, ours, env.namespace);
    const command = `npm run parity -- <reference-dir> --env ${envName}${args.out ? ` --out ${args.out}` : ''}`;
    const report = renderParityMarkdown(parity, explanations, { reference: path.basename(dir), env: envName, command });
    if (args.out) {
      fs.mkdirSync(path.dirname(path.resolve(args.out)), { recursive: true });
      fs.writeFileSync(args.out, `${report}\n`);
    } else {
      process.stdout.write(`${report}\n`);
    }
    const selectors = parity.differences.filter(isImmutableSelectorDifference);
    for (const d of selectors) process.stderr.write(`selector differs: ${d.key}: reference {${d.reference}} vs synthesized {${d.synthesized}}\n`);
    return selectors.length > 0 ? 1 : 0;
  });
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
