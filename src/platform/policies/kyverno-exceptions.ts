import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { PolicyException } from '../../../imports/kyverno.io';
import { PlatformComponent, PlatformComponentProps } from '../../core/component';
import { PlatformConfigError, PlatformValidationError } from '../../core/errors';
import { manifestOf } from '../../core/manifest';
import { ExceptionJson, PolicyInUse, WORKLOAD_KINDS } from './admission';
import { checkExceptionNames, planExceptions, WorkloadUnderPolicy } from './exceptions';
import { KYVERNO_VERSION, policiesInUse, type PlatformPolicies } from './policies';
import type { LibraryPolicySet } from './rules';

/** Props of `KyvernoExceptions`. */
export interface KyvernoExceptionsProps extends PlatformComponentProps {
  /**
   * The `PlatformPolicies` of the same platform: the exceptions are generated against its policies and library
   * sets. Give it when you build the policies too; without it the exceptions name the same policies a
   * `PlatformPolicies` of the environment would create.
   * @default - the platform's policies of the environment (`<policy>-<env>`, matching the environment's namespace) and the library sets of `librarySets`
   */
  readonly policies?: PlatformPolicies;
  /**
   * Upstream Kyverno library policy sets the cluster runs: the exceptions cover their rules too. Only without
   * `policies` (which brings its own).
   * @default - the environment's `components.policies.librarySets` (none unless set)
   */
  readonly librarySets?: readonly LibraryPolicySet[];
}

/**
 * The Kyverno PolicyExceptions (kyverno.io/v2beta1) for the deviations the workloads in its scope declared,
 * written to `charts-out/<env>/policy-exceptions/` (a cdk8s app: its own chart `policy-exceptions`).
 *
 * @remarks
 * Its scope is its platform: the workloads its `PlatformGraph` records, i.e. every workload built with
 * `PlatformComponent` under the same `DataPlatform` (or scope marked with `PlatformGraph.markScope`), else in the
 * same App. It can be built on its own, next to the components whose exceptions it gives: one exception per
 * workload that needs one, with exactly the policies and rules its pods violate, plus one for the pods (and Jobs)
 * its controller creates. Generated when the chart is rendered, so every workload registered in the graph is
 * covered whatever the order of construction. Rendering fails (listing every problem) when a workload violates a
 * policy without a declared deviation, when a declared deviation is flagged by no policy in use, when an
 * exception in the scope names an undefined policy or rule, or when a `PlatformPolicies` in the scope runs other
 * policies than the exceptions are generated against (pass it as `policies`).
 *
 * @example
 * const environment = loadEnvironment('staging');
 * new DolphinSchedulerStack(app, 'dolphinscheduler', { environment, version: '3.2.2' });
 * new KyvernoExceptions(app, 'policy-exceptions', { environment });
 */
export class KyvernoExceptions extends PlatformComponent {
  /** The library sets the exceptions cover. */
  public readonly librarySets: readonly LibraryPolicySet[];
  /**
   * The policies the exceptions are generated against: the platform's (deployed names) and the opted-in library ones.
   * @internal
   */
  public readonly policiesInUse: readonly PolicyInUse[];
  private generated = false;

  constructor(scope: Construct, id: string, props: KyvernoExceptionsProps) {
    super(scope, id, 'policy-exceptions', props);
    if (props.policies && props.librarySets) {
      throw new PlatformConfigError(this.where('librarySets'), 'is given together with policies, whose library sets are used',
        'give librarySets to the PlatformPolicies, or leave out policies');
    }
    this.librarySets = [...(props.policies?.librarySets ?? props.librarySets ?? props.environment.components.policies.librarySets)];
    this.policiesInUse = props.policies?.policiesInUse ?? policiesInUse(props.environment.name, [this.ns], this.librarySets);
  }

