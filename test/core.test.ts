import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { PlatformComponent, PlatformComponentProps } from '../src/core/component';
import { PlatformConfigError } from '../src/core/errors';
import { Image } from '../src/core/image';
import { defaultSelector, sanitizeLabelValue, standardLabels } from '../src/core/labels';
import { isDnsLabel, podFqdn, serviceFqdn } from '../src/core/names';
import { checkResources, parseQuantity } from '../src/core/resources';
import { containerSecurityContext } from '../src/core/security';
import { compareStrings } from '../src/core/order';
import { writableVolumeName } from '../src/core/workload';
import { ZooKeeper } from '../src/components/zookeeper/zookeeper';
import { loadEnvironment } from '../src/config/values';

describe('PlatformComponent', () => {
  test('isPlatformComponent tells a component from any other Chart (instanceof cannot: Chart defines Symbol.hasInstance)', () => {
    const app = new App();
    const plain = new Chart(app, 'plain');
    const zk = new ZooKeeper(app, 'zookeeper', { environment: loadEnvironment('dev') });
    expect(plain instanceof PlatformComponent).toBe(true); // the cdk8s quirk this guards against
    expect(PlatformComponent.isPlatformComponent(plain)).toBe(false);
    expect(PlatformComponent.isPlatformComponent(zk)).toBe(true);
  });

  test('the object builders are protected: outside a subclass they do not compile (tsc checks the @ts-expect-error lines)', () => {
    const zk = new ZooKeeper(new App(), 'zookeeper', { environment: loadEnvironment('dev') });
    const id = { name: 'x', role: 'x', version: '1' };
    const pod = { containers: [] };
    // Never called: the lines are a compile-time check (npm test runs tsc over test/).
    const outside = (): unknown[] => [
      // @ts-expect-error protected
      zk.addService({ component: 'zookeeper', name: 'x', ports: {} }, { selector: {}, role: 'x', version: '1' }),
      // @ts-expect-error protected
      zk.addConfigMap('x', {}, 'x', '1'),
      // @ts-expect-error protected
      zk.addDeployment(id, { replicas: 1, pod }),
      // @ts-expect-error protected
      zk.addStatefulSet(id, { replicas: 1, serviceName: 'x', pod }),
      // @ts-expect-error protected
      zk.addJob(id, { pod }),
      // @ts-expect-error protected
      zk.addCronJob(id, { schedule: '0 3 * * *', pod }),
      // @ts-expect-error protected
      zk.addDaemonSet(id, { pod }),
      // @ts-expect-error protected
      zk.addPersistentVolumeClaim(id, '1Gi'),
      // @ts-expect-error protected
      zk.addPodDisruptionBudget(id),
      // @ts-expect-error protected
      zk.addHorizontalPodAutoscaler(id, { name: 'x', minReplicas: 1, maxReplicas: 2, targetCpuUtilization: 80 }),
    ];
    expect(typeof outside).toBe('function');
    // Identity, labels and graph wiring stay public (other constructs label their objects and read endpoints).
    expect(zk.labelsFor('server', '3.8.4')['app.kubernetes.io/instance']).toBe('zookeeper-dev');
    expect(zk.sharedName('x')).toBe('x-dev');
  });

  /** A subclass building one object of each kind with only the required options: the documented defaults. */
  class Builders extends PlatformComponent {
    constructor(scope: Construct, props: PlatformComponentProps) {
      super(scope, 'builders', 'builders', props);
      const id = { name: 'b', role: 'test', version: '1' };
      const pod = { containers: [{ name: 'c', image: Image.parse('docker.io/library/busybox:1.36.1'),
        resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '10m', memory: '16Mi' } }, security: { uid: 1000 } }] };
      this.addService({ component: 'builders', name: 'b', ports: { http: 80 } }, { selector: { app: 'b' }, role: 'test', version: '1' });
      this.addDeployment(id, { replicas: undefined, pod });
      this.addStatefulSet({ ...id, name: 's' }, { replicas: 1, serviceName: 'b', pod, volumeClaims: [{ name: 'data', size: '1Gi' }] });
      this.addJob({ ...id, name: 'j' }, { pod });
      this.addCronJob({ ...id, name: 'cj' }, { schedule: '0 3 * * *', pod });
      this.addDaemonSet({ ...id, name: 'd' }, { pod });
      this.addPodDisruptionBudget(id);
      this.addHorizontalPodAutoscaler(id, { name: 'b', minReplicas: 1, maxReplicas: 3, targetCpuUtilization: 70 });
    }
  }

  test('the builders apply the defaults their option interfaces document', () => {
    const environment = loadEnvironment('dev');
    const b = new Builders(new App(), { environment });
    const by = (kind: string, name: string) => b.toJson().find((o) => o.kind === kind && o.metadata.name === name);
    expect(by('Service', 'b').spec).toMatchObject({ type: 'ClusterIP', selector: { app: 'b' } });
    expect(by('Service', 'b').spec.clusterIP).toBeUndefined(); // headless: false
    expect(by('Service', 'b').spec.publishNotReadyAddresses).toBeUndefined();
    const deployment = by('Deployment', 'b');
    expect(deployment.spec.replicas).toBeUndefined(); // left to the autoscaler
    expect(deployment.spec.strategy).toBeUndefined();
    expect(deployment.spec.template.metadata.annotations).toBeUndefined();
    expect(deployment.spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'builders', 'app.kubernetes.io/instance': 'builders-dev', 'app.kubernetes.io/component': 'test' });
    const sts = by('StatefulSet', 's');
    expect([sts.spec.podManagementPolicy, sts.spec.revisionHistoryLimit]).toEqual([undefined, undefined]);
    expect(sts.spec.volumeClaimTemplates).toEqual([{ metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: environment.storageClass, resources: { requests: { storage: '1Gi' } } } }]);
    const job = by('Job', 'j');
    expect([job.spec.backoffLimit, job.spec.activeDeadlineSeconds, job.spec.ttlSecondsAfterFinished, job.spec.template.spec.restartPolicy])
      .toEqual([3, 1800, undefined, 'Never']);
    const cron = by('CronJob', 'cj');
    expect([cron.spec.concurrencyPolicy, cron.spec.startingDeadlineSeconds, cron.spec.timeZone, cron.spec.suspend]).toEqual(['Forbid', 3600, undefined, undefined]);
    expect([cron.spec.jobTemplate.spec.backoffLimit, cron.spec.jobTemplate.spec.activeDeadlineSeconds]).toEqual([1, 10800]);
    expect(by('DaemonSet', 'd').spec.template.spec.tolerations).toBeUndefined();
    expect(by('PodDisruptionBudget', 'b').spec.maxUnavailable).toBe(1);
    expect(by('HorizontalPodAutoscaler', 'b').spec).toMatchObject({ minReplicas: 1, maxReplicas: 3, scaleTargetRef: { kind: 'Deployment', name: 'b' } });
    // every workload is recorded in the graph, as the policy exceptions and network policies need
    expect(b.graph.workloads.map((w) => `${w.kind}/${w.name}`).sort()).toEqual(['CronJob/cj', 'DaemonSet/d', 'Deployment/b', 'Job/j', 'StatefulSet/s']);
  });
});

