import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { checkReferences } from '../src/platform/checks/references';
import { ingressVerdict, PodRef } from '../src/platform/network/evaluate';
import { NetworkPolicyInputs, planNetworkPolicies } from '../src/platform/network/plan';
import { PlatformNetworkPolicies } from '../src/platform/network/network-policies';
import { loadEnvironment, LoadEnvironmentOptions } from '../src/config/values';
import { renderApp } from '../src/output/render';
import { DataPlatform } from '../src/platform/data-platform';
import { environmentGraph } from '../cli/graph';
import { ENVS, NAMESPACES, objectsOf, synthError } from './util';

/** Synthesizes one environment and returns its graph inputs, its policies (as manifests) and its Ingresses. */
function build(env: string, values: LoadEnvironmentOptions['values'] = []) {
  const environment = loadEnvironment(env, { values });
  const app = new App({ outdir: '.tmp/unused' });
  const platform = new DataPlatform(app, environment.name, { environment, gitops: false });
  const objects = renderApp(app, environment.name).map((o) => o.manifest);
  const netpol = platform.components.get('network-policies') as PlatformNetworkPolicies | undefined;
  const inputs: NetworkPolicyInputs = netpol!.inputs();
  return {
    environment, graph: platform.graph, inputs,
    policies: objects.filter((m) => m.kind === 'NetworkPolicy'),
    ingresses: objects.filter((m) => m.kind === 'Ingress'),
    services: objects.filter((m) => m.kind === 'Service'),
  };
}
const cache = new Map<string, ReturnType<typeof build>>();
const built = (env: string) => cache.get(env) ?? (cache.set(env, build(env)), cache.get(env)!);

const admitted = (policies: ReadonlyArray<Record<string, any>>, from: PodRef, to: PodRef, port: number) => {
  const v = ingressVerdict(policies, from, to, port);
  return !v.isolated || v.allowedBy.length > 0;
};

/** Client pods of every component, plus the ingress controller, Prometheus and pods the graph knows nothing of. */
function clients(b: ReturnType<typeof build>): Array<{ who: string; pod: PodRef }> {
  const e = b.environment;
  return [
    ...b.graph.workloads.map((w) => ({ who: w.component, pod: { namespace: w.namespace, labels: w.podLabels } })),
    ...b.graph.clientPods.map((c) => ({ who: c.component, pod: { namespace: c.namespace, labels: c.podSelector } })),
    { who: '<prometheus>', pod: { namespace: e.components.networkPolicies.prometheus.namespace, labels: e.components.networkPolicies.prometheus.podSelector } },
    { who: '<ingress>', pod: { namespace: e.components.ingress.controller.namespace, labels: e.components.ingress.controller.podSelector } },
    { who: '<stranger>', pod: { namespace: e.namespace, labels: { app: 'stranger' } } },
    { who: '<stranger>', pod: { namespace: 'default', labels: { 'app.kubernetes.io/name': 'trino', 'app.kubernetes.io/instance': `trino-${e.name}` } } },
  ];
}

/** Every pod behind each Service port, as (service, port name, target port, pod, owning component). */
function targets(b: ReturnType<typeof build>, namespace: string) {
  const out: Array<{ service: string; port: string; target: number; pod: PodRef; component: string }> = [];
  for (const s of b.services.filter((x) => x.metadata.namespace === namespace)) {
    for (const w of b.graph.workloads.filter((x) => x.namespace === namespace && Object.entries(s.spec.selector ?? {}).every(([k, v]) => x.podLabels[k] === v))) {
      for (const p of s.spec.ports) out.push({ service: s.metadata.name, port: p.name, target: p.targetPort ?? p.port, pod: { namespace, labels: w.podLabels }, component: w.component });
    }
  }
  return out;
}

