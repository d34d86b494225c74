import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { PlatformComponent, PlatformComponentProps } from '../../core/component';
import { manifestOf } from '../../core/manifest';
import { PlatformValidationError } from '../../core/errors';
import { PlatformIngresses } from './ingress';
import { ALLOWS_ANNOTATION, NetworkPolicyInputs, planNetworkPolicies, verifyPlan } from './plan';

/**
 * The NetworkPolicies of one environment, derived from the provides/consumes graph when the chart is rendered,
 * written to `charts-out/<env>/network-policies/`. Nothing is hand-listed: adding an `endpoint()` edge in a
 * construct opens exactly that path, removing it closes it.
 *
 * In the environment's namespace: `default-deny-ingress` (unless `components.networkPolicies.defaultDeny` is
 * false, for a staged rollout); `allow-<component>-internal` (a component's pods reach each other);
 * `allow-<consumer>-to-<service>-<port>` per consumer → provider edge, selecting the pods behind the Service
 * (its selector) and admitting exactly the consumer's pods (`app.kubernetes.io/name` + `instance`, with the
 * namespace when they run elsewhere, or the pods it declares with `declareClientPods`) on the Service's target
 * port; `allow-prometheus-to-<service>-<port>` per port a ServiceMonitor scrapes; `allow-ingress-to-<ingress>`
 * from the ingress controller to each Ingress backend; with restricted egress, `default-deny-egress`,
 * `allow-dns-egress` and `allow-<component>-egress`. A Service that trusts a login header admits the ingress
 * controller only, wherever it runs. The synth fails when an edge is admitted by no policy or by more than one.
 */
export class PlatformNetworkPolicies extends PlatformComponent {
  private generated = false;

  constructor(scope: Construct, id: string, props: PlatformComponentProps) {
    super(scope, id, 'network-policies', props);
  }

  /**
   * What the policies are derived from: the graph and the synthesized Services and Ingresses of the App.
   * @internal
   */
  public inputs(): NetworkPolicyInputs {
    const app = this.graph.platformScope;
    // Objects other charts generate at synth time (e.g. the Ingresses) first.
    for (const c of app.node.findAll()) if (PlatformIngresses.isPlatformIngresses(c)) c.prepareForSynth();
    const objects = app.node.findAll().filter(ApiObject.isApiObject);
    const of = (kind: string) => objects.filter((o) => o.kind === kind).map(manifestOf);
    return {
      env: this.environment,
      edges: this.graph.edges,
      workloads: this.graph.workloads,
      clientPods: this.graph.clientPods,
      discoverables: this.graph.discoverables,
      services: of('Service'),
      ingresses: of('Ingress'),
      workloadObjects: [...of('Deployment'), ...of('StatefulSet'), ...of('DaemonSet')],
    };
  }

  /** Generates the policies from the complete graph (called once, before rendering). */
  public prepareForSynth(): void {
    if (this.generated) return;
    this.generated = true;
    const inputs = this.inputs();
    const plan = planNetworkPolicies(inputs);
    const problems = [...plan.problems, ...(plan.problems.length ? [] : verifyPlan(inputs, plan))];
    if (problems.length > 0) {
      throw new PlatformValidationError(`environment '${this.environment.name}': the network policies cannot be derived`, problems);
    }
    for (const p of plan.policies) {
      new k8s.KubeNetworkPolicy(this, `NetworkPolicy.${p.namespace}.${p.name}`, {
        metadata: {
          name: p.name,
          namespace: p.namespace,
          labels: this.labelsFor('network-policy', 'v1'),
          annotations: { [ALLOWS_ANNOTATION]: p.allows.join('\n') },
        },
        spec: toL1Spec(p.spec),
      });
    }
  }

  public toJson(): any[] {
    this.prepareForSynth();
    return super.toJson();
  }
}

/** The planned spec (plain JSON) as the L1 props: ports become IntOrString. */
function toL1Spec(spec: Record<string, any>): k8s.NetworkPolicySpec {
  const ports = (list: any[] | undefined) => list?.map((p) => ({
    protocol: p.protocol, port: typeof p.port === 'number' ? k8s.IntOrString.fromNumber(p.port) : k8s.IntOrString.fromString(p.port),
  }));
  return {
    ...spec,
    podSelector: spec.podSelector,
    ingress: spec.ingress?.map((r: any) => ({ ...r, ports: ports(r.ports) })),
    egress: spec.egress?.map((r: any) => ({ ...r, ports: ports(r.ports) })),
  } as k8s.NetworkPolicySpec;
}
