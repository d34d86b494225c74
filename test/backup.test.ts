import { synthesize } from '../src/output/synth';
import { ENVS, find, NAMESPACES, objectsOf, podOf, synthError } from './util';

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

  test.each(ENVS)('regression: a daily Schedule of the platform namespace and at least the reference daily Schedule\'s namespaces, with the environment\'s TTL, volume data included (%s)', (env) => {
    const objs = objectsOf(env);
    const s = find(objs, 'Schedule', `daily-backup${SUFFIX[env]}`);
    expect(s.metadata.namespace).toBe('velero');
    const [minute, hour, dom, month, dow] = s.spec.schedule.split(' ');
    expect([dom, month, dow]).toEqual(['*', '*', '*']);
    expect(minute).toMatch(/^\d+$/);
    expect(hour).toMatch(/^\d+$/);
    // The reference daily-backup covered data-platform, victoria-metrics, cloudflare-tunnel and velero; monitoring holds Grafana's volume.
    expect(s.spec.template.includedNamespaces).toEqual(['cloudflare-tunnel', NAMESPACES[env], 'monitoring', 'velero', 'victoria-metrics'].sort());
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

describe('backup inventory: every stateful volume has a backup (Velero 1.15.2 rules, copies where Velero cannot)', () => {
  const { backupInventory } = jest.requireActual('../cli/backup-inventory') as typeof import('../cli/backup-inventory');
  const { statefulVolumes, veleroFsCoverage } = jest.requireActual('../src/components/backup/inventory') as typeof import('../src/components/backup/inventory');
  const fs = jest.requireActual('fs') as typeof import('fs');
  const path = jest.requireActual('path') as typeof import('path');

  /** The claims of the output, computed here from the manifests independently of the inventory code. */
  function claimsOf(objs: ReturnType<typeof objectsOf>): string[] {
    const out: string[] = [];
    for (const { manifest: m } of objs) {
      if (m.kind === 'PersistentVolumeClaim') out.push(`${m.metadata.namespace}/${m.metadata.name}`);
      if (m.kind === 'StatefulSet') for (const t of m.spec.volumeClaimTemplates ?? []) for (let i = 0; i < m.spec.replicas; i++) out.push(`${m.metadata.namespace}/${t.metadata.name}-${m.metadata.name}-${i}`);
    }
    return out.sort();
  }
  const rowsOf = (report: string) => report.split('\n').filter((l) => /^\| [a-z]/.test(l) && !l.startsWith('| namespace')).map((l) => l.split(' | ').map((c) => c.replace(/^\| /, '')));

  test.each(ENVS)('regression: the inventory lists exactly the claims of the synthesized objects, each with what backs it up (%s)', (env) => {
    const objs = objectsOf(env);
    const rows = rowsOf(backupInventory(env));
    expect(rows.map((r) => `${r[0]}/${r[1]}`).sort()).toEqual(claimsOf(objs));
    expect(claimsOf(objs)).toEqual(expect.arrayContaining([`${NAMESPACES[env]}/data-zookeeper-0`, `${NAMESPACES[env]}/minio-data-minio-0`, `monitoring/grafana-data${SUFFIX[env]}`, `victoria-metrics/loki-data${SUFFIX[env]}`]));
    for (const r of rows) {
      const by = r[4];
      if (by === 'volume-copy') {
        // the copy CronJob exists, in the claim's namespace, mounts exactly that claim read-only and verifies the copy
        const cj = find(objs, 'CronJob', `volume-copy-${r[1]}`);
        expect(cj.metadata.namespace).toBe(r[0]);
        const pod = podOf(cj);
        expect(pod.volumes.find((v: any) => v.persistentVolumeClaim)).toEqual({ name: 'volume', persistentVolumeClaim: { claimName: r[1], readOnly: true } });
        expect(pod.containers[0].command[2]).toContain('VOLUME COPY VERIFY FAILED');
        expect(pod.containers[0].command[2]).toContain(`/${env}/${r[0]}/${r[1]}'`);
      } else {
        // on local-path nothing is left to Velero (hostPath PVs), and the MinIO volumes are knowingly unprotected
        expect(by).toBe('NOTHING (accepted)');
        expect(r[1]).toMatch(/^(minio-data-minio-0|data-minio-v2-0)$/);
      }
    }
  });

  test.each(ENVS)('the committed docs/backup-inventory-%s.md is the current inventory', (env) => {
    expect(fs.readFileSync(path.join(__dirname, '..', 'docs', `backup-inventory-${env}.md`), 'utf8')).toBe(backupInventory(env));
  });

  test('regression: the synth fails, naming the claim and the fix, when a stateful volume has no backup', () => {
    const err = synthError('prod', { components: { backup: { unprotectedVolumes: null } } });
    expect(err.message).toContain('stateful volumes without a backup');
    expect(err.message).toMatch(/data-platform\/minio-data-minio-0 \(StatefulSet minio \(template minio-data\)\) has no backup: the backup target is this MinIO.*Fix: .*unprotectedVolumes/);
  });

  test('regression: with an off-cluster target, Velero copies the new MinIO claim (local PV) and a CronJob the legacy one (hostPath, as root)', () => {
    const values = { external: { services: { 'offsite-s3': { host: 's3.backup.example.com', port: 443 } } }, components: { minio: { migration: { phase: 'mirror' } }, backup: { unprotectedVolumes: null, target: { kind: 'external-s3', service: 'offsite-s3', bucket: 'platform-backups', region: 'eu-west-1' } } } };
    const rows = rowsOf(backupInventory('prod', [{ source: 'test', data: values }]));
    const row = (claim: string) => rows.find((r) => r[1] === claim)!;
    expect(row('data-minio-v2-0')[4]).toBe('velero-fs');
    expect(row('minio-data-minio-0')[4]).toBe('volume-copy');
    const objs = objectsOf('prod', { values: [{ source: 'test', data: values }] });
    expect(podOf(find(objs, 'StatefulSet', 'minio-v2')).metadata).toBeUndefined(); // no Velero opt-out off-cluster
    expect(find(objs, 'StatefulSet', 'minio-v2').spec.template.metadata.annotations).toBeUndefined();
    const cj = podOf(find(objs, 'CronJob', 'volume-copy-minio-data-minio-0')).containers[0];
    expect(cj.securityContext.runAsNonRoot).toBe(false); // the legacy volume is root's
    expect(cj.command[2]).toContain("alias set target 'https://s3.backup.example.com:443'");
  });

  test('regression: with the in-cluster target, the new MinIO volume is opted out of Velero (its backups live on it)', () => {
    const objs = objectsOf('prod', { values: [{ source: 'test', data: { components: { minio: { migration: { phase: 'mirror' } } } } }] });
    expect(find(objs, 'StatefulSet', 'minio-v2').spec.template.metadata.annotations).toEqual({ 'backup.velero.io/backup-volumes-excludes': 'data' });
  });

  describe('Velero 1.15.2 file-system backup rules', () => {
    const template = { includedNamespaces: ['ns'], excludedResources: ['events'], defaultVolumesToFsBackup: true };
    const vol = (over: Record<string, any> = {}) => ({
      namespace: 'ns', claim: 'data-x-0', source: 'StatefulSet x', storageClass: 'local-path', annotations: {},
      mountedBy: [{ kind: 'StatefulSet', name: 'x', component: 'x', volume: 'data', replicas: 1, podAnnotations: {} }], ...over,
    });
    test('regression: a hostPath PV (local-path without volumeType: local) is skipped; a local PV is copied', () => {
      expect(veleroFsCoverage(vol(), template, ['local-path']).ok).toBe(false);
      expect(veleroFsCoverage(vol({ annotations: { volumeType: 'local' } }), template, ['local-path']).ok).toBe(true);
      expect(veleroFsCoverage(vol({ storageClass: 'ceph-rbd' }), template, ['local-path']).ok).toBe(true);
    });
    test('namespace scope, opt-out, opt-in without the default, and only running pods', () => {
      const csi = { storageClass: 'ceph-rbd' };
      expect(veleroFsCoverage(vol({ ...csi, namespace: 'other' }), template, []).detail).toMatch(/not in the Schedule/);
      expect(veleroFsCoverage(vol({ ...csi, mountedBy: [{ kind: 'StatefulSet', name: 'x', component: 'x', volume: 'data', replicas: 1, podAnnotations: { 'backup.velero.io/backup-volumes-excludes': 'tmp,data' } }] }), template, []).ok).toBe(false);
      expect(veleroFsCoverage(vol(csi), { ...template, defaultVolumesToFsBackup: false }, []).ok).toBe(false);
      expect(veleroFsCoverage(vol({ ...csi, mountedBy: [{ kind: 'StatefulSet', name: 'x', component: 'x', volume: 'data', replicas: 1, podAnnotations: { 'backup.velero.io/backup-volumes': 'data' } }] }), { ...template, defaultVolumesToFsBackup: false }, []).ok).toBe(true);
      expect(veleroFsCoverage(vol({ ...csi, mountedBy: [{ kind: 'CronJob', name: 'x', component: 'x', volume: 'data', replicas: 0, podAnnotations: {} }] }), template, []).detail).toMatch(/running pods only/);
      expect(veleroFsCoverage(vol(csi), { ...template, excludedResources: ['persistentvolumeclaims'] }, []).ok).toBe(false);
    });
    test('claims come from PVC objects and every replica of a claim template', () => {
      const vs = statefulVolumes([
        { kind: 'StatefulSet', metadata: { name: 'zk', namespace: 'a' }, spec: { replicas: 3, template: { spec: { containers: [] } }, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { storageClassName: 'local-path' } }] } },
        { kind: 'PersistentVolumeClaim', metadata: { name: 'g', namespace: 'b' }, spec: { storageClassName: 'local-path' } },
        { kind: 'Deployment', metadata: { name: 'grafana', namespace: 'b' }, spec: { replicas: 1, template: { spec: { volumes: [{ name: 'storage', persistentVolumeClaim: { claimName: 'g' } }], containers: [{ name: 'c', volumeMounts: [{ name: 'storage' }], securityContext: { runAsUser: 472 } }] } } } },
      ], 'a');
      expect(vs.map((v) => `${v.namespace}/${v.claim}`)).toEqual(['a/data-zk-0', 'a/data-zk-1', 'a/data-zk-2', 'b/g']);
      expect(vs[3].mountedBy).toEqual([{ kind: 'Deployment', name: 'grafana', component: '', volume: 'storage', replicas: 1, podAnnotations: {}, runAsUser: 472 }]);
    });
  });
});

