/**
 * The e2e convergence tier: a real Argo CD (application-controller + repo-server, the version the platform
 * targets) syncs each environment's app-of-apps from a file:// Git copy of a fresh synth, against a local control
 * plane with fake nodes (kwok). See the README section "End-to-end tier (Argo CD + kwok)".
 *
 *   npm run e2e -- [--env E]... [--takeover] [--keep-logs DIR] [--crds DIR]... [--timeout SECONDS]
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../conformance/binaries';
import { BUILT_IN_GROUPS } from '../src/platform/checks/schema';
import { PlatformValidationError } from '../src/core/errors';
import { ENVIRONMENT_NAMES } from '../src/config/values';
import { obtainE2eBinaries } from './binaries';
import { normalizations } from './controller-log';
import { apply, list, Obj } from './kube';
import { makeRepo, SynthRepo } from './repo';
import { ARGOCD_NAMESPACE, E2eStack, HealthOverride } from './stack';
import { runTakeover } from './takeover';
import { formatTable, formatWaveOrder, watchApplications, wavesInOrder } from './watch';

interface Options {
  envs: string[];
  takeover: boolean;
  keepLogs?: string;
  crds: string[];
  timeoutSec: number;
}

const log = (m: string) => process.stderr.write(`[e2e] ${m}\n`);
const out = (m: string) => process.stdout.write(`${m}\n`);

function usage(msg?: string): never {
  if (msg) process.stderr.write(`e2e: ${msg}\n`);
  process.stderr.write('usage: npm run e2e -- [--env E]... [--takeover] [--keep-logs DIR] [--crds DIR]... [--timeout SECONDS]\n');
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const o: Options = { envs: [], takeover: false, crds: [], timeoutSec: 1200 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => argv[++i] ?? usage(`${a} needs a value`);
    if (a === '--env') o.envs.push(val());
    else if (a === '--takeover') o.takeover = true;
    else if (a === '--keep-logs') o.keepLogs = path.resolve(val());
    else if (a === '--crds') o.crds.push(path.resolve(val()));
    else if (a === '--timeout') o.timeoutSec = Number(val());
    else if (a === '-h' || a === '--help') usage();
    else usage(`unknown argument ${a}`);
  }
  for (const e of o.envs) if (!ENVIRONMENT_NAMES.includes(e)) usage(`unknown environment '${e}' (have ${ENVIRONMENT_NAMES.join(', ')})`);
  if (o.takeover && o.envs.some((e) => e !== 'prod')) usage('--takeover rehearses the prod hand-over: use it without --env or with --env prod');
  if (o.takeover) o.envs = ['prod'];
  if (o.envs.length === 0) o.envs = [...ENVIRONMENT_NAMES];
  if (!(o.timeoutSec > 0)) usage('--timeout must be a positive number of seconds');
  return o;
}

/** ../shared/<name> beside the checkout, or beside the main checkout of a git worktree. */
export function sharedDir(name: string): string | undefined {
  const candidates = [path.join(REPO_ROOT, '..', 'shared', name)];
  try {
    const common = fs.readFileSync(path.join(REPO_ROOT, '.git'), 'utf8').match(/gitdir: (.*)/)?.[1];
    if (common) candidates.push(path.join(path.resolve(REPO_ROOT, common), '..', '..', '..', '..', 'shared', name));
  } catch { /* a normal checkout: .git is a directory */ }
  return candidates.find((c) => fs.existsSync(c));
}

/** CRDs from the directories in order; a later directory replaces a CRD of the same name. */
function loadCrds(dirs: string[]): Map<string, Obj> {
  const crds = new Map<string, Obj>();
  for (const d of dirs) {
    for (const f of fs.readdirSync(d).filter((x) => /\.ya?ml$/.test(x)).sort()) {
      for (const doc of parseAllDocuments(fs.readFileSync(path.join(d, f), 'utf8'))) {
        const o = doc.toJS() as Obj | null;
        if (o?.kind === 'CustomResourceDefinition') crds.set(o.metadata.name, o);
      }
    }
  }
  return crds;
}