  /** The workloads of the scope (from the graph) with their synthesized manifests. */
  public workloads(): WorkloadUnderPolicy[] {
    const manifests = new Map<string, Record<string, any>>();
    for (const o of this.graph.platformScope.node.findAll()) {
      if (!(o instanceof ApiObject) || !(WORKLOAD_KINDS as readonly string[]).includes(o.kind)) continue;
      const m = manifestOf(o);
      manifests.set(`${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`, m);
    }
    return this.graph.workloads.map((record) => {
      const manifest = manifests.get(`${record.kind}/${record.namespace}/${record.name}`);
      if (!manifest) throw new PlatformConfigError(this.where(`${record.kind} ${record.namespace}/${record.name}`), 'is recorded in the graph but not synthesized', 'build workloads with PlatformComponent.podSpec inside the component that records them');
      return { record, manifest };
    });
  }

  /** Generates the exceptions from every workload of the scope (called once, before rendering). */
  public prepareForSynth(): void {
    if (this.generated) return;
    this.generated = true;
    const policies = this.policiesInUse;
    const plan = planExceptions(this.environment.name, this.workloads(), policies, this.librarySets);
    for (const e of plan.exceptions) {
      new PolicyException(this, `PolicyException.${e.namespace}.${e.name}`, {
        metadata: { ...e.manifest.metadata, labels: this.labelsFor('policy-exception', KYVERNO_VERSION) },
        spec: e.manifest.spec,
      });
    }
    const all: ExceptionJson[] = this.graph.platformScope.node.findAll()
      .filter((o): o is ApiObject => o instanceof ApiObject && o.kind === 'PolicyException')
      .map((o) => manifestOf(o) as ExceptionJson);
    const problems = [...plan.problems, ...checkExceptionNames(all, policies), ...this.policiesMismatch()];
    if (problems.length > 0) {
      throw new PlatformValidationError(`environment '${this.environment.name}': the Kyverno policy exceptions cannot be generated`, problems);
    }
  }

  /**
   * A `PlatformPolicies` in the same scope must run exactly the policies the exceptions are generated against
   * (else, under Enforce, a pod is blocked by a library policy its exception does not name): a problem for each
   * one that differs, e.g. built with other `librarySets` and not passed as `policies`.
   */
  private policiesMismatch(): string[] {
    const ours = new Set(this.policiesInUse.map((p) => p.name));
    return this.graph.platformScope.node.findAll()
      .filter((c): c is PlatformPolicies => PlatformComponent.isPlatformComponent(c) && c.component === 'platform-policies')
      .flatMap((p) => {
        const theirs = new Set(p.policiesInUse.map((x) => x.name));
        const uncovered = [...theirs].filter((n) => !ours.has(n));
        const extra = [...ours].filter((n) => !theirs.has(n));
        if (uncovered.length === 0 && extra.length === 0) return [];
        return [`${this.where('policies')}: the PlatformPolicies '${p.node.path}' in its scope runs ${uncovered.length ? `policies the exceptions do not cover (${uncovered.join(', ')})` : ''}`
          + `${uncovered.length && extra.length ? ' and ' : ''}${extra.length ? `not the policies ${extra.join(', ')} the exceptions name` : ''}. `
          + 'Fix: pass that PlatformPolicies as the policies prop (or give both the same librarySets)'];
      });
  }

  public toJson(): any[] {
    this.prepareForSynth();
    return super.toJson();
  }
}

/**
 * Props of `PolicyExceptions`.
 * @deprecated Use `KyvernoExceptionsProps` (`policies` is optional there).
 */
export interface PolicyExceptionsProps extends KyvernoExceptionsProps {
  /** The policies the exceptions are generated against. */
  readonly policies: PlatformPolicies;
}

/**
 * The former name of `KyvernoExceptions`, which needed a `PlatformPolicies`: the same construct and output.
 * @deprecated Use `KyvernoExceptions`, which also works without `policies`.
 */
export class PolicyExceptions extends KyvernoExceptions {
  constructor(scope: Construct, id: string, props: PolicyExceptionsProps) {
    super(scope, id, props);
  }
}
