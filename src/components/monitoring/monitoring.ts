import { Construct } from 'constructs';
import { PlatformComponent, PlatformComponentProps } from '../../core/component';
import { PlatformConfigError } from '../../core/errors';
import { ServiceDescriptor } from '../../core/graph';
import { DOLPHINSCHEDULER_SERVICES } from '../dolphinscheduler/dolphinscheduler';
import { MINIO_SERVICE } from '../minio/minio';
import { AlertGroup, AlertRule, addPrometheusRule, addServiceMonitor } from './prometheus';

/** What the platform's monitoring needs to know of Trino (built by its own component). */
export interface TrinoMonitoringProps {
  /** The coordinator's Service (`TRINO_COORDINATOR_SERVICE`); Trino serves OpenMetrics at `/metrics`. */
  readonly coordinator: ServiceDescriptor;
  /**
   * The coordinator Service port that serves `/metrics`.
   * @default - the port named `http`, else the Service's first port
   */
  readonly metricsPort?: string;
  /**
   * The worker Deployment whose available replicas are watched.
   * @default 'trino-worker'
   */
  readonly workerDeployment?: string;
  /** How many workers the environment runs (the alert fires below this). */
  readonly workerReplicas: number;
}

/** Props of `PlatformMonitoring`. */
export interface PlatformMonitoringProps extends PlatformComponentProps {
  /**
   * Monitor DolphinScheduler (its actuator Prometheus endpoints, and the master's readiness).
   * @default - true when the environment enables DolphinScheduler
   */
  readonly dolphinscheduler?: boolean;
  /**
   * Monitor MinIO (cluster metrics and capacity).
   * @default - true when the environment enables MinIO
   */
  readonly minio?: boolean;
  /**
   * Monitor Trino: a ServiceMonitor on the coordinator and an alert when workers are missing.
   * @default - Trino is not monitored
   */
  readonly trino?: TrinoMonitoringProps;
}

/** The PrometheusRule of the platform's own alerts (Velero's are `velero-backup-alerts`, in the backup component). */
export const PLATFORM_ALERTS = 'data-platform-alerts';

/**
 * The platform's Prometheus rules and ServiceMonitors of one environment.
 *
 * ServiceMonitors (next to the Services they scrape, labelled for the environment's Prometheus):
 * `dolphinscheduler` (actuator `/actuator/prometheus` on master/worker/alert, `/dolphinscheduler/actuator/prometheus`
 * on the api), `minio` (`/minio/v2/metrics/cluster`), and `trino` when a Trino descriptor is given.
 *
 * PrometheusRule `data-platform-alerts` (in the Prometheus' namespace): component down, pods crash-looping,
 * DolphinScheduler master not ready, Trino workers below the environment's replicas, MinIO capacity, and the
 * compaction CronJob failed or without success for 26h. Counters are read through `increase()`, gauges as they
 * are; the annotations use Prometheus templating verbatim.
 */
