import { App } from 'cdk8s';
import { TRINO_CATALOG_VERSIONS, validateCatalogProperties } from '../src/components/trino/catalogs';
import { deriveTrinoMemory } from '../src/components/trino/memory';
import { Trino, TRINO_COORDINATOR_SERVICE } from '../src/components/trino/trino';
import { parseQuantity } from '../src/core/resources';
import { loadEnvironment } from '../src/config/values';
import { ENVS, find, NAMESPACES, objectsOf, podOf } from './util';

const ROLES = ['coordinator', 'worker'] as const;

/** Parses a properties file into a map. */
function props(text: string): Record<string, string> {
  return Object.fromEntries(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

function catalogsOf(env: string): Record<string, Record<string, string>> {
  const cm = find(objectsOf(env), 'ConfigMap', 'trino-catalogs');
  return Object.fromEntries(Object.entries(cm.data as Record<string, string>).map(([k, v]) => [k.replace(/\.properties$/, ''), props(v)]));
}

function trinoIn(env: string, overlay: Record<string, unknown> = {}, extra: Partial<ConstructorParameters<typeof Trino>[2]> = {}): Trino {
  const environment = loadEnvironment(env, { values: [{ source: 'test', data: { components: { trino: overlay } } }] });
  return new Trino(new App(), 'trino', { environment, ...extra });
}

const MINIO_REF = { secretKeyRef: { name: 'minio-secret', key: 'access-key' } };

describe('Trino', () => {
  test('regression: no s3.* key without fs.native-s3.enabled=true on any Trino version in 435-457', () => {
    const base = { 'connector.name': 'iceberg', 'iceberg.catalog.type': 'rest', 'iceberg.rest-catalog.uri': 'http://x:8181' };
    for (let v = TRINO_CATALOG_VERSIONS.min; v <= TRINO_CATALOG_VERSIONS.max; v++) {
      for (const key of ['s3.endpoint', 's3.region', 's3.path-style-access', 's3.aws-access-key']) {
        const value = key === 's3.aws-access-key' ? '${ENV:K}' : 'v';
        expect(() => validateCatalogProperties('iceberg', { ...base, [key]: value }, v, 'test'))
          .toThrow(new RegExp(`key '${key.replace(/\./g, '\\.')}' is set without fs\\.native-s3\\.enabled=true; Trino ${v}`));
        expect(() => validateCatalogProperties('iceberg', { ...base, 'fs.native-s3.enabled': 'true', [key]: value }, v, 'test')).not.toThrow();
      }
    }
    // And the synthesized catalog of every environment enables the native file system with its s3.* keys.
    for (const env of ENVS) {
      const iceberg = catalogsOf(env).iceberg;
      expect(iceberg['fs.native-s3.enabled']).toBe('true');
      expect(Object.keys(iceberg).filter((k) => k.startsWith('s3.')).sort()).toEqual(['s3.aws-access-key', 's3.aws-secret-key', 's3.endpoint', 's3.path-style-access', 's3.region']);
    }
  });

  test.each(ENVS)('regression: the Iceberg catalog reaches MinIO by its FQDN, path-style, with keys from the Secret (%s)', (env) => {
    const objs = objectsOf(env);
    const iceberg = catalogsOf(env).iceberg;
    const minio = find(objs, 'Service', 'minio-service');
    const apiPort = minio.spec.ports.find((p: any) => p.name === 'minio-api').port;
    expect(iceberg['s3.endpoint']).toBe(`http://minio-service.${NAMESPACES[env]}.svc.cluster.local:${apiPort}`);
    expect(iceberg['s3.path-style-access']).toBe('true');
    expect(iceberg['s3.region']).toBe('us-east-1');
    expect(iceberg['iceberg.rest-catalog.uri']).toBe(`http://iceberg-rest-catalog.${NAMESPACES[env]}.svc.cluster.local:8181`);
    for (const role of ROLES) {
      const c = podOf(find(objs, 'Deployment', `trino-${role}`)).containers[0];
      const envVar = (ref: string) => c.env.find((e: any) => e.name === /^\$\{ENV:(\w+)\}$/.exec(ref)![1]);
      expect(envVar(iceberg['s3.aws-access-key']).valueFrom).toEqual(MINIO_REF);
      expect(envVar(iceberg['s3.aws-secret-key']).valueFrom).toEqual({ secretKeyRef: { name: 'minio-secret', key: 'secret-key' } });
    }
  });

  test.each(ENVS)('regression: no secret value in any ConfigMap (%s)', (env) => {
    const secretKey = /password|secret|credential|token|access-key/i;
    for (const o of objectsOf(env).filter((x) => x.manifest.kind === 'ConfigMap')) {
      for (const [file, text] of Object.entries(o.manifest.data ?? {}) as Array<[string, string]>) {
        for (const line of text.split('\n')) {
          const m = /^\s*([A-Za-z0-9_.-]+)\s*[=:]\s*(.+)$/.exec(line);
          if (m && secretKey.test(m[1])) {
            expect(`${o.manifest.metadata.name}/${file}: ${m[1]}=${m[2]}`).toMatch(/=(\$\{ENV:[A-Z0-9_]+\}|_required\("[A-Z0-9_]+"\)|os\.environ\["[A-Z0-9_]+"\]|None)$/);
          }
        }
        expect(text).not.toMatch(/REDACTED|minioadmin|:\/\/[^/\s:@]+:[^/\s@]+@/);
      }
    }
  });

  test.each([['dev', 1], ['staging', 2], ['prod', 3]] as const)('regression: worker count from the environment (%s: %d), one coordinator', (env, workers) => {
    const objs = objectsOf(env);
    expect(find(objs, 'Deployment', 'trino-worker').spec.replicas).toBe(workers);
    expect(find(objs, 'Deployment', 'trino-coordinator').spec.replicas).toBe(1);
    expect(() => loadEnvironment(env, { values: [{ source: 't', data: { components: { trino: { replicas: { coordinator: 2 } } } } }] }))
      .toThrow(/components\.trino\.replicas\.coordinator/);
  });

  test.each(ENVS)('roles, discovery URI by FQDN and node.environment from the environment (%s)', (env) => {
    const objs = objectsOf(env);
    const coord = props(find(objs, 'ConfigMap', 'trino-coordinator-config').data['config.properties']);
    const worker = props(find(objs, 'ConfigMap', 'trino-worker-config').data['config.properties']);
    const uri = `http://trino-coordinator.${NAMESPACES[env]}.svc.cluster.local:8080`;
    expect(coord).toMatchObject({ 'coordinator': 'true', 'node-scheduler.include-coordinator': 'false', 'discovery.uri': uri, 'http-server.http.port': '8080' });
    expect(worker).toMatchObject({ 'coordinator': 'false', 'discovery.uri': uri });
    for (const role of ROLES) {
      expect(props(find(objs, 'ConfigMap', `trino-${role}-config`).data['node.properties'])['node.environment']).toBe(env);
    }
  });

  test.each(ENVS)('memory is derived from the container limit and is consistent (%s)', (env) => {
    const objs = objectsOf(env);
    for (const role of ROLES) {
      const cm = find(objs, 'ConfigMap', `trino-${role}-config`).data;
      const limit = parseQuantity(podOf(find(objs, 'Deployment', `trino-${role}`)).containers[0].resources.limits.memory) / 2 ** 20;
      const heap = parseInt(/-Xmx(\d+)M/.exec(cm['jvm.config'])![1], 10);
      const cfg = props(cm['config.properties']);
      const mb = (v: string) => parseInt(v.replace(/MB$/, ''), 10);
      expect(heap).toBe(Math.floor(limit * 0.75));
      expect(mb(cfg['query.max-memory-per-node']) + mb(cfg['memory.heap-headroom-per-node'])).toBeLessThanOrEqual(heap);
    }
    if (env === 'prod') {
      expect(find(objs, 'ConfigMap', 'trino-worker-config').data['jvm.config']).toContain('-Xmx24576M'); // 75% of 32Gi
    }
  });

  test.each(ENVS)('coordinator and workers share one catalogs ConfigMap; every ConfigMap is mounted; no TRINO_* variables (%s)', (env) => {
    const objs = objectsOf(env).filter((o) => o.path.includes('/trino/'));
    const configMaps = objs.filter((o) => o.manifest.kind === 'ConfigMap').map((o) => o.manifest.metadata.name).sort();
    expect(configMaps).toEqual(['trino-catalogs', 'trino-coordinator-config', 'trino-metrics-proxy', 'trino-worker-config']);
    const mounted = new Set<string>();
    const catalogText = Object.values(find(objs, 'ConfigMap', 'trino-catalogs').data as Record<string, string>).join('\n');
    for (const role of ROLES) {
      const pod = podOf(find(objs, 'Deployment', `trino-${role}`));
      const vols = pod.volumes.filter((v: any) => v.configMap).map((v: any) => v.configMap.name);
      vols.forEach((v: string) => mounted.add(v));
      expect(vols).toContain('trino-catalogs');
      const c = pod.containers[0];
      expect(c.volumeMounts.find((m: any) => m.name === 'trino-catalogs').mountPath).toBe('/etc/trino/catalog');
      for (const e of c.env ?? []) {
        expect(e.name).not.toMatch(/^TRINO_/);
        expect(catalogText).toContain(`\${ENV:${e.name}}`); // every variable is read by a catalog
      }
    }
    expect([...mounted].sort()).toEqual(configMaps);
  });

  test('probes, restricted profile as uid 1000, writable emptyDirs, reference selectors and Service', () => {
    const objs = objectsOf('prod');
    for (const role of ROLES) {
      const d = find(objs, 'Deployment', `trino-${role}`);
      expect(d.spec.selector.matchLabels).toEqual({ app: `trino-${role}` });
      const c = podOf(d).containers[0];
      expect(c.image).toBe('docker.io/trinodb/trino:436');
      expect(c.livenessProbe.httpGet.path).toBe('/v1/info');
      expect(c.readinessProbe.exec.command).toEqual(['/usr/lib/trino/bin/health-check']);
      expect(c.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(expect.arrayContaining(['/data/trino', '/tmp', '/etc/trino']));
    }
    const svc = find(objs, 'Service', 'trino-coordinator');
    expect(svc.spec.selector).toEqual({ app: 'trino-coordinator' });
    expect(svc.spec.ports).toEqual([expect.objectContaining({ name: 'trino-api', port: 8080 }), expect.objectContaining({ name: 'metrics', port: 9090 })]);
    expect(TRINO_COORDINATOR_SERVICE).toEqual({ component: 'trino', name: 'trino-coordinator', ports: { 'trino-api': 8080, 'metrics': 9090 } });
  });

  describe('bad input fails the synth with a message naming it', () => {
    const objectStore = { endpoint: 'http://minio-service.data-platform.svc.cluster.local:9000', region: 'us-east-1', pathStyleAccess: true, accessKey: MINIO_REF, secretKey: MINIO_REF };
    const lake = { connector: 'iceberg' as const, name: 'lake', restUri: 'http://r:8181', warehouse: 's3://w/', objectStore };

    test('an unknown (misspelt) catalog key names the key, the catalog and the version', () => {
      expect(() => trinoIn('prod', {}, { extraCatalogs: [{ ...lake, properties: { 'iceberg.pushdown-filters-enabled': 'true' } }] }))
        .toThrow(/environment 'prod'.*catalog 'lake': unknown key 'iceberg\.pushdown-filters-enabled' for the iceberg connector of Trino 436/);
      expect(() => trinoIn('prod', {}, { extraCatalogs: [{ ...lake, properties: { 'iceberg.projection-pushdown-enable': 'true' } }] }))
        .toThrow(/did you mean 'iceberg\.projection-pushdown-enabled'/);
    });

    test('s3.endpoint without native S3', () => {
      expect(() => trinoIn('dev', {}, { extraCatalogs: [{ ...lake, objectStore: { ...objectStore, nativeS3: false }, properties: { 's3.endpoint': 'http://x:9000' } }] }))
        .toThrow(/catalog 'lake': key 's3\.endpoint' is set without fs\.native-s3\.enabled=true; Trino 436/);
    });

    test('a literal password in a catalog', () => {
      expect(() => trinoIn('dev', {}, { extraCatalogs: [{ ...lake, properties: { 's3.aws-secret-key': 'hunter2' } }] })).toThrow(/set by the typed catalog/);
      expect(() => validateCatalogProperties('pg', { 'connector.name': 'postgresql', 'connection-password': 'hunter2' }, 436, 'x'))
        .toThrow(/'connection-password' holds a literal value/);
    });

    test('a heap larger than the memory limit', () => {
      expect(() => trinoIn('staging', { memory: { heap: { worker: '8Gi' } } }))
        .toThrow(/environment 'staging', component 'trino', components\.trino\.resources\.worker: the heap 8Gi is larger than the memory limit 4Gi/);
      expect(() => trinoIn('staging', { memory: { heap: { coordinator: '3900Mi' } } })).toThrow(/leaves only 196Mi/);
    });

    test('query memory plus headroom above the heap', () => {
      expect(() => trinoIn('dev', { memory: { queryMaxMemoryPerNodePercent: 80, heapHeadroomPercent: 30 } }))
        .toThrow(/query\.max-memory-per-node \(80% = \d+MB\) plus memory\.heap-headroom-per-node \(30% = \d+MB\) exceed the heap/);
    });

    test('a Trino version outside the key registry', () => {
      expect(() => trinoIn('dev', {}, { version: '470' })).toThrow(/Trino 470 is outside the versions whose catalog keys are known \(435-457\)/);
    });
  });

  test('memory derivation in numbers', () => {
    expect(deriveTrinoMemory({ limit: '16Gi', heapPercent: 75, queryMaxMemoryPerNodePercent: 50, heapHeadroomPercent: 30 }, 'x'))
      .toEqual({ limitMiB: 16384, heapMiB: 12288, queryMaxMemoryPerNodeMiB: 6144, heapHeadroomPerNodeMiB: 3686 });
  });
});

describe('Trino metrics', () => {
  test.each(ENVS)('regression: Prometheus scrapes /metrics through a proxy that names the user Trino requires (%s)', (env) => {
    const objs = objectsOf(env);
    const svc = find(objs, 'Service', 'trino-coordinator');
    expect(svc.spec.ports.map((p: any) => [p.name, p.port])).toEqual([['trino-api', 8080], ['metrics', 9090]]);
    const pod = podOf(find(objs, 'Deployment', 'trino-coordinator'));
    expect(pod.containers[0].name).toBe('trino-coordinator');
    const proxy = pod.containers.find((c: any) => c.name === 'metrics-proxy');
    expect(proxy.ports).toEqual([{ name: 'metrics', containerPort: 9090, protocol: 'TCP' }]);
    expect(proxy.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 101, readOnlyRootFilesystem: true });
    const conf: string = find(objs, 'ConfigMap', 'trino-metrics-proxy').data['nginx.conf'];
    expect(conf).toContain('proxy_pass http://127.0.0.1:8080/metrics;');
    expect(conf).toContain('proxy_set_header X-Trino-User prometheus;');
    expect(conf).toMatch(/location \/ \{ return 404; \}/);
    // The workers have no proxy: only the coordinator serves the cluster's metrics.
    expect(podOf(find(objs, 'Deployment', 'trino-worker')).containers.map((c: any) => c.name)).toEqual(['trino-worker']);
    const sm = find(objs, 'ServiceMonitor', 'trino');
    expect(sm.spec.endpoints[0]).toMatchObject({ port: 'metrics', path: '/metrics' });
  });
});
