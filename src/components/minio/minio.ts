import { JsonPatch, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { PlatformComponent, PlatformComponentProps } from '../../core/component';
import { PlatformConfigError } from '../../core/errors';
import { SecretDescriptor, ServiceDescriptor } from '../../core/graph';
import { Image } from '../../core/image';
import { httpProbe } from '../../core/workload';
import { PolicyException } from '../../../imports/kyverno.io';
import { admittedObjects, controllerSubjects, CREATING_CONTROLLER, simulateAdmission } from '../../platform/policies/admission';
import { policiesInUse } from '../../platform/policies/policies';
import { migrationScript, MigrationPhase } from './migration';

/** The S3 API and console Service, `minio-service`, as in the reference pack. */
export const MINIO_SERVICE: ServiceDescriptor<'minio-api' | 'minio-console'> = {
  component: 'minio',
  name: 'minio-service',
  ports: { 'minio-api': 9000, 'minio-console': 9001 },
};
/** The headless Service of the StatefulSet. */
export const MINIO_HEADLESS_SERVICE: ServiceDescriptor<'minio-api'> = { component: 'minio', name: 'minio-headless', ports: { 'minio-api': 9000 } };
/** The headless Service of the current server's StatefulSet `minio-v2` (the legacy `minio-headless` governs `minio`). */
export const MINIO_V2_HEADLESS_SERVICE: ServiceDescriptor<'minio-api'> = { component: 'minio', name: 'minio-v2-headless', ports: { 'minio-api': 9000 } };
/** The console-only Service (the Ingress target). */
export const MINIO_CONSOLE_SERVICE: ServiceDescriptor<'minio-console'> = { component: 'minio', name: 'minio-console', ports: { 'minio-console': 9001 } };

/** Keys of the MinIO root-credentials Secret. */
export type MinioCredentialKey = 'access-key' | 'secret-key';

/**
 * Buckets created whatever is deployed: the Velero backups (Velero runs outside this project). Every other
 * bucket is claimed in the graph by the component that needs it (e.g. the Iceberg warehouse by the REST catalog).
 */
export const PLATFORM_BUCKETS: readonly string[] = ['velero-backups'];

/**
 * The default server image: the maintained community build of MinIO (pgsty/minio, "Silo"). MinIO Inc. stopped
 * publishing images in October 2025 (the official ones are frozen at RELEASE.2025-09-07T16-13-09Z, before the
 * CVE-2025-62506 fix) and archived the project; RELEASE.2026-08-04T00-00-00Z is the fork's last release under
 * the `minio` name, kept published unchanged, S3/env/route compatible; it ships the client as `mcli` with an
 * `mc` alias, so the bucket Job runs the same image.
 */
export const MINIO_DEFAULT_IMAGE = 'docker.io/pgsty/minio:RELEASE.2026-08-04T00-00-00Z';

/** Props of `MinIO`. */
export interface MinioProps extends PlatformComponentProps {
  /**
   * The server image (a maintained release, pinned).
   * @default MINIO_DEFAULT_IMAGE (docker.io/pgsty/minio:RELEASE.2026-08-04T00-00-00Z)
   */
  readonly image?: string;
  /**
   * The client image of the bucket-initialisation Job (needs `mc` or `mcli` and `sh`).
   * @default - the server image, which ships the client
   */
  readonly clientImage?: string;
  /**
   * Buckets to create besides the platform's own and those other components claim.
   * @default - none
   */
  readonly extraBuckets?: readonly string[];
}

const UID = 1000;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * MinIO standalone: StatefulSet `minio` (API 9000, console 9001) on a persistent volume, non-root, with the
 * root credentials from a Secret reference, and a PostSync Job `minio-init-buckets` that creates, idempotently
 * and private, every bucket the platform needs: its own (`iceberg-warehouse`, `velero-backups`) plus every
 * bucket another component claims in the graph.
 */
export class MinIO extends PlatformComponent {
  public static readonly SERVICE = MINIO_SERVICE;

  /** The root credentials Secret (declared external by the environment). */
  public readonly credentials: SecretDescriptor<MinioCredentialKey>;
  /** The S3 region. */
  public readonly region: string;
  /** The migration phase (`components.minio.migration.phase`). */
  public readonly phase: MigrationPhase;

  constructor(scope: Construct, id: string, props: MinioProps) {
    super(scope, id, 'minio', props);
    const cfg = props.environment.components.minio;
    const image = Image.parse(props.image ?? MINIO_DEFAULT_IMAGE, this.where('image'));
    const mc = props.clientImage ? Image.parse(props.clientImage, this.where('clientImage')) : image;
    this.region = cfg.region;
    this.credentials = { component: 'external', name: cfg.rootCredentialsSecret, keys: ['access-key', 'secret-key'] };
    const version = image.tag;
    const phase: MigrationPhase = cfg.migration.phase;
    this.phase = phase;
    const legacyRuns = phase !== 'done';
    const currentRuns = phase !== 'legacy';
    const clientsOnNew = phase === 'switched' || phase === 'done';
    // The Services clients use keep their names; their selector follows the phase (a selector of a Service is mutable).
    const legacySelector = { app: 'minio' };
    const selector = { app: 'minio-v2' };
    const serving = clientsOnNew ? selector : legacySelector;
    const credEnv = {
      MINIO_ROOT_USER: this.externalSecretKeyRef(this.credentials.name, 'access-key'),
      MINIO_ROOT_PASSWORD: this.externalSecretKeyRef(this.credentials.name, 'secret-key'),
    };

    this.addService(MINIO_HEADLESS_SERVICE, { selector: serving, role: 'object-storage', version, headless: true });
    this.addService(MINIO_SERVICE, { selector: serving, role: 'object-storage', version });
    this.addService(MINIO_CONSOLE_SERVICE, { selector: serving, role: 'object-storage', version });

    if (legacyRuns) this.addLegacyServer(cfg.migration.legacyImage, cfg.migration.legacyStorage ?? cfg.storage);
    if (currentRuns) {
      this.addService(MINIO_V2_HEADLESS_SERVICE, { selector, role: 'object-storage', version, headless: true });
      const sts = this.addStatefulSet({ name: 'minio-v2', role: 'object-storage', version, selector }, {
        replicas: 1,
        serviceName: MINIO_V2_HEADLESS_SERVICE.name,
        volumeClaims: [{ name: 'data', size: cfg.storage }],
        pod: {
          fsGroup: UID,
          containers: [{
            name: 'minio',
            image,
            command: ['minio', 'server', '/data', '--address', `:${MINIO_SERVICE.ports['minio-api']}`,
              '--console-address', `:${MINIO_SERVICE.ports['minio-console']}`, '--certs-dir', '/tmp/certs'],
            ports: { ...MINIO_SERVICE.ports },
            // Metrics readable without a token, so the platform's ServiceMonitor can scrape /minio/v2/metrics/cluster.
            env: { ...credEnv, MINIO_REGION: this.region, MINIO_BROWSER_REDIRECT: 'off', MINIO_PROMETHEUS_AUTH_TYPE: 'public' },
            resources: this.resourcesFor(cfg.resources, 'resources'),
            security: { uid: UID, gid: UID },
            writablePaths: ['/tmp'],
            mounts: [{ name: 'data', mountPath: '/data' }],
            livenessProbe: httpProbe('/minio/health/live', 'minio-api', { initialDelaySeconds: 30, periodSeconds: 30, timeoutSeconds: 5 }),
            readinessProbe: httpProbe('/minio/health/ready', 'minio-api', { initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5 }),
          }],
        },
      });
      // Velero writing MinIO's own volume into MinIO (velero-backups lives on it) would copy the backups into
      // themselves: with the in-cluster target the volume is opted out (the backup inventory reports it unprotected).
      const backup = props.environment.components.backup;
      if (backup.enabled && backup.target.kind === 'in-cluster-minio') {
        sts.addJsonPatch(JsonPatch.add('/spec/template/metadata/annotations', { 'backup.velero.io/backup-volumes-excludes': 'data' }));
      }
      // The claim template is immutable: no version label (an image bump would be a forbidden update). On
      // local-path, `volumeType: local` makes the provisioner create a `local` PV, which Velero's file-system
      // backup can read (it skips hostPath PVs, the provisioner's default).
      sts.addJsonPatch(JsonPatch.replace('/spec/volumeClaimTemplates/0/metadata', {
        name: 'data',
        labels: { 'app.kubernetes.io/name': this.appName, 'app.kubernetes.io/instance': this.labelsFor('object-storage', version)['app.kubernetes.io/instance'] },
        annotations: { volumeType: 'local' },
      }));
    }
    if (phase === 'mirror' || phase === 'verified') {
      const old = this.endpoint(MINIO_SERVICE, 'minio-api');
      const target = this.endpoint(MINIO_V2_HEADLESS_SERVICE, 'minio-api');
      this.addJob({ name: 'minio-migrate', role: 'migration', version: mc.tag, annotations: { 'platform.254carbon.com/migration-phase': phase } }, {
        backoffLimit: phase === 'mirror' ? 2 : 0,
        activeDeadlineSeconds: cfg.migration.activeDeadlineSeconds,
        pod: {
          containers: [{
            name: 'migrate',
            image: mc,
            command: ['sh', '-c', migrationScript({ mode: phase === 'mirror' ? 'mirror' : 'verify', source: old.url('http'), target: target.url('http') })],
            env: { ...credEnv, MC_CONFIG_DIR: '/tmp/.mc' },
            resources: props.environment.resourcePresets.small,
            security: { uid: UID, gid: UID },
            writablePaths: ['/tmp'],
          }],
        },
      });
    }

    // The console in the portal; its health is the server's liveness endpoint (the console port serves none).
    this.addDiscoverable({
      id: 'minio', name: 'MinIO', category: 'storage', icon: 'hard-drive',
      description: 'S3-compatible object storage for the data lake',
      service: MINIO_CONSOLE_SERVICE, port: 'minio-console',
      health: { service: MINIO_SERVICE, port: 'minio-api', path: '/minio/health/live' },
      publicHost: 'minio',
      // The reference Ingress name; uploads through the console have no size limit at the ingress.
      ingress: { name: 'minio-console', annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': '0' } },
    });

    const api = this.endpoint(MINIO_SERVICE, 'minio-api');
    const extra = props.extraBuckets ?? [];
    for (const b of extra) this.checkBucket(b, 'extraBuckets');
    const script = Lazy.any({
      produce: () => {
        const claimed = this.graph.buckets.map((c) => { this.checkBucket(c.bucket, `bucket claimed by ${c.component}`); return c.bucket; });
        const buckets = [...new Set([...PLATFORM_BUCKETS, ...extra, ...claimed])].sort();
        return [
          'set -eu',
          `until mc alias set platform ${api.url('http')} "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null; do echo waiting for MinIO; sleep 5; done`,
          ...buckets.flatMap((b) => [`mc mb --ignore-existing platform/${b}`, `mc anonymous set none platform/${b}`]),
          'mc ls platform',
        ].join('\n');
      },
    });
    this.addJob({ name: 'minio-init-buckets', role: 'bucket-init', version: mc.tag, annotations: {
      'argocd.argoproj.io/hook': 'PostSync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
    } }, {
      activeDeadlineSeconds: 900,
      pod: {
        containers: [{
          name: 'mc',
          image: mc,
          command: ['sh', '-c', script as unknown as string],
          env: { ...credEnv, MC_CONFIG_DIR: '/tmp/.mc' },
          resources: props.environment.resourcePresets.small,
          security: { uid: UID, gid: UID },
          writablePaths: ['/tmp'],
        }],
      },
    });
  }

  /**
   * The live legacy server, field for field as the reference pack runs it (so that applying it over the live
   * object changes nothing and restarts nothing): root, writable root filesystem, no security context; the FS
   * volume `minio-data` it wrote. Argo CD never prunes or deletes it; removing it is a manual step.
   */
  private addLegacyServer(image: string, storage: string): void {
    const sts = new k8s.KubeStatefulSet(this, 'StatefulSet.minio', {
      metadata: {
        name: 'minio',
        labels: { app: 'minio', component: 'object-storage', ...this.labelsFor('legacy-object-storage', Image.parse(image, this.where('migration.legacyImage')).tag) },
        annotations: { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false', 'platform.254carbon.com/legacy': 'the FS-format MinIO kept unchanged until the lake migration is done' },
      },
      spec: legacyMinioStatefulSetSpec(image, storage, this.credentials.name, this.environment.storageClass),
    });
    // The pod violates the restricted profile exactly as it does today; the exception names each rule it fails.
    const env = this.environment;
    const manifest = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'minio', namespace: this.ns, labels: { app: 'minio' } }, spec: sts.toJson().spec };
    const policies = policiesInUse(env.name, [this.ns], env.components.policies.librarySets);
    const failing = simulateAdmission(admittedObjects(manifest), policies, []).filter((v) => v.result === 'fail');
    // The StatefulSet itself fails the autogen rules; its pod the pod rules. The pod's exception is not borrowable:
    // it matches only when the StatefulSet controller creates the pod (a hand-made pod named minio-0 is refused).
    const listOf = (pick: (rule: string) => boolean) => {
      const byPolicy = new Map<string, Set<string>>();
      for (const v of failing.filter((x) => pick(x.rule))) byPolicy.set(v.policy, (byPolicy.get(v.policy) ?? new Set()).add(v.rule));
      return [...byPolicy].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([policyName, rules]) => ({ policyName, ruleNames: [...rules].sort() }));
    };
    const metadata = (name: string) => ({
      name,
      labels: this.labelsFor('policy-exception', 'v1'),
      annotations: { 'policies.254carbon.com/reasons': 'minio: the legacy FS-format server runs unchanged (root, no security context) until the lake migration is done; it is never restarted with another spec' },
    });
    const own = listOf((r) => r.startsWith('autogen-'));
    if (own.length > 0) {
      new PolicyException(this, 'PolicyException.minio-legacy', {
        metadata: metadata('minio-legacy'),
        spec: { exceptions: own, match: { any: [{ resources: { kinds: ['StatefulSet'], namespaces: [this.ns], names: ['minio'] } }] } },
      });
    }
    const pods = listOf((r) => !r.startsWith('autogen-'));
    if (pods.length > 0) {
      new PolicyException(this, 'PolicyException.minio-legacy-pods', {
        metadata: metadata('minio-legacy-pods'),
        spec: {
          background: false,
          exceptions: pods,
          match: { any: [{
            resources: { kinds: ['Pod'], namespaces: [this.ns], names: ['minio-0'], selector: { matchLabels: { app: 'minio' } } },
            subjects: controllerSubjects(CREATING_CONTROLLER.StatefulSet.pods),
          }] },
        },
      });
    }
  }

  private checkBucket(bucket: string, key: string): void {
    if (!BUCKET.test(bucket)) {
      throw new PlatformConfigError(this.where(key), `'${bucket}' is not a valid S3 bucket name`, 'use 3-63 lower-case letters, digits, dots and hyphens');
    }
  }
}