function argocdVersion(bin: string): string {
  try {
    return execFileSync(bin, ['version', '--client', '--short'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, ARGOCD_BINARY_NAME: 'argocd' } }).replace(/^argocd:\s*/, '').trim();
  } catch {
    return 'unknown version';
  }
}

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');

/** Controllers the platform's custom resources need, by API group; none of them runs in this tier. */
const CONTROLLERS: Record<string, string> = {
  'external-secrets.io': 'External Secrets operator',
  'kyverno.io': 'Kyverno',
  'monitoring.coreos.com': 'Prometheus Operator',
  'velero.io': 'Velero',
};

/** Health overrides for kinds whose controller does not run here; each is printed with why. */
function overridesFor(objects: readonly Obj[]): HealthOverride[] {
  const kinds = new Set(objects.map((o) => `${groupOf(o.apiVersion)}/${o.kind}`));
  const o: HealthOverride[] = [];
  const lua = (msg: string) => `hs = {}\nhs.status = "Healthy"\nhs.message = ${JSON.stringify(`e2e override: ${msg}`)}\nreturn hs\n`;
  if (kinds.has('external-secrets.io/ExternalSecret')) {
    o.push({ group: 'external-secrets.io', kind: 'ExternalSecret', why: 'no External Secrets operator runs here (its build compiles every provider SDK; see README), so Argo CD\'s built-in check would report Progressing ("Waiting for ExternalSecret") forever; no Secret is created', lua: lua('not synced, no External Secrets operator in the e2e tier') });
  }
  if (kinds.has('networking.k8s.io/Ingress')) {
    o.push({ group: 'networking.k8s.io', kind: 'Ingress', why: 'no ingress controller runs here, so no Ingress gets status.loadBalancer and Argo CD\'s built-in check would report Progressing forever', lua: lua('no ingress controller in the e2e tier') });
  }
  return o;
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const crdDirs = opts.crds.length ? opts.crds : [sharedDir('crds')].filter((x): x is string => !!x);
  if (crdDirs.length === 0) usage('no CRD directory: pass --crds DIR (e.g. ../shared/crds)');
  for (const d of crdDirs) if (!fs.existsSync(d)) usage(`--crds ${d}: no such directory`);

  const binaries = obtainE2eBinaries(log);
  const tBuild = Date.now() - t0;

  const work = fs.mkdtempSync(path.join(os.tmpdir(), '254carbon-e2e-'));
  let repo: SynthRepo;
  try {
    repo = makeRepo(work, opts.envs, binaries.git, opts.takeover ? { root: REPO_ROOT } : undefined);
  } catch (e) {
    if (e instanceof PlatformValidationError) { process.stderr.write(`${e.message}\n`); return 1; }
    throw e;
  }
  const objects = repo.objects.map((o) => o.manifest);
  log(`synthesized ${opts.envs.join(', ')} (${objects.length} objects) into ${repo.url} (branch ${repo.revision})`);

  // Every custom resource kind in the output must have a CRD.
  const crds = loadCrds(crdDirs);
  const served = new Set([...crds.values()].flatMap((c) => c.spec.versions.filter((v: Obj) => v.served).map((v: Obj) => `${c.spec.group}/${v.name}/${c.spec.names.kind}`)));
  const customKinds = [...new Set(objects.filter((o) => !BUILT_IN_GROUPS.has(groupOf(o.apiVersion))).map((o) => `${o.apiVersion}/${o.kind}`))].sort();
  const unserved = customKinds.filter((k) => !served.has(k));
  if (unserved.length) usage(`no CRD in ${crdDirs.join(', ')} serves ${unserved.join(', ')}. Fix: add --crds DIR holding them (e.g. ../shared/crds-external-secrets-2.9.0 for external-secrets.io/v1)`);

  const overrides = overridesFor(objects);
  const roots = repo.objects.filter((o) => o.manifest.kind === 'Application' && o.path.includes('/bootstrap/'));
  const children = repo.objects.filter((o) => o.manifest.kind === 'Application' && !o.path.includes('/bootstrap/'));
  const projects = [...new Set(repo.objects.filter((o) => o.manifest.kind === 'Application').map((o) => o.manifest.spec.project as string))];
  if (projects.length !== 1) throw new Error(`the Applications use several projects (${projects.join(', ')})`);
  const claims = objects.filter((o) => o.kind === 'PersistentVolumeClaim').length
    + objects.filter((o) => o.kind === 'StatefulSet').reduce((n, s) => n + (s.spec.volumeClaimTemplates?.length ?? 0) * (s.spec.replicas ?? 1), 0);

  const stack = await E2eStack.start({
    binaries, log,
    nodes: 2 * opts.envs.length + 1,
    volumes: claims + 8 + (opts.takeover ? 16 : 0),
    pvSize: '100Gi',
    pvReclaimPolicy: opts.takeover ? 'Delete' : 'Retain',
    sourceRepos: [repo.url, ...(opts.takeover ? ['https://github.com/254CARBON/HMCo.git'] : [])],
    project: projects[0],
    overrides,
    argocdSettings: opts.takeover ? 'before-takeover' : 'platform',
    crds: [...crds.values()],
  });
  let ok = false;
  try {
    out(`\n== e2e: ${opts.takeover ? 'prod take-over rehearsal' : opts.envs.join(', ')} (Argo CD ${argocdVersion(binaries.argocd)}, control plane up in ${((stack.timings.total ?? 0) / 1000).toFixed(1)} s)`);
    out(opts.takeover
      ? 'Argo CD settings (argocd-cm) before the hand-over: the v2.13 defaults (label tracking, no Application health check), as the umbrella\'s cluster ran; the runbook\'s step 2 sets them'
      : 'Argo CD settings (argocd-cm): resource.customizations.health.argoproj.io_Application (README), application.resourceTrackingMethod: annotation (README)');
    for (const o of overrides) out(`HEALTH OVERRIDE (e2e only, not in the platform): ${o.group}/${o.kind} reads Healthy: ${o.why}`);

    if (opts.takeover) {
      ok = await runTakeover({ stack, repo, binaries, timeoutMs: opts.timeoutSec * 1000, log, out });
    } else {
      ok = await runConvergence(stack, repo, opts, roots.map((r) => r.manifest), children.map((c) => c.manifest), log);
    }
    await reportUnacted(stack, objects);
    ok = (await checkControllerLog(stack, repo.objects.filter((o) => o.manifest.kind === 'Application').map((o) => o.manifest))) && ok;
  } catch (e) {
    out(`\nFAILED: ${(e as Error).message}`);
    ok = false;
  } finally {
    const exited = stack.cluster.exitedProcesses();
    for (const x of exited) out(`process ${x.name} exited early (code ${x.code}, signal ${x.signal}): see ${path.basename(x.logFile)}`);
    if (exited.length) ok = false;
    if (!ok || opts.keepLogs) {
      const dest = opts.keepLogs ?? path.join(os.tmpdir(), `254carbon-e2e-logs-${new Date().toISOString().replace(/[:.]/g, '-')}`);
      await dumpState(stack, dest);
      stack.keepLogs(dest);
      out(`logs kept in ${dest}`);
    }
    await stack.stop(true);
    fs.rmSync(work, { recursive: true, force: true });
  }
  out(`\n${ok ? 'PASSED' : 'FAILED'}: e2e ${opts.takeover ? '--takeover (prod)' : opts.envs.join(', ')} in ${((Date.now() - t0) / 1000).toFixed(0)} s (binaries ${(tBuild / 1000).toFixed(1)} s)`);
  return ok ? 0 : 1;
}

