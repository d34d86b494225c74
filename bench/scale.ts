/**
 * Scale probe for `npm run bench`: synthesizes N environments generated from prod (distinct names, namespaces,
 * domains and shared-object suffixes, so every check and the cross-environment Application check see N real
 * environments) with every check, and writes them into an empty folder unless `--no-write`. Bundled and run
 * like the synth (`scripts/cli-bundle.js`, entry `scale`), prints one JSON line.
 *
 *   node scripts/cli-bundle.js run scale --count 50 --out DIR [--no-write]
 */
import * as path from 'path';
import { prod } from '../src/presets/prod';
import { minioWithoutOffClusterCopy } from '../src/presets/base';
import type { EnvironmentInput } from '../src/config/schema';
import { synthesize } from '../src/output/synth';
import { writeTree } from '../src/output/write';

/** N copies of prod that differ in everything that must be unique per environment. */
export function environmentsFromProd(count: number): EnvironmentInput[] {
  return Array.from({ length: count }, (_, i) => {
    const id = `p${String(i + 1).padStart(2, '0')}`;
    const namespace = `data-platform-${id}`;
    // Volume keys name the namespace, so each copy accepts its own MinIO volume (prod's names data-platform's).
    const components = { ...prod.components, backup: { ...prod.components?.backup, unprotectedVolumes: minioWithoutOffClusterCopy(namespace) } };
    // One Application owns each shared namespace (monitoring, velero, ...): the first copy.
    const gitops = { ...prod.gitops, ownSharedNamespaces: i === 0 };
    return { ...prod, name: id, namespace, domain: `${id}.254carbon.com`, sharedObjectSuffix: `-${id}`, components, gitops };
  });
}

export function main(argv: readonly string[]): number {
  const arg = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
  const count = parseInt(arg('--count') ?? '1', 10);
  const out = arg('--out');
  const started = process.hrtime.bigint();
  const result = synthesize({ environments: environmentsFromProd(count) });
  const synthMs = Number(process.hrtime.bigint() - started) / 1e6;
  let writeMs = 0;
  if (out && !argv.includes('--no-write')) {
    const t = process.hrtime.bigint();
    writeTree(path.resolve(out), result.files, result.roots);
    writeMs = Number(process.hrtime.bigint() - t) / 1e6;
  }
  // The live heap while the whole result is still referenced (after a full GC when run with --expose-gc).
  (globalThis as { gc?: () => void }).gc?.();
  const heapAfterMiB = process.memoryUsage().heapUsed / 1024 / 1024;
  process.stdout.write(`${JSON.stringify({ count, objects: result.objects.length, files: result.files.size, synthMs, writeMs, heapAfterMiB })}\n`);
  return 0;
}
