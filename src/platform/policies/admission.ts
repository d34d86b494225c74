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

/** Who sends an admission request (the `userInfo` Kyverno matches an exception's `subjects` against). */
export interface RequestUser { readonly username: string; readonly groups: readonly string[] }

/**
 * The controllers of kube-controller-manager that create the objects of each workload kind, by the name of the
 * client each one builds (`ClientOrDie("<name>")`, kubernetes v1.28.15 cmd/kube-controller-manager/app/apps.go
 * and batch.go). With `--use-service-account-credentials` (kubeadm's default) each acts as the ServiceAccount
 * `kube-system/<name>`; without it, all of them act as the controller manager's own user.
 */
export const CREATING_CONTROLLER: Readonly<Record<string, { readonly pods: string; readonly jobs?: string }>> = {
  Deployment: { pods: 'replicaset-controller' }, // Deployment → ReplicaSet (deployment-controller) → Pods
  StatefulSet: { pods: 'statefulset-controller' },
  DaemonSet: { pods: 'daemon-set-controller' },
  Job: { pods: 'job-controller' },
  CronJob: { pods: 'job-controller', jobs: 'cronjob-controller' },
};
/** The user kube-controller-manager acts as without `--use-service-account-credentials`. */
export const CONTROLLER_MANAGER_USER = 'system:kube-controller-manager';

/**
 * The `subjects` of an exception filter that holds only for objects the named controller creates: its
 * kube-system ServiceAccount, or kube-controller-manager's own user (without --use-service-account-credentials).
 */
export function controllerSubjects(controller: string): Array<{ kind: string; name: string; namespace?: string }> {
  return [
    { kind: 'ServiceAccount', name: controller, namespace: 'kube-system' },
    { kind: 'User', name: CONTROLLER_MANAGER_USER },
  ];
}

/** A controller's ServiceAccount as an admission request's user. */
export const controllerUser = (controller: string): RequestUser => ({
  username: `system:serviceaccount:kube-system:${controller}`,
  groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
});
/** Argo CD's application controller, which creates the workloads themselves. */
export const ARGOCD_USER: RequestUser = {
  username: 'system:serviceaccount:argocd:argocd-application-controller',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:argocd', 'system:authenticated'],
};
/** A person with kubectl: who creates a hand-made object. */
export const HUMAN_USER: RequestUser = { username: 'jane@254carbon.com', groups: ['platform-admins', 'system:authenticated'] };

const requesters = new WeakMap<object, RequestUser>();
/** Who creates `obj` in the simulation (set by `admittedObjects`; anything else is hand-made by a person). */
export function requesterOf(obj: Record<string, any>): RequestUser {
  return requesters.get(obj) ?? HUMAN_USER;
}
/** `obj` with its requester recorded. */
export function requestedBy<T extends Record<string, any>>(obj: T, user: RequestUser): T {
  requesters.set(obj, user);
  return obj;
}

/** The pod template metadata of a workload, or a Pod's own metadata. */
export function podMetaOf(obj: Record<string, any>): Record<string, any> | undefined {
  if (obj.kind === 'Pod') return obj.metadata;
  return obj.kind === 'CronJob' ? obj.spec?.jobTemplate?.spec?.template?.metadata : obj.spec?.template?.metadata;
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
  const ctl = CREATING_CONTROLLER[workload.kind];
  const out: Array<Record<string, any>> = [requestedBy(workload, ARGOCD_USER)];
  if (workload.kind === 'CronJob') {
    out.push(requestedBy({
      apiVersion: 'batch/v1', kind: 'Job',
      metadata: { name: `${name}-28950000`, namespace, labels: { ...(workload.spec.jobTemplate.metadata?.labels ?? {}) } },
      spec: workload.spec.jobTemplate.spec,
    }, controllerUser(ctl.jobs!)));
  }
  out.push(requestedBy({
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name: podName[workload.kind] ?? `${name}-x2x7q`, namespace, labels: { ...(template.metadata?.labels ?? {}) },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
    },
    spec: template.spec,
  }, ctl ? controllerUser(ctl.pods) : HUMAN_USER));
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

/** Kyverno's `CheckSubjects` (pkg/utils/match/subjects.go): a ServiceAccount, User or Group subject matches the request's user. */
function subjectsMatch(subjects: ReadonlyArray<Record<string, any>>, user: RequestUser): boolean {
  return subjects.some((s) => (s.kind === 'ServiceAccount' ? wildcardMatch(`system:serviceaccount:${s.namespace}:${s.name}`, user.username)
    : s.kind === 'User' ? wildcardMatch(s.name, user.username)
      : s.kind === 'Group' ? user.groups.some((g) => wildcardMatch(s.name, g)) : false));
}

/** Whether a PolicyException's `match` selects `obj` created by `user` (default: `requesterOf(obj)`). */
export function exceptionMatches(exception: ExceptionJson, obj: Record<string, any>, user: RequestUser = requesterOf(obj)): boolean {
  const m = exception.spec?.match ?? {};
  const one = (f: Record<string, any>) => matchesFilter(f, obj) && (!f.subjects || subjectsMatch(f.subjects, user));
  if (m.any) return m.any.some(one);
  if (m.all) return m.all.every(one);
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
        const findings = r.evaluate(pod, podMetaOf(obj));
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
