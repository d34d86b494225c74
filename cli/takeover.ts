#!/usr/bin/env node
/**
 * The take-over of the live platform by charts-out/ (README, "Take-over runbook"): every step that reads or changes
 * the cluster, with the check that must pass before the next one. Uses `kubectl` on PATH (or $KUBECTL) and the
 * cluster of $KUBECONFIG / the current context; reads the committed charts-out/.
 *
 *   npm run takeover -- snapshot --env prod --out FILE     record what must survive (claims, volumes, Applications)
 *   npm run takeover -- pause-old --env prod                the old Applications of our names stop syncing automatically
 *   npm run takeover -- protect-volumes --env prod          Delete=false,Prune=false on every live claim; volumes Retain
 *   npm run takeover -- retire-guardrails --env prod [--yes] the old LimitRanges/ResourceQuotas ours replace are deleted
 *   npm run takeover -- clear-old-hooks --env prod [--yes]   old Jobs with our hook Jobs' names are deleted
 *   npm run takeover -- preflight --env prod                every check before the first sync (exit 1 names each problem)
 *   npm run takeover -- recreate --env prod [--yes]         orphan-and-recreate for objects that declared it
 *   npm run takeover -- wait --env prod [--root] [--timeout 30m]   until the Applications are Synced and Healthy
 *   npm run takeover -- verify --env prod --against FILE    nothing was lost: every claim of the snapshot, same volume
 *   npm run takeover -- rollback --env prod --from FILE [--yes]    back to the old Applications, objects kept
 *
 * Exit codes: 0 success, 1 a check failed (or kubectl failed), 2 usage error.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { argocdApplyArgs, applyModeOf } from '../conformance/upgrade';
import { NOT_IN_PLACE_ANNOTATION } from '../src/core/immutable';
import { KEEP_VOLUME_SYNC_OPTIONS, SYNC_OPTIONS_ANNOTATION } from '../src/core/protection';
import { parseCommandLine } from './cli';

const USAGE = `usage: takeover <step> --env NAME [options]
steps (in runbook order):
  snapshot --out FILE         record the live claims, volumes, workloads and Argo CD Applications (JSON)
  pause-old                   turn automated sync off for every live Application that has one of our names but
                              another source (the old Helm Applications); their objects are not touched
  protect-volumes             add ${KEEP_VOLUME_SYNC_OPTIONS.join(',')} to every live claim and Namespace of the
                              environment's namespaces, and set their volumes' reclaim policy to Retain
  retire-guardrails [--yes]   delete every live LimitRange and ResourceQuota of the environment's namespaces that
                              charts-out/<env> does not write (the old charts' data-platform-limits/-quota): the API
                              server enforces every LimitRange and quota of a namespace, so the old ones would
                              refuse our pods next to ours (without --yes: only print the plan)
  clear-old-hooks [--yes]     delete every completed live Job that has the name of a hook Job of ours but is not
                              one (the old charts' superset-init): Argo CD would prune it in the hook's phase, and
                              gitops-engine then takes that result for the hook's, which never runs (refuses a Job
                              still running; without --yes: only print the plan)
  preflight                   check everything before the first sync: Argo CD settings, protected volumes, the old
                              Applications' automated sync off, and every object of charts-out/<env> sent over its
                              live counterpart as Argo CD would (dry-run, strict); exit 1 lists each problem
  recreate [--yes]            objects declaring orphan-and-recreate that the server refuses in place:
                              kubectl delete --cascade=orphan (without --yes: only print the plan)
  wait [--root] [--timeout D] until every child Application of the environment (and with --root the root) is
                              Synced and Healthy (default timeout 30m; D like 90s, 30m, 1h)
  verify --against FILE       every claim of the snapshot still exists, Bound to the same volume
  rollback --from FILE [--yes]  delete our Applications without their finalizer (their objects stay) and restore the
                              Applications of the snapshot (without --yes: only print the plan)
options:
  --env NAME       the environment (charts-out/<NAME>, charts-out/argocd/<NAME>)
  --out-dir DIR    the GitOps output (default: charts-out)
  --argocd-namespace NS  where Argo CD runs (default: argocd)
kubectl: $KUBECTL or kubectl on PATH, with $KUBECONFIG or the current context.`;

type Json = Record<string, any>;

class StepFailure extends Error {}

const out = (s: string) => process.stdout.write(`${s}\n`);

function kubectl(args: string[], input?: string): { code: number; stdout: string; stderr: string } {
  const bin = process.env.KUBECTL || 'kubectl';
  const res = spawnSync(bin, args, { encoding: 'utf8', input, maxBuffer: 256 * 1024 * 1024 });
  if (res.error) throw new StepFailure(`cannot run ${bin}: ${res.error.message}. Fix: put kubectl on PATH or set KUBECTL`);
  return { code: res.status ?? 1, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
}

function kubectlJson(args: string[]): Json {
  const res = kubectl([...args, '-o', 'json']);
  if (res.code !== 0) throw new StepFailure(`kubectl ${args.join(' ')} failed: ${res.stderr.trim()}`);
  return JSON.parse(res.stdout) as Json;
}

function kubectlOk(args: string[]): string {
  const res = kubectl(args);
  if (res.code !== 0) throw new StepFailure(`kubectl ${args.join(' ')} failed: ${res.stderr.trim()}`);
  return res.stdout.trim();
}

/** A step's change: printed as the plan without --yes, run (and printed) with it. `why` follows the command. */
function runOrPlan(yes: boolean, args: string[], why?: string): void {
  out(`${yes ? 'running' : 'would run'}: kubectl ${args.join(' ')}${why === undefined ? '' : `   (${why})`}`);
  if (yes) kubectlOk(args);
}

