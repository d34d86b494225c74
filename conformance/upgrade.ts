/**
 * Upgrade tier: the first sync of charts-out/ over the objects the old Helm charts left running.
 *
 * For every synthesized object with a counterpart in the reference pack (same API group, kind and
 * name, in the same namespace once the reference's release namespace is mapped to the environment's
 * namespace), a throwaway kube-apiserver first holds the reference object, created for real the way
 * the old Argo CD created it (`kubectl apply`, so the live object carries the
 * `kubectl.kubernetes.io/last-applied-configuration` annotation, plus the `app.kubernetes.io/instance`
 * label that Argo CD's default label tracking wrote when an old Application deployed the file). Then
 * ours is sent the way Argo CD v2.13.9 sends it (gitops-engine runs k8s.io/kubectl's `apply` in
 * process): a client-side `kubectl apply` (three-way strategic-merge patch from last-applied, live and
 * ours; JSON merge patch for custom resources), or `kubectl apply --server-side --force-conflicts
 * --field-manager=argocd-controller` where the Application or the object sets `ServerSideApply=true`,
 * or `kubectl replace` where the object sets `Replace=true` (`--force` with `Force=true`); always
 * `--dry-run=server --validate=strict`. Every rejection is reported with the server's message.
 *
 * The kubectl is built from k8s.io/kubectl v0.31.0, what Argo CD v2.13.9 links (tools/kube/build.sh).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { applicationDestinations, destinationFor, installCrds, Log, mapLimit, ObjectResult, relativeFile } from './check';
import { KubeClient, statusMessage, statusReason } from './client';
import { Binaries, LocalCluster } from './cluster';
import { KubeObject, Manifest, readManifests, yamlFilesUnder } from './manifests';

const SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
/** Argo CD's server-side apply field manager (argo-cd v2.13.9 `common.ArgoCDSSAManager`). */
export const ARGOCD_SSA_MANAGER = 'argocd-controller';

/** How Argo CD sends an object, from its own and its Application's sync options (gitops-engine sync_context.go). */
export type ApplyMode = 'client-side-apply' | 'server-side-apply' | 'replace' | 'replace-force' | 'hook-recreate' | 'orphan-and-recreate';

/** The annotation with which a construct declares the orphan-and-recreate remedy (src/core/immutable.ts). */
const NOT_IN_PLACE = 'platform.254carbon.com/not-in-place';

/** One synthesized object and the live object it lands on. */
export interface UpgradeCase {
  /** The report group: `prod`, `argocd/prod`, ... */
  group: string;
  ours: Manifest;
  /** The reference object as the old charts rendered it. */
  live: Manifest;
  /** Namespace both live in (namespaced kinds). */
  namespace?: string;
  /** `group/Kind/namespace/name` of the live object. */
  key: string;
  mode: ApplyMode;
  /** The Argo CD Application that deploys ours, for the tracking annotation. */
  app?: string;
  /** The old Application whose label tracking marked the live object, if one deployed the reference file. */
  liveApp?: string;
  /**
   * When the reference defines the same object more than once, only one of the definitions can be live:
   * false for the ones that are not (checked and reported, but a rejection does not fail the run).
   */
  primary: boolean;
}

export interface UpgradeResult extends ObjectResult {
  upgrade: UpgradeCase;
  /** The reference object could not be created at all, so it cannot be live: nothing to check. */
  skipped?: string;
}

export interface LiveChoice {
  /** `Kind/namespace/name` (namespace as the reference writes or implies it). */
  object: string;
  /** The reference file (relative to the pack) whose definition is live. */
  live: string;
  reason: string;
}

/** conformance/upgrade-live.yaml: which definition is live where the reference pack defines an object twice. */
export function readLiveChoices(file: string): LiveChoice[] {
  if (!fs.existsSync(file)) return [];
  const doc = parseYaml(fs.readFileSync(file, 'utf8')) as { duplicates?: LiveChoice[] } | null;
  return doc?.duplicates ?? [];
}

function apiGroup(apiVersion: unknown): string {
  const v = String(apiVersion);
  return v.includes('/') ? v.slice(0, v.indexOf('/')) : '';
}

