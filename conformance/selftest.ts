/**
 * Self-test: proves the check catches what it must. Starts the same throwaway cluster, installs
 * the CRDs, and sends the fixtures:
 *   conformance/fixtures/accept/*.yaml  must be accepted;
 *   conformance/fixtures/reject/*.yaml  must each be rejected, with a server message that
 *                                       contains every `# expect-rejected: TEXT` line of the file.
 * Then it checks the --kubeconfig path against the same server (a kubeconfig it writes), and the upgrade tier:
 *   conformance/fixtures/upgrade/<case>/live.yaml  is created for real (kubectl apply), then
 *   conformance/fixtures/upgrade/<case>/ours.yaml  is sent over it as Argo CD would; it must be rejected with
 *                                       every `# expect-rejected: TEXT` of ours.yaml, or accepted when it has none.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeVersions, obtainBinaries } from './binaries';
import {
  createNamespaces, dryRun, installCrds, Log, missingNamespaces, neededNamespaces, ObjectResult, relativeFile, resolveTargets,
} from './check';
import { KubeClient } from './client';
import { LocalCluster } from './cluster';
import { loadKubeconfig } from './kubeconfig';
import { describe, Manifest, readManifests, yamlFilesUnder } from './manifests';
import { applyModeOf, runUpgradeCases, UpgradeCase } from './upgrade';

export const FIXTURES = path.join(__dirname, 'fixtures');

export interface SelfTestOptions {
  crds: Manifest[];
  keepTmp: boolean;
  log: Log;
  print: Log;
}

interface Case {
  manifest: Manifest;
  expect: 'accepted' | 'rejected';
  /** Substrings the rejection message must contain. */
  messageContains: string[];
}