// ---- the output ---------------------------------------------------------------------------------------------

interface OutputObject { file: string; text: string; manifest: Json }

function yamlFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1)).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? yamlFiles(full) : e.name.endsWith('.yaml') ? [full] : [];
  });
}

function readObjects(dir: string): OutputObject[] {
  return yamlFiles(dir).flatMap((file) => parseAllDocuments(fs.readFileSync(file, 'utf8'), { version: '1.1' })
    .map((d) => d.toJS() as Json).filter((m) => m && m.kind).map((manifest) => ({ file, text: fs.readFileSync(file, 'utf8'), manifest })));
}

interface EnvOutput {
  objects: OutputObject[];
  children: Json[];
  root: Json[];
  /** Namespaces the environment's objects live in. */
  namespaces: string[];
}

function readEnv(outDir: string, env: string): EnvOutput {
  const objects = readObjects(path.join(outDir, env));
  if (!objects.length) throw new StepFailure(`no objects under ${path.join(outDir, env)}: run npm run synth first, or check --env`);
  const children = readObjects(path.join(outDir, 'argocd', env)).filter((o) => !o.file.includes(`${path.sep}bootstrap${path.sep}`)).map((o) => o.manifest);
  const root = readObjects(path.join(outDir, 'argocd', env, 'bootstrap')).map((o) => o.manifest);
  const namespaces = [...new Set([
    ...objects.map((o) => o.manifest.metadata?.namespace).filter((n): n is string => !!n),
    ...children.map((a) => a.spec?.destination?.namespace).filter((n): n is string => !!n),
  ])].sort();
  return { objects, children, root, namespaces };
}

// ---- steps ----------------------------------------------------------------------------------------------------

