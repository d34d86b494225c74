import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { clusterScoped, PlatformComponent, PlatformComponentProps } from '../../core/component';
import { ServiceDescriptor } from '../../core/graph';
import { Image } from '../../core/image';
import { Deviation } from '../../core/security';
import { httpProbe } from '../../core/workload';
import type { EnvironmentConfig } from '../../config/schema';
import { LogAlertGroup, LOKI_SINGLE_TENANT, lokiRulesFile } from './log-alerts';

/** Loki's Service (`loki` in prod, with the environment's `sharedObjectSuffix` elsewhere) in the logging namespace. */
export function lokiServiceFor(env: EnvironmentConfig): ServiceDescriptor<'http' | 'grpc'> {
  return { component: 'logging', name: `loki${env.sharedObjectSuffix}`, namespace: env.components.logging.namespace, ports: { http: 3100, grpc: 9096 } };
}

/** Fluent Bit's metrics Service. */
export function fluentBitServiceFor(env: EnvironmentConfig): ServiceDescriptor<'metrics'> {
  return { component: 'logging', name: `fluent-bit${env.sharedObjectSuffix}`, namespace: env.components.logging.namespace, ports: { metrics: 2020 } };
}

/** Props of `Logging`. */
export interface LoggingProps extends PlatformComponentProps {
  /**
   * The Loki image.
   * @default docker.io/grafana/loki:2.9.0
   */
  readonly lokiImage?: string;
  /**
   * The Fluent Bit image.
   * @default docker.io/fluent/fluent-bit:2.2.3
   */
  readonly fluentBitImage?: string;
  /**
   * Alerts Loki's ruler evaluates over the logs and sends to the environment's Alertmanager (the external service
   * `alertmanager`), e.g. the Iceberg maintenance alert that names the failed table (`IcebergCompactionJob.logAlerts`).
   * @default - none: no rule file, and Loki's ruler has nothing to evaluate
   */
  readonly logAlerts?: readonly LogAlertGroup[];
}

/** Where Loki's local rule store reads rules from when the platform gives it alerts (`<dir>/<tenant>/<file>`). */
export const LOKI_RULES_DIR = '/var/loki/rules';

const LOKI_UID = 10001;
/** Where Fluent Bit keeps its tail offsets on the node, so a restarted pod resumes instead of re-reading or skipping. */
export const FLUENT_BIT_STATE_DIR = '/var/lib/fluent-bit';

const FLUENT_BIT_DEVIATIONS: readonly Deviation[] = [
  { kind: 'runAsRoot', reason: "the node's container log files under /var/log/pods are owned by root with mode 0640; only root can read them" },
  { kind: 'hostPathVolumes', reason: "Fluent Bit tails the node's container logs (/var/log, /var/lib/docker/containers, read-only) and keeps its read offsets in a node directory" },
];

/**
 * The logging stack of `k8s/logging/`: Loki (Deployment and Service `loki`, config `loki-config`, now on a
 * persistent volume `loki-data` that holds the whole retention) and Fluent Bit (DaemonSet, Service,
 * ServiceAccount, read-only ClusterRole and binding `fluent-bit`, config `fluent-bit-config`) shipping the
 * environment's container logs to that Loki, the one Grafana queries.
 *
 * Encoded remediations: Fluent Bit runs as root (declared), because the old uid 1000 could not read the
 * root-owned log files, and keeps its offsets in a hostPath database; Loki's data survives restarts (it was an
 * emptyDir) and its compactor applies the environment's retention.
 */
export class Logging extends PlatformComponent {
  public readonly loki: ServiceDescriptor<'http' | 'grpc'>;

  constructor(scope: Construct, id: string, props: LoggingProps) {
    super(scope, id, 'logging', props);
    const env = props.environment;
    const cfg = env.components.logging;
    const namespace = cfg.namespace;
    this.loki = lokiServiceFor(env);
    this.addLoki(props, namespace);
    this.addFluentBit(props, namespace);
  }

