// Graph wiring: how a component finds its providers and tells the platform what it offers. Each function
// records an edge (or an entry) in the component's `PlatformGraph` and returns what the caller needs; the
// platform layer derives sync waves, network policies, the portal registry and the reference checks from it.
// `PlatformComponent` exposes them as methods (`this.endpoint(...)`, `this.secretKeyRef(...)`, ...).
import type { k8s } from 'cdk8s-plus-28';
import { PlatformConfigError } from '../errors';
import type { DiscoverableEndpoint, Endpoint, SecretDescriptor, ServiceDescriptor } from '../graph';
import { serviceFqdn } from '../names';
import type { PlatformComponent } from './component';

/** Where a discoverable endpoint's health is checked (see `DiscoverableOptions.health`). */
export interface DiscoverableHealthOptions<H extends string> {
  /** The HTTP path of the health check; starts with `/`, e.g. `/actuator/health`. */
  readonly path: string;
  /**
   * The Service whose port is checked: one of this component's.
   * @default - the endpoint's own `service`
   */
  readonly service?: ServiceDescriptor<H>;
  /**
   * The port name on that Service.
   * @default - the endpoint's own `port`
   */
  readonly port?: H;
}

/** A user-facing endpoint of a component (a UI or API people open), for the portal's service registry. */
export interface DiscoverableOptions<P extends string, H extends string = P> {
  /** A stable id, unique in the environment, e.g. `dolphinscheduler`. */
  readonly id: string;
  /** The display name, e.g. `DolphinScheduler`. */
  readonly name: string;
  /** The portal's category. */
  readonly category: DiscoverableEndpoint['category'];
  /** One sentence for the portal. */
  readonly description: string;
  /** The portal's icon name, e.g. `workflow`. */
  readonly icon: string;
  /** The Service users' traffic reaches in the cluster: one of this component's. */
  readonly service: ServiceDescriptor<P>;
  /** The port name on `service`. */
  readonly port: P;
  /** Where health is checked. */
  readonly health: DiscoverableHealthOptions<H>;
  /**
   * The public host; the external URL is `https://<prefix>.<domain><publicPath>`.
   * @default - reachable in the cluster only
   */
  readonly publicHost?: DiscoverableEndpoint['publicHost'];
  /**
   * The path of the external URL; starts with `/`.
   * @default ''
   */
  readonly publicPath?: string;
  /**
   * How the endpoint is published on its public host.
   * @default - the defaults of `PublicIngressOptions`
   */
  readonly ingress?: DiscoverableEndpoint['ingress'];
  /**
   * The request header this endpoint trusts as the logged-in user (see `DiscoverableEndpoint.identityHeader`).
   * @default - it trusts no header
   */
  readonly identityHeader?: string;
}

/** Builds an Endpoint. */
export function makeEndpoint(host: string, port: number): Endpoint {
  return {
    host,
    port,
    hostPort: `${host}:${port}`,
    url: (scheme: string, path = '') => `${scheme}://${host}:${port}${path}`,
  };
}

/** The FQDN endpoint of a provider's Service port; records the dependency edge (see `PlatformComponent.endpoint`). */
export function endpointOf<P extends string>(c: PlatformComponent, service: ServiceDescriptor<P>, port: P): Endpoint {
  const portNumber = service.ports[port];
  if (portNumber === undefined) {
    throw new PlatformConfigError(c.where(), `Service ${service.name} has no port '${port}'`, `use one of ${Object.keys(service.ports).join(', ')}`);
  }
  c.graph.addEdge({ from: c.component, to: service.component, kind: 'service', target: service.name, detail: port });
  return makeEndpoint(serviceFqdn(service.name, service.namespace ?? c.ns), portNumber);
}

/** The endpoint of an external dependency the environment declares (see `PlatformComponent.externalEndpoint`). */
export function externalEndpointOf(c: PlatformComponent, id: string): Endpoint {
  const ext = c.environment.external.services[id];
  if (!ext) {
    throw new PlatformConfigError(c.where(), `external service '${id}' is not declared`,
      `declare it under external.services.${id} ({service, namespace?, port} or {host, port})`);
  }
  c.graph.addEdge({ from: c.component, to: 'external', kind: 'service', target: id });
  return makeEndpoint(ext.service ? serviceFqdn(ext.service, ext.namespace ?? c.ns) : ext.host!, ext.port);
}

