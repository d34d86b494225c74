import { toMebibytes } from '../src/core/resources';
import { ENVS, envOf, find, objectsOf, podOf } from './util';

/**
 * What docs/runtime-facts.md records for Trino, the Iceberg REST catalog, Spark (compaction, history server), Redis
 * and Superset, where the output depends on it. Each test names the section it locks.
 */
const mounts = (c: any) => Object.fromEntries((c.volumeMounts ?? []).map((m: any) => [m.mountPath, m]));

describe('runtime facts (docs/runtime-facts.md)', () => {
  test.each(ENVS)('regression: Trino: the launcher reads /etc/trino, which our ConfigMap replaces whole, so every file run-trino and the launcher read is in it; -Xmx is absolute and below the limit (%s)', (env) => {
    const objs = objectsOf(env);
    for (const role of ['coordinator', 'worker']) {
      const cm = find(objs, 'ConfigMap', `trino-${role}-config`).data;
      expect(Object.keys(cm).sort()).toEqual(['config.properties', 'jvm.config', 'log.properties', 'node.properties']);
      // node.id is not set: run-trino then passes -Dnode.id=$HOSTNAME (a pod's name is unique).
      expect(cm['node.properties']).not.toMatch(/node\.id/);
      expect(cm['node.properties']).toMatch(/^node\.data-dir=\/data\/trino$/m);
      const d = find(objs, 'Deployment', `trino-${role}`);
      const c = podOf(d).containers[0];
      // The image's CMD (run-trino) is kept: no command or args of ours.
      expect(c.command).toBeUndefined();
      expect(c.args).toBeUndefined();
      expect(mounts(c)['/etc/trino'].readOnly).toBe(true);
      expect(mounts(c)['/data/trino'].readOnly).toBeUndefined();
      const heap = parseInt(/-Xmx(\d+)M/.exec(cm['jvm.config'])![1], 10);
      expect(heap).toBeLessThan(toMebibytes(c.resources.limits.memory));
    }
  });

  test.each(ENVS)('regression: Iceberg REST catalog: `java -jar` with no heap flag gets 25%% of the limit, so the heap is set from the limit (%s)', (env) => {
    const c = podOf(find(objectsOf(env), 'Deployment', 'iceberg-rest-catalog')).containers[0];
    expect(c.command).toBeUndefined();
    expect(envOf(c, 'JAVA_TOOL_OPTIONS')).toBe(`-Xmx${Math.floor(toMebibytes(c.resources.limits.memory) * 0.75)}m`);
    expect(envOf(c, 'REST_PORT')).toBe('8181');
    // The image's own defaults (sqlite in memory, user/password) are all overridden.
    expect(envOf(c, 'CATALOG_URI')).toMatch(/^jdbc:postgresql:\/\//);
    expect(envOf(c, 'CATALOG_JDBC_USER')).toBe('iceberg_user');
    expect(envOf(c, 'CATALOG_JDBC_PASSWORD')).toEqual({ secretKeyRef: { name: 'iceberg-catalog-db-secret', key: 'password' } });
    expect(c.securityContext.runAsUser).toBe(1000);
  });

  test.each(ENVS)('regression: Spark: driver and daemon heaps are absolute sizes below the container limit (%s)', (env) => {
    const objs = objectsOf(env);
    const job = podOf(find(objs, 'CronJob', 'iceberg-compaction')).containers[0];
    const driver = job.command[job.command.indexOf('--driver-memory') + 1];
    expect(parseInt(driver, 10)).toBe(Math.floor(toMebibytes(job.resources.limits.memory) * 0.75));
    expect(job.command[job.command.indexOf('--master') + 1]).toMatch(/^local\[\d+\]$/);
    const history = podOf(find(objs, 'Deployment', 'spark-history-server')).containers[0];
    expect(parseInt(envOf(history, 'SPARK_DAEMON_MEMORY'), 10)).toBe(Math.floor(toMebibytes(history.resources.limits.memory) * 0.75));
    // The conf dir is our ConfigMap (log4j2.properties, as Spark 3.5 reads), hiding the image's empty conf dir.
    expect(mounts(history)['/opt/spark/conf'].readOnly).toBe(true);
    expect(Object.keys(find(objs, 'ConfigMap', 'spark-history-conf').data).sort()).toEqual(['log4j2.properties', 'spark-defaults.conf']);
  });

  test.each(ENVS)('regression: Superset: the configuration module is found on PYTHONPATH (/app/pythonpath) and writes go to emptyDirs (%s)', (env) => {
    const objs = objectsOf(env);
    for (const name of ['superset-web', 'superset-worker', 'superset-beat']) {
      const c = podOf(find(objs, 'Deployment', name)).containers[0];
      expect(mounts(c)['/app/pythonpath'].readOnly).toBe(true);
      expect(mounts(c)['/app/superset_home'].readOnly).toBeUndefined();
      expect(c.securityContext).toMatchObject({ runAsUser: 1000, readOnlyRootFilesystem: true });
    }
    expect(Object.keys(find(objs, 'ConfigMap', 'superset-config').data)).toContain('superset_config.py');
  });
});