describe('Image', () => {
  test('parses a registry-qualified, pinned reference', () => {
    const i = Image.parse('docker.io/apache/spark:3.5.0');
    expect([i.registry, i.repository, i.tag]).toEqual(['docker.io', 'apache/spark', '3.5.0']);
    expect(Image.parse('harbor.254carbon.com:5000/library/portal-services:1.0.0').registry).toBe('harbor.254carbon.com:5000');
  });
  test.each([
    ['apache/spark:3.5.0', /no registry host/],
    ['spark:3.5.0', /no registry host/],
    ['docker.io/apache/spark', /no tag/],
    ['docker.io/apache/spark:latest', /tag 'latest'/],
    ['docker.io/apache/spark:LATEST', /tag 'latest'/],
    ['docker.io/Apache/spark:1', /invalid repository/],
  ])('rejects %s naming the image and the fix', (ref, msg) => {
    expect(() => Image.parse(ref, 'components.x.image')).toThrow(PlatformConfigError);
    expect(() => Image.parse(ref, 'components.x.image')).toThrow(msg);
    expect(() => Image.parse(ref, 'components.x.image')).toThrow(/components\.x\.image: .*Fix: /);
  });
});

describe('resources', () => {
  test('quantities', () => {
    expect(parseQuantity('500m')).toBeCloseTo(0.5);
    expect(parseQuantity('2Gi')).toBe(2 * 2 ** 30);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(() => parseQuantity('1 GB')).toThrow(/not a Kubernetes quantity/);
  });
  test('a limit below its request is rejected', () => {
    expect(() => checkResources({ requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '500m', memory: '1Gi' } }, 'x'))
      .toThrow(/cpu limit 500m is below the request 1/);
  });
});

describe('security profile', () => {
  test('restricted by default: non-root uid, read-only root, drop ALL and CAP_NET_RAW, RuntimeDefault', () => {
    expect(containerSecurityContext({ uid: 1000 }, 'x')).toEqual({
      runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false,
      privileged: false, capabilities: { drop: ['ALL', 'CAP_NET_RAW'] }, seccompProfile: { type: 'RuntimeDefault' },
    });
  });
  test('a missing uid without a declared runAsRoot deviation is an error', () => {
    expect(() => containerSecurityContext({}, 'env prod, x')).toThrow(/no non-root uid.*runAsRoot/);
  });
  test('deviations need a real reason', () => {
    expect(() => containerSecurityContext({ deviations: [{ kind: 'runAsRoot', reason: 'needed' }] }, 'x')).toThrow(/no real reason/);
  });
  test('declared deviations change exactly their field', () => {
    const sc = containerSecurityContext({ uid: 1001, deviations: [
      { kind: 'writableRootFilesystem', reason: 'the image writes its pid file under /var/run' },
      { kind: 'addCapabilities', capabilities: ['SETUID'], reason: 'switches to the task user with setuid' },
    ] }, 'x');
    expect(sc.readOnlyRootFilesystem).toBe(false);
    expect(sc.capabilities).toEqual({ drop: ['ALL', 'CAP_NET_RAW'], add: ['SETUID'] });
    expect(sc.runAsNonRoot).toBe(true);
  });
});

