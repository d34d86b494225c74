import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ApiObject } from 'cdk8s';
import { Image } from '../src/core/image';
import { JobOptions, PlatformComponent, PlatformComponentProps, WorkloadIdentity } from '../src/core/component';
import { PlatformConfigError, PlatformValidationError } from '../src/core/errors';
import { PlatformGraph, ServiceDescriptor } from '../src/core/graph';
import { loadEnvironment } from '../src/config/values';
import { ArgoCdApplications, ARGOCD } from '../src/platform/gitops/argocd';
import { REFERENCE_REPO_URL } from '../src/presets/base';
import { prod } from '../src/presets/prod';
import { defineEnvironment } from '../src/core/define-environment';
import { planSyncWaves } from '../src/platform/gitops/waves';
import { DataPlatform } from '../src/platform/data-platform';
import { renderApp } from '../src/output/render';
import { synthesize } from '../src/output/synth';
import { ENVS, NAMESPACES } from './util';

const BUSYBOX = Image.parse('docker.io/library/busybox:1.36.1');
const result = synthesize();
const apps = (env: string) => result.objects.filter((o) => o.path.startsWith(`argocd/${env}/`) && !o.path.includes('/bootstrap/'));
const root = (env: string) => result.objects.filter((o) => o.path.startsWith(`argocd/${env}/bootstrap/`));

/** A test component: provides a Service, consumes others, and can add arbitrary objects. */
class Fake extends PlatformComponent {
  public static service(name: string): ServiceDescriptor<'http'> {
    return { component: name, name: `${name}-svc`, ports: { http: 80 } };
  }
  constructor(scope: Construct, name: string, props: PlatformComponentProps & { uses?: string[]; build?: (c: Fake) => void }) {
    super(scope, name, name, props);
    this.addService(Fake.service(name), { selector: { app: name }, role: 'x', version: '1' });
    for (const u of props.uses ?? []) this.endpoint(Fake.service(u), 'http');
    props.build?.(this);
  }
  /** The protected builders a test's `build` callback uses. */
  public job(id: WorkloadIdentity, opts: JobOptions): void {
    this.addJob(id, opts);
  }
  public configMap(name: string, data: Record<string, string>): void {
    this.addConfigMap(name, data, 'x', '1');
  }
}

function fakePlatform(specs: Record<string, { uses?: string[]; build?: (c: Fake) => void }>, waveAnchors?: Record<string, number>) {
  const environment = loadEnvironment('prod');
  const app = new App({ outdir: '.tmp/unused' });
  const components = Object.entries(specs).map(([name, s]) => new Fake(app, name, { environment, ...s }));
  const gitops = new ArgoCdApplications(app, 'argocd', { environment, graph: PlatformGraph.of(app), components, waveAnchors });
  return { app, gitops, objects: renderApp(app, 'prod') };
}

