#!/usr/bin/env node
/**
 * Prints the network graph of one environment as a Mermaid flowchart (the README shows prod's).
 *
 *   npm run graph -- --env prod
 *
 * Exit codes: 0 success, 1 invalid input, 2 usage error.
 */
import { App } from 'cdk8s';
import { mermaidGraph } from '../src/platform/network/mermaid';
import { parseCommandLine, readValuesFiles, runSynthCommand, selectOneEnvironment } from './cli';
import { ENVIRONMENT_NAMES, loadEnvironment, LoadEnvironmentOptions } from '../src/config/values';
import { DataPlatform } from '../src/platform/data-platform';

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
  const parsed = parseCommandLine(argv, { env: { type: 'string' }, values: { type: 'string', multiple: true } }, USAGE);
  if (typeof parsed === 'number') return parsed;
  const args = parsed.values;
  const selected = selectOneEnvironment(args.env, USAGE);
  if (typeof selected === 'number') return selected;
  return runSynthCommand(() => {
    process.stdout.write(environmentGraph(selected, readValuesFiles(args.values)));
    return 0;
  }, 'graph failed.');
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