describe.each(ENVS)('network policies (%s)', (env) => {
  test('default-deny ingress in the environment namespace, and every policy is derived (named after an edge, a scrape, an Ingress or a component)', () => {
    const b = built(env);
    expect(b.policies.find((p) => p.metadata.name === 'default-deny-ingress')).toMatchObject({
      metadata: { namespace: NAMESPACES[env] }, spec: { podSelector: {}, policyTypes: ['Ingress'] },
    });
    for (const p of b.policies) expect(p.metadata.name).toMatch(/^(default-deny-ingress|allow-[a-z0-9-]+-(internal|to-[a-z0-9-]+))$/);
  });

  test('every synthesized consumer edge is allowed by exactly one policy', () => {
    const b = built(env);
    const ns = b.environment.namespace;
    let checked = 0;
    for (const e of b.graph.edges.filter((x) => x.kind === 'service' && x.to !== 'external')) {
      const ts = targets(b, ns).filter((t) => t.service === e.target && t.port === e.detail);
      const from = e.scrape ? clients(b).filter((c) => c.who === '<prometheus>') : clients(b).filter((c) => c.who === e.from);
      for (const t of ts) {
        for (const c of from) {
          const v = ingressVerdict(b.policies, c.pod, t.pod, t.target);
          expect({ edge: `${e.from} → ${e.target}:${e.detail}`, allowedBy: v.isolated ? v.allowedBy.length : 'open' }).toEqual({ edge: `${e.from} → ${e.target}:${e.detail}`, allowedBy: 1 });
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  test('no path that the graph lacks is allowed (every client against every Service port of the namespace)', () => {
    const b = built(env);
    const ns = b.environment.namespace;
    const internal = new Set(b.policies.filter((p) => p.metadata.name.endsWith('-internal')).map((p) => p.metadata.name.replace(/^allow-|-internal$/g, '')));
    const routed = new Set(b.ingresses.flatMap((i) => i.spec.rules.flatMap((r: any) => r.http.paths.map((p: any) => `${p.backend.service.name}:${p.backend.service.port.number}`))));
    const expected = (who: string, t: ReturnType<typeof targets>[number]) => {
      const svcPort = b.services.find((s) => s.metadata.name === t.service)!.spec.ports.find((p: any) => p.name === t.port).port;
      if (who === '<ingress>') return routed.has(`${t.service}:${svcPort}`);
      if (who === '<prometheus>') return b.graph.edges.some((e) => e.scrape && e.target === t.service && e.detail === t.port);
      if (who === t.component && internal.has(who)) return true;
      return b.graph.edges.some((e) => !e.scrape && e.from === who && e.target === t.service && e.detail === t.port);
    };
    const wrong: string[] = [];
    const all = targets(b, ns);
    for (const t of all) {
      for (const c of clients(b)) {
        // Policies see pods and ports: the same pod port behind another Service (minio-headless, minio-service) is the same path.
        const got = admitted(b.policies, c.pod, t.pod, t.target);
        const want = all.some((o) => o.target === t.target && JSON.stringify(o.pod) === JSON.stringify(t.pod) && expected(c.who, o));
        if (got !== want) wrong.push(`${c.who} → ${t.service}:${t.port} (${t.component}): allowed ${got}, graph says ${want}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('header-trusting services admit only the ingress controller', () => {
  test.each(['staging', 'prod'])('Superset (X-WEBAUTH-USER login) in %s', (env) => {
    const b = built(env);
    const web = b.graph.workloads.find((w) => w.name === 'superset-web')!;
    const pod = { namespace: web.namespace, labels: web.podLabels };
    const selecting = b.policies.filter((p) => p.metadata.namespace === pod.namespace
      && Object.entries(p.spec.podSelector.matchLabels ?? {}).every(([k, v]) => pod.labels[k] === v));
    const peers = selecting.flatMap((p) => (p.spec.ingress ?? []).flatMap((r: any) => r.from ?? [{ everyone: true }]));
    const controller = b.environment.components.ingress.controller;
    expect(peers).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': controller.namespace } }, podSelector: { matchLabels: controller.podSelector } }]);
    for (const c of clients(b)) expect([c.who, admitted(b.policies, c.pod, pod, 8088)]).toEqual([c.who, c.who === '<ingress>']);
    // The portal checks it through its public host instead.
    const registry = JSON.parse(objectsOf(env).find((o) => o.manifest.metadata.name === 'portal-services-registry')!.manifest.data['services.json']);
    expect(registry.services.find((s: any) => s.id === 'superset').healthUrl).toBe(`https://superset.${b.environment.domain}/health`);
  });

  test('Grafana with single sign-on: isolated in the monitoring namespace, admitting the ingress controller only', () => {
    const b = build('staging', [{ source: 'test', data: { components: { grafana: { singleSignOn: true } } } }]);
    const grafana = b.graph.workloads.find((w) => w.component === 'grafana')!;
    const pod = { namespace: 'monitoring', labels: grafana.podLabels };
    const policy = b.policies.find((p) => p.metadata.name === 'allow-ingress-to-grafana-staging')!;
    expect(policy.metadata.namespace).toBe('monitoring');
    for (const c of clients(b)) expect([c.who, admitted(b.policies, c.pod, pod, 3000)]).toEqual([c.who, c.who === '<ingress>']);
  });

  test('a consumer edge to a header-trusting Service fails the derivation, naming it', () => {
    const b = built('prod');
    const plan = planNetworkPolicies({ ...b.inputs, edges: [...b.inputs.edges, { from: 'trino', to: 'superset', kind: 'service', target: 'superset', detail: 'superset' }] });
    expect(plan.problems.join('\n')).toMatch(/edge trino → superset:superset of superset: Superset trusts the X-WEBAUTH-USER login header, so only the ingress controller may reach Service superset/);
  });

  test('the synth fails when a header login has no single sign-on, no ingress or no network policies', () => {
    expect(synthError('prod', { components: { ingress: { singleSignOn: null } } }).message)
      .toMatch(/component 'superset', endpoint 'superset', components.ingress.singleSignOn: Superset logs in whoever the X-WEBAUTH-USER header names, but the ingress does not set it.*Fix: add 'X-WEBAUTH-USER'/);
    expect(synthError('prod', { components: { ingress: { enabled: false } } }).message).toMatch(/publishes it through no Ingress, so nothing sets that header/);
    expect(synthError('staging', { components: { networkPolicies: { enabled: false } } }).message).toMatch(/must be reachable from the ingress controller only, but network policies are off/);
    expect(synthError('prod', { components: { ingress: { singleSignOn: { responseHeaders: ['X-Auth-Request-User'] } } } }).message).toMatch(/it sets X-Auth-Request-User/);
  });
});

describe('derived, never hand-listed', () => {
  test('removing an edge closes exactly that path; adding one opens exactly that path', () => {
    const b = built('prod');
    const pod = (name: string) => { const w = b.graph.workloads.find((x) => x.name === name)!; return { namespace: w.namespace, labels: w.podLabels }; };
    const manifests = (inputs: NetworkPolicyInputs) => planNetworkPolicies(inputs).policies.map((p) => ({ metadata: { name: p.name, namespace: p.namespace }, spec: p.spec }));
    const without = manifests({ ...b.inputs, edges: b.inputs.edges.filter((e) => !(e.from === 'trino' && e.target === 'iceberg-rest-catalog')) });
    expect(admitted(b.policies, pod('trino-worker'), pod('iceberg-rest-catalog'), 8181)).toBe(true);
    expect(admitted(without, pod('trino-worker'), pod('iceberg-rest-catalog'), 8181)).toBe(false);
    expect(admitted(without, pod('iceberg-compaction'), pod('iceberg-rest-catalog'), 8181)).toBe(true);
    const withEdge = manifests({ ...b.inputs, edges: [...b.inputs.edges, { from: 'spark-history', to: 'trino', kind: 'service', target: 'trino-coordinator', detail: 'trino-api' }] });
    expect(admitted(b.policies, pod('spark-history-server'), pod('trino-coordinator'), 8080)).toBe(false);
    expect(admitted(withEdge, pod('spark-history-server'), pod('trino-coordinator'), 8080)).toBe(true);
    expect(admitted(withEdge, pod('spark-history-server'), pod('trino-worker'), 8080)).toBe(false);
  });

  test('pods of a component in another namespace are admitted with their namespace (Velero writing backups to MinIO)', () => {
    const b = built('prod');
    const p = b.policies.find((x) => x.metadata.name === 'allow-backup-to-minio-service-minio-api')!;
    // The Velero pods, and the backup component's own volume-copy pods in each namespace they run in.
    const backup = { matchLabels: { 'app.kubernetes.io/instance': 'backup-prod', 'app.kubernetes.io/name': 'backup' } };
    const ns = (n: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': n } }, podSelector: backup });
    expect(p.spec.ingress).toEqual([{
      from: [{ podSelector: backup }, ns('monitoring'), ns('victoria-metrics'), { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'velero' } }, podSelector: { matchLabels: { component: 'velero' } } }],
      ports: [{ port: 9000, protocol: 'TCP' }],
    }]);
    const scrape = b.policies.find((x) => x.metadata.name === 'allow-prometheus-to-dolphinscheduler-master-actuator')!;
    expect(scrape.spec.ingress[0].from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }]);
  });

  test('staged rollout: without default-deny the allow policies stay, and pods no edge reaches stay open', () => {
    const b = build('prod', [{ source: 'test', data: { components: { networkPolicies: { defaultDeny: false } } } }]);
    expect(b.policies.map((p) => p.metadata.name)).not.toContain('default-deny-ingress');
    expect(b.policies.map((p) => p.metadata.name)).toContain('allow-trino-to-iceberg-rest-catalog-catalog-api');
    const spark = b.graph.workloads.find((x) => x.name === 'spark-history-server')!;
    expect(ingressVerdict(b.policies, { namespace: 'default', labels: {} }, { namespace: spark.namespace, labels: spark.podLabels }, 18080)).toEqual({ isolated: false });
  });

  test('restricted egress: deny by default, DNS to the cluster DNS, and each component its edges', () => {
    const b = build('prod', [{ source: 'test', data: { components: { networkPolicies: { restrictEgress: true } } } }]);
    const names = b.policies.map((p) => p.metadata.name);
    expect(names).toEqual(expect.arrayContaining(['default-deny-egress', 'allow-dns-egress', 'allow-trino-egress']));
    expect(b.policies.find((p) => p.metadata.name === 'allow-dns-egress')!.spec.egress).toEqual([{
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
      ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
    }]);
    const { egressVerdict } = jest.requireActual('../src/platform/network/evaluate');
    const pod = (name: string) => { const w = b.graph.workloads.find((x) => x.name === name)!; return { namespace: w.namespace, labels: w.podLabels }; };
    expect(egressVerdict(b.policies, pod('trino-worker'), pod('iceberg-rest-catalog'), 8181).allowedBy).toEqual(['allow-trino-egress']);
    expect(egressVerdict(b.policies, pod('trino-worker'), pod('redis'), 6379).allowedBy).toEqual([]);
  });
});

describe('Ingresses', () => {
  const ingresses = (env: string) => objectsOf(env).filter((o) => o.manifest.kind === 'Ingress').map((o) => o.manifest);
  const hosts = (env: string) => Object.fromEntries(ingresses(env).map((i) => [i.metadata.name, `${i.spec.rules[0].host}${i.spec.rules[0].http.paths[0].path}`]));

  test('prod keeps the live hosts and the reference Ingress names', () => {
    expect(hosts('prod')).toEqual({
      'dolphinscheduler': 'dolphin.254carbon.com/', 'trino': 'trino.254carbon.com/', 'minio-console': 'minio.254carbon.com/',
      'superset': 'superset.254carbon.com/', 'grafana': 'grafana.254carbon.com/', 'graphql-gateway': 'api.254carbon.com/graphql',
    });
  });

  test('staging derives its hosts from its domain; dev, which disables the ingress, has none and the portal lists no public URL', () => {
    expect(Object.values(hosts('staging')).sort()).toEqual(['api.staging.254carbon.com/graphql', 'dolphin.staging.254carbon.com/', 'grafana.staging.254carbon.com/',
      'minio.staging.254carbon.com/', 'superset.staging.254carbon.com/', 'trino.staging.254carbon.com/']);
    expect(ingresses('dev')).toEqual([]);
    const registry = JSON.parse(objectsOf('dev').find((o) => o.manifest.metadata.name === 'portal-services-registry')!.manifest.data['services.json']);
    expect(registry.services.map((s: any) => s.url)).toEqual(registry.services.map(() => undefined));
  });

  test('class, TLS Secret, cert-manager issuer and single sign-on come from the environment', () => {
    const superset = ingressesOf('prod', 'superset');
    expect(superset.spec.ingressClassName).toBe('nginx');
    expect(superset.spec.tls).toEqual([{ hosts: ['superset.254carbon.com'], secretName: 'superset-tls' }]);
    expect(superset.metadata.annotations).toEqual({
      'cert-manager.io/cluster-issuer': 'letsencrypt-prod',
      'nginx.ingress.kubernetes.io/ssl-redirect': 'false',
      'nginx.ingress.kubernetes.io/auth-url': 'https://auth.254carbon.com/oauth2/auth',
      'nginx.ingress.kubernetes.io/auth-signin': 'https://auth.254carbon.com/oauth2/start?rd=https://$host$escaped_request_uri',
      'nginx.ingress.kubernetes.io/auth-response-headers': 'X-WEBAUTH-USER,X-WEBAUTH-EMAIL',
    });
    const custom = objectsOf('prod', { values: [{ source: 'test', data: { components: { ingress: { className: 'internal', tls: { clusterIssuer: 'acme', secretName: 'wild-{name}' }, sslRedirect: true } } } }] })
      .find((o) => o.manifest.kind === 'Ingress' && o.manifest.metadata.name === 'trino')!.manifest;
    expect(custom.spec.ingressClassName).toBe('internal');
    expect(custom.spec.tls[0].secretName).toBe('wild-trino');
    expect(custom.metadata.annotations['cert-manager.io/cluster-issuer']).toBe('acme');
    expect(custom.metadata.annotations['nginx.ingress.kubernetes.io/ssl-redirect']).toBe('true');
  });

  test('regression: no rewrite-target (the reference rewrote every path to /), and the Trino Ingress routes to the coordinator that exists', () => {
    for (const i of ingresses('prod')) expect(Object.keys(i.metadata.annotations)).not.toContain('nginx.ingress.kubernetes.io/rewrite-target');
    expect(ingressesOf('prod', 'trino').spec.rules[0].http.paths[0].backend).toEqual({ service: { name: 'trino-coordinator', port: { number: 8080 } } });
  });

  test.each(ENVS)('no Ingress routes to an internal-only Service (%s)', (env) => {
    const backends = ingresses(env).map((i) => i.spec.rules[0].http.paths[0].backend.service.name);
    for (const internal of ['zookeeper-service', 'redis-service', 'minio-service', 'minio-headless', 'iceberg-rest-catalog', 'loki', 'postgres-workflow-service']) {
      expect(backends).not.toContain(internal);
    }
  });

  test('Grafana is published in its own namespace with the environment suffix', () => {
    const g = ingresses('staging').find((i) => i.metadata.name === 'grafana-staging')!;
    expect(g.metadata.namespace).toBe('monitoring');
    expect(g.spec.rules[0].http.paths[0].backend.service.name).toBe('grafana-staging');
  });

  function ingressesOf(env: string, name: string) {
    return ingresses(env).find((i) => i.metadata.name === name)!;
  }
});

describe('reference integrity of Ingress backends', () => {
  const env = loadEnvironment('dev');
  const ns = env.namespace;
  const svc = { path: 'dev/t/Service.web.yaml', env: 'dev', component: 't', manifest: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: ns }, spec: { ports: [{ name: 'http', port: 8080 }] } } };
  const ingress = (backend: Record<string, any>, host = 'a.example.com') => ({
    path: 'dev/t/Ingress.x.yaml', env: 'dev', component: 't',
    manifest: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: `x-${host}`, namespace: ns }, spec: { rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: backend } }] } }] } },
  });
  test('a backend that is a synthesized Service and port passes (by number or name)', () => {
    expect(checkReferences([svc, ingress({ name: 'web', port: { number: 8080 } })], env)).toEqual([]);
    expect(checkReferences([svc, ingress({ name: 'web', port: { name: 'http' } })], env)).toEqual([]);
  });
  test('regression: a backend Service that does not exist (the reference Trino Ingress routed to `trino`) fails', () => {
    expect(checkReferences([svc, ingress({ name: 'trino', port: { number: 8080 } })], env).join('\n'))
      .toMatch(/Ingress x-a.example.com.*routes to Service data-platform-dev\/trino, which is not synthesized/);
  });
  test('a port the Service does not expose, and a host/path routed twice, fail', () => {
    expect(checkReferences([svc, ingress({ name: 'web', port: { number: 9090 } })], env).join('\n')).toMatch(/uses port 9090 of Service data-platform-dev\/web, which exposes 8080/);
    const twice = [svc, ingress({ name: 'web', port: { number: 8080 } }), { ...ingress({ name: 'web', port: { number: 8080 } }), path: 'dev/t/Ingress.y.yaml' }];
    twice[2].manifest = { ...twice[2].manifest, metadata: { name: 'y', namespace: ns } };
    expect(checkReferences(twice, env).join('\n')).toMatch(/a.example.com\/ is also routed by/);
  });
});

describe('graph diagram', () => {
  test('the README shows the output of `npm run graph -- --env prod`', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const block = /```mermaid\n([\s\S]*?)```/.exec(readme);
    expect(block?.[1]).toBe(environmentGraph('prod'));
  });
  test('each arrow is a path of the graph: scrapes from Prometheus, runtime links dashed, public hosts from the ingress', () => {
    const text = environmentGraph('prod');
    expect(text).toMatch(/^flowchart LR\n/);
    expect(text).toContain('  trino -->|"iceberg-rest-catalog:catalog-api"| iceberg_rest_catalog');
    expect(text).toContain('  portal_services -.->|"trino-coordinator:trino-api"| trino');
    expect(text).toContain('  public_ingress -->|"superset.254carbon.com"| superset');
    expect(text).toMatch(/ {2}prometheus -\.->\|"minio-service:minio-api"\| minio/);
    expect(environmentGraph('dev')).not.toContain('public_ingress{{');
  });
});
