import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { PolicyException } from '../imports/kyverno.io';
import { PlatformComponent, PlatformComponentProps } from '../src/core/component';
import { PlatformValidationError } from '../src/core/errors';
import { Image } from '../src/core/image';
import type { Deviation } from '../src/core/security';
import type { ContainerSpec } from '../src/core/workload';
import { loadEnvironment } from '../src/config/values';
import { admittedObjects, controllerUser, exceptionMatches, HUMAN_USER, requestedBy, PolicyInUse, ruleNamesForWorkload, simulateAdmission, WORKLOAD_KINDS } from '../src/platform/policies/admission';
import { DEVIATION_RULES } from '../src/platform/policies/deviations';
import { PlatformPolicies } from '../src/platform/policies/policies';
import { guardrailProblems, namespaceDemand } from '../src/platform/policies/guardrails';
import { LIBRARY_POLICIES, LIBRARY_POLICY_SETS, PLATFORM_POLICIES, wildcardMatch } from '../src/platform/policies/rules';
import { DataPlatform } from '../src/platform/data-platform';
import { renderApp, RenderedObject } from '../src/output/render';
import { ENVS, NAMESPACES, objectsOf, synthError } from './util';

const REFERENCE_RULES: Record<string, string> = {
  'disallow-latest-tag': 'require-nonlatest-tag',
  'require-requests-limits': 'check-requests-limits',
  'require-non-root': 'run-as-non-root',
  'require-readonly-rootfs': 'readonly-rootfs',
  'drop-net-raw': 'drop-net-raw-cap',
};

/** A component for tests: one workload of the given kind with the given containers and volumes. */
class TestWorkload extends PlatformComponent {
  constructor(scope: Construct, id: string, props: PlatformComponentProps & {
    kind: 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Job' | 'CronJob'; name: string; containers: ContainerSpec[]; volumes?: any[];
  }) {
    super(scope, id, id, props);
    const wid = { name: props.name, role: 'test', version: '1.0.0' };
    const pod = { containers: props.containers, volumes: props.volumes };
    switch (props.kind) {
      case 'Deployment': this.addDeployment(wid, { replicas: 1, pod }); break;
      case 'StatefulSet': this.addStatefulSet(wid, { replicas: 1, serviceName: props.name, pod }); break;
      case 'DaemonSet': this.addDaemonSet(wid, { pod }); break;
      case 'Job': this.addJob(wid, { pod }); break;
      case 'CronJob': this.addCronJob(wid, { schedule: '0 3 * * *', pod }); break;
    }
  }
}

const probe = { exec: { command: ['true'] } };
function container(name: string, deviations: Deviation[] = [], extra: Partial<ContainerSpec> = {}): ContainerSpec {
  const root = deviations.some((d) => d.kind === 'runAsRoot');
  return {
    name, image: Image.parse('docker.io/library/busybox:1.36.1', 'test'),
    resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
    security: { uid: root ? undefined : 1000, deviations }, livenessProbe: probe, ...extra,
  };
}

/** Synthesizes one environment with the whole platform plus extra test components (added AFTER the policies). */
function synthWith(env: string, extra: (scope: Construct, props: PlatformComponentProps) => void, values: any = undefined): { objects: RenderedObject[]; platform: DataPlatform } {
  const environment = loadEnvironment(env, values ? { values: [{ source: 'test', data: values }] } : {});
  const app = new App({ outdir: '.tmp/unused' });
  // No Argo CD Applications: the extra test components have none, and this suite is about the policies.
  const platform = new DataPlatform(app, env, { environment, gitops: false });
  extra(platform, { environment });
  return { objects: renderApp(app, env), platform };
}

const defaults = new Map<string, { objects: RenderedObject[]; platform: DataPlatform }>();
/** synthWith(env) without extras or values, built once per environment for this file (the tests only read it). */
function defaultSynth(env: string): { objects: RenderedObject[]; platform: DataPlatform } {
  if (!defaults.has(env)) defaults.set(env, synthWith(env, () => undefined));
  return defaults.get(env)!;
}

function policiesOf(platform: DataPlatform): PlatformPolicies {
  return platform.components.get('platform-policies') as PlatformPolicies;
}

function exceptionsIn(objects: readonly RenderedObject[]): Array<Record<string, any>> {
  return objects.filter((o) => o.manifest.kind === 'PolicyException').map((o) => o.manifest);
}