function syncOptions(o: KubeObject | undefined): string[] {
  const ann = (o?.metadata?.annotations ?? {}) as Record<string, string>;
  return String(ann[SYNC_OPTIONS] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/** Sync options of the Application (spec.syncPolicy.syncOptions). */
function appSyncOptions(all: Manifest[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of all) {
    const o = m.object;
    if (!o || o.kind !== 'Application' || !String(o.apiVersion).startsWith('argoproj.io/')) continue;
    const opts = ((o.spec as { syncPolicy?: { syncOptions?: string[] } } | undefined)?.syncPolicy?.syncOptions) ?? [];
    out.set(String(o.metadata?.name), opts);
  }
  return out;
}

/** The apply mode gitops-engine picks (sync_context.go applyObject at the pinned commit). */
export function applyModeOf(obj: KubeObject | undefined, appOptions: string[]): ApplyMode {
  // A hook with hook-delete-policy BeforeHookCreation: the live object of the same key is deleted first, then the
  // hook is created (gitops-engine sync_task.go deleteBeforeCreation, sync_context.go "delete anything that need deleting").
  const ann = (obj?.metadata?.annotations ?? {}) as Record<string, string>;
  if (ann['argocd.argoproj.io/hook'] && String(ann['argocd.argoproj.io/hook-delete-policy'] ?? '').split(',').map((x) => x.trim()).includes('BeforeHookCreation')) {
    return 'hook-recreate';
  }
  // Declared not-in-place (src/core/immutable.ts): the runbook's recreate step deletes the live object with
  // --cascade=orphan before the sync, which then creates it.
  if (ann[NOT_IN_PLACE] === 'orphan-and-recreate') return 'orphan-and-recreate';
  const own = syncOptions(obj);
  const has = (opt: string) => own.includes(opt) || appOptions.includes(opt);
  if (has('Replace=true') && obj?.kind !== 'CustomResourceDefinition' && obj?.kind !== 'Namespace') {
    return has('Force=true') ? 'replace-force' : 'replace';
  }
  return has('ServerSideApply=true') ? 'server-side-apply' : 'client-side-apply';
}

function mostCommon(values: string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
}

export interface Namespacedness {
  namespaced(apiVersion: string, kind: string): Promise<boolean | undefined>;
}

/**
 * Pairs every synthesized object with its counterparts in the reference pack.
 *
 * Namespaces: a reference object without `metadata.namespace` lives in its release namespace, the
 * destination of the reference Application whose source path covers its file (INDEX.md: the umbrella
 * renders into `data-platform`). The reference's main release namespace (the most common destination of
 * its Applications) maps to each environment's namespace (the most common destination of the
 * environment's own Applications): prod is compared namespace for namespace, dev and staging as if the
 * same charts ran in their namespace. Shared namespaces (`monitoring`, `velero`, ...) stay as they are.
 */
export async function pairCounterparts(opts: {
  ours: Map<string, Manifest[]>; reference: Manifest[]; referenceDir: string; outDir: string;
  apis: Namespacedness; liveChoices: LiveChoice[];
}): Promise<{ cases: UpgradeCase[]; problems: string[] }> {
  const { ours, reference, referenceDir, outDir, apis } = opts;
  const problems: string[] = [];
  const refDests = applicationDestinations(reference);
  const releaseNamespace = mostCommon(refDests.map((d) => d.namespace)) ?? 'default';
  const allOurs = [...ours.values()].flat();
  const ourDests = applicationDestinations(allOurs);
  const appOpts = appSyncOptions(allOurs);

  // Reference objects by their key in the reference's own namespaces.
  interface RefEntry { m: Manifest; ns?: string; app?: string; rel: string }
  const refs = new Map<string, RefEntry[]>();
  for (const m of reference) {
    const o = m.object;
    if (!o || m.problem || !o.metadata?.name) continue;
    const rel = path.relative(referenceDir, m.file);
    const namespaced = await apis.namespaced(String(o.apiVersion), String(o.kind));
    if (namespaced === undefined) continue; // a kind this server does not serve: never live here
    const d = destinationFor(m, referenceDir, refDests);
    const ns = namespaced ? (o.metadata.namespace ?? d?.namespace ?? 'default') : undefined;
    const key = `${apiGroup(o.apiVersion)}/${String(o.kind)}/${ns ?? ''}/${o.metadata.name}`;
    const list = refs.get(key) ?? [];
    list.push({ m, ns, app: d?.app, rel });
    refs.set(key, list);
  }

  const cases: UpgradeCase[] = [];
  for (const [group, manifests] of ours) {
    const env = group.startsWith('argocd/') ? group.slice('argocd/'.length) : group;
    const envApps = [...ours.get(`argocd/${env}`) ?? []];
    const envNamespace = mostCommon(applicationDestinations(envApps).map((d) => d.namespace));
    for (const m of manifests) {
      const o = m.object;
      if (!o || m.problem || !o.metadata?.name) continue;
      const namespaced = await apis.namespaced(String(o.apiVersion), String(o.kind));
      if (namespaced === undefined) continue;
      const dest = destinationFor(m, outDir, ourDests);
      const ns = namespaced ? (o.metadata.namespace ?? dest?.namespace ?? 'default') : undefined;
      // The reference namespace this object corresponds to.
      const refNs = ns !== undefined && ns === envNamespace ? releaseNamespace : ns;
      const refKey = `${apiGroup(o.apiVersion)}/${String(o.kind)}/${refNs ?? ''}/${o.metadata.name}`;
      const candidates = refs.get(refKey);
      if (!candidates) continue;
      let primary = candidates[0];
      if (candidates.length > 1) {
        const label = `${String(o.kind)}/${refNs ? `${refNs}/` : ''}${o.metadata.name}`;
        const choice = opts.liveChoices.find((c) => c.object === label);
        const chosen = choice && candidates.find((c) => c.rel === choice.live);
        if (!chosen) {
          problems.push(`the reference defines ${label} ${candidates.length} times (${candidates.map((c) => c.rel).join(', ')}): ` +
            'declare in conformance/upgrade-live.yaml which definition is live');
        } else {
          primary = chosen;
        }
      }
      for (const c of candidates) {
        cases.push({
          group, ours: m, live: c.m, namespace: ns, key: `${apiGroup(o.apiVersion)}/${String(o.kind)}/${ns ?? ''}/${o.metadata.name}`,
          mode: applyModeOf(o, dest ? appOpts.get(dest.app) ?? [] : []),
          app: dest?.app, liveApp: c.app, primary: c === primary,
        });
      }
    }
  }
  return { cases, problems };
}

// ---- kubectl ---------------------------------------------------------------------------------

interface KubectlResult { code: number; stdout: string; stderr: string }

function runKubectl(kubectl: string, kubeconfig: string, cacheDir: string, args: string[], timeoutMs = 120_000): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = spawn(kubectl, ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: kubeconfig },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); resolve({ code: -1, stdout, stderr: `${stderr}${err.message}` }); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr: signal ? `${stderr}killed by ${signal} (timeout)` : stderr });
    });
  });
}

