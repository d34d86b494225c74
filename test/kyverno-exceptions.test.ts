import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { PlatformComponent, PlatformComponentProps } from '../src/core/component';
import { PlatformConfigError } from '../src/core/errors';
import { Image } from '../src/core/image';
import type { Deviation } from '../src/core/security';
import type { ContainerSpec } from '../src/core/workload';
import { loadEnvironment } from '../src/config/values';
import { admittedObjects, simulateAdmission, WORKLOAD_KINDS } from '../src/platform/policies/admission';
import { KyvernoExceptions, PolicyExceptions } from '../src/platform/policies/kyverno-exceptions';
import { PlatformPolicies } from '../src/platform/policies/policies';
import { DataPlatform } from '../src/platform/data-platform';
import { ENVS, filesOf } from './util';

const probe = { exec: { command: ['true'] } };
function container(name: string, deviations: Deviation[] = []): ContainerSpec {
  const root = deviations.some((d) => d.kind === 'runAsRoot');
  return {
    name, image: Image.parse('docker.io/library/busybox:1.36.1', 'test'),
    resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
    security: { uid: root ? undefined : 1000, deviations }, livenessProbe: probe, readinessProbe: probe,
  };
}

/**
 * A consumer's component: a Deployment that runs as root (declared), a StatefulSet that meets the restricted
 * profile; `undeclared` gives the Deployment a hostPath volume without declaring it.
 */
class Workloads extends PlatformComponent {
  constructor(scope: Construct, id: string, props: PlatformComponentProps & { undeclared?: boolean }) {
    super(scope, id, 'workloads', props);
    const rootReason = 'the vendor image starts its entrypoint as root and drops privileges itself';
    this.addDeployment({ name: 'rooted', role: 'server', version: '1.0.0' }, {
      replicas: 1, pod: {
        containers: [container('rooted', [{ kind: 'runAsRoot', reason: rootReason }])],
        volumes: props.undeclared ? [{ name: 'varlog', hostPath: { path: '/var/log' } }] : undefined,
      },
    });
    this.addStatefulSet({ name: 'clean', role: 'store', version: '1.0.0' }, { replicas: 1, serviceName: 'clean', pod: { containers: [container('clean')] } });
  }
}

/** A consumer's App: the workloads and KyvernoExceptions, nothing of the platform besides. */
function consumerApp(env: string, build: (app: App, environment: ReturnType<typeof loadEnvironment>) => KyvernoExceptions, undeclared = false) {
  const environment = loadEnvironment(env);
  const app = new App({ outdir: '.tmp/unused' });
  const workloads = new Workloads(app, 'workloads', { environment, undeclared });
  const exceptions = build(app, environment);
  return { app, environment, workloads, exceptions };
}

const manifests = (c: Chart): Array<Record<string, any>> => c.toJson();
const exceptionsOf = (c: Chart) => manifests(c).filter((m) => m.kind === 'PolicyException');

