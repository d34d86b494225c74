import { ApiObject, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { BackupStorageLocation, BackupStorageLocationSpecAccessMode, Schedule } from '../../../imports/velero.io';
import { PlatformComponent, PlatformComponentProps } from '../../core/component';
import { PlatformConfigError } from '../../core/errors';
import { ServiceDescriptor } from '../../core/graph';
import type { EnvironmentConfig } from '../../config/schema';
import { addExternalSecret } from '../../core/external-secret';
import { Image } from '../../core/image';
import { manifestOf, mayHoldKey } from '../../core/manifest';
import { PlatformValidationError } from '../../core/errors';
import { Endpoint } from '../../core/graph';
import { MINIO_DEFAULT_IMAGE, MINIO_SERVICE } from '../minio/minio';
import { Coverage, InventoryRow, inventoryMarkdown, StatefulVolume, statefulVolumes, VeleroTemplate, veleroFsCoverage } from './inventory';
import { addPrometheusRule, addServiceMonitor } from '../monitoring/prometheus';

/** The bucket of the in-cluster backups. */
export const VELERO_BUCKET = 'velero-backups';

/** The daily Schedule of an environment (`daily-backup` in prod). */
export function backupScheduleName(env: EnvironmentConfig): string {
  return `daily-backup${env.sharedObjectSuffix}`;
}

/** Velero's metrics Service in Velero's namespace. */
export function veleroMetricsServiceFor(env: EnvironmentConfig): ServiceDescriptor<'metrics'> {
  return { component: 'backup', name: `velero-metrics${env.sharedObjectSuffix}`, namespace: env.components.backup.namespace, ports: { metrics: 8085 } };
}

/** Props of `Backups`. */
export interface BackupsProps extends PlatformComponentProps {
  /**
   * Further namespaces the daily backup includes besides the environment's.
   * @default - the environment's `components.backup.extraNamespaces`
   */
  readonly extraNamespaces?: readonly string[];
  /**
   * The image of the volume-copy CronJobs (needs `sh`, `date` and the MinIO client `mc`).
   * @default MINIO_DEFAULT_IMAGE (the MinIO server image ships mc)
   */
  readonly copyImage?: string;
}

/** The kinds the inventory reads: claims, and the workloads that may mount them. */
const INVENTORY_KINDS: ReadonlySet<string> = new Set(['PersistentVolumeClaim', 'StatefulSet', 'Deployment', 'DaemonSet', 'Job', 'CronJob']);
/** The key through which a pod mounts a claim. */
const CLAIM_KEYS: ReadonlySet<string> = new Set(['persistentVolumeClaim']);

/**
 * Velero backups of one environment, in Velero's namespace: a BackupStorageLocation (`minio` in prod) and a
 * daily Schedule (`daily-backup`) of the environment's namespace with the environment's TTL, backing up
 * persistent-volume data with Velero's file-system backup; plus the `velero-metrics` Service, its
 * ServiceMonitor and the `velero-backup-alerts` PrometheusRule.
 *
 * The location is the environment's MinIO (bucket `velero-backups`, path-style, the in-cluster FQDN of
 * `minio-service`, claimed in the graph so the bucket is created) or, per environment, an off-cluster S3
 * endpoint: a backup inside the cluster it protects is no disaster-recovery copy. Credentials are a reference
 * to a Secret in Velero's namespace.
 */
export class Backups extends PlatformComponent {
  public readonly location: string;
  public readonly schedule: string;
  private readonly template: VeleroTemplate;
  private readonly target: { endpoint: Endpoint; inCluster: boolean };
  private readonly copyImage: Image;
  private readonly copied = new Set<string>();
  private checked = false;

  constructor(scope: Construct, id: string, props: BackupsProps) {
    super(scope, id, 'backup', props);
    const env = props.environment;
    const cfg = env.components.backup;
    const namespace = cfg.namespace;
    this.location = this.sharedName('minio');
    this.schedule = backupScheduleName(env);
    const labels = this.labelsFor('backup', 'v1');

    const cred = this.externalSecretKeyRef(cfg.credentialsSecret.name, cfg.credentialsSecret.key, namespace).secretKeyRef!;
    let bucket: string;
    let config: Record<string, string>;
    if (cfg.target.kind === 'in-cluster-minio') {
      if (!env.components.minio.enabled) {
        throw new PlatformConfigError(this.where('components.backup.target'), 'the backups go to the in-cluster MinIO, which is disabled',
          "enable components.minio or set components.backup.target to {kind: 'external-s3', ...}");
      }
      bucket = VELERO_BUCKET;
      this.graph.claimBucket({ component: this.component, bucket, purpose: 'Velero backups of the environment' });
      const endpoint = this.endpoint(MINIO_SERVICE, 'minio-api');
      this.target = { endpoint, inCluster: true };
      config = { region: env.components.minio.region, s3ForcePathStyle: 'true', s3Url: endpoint.url('http') };
      this.graph.claimBucket({ component: this.component, bucket: cfg.volumeCopy.bucket, purpose: 'copies of the volumes Velero cannot back up' });
      // Velero's server and node agents (installed by `velero install`) are the pods that use this edge.
      this.declareClientPods(namespace, cfg.clientPodSelector, 'the Velero server and node agents write the backups to MinIO');
    } else {
      const ext = env.external.services[cfg.target.service];
      if (!ext?.host) {
        throw new PlatformConfigError(this.where('components.backup.target.service'), `'${cfg.target.service}' is not an off-cluster service in external.services`,
          `declare external.services.${cfg.target.service} with {host, port}: an off-cluster copy must not live in the cluster it protects`);
      }
      bucket = cfg.target.bucket;
      const endpoint = this.externalEndpoint(cfg.target.service);
      this.target = { endpoint, inCluster: false };
      config = { region: cfg.target.region, s3ForcePathStyle: String(cfg.target.pathStyle), s3Url: endpoint.url('https') };
    }

    new BackupStorageLocation(this, `BackupStorageLocation.${this.location}`, {
      metadata: { name: this.location, namespace, labels },
      spec: {
        provider: 'aws',
        objectStorage: { bucket },
        config,
        credential: { name: cred.name, key: cred.key },
        accessMode: BackupStorageLocationSpecAccessMode.READ_WRITE,
      },
    });
    this.copyImage = Image.parse(props.copyImage ?? MINIO_DEFAULT_IMAGE, this.where('copyImage'));
    this.template = {
      includedNamespaces: [...new Set([this.ns, ...(props.extraNamespaces ?? cfg.extraNamespaces)])].sort(),
      excludedResources: ['events', 'events.events.k8s.io'],
      defaultVolumesToFsBackup: true,
    };
    new Schedule(this, `Schedule.${this.schedule}`, {
      metadata: { name: this.schedule, namespace, labels },
      spec: {
        schedule: cfg.schedule,
        useOwnerReferencesInBackup: false,
        template: {
          includedNamespaces: [...this.template.includedNamespaces!],
          excludedResources: [...this.template.excludedResources!],
          // Volume data through Velero's file-system backup (node agent) where Velero can read it: local-path
          // has no snapshots, and its default hostPath PVs are skipped (see the inventory and the copy CronJobs).
          snapshotVolumes: false,
          defaultVolumesToFsBackup: true,
          storageLocation: this.location,
          ttl: cfg.ttl,
        },
      },
    });

    const metrics = veleroMetricsServiceFor(env);
    this.addService(metrics, { selector: cfg.veleroPodSelector, role: 'metrics', version: 'v1' });
    addServiceMonitor(this, this.sharedName('velero'), [metrics], [{ port: 'metrics', path: '/metrics' }]);
    this.addAlerts();
  }

  /**
   * The objects of the App the inventory reads, as manifests. Before the App is complete (`final` false) they are
   * resolved without caching, and a Deployment, DaemonSet, Job or CronJob that cannot mount a claim (no
   * `persistentVolumeClaim` anywhere in it: `mayHoldKey`) is left out: it adds nothing to the inventory.
   */
  private manifests(final: boolean): Array<Record<string, any>> {
    return this.graph.platformScope.node.findAll().filter((o): o is ApiObject => o instanceof ApiObject && INVENTORY_KINDS.has(o.kind))
      .filter((o) => final || o.kind === 'PersistentVolumeClaim' || o.kind === 'StatefulSet' || mayHoldKey(o, CLAIM_KEYS))
      .map((o) => (final ? manifestOf(o) : (o.toJson() as Record<string, any>)));
  }

  /**
   * Each stateful volume of the environment with what backs it up (`inventoryReport` is its public form).
   * @internal
   */
  public inventory(final = true): InventoryRow[] {
    const cfg = this.environment.components.backup;
    return statefulVolumes(this.manifests(final), this.ns).map((volume) => {
      const velero = veleroFsCoverage(volume, this.template, cfg.hostPathStorageClasses);
      return { volume, velero: velero.ok ? `yes: ${velero.detail}` : `no: ${velero.detail}`, coverage: this.coverageOf(volume, velero) };
    });
  }

  private coverageOf(v: StatefulVolume, velero: { ok: boolean; detail: string }): Coverage {
    if (this.target.inCluster && v.mountedBy.some((w) => w.component === 'minio')) {
      return { by: 'none', detail: 'the backup target is this MinIO: a copy of its own volume on itself is no backup (set components.backup.target to external-s3)' };
    }
    if (velero.ok) return { by: 'velero-fs', detail: `Schedule ${this.schedule}: ${velero.detail}` };
    if (this.copied.has(`${v.namespace}/${v.claim}`)) {
      return { by: 'volume-copy', detail: `CronJob ${copyJobName(v.claim)} (${this.environment.components.backup.schedule}): mc mirror to ${this.environment.components.backup.volumeCopy.bucket}, verified by mc diff` };
    }
    return { by: 'none', detail: `Velero cannot (${velero.detail}) and no copy CronJob exists` };
  }

  /**
   * Adds a copy CronJob for every volume Velero's file-system backup cannot read. Call once every component of
   * the environment is constructed (DataPlatform does); the render-time check finds any volume added later.
   */
  public coverVolumes(): void {
    const cfg = this.environment.components.backup;
    const creds = new Map<string, string>();
    for (const row of this.inventory(false)) {
      const v = row.volume;
      if (row.coverage.by !== 'none' || (this.target.inCluster && v.mountedBy.some((w) => w.component === 'minio'))) continue;
      const mount = v.mountedBy.find((w) => w.replicas > 0) ?? v.mountedBy[0];
      if (!mount) continue; // mounted by nothing: reported, never copied
      let secret = creds.get(v.namespace);
      if (!secret) {
        // One Secret per namespace (a pod reads Secrets of its own namespace only); names unique per environment.
        secret = v.namespace === this.ns ? 'volume-copy-credentials' : this.sharedName(`volume-copy-credentials-${v.namespace}`);
        const remote = cfg.volumeCopy.remoteKey ?? `data-platform/${this.environment.name}/volume-backups`;
        addExternalSecret(this, { name: secret, role: 'volume-copy', version: 'v1', data: { 'access-key': { key: remote, property: 'access-key' }, 'secret-key': { key: remote, property: 'secret-key' } } });
        if (v.namespace !== this.ns) (this.node.findChild(`ExternalSecret.${secret}`) as ApiObject).addJsonPatch(JsonPatch.add('/metadata/namespace', v.namespace));
        creds.set(v.namespace, secret);
      }
      const name = copyJobName(v.claim);
      // A name over 52 characters (CronJob) is reported after rendering, at the values key that causes it
      // (output/name-checks.ts), like every other name.
      const uid = mount.runAsUser;
      const dest = `target/${cfg.volumeCopy.bucket}/${this.environment.name}/${v.namespace}/${v.claim}`;
      const ref = (key: string) => ({ secretKeyRef: { name: secret!, key } });
      this.addCronJob({ name, role: 'volume-copy', version: this.copyImage.tag, namespace: v.namespace }, {
        schedule: cfg.schedule,
        activeDeadlineSeconds: 3 * 3600,
        pod: {
          // The copy reads the files as the workload's own user; local-path PVs are on one node, which the
          // scheduler picks from the PV's node affinity (ReadWriteOnce allows pods of one node to share it).
          containers: [{
            name: 'copy',
            image: this.copyImage,
            command: ['sh', '-c', volumeCopyScript({ target: this.target.endpoint.url(this.target.inCluster ? 'http' : 'https'), dest, keepDays: cfg.volumeCopy.keepDays })],
            env: { ACCESS_KEY: ref('access-key'), SECRET_KEY: ref('secret-key'), MC_CONFIG_DIR: '/tmp/.mc' },
            resources: this.environment.resourcePresets.small,
            security: uid && uid > 0 ? { uid } : { deviations: [{ kind: 'runAsRoot', reason: `the volume ${v.claim} is written by root; only root can read all of it` }] },
            writablePaths: ['/tmp'],
            mounts: [{ name: 'volume', mountPath: '/volume', readOnly: true }],
          }],
          volumes: [{ name: 'volume', persistentVolumeClaim: { claimName: v.claim, readOnly: true } }],
        },
      });
      this.copied.add(`${v.namespace}/${v.claim}`);
    }
  }

  /** Fails the render when a stateful volume has no backup and is not accepted with a reason. */
  public checkInventory(): void {
    if (this.checked) return;
    this.checked = true;
    const accepted = this.environment.components.backup.unprotectedVolumes;
    const problems = this.inventory().filter((r) => r.coverage.by === 'none' && !accepted[`${r.volume.namespace}/${r.volume.claim}`])
      .map((r) => `${r.volume.namespace}/${r.volume.claim} (${r.volume.source}) has no backup: ${r.coverage.detail}. Fix: back it up, or accept it under components.backup.unprotectedVolumes['${r.volume.namespace}/${r.volume.claim}'] with the reason`);
    if (problems.length > 0) throw new PlatformValidationError(`environment '${this.environment.name}': stateful volumes without a backup`, problems);
  }

  /** The inventory report (docs/backup-inventory-<env>.md). */
  public inventoryReport(): string {
    return inventoryMarkdown(this.environment.name, this.inventory(), this.environment.components.backup.unprotectedVolumes);
  }

  /** Called by the render once the App is complete. */
  public prepareForSynth(): void {
    this.checkInventory();
  }

  private addAlerts(): void {
    const s = `schedule="${this.schedule}"`;
    addPrometheusRule(this, this.sharedName('velero-backup-alerts'), this.environment.components.monitoring.ruleNamespace, 'alerts', [{
      name: `velero-backup${this.environment.sharedObjectSuffix}`,
      interval: '5m',
      rules: [
        {
          alert: 'VeleroBackupFailed',
          // velero_backup_failure_total is a counter: alert on new failures, not on the lifetime total.
          expr: `max by (schedule) (increase(velero_backup_failure_total{${s}}[1h])) > 0`,
          severity: 'critical',
          summary: 'Velero backup failed',
          description: 'Backup {{ $labels.schedule }} failed {{ $value }} time(s) in the last hour.',
        },
        {
          alert: 'VeleroBackupPartiallyFailed',
          expr: `max by (schedule) (increase(velero_backup_partial_failure_total{${s}}[1h])) > 0`,
          severity: 'warning',
          summary: 'Velero backup partially failed',
          description: 'Backup {{ $labels.schedule }} had {{ $value }} partial failure(s) in the last hour.',
        },
        {
          alert: 'VeleroBackupTooOld',
          expr: `time() - max by (schedule) (velero_backup_last_successful_timestamp{${s}}) > ${25 * 3600}`,
          for: '15m', severity: 'critical',
          summary: 'The last successful backup is older than 25h',
          description: 'The last successful backup of {{ $labels.schedule }} was {{ $value | humanizeDuration }} ago.',
        },
        {
          alert: 'VeleroBackupNeverSucceeded',
          expr: `absent(velero_backup_last_successful_timestamp{${s}})`,
          for: '25h', severity: 'critical',
          summary: 'No successful backup is recorded',
          description: `Velero reports no successful backup of ${this.schedule} for 25h (or is not scraped).`,
        },
        {
          alert: 'VeleroBackupDurationLong',
          // A histogram: the quantile of its _bucket series, never the bare metric name.
          expr: `histogram_quantile(0.99, sum by (le, schedule) (increase(velero_backup_duration_seconds_bucket{${s}}[25h]))) > 1800`,
          severity: 'warning',
          summary: 'Backups take longer than 30 minutes',
          description: 'Backups of {{ $labels.schedule }} took up to {{ $value | humanizeDuration }} in the last day.',
        },
        {
          alert: 'VeleroRestoreFailed',
          expr: 'sum(increase(velero_restore_failed_total[1h])) > 0',
          severity: 'critical',
          summary: 'Velero restore failed',
          description: '{{ $value }} restore(s) failed in the last hour.',
        },
      ],
    }]);
  }
}

/** The copy CronJob of a claim. */
export function copyJobName(claim: string): string {
  return `volume-copy-${claim}`;
}

/**
 * The copy script: mirrors the read-only mounted volume to today's folder on the backup target, checks the copy
 * with `mc diff` (names and sizes; any difference fails the Job) and removes copies older than `keepDays`.
 * Credentials come from `ACCESS_KEY`/`SECRET_KEY` and are never printed.
 */
export function volumeCopyScript(o: { target: string; dest: string; keepDays: number; source?: string; client?: string }): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return [
    'set -eu',
    `MC=${q(o.client ?? 'mc')}`,
    `src=${q(o.source ?? '/volume')}`,
    `until "$MC" alias set target ${q(o.target)} "$ACCESS_KEY" "$SECRET_KEY" >/dev/null 2>&1; do echo "waiting for the backup target"; sleep 5; done`,
    `base=${q(o.dest)}`,
    'day=$(date -u +%Y-%m-%d)',
    'bucket=${base#target/}; bucket=${bucket%%/*}',
    '"$MC" mb --ignore-existing "target/$bucket" >/dev/null',
    '"$MC" mirror --overwrite --remove --quiet "$src" "$base/$day"',
    // Files that changed while they were copied show up here: the Job fails and the next run copies again.
    'diff=$("$MC" diff "$src" "$base/$day" 2>&1) || true',
    'if [ -n "$diff" ]; then echo "VOLUME COPY VERIFY FAILED: the copy differs from the volume:" >&2; echo "$diff" >&2; exit 1; fi',
    `"$MC" rm --recursive --force --older-than ${o.keepDays}d "$base/" >/dev/null 2>&1 || true`,
    'echo "copied and verified $src to $base/$day"',
  ].join('\n') + '\n';
}
