import { manifestOf } from '../../core/manifest';
import { ApiObject, JsonPatch } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { guardrailProblems, namespaceDemand, NamespaceDemand } from './guardrails';
import { Construct } from 'constructs';
import { ClusterPolicy, ClusterPolicySpecValidationFailureAction } from '../../../imports/kyverno.io';
import { PlatformComponent, PlatformComponentProps } from '../../core/component';
import { PlatformValidationError } from '../../core/errors';
import type { PolicyInUse } from './admission';
import { LIBRARY_POLICIES, LIBRARY_POLICY_SETS, LibraryPolicySet, PLATFORM_POLICIES } from './rules';

/** The Kyverno release the policies and exceptions are written for (CRDs in ../shared/crds). */
export const KYVERNO_VERSION = '1.12';

/**
 * The policies an environment runs: the platform's, named `<policy>-<env>` and matching `namespaces`, and
 * the library policies of the sets opted in, under their upstream names (every namespace).
 */
export function policiesInUse(env: string, namespaces: readonly string[], librarySets: readonly LibraryPolicySet[]): PolicyInUse[] {
  const platform: PolicyInUse[] = PLATFORM_POLICIES.map((definition) => ({
    name: `${definition.name}-${env}`, definition, source: 'platform', namespaces: [...namespaces],
  }));
  const library: PolicyInUse[] = LIBRARY_POLICY_SETS.filter((s) => librarySets.includes(s))
    .flatMap((s) => LIBRARY_POLICIES[s].map((definition) => ({ name: definition.name, definition, source: s })));
  const clash = platform.find((p) => library.some((q) => q.name === p.name));
  if (clash) throw new PlatformValidationError(`environment '${env}'`, [`platform policy ${clash.name} has the name of a library policy. Fix: rename the environment`]);
  return [...platform, ...library];
}

/** Props of `PlatformPolicies`. */
export interface PlatformPoliciesProps extends PlatformComponentProps {
  /**
   * What a violation does.
   * @default - the environment's `components.policies.validationFailureAction` (Audit unless set)
   */
  readonly validationFailureAction?: 'Audit' | 'Enforce';
  /**
   * Upstream Kyverno library policy sets the cluster runs too; the generated exceptions cover them.
   * @default - the environment's `components.policies.librarySets` (none unless set)
   */
  readonly librarySets?: readonly LibraryPolicySet[];
}

/**
 * The platform's baseline Kyverno ClusterPolicies (the five of the reference pack, with their rule names),
 * written to `charts-out/<env>/platform-policies/`.
 *
 * ClusterPolicies are cluster-scoped, and the environments may share a cluster: each environment's
 * policies are named `<policy>-<env>` and match only the environment's namespace, so that dev can enforce
 * while prod audits, and no environment's policy ever touches another's workloads or workloads this project
 * does not own. Rule names stay those of the reference pack.
 */
export class PlatformPolicies extends PlatformComponent {
  /** `Audit` or `Enforce`. */
  public readonly validationFailureAction: 'Audit' | 'Enforce';
  /** The library sets opted in. */
  public readonly librarySets: readonly LibraryPolicySet[];
  /** The namespaces the policies match. */
  public readonly namespaces: readonly string[];
  /**
   * Every policy in use for this environment: the platform's (deployed names) and the opted-in library ones.
   * @internal
   */
  public readonly policiesInUse: readonly PolicyInUse[];

