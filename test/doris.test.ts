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
    expect(objs.map((o) => `${o.manifest.apiVersion} ${o.manifest.kind}`)).toEqual(['doris.selectdb.com/v1 DorisCluster']);
    const dc = objs[0].manifest;
    expect(dc.metadata).toMatchObject({ name: 'doris', namespace: 'data-platform' });
    expect(dc.spec.feSpec).toMatchObject({ replicas: 1, image: 'docker.io/apache/doris:fe-2.1.8', requests: { cpu: '8', memory: '8Gi' }, limits: { cpu: '8', memory: '8Gi' } });
    expect(dc.spec.beSpec.image).toBe('docker.io/apache/doris:be-2.1.8');
    expect(dc.spec.beSpec.persistentVolumes[0]).toMatchObject({ mountPath: '/opt/apache-doris/be/storage', persistentVolumeClaimSpec: { storageClassName: 'local-path', resources: { requests: { storage: '50Gi' } } } });
  });
});
