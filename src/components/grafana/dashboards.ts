/**
 * The platform dashboards, as Grafana's file provisioning reads them: one dashboard model per file (not the
 * `{"dashboard": ...}` envelope of the HTTP API, which file provisioning does not unwrap), each with a
 * stable `uid`, and every panel bound to a provisioned datasource by uid.
 */

/** The uids of the provisioned datasources (set in the datasources provisioning file). */
export const DATASOURCE_UIDS = { prometheus: 'prometheus', loki: 'loki' } as const;
export type DatasourceKind = keyof typeof DATASOURCE_UIDS;

/** What the dashboards are about in one environment. */
export interface DashboardContext {
  /** The environment's namespace. */
  readonly namespace: string;
  /** The environment's name (shown in titles). */
  readonly environment: string;
  /** The Velero Schedule of the environment, if backups are on. */
  readonly backupSchedule?: string;
}

interface PanelSpec {
  readonly title: string;
  readonly type: 'timeseries' | 'stat' | 'logs' | 'table';
  readonly datasource: DatasourceKind;
  readonly exprs: readonly string[];
  readonly legend?: string;
  readonly unit?: string;
}

function dashboard(uid: string, title: string, ctx: DashboardContext, panels: readonly PanelSpec[]): Record<string, unknown> {
  return {
    uid,
    title: `${title} (${ctx.environment})`,
    tags: ['data-platform', ctx.environment],
    timezone: 'browser',
    editable: false,
    schemaVersion: 39,
    version: 1,
    refresh: '1m',
    time: { from: 'now-6h', to: 'now' },
    templating: { list: [] },
    annotations: { list: [] },
    panels: panels.map((p, i) => ({
      id: i + 1,
      title: p.title,
      type: p.type,
      datasource: { type: p.datasource, uid: DATASOURCE_UIDS[p.datasource] },
      gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: p.type === 'logs' ? 24 : 12, h: 8 },
      fieldConfig: { defaults: p.unit ? { unit: p.unit } : {}, overrides: [] },
      targets: p.exprs.map((expr, j) => ({
        refId: String.fromCharCode(65 + j),
        datasource: { type: p.datasource, uid: DATASOURCE_UIDS[p.datasource] },
        expr,
        ...(p.legend ? { legendFormat: p.legend } : {}),
      })),
    })),
  };
}

/** The dashboards by file name (`<uid>.json`). */
export function platformDashboards(ctx: DashboardContext): Record<string, Record<string, unknown>> {
  const ns = `namespace="${ctx.namespace}"`;
  const overview: PanelSpec[] = [
    { title: 'Scrape targets up, by job', type: 'stat', datasource: 'prometheus', exprs: [`sum by (job) (up{${ns}})`], legend: '{{job}}' },
    { title: 'Pods not ready', type: 'table', datasource: 'prometheus', exprs: [`sum by (pod) (kube_pod_status_ready{${ns}, condition="false"}) > 0`] },
    { title: 'Container restarts (1h)', type: 'timeseries', datasource: 'prometheus', exprs: [`sum by (pod) (increase(kube_pod_container_status_restarts_total{${ns}}[1h]))`], legend: '{{pod}}' },
    { title: 'CPU used, by pod', type: 'timeseries', datasource: 'prometheus', exprs: [`sum by (pod) (rate(container_cpu_usage_seconds_total{${ns}, container!=""}[5m]))`], legend: '{{pod}}' },
  ];
  if (ctx.backupSchedule) {
    overview.push({ title: 'Hours since the last successful backup', type: 'stat', datasource: 'prometheus', unit: 'h',
      exprs: [`(time() - max by (schedule) (velero_backup_last_successful_timestamp{schedule="${ctx.backupSchedule}"})) / 3600`], legend: '{{schedule}}' });
  }
  const ds = `${ns}, job=~"dolphinscheduler-.*"`;
  const dolphin: PanelSpec[] = [
    { title: 'JVM heap used', type: 'timeseries', datasource: 'prometheus', unit: 'bytes', exprs: [`sum by (pod) (jvm_memory_used_bytes{${ds}, area="heap"})`], legend: '{{pod}}' },
    { title: 'API requests per second', type: 'timeseries', datasource: 'prometheus', unit: 'reqps',
      exprs: [`sum by (status) (rate(http_server_requests_seconds_count{${ns}, job="dolphinscheduler-api"}[5m]))`], legend: '{{status}}' },
    { title: 'API mean latency', type: 'timeseries', datasource: 'prometheus', unit: 's',
      exprs: [`sum(rate(http_server_requests_seconds_sum{${ns}, job="dolphinscheduler-api"}[5m])) / sum(rate(http_server_requests_seconds_count{${ns}, job="dolphinscheduler-api"}[5m]))`] },
    { title: 'Ready replicas', type: 'stat', datasource: 'prometheus', exprs: [`kube_deployment_status_replicas_ready{${ns}, deployment=~"dolphinscheduler-.*"}`], legend: '{{deployment}}' },
  ];
  const logs: PanelSpec[] = [
    { title: 'Log lines per second, by container', type: 'timeseries', datasource: 'loki', exprs: [`sum by (container) (rate({namespace="${ctx.namespace}"}[5m]))`], legend: '{{container}}' },
    { title: 'Errors', type: 'logs', datasource: 'loki', exprs: [`{namespace="${ctx.namespace}"} |~ "(?i)(error|exception)"`] },
  ];
  return {
    'platform-overview.json': dashboard('platform-overview', 'Data Platform Overview', ctx, overview),
    'dolphinscheduler.json': dashboard('dolphinscheduler', 'DolphinScheduler', ctx, dolphin),
    'platform-logs.json': dashboard('platform-logs', 'Platform Logs', ctx, logs),
  };
}
