import { Construct } from 'constructs';
import { DorisCluster, DorisClusterComponentSpec } from '../../../imports/doris.selectdb.com';
import { PlatformComponent, PlatformComponentProps } from '../../core/component';
import { PlatformConfigError } from '../../core/errors';
import { ServiceDescriptor } from '../../core/graph';
import { Image } from '../../core/image';
import { checkResources } from '../../core/resources';

/** The DorisCluster name; the operator names the FE query Service `<name>-fe-service` (the reference Ingress target). */
export const DORIS_CLUSTER = 'doris';

/** The FE Service the operator creates (HTTP 8030, MySQL protocol 9030). */
export const DORIS_FE_SERVICE: ServiceDescriptor<'http' | 'query'> = { component: 'doris', name: `${DORIS_CLUSTER}-fe-service`, ports: { http: 8030, query: 9030 } };

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
        requests: { ...r.resources.requests },
        limits: { ...r.resources.limits },
        persistentVolumes: [{
          name: `${kind}-data`,
          mountPath: dataPath,
          persistentVolumeClaimSpec: { accessModes: ['ReadWriteOnce'], storageClassName: env.storageClass, resources: { requests: { storage: r.storage } } },
        }],
      };
    };
    new DorisCluster(this, `DorisCluster.${DORIS_CLUSTER}`, {
      metadata: { name: DORIS_CLUSTER, labels: this.labelsFor('olap', cfg.version) },
      spec: {
        feSpec: role('fe', '/opt/apache-doris/fe/doris-meta'),
        beSpec: role('be', '/opt/apache-doris/be/storage'),
      },
    });
  }
}
