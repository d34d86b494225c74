import { Construct } from 'constructs';
import { BackupStorageLocation, BackupStorageLocationSpecAccessMode, Schedule } from '../../../imports/velero.io';
import { PlatformComponent, PlatformComponentProps } from '../../core/component';
import { PlatformConfigError } from '../../core/errors';
import { ServiceDescriptor } from '../../core/graph';
import type { EnvironmentConfig } from '../../config/schema';
import { MINIO_SERVICE } from '../minio/minio';
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
   * @default - none
   */
  readonly extraNamespaces?: readonly string[];
}

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
      config = { region: env.components.minio.region, s3ForcePathStyle: 'true', s3Url: this.endpoint(MINIO_SERVICE, 'minio-api').url('http') };
      // Velero's server and node agents (installed by `velero install`) are the pods that use this edge.
      this.declareClientPods(namespace, cfg.clientPodSelector, 'the Velero server and node agents write the backups to MinIO');
    } else {
      const ext = env.external.services[cfg.target.service];
      if (!ext?.host) {
        throw new PlatformConfigError(this.where('components.backup.target.service'), `'${cfg.target.service}' is not an off-cluster service in external.services`,
          `declare external.services.${cfg.target.service} with {host, port}: an off-cluster copy must not live in the cluster it protects`);
      }
      bucket = cfg.target.bucket;
      config = { region: cfg.target.region, s3ForcePathStyle: String(cfg.target.pathStyle), s3Url: this.externalEndpoint(cfg.target.service).url('https') };
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
    new Schedule(this, `Schedule.${this.schedule}`, {
      metadata: { name: this.schedule, namespace, labels },
      spec: {
        schedule: cfg.schedule,
        useOwnerReferencesInBackup: false,
        template: {
          includedNamespaces: [...new Set([this.ns, ...(props.extraNamespaces ?? [])])],
          excludedResources: ['events', 'events.events.k8s.io'],
          // Volume data through Velero's file-system backup (node agent): the platform's volumes are
          // local-path, which has no snapshot support.
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
