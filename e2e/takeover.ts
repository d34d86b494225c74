/**
 * The prod take-over rehearsal (`npm run e2e -- --takeover`):
 * 1. applies the reference objects (../shared/reference/hmco-6c20054/) as the Helm umbrella left them: with
 *    `kubectl apply` (Argo CD 2.x applies client-side, leaving last-applied-configuration), each object of an
 *    Application's source path carrying that Application's label-tracking label (`app.kubernetes.io/instance`),
 *    plus the old Applications and AppProject themselves;
 * 2. runs the README's hand-over runbook: every fenced block whose info string is `sh takeover`, in order, with
 *    bash, KUBECONFIG and `kubectl` (built from the same Kubernetes release) on PATH, in a checkout of the synth;
 * 3. lets Argo CD adopt, and fails on any object the API server rejected, any PersistentVolumeClaim deleted, any
 *    Application not Synced and Healthy; it reports what was pruned and what the umbrella left behind untracked.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../conformance/binaries';
import type { E2eBinaries } from './binaries';
import { apply, get, list, Obj, sleep, waitUntil } from './kube';
import type { SynthRepo } from './repo';
import { ARGOCD_NAMESPACE, E2eStack } from './stack';
import { formatTable, formatWaveOrder, watchApplications } from './watch';

export interface TakeoverOptions {
  stack: E2eStack;
  repo: SynthRepo;
  binaries: E2eBinaries;
  timeoutMs: number;
  log: (m: string) => void;
  out: (m: string) => void;
}

/** The `sh takeover` blocks of a Markdown text, in order. */
export function runbookBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  const re = /^([ \t]*)```sh takeover[ \t]*\n([\s\S]*?)^\1```[ \t]*$/gm;
  let m: RegExpExecArray | null;
  while ((m = re.exec(markdown)) !== null) blocks.push(m[2].split('\n').map((l) => l.slice(m![1].length)).join('\n'));
  return blocks;
}

interface RefObject {
  file: string;
  obj: Obj;
  app?: string;
}

/** The reference objects, each with the old Application whose source path holds its file. */
export function referenceObjects(refDir: string): { objects: RefObject[]; skipped: string[] } {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e.name)) files.push(p);
    }
  };
  walk(refDir);
  const objects: RefObject[] = [];
  const skipped: string[] = [];
  for (const f of files) {
    const docs = parseAllDocuments(fs.readFileSync(f, 'utf8')).map((d) => d.toJS() as Obj | null)
      .filter((o): o is Obj => !!o && typeof o === 'object' && typeof o.apiVersion === 'string' && typeof o.kind === 'string');
    if (docs.length === 0) skipped.push(path.relative(refDir, f));
    for (const obj of docs) objects.push({ file: path.relative(refDir, f), obj });
  }
  // Owner: the old Application whose source path is the longest prefix of the file's path.
  const apps = objects.filter((o) => o.obj.kind === 'Application').map((o) => o.obj);
  for (const o of objects) {
    if (o.obj.kind === 'Application' || o.obj.kind === 'AppProject') continue;
    const owner = apps.map((a) => ({ a, p: String(a.spec?.source?.path ?? '') }))
      .filter(({ p }) => p && (o.file === p || o.file.startsWith(`${p}/`)))
      .sort((x, y) => y.p.length - x.p.length)[0];
    o.app = owner?.a.metadata.name;
  }
  return { objects, skipped };
}

/**
 * One definition per object: the pack defines some objects twice (INDEX.md, "Facts to keep in mind"); the cluster
 * held one of them. The later file in path order is the live one, as applying the tree in order would leave it; for
 * ZooKeeper that is `k8s/zookeeper/zookeeper-statefulset.yaml`, the definition the project documents as live
 * (docs/runtime-facts.md, take-over section; `zookeeper-simple.yaml`'s StatefulSet differs in fields fixed at
 * creation, so applying both in order is refused by the API server and cannot be what the cluster had).
 */
export function liveDefinitions(objects: readonly RefObject[]): { live: RefObject[]; dropped: { key: string; file: string; kept: string }[] } {
  const last = new Map<string, RefObject>();
  for (const o of objects) last.set(keyOf(o.obj), o);
  const dropped = objects.filter((o) => last.get(keyOf(o.obj)) !== o).map((o) => ({ key: keyOf(o.obj), file: o.file, kept: last.get(keyOf(o.obj))!.file }));
  return { live: objects.filter((o) => last.get(keyOf(o.obj)) === o), dropped };
}

const keyOf = (o: Obj) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;

