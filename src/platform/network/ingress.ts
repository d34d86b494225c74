import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { PlatformComponent, PlatformComponentProps } from '../../core/component';
import { PlatformConfigError, PlatformValidationError } from '../../core/errors';
import type { DiscoverableEndpoint } from '../../core/graph';
import { publicHost } from '../../core/hosts';
import type { EnvironmentConfig } from '../../config/schema';

/** The ingress-nginx annotation prefix. */
export const NGINX = 'nginx.ingress.kubernetes.io';

const INGRESSES = Symbol.for('@254carbon/data-platform.PlatformIngresses');

/** One Ingress to render for a published endpoint. */
export interface PublishedEndpoint {
  readonly endpoint: DiscoverableEndpoint;
  readonly name: string;
  readonly namespace: string;
  readonly host: string;
  readonly path: string;
}

/** The endpoints of the graph that have a public host, with the name, namespace, host and path of their Ingress. */
export function publishedEndpoints(env: EnvironmentConfig, endpoints: readonly DiscoverableEndpoint[]): PublishedEndpoint[] {
  return endpoints.filter((d) => d.publicHost !== undefined).map((d) => {
    const namespace = d.service.namespace ?? env.namespace;
    // Objects in a namespace the environments share carry the environment's suffix.
    const name = `${d.ingress?.name ?? d.id}${namespace === env.namespace ? '' : env.sharedObjectSuffix}`;
    return { endpoint: d, name, namespace, host: publicHost(d.publicHost!, env.domain), path: d.ingress?.path ?? '/' };
  });
}

/**
 * Problems of the endpoints that trust a login header set by the ingress: the environment must publish them
 * through an Ingress whose single sign-on sets that header from the authentication response (which replaces any
 * value a client sends), and render network policies (so that nothing but the ingress controller reaches them).
 */
export function identityHeaderProblems(env: EnvironmentConfig, endpoints: readonly DiscoverableEndpoint[]): PlatformConfigError[] {
  const out: PlatformConfigError[] = [];
  for (const d of endpoints.filter((x) => x.identityHeader)) {
    const where = `environment '${env.name}', component '${d.component}', endpoint '${d.id}'`;
    const header = d.identityHeader!;
    const sso = env.components.ingress.singleSignOn;
    const untrusted = `${d.name} logs in whoever the ${header} header names`;
    if (!env.components.ingress.enabled || !d.publicHost) {
      out.push(new PlatformConfigError(where, `${untrusted}, but the environment publishes it through no Ingress, so nothing sets that header`,
        `enable components.ingress with singleSignOn, or turn off the header login of '${d.component}'`));
    } else if (!sso || !sso.responseHeaders.some((h) => h.toLowerCase() === header.toLowerCase())) {
      out.push(new PlatformConfigError(`${where}, components.ingress.singleSignOn`, `${untrusted}, but the ingress does not set it from its authentication response${sso ? ` (it sets ${sso.responseHeaders.join(', ')})` : ''}, so a client could send its own`,
        `add '${header}' to components.ingress.singleSignOn.responseHeaders (and configure singleSignOn), or turn off the header login of '${d.component}'`));
    }
    if (!env.components.networkPolicies.enabled) {
      out.push(new PlatformConfigError(`${where}, components.networkPolicies.enabled`, `${untrusted}, so it must be reachable from the ingress controller only, but network policies are off`,
        `set components.networkPolicies.enabled: true, or turn off the header login of '${d.component}'`));
    }
  }
  return out;
}

/**
 * One Ingress per user-facing endpoint with a public host, written to `charts-out/<env>/ingress/`. Derived at
 * synth time from the endpoints the synthesized components register in the graph (`addDiscoverable` with
 * `publicHost`), so exactly the deployed UIs and APIs are published and internal-only Services never are. The
 * host is `<prefix>.<domain>` (`PUBLIC_HOST_PREFIXES`, the names the portal links to); the class, TLS
 * (cert-manager issuer, Secret names), the HTTPS redirect and single sign-on come from the environment
 * (`components.ingress`). Every Ingress lives in its backend Service's namespace.
 */
export class PlatformIngresses extends PlatformComponent {
  /** Whether a construct is a PlatformIngresses (`instanceof` is true for every cdk8s Chart). */
  public static isPlatformIngresses(x: unknown): x is PlatformIngresses {
    return typeof x === 'object' && x !== null && (x as { [INGRESSES]?: boolean })[INGRESSES] === true;
  }

  public readonly [INGRESSES] = true;
  private generated = false;

  constructor(scope: Construct, id: string, props: PlatformComponentProps) {
    super(scope, id, 'ingress', props);
  }

  /** The annotations every Ingress of the environment carries (TLS issuer, HTTPS redirect, single sign-on). */
  public commonAnnotations(): Record<string, string> {
    const cfg = this.environment.components.ingress;
    const out: Record<string, string> = { [`${NGINX}/ssl-redirect`]: String(cfg.sslRedirect && cfg.tls.enabled) };
    if (cfg.tls.enabled && cfg.tls.clusterIssuer) out['cert-manager.io/cluster-issuer'] = cfg.tls.clusterIssuer;
    if (cfg.singleSignOn) {
      out[`${NGINX}/auth-url`] = cfg.singleSignOn.authUrl;
      out[`${NGINX}/auth-signin`] = cfg.singleSignOn.signinUrl;
      // Copied from the authentication response onto the upstream request (proxy_set_header): a value the
      // client sent in the same header is replaced, or dropped when the response has none.
      out[`${NGINX}/auth-response-headers`] = cfg.singleSignOn.responseHeaders.join(',');
    }
    return out;
  }

  /** Generates the Ingresses from the complete graph (called once, before rendering). */
  public prepareForSynth(): void {
    if (this.generated) return;
    this.generated = true;
    const env = this.environment;
    const cfg = env.components.ingress;
    const problems = identityHeaderProblems(env, this.graph.discoverables);
    if (problems.length === 1) throw problems[0];
    if (problems.length > 1) throw new PlatformValidationError(`environment '${env.name}': endpoints that trust a login header`, problems.map((e) => e.message));
    if (!cfg.enabled) return;
    const common = this.commonAnnotations();
    const seen = new Map<string, string>();
    for (const p of publishedEndpoints(env, this.graph.discoverables)) {
      const d = p.endpoint;
      for (const [key, other] of [[`${p.namespace}/${p.name}`, d.id], [`${p.host}${p.path}`, d.id]]) {
        if (seen.has(key)) {
          throw new PlatformConfigError(this.where(`Ingress ${p.name}`), `endpoints '${seen.get(key)}' and '${other}' would both publish ${key}`, 'give one of them another ingress name or public host');
        }
        seen.set(key, other);
      }
      const port = (d.service.ports as Record<string, number>)[d.port];
      new k8s.KubeIngress(this, `Ingress.${p.namespace}.${p.name}`, {
        metadata: {
          name: p.name,
          namespace: p.namespace,
          labels: { ...this.labelsFor('ingress', 'v1'), 'platform.254carbon.com/endpoint': d.id },
          annotations: { ...common, ...(d.ingress?.annotations ?? {}) },
        },
        spec: {
          ingressClassName: cfg.className,
          tls: cfg.tls.enabled ? [{ hosts: [p.host], secretName: cfg.tls.secretName.replace('{name}', p.name) }] : undefined,
          rules: [{
            host: p.host,
            http: { paths: [{ path: p.path, pathType: 'Prefix', backend: { service: { name: d.service.name, port: { number: port } } } }] },
          }],
        },
      });
    }
  }

  public toJson(): any[] {
    this.prepareForSynth();
    return super.toJson();
  }
}
