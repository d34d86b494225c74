import { App } from 'cdk8s';
import { Redis } from '../src/components/redis/redis';
import { addExternalSecret } from '../src/core/external-secret';
import { renderApp } from '../src/output/render';
import { DataPlatform } from '../src/platform/data-platform';
import { checkReferences } from '../src/platform/checks/references';
import { checkExternalSecretsConsumed, secretConsumers } from '../src/core/external-secret';
import { loadEnvironment } from '../src/config/values';
import type { RenderedObject } from '../src/output/render';
import { ENVS, find, objectsOf, podOf, synthError } from './util';

const env = loadEnvironment('dev');
const NS = env.namespace;
const obj = (manifest: Record<string, any>): RenderedObject => ({ path: `dev/t/${manifest.kind}.${manifest.metadata.name}.yaml`, env: 'dev', component: 't', manifest });
const es = (name: string, keys: string[]) => obj({ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name, namespace: NS },
  spec: { target: { name }, data: keys.map((k) => ({ secretKey: k, remoteRef: { key: `kv/${name}`, property: k } })) } });
const deployment = (containers: any[], volumes: any[] = [], initContainers: any[] = []) => obj({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'app', namespace: NS },
  spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers, initContainers, volumes } } } });

describe('Secrets: only what something reads (issue 15 point 5), and every Secret read is produced or external (issue 14 point 6)', () => {
  test('regression: an ExternalSecret key nothing reads fails the check, naming the ExternalSecret and the key', () => {
    const d = deployment([{ name: 'c', env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'made', key: 'a' } } }] }]);
    const p = checkExternalSecretsConsumed([es('made', ['a', 'unused-1', 'unused-2']), d]);
    expect(p).toEqual([expect.stringMatching(/ExternalSecret made\): key\(s\) unused-1, unused-2 of Secret data-platform-dev\/made are read by nothing in the output\. Fix: drop them/)]);
  });

  test('regression: an ExternalSecret nothing reads fails the check (a missing store property of an unread Secret blocked the sync)', () => {
    const p = checkExternalSecretsConsumed([es('orphan', ['a'])]);
    expect(p).toEqual([expect.stringMatching(/ExternalSecret orphan\): nothing in the output reads Secret data-platform-dev\/orphan\. Fix: do not generate it/)]);
  });

  test('every way a pod reads a Secret counts: env, envFrom, volumes with and without items, projected, init containers, image pull secrets', () => {
    const d = deployment(
      [{ name: 'c', envFrom: [{ secretRef: { name: 'whole' } }], env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'k', key: 'a' } } }] }],
      [{ name: 'v1', secret: { secretName: 'vol' } }, { name: 'v2', secret: { secretName: 'items', items: [{ key: 'x', path: 'x' }] } },
        { name: 'v3', projected: { sources: [{ secret: { name: 'proj', items: [{ key: 'p', path: 'p' }] } }] } }],
      [{ name: 'init', env: [{ name: 'B', valueFrom: { secretKeyRef: { name: 'k', key: 'b' } } }] }],
    );
    const used = secretConsumers([d]);
    expect(used.get(`${NS}/whole`)).toBe('all');
    expect(used.get(`${NS}/vol`)).toBe('all');
    expect([...(used.get(`${NS}/k`) as Set<string>)].sort()).toEqual(['a', 'b']);
    expect([...(used.get(`${NS}/items`) as Set<string>)]).toEqual(['x']);
    expect([...(used.get(`${NS}/proj`) as Set<string>)]).toEqual(['p']);
    expect(checkExternalSecretsConsumed([d, es('whole', ['q', 'r']), es('k', ['a', 'b']), es('items', ['x', 'y'])]))
      .toEqual([expect.stringMatching(/key\(s\) y of Secret data-platform-dev\/items/)]);
  });

  test.each(ENVS)('regression: every ExternalSecret of %s and every key of it is read by a workload', (name) => {
    expect(checkExternalSecretsConsumed(objectsOf(name))).toEqual([]);
  });

  test('regression: a Secret read that is neither produced nor declared external fails the synth check', () => {
    const d = deployment([{ name: 'c', env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'nobody-makes-this', key: 'a' } } }] }]);
    expect(checkReferences([d], env).join('\n')).toMatch(/references Secret data-platform-dev\/nobody-makes-this, which the output does not produce and the environment does not declare/);
  });

  test.each(ENVS)('regression: the Iceberg catalog database password Secret is produced by the platform in %s (this project introduced it)', (name) => {
    const objs = objectsOf(name);
    const secret = find(objs, 'ExternalSecret', 'iceberg-catalog-db-secret');
    expect(secret.spec.target.name).toBe('iceberg-catalog-db-secret');
    expect(secret.spec.data).toEqual([{ secretKey: 'password', remoteRef: { key: `data-platform/${name}/iceberg-catalog`, property: 'password' } }]);
    expect(secret.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
    const catalog = podOf(find(objs, 'Deployment', 'iceberg-rest-catalog')).containers[0];
    expect(catalog.env.find((e: any) => e.name === 'CATALOG_JDBC_PASSWORD').valueFrom).toEqual({ secretKeyRef: { name: 'iceberg-catalog-db-secret', key: 'password' } });
    expect(loadEnvironment(name).external.secrets['iceberg-catalog-db-secret']).toBeUndefined();
  });

  test('an environment that declares the catalog password Secret external uses it and generates nothing', () => {
    const objs = objectsOf('prod', { values: [{ source: 'ext.yaml', data: { external: { secrets: { 'iceberg-catalog-db-secret': { keys: ['password'] } } } } }] });
    expect(objs.filter((o) => o.manifest.kind === 'ExternalSecret' && o.manifest.metadata.name === 'iceberg-catalog-db-secret')).toEqual([]);
  });

  test.each(ENVS)('regression: every Secret a workload of %s reads is produced by an ExternalSecret or declared external', (name) => {
    const objs = objectsOf(name);
    const environment = loadEnvironment(name);
    const produced = new Set(objs.filter((o) => o.manifest.kind === 'ExternalSecret').map((o) => `${o.manifest.metadata.namespace}/${o.manifest.spec.target.name}`));
    // TLS Secrets of Ingresses are issued by cert-manager (the cluster-issuer annotation on the Ingress).
    for (const o of objs.filter((x) => x.manifest.kind === 'Ingress' && x.manifest.metadata.annotations?.['cert-manager.io/cluster-issuer'])) {
      for (const t of o.manifest.spec.tls ?? []) produced.add(`${o.manifest.metadata.namespace}/${t.secretName}`);
    }
    const external = new Set(Object.entries(environment.external.secrets).map(([n, s]) => `${s.namespace ?? environment.namespace}/${n}`));
    const read = [...secretConsumers(objs).keys()];
    expect(read.length).toBeGreaterThan(0);
    expect(read.filter((id) => !produced.has(id) && !external.has(id))).toEqual([]);
  });

  test('the synth fails on an unread legacy key asked for nowhere (the check runs in the synth)', () => {
    // A Superset env var of superset-secrets makes exactly that key; an unknown one fails.
    expect(synthError('dev', { components: { superset: { extraSecretEnv: { X: { secret: 'superset-secrets', key: 'NOPE' } } } } }).message).toMatch(/NOPE/);
  });
});

describe('the consumed-secrets check runs in the synth (cdk8s validation)', () => {
  test('regression: a DataPlatform with an ExternalSecret nothing reads fails to render, naming it', () => {
    const environment = loadEnvironment('staging');
    const app = new App();
    const platform = new DataPlatform(app, 'staging', { environment });
    const redis = platform.node.findAll().find((c) => c instanceof Redis) as Redis;
    addExternalSecret(redis, { name: 'nobody-reads-this', role: 'cache', version: 'x', data: { k: { key: 'kv/x', property: 'k' } } });
    expect(() => renderApp(app, 'staging')).toThrow(/ExternalSecret nobody-reads-this\): nothing in the output reads Secret data-platform-staging\/nobody-reads-this/);
  });
});
