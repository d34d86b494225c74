import { App } from 'cdk8s';
import { PlatformValidationError } from '../src/core/errors';
import { loadEnvironment } from '../src/config/values';
import { ARGOCD, POD_SECURITY_LABELS } from '../src/platform/gitops/argocd';
import { argoCdNormalizedPaths, checkNamespaces } from '../src/platform/gitops/checks';
import { DataPlatform } from '../src/platform/data-platform';
import { renderApp, RenderedObject } from '../src/output/render';
import { synthesize } from '../src/output/synth';
import { ENVS, NAMESPACES } from './util';

const result = synthesize();
const ofEnv = (env: string) => result.objects.filter((o) => o.path.startsWith(`${env}/`) || o.path.startsWith(`argocd/${env}/`));
const waveOf = (m: Record<string, any>) => Number(m.metadata.annotations[ARGOCD.syncWave]);
const children = (env: string) => result.objects.filter((o) => o.manifest.kind === 'Application' && o.path.startsWith(`argocd/${env}/`) && !o.path.includes('/bootstrap/'));
const namespacesApp = (env: string) => children(env).find((a) => a.manifest.spec.source.path === `charts-out/${env}/namespaces`)!;
/** The namespace each object is written to, with the Application deploying it. */
const namespaceUsers = (env: string) => {
  const byFolder = new Map(children(env).map((a) => [a.manifest.spec.source.path.replace(/^charts-out\//, ''), a]));
  return ofEnv(env).filter((o) => o.path.startsWith(`${env}/`) && o.manifest.metadata.namespace)
    .map((o) => ({ ns: o.manifest.metadata.namespace as string, app: byFolder.get(o.path.split('/').slice(0, 2).join('/'))! }));
};

describe('Argo CD: zero values and namespaces', () => {
  // Argo CD v2.13.9 util/argo/argo.go NormalizeApplicationSpec: the controller strips these and persists the
  // result ("Normalized app spec: {"spec":{"source":{"directory":null}}}"); the root then saw every child
  // OutOfSync and re-applied them forever.
  test('regression: no Application carries a value the Argo CD v2.13.9 controller normalizes away', () => {
    const applications = result.objects.filter((o) => o.manifest.kind === 'Application');
    expect(applications.length).toBeGreaterThan(40);
    for (const a of applications) expect({ path: a.path, normalized: argoCdNormalizedPaths(a.manifest.spec) }).toEqual({ path: a.path, normalized: [] });
  });

  test('the normalizer list matches the controller: each zero value is reported, non-zero values are kept', () => {
    expect(argoCdNormalizedPaths({ project: 'p', source: { directory: { recurse: false } } })).toEqual(['spec.source.directory (zero value: removed)']);
    expect(argoCdNormalizedPaths({ project: 'p', source: { directory: { recurse: false, jsonnet: {} } } })).toHaveLength(1);
    expect(argoCdNormalizedPaths({ project: 'p', source: { directory: { recurse: true } } })).toEqual([]);
    expect(argoCdNormalizedPaths({ project: 'p', source: { directory: { include: '*.yaml' } } })).toEqual([]);
    expect(argoCdNormalizedPaths({ project: 'p', source: { directory: { jsonnet: { libs: ['x'] } } } })).toEqual([]);
    expect(argoCdNormalizedPaths({ project: 'p', source: { helm: {} } })).toEqual(['spec.source.helm (zero value: removed)']);
    expect(argoCdNormalizedPaths({ project: 'p', source: { helm: { releaseName: 'r' } } })).toEqual([]);
    expect(argoCdNormalizedPaths({ project: 'p', source: { kustomize: { images: [] } } })).toEqual(['spec.source.kustomize (zero value: removed)']);
    expect(argoCdNormalizedPaths({ project: '', source: {} })).toEqual(['spec.project (empty: becomes "default")']);
    expect(argoCdNormalizedPaths({ project: 'p', syncPolicy: { syncOptions: [] } })).toHaveLength(1);
    expect(argoCdNormalizedPaths({ project: 'p', syncPolicy: { retry: { limit: 1 } } })).toEqual([]);
  });

  test.each(ENVS)('regression: %s: every namespace an object is written to is created by the namespaces Application, one wave before its users', (env) => {
    const nsApp = namespacesApp(env);
    expect(nsApp).toBeDefined();
    const owned = new Set(ofEnv(env).filter((o) => o.manifest.kind === 'Namespace').map((o) => o.manifest.metadata.name as string));
    const prodOwned = new Set(ofEnv('prod').filter((o) => o.manifest.kind === 'Namespace').map((o) => o.manifest.metadata.name as string));
    const users = namespaceUsers(env);
    expect(new Set(users.map((u) => u.ns))).toEqual(new Set([NAMESPACES[env], 'monitoring', 'velero', 'victoria-metrics']));
    for (const u of users) {
      // Owned here, or (dev, staging: gitops.ownSharedNamespaces false) by prod's namespaces Application.
      expect(owned.has(u.ns) || (env !== 'prod' && prodOwned.has(u.ns))).toBe(true);
      expect(waveOf(u.app.manifest)).toBeGreaterThan(waveOf(nsApp.manifest));
    }
    expect(owned.has(NAMESPACES[env])).toBe(true);
  });

  test('regression: no child Application uses CreateNamespace=true (the first wave raced: namespace already exists)', () => {
    for (const env of ENVS) {
      for (const a of children(env)) expect(a.manifest.spec.syncPolicy.syncOptions ?? []).not.toContain('CreateNamespace=true');
    }
  });

  test('regression: each namespace has exactly one owner across environments, protected by Delete=false,Prune=false', () => {
    const namespaces = result.objects.filter((o) => o.manifest.kind === 'Namespace');
    const names = namespaces.map((o) => o.manifest.metadata.name).sort();
    expect(names).toEqual([...new Set(names)]);
    expect(names).toEqual(['data-platform', 'data-platform-dev', 'data-platform-staging', 'monitoring', 'velero', 'victoria-metrics']);
    for (const n of namespaces) {
      expect(n.path).toMatch(/^(dev|staging|prod)\/namespaces\/Namespace\./);
      expect(n.manifest.metadata.namespace).toBeUndefined();
      expect(n.manifest.metadata.annotations[ARGOCD.syncOptions].split(',')).toEqual(expect.arrayContaining(['Delete=false', 'Prune=false']));
    }
  });

  test.each(ENVS)('%s: the environment namespace enforces Pod Security baseline and warns and audits restricted', (env) => {
    const ns = ofEnv(env).find((o) => o.manifest.kind === 'Namespace' && o.manifest.metadata.name === NAMESPACES[env])!;
    expect(ns.manifest.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'baseline',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
    });
    expect(ns.manifest.metadata.labels).toMatchObject(POD_SECURITY_LABELS);
    // Shared namespaces host the log shipper (hostPath): no enforced profile is imposed on them here.
    for (const o of ofEnv(env).filter((x) => x.manifest.kind === 'Namespace' && x.manifest.metadata.name !== NAMESPACES[env])) {
      expect(o.manifest.metadata.labels['pod-security.kubernetes.io/enforce']).toBeUndefined();
    }
  });

  test('checkNamespaces fails on a namespace nothing creates, a CreateNamespace child, an unprotected Namespace and a late namespaces wave', () => {
    const env = 'prod';
    const base = ofEnv(env);
    const edit = (f: (objs: RenderedObject[]) => RenderedObject[]) => checkNamespaces(f(base.map((o) => ({ ...o, manifest: structuredClone(o.manifest) }))), env);
    expect(checkNamespaces(base, env)).toEqual([]);
    expect(edit((objs) => objs.filter((o) => !(o.manifest.kind === 'Namespace' && o.manifest.metadata.name === 'velero'))).join('\n'))
      .toMatch(/namespace 'velero' is written to by \d+ object\(s\).*no Namespace object creates it/);
    expect(edit((objs) => { objs.find((o) => o.path.endsWith('Application.zookeeper.yaml'))!.manifest.spec.syncPolicy.syncOptions = ['CreateNamespace=true']; return objs; }).join('\n'))
      .toMatch(/Application\.zookeeper\.yaml: CreateNamespace=true/);
    expect(edit((objs) => { delete objs.find((o) => o.manifest.kind === 'Namespace')!.manifest.metadata.annotations; return objs; }).join('\n'))
      .toMatch(/lacks argocd.argoproj.io\/sync-options Delete=false,Prune=false/);
    expect(edit((objs) => { objs.find((o) => o.path.endsWith('Application.namespaces.yaml'))!.manifest.metadata.annotations[ARGOCD.syncWave] = '0'; return objs; }).join('\n'))
      .toMatch(/is not after the namespaces Application's wave 0/);
    expect(edit((objs) => { objs.find((o) => o.path.endsWith('Application.zookeeper.yaml'))!.manifest.spec.source.directory = { recurse: false }; return objs; }).join('\n'))
      .toMatch(/normalizes spec.source.directory/);
  });

  test('two environments owning one shared namespace fail the synth, naming the fix', () => {
    expect(() => synthesize({ environments: ['dev', 'prod'], values: [{ source: 'own.yaml', data: { gitops: { ownSharedNamespaces: true } } }] }))
      .toThrow(/both create Namespace monitoring.*Fix: set gitops.ownSharedNamespaces: false in all environments but one/s);
    try {
      synthesize({ values: [{ source: 'none.yaml', data: { gitops: { ownSharedNamespaces: false } } }] });
      throw new Error('expected a failure');
    } catch (e) {
      expect(e).toBeInstanceOf(PlatformValidationError);
      expect(String((e as PlatformValidationError).message + (e as any).problems)).toMatch(/no environment owns it/);
    }
  });

  test('the repository URL comes from the environment (gitops.repoURL), for every Application', () => {
    const r = synthesize({ environments: ['dev'], values: [{ source: 'e2e.yaml', data: { gitops: { repoURL: 'file:///tmp/x/repo' } } }] });
    const applications = r.objects.filter((o) => o.manifest.kind === 'Application');
    expect(applications.length).toBeGreaterThan(10);
    for (const a of applications) expect(a.manifest.spec.source.repoURL).toBe('file:///tmp/x/repo');
    expect(() => synthesize({ environments: ['dev'], values: [{ source: 'bad.yaml', data: { gitops: { repoURL: 'not a url' } } }] }))
      .toThrow(/gitops.repoURL/);
  });

  test('a component named like the namespaces Application fails the synth', () => {
    const environment = loadEnvironment('dev');
    const app = new App({ outdir: '.tmp/unused' });
    const p = new DataPlatform(app, 'dev', { environment });
    expect(p.gitops?.namespacesApplication.name).toBe('namespaces-dev');
    expect(renderApp(app, 'dev').some((o) => o.path === 'dev/namespaces/Namespace.data-platform-dev.yaml')).toBe(true);
  });
});
