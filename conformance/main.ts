/**
 * Conformance tier: every synthesized object must be accepted by a real Kubernetes API server
 * in strict mode (server-side dry-run, fieldValidation=Strict).
 *
 *   npx tsx conformance/main.ts [--out charts-out] [--crds DIR]... [--env E]...
 *   npx tsx conformance/main.ts --kubeconfig PATH [--context NAME] [--env E]...
 *   npx tsx conformance/main.ts --self-test [--crds DIR]
 *
 * Exit codes: 0 all accepted, 1 at least one rejection (or a failed self-test),
 * 2 usage or infrastructure error (no output directory, build or start failure, ...).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeVersions, obtainBinaries, REPO_ROOT } from './binaries';
import {
  createNamespaces, dryRun, installCrds, isCrd, mapLimit, missingNamespaces, neededNamespaces,
  ObjectResult, printReport, relativeFile, resolveTargets,
} from './check';
import { KubeClient, statusMessage } from './client';
import { LocalCluster } from './cluster';
import { loadKubeconfig } from './kubeconfig';
import { collectManifests, Manifest, readManifests, yamlFilesUnder } from './manifests';
import { runSelfTest } from './selftest';
import { pairCounterparts, printUpgradeReport, readLiveChoices, readReference, runUpgradeCases, UpgradeCase, UpgradeResult } from './upgrade';

/** Which definition is live where the reference pack defines an object twice. */
export const LIVE_CHOICES = path.join(__dirname, 'upgrade-live.yaml');

export interface Options {
  out: string;
  crds: string[];
  envs: string[];
  kubeconfig?: string;
  context?: string;
  selfTest: boolean;
  keepTmp: boolean;
  concurrency: number;
  report?: string;
  verbose: boolean;
  /** The reference pack the upgrade tier takes the live objects from; undefined: the tier is off. */
  reference?: string;
  noUpgrade: boolean;
}

const USAGE = `usage: npm run conformance -- [options]

Sends every object under <out>/<env>/ and <out>/argocd/ to a real kube-apiserver as a
server-side dry-run with strict field validation, and reports each rejection.

  --out DIR          output tree to check (default: charts-out)
  --env E            only environment E (and argocd/E); repeatable (default: all)
  --crds DIR         install the CRDs found in DIR (*.yaml, multi-document) first; repeatable
  --kubeconfig PATH  check against an existing cluster instead (dry-run only: no CRD
                     installs, no namespace creation; missing namespaces are reported)
  --context NAME     kubeconfig context (default: current-context)
  --self-test        check the fixtures in conformance/fixtures: the good ones must be
                     accepted and each bad one rejected with the expected server message
  --reference DIR    upgrade tier: the old charts' rendered objects that run today (default:
                     ../shared/reference/hmco-6c20054 beside the repository); every object of ours
                     with a counterpart there is sent over it as Argo CD would (kubectl apply,
                     three-way patch; server-side apply where ServerSideApply=true), dry-run, strict
  --no-upgrade       skip the upgrade tier
  --concurrency N    requests in flight (default: 8)
  --report FILE      also write the results as JSON
  --keep-tmp         keep the throwaway cluster's directory (logs, certificates, kubeconfig)
  --verbose          print notes for accepted objects too

Binaries: $KUBE_BIN_DIR/{etcd,kube-apiserver} if KUBE_BIN_DIR is set, otherwise
tools/kube/build.sh builds them from the Go module proxy into
\${KUBE_TOOLS_CACHE:-\${XDG_CACHE_HOME:-~/.cache}/254carbon-tools} (once).`;

class UsageError extends Error {}

export function parseArgs(argv: string[]): Options {
  const o: Options = { out: 'charts-out', crds: [], envs: [], selfTest: false, keepTmp: false, concurrency: 8, verbose: false, noUpgrade: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--': break; // `npm run conformance -- --crds X -- --env E` passes the extra "--" through
      case '--out': o.out = value(); break;
      case '--crds': o.crds.push(value()); break;
      case '--env': o.envs.push(...value().split(',').filter(Boolean)); break;
      case '--kubeconfig': o.kubeconfig = value(); break;
      case '--context': o.context = value(); break;
      case '--self-test': o.selfTest = true; break;
      case '--keep-tmp': o.keepTmp = true; break;
      case '--verbose': case '-v': o.verbose = true; break;
      case '--report': o.report = value(); break;
      case '--reference': o.reference = value(); break;
      case '--no-upgrade': o.noUpgrade = true; break;
      case '--concurrency': {
        o.concurrency = Number(value());
        if (!Number.isInteger(o.concurrency) || o.concurrency < 1) throw new UsageError('--concurrency needs a positive integer');
        break;
      }
      case '-h': case '--help': throw new UsageError('');
      default: throw new UsageError(`unknown argument: ${arg}`);
    }
  }
  if (o.selfTest && o.kubeconfig) throw new UsageError('--self-test runs its own throwaway cluster; drop --kubeconfig');
  if (o.noUpgrade && o.reference) throw new UsageError('--no-upgrade and --reference contradict each other');
  if (!o.noUpgrade && !o.kubeconfig && !o.selfTest && !o.reference) {
    const dflt = path.resolve(REPO_ROOT, '..', 'shared', 'reference', 'hmco-6c20054');
    if (!fs.existsSync(dflt)) throw new UsageError(`the upgrade tier needs the reference pack: pass --reference DIR (no ${dflt}), or --no-upgrade`);
    o.reference = dflt;
  }
  return o;
}