describe('KyvernoExceptions on its own', () => {
  test.each(ENVS)('alone in an App, it yields the exceptions for the declared deviations, and with them every pod is admitted (%s)', (env) => {
    const { workloads, exceptions, environment } = consumerApp(env, (app, environment) => new KyvernoExceptions(app, 'policy-exceptions', { environment }));
    const ns = environment.namespace;
    const out = exceptionsOf(exceptions);
    // one exception for the Deployment, one for the pods its ReplicaSets create; none for the restricted StatefulSet
    expect(out.map((e) => e.metadata.name).sort()).toEqual(['rooted-deployment', 'rooted-deployment-pods']);
    for (const e of out) {
      expect(e.apiVersion).toBe('kyverno.io/v2beta1');
      expect(e.metadata.namespace).toBe(ns);
      expect(e.metadata.labels['app.kubernetes.io/name']).toBe('policy-exceptions');
      expect(e.metadata.annotations['policies.254carbon.com/reasons']).toBe('rooted: runAsRoot: the vendor image starts its entrypoint as root and drops privileges itself');
    }
    // the environment's platform policies (named per environment) and its opted-in library sets
    const names = (e: Record<string, any>) => e.spec.exceptions.map((x: any) => x.policyName).sort();
    expect(environment.components.policies.librarySets).toContain('pod-security-restricted');
    expect(names(out.find((e) => e.metadata.name === 'rooted-deployment-pods')!))
      .toEqual([`require-non-root-${env}`, 'require-run-as-non-root-user', 'require-run-as-nonroot'].sort());
    expect(exceptions.policiesInUse.map((p) => p.name)).toContain(`require-non-root-${env}`);

    // The proof: under the policies in use, the workloads' objects and pods pass with these exceptions and not without.
    const admitted = manifests(workloads).filter((m) => (WORKLOAD_KINDS as readonly string[]).includes(m.kind)).flatMap((m) => admittedObjects(m));
    expect(simulateAdmission(admitted, exceptions.policiesInUse, out as any).filter((v) => v.result === 'fail')).toEqual([]);
    const blocked = simulateAdmission(admitted, exceptions.policiesInUse, []).filter((v) => v.result === 'fail').map((v) => v.resource);
    expect(blocked).toContain(`Deployment/${ns}/rooted`);
    expect(blocked.some((r) => r.startsWith(`StatefulSet/${ns}/clean`) || r.startsWith(`Pod/${ns}/clean`))).toBe(false);
  });

  test('alone, it generates what it generates next to a PlatformPolicies of the environment (same policies, same exceptions)', () => {
    const alone = consumerApp('staging', (app, environment) => new KyvernoExceptions(app, 'policy-exceptions', { environment }));
    const withPolicies = consumerApp('staging', (app, environment) => new KyvernoExceptions(app, 'policy-exceptions', {
      environment, policies: new PlatformPolicies(app, 'platform-policies', { environment }),
    }));
    expect(alone.exceptions.policiesInUse.map((p) => p.name)).toEqual(withPolicies.exceptions.policiesInUse.map((p) => p.name));
    expect(manifests(alone.exceptions)).toEqual(manifests(withPolicies.exceptions));
  });

  test('librarySets narrows what the exceptions cover; policies and librarySets together are refused naming the fix', () => {
    const { exceptions } = consumerApp('dev', (app, environment) => new KyvernoExceptions(app, 'policy-exceptions', { environment, librarySets: [] }));
    expect(exceptionsOf(exceptions).flatMap((e) => e.spec.exceptions.map((x: any) => x.policyName))).toEqual(['require-non-root-dev', 'require-non-root-dev']);
    expect(() => consumerApp('dev', (app, environment) => new KyvernoExceptions(app, 'policy-exceptions', {
      environment, librarySets: [], policies: new PlatformPolicies(app, 'platform-policies', { environment }),
    }))).toThrow(PlatformConfigError);
    expect(() => consumerApp('dev', (app, environment) => new KyvernoExceptions(app, 'policy-exceptions', {
      environment, librarySets: [], policies: new PlatformPolicies(app, 'platform-policies', { environment }),
    }))).toThrow(/environment 'dev', component 'policy-exceptions', librarySets: is given together with policies.*give librarySets to the PlatformPolicies, or leave out policies/);
  });

  test('next to a PlatformPolicies it was not given, it refuses to generate against other policies than that one runs', () => {
    const { app } = consumerApp('dev', (a, environment) => {
      new PlatformPolicies(a, 'platform-policies', { environment, librarySets: ['pod-security-baseline'] });
      return new KyvernoExceptions(a, 'policy-exceptions', { environment, librarySets: ['pod-security-restricted'] });
    });
    expect(() => app.synth()).toThrow(/environment 'dev', component 'policy-exceptions', policies: the PlatformPolicies 'platform-policies' in its scope runs policies the exceptions do not cover \(disallow-host-path, disallow-capabilities, .*\) and not the policies .*require-run-as-nonroot.* the exceptions name\. Fix: pass that PlatformPolicies as the policies prop \(or give both the same librarySets\)/);
    // with the same library sets (here: the environment's for both) it generates
    const same = consumerApp('dev', (a, environment) => {
      new PlatformPolicies(a, 'platform-policies', { environment });
      return new KyvernoExceptions(a, 'policy-exceptions', { environment });
    });
    expect(() => same.app.synth()).not.toThrow();
    expect(exceptionsOf(same.exceptions).length).toBe(2);
  });

  test('a workload that violates a policy without declaring the deviation fails the synth, naming the workload and the fix', () => {
    const { app } = consumerApp('dev', (a, environment) => new KyvernoExceptions(a, 'policy-exceptions', { environment }), true);
    let err: unknown;
    try { app.synth(); } catch (e) { err = e; }
    // a consumer's app.synth() fails through the platform graph's cdk8s validation, with the platform's message
    expect(String((err as Error).message)).toMatch(/^Validation failed with the following errors:\n\s+\[PlatformGraph\] /);
    expect(String((err as Error).message)).toMatch(/environment 'dev', component 'workloads', Deployment data-platform-dev\/rooted: the pod violates policy disallow-host-path rule host-path \(volume varlog is a hostPath\) and declares no deviation for it\. Fix: meet the restricted profile, or declare a 'hostPathVolumes' deviation/);
  });
});