describe('names and labels', () => {
  test('FQDNs are built from the namespace', () => {
    expect(serviceFqdn('zookeeper-service', 'data-platform')).toBe('zookeeper-service.data-platform.svc.cluster.local');
    expect(podFqdn('zookeeper-0', 'zookeeper-service', 'ns')).toBe('zookeeper-0.zookeeper-service.ns.svc.cluster.local');
    expect(isDnsLabel('Data_Platform')).toBe(false);
  });
  test('standard labels', () => {
    const l = standardLabels({ name: 'trino', instance: 'trino-prod', component: 'worker', version: '436' });
    expect(Object.keys(l).sort()).toEqual(['app.kubernetes.io/component', 'app.kubernetes.io/instance', 'app.kubernetes.io/managed-by',
      'app.kubernetes.io/name', 'app.kubernetes.io/part-of', 'app.kubernetes.io/version']);
    expect(defaultSelector({ name: 'a', instance: 'a-dev', component: 'c', version: '1' })).toEqual({
      'app.kubernetes.io/name': 'a', 'app.kubernetes.io/instance': 'a-dev', 'app.kubernetes.io/component': 'c' });
    expect(sanitizeLabelValue('RELEASE.2024-12-18T13:15:44Z')).toBe('RELEASE.2024-12-18T13_15_44Z');
  });
  test('writable paths get stable emptyDir names', () => {
    expect(writableVolumeName('/opt/dolphinscheduler/logs')).toBe('writable-opt-dolphinscheduler-logs');
    expect(writableVolumeName('/tmp/')).toBe('writable-tmp');
  });
});

describe('output order', () => {
  test('compareStrings sorts by code unit, like sort() without a comparator, whatever the locale', () => {
    const keys = ['b', 'B', 'a', '_x', '-x', '.x', 'x-1', 'x_1', 'x.1', 'ä', 'z', '10', '9'];
    expect([...keys].sort(compareStrings)).toEqual([...keys].sort());
    // localeCompare would put 'a' before 'B' and ignore punctuation; the output order must not depend on it.
    expect(['B', 'a'].sort(compareStrings)).toEqual(['B', 'a']);
  });

  test('regression: no source file orders with localeCompare (it follows the locale of the machine that synthesizes)', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts') && /\.localeCompare\(/.test(fs.readFileSync(p, 'utf8'))) offenders.push(p);
      }
    };
    walk(path.join(__dirname, '..', 'src'));
    expect(offenders).toEqual([]);
  });
});

describe('objectAnnotations (the Argo CD pass reads annotations without resolving the metadata)', () => {
  const { App: A, ApiObject: O, Chart: C, Lazy: L } = jest.requireActual('cdk8s') as typeof import('cdk8s');
  const { objectAnnotations } = jest.requireActual('../src/core/manifest') as typeof import('../src/core/manifest');
  const { DataPlatform: P } = jest.requireActual('../src/platform/data-platform') as typeof import('../src/platform/data-platform');
  const { loadEnvironment: load } = jest.requireActual('../src/config/values') as typeof import('../src/config/values');
  const sorted = (a: Record<string, string>) => Object.fromEntries(Object.entries(a).sort(([x], [y]) => (x < y ? -1 : 1)));

  test.each(['dev', 'staging', 'prod'])('gives what metadata.toJson() gives for every object, as a copy (%s)', (env) => {
    const app = new A({ outdir: '.tmp/unused' });
    new P(app, env, { environment: load(env) });
    const objects = app.node.findAll().filter((o): o is InstanceType<typeof O> => o instanceof O);
    for (const o of objects) expect(sorted(objectAnnotations(o))).toEqual(sorted(o.metadata.toJson().annotations ?? {}));
    const annotated = objects.find((o) => Object.keys(objectAnnotations(o)).length > 0)!;
    objectAnnotations(annotated).extra = 'x';
    expect(objectAnnotations(annotated).extra).toBeUndefined();
  });

  test('a value resolved at synth time is resolved, as metadata.toJson() does', () => {
    const o = new O(new C(new A({ outdir: '.tmp/unused' }), 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { annotations: { a: L.any({ produce: () => 'b' }) as unknown as string } } });
    expect(objectAnnotations(o)).toEqual({ a: 'b' });
    expect(objectAnnotations(new O(new C(new A({ outdir: '.tmp/unused' }), 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap' }))).toEqual({});
  });
});