/** kubectl's arguments for sending ours as Argo CD would, as a server-side dry-run with strict validation. */
export function argocdApplyArgs(mode: ApplyMode, file: string): string[] {
  const common = ['--dry-run=server', '--validate=strict', '-f', file];
  switch (mode) {
    case 'server-side-apply': return ['apply', '--server-side', '--force-conflicts', `--field-manager=${ARGOCD_SSA_MANAGER}`, ...common];
    case 'replace': return ['replace', ...common];
    case 'replace-force': return ['replace', '--force', ...common];
    case 'hook-recreate': case 'orphan-and-recreate': return ['apply', ...common]; // the live object was deleted: this creates
    default: return ['apply', '--overwrite=true', '--openapi-patch=true', ...common];
  }
}

/** Splits kubectl's stderr into warnings ("Warning: ...") and the error text. */
function splitStderr(stderr: string): { warnings: string[]; error: string } {
  const warnings: string[] = [];
  const rest: string[] = [];
  for (const line of stderr.split('\n')) {
    if (line.startsWith('Warning: ')) warnings.push(line.slice('Warning: '.length));
    else if (line.trim()) rest.push(line);
  }
  return { warnings, error: rest.join('\n') };
}

/**
 * The object as kubectl reads the document: YAML 1.1, as sigs.k8s.io/yaml (go-yaml v2) decodes it, so an unquoted `off`
 * or `yes` is a boolean there too. Written back as JSON, which no decoder reads differently (writing YAML again would
 * turn the string "off" into a YAML 1.1 boolean).
 */
