import { App } from 'cdk8s';
import { IcebergCompactionJob } from '../src/components/iceberg/compaction';
import { MinIO } from '../src/components/minio/minio';
import { icebergWarehouse } from '../src/components/iceberg/warehouse';
import { catalogPropertyEnvName, catalogPropertyOfEnv, IcebergRestCatalog } from '../src/components/iceberg/rest-catalog';
import { cronProblem } from '../src/core/cron';
import { loadEnvironment } from '../src/config/values';
import { synthesize } from '../src/output/synth';
import { ENVS, envOf, find, NAMESPACES, objectsOf, podOf } from './util';

function restEnv(env: string): Record<string, any> {
  const c = podOf(find(objectsOf(env), 'Deployment', 'iceberg-rest-catalog')).containers[0];
  return Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

function trinoIceberg(env: string): Record<string, string> {
  const text: string = find(objectsOf(env), 'ConfigMap', 'trino-catalogs').data['iceberg.properties'];
  return Object.fromEntries(text.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

function sparkConf(env: string): Record<string, string> {
  const cmd: string[] = podOf(find(objectsOf(env), 'CronJob', 'iceberg-compaction')).containers[0].command;
  return Object.fromEntries(cmd.flatMap((a, i) => (cmd[i - 1] === '--conf' ? [[a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]] : [])));
}

describe('Iceberg REST catalog', () => {
  test.each(ENVS)('regression: one warehouse for Trino, the REST catalog and the compaction job, and MinIO creates its bucket (%s)', (env) => {
    const rest = restEnv(env).CATALOG_WAREHOUSE;
    expect(rest).toBe('s3://iceberg-warehouse/');
    expect(trinoIceberg(env)['iceberg.rest-catalog.warehouse']).toBe(rest);
    expect(sparkConf(env)['spark.sql.catalog.lake.warehouse']).toBe(rest);
    const script = podOf(find(objectsOf(env), 'Job', 'minio-init-buckets')).containers[0].command[2];
    expect(script).toContain('mc mb --ignore-existing platform/iceberg-warehouse');
  });

  test('a changed warehouse moves all three together', () => {
    const objs = synthesize({ environments: ['dev'], values: [{ source: 't', data: { components: { iceberg: { warehouse: { bucket: 'lake', prefix: 'v2' } } } } }] }).objects;
    const withWarehouse = objs.filter((o) => JSON.stringify(o.manifest).includes('s3://'));
    expect(withWarehouse.map((o) => `${o.manifest.kind}/${o.manifest.metadata.name}`).sort())
      .toEqual(['ConfigMap/trino-catalogs', 'CronJob/iceberg-compaction', 'Deployment/iceberg-rest-catalog']);
    for (const o of withWarehouse) expect(JSON.stringify(o.manifest)).toMatch(/s3:\/\/lake\/v2\/(?![\w-])/);
    expect(withWarehouse.map((o) => JSON.stringify(o.manifest)).join()).not.toContain('s3://iceberg-warehouse');
    expect(podOf(objs.find((o) => o.manifest.kind === 'Job' && o.manifest.metadata.name === 'minio-init-buckets')!.manifest).containers[0].command[2]).toContain('platform/lake\n');
  });

  test('CATALOG_* names are generated from property names and read back as those properties by the image mapping', () => {
    for (const p of ['catalog-impl', 'io-impl', 's3.path-style-access', 's3.access-key-id', 'client.region', 'jdbc.password', 'warehouse']) {
      expect(catalogPropertyOfEnv(catalogPropertyEnvName(p))).toBe(p);
    }
    expect(catalogPropertyEnvName('s3.path-style-access')).toBe('CATALOG_S3_PATH__STYLE__ACCESS');
    expect(() => catalogPropertyEnvName('jdbc.schema_version')).toThrow(/cannot be passed as a CATALOG_\* variable/);
  });

  test.each(ENVS)('regression: S3FileIO writes to MinIO (endpoint FQDN, path style, region, keys) and JDBC credentials come from a Secret (%s)', (env) => {
    const e = restEnv(env);
    const catalogProps = Object.fromEntries(Object.entries(e).filter(([k]) => k.startsWith('CATALOG_')).map(([k, v]) => [catalogPropertyOfEnv(k), v]));
    expect(catalogProps).toMatchObject({
      'catalog-impl': 'org.apache.iceberg.jdbc.JdbcCatalog',
      'io-impl': 'org.apache.iceberg.aws.s3.S3FileIO',
      's3.endpoint': `http://minio-service.${NAMESPACES[env]}.svc.cluster.local:9000`,
      's3.path-style-access': 'true',
      'client.region': 'us-east-1',
      's3.access-key-id': { secretKeyRef: { name: 'minio-secret', key: 'access-key' } },
      's3.secret-access-key': { secretKeyRef: { name: 'minio-secret', key: 'secret-key' } },
      'uri': `jdbc:postgresql://postgres-shared-service.${NAMESPACES[env]}.svc.cluster.local:5432/iceberg_rest?currentSchema=iceberg_catalog`,
      'jdbc.user': 'iceberg_user',
      'jdbc.password': { secretKeyRef: { name: 'iceberg-catalog-db-secret', key: 'password' } },
    });
    // The old names that the image turned into properties nobody reads are gone.
    expect(Object.keys(e)).not.toEqual(expect.arrayContaining(['CATALOG_S3_PATH_STYLE_ACCESS']));
    expect(Object.keys(e).filter((k) => k.startsWith('CATALOG_')).every((k) => catalogPropertyEnvName(catalogPropertyOfEnv(k)) === k)).toBe(true);
  });

  test('Service iceberg-rest-catalog:8181 (catalog-api), reference selector, non-root, /v1/config probes', () => {
    const objs = objectsOf('prod');
    const svc = find(objs, 'Service', 'iceberg-rest-catalog');
    expect(svc.spec.ports).toEqual([expect.objectContaining({ name: 'catalog-api', port: 8181 })]);
    const d = find(objs, 'Deployment', 'iceberg-rest-catalog');
    expect(d.spec.selector.matchLabels).toEqual({ app: 'iceberg-rest-catalog' });
    const c = podOf(d).containers[0];
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, readOnlyRootFilesystem: true });
    expect(c.readinessProbe.httpGet.path).toBe('/v1/config');
  });

  test('an undeclared metadata database fails with the fix', () => {
    const environment = loadEnvironment('dev', { values: [{ source: 't', data: { components: { iceberg: { restCatalog: { database: 'lakedb' } } } } }] });
    expect(() => new IcebergRestCatalog(new App(), 'r', { environment })).toThrow(/database 'lakedb' is not declared.*external\.databases\.lakedb/);
  });
});

describe('IcebergCompactionJob', () => {
  test.each(ENVS)('regression: a real maintenance run on the spark-lake image that installs and downloads nothing at run time (%s)', (env) => {
    const objs = objectsOf(env);
    const cron = find(objs, 'CronJob', 'iceberg-compaction');
    expect(cron.spec).toMatchObject({ schedule: '0 2 * * *', concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 3 });
    expect(cron.spec.jobTemplate.spec.activeDeadlineSeconds).toBeGreaterThan(0);
    const pod = podOf(cron);
    const c = pod.containers[0];
    expect(c.image).toBe('harbor.254carbon.com/library/spark-lake:3.5.0-iceberg1.6.1.1');
    expect(c.securityContext).toMatchObject({ runAsUser: 185, runAsNonRoot: true, readOnlyRootFilesystem: true });
    expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(expect.arrayContaining(['/tmp', '/opt/spark/work-dir']));
    expect(pod.restartPolicy).toBe('Never');
    expect(c.command[0]).toBe('/opt/spark/bin/spark-submit');
    const script: string = find(objs, 'ConfigMap', 'iceberg-compaction').data['compact.py'];
    for (const proc of ['rewrite_data_files', 'expire_snapshots', 'remove_orphan_files']) expect(script).toContain(`.system.${proc}(`);
    expect(script).toContain('return 1 if failed else 0');
    expect(script).toContain('FAILED TABLES: ');
    const everything = `${c.command.join(' ')}\n${script}`;
    expect(everything).not.toMatch(/\bpip3?\b|apt-get|\bapk\b|\bcurl\b|\bwget\b|conda/);
    const conf = sparkConf(env);
    // regression (issue 15 point 7): the jars are in the image; Spark resolves nothing from Maven at start.
    expect(Object.keys(conf).filter((k) => /^spark\.jars/.test(k))).toEqual([]);
    expect(conf).toMatchObject({
      'spark.sql.extensions': 'org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions',
      'spark.sql.catalog.lake': 'org.apache.iceberg.spark.SparkCatalog',
      'spark.sql.catalog.lake.type': 'rest',
      'spark.sql.catalog.lake.uri': `http://iceberg-rest-catalog.${NAMESPACES[env]}.svc.cluster.local:8181`,
      'spark.sql.catalog.lake.io-impl': 'org.apache.iceberg.aws.s3.S3FileIO',
      'spark.sql.catalog.lake.s3.endpoint': `http://minio-service.${NAMESPACES[env]}.svc.cluster.local:9000`,
      'spark.sql.catalog.lake.s3.path-style-access': 'true',
    });
    expect(envOf(c, 'AWS_SECRET_ACCESS_KEY')).toEqual({ secretKeyRef: { name: 'minio-secret', key: 'secret-key' } });
  });

  test('tables, strategy, target size and retention are props that reach the run', () => {
    const environment = loadEnvironment('dev');
    const app = new App();
    new MinIO(app, 'minio', { environment });
    new IcebergRestCatalog(app, 'rest', { environment, warehouse: icebergWarehouse(environment) });
    const job = new IcebergCompactionJob(app, 'c', {
      environment, tables: ['sales.orders'], namespaces: ['raw'], strategy: 'sort', sortOrder: 'ts DESC NULLS LAST',
      targetFileSizeBytes: 268435456, snapshotRetentionDays: 14, retainLastSnapshots: 10, orphanFileRetentionDays: 5, schedule: '30 3 * * 0',
    });
    const cm = job.toJson().find((o: any) => o.kind === 'ConfigMap');
    expect(JSON.parse(cm.data['settings.json'])).toMatchObject({
      tables: ['sales.orders'], namespaces: ['raw'], strategy: 'sort', sortOrder: 'ts DESC NULLS LAST',
      targetFileSizeBytes: 268435456, snapshotRetentionDays: 14, retainLastSnapshots: 10, orphanFileRetentionDays: 5,
    });
    expect(job.toJson().find((o: any) => o.kind === 'CronJob').spec.schedule).toBe('30 3 * * 0');
  });

  test('an invalid cron schedule fails the synth naming it (prop and environment value)', () => {
    const environment = loadEnvironment('dev');
    expect(() => new IcebergCompactionJob(new App(), 'c', { environment, schedule: '0 25 * * *' }))
      .toThrow(/environment 'dev', component 'iceberg-compaction', schedule: schedule '0 25 \* \* \*' is not a valid cron schedule: the hour value 25 is outside 0-23/);
    expect(() => loadEnvironment('prod', { values: [{ source: 'bad.yaml', data: { components: { iceberg: { compaction: { schedule: 'daily' } } } } }] }))
      .toThrow(/environment 'prod' is invalid \(values: bad\.yaml\)[\s\S]*components\.iceberg\.compaction\.schedule: "daily" is invalid: not a valid cron schedule/);
    expect(() => new IcebergCompactionJob(new App(), 'c', { environment, tables: ['orders'] })).toThrow(/'orders' is not a table name/);
    expect(() => new IcebergCompactionJob(new App(), 'c', { environment, orphanFileRetentionDays: 0 })).toThrow(/orphanFileRetentionDays is 0/);
  });

  test('cron syntax', () => {
    for (const ok of ['0 2 * * *', '*/15 * * * *', '0 0 1,15 * MON-FRI', '@daily', '0 2 * JAN-MAR 7']) expect(cronProblem(ok)).toBeUndefined();
    for (const bad of ['0 2 * *', '60 * * * *', '0 2 * * 8', '5-1 * * * *', '*/0 * * * *', '@fortnightly', 'CRON_TZ=UTC 0 2 * * *', '0 2 * FOO *']) {
      expect(typeof cronProblem(bad)).toBe('string');
      expect(cronProblem(bad)!.length).toBeGreaterThan(10);
    }
  });
});