function clean(o: Json): Json {
  const c = JSON.parse(JSON.stringify(o)) as Json;
  delete c.status;
  for (const k of ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink']) delete c.metadata?.[k];
  return c;
}

function existingNamespaces(names: string[]): string[] {
  const have = new Set((kubectlJson(['get', 'namespaces']).items as Json[]).map((n) => n.metadata.name as string));
  return names.filter((n) => have.has(n));
}

function claimsIn(namespaces: string[]): Json[] {
  return namespaces.flatMap((ns) => kubectlJson(['get', 'persistentvolumeclaims', '-n', ns]).items as Json[]);
}

function snapshot(o: EnvOutput, argocdNs: string, file: string): number {
  const namespaces = existingNamespaces(o.namespaces);
  const claims = claimsIn(namespaces);
  const volumes = (kubectlJson(['get', 'persistentvolumes']).items as Json[])
    .filter((pv) => claims.some((c) => c.spec?.volumeName === pv.metadata.name));
  const workloads = namespaces.flatMap((ns) => (kubectlJson(['get', 'statefulsets,deployments', '-n', ns]).items as Json[])
    .map((w) => ({ kind: w.kind, namespace: ns, name: w.metadata.name, uid: w.metadata.uid, replicas: w.spec?.replicas, ready: w.status?.readyReplicas ?? 0 })));
  const names = new Set([...o.children, ...o.root].map((a) => a.metadata.name as string));
  const applications = (kubectlJson(['get', 'applications.argoproj.io', '-n', argocdNs]).items as Json[])
    .filter((a) => names.has(a.metadata.name)).map(clean);
  const snap = {
    takenAt: new Date().toISOString(),
    namespaces,
    claims: claims.map((c) => ({
      namespace: c.metadata.namespace, name: c.metadata.name, uid: c.metadata.uid, volumeName: c.spec?.volumeName,
      phase: c.status?.phase, capacity: c.status?.capacity?.storage, storageClassName: c.spec?.storageClassName,
    })),
    volumes: volumes.map((pv) => ({ name: pv.metadata.name, reclaimPolicy: pv.spec?.persistentVolumeReclaimPolicy, claim: `${pv.spec?.claimRef?.namespace}/${pv.spec?.claimRef?.name}` })),
    workloads,
    applications,
  };
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(snap, null, 2)}\n`);
  out(`snapshot: ${snap.claims.length} claim(s), ${snap.volumes.length} volume(s), ${workloads.length} workload(s), ${applications.length} Application(s) of the same names in ${namespaces.join(', ') || '(no namespace yet)'} -> ${file}`);
  const deleting = snap.volumes.filter((v) => v.reclaimPolicy === 'Delete');
  if (deleting.length) out(`  ${deleting.length} volume(s) would be deleted with their claim (reclaimPolicy Delete): protect-volumes sets Retain`);
  return 0;
}

/** The sync options with Prune= and Delete= replaced by `false`: a volume is never pruned or deleted. */
export function mergedOptions(current: string | undefined): string {
  const keys = new Set(KEEP_VOLUME_SYNC_OPTIONS.map((k) => k.split('=')[0]));
  const others = String(current ?? '').split(',').map((s) => s.trim()).filter((s) => s && !keys.has(s.split('=')[0]));
  return [...others, ...KEEP_VOLUME_SYNC_OPTIONS].join(',');
}

function unprotected(namespaces: string[]): { claims: Json[]; volumes: Json[]; namespaceObjects: Json[] } {
  const claims = claimsIn(namespaces);
  const opts = (m: Json) => String(m.metadata?.annotations?.[SYNC_OPTIONS_ANNOTATION] ?? '').split(',').map((s) => s.trim());
  const bad = (m: Json) => !KEEP_VOLUME_SYNC_OPTIONS.every((k) => opts(m).includes(k));
  const volumeNames = new Set(claims.map((c) => c.spec?.volumeName).filter(Boolean));
  const volumes = (kubectlJson(['get', 'persistentvolumes']).items as Json[])
    .filter((pv) => volumeNames.has(pv.metadata.name) && pv.spec?.persistentVolumeReclaimPolicy !== 'Retain');
  const namespaceObjects = namespaces.map((n) => kubectlJson(['get', 'namespace', n])).filter(bad);
  return { claims: claims.filter(bad), volumes, namespaceObjects };
}

function protectVolumes(o: EnvOutput): number {
  const namespaces = existingNamespaces(o.namespaces);
  const u = unprotected(namespaces);
  for (const c of u.claims) {
    const value = mergedOptions(c.metadata?.annotations?.[SYNC_OPTIONS_ANNOTATION]);
    kubectlOk(['annotate', 'persistentvolumeclaim', c.metadata.name, '-n', c.metadata.namespace, `${SYNC_OPTIONS_ANNOTATION}=${value}`, '--overwrite']);
    out(`claim ${c.metadata.namespace}/${c.metadata.name}: ${SYNC_OPTIONS_ANNOTATION}=${value}`);
  }
  for (const n of u.namespaceObjects) {
    const value = mergedOptions(n.metadata?.annotations?.[SYNC_OPTIONS_ANNOTATION]);
    kubectlOk(['annotate', 'namespace', n.metadata.name, `${SYNC_OPTIONS_ANNOTATION}=${value}`, '--overwrite']);
    out(`namespace ${n.metadata.name}: ${SYNC_OPTIONS_ANNOTATION}=${value}`);
  }
  for (const pv of u.volumes) {
    kubectlOk(['patch', 'persistentvolume', pv.metadata.name, '--type', 'merge', '-p', '{"spec":{"persistentVolumeReclaimPolicy":"Retain"}}']);
    out(`volume ${pv.metadata.name} (claim ${pv.spec?.claimRef?.namespace}/${pv.spec?.claimRef?.name}): reclaimPolicy ${pv.spec?.persistentVolumeReclaimPolicy} -> Retain`);
  }
  const left = unprotected(namespaces);
  const n = left.claims.length + left.volumes.length + left.namespaceObjects.length;
  if (n) throw new StepFailure(`${n} claim(s), namespace(s) or volume(s) still unprotected after annotating`);
  out(`protect-volumes: ${u.claims.length} claim(s), ${u.namespaceObjects.length} namespace(s), ${u.volumes.length} volume(s) changed; every claim in ${namespaces.join(', ') || '(none)'} is protected`);
  return 0;
}

/**
 * Live LimitRanges and ResourceQuotas in the environment's namespaces that the output does not write. The
 * LimitRanger admission plugin checks a pod against every LimitRange of its namespace (kubernetes v1.28.15
 * plugin/pkg/admission/limitranger/admission.go 136-154, `runLimitFunc`: `GetLimitRanges`, then each item) and the
 * ResourceQuota plugin against every quota, so an old one that ours replaces under another name keeps
 * refusing our pods (e2e rehearsal: `maximum memory usage per Container is 8Gi, but limit is 16Gi`).
 */
function oldGuardrails(o: EnvOutput): Json[] {
  const ours = new Set(o.objects.map((x) => `${x.manifest.kind}/${x.manifest.metadata?.namespace ?? ''}/${x.manifest.metadata?.name}`));
  return existingNamespaces(o.namespaces).flatMap((ns) => kubectlJson(['get', 'limitranges,resourcequotas', '-n', ns]).items as Json[])
    .filter((g) => !ours.has(`${g.kind}/${g.metadata.namespace}/${g.metadata.name}`));
}

function retireGuardrails(o: EnvOutput, yes: boolean): number {
  const old = oldGuardrails(o);
  for (const g of old) {
    const args = ['delete', g.kind.toLowerCase(), g.metadata.name, '-n', g.metadata.namespace];
    runOrPlan(yes, args, 'not in charts-out; enforced on our pods next to ours');
  }
  if (yes && oldGuardrails(o).length) throw new StepFailure('old LimitRanges or ResourceQuotas still live after deleting them');
  out(`retire-guardrails: ${old.length} LimitRange(s)/ResourceQuota(s) not written by charts-out${old.length && !yes ? '; rerun with --yes' : ''}`);
  return 0;
}

const HOOK_ANNOTATION = 'argocd.argoproj.io/hook';

/**
 * Live Jobs with the name of a hook Job of ours that are not hooks themselves (the old charts' one-off Jobs). Argo CD
 * adopts the live object of a target's key, so such a Job becomes a prune task of the sync phase; gitops-engine keys a
 * task's result by resource key and phase (v0.7.1-0.20250129155113-4c6e03c46314, pkg/sync/sync_task.go 50-52,
 * sync_context.go 1301-1303), so a Sync hook of the same name reads the prune's result (`Pruned`, `Succeeded`) and
 * is never created (the rehearsal: superset-init). PreSync/PostSync hooks have other keys and run.
 */
export function oldHookJobs(ours: readonly Json[], live: readonly Json[]): Json[] {
  const hooks = new Set(ours.filter((m) => m.kind === 'Job' && m.metadata?.annotations?.[HOOK_ANNOTATION]).map((m) => `${m.metadata.namespace}/${m.metadata.name}`));
  return live.filter((j) => hooks.has(`${j.metadata.namespace}/${j.metadata.name}`) && !j.metadata?.annotations?.[HOOK_ANNOTATION]);
}

function liveOldHookJobs(o: EnvOutput): Json[] {
  const live = existingNamespaces(o.namespaces).flatMap((ns) => kubectlJson(['get', 'jobs', '-n', ns]).items as Json[]);
  return oldHookJobs(o.objects.map((x) => x.manifest), live);
}

function clearOldHooks(o: EnvOutput, yes: boolean): number {
  const old = liveOldHookJobs(o);
  const running = old.filter((j) => (j.status?.active ?? 0) > 0);
  if (running.length) throw new StepFailure(`still running: ${running.map((j) => `job ${j.metadata.namespace}/${j.metadata.name}`).join(', ')}; wait until it completes, then rerun`);
  for (const j of old) {
    const args = ['delete', 'job', j.metadata.name, '-n', j.metadata.namespace, '--cascade=background'];
    runOrPlan(yes, args, `an old Job with the name of our ${j.metadata.name} hook; ${j.status?.succeeded ? 'completed' : 'not running'}`);
  }
  if (yes && liveOldHookJobs(o).length) throw new StepFailure('old Jobs with our hooks\' names still live after deleting them');
  out(`clear-old-hooks: ${old.length} old Job(s) with the name of a hook Job of ours${old.length && !yes ? '; rerun with --yes' : ''}`);
  return 0;
}

/** Whether ours exists live. */
function liveOf(m: Json): Json | undefined {
  const args = ['get', `${m.kind}.${String(m.apiVersion).includes('/') ? String(m.apiVersion).split('/')[0] : ''}`.replace(/\.$/, ''), m.metadata.name];
  if (m.metadata.namespace) args.push('-n', m.metadata.namespace);
  const res = kubectl([...args, '-o', 'json', '--ignore-not-found']);
  if (res.code !== 0) return undefined; // a kind the cluster does not serve yet (its CRD comes with the sync)
  return res.stdout.trim() ? JSON.parse(res.stdout) as Json : undefined;
}

/**
 * The kubectl call with which the preflight sends ours as Argo CD would, as a server-side dry-run. A hook with
 * BeforeHookCreation is never sent over the live object: Argo CD deletes the live one and creates the hook
 * (gitops-engine sync_task.go deleteBeforeCreation; conformance/upgrade.ts applyModeOf). The preflight must not
 * delete, so it checks the create: the same object under a generated name (a dry-run create of the same name only
 * says AlreadyExists, and an apply over the live Job is refused for its immutable pod template).
 */
export function preflightRequest(manifest: Json, appOptions: string[]): { args: string[]; body: Json } {
  const mode = applyModeOf(manifest, appOptions);
  if (mode === 'hook-recreate') {
    const body = JSON.parse(JSON.stringify(manifest)) as Json;
    body.metadata.generateName = `${String(body.metadata.name).slice(0, 50)}-preflight-`;
    delete body.metadata.name;
    return { args: ['create', '--dry-run=server', '--validate=strict', '-f', '-'], body };
  }
  return { args: argocdApplyArgs(mode, '-'), body: manifest };
}

/** Sends ours over the live object as Argo CD would, as a server-side dry-run; returns the server's message when refused. */
function dryRunOver(o: OutputObject, appOptions: string[]): string | undefined {
  const req = preflightRequest(o.manifest, appOptions);
  const res = kubectl(req.args, JSON.stringify(req.body));
  return res.code === 0 ? undefined : res.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('Warning: ')).join('\n');
}

/** The argocd-cm key of the Application health check the app-of-apps waves rely on (README, GitOps delivery). */
const HEALTH_KEY = 'resource.customizations.health.argoproj.io_Application';

/** Live Applications with one of our names whose source is not ours (the old Helm Applications). */
function oldApplications(o: EnvOutput, argocdNs: string): Json[] {
  const ours = new Map([...o.children, ...o.root].map((a) => [a.metadata.name as string, a]));
  return (kubectlJson(['get', 'applications.argoproj.io', '-n', argocdNs]).items as Json[]).filter((a) => {
    const mine = ours.get(a.metadata.name);
    return mine && JSON.stringify(a.spec?.source ?? null) !== JSON.stringify(mine.spec?.source ?? null);
  });
}

function pauseOld(o: EnvOutput, argocdNs: string): number {
  const old = oldApplications(o, argocdNs);
  for (const a of old) {
    if (!a.spec?.syncPolicy?.automated) {
      out(`Application ${a.metadata.name}: automated sync already off`);
      continue;
    }
    kubectlOk(['patch', 'applications.argoproj.io', a.metadata.name, '-n', argocdNs, '--type', 'merge', '-p', '{"spec":{"syncPolicy":{"automated":null}}}']);
    out(`Application ${a.metadata.name} (source ${a.spec?.source?.path ?? a.spec?.source?.chart ?? '?'}): automated sync turned off; its objects keep running`);
  }
  const still = oldApplications(o, argocdNs).filter((a) => a.spec?.syncPolicy?.automated);
  if (still.length) throw new StepFailure(`still syncing automatically: ${still.map((a) => a.metadata.name).join(', ')}`);
  out(`pause-old: ${old.length} old Application(s) of our names; none syncs automatically`);
  return 0;
}

function preflight(o: EnvOutput, argocdNs: string): number {
  const problems: string[] = [];
  // 1. Argo CD settings this project relies on (README, GitOps delivery).
  const cm = kubectl(['get', 'configmap', 'argocd-cm', '-n', argocdNs, '-o', 'json']);
  if (cm.code !== 0) {
    problems.push(`Argo CD: cannot read configmap argocd-cm in ${argocdNs} (${cm.stderr.trim()}). Fix: pass --argocd-namespace`);
  } else {
    const data = (JSON.parse(cm.stdout) as Json).data ?? {};
    if (!data[HEALTH_KEY]) {
      problems.push(`Argo CD: argocd-cm has no ${HEALTH_KEY}, so the root does not wait for a child to be healthy before the next wave. Fix: the runbook's argocd-cm step`);
    }
    if (data['application.resourceTrackingMethod'] !== 'annotation') {
      problems.push(`Argo CD: application.resourceTrackingMethod is '${data['application.resourceTrackingMethod'] ?? '(unset: label)'}'; our objects set app.kubernetes.io/instance themselves. Fix: the runbook's argocd-cm step`);
    }
  }
  // 2. The old Applications of the same names must not sync automatically any more.
  const apps = oldApplications(o, argocdNs);
  for (const a of apps.filter((x) => x.spec?.syncPolicy?.automated)) {
    problems.push(`Argo CD: the old Application ${a.metadata.name} (source ${a.spec?.source?.path ?? a.spec?.source?.chart}) still syncs automatically. Fix: npm run takeover -- pause-old --env <env>`);
  }
  // 3. Every live claim protected, every volume retained.
  const namespaces = existingNamespaces(o.namespaces);
  const u = unprotected(namespaces);
  for (const c of u.claims) problems.push(`claim ${c.metadata.namespace}/${c.metadata.name} lacks ${KEEP_VOLUME_SYNC_OPTIONS.join(',')}. Fix: npm run takeover -- protect-volumes`);
  for (const n of u.namespaceObjects) problems.push(`namespace ${n.metadata.name} lacks ${KEEP_VOLUME_SYNC_OPTIONS.join(',')}. Fix: npm run takeover -- protect-volumes`);
  for (const pv of u.volumes) problems.push(`volume ${pv.metadata.name} has reclaimPolicy ${pv.spec?.persistentVolumeReclaimPolicy}. Fix: npm run takeover -- protect-volumes`);
  // 4. No old LimitRange or ResourceQuota that would be enforced on our pods next to ours.
  for (const g of oldGuardrails(o)) {
    problems.push(`${g.kind} ${g.metadata.namespace}/${g.metadata.name} is not written by charts-out and would still be enforced on our pods. Fix: npm run takeover -- retire-guardrails --env <env> --yes`);
  }
  // 5. No old Job with the name of a hook Job of ours (the hook would never run).
  for (const j of liveOldHookJobs(o)) {
    problems.push(`Job ${j.metadata.namespace}/${j.metadata.name} is not our hook but has its name: the sync would prune it and take that for the hook's run. Fix: npm run takeover -- clear-old-hooks --env <env> --yes`);
  }
  // 6. Every object of ours with a live counterpart, as Argo CD sends it.
  const appOptions = new Map(o.children.map((a) => [a.spec?.source?.path as string, (a.spec?.syncPolicy?.syncOptions ?? []) as string[]]));
  let checked = 0;
  for (const obj of o.objects) {
    const live = liveOf(obj.manifest);
    if (!live) continue;
    checked++;
    const folder = path.dirname(obj.file).split(path.sep).slice(-2).join('/');
    const opts = [...appOptions.entries()].find(([p]) => p?.endsWith(folder))?.[1] ?? [];
    const refused = dryRunOver(obj, opts);
    if (refused) {
      const declared = obj.manifest.metadata?.annotations?.[NOT_IN_PLACE_ANNOTATION];
      problems.push(`${obj.manifest.kind} ${obj.manifest.metadata.namespace ? `${obj.manifest.metadata.namespace}/` : ''}${obj.manifest.metadata.name} would be refused: ${refused}` +
        `${declared ? ' Fix: npm run takeover -- recreate --yes (declared orphan-and-recreate)' : ' Fix: make ours match the live field (see the upgrade tier: npm run conformance)'}`);
    }
  }
  out(`preflight: ${checked} live object(s) checked as Argo CD would send ours; ${namespaces.length} namespace(s); ${apps.length} old Application(s) of our names`);
  for (const p of problems) out(`  PROBLEM ${p}`);
  if (problems.length) throw new StepFailure(`preflight: ${problems.length} problem(s); fix them before the first sync`);
  out('preflight: ok');
  return 0;
}