export function asKubectlReadsIt(m: Manifest): KubeObject {
  return parseYaml(m.text, { version: '1.1', uniqueKeys: false }) as KubeObject;
}

function withMetadata(o: KubeObject, namespace: string | undefined, labels: Record<string, string>, annotations: Record<string, string>): string {
  const copy = JSON.parse(JSON.stringify(o)) as KubeObject;
  const md = (copy.metadata ??= {});
  if (namespace !== undefined) md.namespace = namespace;
  if (Object.keys(labels).length) md.labels = { ...(md.labels as Record<string, string> | undefined ?? {}), ...labels };
  if (Object.keys(annotations).length) md.annotations = { ...(md.annotations as Record<string, string> | undefined ?? {}), ...annotations };
  return `${JSON.stringify(copy, null, 1)}\n`;
}

/** Argo CD's annotation tracking id: `<app>:<group>/<kind>:<namespace>/<name>` (argo-cd util/argo/resource_tracking.go). */
export function trackingId(app: string, o: KubeObject, namespace: string | undefined): string {
  return `${app}:${apiGroup(o.apiVersion)}/${String(o.kind)}:${namespace ?? ''}/${String(o.metadata?.name)}`;
}

// ---- the run --------------------------------------------------------------------------------

export interface UpgradeRunOptions {
  binaries: Binaries;
  crds: Manifest[];
  cases: UpgradeCase[];
  keepTmp: boolean;
  concurrency: number;
  log: Log;
}

/**
 * Runs the cases in rounds on fresh throwaway clusters: a live key (`group/Kind/ns/name`) holds one
 * object at a time, so a reference object defined twice is checked in a second round.
 */
export async function runUpgradeCases(opts: UpgradeRunOptions): Promise<UpgradeResult[]> {
  const rounds: UpgradeCase[][] = [];
  for (const c of opts.cases) {
    let r = 0;
    while (rounds[r]?.some((x) => x.key === c.key && x.live !== c.live)) r++;
    (rounds[r] ??= []).push(c);
  }
  const results: UpgradeResult[] = [];
  for (const [i, round] of rounds.entries()) {
    opts.log(`upgrade round ${i + 1}/${rounds.length}: ${new Set(round.map((c) => c.key)).size} live object(s), ${round.length} check(s)`);
    const cluster = await LocalCluster.start({ binaries: opts.binaries, keepDir: opts.keepTmp, log: opts.log });
    try {
      results.push(...await runRound(cluster, round, opts));
    } finally {
      await cluster.stop();
    }
  }
  return results;
}

