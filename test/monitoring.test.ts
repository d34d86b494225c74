import { PlatformMonitoring } from '../src/components/monitoring/monitoring';
import { App } from 'cdk8s';
import { ServiceDescriptor } from '../src/core/graph';
import { loadEnvironment } from '../src/config/values';
import { toYaml } from '../src/core/yaml';
import { ENVS, envOf, find, NAMESPACES, objectsOf, podOf } from './util';

const SUFFIX: Record<string, string> = { dev: '-dev', staging: '-staging', prod: '' };

function rulesOf(objs: ReturnType<typeof objectsOf>) {
  return objs.filter((o) => o.manifest.kind === 'PrometheusRule')
    .flatMap((o) => o.manifest.spec.groups.flatMap((g: any) => g.rules.map((r: any) => ({ file: o, rule: r }))));
}

/** A Trino coordinator descriptor made by hand (the Trino component is built elsewhere). */
const TRINO: ServiceDescriptor<'http'> = { component: 'trino', name: 'trino-coordinator', ports: { http: 8080 } };

describe('Prometheus rules and ServiceMonitors', () => {
  test.each(ENVS)('regression: annotations carry Prometheus templating verbatim, with no Helm escape residue (%s)', (env) => {
    const objs = objectsOf(env);
    const files = objs.filter((o) => o.manifest.kind === 'PrometheusRule');
    expect(files.map((f) => f.manifest.metadata.name).sort()).toEqual([`data-platform-alerts${SUFFIX[env]}`, `velero-backup-alerts${SUFFIX[env]}`]);
    const text = files.map((f) => toYaml(f.manifest)).join('\n');
    // The literal Prometheus templates, exactly as Prometheus expands them.
    expect(text).toContain('{{ $value }}');
    expect(text).toContain('{{ $labels.pod }}');
    expect(text).toContain('{{ $labels.schedule }}');
    expect(text).toContain('{{ $value | humanizeDuration }}');
    // No trace of the Helm escapes the old chart needed ({{`{{ ... }}`}}, {{ "{{" }}).
    expect(text).not.toMatch(/\{\{`|`\}\}|\{\{\s*"\{\{"\s*\}\}|\{\{\{\{|\}\}\}\}|\\\{\\\{/);
    for (const { rule } of rulesOf(objs)) {
      for (const a of Object.values(rule.annotations) as string[]) {
        // Every template action is a Prometheus one: `{{ $value ... }}` or `{{ $labels.x }}`, balanced.
        const opens = a.match(/\{\{/g)?.length ?? 0;
        expect(a.match(/\}\}/g)?.length ?? 0).toBe(opens);
        for (const m of a.matchAll(/\{\{(.*?)\}\}/g)) expect(m[1]).toMatch(/^ \$(value|labels\.[a-z_]+)( \| humanize(Duration|Percentage)?)? $/);
      }
    }
  });

  test.each(ENVS)('each expression is correct for its metric type (%s)', (env) => {
    for (const { rule } of rulesOf(objectsOf(env))) {
      const expr: string = rule.expr;
      // Counters (*_total) only through rate()/increase() over a range, never their lifetime value.
      for (const m of expr.matchAll(/([a-z_:]+_total)(?![a-z_])(\{[^}]*\})?(\[[^\]]+\])?/g)) {
        expect(m[3]).toBeDefined();
        expect(expr.slice(0, m.index)).toMatch(/(increase|rate)\($/);
      }
      // The backup-duration histogram only through its _bucket/_sum/_count series.
      expect(expr).not.toMatch(/velero_backup_duration_seconds(?!_bucket|_sum|_count)/);
      if (expr.includes('_bucket')) expect(expr).toMatch(/histogram_quantile\(0\.\d+, sum by \(le[,)]/);
    }
  });

  test.each(ENVS)('rules are labelled for the environment\'s Prometheus and live in its namespace (%s)', (env) => {
    for (const o of objectsOf(env).filter((x) => ['PrometheusRule', 'ServiceMonitor'].includes(x.manifest.kind))) {
      expect(o.manifest.metadata.labels.release).toBe('kube-prometheus-stack');
      if (o.manifest.kind === 'PrometheusRule') expect(o.manifest.metadata.namespace).toBe('monitoring');
    }
  });

  test.each([['dev', 1], ['prod', 1]] as const)('the platform alerts cover component down, master readiness and compaction (%s)', (env, masters) => {
    const rules = Object.fromEntries(rulesOf(objectsOf(env)).map(({ rule }) => [rule.alert, rule]));
    const ns = `namespace="${NAMESPACES[env]}"`;
    expect(rules.PlatformTargetDown.expr).toBe(`up{${ns}} == 0`);
    expect(rules.PlatformDeploymentUnavailable.expr).toContain(`kube_deployment_status_replicas_available{${ns}} == 0`);
    expect(rules.DolphinSchedulerMasterNotReady.expr).toContain(`deployment="dolphinscheduler-master"`);
    expect(rules.DolphinSchedulerMasterNotReady.expr).toMatch(new RegExp(`< ${masters}$`));
    expect(rules.IcebergCompactionFailed.expr).toContain('kube_job_status_failed{');
    expect(rules.IcebergCompactionFailed.expr).toContain('job_name=~"iceberg-compaction-[0-9]+"');
    expect(rules.IcebergCompactionNotRun.expr).toContain(`time() - max by (namespace, cronjob) (kube_cronjob_status_last_successful_time{${ns}, cronjob="iceberg-compaction"}) > ${26 * 3600}`);
    expect(rules.VeleroBackupFailed.expr).toContain('increase(velero_backup_failure_total');
    expect(rules.VeleroBackupTooOld.expr).toMatch(/> 90000$/);
  });

  test('DolphinScheduler is scraped on its actuator Prometheus endpoints, and the selector matches its Services', () => {
    const objs = objectsOf('prod');
    const sm = find(objs, 'ServiceMonitor', 'dolphinscheduler');
    const byPort = Object.fromEntries(sm.spec.endpoints.map((e: any) => [e.port, e.path]));
    expect(byPort).toEqual({ api: '/dolphinscheduler/actuator/prometheus', actuator: '/actuator/prometheus', alert: '/actuator/prometheus' });
    const selected = objs.filter((o) => o.manifest.kind === 'Service' && o.manifest.metadata.namespace === sm.metadata.namespace
      && Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => o.manifest.metadata.labels[k] === v));
    expect(selected.map((s) => s.manifest.metadata.name).sort()).toEqual(['dolphinscheduler-alert', 'dolphinscheduler-api', 'dolphinscheduler-master', 'dolphinscheduler-worker']);
    // Every scraped port exists on a selected Service; the actuator ports are the containers' ones.
    const ports = new Set(selected.flatMap((s) => s.manifest.spec.ports.map((p: any) => p.name)));
    for (const port of Object.keys(byPort)) expect(ports.has(port)).toBe(true);
    expect(find(objs, 'Service', 'dolphinscheduler-master').spec.ports.find((p: any) => p.name === 'actuator').port).toBe(5679);
  });

  test('MinIO is scraped once (minio-service only) with its metrics readable by Prometheus', () => {
    const objs = objectsOf('prod');
    const sm = find(objs, 'ServiceMonitor', 'minio');
    expect(sm.spec.endpoints).toHaveLength(1);
    expect(sm.spec.endpoints[0]).toMatchObject({ port: 'minio-api', path: '/minio/v2/metrics/cluster' });
    expect(sm.spec.endpoints[0].relabelings).toEqual([{ action: 'keep', sourceLabels: ['__meta_kubernetes_service_name'], regex: 'minio-service' }]);
    // Without this MinIO answers the scrape with 403: set on the current server (minio-v2, from phase mirror on);
    // the legacy server keeps its live spec (no such variable) until the lake migration switches the Services.
    const current = objectsOf('prod', { values: [{ source: 'test', data: { components: { minio: { migration: { phase: 'switched' } } } } }] });
    expect(envOf(podOf(find(current, 'StatefulSet', 'minio-v2')).containers[0], 'MINIO_PROMETHEUS_AUTH_TYPE')).toBe('public');
    expect(envOf(podOf(find(objs, 'StatefulSet', 'minio')).containers[0], 'MINIO_PROMETHEUS_AUTH_TYPE')).toBeUndefined();
  });

  test('Trino is monitored when it is deployed; workers below the environment\'s replicas alert', () => {
    const noTrino = objectsOf('prod', { values: [{ source: 'test', data: { components: { trino: { enabled: false } } } }] });
    expect(noTrino.some((o) => o.manifest.kind === 'ServiceMonitor' && o.manifest.metadata.name === 'trino')).toBe(false);
    const objs = objectsOf('prod');
    const sm = find(objs, 'ServiceMonitor', 'trino');
    expect(sm.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'trino', 'app.kubernetes.io/instance': 'trino-prod' });
    expect(sm.spec.endpoints[0]).toMatchObject({ port: 'metrics', path: '/metrics' });
    expect(sm.spec.endpoints[0].relabelings[0].regex).toBe('trino-coordinator');
    const rule = rulesOf(objs).find(({ rule: r }) => r.alert === 'TrinoWorkersBelowReplicas')!.rule;
    expect(rule.expr).toBe('(sum(kube_deployment_status_replicas_available{namespace="data-platform", deployment="trino-worker"}) or on () vector(0)) < 3');
    expect(rule.annotations.description).toContain('{{ $value }} of 3 Trino workers');
  });

  test('a ServiceMonitor on a port the Service does not have fails with the fix', () => {
    const app = new App();
    expect(() => new PlatformMonitoring(app, 'monitoring', { environment: loadEnvironment('prod'), trino: { coordinator: TRINO, metricsPort: 'metrics', workerReplicas: 2 } }))
      .toThrow(/environment 'prod', component 'monitoring', ServiceMonitor trino: no Service of trino-coordinator has a port 'metrics'. Fix: scrape one of the ports http/);
  });
});
