import type { WorkloadRecord } from '../../core/graph';
import type { Deviation } from '../../core/security';
import { controllerSubjects, CREATING_CONTROLLER, ExceptionJson, PolicyInUse, ruleNameFor, ruleNamesForWorkload } from './admission';
import { DEVIATION_RULES, rulesOf } from './deviations';
import { LIBRARY_POLICIES, LIBRARY_POLICY_SETS, type LibraryPolicySet } from './rules';
import { compareStrings } from '../../core/order';

/** The deviation implied for a container of a Job or CronJob that has no probe. */
export const RUN_TO_COMPLETION: Deviation = {
  kind: 'noProbes',
  reason: 'a Job container runs to completion; Kubernetes has no use for liveness, readiness or startup probes on it',
};

/** The label that changes with every image version; left out of exception selectors so rollouts stay covered. */
const VERSION_LABEL = 'app.kubernetes.io/version';

/** The annotation that carries the reasons of the declared deviations an exception is generated from. */
export const REASON_ANNOTATION = 'policies.254carbon.com/reasons';

/** One workload, its synthesized manifest and the deviations its containers declare (or imply). */
export interface WorkloadUnderPolicy {
  readonly record: WorkloadRecord;
  readonly manifest: Record<string, any>;
}

/** The generated exceptions of one environment and every problem found on the way. */
export interface ExceptionPlan {
  readonly exceptions: ReadonlyArray<{ readonly name: string; readonly namespace: string; readonly manifest: ExceptionJson }>;
  readonly problems: readonly string[];
}

interface Cover { readonly container: string; readonly deviation: Deviation }

/** The declared deviations of each container, with `noProbes` implied for Job/CronJob containers without probes. */
export function declaredDeviations(w: WorkloadUnderPolicy): Map<string, Deviation[]> {
  const pod = w.record.kind === 'CronJob' ? w.manifest.spec.jobTemplate.spec.template.spec : w.manifest.spec.template.spec;
  const byName = new Map<string, Record<string, any>>([...(pod.initContainers ?? []), ...(pod.containers ?? [])].map((c: any) => [c.name, c]));
  const out = new Map<string, Deviation[]>();
  for (const c of w.record.containers) {
    const list: Deviation[] = c.deviations.map((d) => ({ ...d })); // own identity per container
    const spec = byName.get(c.name) ?? {};
    const probed = ['livenessProbe', 'readinessProbe', 'startupProbe'].some((p) => p in spec);
    if ((w.record.kind === 'Job' || w.record.kind === 'CronJob') && !c.init && !probed && !list.some((d) => d.kind === 'noProbes')) list.push(RUN_TO_COMPLETION);
    out.set(c.name, list);
  }
  return out;
}

/**
 * Generates one PolicyException per workload that needs one, from the deviations its containers declare:
 * exactly the policies and rules its pod template violates (evaluated in-process against every policy in
 * use), with the rule names Kyverno checks for its kind, matching the workload, the Jobs of a CronJob and
 * the pods (by name pattern and pod labels) in its namespace. Reports as problems: a violation that no
 * declared deviation explains, a declared deviation that no policy in use flags, and (see
 * `checkExceptionNames`) any exception naming a policy or rule that is not defined.
 */
