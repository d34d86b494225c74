import { objectKey } from '../src/output/render';
import { ENVS, NAMESPACES, objectsOf } from './util';

describe('objects outside the environment namespaces', () => {
  test('dev, staging and prod never collide in a shared namespace or at cluster scope', () => {
    const owner = new Map<string, string>();
    const clashes: string[] = [];
    for (const env of ENVS) {
      for (const o of objectsOf(env)) {
        const ns = o.manifest.metadata.namespace;
        if (ns === NAMESPACES[env]) continue;
        const key = objectKey(o.manifest);
        if (owner.has(key)) clashes.push(`${key} (${owner.get(key)} and ${env})`);
        owner.set(key, env);
      }
    }
    expect(clashes).toEqual([]);
    // There are such objects: Grafana, Loki, Fluent Bit, Velero and the PrometheusRules.
    expect([...owner.keys()].filter((k) => k.startsWith('Deployment/monitoring/'))).toEqual(['Deployment/monitoring/grafana-dev', 'Deployment/monitoring/grafana-staging', 'Deployment/monitoring/grafana']);
    expect(owner.get('ClusterRole//fluent-bit')).toBe('prod');
  });

  test('prod keeps the reference names', () => {
    const names = new Set(objectsOf('prod').map((o) => objectKey(o.manifest)));
    for (const k of ['Deployment/monitoring/grafana', 'Service/monitoring/grafana', 'PersistentVolumeClaim/monitoring/grafana-data',
      'DaemonSet/victoria-metrics/fluent-bit', 'Deployment/victoria-metrics/loki', 'ConfigMap/victoria-metrics/loki-config',
      'BackupStorageLocation/velero/minio', 'Schedule/velero/daily-backup', 'PrometheusRule/monitoring/velero-backup-alerts',
      'Deployment/data-platform/spark-history-server', 'Service/data-platform/spark-history-server']) {
      expect(names.has(k)).toBe(true);
    }
  });
});