describe('Argo CD app-of-apps', () => {
  test.each(ENVS)('%s: one root and one child Application per component folder, each pointing at a synthesized folder', (env) => {
    const folders = [...new Set(result.objects.filter((o) => o.path.startsWith(`${env}/`)).map((o) => o.path.split('/')[1]))].sort();
    const children = apps(env);
    expect(children.map((a) => a.manifest.spec.source.path).sort()).toEqual(folders.map((f) => `charts-out/${env}/${f}`));
    for (const a of children) {
      const m = a.manifest;
      expect(m.metadata.namespace).toBe('argocd');
      expect(m.metadata.finalizers).toEqual([ARGOCD.resourcesFinalizer]);
      expect(m.spec.source).toMatchObject({ repoURL: REFERENCE_REPO_URL, targetRevision: 'main' });
      expect(m.spec.source.directory).toBeUndefined(); // Argo CD's default is non-recursive
      expect(m.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: NAMESPACES[env] });
      expect(m.spec.syncPolicy.automated).toMatchObject({ prune: true, selfHeal: true });
      expect(m.spec.syncPolicy.syncOptions ?? []).not.toContain('CreateNamespace=true'); // the namespaces Application
      expect(m.spec.syncPolicy.retry.backoff).toMatchObject({ duration: '5s', factor: 2 });
      expect(m.metadata.annotations[ARGOCD.syncWave]).toMatch(/^-?\d+$/);
    }
    const [r] = root(env);
    expect(root(env)).toHaveLength(1);
    expect(r.manifest.spec.source).toMatchObject({ path: `charts-out/argocd/${env}` });
    expect(r.manifest.spec.source.directory).toBeUndefined();
    expect(r.manifest.metadata.finalizers).toBeUndefined(); // deleting the root orphans, never cascades
  });

  test('every child path exists in the committed charts-out/', () => {
    for (const env of ENVS) {
      for (const a of apps(env)) {
        const dir = path.join(__dirname, '..', a.manifest.spec.source.path);
        expect(fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).length).toBeGreaterThan(0);
      }
      const rootDir = path.join(__dirname, '..', root(env)[0].manifest.spec.source.path);
      expect(fs.readdirSync(rootDir).filter((f) => f.startsWith('Application.')).length).toBe(apps(env).length);
    }
  });

  test('prod keeps the reference names (root data-platform); dev and staging are suffixed, names unique across environments', () => {
    expect(root('prod')[0].manifest.metadata.name).toBe('data-platform');
    const prodNames = apps('prod').map((a) => a.manifest.metadata.name).sort();
    // The reference pack's Application names, where the component existed there.
    expect(prodNames).toEqual(expect.arrayContaining(['api-gateway', 'monitoring', 'platform-policies', 'portal-services']));
    expect(prodNames).toEqual(expect.arrayContaining(['dolphinscheduler', 'minio', 'trino', 'superset', 'zookeeper']));
    // dev publishes no Ingress (components.ingress.enabled: false), so it has no `ingress` Application.
    expect(apps('dev').map((a) => a.manifest.metadata.name).sort()).toEqual(prodNames.filter((n) => n !== 'ingress').map((n) => `${n}-dev`).sort());
    expect(root('staging')[0].manifest.metadata.name).toBe('data-platform-staging');
    const all = result.objects.filter((o) => o.manifest.kind === 'Application').map((o) => o.manifest.metadata.name);
    expect(new Set(all).size).toBe(all.length);
  });

  test.each(ENVS)('%s: waves follow every dependency the constructs declare (provider strictly earlier)', (env) => {
    const app = new App({ outdir: '.tmp/unused' });
    const platform = new DataPlatform(app, env, { environment: loadEnvironment(env) });
    const wave = new Map(apps(env).map((a) => [a.manifest.spec.source.path.split('/').pop(), Number(a.manifest.metadata.annotations[ARGOCD.syncWave])]));
    const edges = platform.graph.edges.filter((e) => e.from !== e.to && wave.has(e.to));
    expect(edges.length).toBeGreaterThan(0);
    // Runtime links (the portal's registry health checks) order waves too, except where the provider needs
    // the consumer (the gateway reads the portal, so the portal's link to the gateway orders nothing).
    const ordered = edges.filter((e) => !e.soft || !(e.from === 'portal-services' && e.to === 'api-gateway'));
    expect(ordered.some((e) => e.soft)).toBe(true);
    for (const e of ordered) expect({ edge: `${e.from}->${e.to}`, later: wave.get(e.from)! > wave.get(e.to)! }).toEqual({ edge: `${e.from}->${e.to}`, later: true });
    expect(wave.get('zookeeper')).toBe(wave.get('minio'));
    expect(wave.get('dolphinscheduler')).toBe(wave.get('minio')! + 1);
  });

  test('waves: the reference order (zookeeper/minio/secrets < trino/redis < superset/portal-services < gateway) and portal-services anchored at -4', () => {
    const { waves } = planSyncWaves(['zookeeper', 'minio', 'secrets', 'trino', 'redis', 'superset', 'portal-services', 'graphql-gateway', 'dolphinscheduler'], [
      { from: 'dolphinscheduler', to: 'zookeeper', what: 's' }, { from: 'dolphinscheduler', to: 'minio', what: 's' },
      { from: 'trino', to: 'minio', what: 's' }, { from: 'trino', to: 'secrets', what: 's' }, { from: 'redis', to: 'secrets', what: 's' },
      { from: 'superset', to: 'trino', what: 's' }, { from: 'superset', to: 'redis', what: 's' },
      { from: 'portal-services', to: 'trino', what: 's' }, { from: 'portal-services', to: 'dolphinscheduler', what: 's' },
      { from: 'graphql-gateway', to: 'portal-services', what: 's' },
    ], { anchors: { 'portal-services': -4 } });
    expect(Object.fromEntries(waves)).toEqual({
      'zookeeper': -6, 'minio': -6, 'secrets': -6, 'dolphinscheduler': -5, 'trino': -5, 'redis': -5,
      'superset': -4, 'portal-services': -4, 'graphql-gateway': -3,
    });
  });

  test('a dependency cycle fails the synth and names the cycle with what each component reads', () => {
    let error: unknown;
    try {
      fakePlatform({ a: { uses: ['b'] }, b: { uses: ['c'] }, c: { uses: ['a'] }, d: {} });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PlatformValidationError);
    expect((error as Error).message).toContain('cycle a → b → c → a');
    expect((error as Error).message).toContain('a → b (service b-svc:http)');
  });

  test('new components get Applications and waves without edits', () => {
    const { objects } = fakePlatform({ base: {}, mid: { uses: ['base'] }, top: { uses: ['mid', 'base'] } });
    const waves = Object.fromEntries(objects.filter((o) => o.manifest.kind === 'Application' && !o.path.includes('bootstrap'))
      .map((o) => [o.manifest.metadata.name, o.manifest.metadata.annotations[ARGOCD.syncWave]]));
    expect(waves).toEqual({ namespaces: '-7', base: '-6', mid: '-5', top: '-4' });
    const top = objects.find((o) => o.manifest.metadata.name === 'top' && o.manifest.kind === 'Application')!;
    expect(top.manifest.metadata.annotations['platform.254carbon.com/depends-on']).toBe('base,mid');
  });

  test('no Application owns a Namespace it could delete: a Namespace object gets Delete=false,Prune=false', () => {
    const { objects } = fakePlatform({ ns: { build: (c) => { new k8s.KubeNamespace(c, 'Namespace', { metadata: { name: 'extra', namespace: undefined } }); } } });
    const ns = objects.find((o) => o.manifest.kind === 'Namespace')!;
    expect(ns.manifest.metadata.annotations[ARGOCD.syncOptions]).toBe('Delete=false,Prune=false');
    // and no synthesized environment contains a Namespace without it
    for (const o of result.objects.filter((x) => x.manifest.kind === 'Namespace')) {
      expect(o.manifest.metadata.annotations?.[ARGOCD.syncOptions]).toMatch(/Delete=false/);
    }
  });

  test('custom resources skip the dry run when their CRD is missing, and the component installing the CRD syncs first', () => {
    const { objects } = fakePlatform({
      policies: { build: (c) => { new ApiObject(c, 'ClusterPolicy', { apiVersion: 'kyverno.io/v1', kind: 'ClusterPolicy', metadata: { name: 'p' } }); } },
      kyverno: { build: (c) => { new ApiObject(c, 'CRD', { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'clusterpolicies.kyverno.io' }, spec: {
        group: 'kyverno.io', scope: 'Cluster', names: { kind: 'ClusterPolicy', plural: 'clusterpolicies' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      } }); } },
    });
    const cr = objects.find((o) => o.manifest.kind === 'ClusterPolicy')!;
    expect(cr.manifest.metadata.annotations[ARGOCD.syncOptions]).toBe('SkipDryRunOnMissingResource=true');
    const wave = (name: string) => Number(objects.find((o) => o.manifest.kind === 'Application' && o.manifest.metadata.name === name)!.manifest.metadata.annotations[ARGOCD.syncWave]);
    expect(wave('platform-policies')).toBeGreaterThan(wave('kyverno'));
  });

  test('one-off Jobs are hooks with a delete policy (a plain Job becomes a Sync hook); the existing init Jobs keep their phase', () => {
    const { objects } = fakePlatform({ jobs: { build: (c) => {
      c.job({ name: 'plain', role: 'init', version: '1' }, { pod: { containers: [{ name: 'x', image: BUSYBOX, resources: c.environment.resourcePresets.small, security: { uid: 1000 } }] } });
    } } });
    const job = objects.find((o) => o.manifest.kind === 'Job')!;
    expect(job.manifest.metadata.annotations).toMatchObject({ [ARGOCD.hook]: 'Sync', [ARGOCD.hookDeletePolicy]: 'BeforeHookCreation' });
    for (const env of ENVS) {
      for (const o of result.objects.filter((x) => x.path.startsWith(`${env}/`) && x.manifest.kind === 'Job')) {
        expect(o.manifest.metadata.annotations[ARGOCD.hook]).toMatch(/^(PreSync|Sync|PostSync)$/);
        expect(o.manifest.metadata.annotations[ARGOCD.hookDeletePolicy]).toBe('BeforeHookCreation');
      }
    }
    const init = result.objects.find((o) => o.path === 'prod/dolphinscheduler/Job.dolphinscheduler-init-db.yaml')!;
    expect(init.manifest.metadata.annotations[ARGOCD.hook]).toBe('PreSync');
    const buckets = result.objects.find((o) => o.path === 'prod/minio/Job.minio-init-buckets.yaml')!;
    expect(buckets.manifest.metadata.annotations[ARGOCD.hook]).toBe('PostSync');
  });

  test('a PreSync hook that needs a ConfigMap its own Application creates later fails the synth', () => {
    expect(() => fakePlatform({ bad: { build: (c) => {
      c.configMap('settings', { a: '1' });
      c.job({ name: 'early', role: 'init', version: '1', annotations: { [ARGOCD.hook]: 'PreSync' } }, {
        pod: { containers: [{ name: 'x', image: BUSYBOX, resources: c.environment.resourcePresets.small, security: { uid: 1000 },
          env: { A: { configMapKeyRef: { name: 'settings', key: 'a' } } } }] },
      });
    } } })).toThrow(/PreSync hook Job early needs ConfigMap\/settings/);
  });
});

