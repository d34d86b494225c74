import { synthesize } from '../src/output/synth';
import { ENVS, objectsOf } from './util';

const enable = (extra: Record<string, unknown> = {}) => [{ source: 'doris.yaml', data: { components: { doris: { enabled: true, ...extra } } } }];

describe('Doris', () => {
  test.each(ENVS)('regression: Doris is off by default (%s)', (env) => {
    const objs = objectsOf(env);
    expect(objs.filter((o) => o.component === 'doris' || /doris/i.test(o.manifest.kind) || /doris/.test(o.manifest.metadata.name))).toEqual([]);
  });

  test('enabled without the operator declared installed, the synth fails with the fix', () => {
    expect(() => synthesize({ environments: ['staging'], values: enable() }))
      .toThrow(/environment 'staging', component 'doris', components\.doris\.enabled: Doris is enabled, but the Doris Operator is not declared installed[\s\S]*Fix: install the Doris Operator[\s\S]*components\.doris\.operatorInstalled: true/);
  });

  test('enabled with the operator, it is one DorisCluster for the operator, no hand-written StatefulSets', () => {
    const objs = synthesize({ environments: ['prod'], values: enable({ operatorInstalled: true, fe: { replicas: 1 } }) }).objects.filter((o) => o.component === 'doris');
    expect(objs.map((o) => `${o.manifest.apiVersion} ${o.manifest.kind}`)).toEqual(['doris.selectdb.com/v1 DorisCluster', 'v1 Service']);
    const dc = objs[0].manifest;
    expect(dc.metadata).toMatchObject({ name: 'doris', namespace: 'data-platform' });
    expect(dc.spec.feSpec).toMatchObject({ replicas: 1, image: 'docker.io/apache/doris:fe-2.1.8', requests: { cpu: '8', memory: '8Gi' }, limits: { cpu: '8', memory: '8Gi' } });
    expect(dc.spec.beSpec.image).toBe('docker.io/apache/doris:be-2.1.8');
    expect(dc.spec.beSpec.persistentVolumes[0]).toMatchObject({ mountPath: '/opt/apache-doris/be/storage', persistentVolumeClaimSpec: { storageClassName: 'local-path', resources: { requests: { storage: '50Gi' } } } });
  });

  test('enabled, its FE UI is published like every other: Ingress doris-fe on doris.<domain>, network paths derived', () => {
    const all = synthesize({ environments: ['prod'], values: enable({ operatorInstalled: true }) }).objects;
    const get = (kind: string, name: string) => all.find((o) => o.manifest.kind === kind && o.manifest.metadata.name === name)?.manifest;
    const svc = get('Service', 'doris-fe-http')!;
    // The operator's FE StatefulSet selector (apache/doris-operator: ownerreference name <cluster>-fe, component fe).
    expect(svc.spec.selector).toEqual({ 'app.doris.ownerreference/name': 'doris-fe', 'app.kubernetes.io/component': 'fe' });
    expect(svc.spec.ports.map((p: any) => p.port)).toEqual([8030]);
    const ing = get('Ingress', 'doris-fe')!;
    expect(ing.spec.rules[0].host).toBe('doris.254carbon.com');
    expect(ing.spec.rules[0].http.paths[0].backend.service).toEqual({ name: 'doris-fe-http', port: { number: 8030 } });
    // The operator's pods carry the component's labels, so the FE/BE traffic and the ingress path are allowed.
    const dc = get('DorisCluster', 'doris')!;
    for (const spec of [dc.spec.feSpec, dc.spec.beSpec]) expect(spec.podLabels).toEqual({ 'app.kubernetes.io/name': 'doris', 'app.kubernetes.io/instance': 'doris-prod' });
    expect(get('NetworkPolicy', 'allow-doris-internal')!.spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'doris', 'app.kubernetes.io/instance': 'doris-prod' });
    const fromIngress = get('NetworkPolicy', 'allow-ingress-to-doris-fe')!.spec;
    expect(fromIngress.podSelector.matchLabels).toEqual(svc.spec.selector);
    expect(fromIngress.ingress).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/component': 'controller', 'app.kubernetes.io/name': 'ingress-nginx' } } }],
      ports: [{ port: 8030, protocol: 'TCP' }],
    }]);
    // Off (the default), nothing of it: no Service, Ingress or policy.
    expect(objectsOf('prod').filter((o) => /doris/.test(o.manifest.metadata.name))).toEqual([]);
  });
});