function recreate(o: EnvOutput, yes: boolean): number {
  const declared = o.objects.filter((x) => x.manifest.metadata?.annotations?.[NOT_IN_PLACE_ANNOTATION] === 'orphan-and-recreate');
  let planned = 0;
  for (const obj of declared) {
    const m = obj.manifest;
    if (!liveOf(m)) continue;
    const refused = dryRunOver(obj, []);
    if (!refused) continue;
    planned++;
    const args = ['delete', m.kind.toLowerCase(), m.metadata.name, '--cascade=orphan', ...(m.metadata.namespace ? ['-n', m.metadata.namespace] : [])];
    runOrPlan(yes, args, m.metadata.annotations?.['platform.254carbon.com/not-in-place-reason'] ?? '');
  }
  out(`recreate: ${declared.length} object(s) declare orphan-and-recreate, ${planned} refused in place${planned && !yes ? '; rerun with --yes' : ''}`);
  return 0;
}

function parseDuration(s: string): number {
  const m = /^(\d+)(s|m|h)$/.exec(s);
  if (!m) throw new StepFailure(`--timeout ${s}: use a number with s, m or h (e.g. 30m)`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'] * 1000;
}

function waitApps(o: EnvOutput, argocdNs: string, root: boolean, timeoutMs: number): number {
  const names = [...o.children, ...(root ? o.root : [])].map((a) => a.metadata.name as string).sort();
  const started = Date.now();
  const deadline = started + timeoutMs;
  let last = -1;
  for (;;) {
    const items = new Map((kubectlJson(['get', 'applications.argoproj.io', '-n', argocdNs]).items as Json[]).map((a) => [a.metadata.name as string, a]));
    const pending = names.filter((n) => items.get(n)?.status?.sync?.status !== 'Synced' || items.get(n)?.status?.health?.status !== 'Healthy');
    if (pending.length !== last) {
      out(`wait: +${Math.round((Date.now() - started) / 1000)}s ${names.length - pending.length}/${names.length} Synced and Healthy${pending.length && pending.length <= 5 ? ` (waiting for ${pending.join(', ')})` : ''}`);
      last = pending.length;
    }
    if (!pending.length) {
      out(`wait: ${names.length} Application(s) Synced and Healthy`);
      return 0;
    }
    if (Date.now() > deadline) {
      for (const n of pending) {
        const a = items.get(n);
        out(`  ${n}: sync ${a?.status?.sync?.status ?? 'absent'}, health ${a?.status?.health?.status ?? 'absent'}${a?.status?.operationState?.message ? `: ${a.status.operationState.message}` : ''}`);
      }
      throw new StepFailure(`wait: ${pending.length} Application(s) not Synced and Healthy after ${timeoutMs / 1000} s`);
    }
    spawnSync('sleep', ['5']);
  }
}

function verify(o: EnvOutput, file: string): number {
  const snap = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
  const problems: string[] = [];
  const now = claimsIn(existingNamespaces(o.namespaces));
  for (const c of snap.claims as Json[]) {
    const live = now.find((x) => x.metadata.namespace === c.namespace && x.metadata.name === c.name);
    if (!live) problems.push(`claim ${c.namespace}/${c.name} is gone`);
    else if (live.metadata.uid !== c.uid) problems.push(`claim ${c.namespace}/${c.name} was recreated (uid ${c.uid} -> ${live.metadata.uid})`);
    else if (c.volumeName && live.spec?.volumeName !== c.volumeName) problems.push(`claim ${c.namespace}/${c.name} is bound to ${live.spec?.volumeName}, was ${c.volumeName}`);
    else if (c.phase === 'Bound' && live.status?.phase !== 'Bound') problems.push(`claim ${c.namespace}/${c.name} is ${live.status?.phase}, was Bound`);
  }
  const pvs = new Set((kubectlJson(['get', 'persistentvolumes']).items as Json[]).map((pv) => pv.metadata.name as string));
  for (const v of snap.volumes as Json[]) if (!pvs.has(v.name)) problems.push(`volume ${v.name} (claim ${v.claim}) is gone`);
  out(`verify: ${(snap.claims as Json[]).length} claim(s) and ${(snap.volumes as Json[]).length} volume(s) of ${file} checked; ${now.length} claim(s) live now`);
  for (const p of problems) out(`  PROBLEM ${p}`);
  if (problems.length) throw new StepFailure(`verify: ${problems.length} problem(s): restore from the backup taken in step 1`);
  out('verify: ok, nothing lost');
  return 0;
}

function rollback(o: EnvOutput, argocdNs: string, file: string, yes: boolean): number {
  const snap = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
  const live = new Map((kubectlJson(['get', 'applications.argoproj.io', '-n', argocdNs]).items as Json[]).map((a) => [a.metadata.name as string, a]));
  const plan: string[][] = [];
  // Root first: without its finalizer it never cascades; then the children, each without the resources finalizer so
  // that deleting it keeps every object it synced.
  for (const a of [...o.root, ...o.children]) {
    const name = a.metadata.name as string;
    if (!live.has(name)) continue;
    if ((live.get(name)!.metadata?.finalizers ?? []).length) {
      plan.push(['patch', 'applications.argoproj.io', name, '-n', argocdNs, '--type', 'merge', '-p', '{"metadata":{"finalizers":null}}']);
    }
    plan.push(['delete', 'applications.argoproj.io', name, '-n', argocdNs, '--wait=true']);
  }
  for (const args of plan) runOrPlan(yes, args);
  const restore = (snap.applications as Json[]).map(clean);
  out(`${yes ? 'restoring' : 'would restore'}: ${restore.map((a) => a.metadata.name).join(', ') || '(no Application in the snapshot)'} from ${file} (kubectl apply)`);
  if (yes && restore.length) {
    const res = kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: restore }));
    if (res.code !== 0) throw new StepFailure(`restoring the Applications failed: ${res.stderr.trim()}`);
    out(res.stdout.trim());
  }
  if (!yes) out('rollback: nothing changed; rerun with --yes');
  return 0;
}

