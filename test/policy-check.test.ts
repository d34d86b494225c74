import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { canaries } from '../src/platform/policies/canaries';
import { policiesInUse } from '../src/platform/policies/policies';
import { LIBRARY_POLICY_SETS } from '../src/platform/policies/rules';
import { HUMAN_USER, requesterOf, simulateAdmission } from '../src/platform/policies/admission';
import { objectsOf } from './util';
import { borrowCanaries, enforced, parseApplySummary, parsePolicyReport, readLibrary, selectLibrary, userInfoYaml } from '../cli/policy-check';

// The command itself needs the Kyverno CLI (npm run policy-check, run by .ci/run); these tests cover its
// parsing and selection logic, which must not fail silently.
describe('policy-check', () => {
  test('reads the summary lines of kyverno apply', () => {
    const out = 'Applying 50 policy rule(s) to 16 resource(s) with 6 exception(s)...\n\npass: 242, fail: 0, warn: 0, error: 0, skip: 28 \n';
    expect(parseApplySummary(out)).toEqual({ rules: 50, resources: 16, exceptions: 6, pass: 242, fail: 0, warn: 0, error: 0, skip: 28 });
    expect(parseApplySummary('Applying 3 policy rule(s) to 8 resource(s)...\n')).toBeUndefined();
  });

  test('reads the rows of the policy report', () => {
    const out = [
      '', 'Applying 3 policy rule(s) to 8 resource(s)...', '----', 'POLICY REPORT:', '----',
      'apiVersion: wgpolicyk8s.io/v1alpha2', 'kind: ClusterPolicyReport', 'metadata:', '  name: merged', 'results:',
      '- policy: drop-net-raw-dev', '  rule: autogen-drop-net-raw-cap', '  result: fail',
      '  resources:', '  - {apiVersion: apps/v1, kind: Deployment, name: web, namespace: data-platform-dev}',
      'summary: {fail: 1}',
    ].join('\n');
    expect(parsePolicyReport(out)).toEqual([{ policy: 'drop-net-raw-dev', rule: 'autogen-drop-net-raw-cap', resource: 'Deployment/data-platform-dev/web', result: 'fail' }]);
  });

  test('switches a policy to Enforce without touching the original', () => {
    const p = { spec: { validationFailureAction: 'Audit', validationFailureActionOverrides: [{ action: 'Audit', namespaces: ['x'] }] } };
    expect(enforced(p).spec).toEqual({ validationFailureAction: 'Enforce' });
    expect(p.spec.validationFailureAction).toBe('Audit');
  });

  test('applies the opted-in library files, and refuses unknown policies, changed rule names and changed autogen controllers', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'library-'));
    const write = (f: string, name: string, rules: string[], controllers?: string) => fs.writeFileSync(path.join(dir, f),
      `apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: ${name}\n${controllers ? `  annotations:\n    pod-policies.kyverno.io/autogen-controllers: ${controllers}\n` : ''}spec:\n  rules:\n${rules.map((r) => `  - name: ${r}\n`).join('')}`);
    write('a.yaml', 'require-ro-rootfs', ['validate-readOnlyRootFilesystem']);
    write('b.yaml', 'require-pod-probes', ['validate-probes'], 'DaemonSet,Deployment,StatefulSet');
    write('c.yaml', 'disallow-latest-tag', ['validate-image-tag']);
    write('d.yaml', 'restrict-node-port', ['validate-nodeport']);
    write('e.yaml', 'drop-all-capabilities', ['require-drop-all'], 'Deployment');
    fs.writeFileSync(path.join(dir, 'README.md'), 'not a policy');
    const inUse = policiesInUse('dev', ['data-platform-dev'], ['best-practices']);
    const sel = selectLibrary(readLibrary(dir), inUse);
    expect(sel.apply.map((l) => l.file)).toEqual(['a.yaml', 'b.yaml']);
    expect(sel.problems).toEqual([
      expect.stringMatching(/^c\.yaml: library policy disallow-latest-tag has rules validate-image-tag, the platform encodes require-image-tag, validate-image-tag/),
      expect.stringMatching(/^d\.yaml: library policy restrict-node-port is not encoded by the platform/),
      expect.stringMatching(/^e\.yaml: library policy drop-all-capabilities generates rules for Deployment, the platform encodes the default controllers/),
    ]);
    expect(sel.notes).toContain('drop-cap-net-raw (set best-practices) is not in the library directory: checked in-process only');
    fs.writeFileSync(path.join(dir, 'f.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
    expect(() => readLibrary(dir)).toThrow(/f\.yaml holds a v1 ConfigMap, not a Kyverno ClusterPolicy/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the canaries make every rule of every policy fail in-process (so the engine cross-check covers every rule)', () => {
    const inUse = policiesInUse('dev', ['data-platform-dev'], LIBRARY_POLICY_SETS);
    const failed = new Set(simulateAdmission(canaries('data-platform-dev'), inUse, []).filter((v) => v.result === 'fail')
      .map((v) => `${v.policy}/${v.rule.replace(/^autogen-(cronjob-)?/, '')}`));
    const all = inUse.flatMap((p) => p.definition.rules.map((r) => `${p.name}/${r.name}`));
    expect(all.filter((r) => !failed.has(r))).toEqual([]);
    const compliant = simulateAdmission(canaries('data-platform-dev').filter((c) => c.metadata.name === 'canary-compliant'), inUse, []);
    expect(compliant.filter((v) => v.result === 'fail')).toEqual([]);
  });

  test('regression: the hand-made copies cover every controller-scoped exception, are sent by a person, and no exception matches them', () => {
    const objs = objectsOf('prod').map((o) => o.manifest);
    const exceptions = objs.filter((m) => m.kind === 'PolicyException');
    const workloads = objs.filter((m) => ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'].includes(m.kind));
    const copies = borrowCanaries(exceptions, workloads);
    const scoped = exceptions.flatMap((e) => e.spec.match.any.filter((f: any) => f.subjects));
    expect(copies).toHaveLength(scoped.length);
    expect(copies.length).toBeGreaterThanOrEqual(7);
    for (const c of copies) {
      expect(requesterOf(c)).toBe(HUMAN_USER);
      expect(c.metadata.name).toMatch(/-handmade$|^minio-0$/); // minio-0: the legacy pod's exact name
    }
    const inUse = policiesInUse('prod', ['data-platform'], LIBRARY_POLICY_SETS);
    const verdicts = simulateAdmission(copies, inUse, exceptions);
    expect(verdicts.filter((v) => v.result === 'skip')).toEqual([]);
    expect(verdicts.filter((v) => v.result === 'fail').length).toBeGreaterThan(0);
    expect(userInfoYaml(HUMAN_USER)).toMatch(/^apiVersion: cli\.kyverno\.io\/v1alpha1\nkind: UserInfo\n/);
    expect(userInfoYaml(HUMAN_USER)).toContain('username: jane@254carbon.com');
  });
});