function admitted(objects: readonly RenderedObject[]): Array<Record<string, any>> {
  return objects.filter((o) => (WORKLOAD_KINDS as readonly string[]).includes(o.manifest.kind)).flatMap((o) => admittedObjects(o.manifest));
}

describe('PlatformPolicies', () => {
  test.each(ENVS)('the five reference policies, with their rule names, named per environment and matching only its namespace (%s)', (env) => {
    const policies = objectsOf(env).filter((o) => o.manifest.kind === 'ClusterPolicy');
    expect(policies.every((o) => o.path.startsWith(`${env}/platform-policies/`))).toBe(true);
    expect(Object.fromEntries(policies.map((o) => [o.manifest.metadata.name, o.manifest.spec.rules.map((r: any) => r.name).join(',')])))
      .toEqual(Object.fromEntries(Object.entries(REFERENCE_RULES).map(([p, r]) => [`${p}-${env}`, r])));
    for (const { manifest: p } of policies) {
      expect(p.apiVersion).toBe('kyverno.io/v1');
      expect(p.metadata.namespace).toBeUndefined();
      expect(p.spec.validationFailureAction).toBe('Audit');
      for (const r of p.spec.rules) expect(r.match).toEqual({ any: [{ resources: { kinds: ['Pod'], namespaces: [NAMESPACES[env]] } }] });
    }
  });

  test('the three environments never define the same cluster-scoped policy', () => {
    const names = ENVS.flatMap((env) => objectsOf(env).filter((o) => o.manifest.kind === 'ClusterPolicy').map((o) => o.manifest.metadata.name));
    expect(new Set(names).size).toBe(names.length);
  });

  test('Enforce is selectable per environment; Audit stays the default elsewhere', () => {
    const objs = objectsOf('staging', { values: [{ source: 'test', data: { components: { policies: { validationFailureAction: 'Enforce' } } } }] });
    const actions = objs.filter((o) => o.manifest.kind === 'ClusterPolicy').map((o) => o.manifest.spec.validationFailureAction);
    expect(actions).toEqual(Array(5).fill('Enforce'));
    expect(() => loadEnvironment('staging', { values: [{ source: 'test', data: { components: { policies: { validationFailureAction: 'Block' } } } }] }))
      .toThrow(/components\.policies\.validationFailureAction/);
  });

  test('regression: drop-net-raw passes a container that drops ALL and CAP_NET_RAW (the reference pattern compared drop[0] with NET_RAW)', () => {
    const rule = PLATFORM_POLICIES.find((p) => p.name === 'drop-net-raw')!.rules[0];
    expect(rule.name).toBe('drop-net-raw-cap');
    expect(rule.validate?.pattern).toBeUndefined(); // no positional list pattern any more
    expect(rule.validate?.foreach?.[0].list).toBe('request.object.spec.[ephemeralContainers, initContainers, containers][]');
    const pod = (caps: any) => ({ containers: [{ name: 'c', securityContext: { capabilities: caps } }] });
    expect(rule.evaluate(pod({ drop: ['ALL', 'CAP_NET_RAW'] }))).toEqual([]);
    expect(rule.evaluate(pod({ drop: ['ALL'] }))).toEqual([]);
    expect(rule.evaluate(pod({ drop: ['net_raw'] }))).toEqual([]);
    expect(rule.evaluate(pod({ drop: ['CHOWN'] }))).toHaveLength(1);
    expect(rule.evaluate(pod({ drop: ['ALL'], add: ['NET_RAW'] }))).toHaveLength(1);
    expect(rule.evaluate({ containers: [{ name: 'c' }], initContainers: [{ name: 'i', securityContext: { capabilities: { drop: ['ALL'] } } }] }))
      .toEqual([{ container: 'c', message: expect.any(String) }]);
  });

  test('regression: init containers must be non-root and read-only too (the reference checked main containers only)', () => {
    const nonRoot = PLATFORM_POLICIES.find((p) => p.name === 'require-non-root')!.rules[0];
    const ro = PLATFORM_POLICIES.find((p) => p.name === 'require-readonly-rootfs')!.rules[0];
    const ok = { runAsNonRoot: true, readOnlyRootFilesystem: true };
    const pod = { initContainers: [{ name: 'init', securityContext: { runAsNonRoot: false, readOnlyRootFilesystem: false } }], containers: [{ name: 'c', securityContext: ok }] };
    expect(nonRoot.evaluate(pod)).toEqual([{ container: 'init', message: expect.any(String) }]);
    expect(ro.evaluate(pod)).toEqual([{ container: 'init', message: expect.any(String) }]);
    // a pod-level runAsNonRoot may not be overridden by a container
    expect(nonRoot.evaluate({ securityContext: { runAsNonRoot: true }, containers: [{ name: 'c', securityContext: { runAsNonRoot: false } }] })).toHaveLength(1);
    expect(nonRoot.evaluate({ securityContext: { runAsNonRoot: true }, containers: [{ name: 'c' }] })).toEqual([]);
  });

  test('Kyverno wildcards: * any run, ? exactly one character', () => {
    expect(wildcardMatch('*:latest', 'docker.io/x:latest')).toBe(true);
    expect(wildcardMatch('*:latest', 'docker.io/x:1.0')).toBe(false);
    expect(wildcardMatch('minio-?', 'minio-0')).toBe(true);
    expect(wildcardMatch('minio-?', 'minio-10')).toBe(false);
    expect(wildcardMatch('a.b*', 'aXb')).toBe(false);
  });
});