export async function runTakeover(t: TakeoverOptions): Promise<boolean> {
  const { stack, repo, binaries, log, out } = t;
  const c = stack.client;
  const refDir = process.env.E2E_REFERENCE_DIR ?? path.join(REPO_ROOT, '..', 'shared', 'reference', 'hmco-6c20054');
  if (!fs.existsSync(refDir)) throw new Error(`no reference pack at ${refDir}. Fix: set E2E_REFERENCE_DIR`);
  const { objects: all, skipped } = referenceObjects(refDir);
  const { live: refs, dropped } = liveDefinitions(all);
  out(`\n-- reference state: ${all.length} objects from ${path.relative(REPO_ROOT, refDir)} (skipped, no objects: ${skipped.join(', ')})`);
  out(`defined twice in the pack, the later file taken as live (${dropped.length}):`);
  for (const d of dropped) out(`  ${d.key}: ${d.kept} (not ${d.file})`);

  // The kubectl the runbook uses, and a kubeconfig whose context namespace is argocd.
  const bin = path.join(stack.dir, 'runbook-bin');
  fs.mkdirSync(bin, { recursive: true });
  fs.symlinkSync(binaries.kubectl, path.join(bin, 'kubectl'));
  const kubeconfig = path.join(stack.dir, 'kubeconfig-runbook');
  fs.writeFileSync(kubeconfig, fs.readFileSync(stack.kubeconfig, 'utf8').replace('context: {cluster: local, user: admin}', 'context: {cluster: local, user: admin, namespace: argocd}'));
  const home = path.join(stack.dir, 'home'); // kubectl's and npm's caches and logs stay in the run's directory
  fs.mkdirSync(home, { recursive: true });
  const runEnv = { ...process.env, KUBECONFIG: kubeconfig, PATH: `${bin}:${process.env.PATH}`, HOME: home };
  const kubectl = (args: string[], input?: string) => spawnSync(binaries.kubectl, args, { env: runEnv, input, encoding: 'utf8', cwd: repo.dir });

  // Namespaces the old objects live in existed (CreateNamespace=true of the old Applications, or by hand).
  const namespaces = new Set<string>([ARGOCD_NAMESPACE]);
  for (const r of refs) {
    if (r.obj.kind === 'Namespace') continue;
    if (r.obj.metadata?.namespace) namespaces.add(r.obj.metadata.namespace);
    if (r.obj.kind === 'Application' && r.obj.spec?.destination?.namespace) namespaces.add(r.obj.spec.destination.namespace);
  }
  for (const ns of [...namespaces].sort()) await apply(c, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, 'argocd-controller');

  // Storage classes the umbrella's claims name other than local-path (e.g. spark-logs-pvc's local-storage-standard):
  // the cluster had them, with volumes; here each gets a class without provisioner and pre-made volumes.
  const classes = new Map<string, number>();
  for (const r of refs) {
    const specs = r.obj.kind === 'PersistentVolumeClaim' ? [r.obj.spec] : (r.obj.spec?.volumeClaimTemplates ?? []).map((t: Obj) => t.spec);
    for (const sp of specs) if (sp?.storageClassName && sp.storageClassName !== 'local-path') classes.set(sp.storageClassName, (classes.get(sp.storageClassName) ?? 0) + (r.obj.spec?.replicas ?? 1));
  }
  for (const [cls, n] of [...classes].sort()) {
    await apply(c, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: cls }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'Immediate', reclaimPolicy: 'Delete' });
    for (let i = 0; i < n; i++) {
      await apply(c, {
        apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: `e2e-${cls}-${i}` },
        spec: { capacity: { storage: '100Gi' }, accessModes: ['ReadWriteOnce', 'ReadWriteMany', 'ReadOnlyMany'], storageClassName: cls, persistentVolumeReclaimPolicy: 'Delete', hostPath: { path: `/tmp/254carbon-e2e-never-mounted/${cls}-${i}` } },
      });
    }
    out(`storage class ${cls} (named by the umbrella's claims): created with ${n} volume(s)`);
  }

  const rejected: string[] = [];
  let redactedSecrets = 0;
  const appliedKeys: Obj[] = [];
  const defaultNs = new Map(refs.filter((r) => r.obj.kind === 'Application').map((r) => [r.obj.metadata.name, r.obj.spec?.destination?.namespace]));
  for (const r of refs) {
    const o = structuredClone(r.obj);
    if (r.app) o.metadata.labels = { ...(o.metadata.labels ?? {}), 'app.kubernetes.io/instance': r.app }; // Argo CD 2.x label tracking
    // The pack redacts Secret values ("REDACTED", not base64): the live Secret had the same keys with real values.
    if (o.kind === 'Secret' && o.data) {
      for (const k of Object.keys(o.data)) if (!/^[A-Za-z0-9+/]*={0,2}$/.test(String(o.data[k]))) o.data[k] = Buffer.from(`redacted-${k}`).toString('base64');
      redactedSecrets++;
    }
    const ns = o.metadata.namespace ?? (r.app ? defaultNs.get(r.app) : undefined) ?? 'data-platform';
    const res = kubectl(['apply', '--namespace', ns, '-f', '-'], JSON.stringify(o));
    if (res.status !== 0) rejected.push(`${r.file}: ${o.kind} ${o.metadata.name}: ${(res.stderr || res.stdout).trim().split('\n').pop()}`);
    else appliedKeys.push(o);
  }
  // The project must also allow this rehearsal's file:// copy (on the real cluster it is the GitHub URL it lists).
  const project = await get(c, 'argoproj.io/v1alpha1', 'AppProject', 'production', ARGOCD_NAMESPACE);
  if (project && !project.spec.sourceRepos.includes(repo.url)) {
    const patched = kubectl(['-n', ARGOCD_NAMESPACE, 'patch', 'appproject', 'production', '--type', 'json', '-p', JSON.stringify([{ op: 'add', path: '/spec/sourceRepos/-', value: repo.url }])]);
    if (patched.status !== 0) throw new Error(`patching the AppProject failed: ${patched.stderr}`);
    out(`e2e: AppProject production additionally allows ${repo.url} (the rehearsal's copy of the repository)`);
  }
  out(`applied ${appliedKeys.length} reference objects as the umbrella left them (${redactedSecrets} Secret(s) with the pack's redacted values replaced by placeholders, keys kept)`);
  if (rejected.length) {
    out(`reference objects the API server rejects (so the umbrella cannot have left them; not part of the state): ${rejected.length}`);
    for (const r of rejected) out(`  ${r}`);
  }

  // Let the controllers settle: StatefulSets make their claims, claims bind.
  try {
    await waitUntil('reference StatefulSet claims Bound', 120_000, async () => {
      const stss = (await list(c, 'apps/v1', 'StatefulSet')).filter((s) => s.spec.volumeClaimTemplates?.length);
      const pvcs = await list(c, 'v1', 'PersistentVolumeClaim');
      const want = stss.reduce((n, s) => n + s.spec.volumeClaimTemplates.length * (s.spec.replicas ?? 1), 0);
      return pvcs.length >= want && pvcs.every((p) => p.status?.phase === 'Bound') ? true : undefined;
    }, 2000);
  } catch (e) {
    const pending = (await list(c, 'v1', 'PersistentVolumeClaim')).filter((p) => p.status?.phase !== 'Bound').map(keyOf);
    out(`note: ${(e as Error).message}; not Bound: ${pending.join(', ') || 'none'}`);
  }
  const before = await inventory(stack);
  const pvcsBefore = (await list(c, 'v1', 'PersistentVolumeClaim')).map((p) => ({ key: keyOf(p), uid: p.metadata.uid }));
  out(`before the hand-over: ${before.size} objects, ${pvcsBefore.length} PersistentVolumeClaims (${pvcsBefore.map((p) => p.key.split('/').slice(1).join('/')).join(', ')})`);

  // The runbook, exactly as the README writes it.
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const blocks = runbookBlocks(readme);
  if (blocks.length === 0) throw new Error('README.md has no ```sh takeover blocks (the hand-over runbook)');
  out(`\n-- hand-over runbook: ${blocks.length} block(s) from README.md`);
  // Watched from before the runbook, so every resource failure and the order the Applications appear in are seen
  // while the runbook's own wait steps run; the time bound after the runbook is set once it has ended.
  const expected = repo.objects.filter((o) => o.manifest.kind === 'Application').map((o) => o.manifest.metadata.name as string);
  let deadline = Infinity;
  const watching = watchApplications(c, expected, Infinity, log, async () => Date.now() > deadline - t.timeoutMs, () => Date.now() > deadline);
  let ok = true;
  for (const [i, block] of blocks.entries()) {
    out(`\n[runbook ${i + 1}/${blocks.length}]\n${block.trimEnd().split('\n').map((l) => `  $ ${l}`).join('\n')}`);
    const started = Date.now();
    const res = await runBlock(block, { env: runEnv, cwd: repo.dir, timeoutMs: t.timeoutMs }, (l) => out(`    ${l}`));
    out(`  -> exit ${res.code ?? res.signal} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    if (res.code !== 0) {
      ok = false;
      out(`FAILED: runbook block ${i + 1} exited ${res.code ?? res.signal}${res.signal ? ` (killed after ${t.timeoutMs / 1000} s)` : ''}`);
      break;
    }
  }

  // Adoption: every Application of the new layout Synced and Healthy (within the time bound after the runbook).
  const runbookEnd = Date.now();
  deadline = runbookEnd + (ok ? t.timeoutMs : 30_000);
  const res = await watching;
  const waves = new Map(repo.objects.filter((o) => o.manifest.kind === 'Application').map((o) => [o.manifest.metadata.name as string, o.manifest.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? '0']));
  out(`\n-- prod after the hand-over: ${res.ok ? 'adopted' : 'NOT adopted'} (${Math.round((Date.now() - runbookEnd) / 1000)} s after the runbook ended, ${res.seconds} s after it started)`);
  out(formatTable(res.rows.values(), expected, waves));
  // Creation order: the old Applications of our names existed before (the runbook's children and root steps
  // replace their specs); the children step applies every other child at once, so waves order only the root's syncs.
  const existed = [...res.rows.values()].filter((r) => (r.seenAt ?? 0) === 0).map((r) => r.name).sort();
  out(`order the Applications appeared in (seconds after the runbook started):`);
  out(`  before the runbook (the old Applications of our names; the children and root steps replace their specs): ${existed.join(', ') || 'none'}`);
  out(formatWaveOrder([...res.rows.values()].filter((r) => !existed.includes(r.name)), []));
  if (!res.ok) ok = false;
  // The umbrella's cluster's other Applications (not the platform's): the runbook leaves them alone.
  const others = (await list(c, 'argoproj.io/v1alpha1', 'Application', ARGOCD_NAMESPACE)).filter((a) => !expected.includes(a.metadata.name));
  out(`\nother Applications of the umbrella's cluster, not the platform's (untouched by the runbook; their Git source, GitHub, is unreachable here, so Argo CD reports what it reports; not counted): ${others.length}`);
  for (const a of others) out(`  ${a.metadata.name}: sync ${a.status?.sync?.status ?? '-'}, health ${a.status?.health?.status ?? '-'}${a.status?.conditions?.[0] ? `, ${a.status.conditions[0].type}: ${String(a.status.conditions[0].message).slice(0, 120)}` : ''}`);
  const apiRejections = res.failures.filter((f) => !/namespaces? "[^"]+" not found/.test(f.message));
  for (const f of res.failures) out(`  ${apiRejections.includes(f) ? 'REJECTED' : 'retried '} +${f.at}s ${f.app}: ${f.resource}: ${f.message}`);
  if (apiRejections.length) { ok = false; out(`FAILED: ${apiRejections.length} object(s) rejected during the adoption`); }

  await sleep(5000);
  const after = await inventory(stack);
  const pvcsAfter = new Map((await list(c, 'v1', 'PersistentVolumeClaim')).map((p) => [keyOf(p), p.metadata.uid]));
  const lostClaims = pvcsBefore.filter((p) => pvcsAfter.get(p.key) !== p.uid);
  if (lostClaims.length) {
    ok = false;
    out(`FAILED: PersistentVolumeClaims deleted or replaced: ${lostClaims.map((p) => p.key).join(', ')}`);
  } else {
    out(`all ${pvcsBefore.length} PersistentVolumeClaims of the umbrella kept (same UID)`);
  }
  // Every hook Job of ours ran: live, created from our hook (its annotation), complete. (An old Job of the same name
  // once shadowed the superset-init Sync hook, which then never ran: the runbook's clear-old-hooks step.)
  const hookJobs = repo.objects.map((o) => o.manifest).filter((m) => m.kind === 'Job' && m.metadata?.annotations?.['argocd.argoproj.io/hook']
    && !String(m.metadata.annotations['argocd.argoproj.io/hook-delete-policy'] ?? '').includes('HookSucceeded'));
  const notRun = hookJobs.filter((m) => {
    const j = after.get(keyOf(m));
    return !j?.metadata?.annotations?.['argocd.argoproj.io/hook'] || !(j.status?.succeeded >= 1);
  }).map(keyOf);
  if (notRun.length) { ok = false; out(`FAILED: hook Job(s) of ours not run to completion: ${notRun.join(', ')}`); }
  else out(`all ${hookJobs.length} hook Jobs of ours ran to completion (${hookJobs.map((m) => `${m.metadata.annotations['argocd.argoproj.io/hook']} ${m.metadata.name}`).join(', ')})`);
  const gone = [...before.keys()].filter((k) => !after.has(k)).sort();
  out(`pruned or deleted during the hand-over: ${gone.length ? '' : 'nothing'}`);
  const ours = new Map(repo.objects.map((o) => [keyOf(o.manifest), o.manifest]));
  for (const k of gone) {
    const hook = ours.get(k)?.metadata?.annotations?.['argocd.argoproj.io/hook'];
    const why = hook ? ` (a ${hook} hook of ours with BeforeHookCreation: Argo CD deletes the live one before it creates the hook; not live when this inventory was taken)`
      : /^(LimitRange|ResourceQuota)\//.test(k) ? ' (the runbook\'s retire-guardrails step)' : '';
    out(`  ${k}${why}`);
  }
  // Objects the umbrella applied that no Application tracks now (annotation tracking does not read the old label).
  const untracked = [...after.values()].filter((o) => o.metadata?.labels?.['app.kubernetes.io/instance']
    && !o.metadata?.annotations?.['argocd.argoproj.io/tracking-id']
    && appliedKeys.some((a) => a.kind === o.kind && a.metadata.name === o.metadata.name)).map(keyOf).sort();
  out(`left behind by the umbrella, tracked by no Application (not pruned; remove by hand): ${untracked.length}`);
  for (const k of untracked) out(`  ${k}`);
  return ok;
}

/** Runs one runbook block with bash -euo pipefail, printing its output as it comes (a long `wait` shows progress). */
function runBlock(block: string, o: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs: number }, line: (l: string) => void): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', block], { env: o.env, cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGTERM'), o.timeoutMs);
    for (const stream of [child.stdout, child.stderr]) {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (d: string) => {
        buf += d;
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const l of lines) line(l);
      });
      stream.on('end', () => { if (buf) line(buf); });
    }
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal }); });
  });
}

/** Every object of the kinds the platform and the reference use, by key (kube-system and argocd excluded). */
async function inventory(stack: E2eStack): Promise<Map<string, Obj>> {
  const kinds: [string, string][] = [
    ['v1', 'ConfigMap'], ['v1', 'Secret'], ['v1', 'LimitRange'], ['v1', 'ResourceQuota'], ['v1', 'Service'], ['v1', 'ServiceAccount'], ['v1', 'PersistentVolumeClaim'], ['v1', 'Namespace'],
    ['apps/v1', 'Deployment'], ['apps/v1', 'StatefulSet'], ['apps/v1', 'DaemonSet'], ['batch/v1', 'Job'], ['batch/v1', 'CronJob'],
    ['networking.k8s.io/v1', 'Ingress'], ['networking.k8s.io/v1', 'NetworkPolicy'], ['autoscaling/v2', 'HorizontalPodAutoscaler'],
    ['rbac.authorization.k8s.io/v1', 'Role'], ['rbac.authorization.k8s.io/v1', 'RoleBinding'], ['rbac.authorization.k8s.io/v1', 'ClusterRole'],
    ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'], ['policy/v1', 'PodDisruptionBudget'],
    ['kyverno.io/v1', 'ClusterPolicy'], ['kyverno.io/v2beta1', 'PolicyException'], ['monitoring.coreos.com/v1', 'PrometheusRule'],
    ['monitoring.coreos.com/v1', 'ServiceMonitor'], ['velero.io/v1', 'Schedule'], ['velero.io/v1', 'BackupStorageLocation'],
    ['external-secrets.io/v1beta1', 'ExternalSecret'], ['external-secrets.io/v1', 'ExternalSecret'], ['argoproj.io/v1alpha1', 'Application'],
  ];
  const m = new Map<string, Obj>();
  for (const [v, k] of kinds) {
    for (const o of await list(stack.client, v, k)) {
      const ns = o.metadata.namespace;
      if (ns === 'kube-system' || ns === 'kube-public' || ns === 'kube-node-lease') continue;
      if (k === 'ConfigMap' && o.metadata.name === 'kube-root-ca.crt') continue;
      if (k === 'ServiceAccount' && o.metadata.name === 'default') continue;
      if (k === 'Job' && o.metadata.ownerReferences?.length) continue; // CronJob runs
      if (o.metadata.name.startsWith('system:') || o.metadata.name.startsWith('kubeadm:')) continue;
      m.set(keyOf({ kind: k, metadata: o.metadata }), o);
    }
  }
  return m;
}