  constructor(scope: Construct, id: string, props: PlatformPoliciesProps) {
    super(scope, id, 'platform-policies', props);
    const cfg = props.environment.components.policies;
    this.validationFailureAction = props.validationFailureAction ?? cfg.validationFailureAction;
    this.librarySets = [...(props.librarySets ?? cfg.librarySets)];
    this.namespaces = [this.ns];
    const envName = props.environment.name;

    this.policiesInUse = policiesInUse(envName, this.namespaces, this.librarySets);
    const platform = this.policiesInUse.filter((p) => p.source === 'platform');

    for (const p of platform) {
      const policy = new ClusterPolicy(this, `ClusterPolicy.${p.name}`, {
        metadata: {
          name: p.name,
          labels: this.labelsFor('policy', KYVERNO_VERSION),
          annotations: {
            'policies.kyverno.io/title': p.definition.title,
            'policies.kyverno.io/category': p.definition.category,
            'policies.kyverno.io/severity': p.definition.severity,
            'policies.kyverno.io/subject': 'Pod',
            'policies.kyverno.io/description': `${p.definition.description} Environment '${envName}': namespace ${this.namespaces.join(', ')}.`,
          },
        },
        spec: {
          // The generated enum keeps only the lower-case spellings; the CRD accepts Audit/Enforce (its default is Audit).
          validationFailureAction: this.validationFailureAction as unknown as ClusterPolicySpecValidationFailureAction,
          background: true,
          rules: p.definition.rules.map((r) => ({
            name: r.name,
            match: { any: [{ resources: { kinds: ['Pod'], namespaces: [...this.namespaces] } }] },
            preconditions: r.preconditions,
            validate: r.validate,
          })),
        },
      });
      policy.addJsonPatch(JsonPatch.remove('/metadata/namespace')); // cluster-scoped
    }

    // The namespace guardrails of the old charts: a ResourceQuota and a LimitRange, sized in the environment.
    if (cfg.quota) {
      const q = cfg.quota;
      new k8s.KubeResourceQuota(this, 'ResourceQuota.platform-quota', {
        metadata: { name: 'platform-quota', namespace: this.ns, labels: this.labelsFor('resource-quota', 'v1') },
        spec: {
          hard: {
            'requests.cpu': k8s.Quantity.fromString(q.requests.cpu),
            'requests.memory': k8s.Quantity.fromString(q.requests.memory),
            'limits.cpu': k8s.Quantity.fromString(q.limits.cpu),
            'limits.memory': k8s.Quantity.fromString(q.limits.memory),
            'pods': k8s.Quantity.fromString(String(q.pods)),
            'persistentvolumeclaims': k8s.Quantity.fromString(String(q.persistentVolumeClaims)),
            'requests.storage': k8s.Quantity.fromString(q.requestsStorage),
          },
        },
      });
    }
    if (cfg.limitRange) {
      const l = cfg.limitRange;
      const qty = (x: { cpu: string; memory: string }) => ({ cpu: k8s.Quantity.fromString(x.cpu), memory: k8s.Quantity.fromString(x.memory) });
      new k8s.KubeLimitRange(this, 'LimitRange.platform-limits', {
        metadata: { name: 'platform-limits', namespace: this.ns, labels: this.labelsFor('limit-range', 'v1') },
        spec: { limits: [{ type: 'Container', defaultRequest: qty(l.defaultRequest), default: qty(l.default), max: qty(l.max) }] },
      });
    }
  }

  /**
   * What the platform's own pods in the environment's namespace can demand at once (the quota check's input).
   * @internal
   */
  public demand(): NamespaceDemand {
    const kinds = ['Deployment', 'StatefulSet', 'Job', 'CronJob', 'DaemonSet', 'HorizontalPodAutoscaler', 'PersistentVolumeClaim'];
    const manifests = this.graph.platformScope.node.findAll()
      .filter((o): o is ApiObject => o instanceof ApiObject && kinds.includes(o.kind))
      .map((o) => manifestOf(o));
    return namespaceDemand(manifests, this.ns, this.environment.components.policies.quota?.nodes);
  }

  private checked = false;

  /** Checks the quota and limit range against the complete App (called once, before rendering). */
  public prepareForSynth(): void {
    if (this.checked) return;
    this.checked = true;
    const cfg = this.environment.components.policies;
    if (cfg.quota || cfg.limitRange) {
      const problems = guardrailProblems(this.environment.name, cfg, this.demand());
      if (problems.length > 0) throw new PlatformValidationError(`environment '${this.environment.name}': the namespace guardrails do not fit the platform`, problems);
    }
  }

  public toJson(): any[] {
    this.prepareForSynth();
    return super.toJson();
  }
}