/** Applies every environment's root Application and waits until every Application is Synced and Healthy. */
async function runConvergence(stack: E2eStack, repo: SynthRepo, opts: Options, roots: Obj[], children: Obj[], log: (m: string) => void): Promise<boolean> {
  const c = stack.client;
  // Shared namespaces that an environment of this run writes into but leaves to another environment (see
  // gitops.ownSharedNamespaces) and that no environment of this run owns: a cluster prerequisite here.
  const owned = new Set(repo.objects.filter((o) => o.manifest.kind === 'Namespace').map((o) => o.manifest.metadata.name));
  const used = new Set(repo.objects.filter((o) => !o.path.startsWith('argocd/') && o.manifest.metadata?.namespace).map((o) => o.manifest.metadata.namespace as string));
  for (const ns of [...used].filter((n) => !owned.has(n)).sort()) {
    out(`PREREQUISITE: namespace ${ns} is owned by another environment's namespaces Application (not in this run): created by the e2e`);
    await apply(c, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  }
  const tApply = Date.now();
  for (const r of roots) await apply(c, r, 'kubectl');
  log(`applied root Application(s) ${roots.map((r) => r.metadata.name).join(', ')}; waiting (at most ${opts.timeoutSec} s)`);
  const expected = [...roots, ...children].map((a) => a.metadata.name);
  const res = await watchApplications(c, expected, opts.timeoutSec * 1000, log, async () => {
    const pvcs = await list(c, 'v1', 'PersistentVolumeClaim');
    return pvcs.every((p) => p.status?.phase === 'Bound');
  });
  const rootNames = roots.map((r) => r.metadata.name);
  let ok = res.ok;
  for (const env of opts.envs) {
    const names = [...roots, ...children].filter((a) => String(a.spec.source.path).includes(`/${env}`) || String(a.spec.source.path).endsWith(`argocd/${env}`)).map((a) => a.metadata.name);
    out(`\n-- ${env}: ${res.ok ? 'converged' : 'NOT converged'} (${names.length} Applications)`);
    out(formatTable(res.rows.values(), names, new Map([...roots, ...children].map((a) => [a.metadata.name, a.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? '0']))));
    out(`waves, in the order they were created:\n${formatWaveOrder([...res.rows.values()].filter((r) => names.includes(r.name)), rootNames)}`);
    const inOrder = wavesInOrder([...res.rows.values()].filter((r) => names.includes(r.name)), rootNames);
    if (!inOrder) { out('FAILED: a later wave was created before an earlier one'); ok = false; }
  }
  out(`\n${res.ok ? 'converged' : 'gave up'} ${res.seconds} s after the root was applied (${((Date.now() - tApply) / 1000).toFixed(0)} s with collection)`);
  if (res.failures.length) {
    out(`resource failures seen during the run (retried by Argo CD):`);
    for (const f of res.failures) out(`  +${f.at}s ${f.app}: ${f.resource}: ${f.message}`);
  }
  for (const r of res.rows.values()) for (const cond of r.conditions) out(`  condition ${r.name}: ${cond}`);
  await reportWorkloads(stack);
  return ok;
}

/** Claims, pods and Jobs as kwok left them. */
async function reportWorkloads(stack: E2eStack): Promise<void> {
  const c = stack.client;
  const pvcs = await list(c, 'v1', 'PersistentVolumeClaim');
  const pods = (await list(c, 'v1', 'Pod')).filter((p) => p.metadata.namespace !== 'kube-system');
  const phases = new Map<string, number>();
  for (const p of pods) phases.set(p.status?.phase ?? 'Unknown', (phases.get(p.status?.phase ?? 'Unknown') ?? 0) + 1);
  const jobs = await list(c, 'batch/v1', 'Job');
  out(`claims: ${pvcs.filter((p) => p.status?.phase === 'Bound').length}/${pvcs.length} Bound; pods (kwok, no containers run): ${[...phases].map(([k, v]) => `${v} ${k}`).join(', ')}; Jobs: ${jobs.filter((j) => j.status?.succeeded).length}/${jobs.length} complete`);
}

/** Custom resources applied that no controller acts on here (honestly listed, never reported as working). */
async function reportUnacted(stack: E2eStack, objects: readonly Obj[]): Promise<void> {
  const kinds = new Map<string, { apiVersion: string; kind: string; group: string }>();
  for (const o of objects) {
    const group = groupOf(o.apiVersion);
    if (BUILT_IN_GROUPS.has(group) || group === 'argoproj.io') continue;
    kinds.set(`${o.apiVersion}/${o.kind}`, { apiVersion: o.apiVersion, kind: o.kind, group });
  }
  out('\ncustom resources applied but not acted on (their controllers do not run in this tier):');
  for (const k of [...kinds.values()].sort((a, b) => (a.kind < b.kind ? -1 : 1))) {
    const live = await list(stack.client, k.apiVersion, k.kind);
    out(`  ${k.kind} (${k.apiVersion}): ${live.length} live, ${CONTROLLERS[k.group] ?? `the ${k.group} controller`} not running`);
  }
  const netpols = await list(stack.client, 'networking.k8s.io/v1', 'NetworkPolicy');
  out(`  NetworkPolicy: ${netpols.length} live, not enforced (kwok runs no network)`);
}

/**
 * Defect 1: the controller must never normalize (and so fight) an Application the platform wrote. Normalizations of
 * Applications the platform did not write (the old reference Applications in the take-over rehearsal), of fields
 * only the old Application had, and status-only patches are printed, not counted (e2e/controller-log.ts).
 */
async function checkControllerLog(stack: E2eStack, ours: readonly Obj[]): Promise<boolean> {
  const file = path.join(stack.dir, 'argocd-application-controller.log');
  const found = normalizations(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '', new Map(ours.map((a) => [a.metadata.name as string, a])));
  const mine = found.filter((n) => n.ours);
  const theirs = found.filter((n) => !n.ours && n.spec);
  const statusOnly = found.filter((n) => !n.ours && !n.spec).length;
  if (theirs.length || statusOnly) {
    out(`controller log: ${theirs.length} spec normalization(s) of Applications or fields the platform did not write (not ours, not counted)${statusOnly ? `, ${statusOnly} status-only "Normalized app spec" patch(es)` : ''}:`);
    for (const n of theirs) out(`  ${n.app}: ${JSON.stringify(n.spec)}`);
  }
  if (mine.length) {
    out(`FAILED: the controller normalized ${mine.length} spec(s) of Applications the platform wrote (a zero value we wrote):`);
    for (const n of mine.slice(0, 10)) out(`  ${n.app}: ${n.paths.join(', ')}: ${n.line.slice(0, 300)}`);
    return false;
  }
  out('controller log: no "Normalized app spec" of a field the platform wrote (no zero value of ours stripped)');
  return true;
}

async function dumpState(stack: E2eStack, dest: string): Promise<void> {
  fs.mkdirSync(dest, { recursive: true });
  try {
    const apps = await list(stack.client, 'argoproj.io/v1alpha1', 'Application', ARGOCD_NAMESPACE);
    fs.writeFileSync(path.join(dest, 'applications.json'), JSON.stringify(apps, null, 2));
    const ns = await list(stack.client, 'v1', 'Namespace');
    fs.writeFileSync(path.join(dest, 'namespaces.json'), JSON.stringify(ns, null, 2));
    const events = await list(stack.client, 'v1', 'Event');
    fs.writeFileSync(path.join(dest, 'events.json'), JSON.stringify(events, null, 2));
  } catch (e) {
    fs.writeFileSync(path.join(dest, 'dump-error.txt'), String((e as Error).message));
  }
}

main().then((code) => process.exit(code), (e) => {
  process.stderr.write(`e2e: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
