import { createHash } from 'crypto';
import { Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { PlatformComponent, PlatformComponentProps, WorkloadIdentity } from '../../core/component';
import { PlatformConfigError } from '../../core/errors';
import { ServiceDescriptor } from '../../core/graph';
import { Image } from '../../core/image';
import { httpProbe } from '../../core/workload';
import { registryJson } from './registry';

/** The portal's Service, `portal-services` on 8080, as in the reference pack. */
export const PORTAL_SERVICES_SERVICE: ServiceDescriptor<'http'> = { component: 'portal-services', name: 'portal-services', ports: { http: 8080 } };
/** The ConfigMap holding the service registry (`services.json`). */
export const PORTAL_REGISTRY_CONFIGMAP = 'portal-services-registry';
/** The ServiceAccount, Role and RoleBinding name. */
export const PORTAL_SERVICE_ACCOUNT = 'portal-services';
/** The HPA name, as in the reference pack. */
export const PORTAL_HPA = 'portal-services-hpa';
/** Where the registry is mounted and read from (`CONFIG_PATH`). */
export const PORTAL_REGISTRY_PATH = '/config/services.json';

/** The reference Deployment's selector (selectors are immutable, so it is kept exactly). */
const SELECTOR: Readonly<Record<string, string>> = {
  'app.kubernetes.io/name': 'portal-services',
  'app.kubernetes.io/instance': 'portal-services',
  'app': 'portal-services',
};

/** The non-root user of the image (the reference chart's runAsUser). */
const UID = 1000;

/**
 * What Kubernetes discovery reads, and nothing more: read-only verbs on the namespace's Services, Endpoints,
 * EndpointSlices and Pods. The reference Role could also update and patch ConfigMaps; that is gone.
 */
export const PORTAL_DISCOVERY_RULES: readonly k8s.PolicyRule[] = [
  { apiGroups: [''], resources: ['endpoints', 'pods', 'services'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
];

/** Props of `PortalServices`. The image, replicas, HPA bounds and pull Secrets are per environment (`components.portalServices`). */
export interface PortalServicesProps extends PlatformComponentProps {
  /**
   * The HTTP path of the service's health endpoint (liveness and readiness).
   * @default '/healthz'
   */
  readonly healthPath?: string;
}

/**
 * PortalServices: Deployment and Service `portal-services` (8080) serving the platform's service registry.
 *
 * Encoded remediations: the registry (ConfigMap `portal-services-registry`) is computed at synth time from the
 * endpoints the synthesized components register in the graph, so it never lists a service that is not deployed
 * and never misses one that is; the image is registry-qualified and pinned (the outage came from an image that
 * existed on one node only, plus a node affinity to that node: there is no node pinning at all); the restricted
 * profile with uid 1000 and a writable /tmp; discovery through its own ServiceAccount with a namespaced,
 * read-only Role; probes on the health endpoint; an HPA that alone owns the replica count; a
 * PodDisruptionBudget when more than one replica is guaranteed.
 */
export class PortalServices extends PlatformComponent {
  /** The image the Deployment runs. */
  public readonly image: Image;

  constructor(scope: Construct, id: string, props: PortalServicesProps) {
    super(scope, id, 'portal-services', props);
    const cfg = props.environment.components.portalServices;
    this.image = Image.parse(cfg.image, this.where('components.portalServices.image'));
    const version = this.image.tag;
    const healthPath = props.healthPath ?? '/healthz';
    for (const s of cfg.imagePullSecrets) {
      if (!props.environment.external.secrets[s]) {
        throw new PlatformConfigError(this.where('components.portalServices.imagePullSecrets'), `pull Secret '${s}' is not declared`,
          `declare it under external.secrets.${s} (keys: ['.dockerconfigjson']) or remove it`);
      }
    }

    this.graph.consumeRegistry(this.component);
    const registry = () => registryJson(this.graph.discoverables, {
      namespace: this.ns, domain: props.environment.domain, cloudflareAccess: cfg.cloudflareAccess, timeoutMs: cfg.healthTimeoutMs,
      published: props.environment.components.ingress.enabled,
    });
    this.addConfigMap(PORTAL_REGISTRY_CONFIGMAP, { 'services.json': Lazy.any({ produce: registry }) as unknown as string }, 'registry', version);

    const workload: WorkloadIdentity = { name: 'portal-services', role: 'portal', version, selector: SELECTOR };
    const discovery = cfg.kubernetesDiscovery;
    this.addRbac(version, discovery);
    this.addService(PORTAL_SERVICES_SERVICE, { selector: SELECTOR, role: 'portal', version });
    this.addDeployment(workload, {
      replicas: cfg.autoscaling ? undefined : (cfg.replicas ?? 1),
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) } },
      // A registry change rolls the pods, so they never serve an old list.
      podAnnotations: { 'checksum/registry': Lazy.any({ produce: () => createHash('sha256').update(registry()).digest('hex') }) as unknown as string },
      pod: {
        serviceAccountName: PORTAL_SERVICE_ACCOUNT,
        automountServiceAccountToken: discovery,
        imagePullSecrets: cfg.imagePullSecrets,
        fsGroup: UID,
        volumes: [{ name: 'config', configMap: { name: PORTAL_REGISTRY_CONFIGMAP } }],
        containers: [{
          name: 'portal-services',
          image: this.image,
          ports: { ...PORTAL_SERVICES_SERVICE.ports },
          env: { NODE_ENV: 'production', PORT: String(PORTAL_SERVICES_SERVICE.ports.http), CONFIG_PATH: PORTAL_REGISTRY_PATH },
          resources: this.resourcesFor(cfg.resources, 'resources'),
          security: { uid: UID, gid: UID },
          // /tmp for the process; /.npm because npm keeps its cache in $HOME/.npm and HOME is / for uid 1000
          // (the reference chart mounts both for that reason).
          writablePaths: ['/tmp', '/.npm'],
          mounts: [{ name: 'config', mountPath: '/config', readOnly: true }],
          livenessProbe: httpProbe(healthPath, 'http', { initialDelaySeconds: 15, periodSeconds: 20, timeoutSeconds: 3 }),
          readinessProbe: httpProbe(healthPath, 'http', { initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 3 }),
        }],
      },
    });

    if (cfg.autoscaling) {
      this.addHorizontalPodAutoscaler(workload, { name: PORTAL_HPA, ...cfg.autoscaling });
    }
    // The PodDisruptionBudget (HPA minReplicas > 1) and the topology spread come from PlatformAvailability.
  }

  private addRbac(version: string, discovery: boolean): void {
    const labels = this.labelsFor('rbac', version);
    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: { name: PORTAL_SERVICE_ACCOUNT, labels } });
    if (!discovery) return;
    new k8s.KubeRole(this, 'Role', {
      metadata: { name: PORTAL_SERVICE_ACCOUNT, labels },
      rules: PORTAL_DISCOVERY_RULES.map((r) => ({ ...r, apiGroups: [...(r.apiGroups ?? [])], resources: [...(r.resources ?? [])], verbs: [...r.verbs] })),
    });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: { name: PORTAL_SERVICE_ACCOUNT, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: PORTAL_SERVICE_ACCOUNT },
      subjects: [{ kind: 'ServiceAccount', name: PORTAL_SERVICE_ACCOUNT, namespace: this.ns }],
    });
  }
}