/** A secretKeyRef to a key of a Secret a component produces; records the edge (see `PlatformComponent.secretKeyRef`). */
export function secretKeyRefOf<K extends string>(c: PlatformComponent, secret: SecretDescriptor<K>, key: NoInfer<K>): k8s.EnvVarSource {
  if (!secret.keys.includes(key)) {
    throw new PlatformConfigError(c.where(), `Secret ${secret.name} has no key '${key}'`, `use one of ${secret.keys.join(', ')}`);
  }
  c.graph.addEdge({ from: c.component, to: secret.component, kind: 'secret', target: secret.name, detail: key });
  return { secretKeyRef: { name: secret.name, key } };
}

/** A secretKeyRef to a Secret the environment declares under `external.secrets` (see `PlatformComponent.externalSecretKeyRef`). */
export function externalSecretKeyRefOf(c: PlatformComponent, name: string, key: string, namespace?: string): k8s.EnvVarSource {
  const ext = c.environment.external.secrets[name];
  if (ext && (ext.namespace ?? c.ns) !== (namespace ?? c.ns)) {
    throw new PlatformConfigError(c.where(), `external Secret '${name}' is declared in namespace '${ext.namespace ?? c.ns}' but used in '${namespace ?? c.ns}'`,
      `declare a Secret in namespace '${namespace ?? c.ns}' (external.secrets.<name>.namespace) and reference that one`);
  }
  if (!ext) {
    throw new PlatformConfigError(c.where(), `Secret '${name}' is neither produced by the platform nor declared external`,
      `declare it under external.secrets.${name}.keys, or reference a Secret a component produces`);
  }
  if (!ext.keys.includes(key)) {
    throw new PlatformConfigError(c.where(), `external Secret '${name}' has no key '${key}' (it declares ${ext.keys.join(', ')})`,
      `use one of ${ext.keys.join(', ')} or add '${key}' to external.secrets.${name}.keys`);
  }
  c.graph.addEdge({ from: c.component, to: 'external', kind: 'secret', target: name, detail: key });
  return { secretKeyRef: { name, key } };
}

/** Registers a user-facing endpoint in the graph after checking it (see `PlatformComponent.addDiscoverable`). */
export function addDiscoverableTo<P extends string, H extends string = P>(c: PlatformComponent, entry: DiscoverableOptions<P, H>): void {
  const healthService: ServiceDescriptor = entry.health.service ?? entry.service;
  const healthPort: string = entry.health.port ?? entry.port;
  for (const [svc, port] of [[entry.service, entry.port], [healthService, healthPort]] as const) {
    if (svc.component !== c.component) {
      throw new PlatformConfigError(c.where(`discoverable '${entry.id}'`), `Service ${svc.name} belongs to component '${svc.component}'`,
        'register only endpoints of Services this component provides');
    }
    if ((svc.ports as Record<string, number>)[port] === undefined) {
      throw new PlatformConfigError(c.where(`discoverable '${entry.id}'`), `Service ${svc.name} has no port '${port}'`, `use one of ${Object.keys(svc.ports).join(', ')}`);
    }
  }
  if (!entry.health.path.startsWith('/') || (entry.publicPath !== undefined && !entry.publicPath.startsWith('/'))) {
    throw new PlatformConfigError(c.where(`discoverable '${entry.id}'`), 'paths must start with /', "write e.g. '/actuator/health'");
  }
  c.graph.addDiscoverable({
    component: c.component, id: entry.id, name: entry.name, category: entry.category, description: entry.description, icon: entry.icon,
    service: entry.service, port: entry.port, health: { service: healthService, port: healthPort, path: entry.health.path },
    publicHost: entry.publicHost, publicPath: entry.publicPath, ingress: entry.ingress, identityHeader: entry.identityHeader,
  });
}

/** Declares pods that act for the component without being synthesized by it (see `PlatformComponent.declareClientPods`). */
export function declareClientPodsOf(c: PlatformComponent, namespace: string, podSelector: Readonly<Record<string, string>>, reason: string): void {
  if (Object.keys(podSelector).length === 0) {
    throw new PlatformConfigError(c.where('client pods'), 'an empty pod selector selects every pod of the namespace', 'give the labels of exactly those pods');
  }
  c.graph.addClientPods({ component: c.component, namespace, podSelector: { ...podSelector }, reason });
}
