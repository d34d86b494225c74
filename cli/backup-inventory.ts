#!/usr/bin/env node
/**
 * Prints (or writes) the backup inventory of one environment: every stateful volume of the synthesized objects
 * with what backs it up. Exit 1 when a volume has no backup and is not accepted (the synth fails the same way).
 *
 *   npm run backup-inventory -- --env prod [--values FILE]... [--out docs/backup-inventory-prod.md]
 *
 * Exit codes: 0 success, 1 invalid input or an unprotected volume, 2 usage error.
 */
import * as fs from 'fs';
import { App } from 'cdk8s';
import { parseCommandLine, readValuesFiles, runSynthCommand, selectOneEnvironment } from './cli';
import { ENVIRONMENT_NAMES, loadEnvironment, LoadEnvironmentOptions } from '../src/config/values';
import { DataPlatform } from '../src/platform/data-platform';
import { Backups } from '../src/components/backup/backup';
import { renderApp } from '../src/output/render';
import { PlatformConfigError } from '../src/core/errors';

const USAGE = `usage: backup-inventory --env NAME [--values FILE]... [--out FILE]
  --env NAME     the environment (${ENVIRONMENT_NAMES.join(', ')})
  --values FILE  YAML overlay deep-merged onto the environment (repeatable, in order)
  --out FILE     write the markdown report to FILE instead of printing it`;

/** The inventory report of one environment (renders the App, so the inventory check runs as in the synth). */
export function backupInventory(name: string, values: LoadEnvironmentOptions['values'] = []): string {
  const env = loadEnvironment(name, { values });
  const app = new App({ outdir: '.tmp/unused' });
  const platform = new DataPlatform(app, env.name, { environment: env, gitops: false });
  const backups = platform.components.get('backup') as Backups | undefined;
  if (!backups) throw new PlatformConfigError(`environment '${env.name}'`, 'the backups are disabled (components.backup.enabled: false)', 'enable them to get an inventory');
  renderApp(app, env.name);
  return backups.inventoryReport();
}

export function main(argv: readonly string[]): number {
  const parsed = parseCommandLine(argv, { env: { type: 'string' }, values: { type: 'string', multiple: true }, out: { type: 'string' } }, USAGE);
  if (typeof parsed === 'number') return parsed;
  const args = parsed.values;
  const selected = selectOneEnvironment(args.env, USAGE);
  if (typeof selected === 'number') return selected;
  return runSynthCommand(() => {
    const report = backupInventory(selected, readValuesFiles(args.values));
    if (args.out) fs.writeFileSync(args.out, report);
    else process.stdout.write(report);
    return 0;
  }, 'backup-inventory failed.');
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