describe('PolicyExceptions (deprecated alias)', () => {
  test('regression: PolicyExceptions still works as the alias of KyvernoExceptions: the same construct and the same exceptions', () => {
    const viaAlias = consumerApp('prod', (app, environment) => new PolicyExceptions(app, 'policy-exceptions', {
      environment, policies: new PlatformPolicies(app, 'platform-policies', { environment }),
    }));
    const viaNew = consumerApp('prod', (app, environment) => new KyvernoExceptions(app, 'policy-exceptions', {
      environment, policies: new PlatformPolicies(app, 'platform-policies', { environment }),
    }));
    expect(Object.getPrototypeOf(PolicyExceptions.prototype)).toBe(KyvernoExceptions.prototype);
    expect(viaAlias.exceptions.component).toBe('policy-exceptions');
    expect(exceptionsOf(viaAlias.exceptions).map((e) => e.metadata.name).sort()).toEqual(['rooted-deployment', 'rooted-deployment-pods']);
    expect(manifests(viaAlias.exceptions)).toEqual(manifests(viaNew.exceptions));
    // the deprecation is documented where editors and the API reference show it
    const source = fs.readFileSync(path.join(__dirname, '..', 'src', 'platform', 'policies', 'kyverno-exceptions.ts'), 'utf8');
    expect(source).toMatch(/@deprecated Use `KyvernoExceptions`[^\n]*\n \*\/\nexport class PolicyExceptions extends KyvernoExceptions/);
  });
});

describe('the platform', () => {
  test('DataPlatform builds its exceptions with KyvernoExceptions, against its PlatformPolicies', () => {
    const environment = loadEnvironment('dev');
    const platform = new DataPlatform(new App({ outdir: '.tmp/unused' }), 'dev', { environment, gitops: false });
    const exceptions = platform.components.get('policy-exceptions')!;
    expect(Object.getPrototypeOf(exceptions)).toBe(KyvernoExceptions.prototype);
    const policies = platform.components.get('platform-policies') as PlatformPolicies;
    expect((exceptions as KyvernoExceptions).policiesInUse).toBe(policies.policiesInUse);
  });

  test.each(ENVS)('its policy-exceptions/ output is unchanged: byte-identical to the committed charts-out/ (%s)', (env) => {
    const dir = path.join(__dirname, '..', 'charts-out', env, 'policy-exceptions');
    const committed = fs.readdirSync(dir).sort().map((f) => [`${env}/policy-exceptions/${f}`, fs.readFileSync(path.join(dir, f), 'utf8')]);
    const synthesized = [...filesOf(env)].filter(([p]) => p.startsWith(`${env}/policy-exceptions/`)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    expect(committed.length).toBeGreaterThan(5);
    expect(synthesized).toEqual(committed);
  });
});
