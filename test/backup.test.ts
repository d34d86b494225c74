import { synthesize } from '../src/output/synth';
import { ENVS, find, NAMESPACES, objectsOf, podOf } from './util';

const SUFFIX: Record<string, string> = { dev: '-dev', staging: '-staging', prod: '' };
const TTL: Record<string, string> = { dev: '72h0m0s', staging: '168h0m0s', prod: '720h0m0s' };

describe('Velero backups', () => {
  test.each(ENVS)('regression: the backup location is the environment\'s MinIO, path-style, by FQDN, with credentials by reference (%s)', (env) => {
    const objs = objectsOf(env);
    const bsl = find(objs, 'BackupStorageLocation', `minio${SUFFIX[env]}`);
    expect(bsl.apiVersion).toBe('velero.io/v1');
    expect(bsl.metadata.namespace).toBe('velero');
    expect(bsl.spec.provider).toBe('aws');
    expect(bsl.spec.objectStorage.bucket).toBe('velero-backups');
    expect(bsl.spec.config).toEqual({ region: 'us-east-1', s3ForcePathStyle: 'true', s3Url: `http://minio-service.${NAMESPACES[env]}.svc.cluster.local:9000` });
    expect(bsl.spec.credential).toEqual({ name: `minio-credentials${SUFFIX[env]}`, key: 'cloud' });
    // The bucket is created by MinIO's init Job.
    expect(podOf(find(objs, 'Job', 'minio-init-buckets')).containers[0].command[2]).toContain('mc mb --ignore-existing platform/velero-backups');
  });

  test.each(ENVS)('regression: a daily Schedule of the platform namespace with the environment\'s TTL, volume data included (%s)', (env) => {
    const objs = objectsOf(env);
    const s = find(objs, 'Schedule', `daily-backup${SUFFIX[env]}`);
    expect(s.metadata.namespace).toBe('velero');
    const [minute, hour, dom, month, dow] = s.spec.schedule.split(' ');
    expect([dom, month, dow]).toEqual(['*', '*', '*']);
    expect(minute).toMatch(/^\d+$/);
    expect(hour).toMatch(/^\d+$/);
    expect(s.spec.template.includedNamespaces).toEqual([NAMESPACES[env]]);
    expect(s.spec.template.ttl).toBe(TTL[env]);
    expect(s.spec.template.defaultVolumesToFsBackup).toBe(true);
    expect(s.spec.template.storageLocation).toBe(`minio${SUFFIX[env]}`);
  });

  test.each(ENVS)('Velero\'s metrics are scraped from the pods `velero install` labels (%s)', (env) => {
    const objs = objectsOf(env);
    const svc = find(objs, 'Service', `velero-metrics${SUFFIX[env]}`);
    expect(svc.metadata.namespace).toBe('velero');
    expect(svc.spec.selector).toEqual({ deploy: 'velero' });
    expect(svc.spec.ports).toEqual([{ name: 'metrics', port: 8085, targetPort: 8085, protocol: 'TCP' }]);
    const sm = find(objs, 'ServiceMonitor', `velero${SUFFIX[env]}`);
    expect(sm.metadata.namespace).toBe('velero');
    expect(sm.spec.endpoints[0].relabelings[0].regex).toBe(svc.metadata.name);
  });

  test('an off-cluster target is selectable per environment', () => {
    const { objects } = synthesize({
      environments: ['prod'],
      values: [{ source: 'dr.yaml', data: {
        external: { services: { 'dr-s3': { host: 's3.eu-central-1.amazonaws.com', port: 443 } }, secrets: { 'dr-credentials': { namespace: 'velero', keys: ['cloud'] } } },
        components: { backup: { credentialsSecret: { name: 'dr-credentials', key: 'cloud' }, target: { kind: 'external-s3', service: 'dr-s3', bucket: '254carbon-dr', region: 'eu-central-1', pathStyle: false } } },
      } }],
    });
    const bsl = find(objects, 'BackupStorageLocation', 'minio');
    expect(bsl.spec.objectStorage.bucket).toBe('254carbon-dr');
    expect(bsl.spec.config).toEqual({ region: 'eu-central-1', s3ForcePathStyle: 'false', s3Url: 'https://s3.eu-central-1.amazonaws.com:443' });
    expect(bsl.spec.credential).toEqual({ name: 'dr-credentials', key: 'cloud' });
  });

  test('an off-cluster target that is an in-cluster service is refused', () => {
    expect(() => synthesize({ environments: ['dev'], values: [{ source: 'bad.yaml', data: {
      components: { backup: { target: { kind: 'external-s3', service: 'postgres-workflow', bucket: 'x-backups', region: 'us-east-1' } } },
    } }] })).toThrow(/environment 'dev', component 'backup', components\.backup\.target\.service: 'postgres-workflow' is not an off-cluster service[\s\S]*Fix: declare external\.services\.postgres-workflow with \{host, port\}/);
  });

  test('the credentials Secret must be declared in Velero\'s namespace', () => {
    expect(() => synthesize({ environments: ['prod'], values: [{ source: 'bad.yaml', data: {
      components: { backup: { credentialsSecret: { name: 'minio-secret', key: 'access-key' } } },
    } }] })).toThrow(/external Secret 'minio-secret' is declared in namespace 'data-platform' but used in 'velero'/);
  });
});
