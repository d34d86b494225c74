import { podSpecOf } from '../checks/pods';
import { Finding, PodSpecJson, PolicyDefinition, wildcardMatch } from './rules';
import { PlatformConfigError } from '../../core/errors';

/** Kinds whose pod template Kyverno checks with the `autogen-` rules (1.12 defaults). */
export const AUTOGEN_KINDS = ['DaemonSet', 'Deployment', 'Job', 'StatefulSet', 'ReplicaSet', 'ReplicationController'] as const;
/** The kinds of workloads the platform creates. */
export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'] as const;

/** The controllers Kyverno 1.12 generates rules for by default (`pod-policies.kyverno.io/autogen-controllers`). */
export const DEFAULT_AUTOGEN_CONTROLLERS: readonly string[] = [...AUTOGEN_KINDS, 'CronJob'];

/**
 * The rule name Kyverno reports for a rule written for Pods when it checks an object of `kind`, or undefined
 * when the policy generates no rule for that kind (its autogen-controllers annotation leaves it out).
 */
export function ruleNameFor(kind: string, rule: string, controllers: readonly string[] = DEFAULT_AUTOGEN_CONTROLLERS): string | undefined {
  if (kind === 'Pod') return rule;
  if (!controllers.includes(kind)) return undefined;
  return kind === 'CronJob' ? `autogen-cronjob-${rule}` : `autogen-${rule}`;
}

/**
 * Every rule name under which a workload of `kind` and the objects it creates are checked: the Pod rule, the
 * autogen rule of its kind and, for a CronJob, the autogen rule of its Jobs.
 */
export function ruleNamesForWorkload(kind: string, rule: string, controllers: readonly string[] = DEFAULT_AUTOGEN_CONTROLLERS): string[] {
  const kinds = kind === 'CronJob' ? ['Pod', 'Job', 'CronJob'] : ['Pod', kind];
  return kinds.map((k) => ruleNameFor(k, rule, controllers)).filter((r): r is string => r !== undefined);
}

/** A ClusterPolicy as the cluster runs it: its deployed name, its rules and the namespaces it matches. */
export interface PolicyInUse {
  /** The deployed name (platform policies carry the environment suffix). */
  readonly name: string;
  readonly definition: PolicyDefinition;
  /** `platform` or the library set. */
  readonly source: string;
  /** Namespaces it matches. @default - every namespace (the library policies) */
  readonly namespaces?: readonly string[];
}

/** A PolicyException (kyverno.io/v2beta1) as JSON. */
export type ExceptionJson = Record<string, any>;

/** The result of one rule on one object, as the admission webhook would decide it. */
export interface Verdict {
  /** `Kind/namespace/name`. */
  readonly resource: string;
  readonly policy: string;
  /** The rule name as Kyverno reports it (`autogen-…` for controllers). */
  readonly rule: string;
  /** `fail` blocks the admission when the policy enforces; `skip` means an exception applied. */
  readonly result: 'pass' | 'fail' | 'skip';
  readonly findings: readonly Finding[];
  /** The exception that turned a failure into a skip. */
  readonly exception?: string;
}

/**
 * The objects a workload makes the cluster admit, named as their controllers name them: the workload
 * itself, for a CronJob one of its Jobs, and one of its Pods. Kyverno checks each of them at admission
 * (the controller with the autogen rules, the Pod with the rule itself); ReplicaSets are left out, as
 * Kyverno's default resource filters skip them.
 */
export function admittedObjects(workload: Record<string, any>): Array<Record<string, any>> {
  const name = String(workload.metadata.name);
  const namespace = workload.metadata.namespace;
  const template = workload.kind === 'CronJob' ? workload.spec.jobTemplate.spec.template : workload.spec.template;
  const podName: Record<string, string> = {
    Deployment: `${name}-7c9d8f5b6d-x2x7q`,
    StatefulSet: `${name}-0`,
    DaemonSet: `${name}-x2x7q`,
    Job: `${name}-x2x7q`,
    CronJob: `${name}-28950000-x2x7q`,
  };
  const out: Array<Record<string, any>> = [workload];
  if (workload.kind === 'CronJob') {
    out.push({
      apiVersion: 'batch/v1', kind: 'Job',
      metadata: { name: `${name}-28950000`, namespace, labels: { ...(workload.spec.jobTemplate.metadata?.labels ?? {}) } },
      spec: workload.spec.jobTemplate.spec,
    });
  }
  out.push({
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: podName[workload.kind] ?? `${name}-x2x7q`, namespace, labels: { ...(template.metadata?.labels ?? {}) } },
    spec: template.spec,
  });
  return out;
}

function matchesFilter(filter: Record<string, any>, obj: Record<string, any>): boolean {
  const r = filter.resources ?? {};
  const meta = obj.metadata ?? {};
  if (r.kinds && !r.kinds.includes(obj.kind)) return false;
  if (r.namespaces && !r.namespaces.some((p: string) => wildcardMatch(p, meta.namespace ?? ''))) return false;
  if (r.names && !r.names.some((p: string) => wildcardMatch(p, meta.name ?? ''))) return false;
  if (r.name && !wildcardMatch(r.name, meta.name ?? '')) return false;
  if (r.selector) {
    const labels = meta.labels ?? {};
    if (r.selector.matchExpressions) throw new PlatformConfigError('a policy match', 'the in-process admission check supports matchLabels selectors only', 'select the policy\'s namespaces with matchLabels');
    if (!Object.entries(r.selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v)) return false;
  }
  return true;
}

/** Whether a PolicyException's `match` selects `obj`. */
export function exceptionMatches(exception: ExceptionJson, obj: Record<string, any>): boolean {
  const m = exception.spec?.match ?? {};
  if (m.any) return m.any.some((f: Record<string, any>) => matchesFilter(f, obj));
  if (m.all) return m.all.every((f: Record<string, any>) => matchesFilter(f, obj));
  return false;
}

/**
 * Simulates the admission of `objects` (workloads, the Jobs and Pods they create) under `policies` with
 * `exceptions`, as Kyverno 1.12 would decide it on CREATE: each rule is evaluated on the pod template,
 * under the rule name Kyverno reports for the object's kind, and an exception whose match selects the
 * object and which names the policy and that rule name turns a failure into a skip.
 */
export function simulateAdmission(objects: ReadonlyArray<Record<string, any>>, policies: readonly PolicyInUse[], exceptions: readonly ExceptionJson[]): Verdict[] {
  const verdicts: Verdict[] = [];
  for (const obj of objects) {
    const pod: PodSpecJson | undefined = podSpecOf(obj);
    if (!pod) continue;
    const ns = obj.metadata?.namespace ?? '';
    const resource = `${obj.kind}/${ns}/${obj.metadata?.name}`;
    for (const p of policies) {
      if (p.namespaces && !p.namespaces.some((n) => wildcardMatch(n, ns))) continue;
      for (const r of p.definition.rules) {
        const rule = ruleNameFor(obj.kind, r.name, p.definition.autogenControllers);
        if (rule === undefined) continue;
        const findings = r.evaluate(pod);
        if (findings.length === 0) {
          verdicts.push({ resource, policy: p.name, rule, result: 'pass', findings });
          continue;
        }
        const ex = exceptions.find((e) => exceptionMatches(e, obj)
          && (e.spec?.exceptions ?? []).some((x: any) => x.policyName === p.name && (x.ruleNames ?? []).includes(rule)));
        verdicts.push({ resource, policy: p.name, rule, result: ex ? 'skip' : 'fail', findings, exception: ex ? `${ex.metadata.namespace}/${ex.metadata.name}` : undefined });
      }
    }
  }
  return verdicts;
}