  private addLoki(props: LoggingProps, namespace: string): void {
    const cfg = this.environment.components.logging.loki;
    const image = Image.parse(props.lokiImage ?? 'docker.io/grafana/loki:2.9.0', this.where('lokiImage'));
    const version = image.tag;
    const role = 'log-store';
    const name = this.loki.name;
    const configName = this.sharedName('loki-config');
    const dataName = this.sharedName('loki-data');
    const { http, grpc } = this.loki.ports;
    const alerts = (props.logAlerts ?? []).filter((g) => g.rules.length > 0);
    // The rules ConfigMap is mounted as the tenant's directory itself: the local store takes every directory
    // under rules_directory for a tenant, so a ConfigMap's own `..data` folders must not sit at that level.
    const rulesName = this.sharedName('loki-rules');
    const ruler = alerts.length > 0 ? { alertmanagerUrl: this.externalEndpoint('alertmanager').url('http') } : undefined;
    this.addConfigMap(configName, { 'loki.yaml': lokiConfig(http, grpc, cfg.retention, ruler) }, role, version, namespace);
    if (ruler) this.addConfigMap(rulesName, { 'platform-alerts.yaml': lokiRulesFile(alerts) }, role, version, namespace);
    this.addPersistentVolumeClaim({ name: dataName, role, version, namespace }, cfg.storage);
    const selector = { app: name };
    this.addService(this.loki, { selector, role, version });
    this.addDeployment({ name, role, version, namespace, selector }, {
      replicas: 1,
      strategy: { type: 'Recreate' },
      pod: {
        fsGroup: LOKI_UID,
        volumes: [
          { name: 'config', configMap: { name: configName } },
          { name: 'storage', persistentVolumeClaim: { claimName: dataName } },
          ...(ruler ? [{ name: 'rules', configMap: { name: rulesName } }] : []),
        ],
        containers: [{
          name: 'loki',
          image,
          args: ['-config.file=/etc/loki/loki.yaml'],
          ports: { http, grpc },
          resources: this.resourcesFor(cfg.resources, 'loki.resources'),
          security: { uid: LOKI_UID, gid: LOKI_UID },
          writablePaths: ['/tmp'],
          mounts: [
            { name: 'config', mountPath: '/etc/loki', readOnly: true },
            { name: 'storage', mountPath: '/loki' },
            ...(ruler ? [{ name: 'rules', mountPath: `${LOKI_RULES_DIR}/${LOKI_SINGLE_TENANT}`, readOnly: true }] : []),
          ],
          livenessProbe: httpProbe('/ready', 'http', { initialDelaySeconds: 45, periodSeconds: 10 }),
          readinessProbe: httpProbe('/ready', 'http', { initialDelaySeconds: 45, periodSeconds: 10 }),
        }],
      },
    });
  }