/** The upgrade fixtures: one folder per case with live.yaml and ours.yaml. */
export function loadUpgradeCases(): { upgrade: UpgradeCase; messageContains: string[] }[] {
  const dir = path.join(FIXTURES, 'upgrade');
  return fs.readdirSync(dir).sort().map((name) => {
    const read = (f: string): Manifest => {
      const docs = readManifests(path.join(dir, name, f), `upgrade/${name}`);
      if (docs.length !== 1 || !docs[0].object) throw new Error(`conformance/fixtures/upgrade/${name}/${f}: a fixture holds exactly one object`);
      return docs[0];
    };
    const live = read('live.yaml');
    const ours = read('ours.yaml');
    const o = ours.object!;
    const messageContains = [...ours.text.matchAll(/^# expect-rejected: (.+)$/gm)].map((m) => m[1].trim());
    const namespace = o.metadata?.namespace;
    return {
      upgrade: {
        group: `upgrade/${name}`, ours, live, namespace, primary: true, mode: applyModeOf(o, []),
        key: `${String(o.apiVersion).split('/')[0]}/${String(o.kind)}/${namespace ?? ''}/${o.metadata?.name}`,
      },
      messageContains,
    };
  });
}

export function loadCases(): Case[] {
  const cases: Case[] = [];
  for (const expect of ['accepted', 'rejected'] as const) {
    const dir = path.join(FIXTURES, expect === 'accepted' ? 'accept' : 'reject');
    for (const file of yamlFilesUnder(dir)) {
      const text = fs.readFileSync(file, 'utf8');
      const messageContains = [...text.matchAll(/^# expect-rejected: (.+)$/gm)].map((m) => m[1].trim());
      if (expect === 'rejected' && !messageContains.length) {
        throw new Error(`${relativeFile(file)}: a reject fixture needs a '# expect-rejected: TEXT' line`);
      }
      const docs = readManifests(file, expect);
      if (docs.length !== 1) throw new Error(`${relativeFile(file)}: a fixture holds exactly one object`);
      cases.push({ manifest: docs[0], expect, messageContains });
    }
  }
  return cases;
}

function verdict(c: Case, r: ObjectResult): string | undefined {
  if (c.expect === 'accepted') return r.accepted ? undefined : `expected accepted, got rejected: ${r.message}`;
  if (r.accepted) return 'expected a rejection, but the server accepted it';
  const missing = c.messageContains.filter((s) => !(r.message ?? '').includes(s));
  return missing.length ? `rejected, but the message lacks ${missing.map((s) => JSON.stringify(s)).join(', ')}: ${r.message}` : undefined;
}

export async function runSelfTest(opts: SelfTestOptions): Promise<number> {
  const { log, print } = opts;
  const cases = loadCases();
  const manifests = cases.map((c) => c.manifest);
  let passed = 0;
  let failed = 0;
  const report = (ok: boolean, what: string, detail: string) => {
    if (ok) passed++;
    else failed++;
    print(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
    if (detail) print(`       ${detail.split('\n').join('\n       ')}`);
  };

  const binaries = obtainBinaries(log);
  log(describeVersions(binaries));
  const cluster = await LocalCluster.start({ binaries, keepDir: opts.keepTmp, log });
  try {
    const client = cluster.client;
    const crds = await installCrds(client, opts.crds, log);
    report(crds.failures.length === 0 && crds.installed.length > 0, `CRDs installed and Established (${crds.installed.length})`,
      crds.failures.map((f) => `${relativeFile(f.manifest.file)}: ${f.message}`).join('\n'));

    const targets = await resolveTargets(client, manifests, manifests, FIXTURES);
    const namespaces = neededNamespaces(targets);
    await createNamespaces(client, namespaces, manifests, log);
    log(`namespaces created: ${namespaces.join(', ')}`);
    print('');
    for (const [i, t] of targets.entries()) {
      const c = cases[i];
      const r = await dryRun(client, t);
      const problem = verdict(c, r);
      const what = `${relativeFile(c.manifest.file)} (${describe(c.manifest)}): ${r.accepted ? 'accepted' : 'rejected'}`;
      report(!problem, what, problem ?? (r.accepted ? '' : `${r.sent ? 'server' : 'check'}: ${r.message}`));
    }

    // The --kubeconfig code path, against the same server.
    print('');
    const kc = loadKubeconfig(cluster.writeKubeconfig());
    const viaKubeconfig = new KubeClient(kc);
    try {
      const good = cases.find((c) => c.expect === 'accepted' && c.manifest.object?.kind === 'ConfigMap');
      if (good) {
        const [t] = await resolveTargets(viaKubeconfig, [good.manifest], [good.manifest], FIXTURES);
        const r = await dryRun(viaKubeconfig, t);
        report(r.accepted, `--kubeconfig: ${relativeFile(good.manifest.file)} accepted through a kubeconfig`, r.message ?? '');
      }
      const absent = 'conformance-selftest-absent';
      const missing = await missingNamespaces(viaKubeconfig, [...namespaces, absent]);
      report(missing.length === 1 && missing[0] === absent, '--kubeconfig: a missing namespace is reported', `missing: ${missing.join(', ')}`);
    } finally {
      viaKubeconfig.close();
    }
  } finally {
    await cluster.stop();
  }

  // The upgrade tier: ours over a live object, as Argo CD sends it.
  print('');
  const upgrades = loadUpgradeCases();
  const results = await runUpgradeCases({ binaries, crds: [], cases: upgrades.map((u) => u.upgrade), keepTmp: opts.keepTmp, concurrency: 4, log });
  for (const [i, r] of results.entries()) {
    const want = upgrades[i].messageContains;
    const what = `upgrade ${r.upgrade.group} (${r.upgrade.mode}): ${r.accepted ? 'accepted' : 'rejected'}`;
    let problem: string | undefined;
    if (r.skipped) problem = `the live object was not created: ${r.skipped}`;
    else if (!want.length) problem = r.accepted ? undefined : `expected accepted, got rejected: ${r.message}`;
    else if (r.accepted) problem = 'expected a rejection, but the server accepted it';
    else {
      const missing = want.filter((t) => !(r.message ?? '').includes(t));
      if (missing.length) problem = `rejected, but the message lacks ${missing.map((t) => JSON.stringify(t)).join(', ')}: ${r.message}`;
    }
    report(!problem, what, problem ?? (r.accepted ? '' : `server: ${r.message}`));
  }
  print('');
  print(`self-test: ${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}
