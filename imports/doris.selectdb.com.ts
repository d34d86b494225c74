// Hand-written binding (not generated): the DorisCluster CRD is not among the CRDs in ../shared/crds, so
// `npm run import-crds` cannot generate it. It covers the subset of doris.selectdb.com/v1 DorisCluster that
// the platform emits, with the field names of the Doris Operator's API reference (doc/api.md: DorisClusterSpec,
// BaseSpec, PersistentVolume, ConfigMapInfo). Regenerate from the CRD with `cdk8s import` once it is vendored.
import { ApiObject, ApiObjectMetadata, GroupVersionKind } from 'cdk8s';
import { Construct } from 'constructs';

/**
 * A Doris cluster reconciled by the Doris Operator.
 *
 * @schema DorisCluster
 */
export class DorisCluster extends ApiObject {
  /** Returns the apiVersion and kind for "DorisCluster". */
  public static readonly GVK: GroupVersionKind = {
    apiVersion: 'doris.selectdb.com/v1',
    kind: 'DorisCluster',
  };

  /** Renders a Kubernetes manifest for "DorisCluster". */
  public static manifest(props: DorisClusterProps): any {
    return { ...DorisCluster.GVK, ...toJson_DorisClusterProps(props) };
  }

  public constructor(scope: Construct, id: string, props: DorisClusterProps) {
    super(scope, id, { ...DorisCluster.GVK, ...props });
  }

  /** Renders the object to Kubernetes JSON. */
  public override toJson(): any {
    const resolved = super.toJson();
    return { ...DorisCluster.GVK, ...toJson_DorisClusterProps(resolved) };
  }
}

/** @schema DorisCluster */
export interface DorisClusterProps {
  readonly metadata?: ApiObjectMetadata;
  readonly spec: DorisClusterSpec;
}

/** @schema DorisClusterSpec */
export interface DorisClusterSpec {
  /** The frontend (FE) nodes. */
  readonly feSpec: DorisClusterComponentSpec;
  /** The backend (BE) nodes. */
  readonly beSpec?: DorisClusterComponentSpec;
}

/** The BaseSpec members the platform sets (shared by feSpec and beSpec). */
export interface DorisClusterComponentSpec {
  readonly replicas?: number;
  readonly image: string;
  readonly imagePullSecrets?: Array<{ readonly name: string }>;
  /** Embedded core/v1 ResourceRequirements. */
  readonly requests?: { [key: string]: string };
  /** Embedded core/v1 ResourceRequirements. */
  readonly limits?: { [key: string]: string };
  readonly configMapInfo?: DorisClusterConfigMapInfo;
  readonly persistentVolumes?: DorisClusterPersistentVolume[];
  readonly podLabels?: { [key: string]: string };
  readonly fsGroup?: number;
}

/** @schema ConfigMapInfo */
export interface DorisClusterConfigMapInfo {
  readonly configMapName: string;
  /** The key of the component's configuration file, e.g. `fe.conf`. */
  readonly resolveKey: string;
}

/** @schema PersistentVolume */
export interface DorisClusterPersistentVolume {
  readonly name: string;
  readonly mountPath: string;
  readonly persistentVolumeClaimSpec: {
    readonly accessModes: string[];
    readonly storageClassName?: string;
    readonly resources: { readonly requests: { readonly storage: string } };
  };
}

/** Converts 'DorisClusterProps' to its JSON representation (undefined values dropped). */
export function toJson_DorisClusterProps(obj: DorisClusterProps | undefined): Record<string, any> | undefined {
  if (obj === undefined) { return undefined; }
  return dropUndefined({ metadata: obj.metadata, spec: dropUndefined({ feSpec: component(obj.spec.feSpec), beSpec: component(obj.spec.beSpec) }) });
}

function component(c: DorisClusterComponentSpec | undefined): Record<string, any> | undefined {
  if (c === undefined) { return undefined; }
  return dropUndefined({
    replicas: c.replicas, image: c.image, imagePullSecrets: c.imagePullSecrets, requests: c.requests, limits: c.limits,
    configMapInfo: c.configMapInfo, persistentVolumes: c.persistentVolumes, podLabels: c.podLabels, fsGroup: c.fsGroup,
  });
}

function dropUndefined(o: Record<string, any>): Record<string, any> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