describe('the inventory\'s early read skips only workloads that cannot mount a claim (mayHoldKey)', () => {
  const { App, ApiObject, Chart, JsonPatch, Lazy } = jest.requireActual('cdk8s') as typeof import('cdk8s');
  const { k8s } = jest.requireActual('cdk8s-plus-28') as typeof import('cdk8s-plus-28');
  const { mayHoldKey } = jest.requireActual('../src/core/manifest') as typeof import('../src/core/manifest');
  const { DataPlatform } = jest.requireActual('../src/platform/data-platform') as typeof import('../src/platform/data-platform');
  const { loadEnvironment } = jest.requireActual('../src/config/values') as typeof import('../src/config/values');
  const KEYS = new Set(['persistentVolumeClaim']);
  const deployment = (volumes: unknown, extra: Record<string, unknown> = {}) => {
    const chart = new Chart(new App({ outdir: '.tmp/unused' }), 'c');
    return new k8s.KubeDeployment(chart, 'd', {
      metadata: { name: 'd' },
      spec: {
        selector: { matchLabels: { app: 'd' } },
        template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }], resources: { limits: { cpu: k8s.Quantity.fromString('1') } }, ...extra }], volumes: volumes as import("cdk8s-plus-28").k8s.Volume[] } },
      },
    });
  };

  test('plain props without the key, number/string unions included: the manifest cannot hold it', () => {
    expect(mayHoldKey(deployment([{ name: 'tmp', emptyDir: {} }]), KEYS)).toBe(false);
    expect(mayHoldKey(deployment(undefined, { livenessProbe: { httpGet: { port: k8s.IntOrString.fromNumber(8080) } } }), KEYS)).toBe(false);
  });

  test('the key at any depth, a Lazy, an implicit token or a JSON patch: it may', () => {
    expect(mayHoldKey(deployment([{ name: 'data', persistentVolumeClaim: { claimName: 'x' } }]), KEYS)).toBe(true);
    expect(mayHoldKey(deployment(Lazy.any({ produce: () => [] })), KEYS)).toBe(true);
    expect(mayHoldKey(deployment([{ resolve: () => ({ name: 'data', persistentVolumeClaim: { claimName: 'x' } }) }]), KEYS)).toBe(true);
    const patched = deployment([]);
    patched.addJsonPatch(JsonPatch.add('/spec/template/spec/volumes/-', { name: 'data', persistentVolumeClaim: { claimName: 'x' } }));
    expect(mayHoldKey(patched, KEYS)).toBe(true);
    expect(mayHoldKey(new ApiObject(new Chart(new App({ outdir: '.tmp/unused' }), 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'b' } }), new Set(['a']))).toBe(true);
  });

  test.each(ENVS)('every workload it skips has no claim in its manifest, and it skips some (%s)', (env) => {
    const app = new App({ outdir: '.tmp/unused' });
    new DataPlatform(app, env, { environment: loadEnvironment(env) });
    const workloads = app.node.findAll().filter((o): o is InstanceType<typeof ApiObject> => o instanceof ApiObject && ['Deployment', 'DaemonSet', 'Job', 'CronJob'].includes(o.kind));
    const skipped = workloads.filter((o) => !mayHoldKey(o, KEYS));
    for (const o of skipped) expect(JSON.stringify(o.toJson())).not.toContain('"persistentVolumeClaim"');
    expect(skipped.length).toBeGreaterThan(workloads.length / 2);
    // and those it reads include every workload that does mount one
    for (const o of workloads.filter((x) => JSON.stringify(x.toJson()).includes('"persistentVolumeClaim"'))) expect(mayHoldKey(o, KEYS)).toBe(true);
  });
});
