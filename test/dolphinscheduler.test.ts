import { App } from 'cdk8s';
import { DolphinSchedulerStack } from '../src/components/dolphinscheduler/dolphinscheduler';
import { loadEnvironment } from '../src/config/values';
import { ENVS, envOf, find, NAMESPACES, objectsOf, podOf } from './util';

const ROLES = ['api', 'master', 'worker', 'alert'] as const;

describe('DolphinSchedulerStack', () => {
  test.each(ENVS)('regression: REGISTRY_ZOOKEEPER_CONNECT_STRING is the ZooKeeper FQDN in every component (%s)', (env) => {
    const objs = objectsOf(env);
    for (const role of ROLES) {
      const c = podOf(find(objs, 'Deployment', `dolphinscheduler-${role}`)).containers[0];
      expect(envOf(c, 'REGISTRY_ZOOKEEPER_CONNECT_STRING')).toBe(`zookeeper-service.${NAMESPACES[env]}.svc.cluster.local:2181`);
      expect(envOf(c, 'REGISTRY_ZOOKEEPER_BLOCK_UNTIL_CONNECTED')).toBe('30s');
    }
  });

  test.each(ENVS)('regression: the schema Job is ordered before the master (%s)', (env) => {
    const objs = objectsOf(env);
    const job = find(objs, 'Job', 'dolphinscheduler-init-db');
    // A PreSync hook runs before any Sync-phase object of the application, the master included.
    expect(job.metadata.annotations['argocd.argoproj.io/hook']).toBe('PreSync');
    expect(job.metadata.annotations['argocd.argoproj.io/hook-delete-policy']).toBe('BeforeHookCreation');
    const master = find(objs, 'Deployment', 'dolphinscheduler-master');
    expect(master.metadata.annotations?.['argocd.argoproj.io/hook']).toBeUndefined();
    // It is the upstream tools image of the same version, running upgrade-schema (idempotent), not DDL.
    const c = podOf(job).containers[0];
    const version = master.spec.template.spec.containers[0].image.split(':').pop();
    expect(c.image).toBe(`docker.io/apache/dolphinscheduler-tools:${version}`);
    expect(c.command).toEqual(['tools/bin/upgrade-schema.sh']);
    expect(JSON.stringify(job)).not.toMatch(/INSERT|CREATE TABLE|password\s*=/i);
  });

  test.each(ENVS)('regression: every server waits for ZooKeeper in an init container (%s)', (env) => {
    const objs = objectsOf(env);
    for (const role of ROLES) {
      const init = podOf(find(objs, 'Deployment', `dolphinscheduler-${role}`)).initContainers;
      const wait = init.find((c: any) => c.name === 'wait-for-zookeeper');
      expect(wait).toBeDefined();
      expect(wait.command.join(' ')).toContain(`nc -z -w 2 zookeeper-service.${NAMESPACES[env]}.svc.cluster.local 2181`);
    }
  });

  test('regression: probes use the actuator health groups on the actuator ports', () => {
    const objs = objectsOf('prod');
    const expected = {
      api: [12345, '/dolphinscheduler/actuator/health'],
      master: [5679, '/actuator/health'],
      worker: [1235, '/actuator/health'],
      alert: [50053, '/actuator/health'],
    } as const;
    for (const role of ROLES) {
      const c = podOf(find(objs, 'Deployment', `dolphinscheduler-${role}`)).containers[0];
      const [port, base] = expected[role];
      expect(c.livenessProbe.httpGet).toEqual({ path: `${base}/liveness`, port, scheme: 'HTTP' });
      expect(c.readinessProbe.httpGet).toEqual({ path: `${base}/readiness`, port, scheme: 'HTTP' });
      expect(c.ports.map((p: any) => p.containerPort)).toContain(port);
    }
  });

  test.each([
    ['dev', { api: 1, master: 1, worker: 1, alert: 1 }],
    ['staging', { api: 2, master: 1, worker: 2, alert: 1 }],
    ['prod', { api: 3, master: 1, worker: 6, alert: 1 }],
  ] as const)('regression: replicas come from the environment (%s)', (env, replicas) => {
    const objs = objectsOf(env);
    for (const role of ROLES) {
      expect(find(objs, 'Deployment', `dolphinscheduler-${role}`).spec.replicas).toBe(replicas[role]);
    }
  });

  test('selectors stay the reference ones (immutable in Kubernetes)', () => {
    const objs = objectsOf('prod');
    for (const role of ROLES) {
      const d = find(objs, 'Deployment', `dolphinscheduler-${role}`);
      expect(d.spec.selector.matchLabels).toEqual({ app: `dolphinscheduler-${role}` });
      expect(find(objs, 'Service', `dolphinscheduler-${role}`).spec.selector).toEqual({ app: `dolphinscheduler-${role}` });
    }
  });

  test('one version everywhere: a version prop changes every image and the schema Job together', () => {
    const env = loadEnvironment('dev');
    const app = new App();
    const stack = new DolphinSchedulerStack(app, 'ds', { environment: env, version: '3.2.1' });
    const images = stack.toJson().flatMap((o: any) => (o.spec?.template?.spec ? [...(o.spec.template.spec.initContainers ?? []), ...o.spec.template.spec.containers] : []))
      .map((c: any) => c.image).filter((i: string) => i.includes('dolphinscheduler'));
    expect(images.length).toBe(5);
    for (const i of images) expect(i).toMatch(/:3\.2\.1$/);
  });

  test('resource uploads go to the object store, never a per-pod emptyDir', () => {
    const objs = objectsOf('prod');
    for (const role of ['api', 'worker']) {
      const c = podOf(find(objs, 'Deployment', `dolphinscheduler-${role}`)).containers[0];
      expect(envOf(c, 'RESOURCE_STORAGE_TYPE')).toBe('S3');
      expect(envOf(c, 'RESOURCE_AWS_S3_ENDPOINT')).toBe('http://minio-service.data-platform.svc.cluster.local:9000');
      expect(envOf(c, 'RESOURCE_AWS_SECRET_ACCESS_KEY')).toEqual({ secretKeyRef: { name: 'minio-secret', key: 'secret-key' } });
      expect(c.volumeMounts.map((m: any) => m.mountPath)).not.toContain('/dolphinscheduler');
    }
    // The bucket is created by MinIO's init Job because DolphinScheduler claims it in the graph.
    expect(podOf(find(objs, 'Job', 'minio-init-buckets')).containers[0].command[2]).toContain('mc mb --ignore-existing platform/dolphinscheduler');
  });

  test('root and sudo are declared deviations, not hidden', () => {
    const objs = objectsOf('prod');
    const worker = podOf(find(objs, 'Deployment', 'dolphinscheduler-worker')).containers[0].securityContext;
    expect(worker.runAsUser).toBe(0);
    expect(worker.capabilities.add).toEqual(['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID']);
    expect(worker.capabilities.drop).toEqual(['ALL', 'CAP_NET_RAW']);
    const api = podOf(find(objs, 'Deployment', 'dolphinscheduler-api')).containers[0].securityContext;
    expect(api.runAsUser).toBe(0);
    expect(api.readOnlyRootFilesystem).toBe(true);
  });

  test('the database password comes from the existing Secret by reference', () => {
    const c = podOf(find(objectsOf('prod'), 'Deployment', 'dolphinscheduler-master')).containers[0];
    expect(envOf(c, 'SPRING_DATASOURCE_PASSWORD')).toEqual({ secretKeyRef: { name: 'postgres-workflow-secret', key: 'password' } });
    expect(envOf(c, 'SPRING_DATASOURCE_URL')).toBe('jdbc:postgresql://postgres-workflow-service.data-platform.svc.cluster.local:5432/dolphinscheduler?characterEncoding=utf8');
  });
});