async function runRound(cluster: LocalCluster, round: UpgradeCase[], opts: UpgradeRunOptions): Promise<UpgradeResult[]> {
  const client = cluster.client;
  const kubeconfig = cluster.writeKubeconfig();
  const work = fs.mkdtempSync(path.join(cluster.dir, 'upgrade-'));
  const cacheDir = path.join(work, 'kube-cache');
  const kubectl = (args: string[]) => runKubectl(opts.binaries.kubectl, kubeconfig, cacheDir, args);
  if (opts.crds.length) {
    const res = await installCrds(client, opts.crds, opts.log);
    const bad = res.failures[0];
    if (bad) throw new Error(`upgrade tier: CRD not installed: ${relativeFile(bad.manifest.file)}: ${bad.message}`);
  }

  // Namespaces: a live Namespace object of the reference is created from that object (below, with the
  // other live objects); every other namespace exists bare, as CreateNamespace=true or the old charts left it.
  const liveNamespaceObjects = new Set(round.filter((c) => c.live.object?.kind === 'Namespace').map((c) => String(c.live.object?.metadata?.name)));
  const namespaces = [...new Set(round.flatMap((c) => (c.namespace ? [c.namespace] : [])))].filter((n) => !liveNamespaceObjects.has(n));
  for (const name of namespaces) await ensureNamespace(client, name);

  // The live objects, one per key, Namespaces first.
  const live = new Map<string, UpgradeCase>();
  for (const c of round) if (!live.has(c.key)) live.set(c.key, c);
  const liveList = [...live.values()].sort((a, b) => Number(b.live.object?.kind === 'Namespace') - Number(a.live.object?.kind === 'Namespace'));
  const liveProblem = new Map<string, string>();
  const liveNotes = new Map<string, string[]>();
  const createLive = async (c: UpgradeCase) => {
    const o = asKubectlReadsIt(c.live);
    // Argo CD's default label tracking (resourceTrackingMethod: label in 2.x) set app.kubernetes.io/instance to the
    // Application's name on every object it applied; kubectl apply then stored that object as last-applied.
    const labels: Record<string, string> = c.liveApp ? { 'app.kubernetes.io/instance': c.liveApp } : {};
    const file = path.join(work, `live-${safe(c.key)}.json`);
    fs.writeFileSync(file, withMetadata(o, c.namespace, labels, {}));
    const notes = [`live: ${c.live.file.includes('/reference/') ? c.live.file.slice(c.live.file.indexOf('/reference/') + 1) : relativeFile(c.live.file)}` +
      `${c.liveApp ? ` (applied by the old Argo CD Application ${c.liveApp}, label tracking)` : ' (applied with kubectl apply)'}`];
    let res = await kubectl(['apply', '--validate=strict', '-f', file]);
    if (res.code !== 0) {
      const strict = splitStderr(res.stderr).error;
      res = await kubectl(['apply', '--validate=false', '-f', file]);
      if (res.code === 0) notes.push(`the reference object is refused by strict validation (${strict}); created with --validate=false, as a non-strict client did`);
      else liveProblem.set(c.key, `the reference object cannot be created, so it cannot be live: ${splitStderr(res.stderr).error}`);
    }
    liveNotes.set(c.key, notes);
  };
  for (const c of liveList.filter((x) => x.live.object?.kind === 'Namespace')) await createLive(c);
  for (const name of liveNamespaceObjects) await ensureNamespace(client, name);
  await mapLimit(liveList.filter((x) => x.live.object?.kind !== 'Namespace'), Math.min(opts.concurrency, 4), createLive);

  // Ours, as Argo CD sends it.
  return mapLimit(round, Math.min(opts.concurrency, 4), async (c): Promise<UpgradeResult> => {
    const o = c.ours.object as KubeObject;
    const result: UpgradeResult = {
      upgrade: c, manifest: c.ours, accepted: false, sent: false, namespace: c.namespace, warnings: [],
      notes: [...liveNotes.get(c.key) ?? [], `sent as Argo CD does: ${c.mode}${c.primary ? '' : ' (alternative live definition: informational)'}`],
    };
    const skipped = liveProblem.get(c.key);
    if (skipped) {
      result.skipped = skipped;
      result.accepted = true;
      result.notes.push(skipped);
      return result;
    }
    // Argo CD's annotation tracking (application.resourceTrackingMethod: annotation, which this project relies on).
    const annotations: Record<string, string> = c.app ? { 'argocd.argoproj.io/tracking-id': trackingId(c.app, o, c.namespace) } : {};
    const file = path.join(work, `ours-${safe(c.group)}-${safe(c.key)}.json`);
    fs.writeFileSync(file, withMetadata(asKubectlReadsIt(c.ours), c.namespace, {}, annotations));
    // The recreate step deletes a declared object only when the server refuses it in place: try that first.
    const inPlace = c.mode === 'orphan-and-recreate' ? await kubectl(argocdApplyArgs('client-side-apply', file)) : undefined;
    if (inPlace?.code === 0) {
      result.sent = true;
      result.accepted = true;
      result.warnings.push(...splitStderr(inPlace.stderr).warnings);
      result.notes.push('declared orphan-and-recreate, but accepted in place: the recreate step leaves it alone');
      return result;
    }
    if (c.mode === 'hook-recreate' || c.mode === 'orphan-and-recreate') {
      // The throwaway cluster has no garbage collector, so --cascade=orphan (a finalizer the collector removes) would
      // never finish: the object is deleted in the background instead; for the API server the result is the same.
      const del = await kubectl(['delete', '-f', file, '--wait=true', '--ignore-not-found']);
      if (del.code !== 0) {
        result.message = `deleting the live object before the hook (as Argo CD does) failed: ${splitStderr(del.stderr).error}`;
        return result;
      }
      result.notes.push(c.mode === 'hook-recreate'
        ? 'hook with BeforeHookCreation: the live object was deleted first, as Argo CD does'
        : 'declared orphan-and-recreate: the live object was deleted first, as the runbook\'s recreate step does');
    }
    const res = await kubectl(argocdApplyArgs(c.mode, file));
    result.sent = true;
    const { warnings, error } = splitStderr(res.stderr);
    result.warnings.push(...warnings);
    if (res.code === 0) result.accepted = true;
    else result.message = error || `kubectl exited with ${res.code}`;
    return result;
  });
}