  private addFluentBit(props: LoggingProps, namespace: string): void {
    const env = this.environment;
    const cfg = env.components.logging.fluentBit;
    const image = Image.parse(props.fluentBitImage ?? 'docker.io/fluent/fluent-bit:2.2.3', this.where('fluentBitImage'));
    const version = image.tag;
    const role = 'log-shipper';
    const service = fluentBitServiceFor(env);
    const name = service.name;
    const configName = this.sharedName('fluent-bit-config');
    const loki = this.endpoint(this.loki, 'http');
    const api = this.externalEndpoint('kubernetes-api');
    const shipped = [...new Set([this.ns, ...cfg.extraNamespaces])];
    const labels = this.labelsFor(role, version);

    this.addConfigMap(configName, {
      'fluent-bit.conf': fluentBitConfig({
        namespaces: shipped, lokiHost: loki.host, lokiPort: loki.port, apiUrl: api.url('https'),
        metricsPort: service.ports.metrics, stateDb: `${FLUENT_BIT_STATE_DIR}/tail-${env.name}.db`,
      }),
      'parsers.conf': FLUENT_BIT_PARSERS,
    }, role, version, namespace);
    new k8s.KubeServiceAccount(this, `ServiceAccount.${name}`, { metadata: { name, namespace, labels } });
    clusterScoped(new k8s.KubeClusterRole(this, `ClusterRole.${name}`, {
      metadata: { name, labels },
      // Read-only: the kubernetes filter only looks up pod and namespace metadata.
      rules: [{ apiGroups: [''], resources: ['namespaces', 'pods'], verbs: ['get', 'list', 'watch'] }],
    }));
    clusterScoped(new k8s.KubeClusterRoleBinding(this, `ClusterRoleBinding.${name}`, {
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    }));
    const selector = { app: name };
    this.addService(service, { selector, role, version });
    this.addDaemonSet({ name, role, version, namespace, selector }, {
      tolerations: [
        { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
        { key: 'node-role.kubernetes.io/master', operator: 'Exists', effect: 'NoSchedule' },
      ],
      pod: {
        serviceAccountName: name,
        automountServiceAccountToken: true,
        volumes: [
          { name: 'varlog', hostPath: { path: '/var/log', type: 'Directory' } },
          { name: 'varlibdockercontainers', hostPath: { path: '/var/lib/docker/containers', type: '' } },
          { name: 'state', hostPath: { path: FLUENT_BIT_STATE_DIR, type: 'DirectoryOrCreate' } },
          { name: 'config', configMap: { name: configName } },
        ],
        containers: [{
          name: 'fluent-bit',
          image,
          ports: { metrics: service.ports.metrics },
          resources: cfg.resources,
          security: { deviations: FLUENT_BIT_DEVIATIONS },
          mounts: [
            { name: 'varlog', mountPath: '/var/log', readOnly: true },
            { name: 'varlibdockercontainers', mountPath: '/var/lib/docker/containers', readOnly: true },
            { name: 'state', mountPath: FLUENT_BIT_STATE_DIR },
            { name: 'config', mountPath: '/fluent-bit/etc/', readOnly: true },
          ],
          livenessProbe: httpProbe('/', 'metrics', { initialDelaySeconds: 10, periodSeconds: 30 }),
          readinessProbe: httpProbe('/api/v1/health', 'metrics', { initialDelaySeconds: 10, periodSeconds: 10 }),
        }],
      },
    });
  }
}

/**
 * Loki single-binary configuration: filesystem storage under /loki (the volume) and compactor retention. With
 * `ruler`, the rules come from LOKI_RULES_DIR (the rules ConfigMap) and firing alerts go to that Alertmanager over
 * its v2 API (Alertmanager 0.27 removed v1; Loki 2.9 defaults to v1).
 */
export function lokiConfig(httpPort: number, grpcPort: number, retention: string, ruler?: { alertmanagerUrl: string }): string {
  const rulerBlock = ruler ? `
ruler:
  alertmanager_url: ${ruler.alertmanagerUrl}
  enable_alertmanager_v2: true
  evaluation_interval: 1m
  rule_path: /loki/rules-temp
  wal:
    dir: /loki/ruler-wal
` : '';
  return `auth_enabled: false

server:
  http_listen_port: ${httpPort}
  grpc_listen_port: ${grpcPort}

common:
  path_prefix: /loki
  storage:
    filesystem:
      chunks_directory: /loki/chunks
      rules_directory: ${ruler ? LOKI_RULES_DIR : '/loki/rules'}
  replication_factor: 1
  ring:
    kvstore:
      store: inmemory

schema_config:
  configs:
    - from: 2024-01-01
      store: tsdb
      object_store: filesystem
      schema: v13
      index:
        prefix: index_
        period: 24h

limits_config:
  retention_period: ${retention}
  max_query_length: 721h
  reject_old_samples: true
  reject_old_samples_max_age: 168h
  ingestion_rate_mb: 10
  ingestion_burst_size_mb: 20

compactor:
  working_directory: /loki/compactor
  shared_store: filesystem
  compaction_interval: 10m
  retention_enabled: true
  retention_delete_delay: 2h
  retention_delete_worker_count: 150
${rulerBlock}`;
}

/** The Fluent Bit pipeline: tail the given namespaces' container logs, add pod metadata, ship to Loki. */
export function fluentBitConfig(o: { namespaces: readonly string[]; lokiHost: string; lokiPort: number; apiUrl: string; metricsPort: number; stateDb: string }): string {
  const paths = o.namespaces.map((ns) => `/var/log/containers/*_${ns}_*.log`).join(',');
  return `[SERVICE]
    Daemon Off
    Flush 1
    Log_Level info
    Parsers_File parsers.conf
    HTTP_Server On
    HTTP_Listen 0.0.0.0
    HTTP_Port ${o.metricsPort}
    Health_Check On

[INPUT]
    Name tail
    Path ${paths}
    multiline.parser docker, cri
    Tag kube.*
    DB ${o.stateDb}
    DB.locking true
    Mem_Buf_Limit 5MB
    Skip_Long_Lines On
    Refresh_Interval 10

[FILTER]
    Name kubernetes
    Match kube.*
    Kube_URL ${o.apiUrl}
    Kube_CA_File /var/run/secrets/kubernetes.io/serviceaccount/ca.crt
    Kube_Token_File /var/run/secrets/kubernetes.io/serviceaccount/token
    Kube_Tag_Prefix kube.var.log.containers.
    Merge_Log On
    Keep_Log Off
    K8S-Logging.Parser On
    K8S-Logging.Exclude On

[OUTPUT]
    Name loki
    Match kube.*
    Host ${o.lokiHost}
    Port ${o.lokiPort}
    Labels job=fluent-bit, namespace=$kubernetes['namespace_name'], pod=$kubernetes['pod_name'], container=$kubernetes['container_name']
    Auto_Kubernetes_Labels On
    Line_Format json
    Retry_Limit 10
`;
}

/** Parsers for the docker (JSON) and CRI log formats. */
export const FLUENT_BIT_PARSERS = `[PARSER]
    Name docker
    Format json
    Time_Key time
    Time_Format %Y-%m-%dT%H:%M:%S.%L%z

[PARSER]
    Name cri
    Format regex
    Regex ^(?<time>[^ ]+) (?<stream>stdout|stderr) (?<logtag>[^ ]*) (?<log>.*)$
    Time_Key time
    Time_Format %Y-%m-%dT%H:%M:%S.%L%z
`;
