/**
 * Self-test: proves the check catches what it must. Starts the same throwaway cluster, installs
 * the CRDs, and sends the fixtures:
 *   conformance/fixtures/accept/*.yaml  must be accepted;
 *   conformance/fixtures/reject/*.yaml  must each be rejected, with a server message that
 *                                       contains every `# expect-rejected: TEXT` line of the file.
 * Then it checks the --kubeconfig path against the same server (a kubeconfig it writes).
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
  print('');
  print(`self-test: ${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}
