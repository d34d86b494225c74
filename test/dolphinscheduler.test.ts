import { App } from 'cdk8s';
import { DolphinSchedulerStack } from '../src/components/dolphinscheduler/dolphinscheduler';
import { MinIO } from '../src/components/minio/minio';
import { ZooKeeper } from '../src/components/zookeeper/zookeeper';
import { loadEnvironment } from '../src/config/values';
import { deriveJvmSizing } from '../src/components/dolphinscheduler/memory';
import { FINISH_SCRIPT, GUARD_SCRIPT } from '../src/components/dolphinscheduler/schema';
import { ENVS, envOf, find, NAMESPACES, objectsOf, podOf, synthError } from './util';

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
    // The upstream tools image of the same version runs upgrade-schema, after the guard, before the finish step.
    const pod = podOf(job);
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['wait-for-database', 'schema-guard', 'upgrade-schema']);
    expect(pod.containers.map((c: any) => c.name)).toEqual(['schema-finish']);
    const tools = pod.initContainers[2];
    const version = master.spec.template.spec.containers[0].image.split(':').pop();
    expect(tools.image).toBe(`docker.io/apache/dolphinscheduler-tools:${version}`);
    expect(tools.command).toEqual(['tools/bin/upgrade-schema.sh']);
    expect(JSON.stringify(job)).not.toMatch(/CREATE TABLE|password\s*=/i);
  });

  test.each(ENVS)('regression: the installer never runs unguarded: guard and finish are the project scripts, the migration is off unless asked (%s)', (env) => {
    const pod = podOf(find(objectsOf(env), 'Job', 'dolphinscheduler-init-db'));
    const guard = pod.initContainers.find((c: any) => c.name === 'schema-guard');
    expect(guard.command).toEqual(['sh', '-c', GUARD_SCRIPT]);
    expect(guard.image).toMatch(/^docker\.io\/library\/postgres:\d+\.\d+$/);
    expect(envOf(guard, 'DS_MIGRATE_HAND_MADE_SCHEMA')).toBe('false');
    // tools 3.2.2 write schema version 3.3.0 (sql/soft_version at the tag); a newer database is refused.
    expect(envOf(guard, 'DS_SCHEMA_SOFT_VERSION')).toBe('3.3.0');
    expect(envOf(guard, 'PGHOST')).toBe(`postgres-workflow-service.${NAMESPACES[env]}.svc.cluster.local`);
    expect(envOf(guard, 'PGDATABASE')).toBe('dolphinscheduler');
    expect(envOf(guard, 'PGPASSWORD')).toEqual({ secretKeyRef: { name: 'postgres-workflow-secret', key: 'password' } });
    expect(pod.containers[0].command).toEqual(['sh', '-c', FINISH_SCRIPT]);
    expect(guard.securityContext.runAsNonRoot).toBe(true);
  });

  test('regression: components.dolphinscheduler.schema.migrateHandMadeSchema turns the migration on', () => {
    const objs = objectsOf('prod', { values: [{ source: 'test', data: { components: { dolphinscheduler: { schema: { migrateHandMadeSchema: true } } } } }] });
    const guard = podOf(find(objs, 'Job', 'dolphinscheduler-init-db')).initContainers.find((c: any) => c.name === 'schema-guard');
    expect(envOf(guard, 'DS_MIGRATE_HAND_MADE_SCHEMA')).toBe('true');
  });

  test.each(ENVS)('regression: every JVM gets absolute sizes from its container limit (start.sh appends -XX:-UseContainerSupport) (%s)', (env) => {
    const objs = objectsOf(env);
    const containers = [
      ...ROLES.map((role) => [role, podOf(find(objs, 'Deployment', `dolphinscheduler-${role}`)).containers[0]] as const),
      ['tools', podOf(find(objs, 'Job', 'dolphinscheduler-init-db')).initContainers.find((c: any) => c.name === 'upgrade-schema')] as const,
    ];
    for (const [role, c] of containers) {
      const opts: string = envOf(c, 'JAVA_OPTS');
      expect([role, opts]).not.toEqual([role, expect.stringMatching(/RAMPercentage|UseContainerSupport/)]);
      const mib = (flag: string) => Number(new RegExp(`${flag}(\\d+)m`).exec(opts)?.[1]);
      const heap = mib('-Xmx');
      expect(mib('-Xms')).toBe(heap);
      const total = heap + mib('-XX:MaxMetaspaceSize=') + mib('-XX:MaxDirectMemorySize=') + mib('-XX:ReservedCodeCacheSize=');
      const limit = Number(/^(\d+)Gi$/.exec(c.resources.limits.memory)![1]) * 1024;
      const budget = role === 'worker' ? Math.min(limit, Math.max(1024, limit / 2)) : limit;
      // Heap + metaspace + direct memory + code cache leave at least 15% (and 256Mi) of the JVM's budget for the rest.
      expect([role, total <= budget - Math.max(256, Math.ceil(budget * 0.15))]).toEqual([role, true]);
      expect([role, heap >= 384]).toEqual([role, true]);
      expect(opts).toContain(`-XX:ActiveProcessorCount=${Math.max(1, Math.ceil(parseFloat(c.resources.limits.cpu) / (c.resources.limits.cpu.endsWith('m') ? 1000 : 1)))}`);
      expect(opts).toContain('-XX:+ExitOnOutOfMemoryError');
      // JAVA_OPTS replaces bin/jvm_args_env.sh, whose -Duser.timezone=${SPRING_JACKSON_TIME_ZONE} is kept.
      expect(opts).toContain(`-Duser.timezone=${envOf(c, 'SPRING_JACKSON_TIME_ZONE')}`);
    }
  });

  test('regression: a memory limit too small for a DolphinScheduler JVM fails the synth naming the key', () => {
    const e = synthError('dev', { components: { dolphinscheduler: { resources: { master: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '768Mi' } } } } } });
    expect(e.message).toContain('components.dolphinscheduler.resources.master.limits.memory');
    expect(e.message).toContain('the memory limit 768Mi leaves a heap of');
    expect(e.message).toMatch(/raise limits\.memory to at least \d+Mi/);
    expect(e.message).not.toMatch(/\n\s+at /);
  });

  test('deriveJvmSizing: the worker keeps half of its limit for its tasks; 8Gi gives the documented numbers', () => {
    expect(deriveJvmSizing({ memory: '8Gi', cpu: '4' }, 'x')).toMatchObject({ heapMiB: 5811, metaspaceMiB: 512, directMiB: 512, processors: 4 });
    expect(deriveJvmSizing({ memory: '8Gi', cpu: '4' }, 'x', { jvmShare: 0.5 })).toMatchObject({ limitMiB: 4096, heapMiB: 2585, metaspaceMiB: 512, directMiB: 256 });
    expect(deriveJvmSizing({ memory: '1Gi', cpu: '500m' }, 'x')).toMatchObject({ heapMiB: 384, metaspaceMiB: 192, directMiB: 64, processors: 1 });
  });

  test.each(ENVS)('regression: api and worker make sure their bucket exists before they start, whatever order Argo CD syncs in (%s)', (env) => {
    const objs = objectsOf(env);
    for (const role of ROLES) {
      const pod = podOf(find(objs, 'Deployment', `dolphinscheduler-${role}`));
      const ensure = pod.initContainers.find((c: any) => c.name === 'ensure-bucket');
      if (role === 'master' || role === 'alert') {
        expect(ensure).toBeUndefined();
        continue;
      }
      const c = pod.containers[0];
      const bucket = envOf(c, 'RESOURCE_AWS_S3_BUCKET_NAME');
      const script: string = ensure.command[2];
      expect(script).toContain(`mc alias set platform ${envOf(c, 'RESOURCE_AWS_S3_ENDPOINT')} `);
      expect(script).toContain(`mc mb --ignore-existing platform/${bucket}`);
      expect(script).toContain(`mc stat platform/${bucket}`);
      expect(envOf(ensure, 'MC_SECRET_KEY')).toEqual(envOf(c, 'RESOURCE_AWS_SECRET_ACCESS_KEY'));
      // After the ZooKeeper wait, before the server.
      expect(pod.initContainers.map((x: any) => x.name)).toEqual(['wait-for-zookeeper', 'ensure-bucket']);
    }
  });

  test.each(ENVS)('regression: the worker has an ephemeral-storage limit (%s)', (env) => {
    const c = podOf(find(objectsOf(env), 'Deployment', 'dolphinscheduler-worker')).containers[0];
    expect(c.resources.limits['ephemeral-storage']).toBe('20Gi');
    expect(c.resources.requests['ephemeral-storage']).toBe('2Gi');
  });

  test('bad input: a worker ephemeral-storage limit below its request fails the synth naming the key', () => {
    const e = synthError('prod', { components: { dolphinscheduler: { workerEphemeralStorage: { request: '30Gi', limit: '10Gi' } } } });
    expect(e.message).toContain('components.dolphinscheduler.workerEphemeralStorage');
    expect(e.message).toContain('the ephemeral-storage limit 10Gi is below the request 30Gi');
    const bad = synthError('prod', { components: { dolphinscheduler: { workerEphemeralStorage: { limit: 'lots' } } } });
    expect(bad.message).toContain('workerEphemeralStorage');
  });

  test.each(ENVS)('regression: every DolphinScheduler workload of more than one replica has a PodDisruptionBudget and a spread over nodes (%s)', (env) => {
    const objs = objectsOf(env);
    for (const role of ROLES) {
      const d = find(objs, 'Deployment', `dolphinscheduler-${role}`);
      const pdb = objs.find((o) => o.manifest.kind === 'PodDisruptionBudget' && o.manifest.metadata.name === `dolphinscheduler-${role}`)?.manifest;
      const spread = d.spec.template.spec.topologySpreadConstraints;
      if (d.spec.replicas > 1) {
        expect(pdb?.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: d.spec.selector.matchLabels } });
        expect(spread).toEqual([{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: d.spec.selector.matchLabels } }]);
      } else {
        expect([role, pdb, spread]).toEqual([role, undefined, undefined]);
      }
    }
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
    // Its providers are in the App too: the platform's reference check fails an App with dangling addresses.
    new ZooKeeper(app, 'zookeeper', { environment: env });
    new MinIO(app, 'minio', { environment: env });
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
    // The bucket is also created by MinIO's bucket Job because DolphinScheduler claims it in the graph.
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
