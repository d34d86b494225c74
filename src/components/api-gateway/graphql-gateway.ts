import { Construct } from 'constructs';
import { PlatformComponent, PlatformComponentProps, WorkloadIdentity } from '../../core/component';
import { ServiceDescriptor } from '../../core/graph';
import { Image } from '../../core/image';
import { httpProbe } from '../../core/workload';
import { PORTAL_SERVICES_SERVICE } from '../portal-services/portal-services';

/** The gateway's Service, `graphql-gateway` on 4000, as in the reference pack. */
export const GRAPHQL_GATEWAY_SERVICE: ServiceDescriptor<'http'> = { component: 'api-gateway', name: 'graphql-gateway', ports: { http: 4000 } };

/** The GraphQL API the gateway serves: a Service port of a deployed component and the path of its GraphQL endpoint. */
export interface GraphqlUpstream<P extends string = string> {
  readonly service: ServiceDescriptor<P>;
  readonly port: P;
  /** @default '/graphql' */
  readonly path?: string;
}

/** Props of `GraphqlGateway`. The image and replicas are per environment (`components.apiGateway`). */
export interface GraphqlGatewayProps extends PlatformComponentProps {
  /**
   * The upstream GraphQL API. Its address is resolved through the graph (the FQDN of a Service synthesized in
   * the environment, and a recorded dependency, so Argo CD syncs the gateway after it).
   * @default - portal-services, port http, path /graphql
   */
  readonly upstream?: GraphqlUpstream;
}

/** The image's non-root user (`node`, uid 1000, in the official Node images the gateway is built on). */
const UID = 1000;

/**
 * The GraphQL gateway: Deployment and Service `graphql-gateway` (4000, selector `app: graphql-gateway` as in
 * the reference pack), Hive Gateway in proxy mode in front of portal-services.
 *
 * Encoded remediations: the image contains the gateway, so nothing is installed at start (the reference ran
 * `npm install` of an Apollo gateway on end-of-life Node 18 in an init container, and wrote its server code
 * inline); the only upstream is a Service deployed in the environment, addressed by FQDN (the reference
 * pointed at `datahub-gms` by bare name, and DataHub is not deployed); restricted profile with uid 1000, no
 * deviation; liveness and readiness probes (`/healthcheck`, `/readiness`: ready once the upstream schema is
 * loaded); at least one replica (the reference had 0 behind a live Ingress).
 */
export class GraphqlGateway extends PlatformComponent {
  /** The URL of the upstream GraphQL API. */
  public readonly upstreamUrl: string;

  constructor(scope: Construct, id: string, props: GraphqlGatewayProps) {
    super(scope, id, 'api-gateway', props);
    const cfg = props.environment.components.apiGateway;
    const image = Image.parse(cfg.image, this.where('components.apiGateway.image'));
    const upstream: GraphqlUpstream = props.upstream ?? { service: PORTAL_SERVICES_SERVICE, port: 'http' };
    this.upstreamUrl = this.endpoint(upstream.service, upstream.port).url('http', upstream.path ?? '/graphql');
    const version = image.tag;
    const selector = { app: GRAPHQL_GATEWAY_SERVICE.name };
    const workload: WorkloadIdentity = { name: GRAPHQL_GATEWAY_SERVICE.name, role: 'graphql-gateway', version, selector };

    this.addService(GRAPHQL_GATEWAY_SERVICE, { selector, role: 'graphql-gateway', version });
    this.addDeployment(workload, {
      replicas: cfg.replicas,
      // Kept from the reference: the gateway is not part of the mesh.
      podLabels: { 'sidecar.istio.io/inject': 'false' },
      podAnnotations: { 'sidecar.istio.io/inject': 'false' },
      pod: {
        fsGroup: UID,
        containers: [{
          name: 'gateway',
          image,
          // The image's entrypoint is the hive-gateway CLI; `proxy <url>` serves that GraphQL API (port from PORT).
          args: ['proxy', this.upstreamUrl],
          ports: { ...GRAPHQL_GATEWAY_SERVICE.ports },
          // FORK=1: with NODE_ENV=production the CLI otherwise forks one worker per CPU of the node, not of the
          // container's limit; the gateway scales by replicas instead. Node's compile cache goes to /tmp.
          env: { NODE_ENV: 'production', PORT: String(GRAPHQL_GATEWAY_SERVICE.ports.http), FORK: '1', HOME: '/tmp' },
          resources: this.resourcesFor(cfg.resources, 'resources'),
          security: { uid: UID, gid: UID },
          writablePaths: ['/tmp'],
          startupProbe: httpProbe('/healthcheck', 'http', { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 24 }),
          livenessProbe: httpProbe('/healthcheck', 'http', { periodSeconds: 20, timeoutSeconds: 3 }),
          readinessProbe: httpProbe('/readiness', 'http', { periodSeconds: 10, timeoutSeconds: 3 }),
        }],
      },
    });
    // The PodDisruptionBudget (replicas > 1) and the topology spread come from PlatformAvailability.

    this.addDiscoverable({
      id: 'graphql-api', name: 'GraphQL API', category: 'api', icon: 'code',
      description: 'Unified GraphQL API of the platform services',
      service: GRAPHQL_GATEWAY_SERVICE, port: 'http', health: { path: '/healthcheck' },
      publicHost: 'graphql', publicPath: '/graphql',
      // The reference Ingress (api-gateway chart): its name, path and CORS settings.
      ingress: {
        name: 'graphql-gateway', path: '/graphql',
        annotations: {
          'nginx.ingress.kubernetes.io/enable-cors': 'true',
          'nginx.ingress.kubernetes.io/cors-allow-methods': 'GET, POST, OPTIONS',
          'nginx.ingress.kubernetes.io/cors-allow-origin': '*',
        },
      },
    });
  }
}
