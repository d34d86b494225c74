import { Construct } from 'constructs';
import { DorisCluster, DorisClusterComponentSpec } from '../../../imports/doris.selectdb.com';
import { componentSelector, PlatformComponent, PlatformComponentProps } from '../../core/component';
import { PlatformConfigError } from '../../core/errors';
import { ServiceDescriptor } from '../../core/graph';
import { Image } from '../../core/image';
import { checkResources } from '../../core/resources';

/** The DorisCluster name; the operator names the FE query Service `<name>-fe-service` (the reference Ingress target). */
export const DORIS_CLUSTER = 'doris';

/** The FE Service the operator creates (HTTP 8030, MySQL protocol 9030). */
export const DORIS_FE_SERVICE: ServiceDescriptor<'http' | 'query'> = { component: 'doris', name: `${DORIS_CLUSTER}-fe-service`, ports: { http: 8030, query: 9030 } };

/** Labels the Doris Operator puts on the FE pods of a DorisCluster (its StatefulSet selector). */
export const DORIS_FE_POD_SELECTOR: Readonly<Record<string, string>> = {
  'app.doris.ownerreference/name': `${DORIS_CLUSTER}-fe`,
  'app.kubernetes.io/component': 'fe',
};

/**
 * The FE's HTTP port (web UI and /api/health) as a Service the platform owns, selecting the operator's FE pods:
 * the Ingress and the portal route to it, so their backend is a synthesized Service and port.
 */
export const DORIS_FE_HTTP_SERVICE: ServiceDescriptor<'http'> = { component: 'doris', name: `${DORIS_CLUSTER}-fe-http`, ports: { http: 8030 } };

/** Props of `Doris`. */
export interface DorisProps extends PlatformComponentProps {
  /**
   * The image repository of the FE and BE images (`<repo>:fe-<version>`, `<repo>:be-<version>`).
   * @default docker.io/apache/doris
   */
  readonly imageRepository?: string;
}

/**
 * Doris as a `DorisCluster` (doris.selectdb.com/v1) for the Doris Operator, instead of hand-written
 * StatefulSets (the old FE image lacked its start script). Off by default in every environment; enabling it
 * without declaring the operator installed (`components.doris.operatorInstalled`) fails the synth, because
 * nothing would reconcile the object.
 */
export class Doris extends PlatformComponent {
  constructor(scope: Construct, id: string, props: DorisProps) {
    super(scope, id, 'doris', props);
    const env = props.environment;
    const cfg = env.components.doris;
    if (!cfg.operatorInstalled) {
      throw new PlatformConfigError(this.where('components.doris.enabled'),
        'Doris is enabled, but the Doris Operator is not declared installed, so nothing would reconcile the DorisCluster',
        'install the Doris Operator and its dorisclusters.doris.selectdb.com CRD, then set components.doris.operatorInstalled: true; or keep components.doris.enabled: false');
    }
    const repo = props.imageRepository ?? 'docker.io/apache/doris';
    const role = (kind: 'fe' | 'be', dataPath: string): DorisClusterComponentSpec => {
      const r = cfg[kind];
      checkResources(r.resources, this.where(`components.doris.${kind}.resources`));
      const image = Image.parse(`${repo}:${kind}-${cfg.version}`, this.where('components.doris.version'));
      return {
        replicas: r.replicas,
        image: image.reference,
        imagePullSecrets: env.imagePullSecrets.length ? env.imagePullSecrets.map((name) => ({ name })) : undefined,
        // The component's name/instance labels on the operator's pods, so that network policies select them.
        podLabels: componentSelector(this.component, env.name),
        requests: { ...r.resources.requests },
        limits: { ...r.resources.limits },
        persistentVolumes: [{
          name: `${kind}-data`,
          mountPath: dataPath,
          persistentVolumeClaimSpec: { accessModes: ['ReadWriteOnce'], storageClassName: env.storageClass, resources: { requests: { storage: r.storage } } },
        }],
      };
    };
    const version = cfg.version;
    // The operator's FE and BE pods talk to each other (heartbeats, query fragments): a component-internal path.
    this.declareClientPods(this.ns, componentSelector(this.component, env.name), 'the FE and BE pods the Doris Operator creates from the DorisCluster');
    this.addService(DORIS_FE_HTTP_SERVICE, { selector: DORIS_FE_POD_SELECTOR, role: 'fe', version });
    this.endpoint(DORIS_FE_HTTP_SERVICE, 'http'); // the BE and FE pods reach the FE: a path inside the component
    this.addDiscoverable({
      id: 'doris', name: 'Doris', category: 'data', icon: 'database',
      description: 'Real-time analytical database (Apache Doris)',
      service: DORIS_FE_HTTP_SERVICE, port: 'http', health: { path: '/api/health' }, publicHost: 'doris',
      ingress: { name: 'doris-fe' },
    });
    new DorisCluster(this, `DorisCluster.${DORIS_CLUSTER}`, {
      metadata: { name: DORIS_CLUSTER, labels: this.labelsFor('olap', cfg.version) },
      spec: {
        feSpec: role('fe', '/opt/apache-doris/fe/doris-meta'),
        beSpec: role('be', '/opt/apache-doris/be/storage'),
      },
    });
  }
}