export class PlatformMonitoring extends PlatformComponent {
  constructor(scope: Construct, id: string, props: PlatformMonitoringProps) {
    super(scope, id, 'monitoring', props);
    const env = props.environment;
    const cfg = env.components.monitoring;
    const ns = `namespace="${this.ns}"`;
    const groups: AlertGroup[] = [{
      name: 'platform-availability',
      rules: [
        {
          alert: 'PlatformTargetDown', expr: `up{${ns}} == 0`, for: '5m', severity: 'critical',
          summary: '{{ $labels.job }} is down',
          description: 'Prometheus cannot scrape {{ $labels.job }} on pod {{ $labels.pod }} ({{ $labels.instance }}) for 5 minutes.',
        },
        {
          alert: 'PlatformDeploymentUnavailable',
          expr: `kube_deployment_status_replicas_available{${ns}} == 0 and on (namespace, deployment) kube_deployment_spec_replicas{${ns}} > 0`,
          for: '5m', severity: 'critical',
          summary: 'Deployment {{ $labels.deployment }} has no available replica',
          description: 'No replica of {{ $labels.deployment }} in {{ $labels.namespace }} has been available for 5 minutes.',
        },
        {
          alert: 'PlatformStatefulSetUnavailable',
          expr: `kube_statefulset_status_replicas_ready{${ns}} == 0 and on (namespace, statefulset) kube_statefulset_replicas{${ns}} > 0`,
          for: '5m', severity: 'critical',
          summary: 'StatefulSet {{ $labels.statefulset }} has no ready replica',
          description: 'No replica of {{ $labels.statefulset }} in {{ $labels.namespace }} has been ready for 5 minutes.',
        },
        {
          alert: 'PlatformPodCrashLooping',
          // A counter: its increase over the window, never its raw value.
          expr: `increase(kube_pod_container_status_restarts_total{${ns}}[15m]) > 3`,
          for: '5m', severity: 'warning',
          summary: 'Pod {{ $labels.pod }} is restarting',
          description: 'Container {{ $labels.container }} of pod {{ $labels.pod }} restarted {{ $value }} times in 15 minutes.',
        },
      ],
    }];

    if (props.dolphinscheduler ?? env.components.dolphinscheduler.enabled) {
      const s = DOLPHINSCHEDULER_SERVICES;
      addServiceMonitor(this, 'dolphinscheduler', [s.api, s.master, s.worker, s.alert], [
        { port: 'api', path: '/dolphinscheduler/actuator/prometheus' },
        { port: 'actuator', path: '/actuator/prometheus' },
        { port: 'alert', path: '/actuator/prometheus' },
      ]);
      const masters = env.components.dolphinscheduler.replicas.master;
      if (masters > 0) {
        const ready = `kube_deployment_status_replicas_ready{${ns}, deployment="${s.master.name}"}`;
        groups.push({
          name: 'dolphinscheduler',
          rules: [{
            alert: 'DolphinSchedulerMasterNotReady',
            expr: `(sum(${ready}) or on () vector(0)) < ${masters}`,
            for: '5m', severity: 'critical',
            summary: 'DolphinScheduler master not ready',
            description: `{{ $value }} of ${masters} DolphinScheduler master(s) in ${this.ns} are ready; workflows are not scheduled.`,
          }],
        });
      }
    }

    if (props.trino) groups.push(this.trino(props.trino, ns));

    if (props.minio ?? env.components.minio.enabled) {
      addServiceMonitor(this, 'minio', [MINIO_SERVICE], [{ port: 'minio-api', path: '/minio/v2/metrics/cluster' }]);
      groups.push({
        name: 'minio',
        rules: [{
          alert: 'MinIOCapacityLow',
          expr: `min by (namespace) (minio_cluster_capacity_usable_free_bytes{${ns}} / minio_cluster_capacity_usable_total_bytes{${ns}}) < 0.2`,
          for: '30m', severity: 'warning',
          summary: 'MinIO is running out of space',
          description: 'Only {{ $value | humanizePercentage }} of the MinIO capacity in {{ $labels.namespace }} is free.',
        }],
      });
    }

    groups.push(this.compaction(cfg.compactionCronJob, ns));
    addPrometheusRule(this, this.sharedName(PLATFORM_ALERTS), cfg.ruleNamespace, 'alerts', groups);
  }

  private trino(t: TrinoMonitoringProps, ns: string): AlertGroup {
    const port = t.metricsPort ?? ('http' in t.coordinator.ports ? 'http' : Object.keys(t.coordinator.ports)[0]);
    if (!Number.isInteger(t.workerReplicas) || t.workerReplicas < 0) {
      throw new PlatformConfigError(this.where('trino.workerReplicas'), `${t.workerReplicas} is not a replica count`, 'pass the environment\'s Trino worker replicas');
    }
    addServiceMonitor(this, 'trino', [t.coordinator], [{ port, path: '/metrics' }]);
    const worker = t.workerDeployment ?? 'trino-worker';
    const rules: AlertRule[] = t.workerReplicas === 0 ? [] : [{
      alert: 'TrinoWorkersBelowReplicas',
      expr: `(sum(kube_deployment_status_replicas_available{${ns}, deployment="${worker}"}) or on () vector(0)) < ${t.workerReplicas}`,
      for: '10m', severity: 'warning',
      summary: 'Trino is missing workers',
      description: `Only {{ $value }} of ${t.workerReplicas} Trino workers (${worker}) in ${this.ns} are available for 10 minutes.`,
    }];
    return { name: 'trino', rules };
  }

  private compaction(cronjob: string, ns: string): AlertGroup {
    const jobs = `${ns}, job_name=~"${cronjob}-[0-9]+"`;
    const lastSuccess = `kube_cronjob_status_last_successful_time{${ns}, cronjob="${cronjob}"}`;
    const limit = 26 * 3600;
    return {
      name: 'iceberg-compaction',
      rules: [
        {
          alert: 'IcebergCompactionFailed',
          // A failed run, unless it started before the last successful one (then a later run recovered).
          expr: `max by (namespace, job_name) (kube_job_status_failed{${jobs}}) > 0 unless on (namespace, job_name) `
            + `(kube_job_status_start_time{${jobs}} < on (namespace) group_left () max by (namespace) (${lastSuccess}))`,
          severity: 'warning',
          summary: 'Iceberg compaction run failed',
          description: 'Compaction run {{ $labels.job_name }} in {{ $labels.namespace }} failed and no later run has succeeded.',
        },
        {
          alert: 'IcebergCompactionNotRun',
          expr: `time() - max by (namespace, cronjob) (${lastSuccess}) > ${limit}`
            + ` or (time() - max by (namespace, cronjob) (kube_cronjob_created{${ns}, cronjob="${cronjob}"}) > ${limit} unless on (namespace, cronjob) ${lastSuccess})`,
          for: '15m', severity: 'warning',
          summary: 'Iceberg compaction has not succeeded in 26h',
          description: 'CronJob {{ $labels.cronjob }} in {{ $labels.namespace }} has not completed successfully for {{ $value | humanizeDuration }}.',
        },
      ],
    };
  }
}