describe('the repository Argo CD reads charts-out/ from', () => {
  const own = { name: 'acme', namespace: 'acme-data', domain: 'data.acme.example', storageClass: 'standard',
    resourcePresets: { small: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } },
      medium: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } },
      large: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } } };
  const components = (app: App, environment: ReturnType<typeof loadEnvironment>) => [new Fake(app, 'a', { environment })];

  test('regression: an environment outside the organisation gets no default repoURL; ArgoCdApplications names the key and the fix', () => {
    const environment = loadEnvironment(own);
    expect(environment.gitops.repoURL).toBeUndefined();
    const app = new App({ outdir: '.tmp/unused' });
    let err: unknown;
    try {
      new ArgoCdApplications(app, 'argocd', { environment, graph: PlatformGraph.of(app), components: components(app, environment) });
    } catch (e) { err = e; }
    expect(err).toBeInstanceOf(PlatformConfigError);
    expect((err as Error).message).toMatch(/^environment 'acme', gitops\.repoURL: no Git repository is given .* Fix: set gitops\.repoURL in the environment values .* or pass repoURL/);
  });

  test('regression: DataPlatform without a repoURL in props or environment fails with the same PlatformConfigError', () => {
    // The prod preset with its repoURL removed (null removes a key in an overlay), as a consumer's copy would be.
    const environment = loadEnvironment(defineEnvironment(prod, { gitops: { repoURL: null } }));
    let err: unknown;
    try { new DataPlatform(new App({ outdir: '.tmp/unused' }), 'prod', { environment }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(PlatformConfigError);
    expect((err as Error).message).toMatch(/^environment 'prod', gitops\.repoURL: .*Fix: set gitops\.repoURL/);
  });

  test('the repoURL comes from the props, else from gitops.repoURL; the presets name the reference repository', () => {
    for (const env of ENVS) expect(loadEnvironment(env).gitops.repoURL).toBe(REFERENCE_REPO_URL);
    const fromValues = loadEnvironment({ ...own, gitops: { repoURL: 'https://git.acme.example/data/platform.git' } });
    const app = new App({ outdir: '.tmp/unused' });
    const a = new ArgoCdApplications(app, 'argocd', { environment: fromValues, graph: PlatformGraph.of(app), components: components(app, fromValues) });
    expect(a.root.toJson().spec.source.repoURL).toBe('https://git.acme.example/data/platform.git');
    const app2 = new App({ outdir: '.tmp/unused' });
    const b = new ArgoCdApplications(app2, 'argocd', { environment: fromValues, graph: PlatformGraph.of(app2), components: components(app2, fromValues), repoURL: 'https://git.acme.example/other.git' });
    expect([...b.applications.values()].map((x) => x.toJson().spec.source.repoURL)).toEqual(['https://git.acme.example/other.git']);
  });
});
