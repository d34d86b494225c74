import { ENVS, envOf, find, NAMESPACES, objectsOf, podOf } from './util';

describe('Spark History Server', () => {
  test.each(ENVS)('regression: it starts as the image\'s own user through the image entrypoint (%s)', (env) => {
    const objs = objectsOf(env);
    const d = find(objs, 'Deployment', 'spark-history-server');
    expect(d.spec.selector.matchLabels).toEqual({ app: 'spark-history-server' });
    const c = podOf(d).containers[0];
    // The reference ran uid 1000 with `command` replacing the entrypoint: no passwd entry, and Hadoop's
    // login fails at start ("invalid null input: name"). uid 185 is `spark` in the apache/spark image (the base of spark-lake).
    expect(c.securityContext.runAsUser).toBe(185);
    expect(c.command).toBeUndefined();
    expect(c.args).toEqual(['/opt/spark/bin/spark-class', 'org.apache.spark.deploy.history.HistoryServer']);
    expect(c.image).toBe('harbor.254carbon.com/library/spark-lake:3.5.0-iceberg1.6.1.1');
  });

  test.each(ENVS)('regression: it reads the event logs from MinIO with the S3A jars on its classpath (%s)', (env) => {
    const objs = objectsOf(env);
    const d = find(objs, 'Deployment', 'spark-history-server');
    const pod = podOf(d);
    const c = pod.containers[0];
    const conf = find(objs, 'ConfigMap', 'spark-history-conf').data as Record<string, string>;
    const defaults = conf['spark-defaults.conf'];
    expect(defaults).toMatch(/^spark\.history\.fs\.logDirectory s3a:\/\/spark-logs\/$/m);
    expect(defaults).toContain(`spark.hadoop.fs.s3a.endpoint http://minio-service.${NAMESPACES[env]}.svc.cluster.local:9000`);
    expect(defaults).toContain('spark.hadoop.fs.s3a.path.style.access true');
    expect(Object.keys(conf).sort()).toEqual(['log4j2.properties', 'spark-defaults.conf']);
    expect(c.volumeMounts.find((m: any) => m.mountPath === '/opt/spark/conf').readOnly).toBe(true);
    expect(envOf(c, 'AWS_SECRET_ACCESS_KEY')).toEqual({ secretKeyRef: { name: 'minio-secret', key: 'secret-key' } });
    // regression: hadoop-aws and its SDK are in the image (images/spark-lake), not fetched from Maven Central at start.
    expect(envOf(c, 'SPARK_DAEMON_CLASSPATH')).toBeUndefined();
    expect(JSON.stringify(pod)).not.toMatch(/repo1\.maven\.org|curl|\.jar/);
    // The log directory exists before the server starts (it exits otherwise), and MinIO creates the bucket too.
    const ensure = pod.initContainers.find((i: any) => i.name === 'ensure-event-log-bucket');
    expect(ensure.command[2]).toContain('mc mb --ignore-existing platform/spark-logs');
    expect(pod.initContainers.map((i: any) => i.name)).toEqual(['ensure-event-log-bucket']);
    expect(podOf(find(objs, 'Job', 'minio-init-buckets')).containers[0].command[2]).toContain('platform/spark-logs');
    // No PVC on a storage class that does not exist.
    expect(objs.some((o) => o.manifest.kind === 'PersistentVolumeClaim' && o.component === 'spark-history')).toBe(false);
  });

  test('the JVM heap fits the memory limit', () => {
    const c = podOf(find(objectsOf('prod'), 'Deployment', 'spark-history-server')).containers[0];
    expect(c.resources.limits.memory).toBe('2Gi');
    expect(envOf(c, 'SPARK_DAEMON_MEMORY')).toBe('1536m');
    expect(find(objectsOf('prod'), 'Service', 'spark-history-server').spec.ports[0]).toMatchObject({ name: 'history-ui', port: 18080 });
  });
});
