import { checkNoInlineSecrets, checkReferences } from '../src/platform/checks/references';
import { checkSchema } from '../src/platform/checks/schema';
import { loadEnvironment } from '../src/config/values';
import type { RenderedObject } from '../src/output/render';

const env = loadEnvironment('dev');
const NS = env.namespace;
const obj = (manifest: Record<string, any>): RenderedObject => ({ path: `dev/t/${manifest.kind}.${manifest.metadata.name}.yaml`, env: 'dev', component: 't', manifest });
const service = obj({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'zookeeper-service', namespace: NS }, spec: { ports: [{ name: 'client', port: 2181 }] } });
const deployment = (env0: any[], extra: Record<string, any> = {}) => obj({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'app', namespace: NS },
  spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'docker.io/x/y:1', env: env0 }], ...extra } } },
});

describe('reference integrity', () => {
  test('a FQDN of a synthesized Service on an exposed port passes', () => {
    expect(checkReferences([service, deployment([{ name: 'ZK', value: `zookeeper-service.${NS}.svc.cluster.local:2181` }])], env)).toEqual([]);
  });
  test('regression: a bare Service name (the old ZooKeeper address) fails', () => {
    const p = checkReferences([service, deployment([{ name: 'ZK', value: 'zookeeper-service:2181' }])], env);
    expect(p.join('\n')).toMatch(/addresses Service 'zookeeper-service' by its bare name/);
    const url = checkReferences([service, deployment([{ name: 'U', value: 'http://zookeeper-service/x' }])], env);
    expect(url.join('\n')).toMatch(/bare name/);
  });
  test('a FQDN without a Service, or on a port it does not expose, fails naming object, field and target', () => {
    const p = checkReferences([service, deployment([
      { name: 'A', value: `redis-service.${NS}.svc.cluster.local:6379` },
      { name: 'B', value: `zookeeper-service.${NS}.svc.cluster.local:2888` },
    ])], env);
    expect(p[0]).toMatch(/Deployment app.*env\[0\]\.value.*redis-service\.data-platform-dev.*no Service/);
    expect(p[1]).toMatch(/port 2888 of Service data-platform-dev\/zookeeper-service/);
  });
  test('a declared external service passes; another namespace does not', () => {
    expect(checkReferences([deployment([{ name: 'DB', value: `postgres-workflow-service.${NS}.svc.cluster.local:5432` }])], env)).toEqual([]);
    expect(checkReferences([deployment([{ name: 'DB', value: 'postgres-workflow-service.other.svc.cluster.local:5432' }])], env)).toHaveLength(1);
  });
  test('secret and configmap references need an object and a key', () => {
    const cm = obj({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: NS }, data: { 'a.properties': 'x' } });
    const es = obj({ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'es', namespace: NS },
      spec: { target: { name: 'made' }, data: [{ secretKey: 'k' }] } });
    const d = deployment([
      { name: 'OK1', valueFrom: { secretKeyRef: { name: 'postgres-workflow-secret', key: 'password' } } },
      { name: 'OK2', valueFrom: { secretKeyRef: { name: 'made', key: 'k' } } },
      { name: 'BAD1', valueFrom: { secretKeyRef: { name: 'made', key: 'nope' } } },
      { name: 'BAD2', valueFrom: { secretKeyRef: { name: 'missing', key: 'k' } } },
      { name: 'BAD3', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'b.properties' } } },
    ], { volumes: [{ name: 'v', configMap: { name: 'nocm' } }] });
    const p = checkReferences([cm, es, d], env);
    expect(p).toHaveLength(4);
    expect(p.join('\n')).toMatch(/env BAD1 references key 'nope' of Secret data-platform-dev\/made, which has k/);
    expect(p.join('\n')).toMatch(/env BAD2 references Secret data-platform-dev\/missing/);
    expect(p.join('\n')).toMatch(/key 'b.properties' of ConfigMap/);
    expect(p.join('\n')).toMatch(/volume v references ConfigMap data-platform-dev\/nocm/);
  });
  test('duplicate kind/namespace/name fails', () => {
    expect(checkReferences([service, service], env).join()).toMatch(/also defined by/);
  });
  test('an inline Secret value fails', () => {
    const s = obj({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: NS }, stringData: { password: 'x' } });
    expect(checkNoInlineSecrets([s])[0]).toMatch(/Secret s carries inline values \(password\)/);
  });
});

describe('schema check', () => {
  test('names the object, the path and the message', () => {
    const bad = deployment([]);
    bad.manifest.spec.replicas = 'three';
    expect(checkSchema([bad])[0]).toMatch(/Deployment app does not match the Kubernetes schema: \/spec\/replicas must be integer/);
  });
  test('a wrong apiVersion for a built-in kind fails', () => {
    expect(checkSchema([obj({ apiVersion: 'apps/v1', kind: 'Service', metadata: { name: 'x' } })])[0]).toMatch(/not a Kubernetes API kind/);
  });
});
