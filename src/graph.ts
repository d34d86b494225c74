#!/usr/bin/env node
/**
 * Prints the network graph of one environment as a Mermaid flowchart (the README shows prod's).
 *
 *   npm run graph -- --env prod
 *
 * Exit codes: 0 success, 1 invalid input, 2 usage error.
 */
import { App } from 'cdk8s';
import { parseArgs } from 'util';
import { mermaidGraph } from './components/network/mermaid';
import { PlatformConfigError, PlatformValidationError } from './core/errors';
import { ENVIRONMENT_NAMES, loadEnvironment, LoadEnvironmentOptions, readValuesFile } from './environments/values';
import { DataPlatform } from './platform/data-platform';

const USAGE = `usage: graph --env NAME [--values FILE]...
  --env NAME     the environment (${ENVIRONMENT_NAMES.join(', ')})
  --values FILE  YAML overlay deep-merged onto the environment (repeatable, in order)`;

/** The Mermaid text of one environment's graph. */
export function environmentGraph(name: string, values: LoadEnvironmentOptions['values'] = []): string {
  const env = loadEnvironment(name, { values });
  const app = new App({ outdir: '.tmp/unused' });
  const platform = new DataPlatform(app, env.name, { environment: env, gitops: false });
  return mermaidGraph(env, platform.graph);
}

export function main(argv: readonly string[]): number {
  let args;
  try {
    args = parseArgs({ args: [...argv], options: { env: { type: 'string' }, values: { type: 'string', multiple: true } }, strict: true, allowPositionals: false }).values;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (!args.env || !ENVIRONMENT_NAMES.includes(args.env)) {
    process.stderr.write(`${args.env ? `unknown environment '${args.env}'` : '--env is required'}\n${USAGE}\n`);
    return 2;
  }
  try {
    const values = (args.values ?? []).map((source) => ({ source, data: readValuesFile(source) }));
    process.stdout.write(environmentGraph(args.env, values));
    return 0;
  } catch (e) {
    if (e instanceof PlatformValidationError || e instanceof PlatformConfigError) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