describe('the deviation table', () => {
  test('names only policies and rules that are defined', () => {
    for (const [kind, rules] of Object.entries(DEVIATION_RULES)) {
      for (const r of rules) {
        const defs = r.source === 'platform' ? PLATFORM_POLICIES : LIBRARY_POLICIES[r.source];
        const policy = defs.find((p) => p.name === r.policy);
        expect({ kind, policy: r.policy, rule: policy?.rules.some((x) => x.name === r.rule) }).toEqual({ kind, policy: r.policy, rule: true });
      }
    }
  });
});

describe('PolicyExceptions', () => {
  // Workloads of the reference pack's policy-exceptions.yaml that the platform synthesizes today, with the kind
  // the platform gives them (the hand-written exceptions listed only Deployment/Pod or StatefulSet/Pod).
  const REFERENCE_WORKLOADS: Array<[string, string]> = [
    ['Deployment', 'dolphinscheduler-api'], ['Deployment', 'dolphinscheduler-master'], ['Deployment', 'dolphinscheduler-worker'],
    ['Deployment', 'dolphinscheduler-alert'], ['Job', 'dolphinscheduler-init-db'], ['Job', 'minio-init-buckets'],
    ['StatefulSet', 'minio'], ['StatefulSet', 'zookeeper'],
  ];

  test.each(ENVS)('each reference workload gets exactly the exception its pods need, on its kind, its pods and the autogen rule names (%s)', (env) => {
    const objs = objectsOf(env);
    const exceptions = exceptionsIn(objs);
    // The one exception outside policy-exceptions/: the legacy MinIO server, kept as live during the lake migration.
    expect(objs.filter((o) => o.manifest.kind === 'PolicyException' && !o.path.startsWith(`${env}/policy-exceptions/`)).map((o) => o.path))
      .toEqual([`${env}/minio/PolicyException.minio-legacy-pods.yaml`, `${env}/minio/PolicyException.minio-legacy.yaml`]);
    for (const [kind, name] of REFERENCE_WORKLOADS) {
      const workload = objs.find((o) => o.manifest.kind === kind && o.manifest.metadata.name === name)!.manifest;
      const legacy = kind === 'StatefulSet' && name === 'minio';
      const ex = exceptions.find((e) => e.metadata.name === (legacy ? 'minio-legacy' : `${name}-${kind.toLowerCase()}`));
      const pods = exceptions.find((e) => e.metadata.name === (legacy ? 'minio-legacy-pods' : `${name}-${kind.toLowerCase()}-pods`));
      const inUse = policiesInUse(env);
      const failing = simulateAdmission(admittedObjects(workload), inUse, []).filter((v) => v.result === 'fail');
      if (failing.length === 0) {
        expect(ex).toBeUndefined(); // minio and zookeeper meet the restricted profile: no exception at all
        expect(pods).toBeUndefined();
        continue;
      }
      expect(pods).toBeDefined();
      for (const e of [ex, pods].filter((x) => x !== undefined)) {
        expect(e!.apiVersion).toBe('kyverno.io/v2beta1');
        expect(e!.metadata.namespace).toBe(NAMESPACES[env]);
        expect(e!.metadata.annotations['policies.254carbon.com/reasons']).toMatch(legacy ? /^minio: the legacy FS-format server runs unchanged/ : /: (runAsRoot|noProbes|writableRootFilesystem|addCapabilities): .{20,}/);
        for (const f of e!.spec.match.any) expect(f.resources.namespaces).toEqual([NAMESPACES[env]]);
      }
      if (ex) {
        expect(ex.spec.match.any.map((f: any) => [f.resources.kinds, f.resources.names, f.subjects])).toEqual([[[kind], [name], undefined]]);
        expect(ex.spec.background).toBeUndefined();
      }
      // the pods: only when their controller sends them (background scans lack that information)
      expect(pods!.spec.background).toBe(false);
      expect(pods!.spec.match.any.map((f: any) => [f.resources.kinds, f.resources.names])).toEqual([[['Pod'], [legacy ? 'minio-0' : `${name}-*`]]]);
      expect(pods!.spec.match.any[0].subjects).toEqual([
        { kind: 'ServiceAccount', name: kind === 'Job' ? 'job-controller' : kind === 'StatefulSet' && legacy ? 'statefulset-controller' : 'replicaset-controller', namespace: 'kube-system' },
        { kind: 'User', name: 'system:kube-controller-manager' },
      ]);
      // exactly the policies and rules that fail, each with the names Kyverno checks for this kind
      const expected = new Map<string, Set<string>>();
      for (const v of failing) {
        const base = v.rule.replace(/^autogen-(cronjob-)?/, '');
        if (!expected.has(v.policy)) expected.set(v.policy, new Set());
        const controllers = inUse.find((p) => p.name === v.policy)!.definition.autogenControllers;
        for (const n of ruleNamesForWorkload(kind, base, controllers)) expected.get(v.policy)!.add(n);
      }
      const granted = new Map<string, string[]>();
      for (const e of [ex, pods].filter((x) => x !== undefined)) {
        for (const x of e!.spec.exceptions) granted.set(x.policyName, [...(granted.get(x.policyName) ?? []), ...x.ruleNames]);
      }
      expect(Object.fromEntries([...granted].map(([p, rs]) => [p, [...rs].sort()])))
        .toEqual(Object.fromEntries([...expected].map(([p, rs]) => [p, [...rs].sort()])));
      for (const x of pods!.spec.exceptions) expect(x.ruleNames.every((r: string) => !r.startsWith('autogen-'))).toBe(true);
      if (ex) for (const x of ex.spec.exceptions) expect(x.ruleNames.every((r: string) => r.startsWith('autogen-') && !r.startsWith('autogen-cronjob-'))).toBe(true);
      const all = [ex, pods].filter((x) => x !== undefined);
      expect(all.length).toBeGreaterThan(0);
    }
  });

  function policiesInUse(env: string): PolicyInUse[] {
    const { platform } = defaultSynth(env);
    return [...policiesOf(platform).policiesInUse];
  }

  test.each(ENVS)('admission simulation: every synthesized workload, its Jobs and Pods are admitted under Enforce with the generated exceptions (%s)', (env) => {
    const { objects, platform } = defaultSynth(env);
    const policies = policiesOf(platform).policiesInUse;
    const exceptions = exceptionsIn(objects);
    const verdicts = simulateAdmission(admitted(objects), policies, exceptions);
    expect(verdicts.filter((v) => v.result === 'fail')).toEqual([]);
    expect(verdicts.filter((v) => v.result === 'pass').length).toBeGreaterThan(100);
    // The simulation can fail: without the exceptions the root DolphinScheduler servers are blocked …
    const blocked = simulateAdmission(admitted(objects), policies, []).filter((v) => v.result === 'fail');
    expect(blocked.map((v) => v.resource)).toContain(`Deployment/${NAMESPACES[env]}/dolphinscheduler-api`);
    expect(blocked.map((v) => v.resource)).toContain(`Pod/${NAMESPACES[env]}/dolphinscheduler-api-7c9d8f5b6d-x2x7q`);
    // … and every rule of every exception is needed: dropping any one of them blocks something.
    for (const [i, e] of exceptions.entries()) {
      for (const [j, x] of e.spec.exceptions.entries()) {
        for (const rule of x.ruleNames) {
          const pruned = structuredClone(exceptions);
          const entry = pruned[i].spec.exceptions[j];
          entry.ruleNames = entry.ruleNames.filter((r: string) => r !== rule);
          const failed = simulateAdmission(admitted(objects), policies, pruned).filter((v) => v.result === 'fail');
          expect({ exception: e.metadata.name, policy: x.policyName, rule, blocks: failed.length > 0 }).toEqual({ exception: e.metadata.name, policy: x.policyName, rule, blocks: true });
        }
      }
    }
  });

  test('an exception of one workload does not cover the pods of another workload with a longer name', () => {
    const { objects } = synthWith('prod', (scope, props) => {
      new TestWorkload(scope, 'rooted', { ...props, kind: 'StatefulSet', name: 'rooted', containers: [container('rooted', [{ kind: 'runAsRoot', reason: 'the test image needs root for this test case' }])] });
      new TestWorkload(scope, 'rooted-helper', { ...props, kind: 'Deployment', name: 'rooted-helper', containers: [container('helper', [], { readinessProbe: probe })] });
    });
    const ex = exceptionsIn(objects).find((e) => e.metadata.name === 'rooted-statefulset-pods')!;
    const helperPod = { kind: 'Pod', metadata: { name: 'rooted-helper-7c9d8f5b6d-x2x7q', namespace: 'data-platform', labels: { 'app.kubernetes.io/name': 'rooted-helper', 'app.kubernetes.io/instance': 'rooted-helper-prod', 'app.kubernetes.io/component': 'test' } } };
    expect(ex.spec.match.any[0].resources.names).toEqual(['rooted-*']); // the name pattern alone would match …
    expect(exceptionMatches(ex, helperPod, controllerUser('replicaset-controller'))).toBe(false); // … the pod labels do not
  });

  test.each(ENVS)('regression: an exception is not borrowable: a hand-made Pod or Job copying a workload\'s name prefix, labels and spec is rejected (%s)', (env) => {
    const { objects, platform } = defaultSynth(env);
    const policies = policiesOf(platform).policiesInUse;
    const exceptions = exceptionsIn(objects);
    const workloads = objects.filter((o) => (WORKLOAD_KINDS as readonly string[]).includes(o.manifest.kind)).map((o) => o.manifest);
    let checked = 0;
    for (const w of workloads) {
      const created = admittedObjects(w).slice(1); // the Job of a CronJob, the Pod
      for (const obj of created) {
        const byController = simulateAdmission([obj], policies, exceptions);
        if (!byController.some((v) => v.result === 'skip')) continue; // nothing excepted for it
        // the same object, sent by a person (a copy: its own requester), with a hand-made name of the same prefix
        const copy = requestedBy({ ...structuredClone(obj), metadata: { ...structuredClone(obj.metadata), name: `${w.metadata.name}-handmade` } }, HUMAN_USER);
        const byHand = simulateAdmission([copy], policies, exceptions);
        expect(byHand.filter((v) => v.result === 'skip')).toEqual([]);
        expect(byHand.filter((v) => v.result === 'fail').map((v) => `${v.policy}/${v.rule}`).sort())
          .toEqual(byController.filter((v) => v.result === 'skip').map((v) => `${v.policy}/${v.rule}`).sort());
        // the controller manager's own user (no --use-service-account-credentials) is admitted as well
        expect(simulateAdmission([requestedBy(structuredClone(obj), { username: 'system:kube-controller-manager', groups: ['system:authenticated'] })], policies, exceptions)
          .filter((v) => v.result === 'fail')).toEqual([]);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(7);
  });

  test('a CronJob gets CronJob, Job and Pod kinds and the autogen-cronjob rule names; a StatefulSet and a DaemonSet their own kind', () => {
    const root: Deviation = { kind: 'runAsRoot', reason: 'the test image needs root for this test case' };
    const { objects } = synthWith('dev', (scope, props) => {
      new TestWorkload(scope, 'nightly', { ...props, kind: 'CronJob', name: 'nightly', containers: [container('run', [root], { livenessProbe: undefined })] });
      new TestWorkload(scope, 'store', { ...props, kind: 'StatefulSet', name: 'store', containers: [container('store', [root])] });
      new TestWorkload(scope, 'agent', { ...props, kind: 'DaemonSet', name: 'agent', containers: [container('agent', [root])] });
    }, { components: { policies: { quota: { nodes: 3 } } } });
    const exceptions = exceptionsIn(objects);
    const cron = exceptions.find((e) => e.metadata.name === 'nightly-cronjob')!;
    const cronPods = exceptions.find((e) => e.metadata.name === 'nightly-cronjob-pods')!;
    expect(cron.spec.match.any.map((f: any) => [f.resources.kinds, f.resources.names])).toEqual([[['CronJob'], ['nightly']]]);
    expect(cronPods.spec.match.any.map((f: any) => [f.resources.kinds, f.resources.names, f.subjects[0].name])).toEqual([
      [['Job'], ['nightly-*'], 'cronjob-controller'], [['Pod'], ['nightly-*'], 'job-controller'],
    ]);
    expect(cron.spec.exceptions.find((x: any) => x.policyName === 'require-non-root-dev').ruleNames).toEqual(['autogen-cronjob-run-as-non-root']);
    expect(cronPods.spec.exceptions.find((x: any) => x.policyName === 'require-non-root-dev').ruleNames).toEqual(['run-as-non-root', 'autogen-run-as-non-root']);
    // upstream require-pod-probes generates rules for DaemonSet, Deployment and StatefulSet only: a CronJob is checked on its Pods
    expect(cron.spec.exceptions.find((x: any) => x.policyName === 'require-pod-probes')).toBeUndefined();
    expect(cronPods.spec.exceptions.find((x: any) => x.policyName === 'require-pod-probes').ruleNames).toEqual(['validate-probes']);
    expect(exceptions.find((e) => e.metadata.name === 'store-statefulset')!.spec.match.any[0].resources.kinds).toEqual(['StatefulSet']);
    expect(exceptions.find((e) => e.metadata.name === 'store-statefulset-pods')!.spec.match.any[0].subjects[0].name).toBe('statefulset-controller');
    expect(exceptions.find((e) => e.metadata.name === 'agent-daemonset')!.spec.match.any[0].resources.kinds).toEqual(['DaemonSet']);
    expect(exceptions.find((e) => e.metadata.name === 'agent-daemonset-pods')!.spec.match.any[0].subjects[0].name).toBe('daemon-set-controller');
    // the CronJob, one of its Jobs and one of its Pods are all admitted
    const verdicts = simulateAdmission(admittedObjects(objects.find((o) => o.manifest.kind === 'CronJob' && o.manifest.metadata.name === 'nightly')!.manifest),
      policiesInUse('dev'), exceptions);
    expect(new Set(verdicts.filter((v) => v.result === 'skip').map((v) => v.resource.split('/')[0]))).toEqual(new Set(['CronJob', 'Job', 'Pod']));
    expect(verdicts.filter((v) => v.result === 'fail')).toEqual([]);
  });

  test('synth error: a workload violating a policy without a declared deviation', () => {
    expect(() => synthWith('prod', (scope, props) => {
      new TestWorkload(scope, 'logs', { ...props, kind: 'DaemonSet', name: 'logs', containers: [container('logs')],
        volumes: [{ name: 'varlog', hostPath: { path: '/var/log' } }] });
    }, { components: { policies: { quota: { nodes: 3 } } } })).toThrow(/environment 'prod', component 'logs', DaemonSet data-platform\/logs: the pod violates policy disallow-host-path rule host-path \(volume varlog is a hostPath\) and declares no deviation for it\. Fix: meet the restricted profile, or declare a 'hostPathVolumes' deviation/);
    // declared, it becomes an exact exception
    const { objects } = synthWith('prod', (scope, props) => {
      new TestWorkload(scope, 'logs', { ...props, kind: 'DaemonSet', name: 'logs', containers: [container('logs', [{ kind: 'hostPathVolumes', reason: 'the log shipper reads the node log files under /var/log' }])],
        volumes: [{ name: 'varlog', hostPath: { path: '/var/log' } }] });
    }, { components: { policies: { quota: { nodes: 3 } } } });
    expect(exceptionsIn(objects).find((e) => e.metadata.name === 'logs-daemonset')!.spec.exceptions)
      .toEqual([{ policyName: 'disallow-host-path', ruleNames: ['autogen-host-path'] }, { policyName: 'restrict-volume-types', ruleNames: ['autogen-restricted-volumes'] }]);
    expect(exceptionsIn(objects).find((e) => e.metadata.name === 'logs-daemonset-pods')!.spec.exceptions)
      .toEqual([{ policyName: 'disallow-host-path', ruleNames: ['host-path'] }, { policyName: 'restrict-volume-types', ruleNames: ['restricted-volumes'] }]);
  });

  test('synth error: a declared deviation that no policy flags (an unused exception)', () => {
    let error: unknown;
    try {
      synthWith('dev', (scope, props) => {
        new TestWorkload(scope, 'web', { ...props, kind: 'Deployment', name: 'web', containers: [
          container('web', [{ kind: 'hostPathVolumes', reason: 'declared although the pod mounts no hostPath volume' },
            { kind: 'addCapabilities', capabilities: ['NET_BIND_SERVICE'], reason: 'binds port 80; restricted allows NET_BIND_SERVICE' }]),
        ] });
      });
    } catch (e) { error = e; }
    expect(error).toBeInstanceOf(PlatformValidationError);
    expect((error as PlatformValidationError).problems).toEqual([
      expect.stringMatching(/component 'web', Deployment data-platform-dev\/web: container web declares deviation 'hostPathVolumes', but its pod violates none of the rules it stands for \(disallow-host-path\/host-path, restrict-volume-types\/restricted-volumes\): an unused exception/),
      expect.stringMatching(/container web declares deviation 'addCapabilities', but its pod violates none/),
    ]);
  });

  test('a deviation stays used when its library set is not opted in; the exception then names only the policies in use', () => {
    const { objects } = synthWith('staging', () => undefined, { components: { policies: { librarySets: [] } } });
    const worker = exceptionsIn(objects).find((e) => e.metadata.name === 'dolphinscheduler-worker-deployment')!;
    expect(worker.spec.exceptions.map((x: any) => x.policyName)).toEqual(['require-non-root-staging', 'require-readonly-rootfs-staging']);
    expect(exceptionsIn(objects).find((e) => e.metadata.name === 'minio-init-buckets-job')).toBeUndefined();
  });

  test('synth error: an exception naming a policy or rule that no synthesized policy defines', () => {
    expect(() => synthWith('prod', (scope) => {
      const chart = new Chart(scope, 'hand-written', { namespace: 'data-platform' });
      new PolicyException(chart, 'x', {
        metadata: { name: 'hand-written' },
        spec: {
          exceptions: [{ policyName: 'drop-net-raw', ruleNames: ['drop-net-raw-cap'] }, { policyName: 'require-non-root-prod', ruleNames: ['autogen-runasnonroot'] }],
          match: { any: [{ resources: { kinds: ['Pod'], names: ['x-*'] } }] },
        },
      });
    })).toThrow(/PolicyException data-platform\/hand-written names policy 'drop-net-raw', which no synthesized or opted-in policy defines[\s\S]*names rule 'autogen-runasnonroot' of policy require-non-root-prod/);
  });

  test('library sets are opt-in: none by default, every supported set in dev, staging and prod', () => {
    const bare = loadEnvironment('dev', { values: [{ source: 'test', data: { components: { policies: null } } }] });
    expect(bare.components.policies).toEqual({ enabled: true, validationFailureAction: 'Audit', librarySets: [] });
    for (const env of ENVS) expect(loadEnvironment(env).components.policies.librarySets).toEqual([...LIBRARY_POLICY_SETS]);
  });
});

describe('namespace guardrails: ResourceQuota and LimitRange', () => {
  test.each(ENVS)('regression: the environment sizes a ResourceQuota and a LimitRange that hold the platform\'s own pods (%s)', (env) => {
    const objs = objectsOf(env).map((o) => o.manifest);
    const quota = objs.find((m) => m.kind === 'ResourceQuota')!;
    const limits = objs.find((m) => m.kind === 'LimitRange')!;
    expect(quota.metadata).toMatchObject({ name: 'platform-quota', namespace: NAMESPACES[env] });
    expect(Object.keys(quota.spec.hard).sort()).toEqual(['limits.cpu', 'limits.memory', 'persistentvolumeclaims', 'pods', 'requests.cpu', 'requests.memory', 'requests.storage']);
    expect(limits.metadata).toMatchObject({ name: 'platform-limits', namespace: NAMESPACES[env] });
    expect(limits.spec.limits[0].type).toBe('Container');
    const demand = namespaceDemand(objs, NAMESPACES[env]);
    expect(demand.pods).toBeGreaterThan(20);
    expect(guardrailProblems(env, loadEnvironment(env).components.policies, demand)).toEqual([]);
  });

  test('regression: the demand counts HPA maxReplicas, rolling-update surge, hook Jobs, CronJob runs and init containers as the quota does', () => {
    const res = (cpu: string, memory: string) => ({ requests: { cpu, memory }, limits: { cpu, memory } });
    const pod = (containers: any[], initContainers: any[] = []) => ({ template: { spec: { containers, initContainers } } });
    const manifests = [
      { kind: 'Deployment', metadata: { name: 'web', namespace: 'ns' }, spec: { replicas: 2, ...pod([{ name: 'a', resources: res('1', '1Gi') }, { name: 'b', resources: res('500m', '1Gi') }], [{ name: 'i', resources: res('2', '512Mi') }]) } },
      { kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'ns' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 8 } },
      { kind: 'Deployment', metadata: { name: 'db', namespace: 'ns' }, spec: { replicas: 1, strategy: { type: 'Recreate' }, ...pod([{ name: 'a', resources: res('1', '1Gi') }]) } },
      { kind: 'Job', metadata: { name: 'init', namespace: 'ns', annotations: { 'argocd.argoproj.io/hook': 'PreSync' } }, spec: pod([{ name: 'a', resources: res('250m', '256Mi') }]) },
      { kind: 'CronJob', metadata: { name: 'nightly', namespace: 'ns' }, spec: { concurrencyPolicy: 'Forbid', jobTemplate: { spec: pod([{ name: 'a', resources: res('1', '2Gi') }]) } } },
      { kind: 'StatefulSet', metadata: { name: 'zk', namespace: 'ns' }, spec: { replicas: 3, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '5Gi' } } } }], ...pod([{ name: 'a', resources: res('100m', '128Mi') }]) } },
      { kind: 'Deployment', metadata: { name: 'elsewhere', namespace: 'other' }, spec: { replicas: 50, ...pod([{ name: 'a', resources: res('8', '8Gi') }]) } },
    ];
    const d = namespaceDemand(manifests, 'ns');
    // web: 8 (HPA) + 2 surge (25% of 8) = 10 pods of max(1.5, 2) cpu = 2 and max(2Gi, 512Mi) = 2Gi
    expect(d.detail).toContain('Deployment ns/web: 8 (HPA maxReplicas) + 2 rolling-update surge pods');
    expect(d.detail).toContain('Deployment ns/db: 1 pods');
    expect(d.pods).toBe(10 + 1 + 1 + 1 + 3);
    expect(d.requests.cpu).toBeCloseTo(10 * 2 + 1 + 0.25 + 1 + 0.3, 6);
    expect(d.requests.memory).toBe((10 * 2 + 1 + 0.25 + 2 + 3 * 0.125) * 2 ** 30);
    expect(d.persistentVolumeClaims).toBe(3);
    expect(d.storage).toBe(15 * 2 ** 30);
    expect(d.containerMax).toEqual({ cpu: 2, memory: 2 * 2 ** 30 });
  });

  test('synth error: a quota or limit range too small for the platform names the key, the demand and the fix', () => {
    const err = synthError('prod', { components: { policies: { quota: { requests: { cpu: '10' }, pods: 20 }, limitRange: { max: { memory: '8Gi' } } } } });
    expect(err.message).toMatch(/environment 'prod', components\.policies\.quota\.requests\.cpu: 10 is below what the platform's own pods in data-platform can demand at once \(every workload at its highest replica count, rolling-update surge, hook Jobs and CronJob runs\): (\d+(?:\.\d+)?)\. Fix: raise components\.policies\.quota\.requests\.cpu to at least \1 \(plus room for the namespace's other pods\)/);
    expect(err.message).toMatch(/components\.policies\.quota\.pods: 20 is below .*: \d+\. Fix: raise/);
    expect(err.message).toMatch(/components\.policies\.limitRange\.max\.memory: 8Gi is below the largest memory limit of a platform container \(32Gi\)/);
    // a DaemonSet in the namespace needs the node count
    const ds = namespaceDemand([{ kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'ns' }, spec: { template: { spec: { containers: [] } } } }], 'ns');
    expect(guardrailProblems('dev', {}, ds)).toEqual([expect.stringMatching(/components\.policies\.quota\.nodes: DaemonSet ns\/agent runs one pod per node, and the number of nodes is not declared\. Fix: set components\.policies\.quota\.nodes/)]);
  });
});