const log = (msg: string) => process.stdout.write(`conformance: ${msg}\n`);
const print = (msg: string) => process.stdout.write(`${msg}\n`);

/** Every CRD document in the given directories (recursively). */
export function readCrdDirs(dirs: string[]): Manifest[] {
  const out: Manifest[] = [];
  for (const dir of dirs) {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`--crds ${dir}: not a directory`);
    const docs = yamlFilesUnder(dir).flatMap((f) => readManifests(f, 'crds'));
    const bad = docs.find((d) => d.problem);
    if (bad) throw new Error(`${relativeFile(bad.file)}: ${bad.problem}`);
    const crds = docs.filter(isCrd);
    if (!crds.length) throw new UsageError(`--crds ${dir}: no CustomResourceDefinition found`);
    out.push(...crds);
  }
  return out;
}

async function checkTree(opts: Options): Promise<number> {
  const started = Date.now();
  const outDir = path.resolve(opts.out);
  const groups = collectManifests(outDir, { envs: opts.envs });
  const all = [...groups.values()].flat();
  if (!all.length) {
    const which = opts.envs.length ? ` for environment(s) ${opts.envs.join(', ')}` : '';
    throw new UsageError(`no YAML objects found under ${relativeFile(outDir)}${which}`);
  }
  log(`${all.length} object(s) in ${groups.size} group(s) under ${relativeFile(outDir)}: ${[...groups.keys()].join(', ')}`);

  let results: ObjectResult[];
  let missing: string[] = [];
  let upgradeCases: UpgradeCase[] = [];
  let upgradeResults: UpgradeResult[] = [];
  let crdsForUpgrade: Manifest[] = [];
  if (opts.kubeconfig) {
    if (opts.crds.length) log('note: --crds is ignored with --kubeconfig (no CRD installs on an existing cluster)');
    const client = new KubeClient(loadKubeconfig(opts.kubeconfig, opts.context));
    try {
      const version = await client.getJson('/version');
      if (version.status !== 200) throw new Error(`${client.server}/version: HTTP ${version.status}: ${statusMessage(version)}`);
      log(`existing cluster ${client.server} (${(version.json as { gitVersion?: string }).gitVersion ?? '?'}), dry-run only`);
      const targets = await resolveTargets(client, all, all, outDir);
      missing = await missingNamespaces(client, neededNamespaces(targets));
      if (missing.length) {
        log(`namespaces missing in the cluster (objects in them are rejected): ${missing.join(', ')}`);
      }
      results = await mapLimit(targets, opts.concurrency, (t) => dryRun(client, t));
    } finally {
      client.close();
    }
  } else {
    const crds = readCrdDirs(opts.crds);
    const binaries = obtainBinaries(log);
    log(describeVersions(binaries));
    const cluster = await LocalCluster.start({ binaries, keepDir: opts.keepTmp, log });
    try {
      const client = cluster.client;
      const fromTree = all.filter(isCrd);
      if (crds.length || fromTree.length) {
        const res = await installCrds(client, [...crds, ...fromTree], log);
        log(`CRDs: ${res.installed.length} Established` +
          `${fromTree.length ? ` (${fromTree.length} from ${relativeFile(outDir)})` : ''}`);
        for (const f of res.failures) log(`  CRD not installed: ${relativeFile(f.manifest.file)}: ${f.message}`);
        const upstreamFailure = res.failures.find((f) => !fromTree.includes(f.manifest));
        if (upstreamFailure) throw new Error(`a CRD from --crds could not be installed: ${relativeFile(upstreamFailure.manifest.file)}`);
      }
      const targets = await resolveTargets(client, all, all, outDir);
      const namespaces = neededNamespaces(targets);
      await createNamespaces(client, namespaces, all, log);
      if (namespaces.length) log(`namespaces created: ${namespaces.join(', ')}`);
      results = await mapLimit(targets, opts.concurrency, (t) => dryRun(client, t));
      if (opts.reference) {
        const reference = readReference(path.resolve(opts.reference));
        const paired = await pairCounterparts({
          ours: groups, reference, referenceDir: path.resolve(opts.reference), outDir,
          apis: { namespaced: async (v, k) => (await client.resourceFor(v, k))?.namespaced },
          liveChoices: readLiveChoices(LIVE_CHOICES),
        });
        if (paired.problems.length) throw new Error(`upgrade tier:\n  ${paired.problems.join('\n  ')}`);
        upgradeCases = paired.cases;
        crdsForUpgrade = [...crds, ...fromTree];
        log(`upgrade tier: ${upgradeCases.length} object(s) of ours have a live counterpart in ${relativeFile(path.resolve(opts.reference))}`);
      }
    } finally {
      await cluster.stop();
    }
    if (upgradeCases.length) {
      upgradeResults = await runUpgradeCases({ binaries, crds: crdsForUpgrade, cases: upgradeCases, keepTmp: opts.keepTmp, concurrency: opts.concurrency, log });
    }
  }

  // Environments first, then their Argo CD Applications.
  const order = [...groups.keys()].sort((a, b) => Number(a.startsWith('argocd')) - Number(b.startsWith('argocd')) || a.localeCompare(b));
  const byGroup = new Map<string, ObjectResult[]>(order.map((g) => [g, []]));
  for (const r of results) byGroup.get(r.manifest.group)?.push(r);
  print('');
  const created = printReport(byGroup, print, opts.verbose);
  let upgraded = { accepted: 0, rejected: 0, informational: 0 };
  if (upgradeResults.length) {
    print('');
    upgraded = printUpgradeReport(upgradeResults, print, opts.verbose);
  }
  if (opts.report) writeReport(opts.report, results, missing, upgradeResults);
  print('');
  const accepted = created.accepted + upgraded.accepted;
  const rejected = created.rejected + upgraded.rejected;
  log(`${created.accepted} accepted, ${created.rejected} rejected as new objects; ` +
    `${opts.reference && !opts.kubeconfig ? `upgrade tier: ${upgraded.accepted} accepted, ${upgraded.rejected} rejected over the live objects` +
      `${upgraded.informational ? ` (${upgraded.informational} more rejected over alternative definitions, informational)` : ''}` : 'upgrade tier off'}` +
    ` in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  // A closing line in the plain "N passed, N failed" form that CI summaries understand.
  print(`conformance: ${accepted} passed, ${rejected} failed`);
  return rejected ? 1 : 0;
}

function writeReport(file: string, results: ObjectResult[], missingNs: string[], upgrade: UpgradeResult[]): void {
  const json = {
    missingNamespaces: missingNs,
    upgrade: upgrade.map((r) => ({
      group: r.upgrade.group,
      file: relativeFile(r.manifest.file),
      live: relativeFile(r.upgrade.live.file),
      key: r.upgrade.key,
      mode: r.upgrade.mode,
      primary: r.upgrade.primary,
      accepted: r.accepted,
      skipped: r.skipped,
      message: r.message,
      warnings: r.warnings,
      notes: r.notes,
    })),
    objects: results.map((r) => ({
      group: r.manifest.group,
      sent: r.sent,
      file: relativeFile(r.manifest.file),
      document: r.manifest.doc,
      apiVersion: r.manifest.object?.apiVersion,
      kind: r.manifest.object?.kind,
      name: r.manifest.object?.metadata?.name,
      namespace: r.namespace,
      accepted: r.accepted,
      message: r.message,
      warnings: r.warnings,
      notes: r.notes,
    })),
  };
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
}

export async function main(argv: string[]): Promise<number> {
  let opts: Options;
  try {
    opts = parseArgs(argv);
  } catch (err) {
    const msg = (err as Error).message;
    process.stderr.write(`${msg ? `conformance: ${msg}\n\n` : ''}${USAGE}\n`);
    return msg ? 2 : 0;
  }
  try {
    if (opts.selfTest) {
      const crdDirs = opts.crds.length ? opts.crds : [path.resolve(REPO_ROOT, '..', 'shared', 'crds')];
      return await runSelfTest({ crds: readCrdDirs(crdDirs), keepTmp: opts.keepTmp, log, print });
    }
    return await checkTree(opts);
  } catch (err) {
    const e = err as Error;
    const detail = opts.verbose && !(e instanceof UsageError) ? e.stack ?? e.message : e.message;
    process.stderr.write(`conformance: error: ${detail}\n`);
    return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`conformance: ${String(err)}\n`);
      process.exit(2);
    },
  );
}