export function main(argv: readonly string[]): number {
  const [step, ...rest] = argv.filter((a, i) => !(a === '--' && i === 0));
  if (step === '--help' || step === '-h') {
    out(USAGE);
    return 0;
  }
  const parsed = parseCommandLine(rest, {
    'env': { type: 'string' }, 'out': { type: 'string' }, 'out-dir': { type: 'string', default: 'charts-out' },
    'argocd-namespace': { type: 'string', default: 'argocd' }, 'against': { type: 'string' }, 'from': { type: 'string' },
    'yes': { type: 'boolean', default: false }, 'root': { type: 'boolean', default: false }, 'timeout': { type: 'string', default: '30m' },
  }, USAGE);
  if (typeof parsed === 'number') return parsed;
  const a = parsed.values;
  const need = (v: string | undefined, flag: string): string => {
    if (!v) throw new UsageError(`${step} needs ${flag}`);
    return v;
  };
  try {
    if (!step || step.startsWith('-')) throw new UsageError('name a step');
    const env = need(a.env, '--env NAME');
    const o = readEnv(path.resolve(a['out-dir']!), env);
    const ns = a['argocd-namespace']!;
    switch (step) {
      case 'snapshot': return snapshot(o, ns, need(a.out, '--out FILE'));
      case 'pause-old': return pauseOld(o, ns);
      case 'protect-volumes': return protectVolumes(o);
      case 'retire-guardrails': return retireGuardrails(o, a.yes!);
      case 'clear-old-hooks': return clearOldHooks(o, a.yes!);
      case 'preflight': return preflight(o, ns);
      case 'recreate': return recreate(o, a.yes!);
      case 'wait': return waitApps(o, ns, a.root!, parseDuration(a.timeout!));
      case 'verify': return verify(o, need(a.against, '--against FILE'));
      case 'rollback': return rollback(o, ns, need(a.from, '--from FILE'), a.yes!);
      default: throw new UsageError(`unknown step '${step}'`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`takeover: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof StepFailure) {
      process.stderr.write(`takeover ${step}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

class UsageError extends Error {}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