async function ensureNamespace(client: KubeClient, name: string): Promise<void> {
  const res = await client.request('POST', '/api/v1/namespaces', { body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }) });
  if (res.status !== 201 && statusReason(res) !== 'AlreadyExists') throw new Error(`cannot create namespace ${name}: ${statusMessage(res)}`);
}

function safe(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/** Every object of the reference pack (documents that do not parse are left out: they never ran). */
export function readReference(dir: string): Manifest[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`--reference ${dir}: not a directory`);
  return yamlFilesUnder(dir).flatMap((f) => readManifests(f, 'reference')).filter((m) => !m.problem && m.object);
}

/** Prints the upgrade tier's results per group; returns the counts that fail the run. */
export function printUpgradeReport(results: UpgradeResult[], print: Log, verbose: boolean): { accepted: number; rejected: number; informational: number } {
  let accepted = 0;
  let rejected = 0;
  let informational = 0;
  const groups = [...new Set(results.map((r) => r.upgrade.group))].sort((a, b) => Number(a.startsWith('argocd')) - Number(b.startsWith('argocd')) || a.localeCompare(b));
  for (const g of groups) {
    const list = results.filter((r) => r.upgrade.group === g);
    const primary = list.filter((r) => r.upgrade.primary);
    const bad = primary.filter((r) => !r.accepted);
    const skipped = primary.filter((r) => r.skipped);
    accepted += primary.length - bad.length;
    rejected += bad.length;
    print(`upgrade ${g}: ${primary.length} object(s) over their live counterparts, ${primary.length - bad.length} accepted` +
      `${skipped.length ? ` (${skipped.length} with no creatable counterpart)` : ''}, ${bad.length} rejected`);
    for (const r of list) {
      const o = r.manifest.object;
      const what = `${String(o?.apiVersion)} ${String(o?.kind)} ${r.namespace ? `${r.namespace}/` : ''}${String(o?.metadata?.name)}`;
      if (!r.accepted) {
        if (r.upgrade.primary) {
          print(`  REJECTED ${relativeFile(r.manifest.file)}`);
        } else {
          informational++;
          print(`  would be REJECTED if the alternative definition were live (informational) ${relativeFile(r.manifest.file)}`);
        }
        print(`    object: ${what} (${r.upgrade.mode})`);
        for (const n of r.notes) print(`    note: ${n}`);
        print(`    server: ${(r.message ?? '').split('\n').join('\n            ')}`);
      } else if (verbose || r.skipped) {
        print(`  ${relativeFile(r.manifest.file)} (${what})`);
        for (const n of r.notes) print(`    note: ${n}`);
      }
      for (const w of r.warnings) print(`    warning: ${w}`);
    }
  }
  return { accepted, rejected, informational };
}

