import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readManifests } from '../conformance/manifests';
import { applyModeOf, argocdApplyArgs, asKubectlReadsIt, pairCounterparts, readLiveChoices, trackingId } from '../conformance/upgrade';

function write(root: string, rel: string, text: string): string {
  const f = path.join(root, rel);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
  return f;
}

const NAMESPACED = new Set(['Deployment', 'Job', 'Application', 'StatefulSet']);
const apis = { namespaced: async (_v: string, k: string) => (k === 'Unknown' ? undefined : NAMESPACED.has(k)) };

describe('conformance upgrade tier: pairing and how Argo CD sends an object', () => {
  test('regression: reference objects pair by group/kind/name, the release namespace maps to each environment, duplicates need a declared live definition', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upgrade-pair-'));
    try {
      const ref = path.join(dir, 'ref');
      const out = path.join(dir, 'out');
      write(ref, 'k8s/gitops/apps.yaml', 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: umbrella, namespace: argocd}\nspec: {source: {path: helm/charts/umbrella}, destination: {namespace: data-platform}}\n');
      write(ref, 'helm/charts/umbrella/templates/web.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {}\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db, namespace: data-platform}\nspec: {}\n');
      write(ref, 'k8s/db-other.yaml', 'apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db, namespace: data-platform}\nspec: {}\n');
      write(out, 'dev/web/Deployment.web.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: data-platform-dev}\nspec: {}\n');
      write(out, 'dev/db/StatefulSet.db.yaml', 'apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db, namespace: data-platform-dev}\nspec: {}\n');
      write(out, 'dev/web/Job.init.yaml', 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: init, namespace: data-platform-dev, annotations: {argocd.argoproj.io/hook: Sync, argocd.argoproj.io/hook-delete-policy: BeforeHookCreation}}\nspec: {}\n');
      write(out, 'argocd/dev/Application.web.yaml', 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: web-dev, namespace: argocd}\nspec: {source: {path: charts-out/dev/web}, destination: {namespace: data-platform-dev}, syncPolicy: {syncOptions: [ServerSideApply=true]}}\n');
      const reference = ['k8s/gitops/apps.yaml', 'helm/charts/umbrella/templates/web.yaml', 'k8s/db-other.yaml'].flatMap((f) => readManifests(path.join(ref, f), 'reference'));
      const ours = new Map([
        ['dev', ['dev/web/Deployment.web.yaml', 'dev/db/StatefulSet.db.yaml', 'dev/web/Job.init.yaml'].flatMap((f) => readManifests(path.join(out, f), 'dev'))],
        ['argocd/dev', readManifests(path.join(out, 'argocd/dev/Application.web.yaml'), 'argocd/dev')],
      ]);
      const undeclared = await pairCounterparts({ ours, reference, referenceDir: ref, outDir: out, apis, liveChoices: [] });
      expect(undeclared.problems).toEqual([expect.stringContaining('defines StatefulSet/data-platform/db 2 times')]);
      const { cases, problems } = await pairCounterparts({
        ours, reference, referenceDir: ref, outDir: out, apis,
        liveChoices: [{ object: 'StatefulSet/data-platform/db', live: 'k8s/db-other.yaml', reason: 'test' }],
      });
      expect(problems).toEqual([]);
      const web = cases.find((c) => c.ours.object?.kind === 'Deployment')!;
      // The reference Deployment has no namespace: it lives in the umbrella's destination, mapped to dev's namespace.
      expect(web).toMatchObject({ namespace: 'data-platform-dev', liveApp: 'umbrella', app: 'web-dev', mode: 'server-side-apply', primary: true });
      const db = cases.filter((c) => c.ours.object?.kind === 'StatefulSet');
      expect(db.map((c) => [path.relative(ref, c.live.file), c.primary])).toEqual([['helm/charts/umbrella/templates/web.yaml', false], ['k8s/db-other.yaml', true]]);
      expect(cases.some((c) => c.ours.object?.kind === 'Job')).toBe(false); // no counterpart
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the apply mode and kubectl arguments follow gitops-engine', () => {
    const o = (ann: Record<string, string>, kind = 'StatefulSet') => ({ apiVersion: 'apps/v1', kind, metadata: { name: 'x', annotations: ann } });
    expect(applyModeOf(o({}), [])).toBe('client-side-apply');
    expect(applyModeOf(o({}), ['ServerSideApply=true'])).toBe('server-side-apply');
    expect(applyModeOf(o({ 'argocd.argoproj.io/sync-options': 'Replace=true' }), [])).toBe('replace');
    expect(applyModeOf(o({ 'argocd.argoproj.io/sync-options': 'Replace=true,Force=true' }), [])).toBe('replace-force');
    expect(applyModeOf(o({ 'argocd.argoproj.io/sync-options': 'Replace=true' }, 'Namespace'), [])).toBe('client-side-apply');
    expect(applyModeOf(o({ 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' }, 'Job'), [])).toBe('hook-recreate');
    expect(applyModeOf(o({ 'platform.254carbon.com/not-in-place': 'orphan-and-recreate' }), [])).toBe('orphan-and-recreate');
    expect(argocdApplyArgs('client-side-apply', 'f')).toEqual(['apply', '--overwrite=true', '--openapi-patch=true', '--dry-run=server', '--validate=strict', '-f', 'f']);
    expect(argocdApplyArgs('server-side-apply', 'f')).toEqual(['apply', '--server-side', '--force-conflicts', '--field-manager=argocd-controller', '--dry-run=server', '--validate=strict', '-f', 'f']);
    expect(trackingId('zookeeper', o({}), 'data-platform')).toBe('zookeeper:apps/StatefulSet:data-platform/x');
  });

  test('regression: objects reach kubectl as kubectl reads the YAML (1.1): a quoted "off" stays a string, a bare yes is a boolean', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {quoted: "off", bare: yes, also: "no"}\n';
    const m = { file: 'x.yaml', doc: 0, group: 'g', text };
    expect(asKubectlReadsIt(m).data).toEqual({ quoted: 'off', bare: true, also: 'no' });
  });

  test('upgrade-live.yaml names a live definition, with a reason, for every object the reference repeats', () => {
    const choices = readLiveChoices(path.join(__dirname, '..', 'conformance', 'upgrade-live.yaml'));
    expect(choices.map((c) => c.object)).toContain('StatefulSet/data-platform/zookeeper');
    for (const c of choices) expect(c.reason.length).toBeGreaterThan(10);
  });
});