export function planExceptions(env: string, workloads: readonly WorkloadUnderPolicy[], policies: readonly PolicyInUse[], librarySets: readonly LibraryPolicySet[]): ExceptionPlan {
  // A deviation is "used" when some known policy flags it, opted in or not: what a workload needs does
  // not depend on which library sets a cluster runs. Exceptions are generated for the policies in use only.
  const notInUse: PolicyInUse[] = LIBRARY_POLICY_SETS.filter((s) => !librarySets.includes(s))
    .flatMap((s) => LIBRARY_POLICIES[s].map((definition) => ({ name: definition.name, definition, source: s })));
  const problems: string[] = [];
  const exceptions: Array<{ name: string; namespace: string; manifest: ExceptionJson }> = [];
  const platformName = (base: string) => policies.find((p) => p.source === 'platform' && p.definition.name === base)?.name;
  for (const w of workloads) {
    const { kind, name, namespace } = w.record;
    const where = `environment '${env}', component '${w.record.component}', ${kind} ${namespace}/${name}`;
    const pod = kind === 'CronJob' ? w.manifest.spec.jobTemplate.spec.template.spec : w.manifest.spec.template.spec;
    const deviations = declaredDeviations(w);
    const applies = (p: PolicyInUse) => !p.namespaces || p.namespaces.includes(namespace);
    const inUse = new Set(policies);
    const used = new Set<Deviation>();
    const granted = new Map<string, Set<string>>(); // policy → base rule names
    const reasons = new Map<string, string>();
    const policyDefs = new Map(policies.map((p) => [p.name, p.definition]));

    for (const p of [...policies, ...notInUse].filter(applies)) {
      const rulesInUse = inUse.has(p) ? librarySets : LIBRARY_POLICY_SETS;
      for (const r of p.definition.rules) {
        for (const f of r.evaluate(pod, kind === 'CronJob' ? w.manifest.spec.jobTemplate.spec.template.metadata : w.manifest.spec.template.metadata)) {
          const candidates: Cover[] = f.container !== undefined
            ? (deviations.get(f.container) ?? []).map((d) => ({ container: f.container!, deviation: d }))
            : [...deviations].flatMap(([c, ds]) => ds.map((d) => ({ container: c, deviation: d })));
          const covers = candidates.filter(({ deviation }) => rulesOf(deviation, rulesInUse).some((x) => x.rule === r.name
            && (x.source === 'platform' ? platformName(x.policy) === p.name : x.policy === p.name)));
          for (const c of covers) used.add(c.deviation);
          if (!inUse.has(p)) continue;
          if (covers.length === 0) {
            const kinds = Object.entries(DEVIATION_RULES).filter(([, rs]) => rs.some((x) => x.rule === r.name && (x.policy === p.definition.name))).map(([k]) => k);
            problems.push(`${where}: ${f.container ? `container ${f.container}` : 'the pod'} violates policy ${p.name} rule ${r.name} (${f.message}) and declares no deviation for it. `
              + `Fix: meet the restricted profile${kinds.length ? `, or declare a '${kinds.join("' or '")}' deviation with its reason` : ''}`);
            continue;
          }
          if (!granted.has(p.name)) granted.set(p.name, new Set());
          granted.get(p.name)!.add(r.name);
          for (const c of covers) {
            reasons.set(`${c.container}/${c.deviation.kind}`, `${c.container}: ${c.deviation.kind}: ${c.deviation.reason}`);
          }
        }
      }
    }

    for (const [container, ds] of deviations) {
      for (const d of ds) {
        if (used.has(d) || d === RUN_TO_COMPLETION) continue;
        const rules = DEVIATION_RULES[d.kind].map((x) => `${x.policy}/${x.rule}`).join(', ') || 'none';
        problems.push(`${where}: container ${container} declares deviation '${d.kind}', but its pod violates none of the rules it stands for (${rules}): an unused exception. `
          + 'Fix: remove the deviation, or correct its kind');
      }
    }

    if (granted.size === 0) continue;
    const matchLabels = Object.fromEntries(Object.entries(w.record.podLabels).filter(([k]) => k !== VERSION_LABEL).sort(([a], [b]) => compareStrings(a, b)));
    const annotations = { [REASON_ANNOTATION]: [...reasons.keys()].sort().map((k) => reasons.get(k)).join('\n') };
    const ruleList = (kinds: readonly string[]) => [...granted.keys()].sort().map((policyName) => ({
      policyName,
      ruleNames: [...granted.get(policyName)!].sort().flatMap((r) => ruleNamesForWorkload(kind, r, policyDefs.get(policyName)!.autogenControllers)
        .filter((n) => kinds.some((k) => ruleNameFor(k, r, policyDefs.get(policyName)!.autogenControllers) === n))),
    })).filter((x) => x.ruleNames.length > 0);
    const exception = (exceptionName: string, spec: Record<string, any>) => exceptions.push({
      name: exceptionName, namespace,
      manifest: { apiVersion: 'kyverno.io/v2beta1', kind: 'PolicyException', metadata: { name: exceptionName, namespace, annotations }, spec },
    });
    // The workload itself, by its exact name (unique in the namespace: nobody else can hold it).
    const own = ruleList([kind]);
    if (own.length > 0) {
      exception(`${name}-${kind.toLowerCase()}`, { exceptions: own, match: { any: [{ resources: { kinds: [kind], namespaces: [namespace], names: [name] } }] } });
    }
    // The objects its controllers create: only when the creating controller sends them. A hand-made Pod (or Job)
    // that copies the name prefix and labels comes from a person and is not excepted. `subjects` is admission
    // information, which a background scan does not have, so Kyverno requires `background: false` here.
    const ctl = CREATING_CONTROLLER[kind];
    const by = controllerSubjects;
    const filters: Array<Record<string, any>> = [];
    if (kind === 'CronJob') filters.push({ resources: { kinds: ['Job'], namespaces: [namespace], names: [`${name}-*`], selector: { matchLabels } }, subjects: by(ctl.jobs!) });
    filters.push({ resources: { kinds: ['Pod'], namespaces: [namespace], names: [`${name}-*`], selector: { matchLabels } }, subjects: by(ctl.pods) });
    const created = ruleList(kind === 'CronJob' ? ['Job', 'Pod'] : ['Pod']);
    if (created.length > 0) exception(`${name}-${kind.toLowerCase()}-pods`, { background: false, exceptions: created, match: { any: filters } });
  }
  return { exceptions, problems };
}

/**
 * Every policy and rule an exception names must be defined by a policy in use: `<rule>`, `autogen-<rule>`
 * or `autogen-cronjob-<rule>` of one of its rules.
 */
export function checkExceptionNames(exceptions: readonly ExceptionJson[], policies: readonly PolicyInUse[]): string[] {
  const problems: string[] = [];
  for (const e of exceptions) {
    const id = `PolicyException ${e.metadata?.namespace}/${e.metadata?.name}`;
    for (const x of e.spec?.exceptions ?? []) {
      const p = policies.find((q) => q.name === x.policyName);
      if (!p) {
        problems.push(`${id} names policy '${x.policyName}', which no synthesized or opted-in policy defines (defined: ${policies.map((q) => q.name).join(', ')}). Fix: name a defined policy, or opt in to its library set`);
        continue;
      }
      const known = new Set(p.definition.rules.flatMap((r) => ruleNamesForWorkload('CronJob', r.name, p.definition.autogenControllers)
        .concat(ruleNamesForWorkload('Deployment', r.name, p.definition.autogenControllers))));
      for (const r of x.ruleNames ?? []) {
        if (!known.has(r)) problems.push(`${id} names rule '${r}' of policy ${p.name}, which defines only ${[...known].join(', ')}. Fix: use a defined rule name`);
      }
    }
  }
  return problems;
}