/**
 * The spec of the live legacy StatefulSet `minio` (reference pack `data-lake/templates/minio.yaml`), unchanged:
 * the same selector, serviceName, template and volumeClaimTemplates, no defaults written that it did not write.
 */
export function legacyMinioStatefulSetSpec(image: string, storage: string, credentialsSecret: string, storageClass: string): k8s.StatefulSetSpec {
  return {
    serviceName: MINIO_HEADLESS_SERVICE.name,
    replicas: 1,
    selector: { matchLabels: { app: 'minio' } },
    template: {
      metadata: { labels: { app: 'minio', component: 'object-storage' } },
      spec: {
        containers: [{
          name: 'minio',
          image,
          ports: [{ containerPort: 9000, name: 'minio-api' }, { containerPort: 9001, name: 'minio-console' }],
          command: ['minio', 'server', '/data', '--console-address', ':9001'],
          env: [
            { name: 'MINIO_ROOT_USER', valueFrom: { secretKeyRef: { name: credentialsSecret, key: 'access-key' } } },
            { name: 'MINIO_ROOT_PASSWORD', valueFrom: { secretKeyRef: { name: credentialsSecret, key: 'secret-key' } } },
          ],
          volumeMounts: [{ name: 'minio-data', mountPath: '/data' }],
          resources: {
            limits: { memory: k8s.Quantity.fromString('2Gi'), cpu: k8s.Quantity.fromString('1000m') },
            requests: { memory: k8s.Quantity.fromString('1Gi'), cpu: k8s.Quantity.fromString('500m') },
          },
          livenessProbe: { httpGet: { path: '/minio/health/live', port: k8s.IntOrString.fromNumber(9000), scheme: 'HTTP' }, initialDelaySeconds: 60, periodSeconds: 30 },
          readinessProbe: { httpGet: { path: '/minio/health/ready', port: k8s.IntOrString.fromNumber(9000), scheme: 'HTTP' }, initialDelaySeconds: 10, periodSeconds: 10 },
        }],
      },
    },
    volumeClaimTemplates: [{
      metadata: { name: 'minio-data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: k8s.Quantity.fromString(storage) } }, storageClassName: storageClass },
    }],
  };
}
