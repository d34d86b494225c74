import { Construct } from 'constructs';
import {
  PrometheusRule, PrometheusRuleSpecGroupsRulesExpr, ServiceMonitor, ServiceMonitorSpecEndpoints,
  ServiceMonitorSpecEndpointsRelabelingsAction, ServiceMonitorSpecEndpointsScheme,
} from '../../../imports/monitoring.coreos.com';
import { componentSelector, PlatformComponent } from '../../core/component';
import { PlatformConfigError } from '../../core/errors';
import { ServiceDescriptor } from '../../core/graph';

/** One alerting rule. `expr` is PromQL; annotations are Prometheus templates, written verbatim. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  /** @default - fires at the first evaluation */
  readonly for?: string;
  readonly severity: 'critical' | 'warning';
  readonly summary: string;
  readonly description: string;
}

/** A group of alerting rules. */
export interface AlertGroup {
  readonly name: string;
  /** @default - the Prometheus evaluation interval */
  readonly interval?: string;
  readonly rules: readonly AlertRule[];
}

/**
 * A PrometheusRule labelled so the environment's Prometheus selects it. The annotations go into the YAML
 * as written: nothing re-templates generated YAML, so `{{ $value }}` needs no Helm escaping here.
 */
export function addPrometheusRule(scope: PlatformComponent, name: string, namespace: string, role: string, groups: readonly AlertGroup[]): PrometheusRule {
  const env = scope.environment;
  return new PrometheusRule(scope, `PrometheusRule.${name}`, {
    metadata: { name, namespace, labels: { ...scope.labelsFor(role, 'v1'), ...env.components.monitoring.prometheusSelector } },
    spec: {
      groups: groups.map((g) => ({
        name: g.name,
        interval: g.interval,
        rules: g.rules.map((r) => ({
          alert: r.alert,
          expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr),
          for: r.for,
          labels: { severity: r.severity, component: scope.component, environment: env.name },
          annotations: { summary: r.summary, description: r.description },
        })),
      })),
    },
  });
}

/** One scraped port of a ServiceMonitor. */
export interface ScrapeEndpoint {
  /** The Service port name. */
  readonly port: string;
  readonly path: string;
  /** @default http */
  readonly scheme?: 'http' | 'https';
}

/**
 * A ServiceMonitor for Services that one component provides: it selects the component's Services by their
 * name/instance labels, keeps only the given Services (by name) and scrapes the given ports. Each port must
 * exist on one of the Services (checked; the edges are recorded in the graph).
 */
export function addServiceMonitor(scope: PlatformComponent, name: string, services: readonly ServiceDescriptor[], endpoints: readonly ScrapeEndpoint[]): ServiceMonitor {
  const env = scope.environment;
  const component = services[0]?.component;
  if (!component || services.some((s) => s.component !== component)) {
    throw new PlatformConfigError(scope.where(`ServiceMonitor ${name}`), 'the Services must all belong to one component', 'make one ServiceMonitor per providing component');
  }
  const namespace = services[0].namespace;
  for (const e of endpoints) {
    const owners = services.filter((s) => e.port in s.ports);
    if (owners.length === 0) {
      throw new PlatformConfigError(scope.where(`ServiceMonitor ${name}`), `no Service of ${services.map((s) => s.name).join(', ')} has a port '${e.port}'`,
        `scrape one of the ports ${[...new Set(services.flatMap((s) => Object.keys(s.ports)))].join(', ')}`);
    }
    // A scrape edge: the client is the environment's Prometheus (network policies admit it on this port).
    for (const s of owners) scope.graph.addEdge({ from: scope.component, to: s.component, kind: 'service', target: s.name, detail: e.port, scrape: true });
  }
  const keep = services.map((s) => s.name).sort().join('|');
  const spec: ServiceMonitorSpecEndpoints[] = endpoints.map((e) => ({
    port: e.port,
    path: e.path,
    scheme: e.scheme === 'https' ? ServiceMonitorSpecEndpointsScheme.HTTPS : ServiceMonitorSpecEndpointsScheme.HTTP,
    interval: env.components.monitoring.scrapeInterval,
    // The component's other Services carry the same labels (e.g. minio-headless next to minio-service):
    // keep only the named ones, so no pod is scraped twice. The operator adds namespace, service and pod labels.
    relabelings: [{ action: ServiceMonitorSpecEndpointsRelabelingsAction.KEEP, sourceLabels: ['__meta_kubernetes_service_name'], regex: keep }],
  }));
  return new ServiceMonitor(scope as Construct, `ServiceMonitor.${namespace ?? ''}.${name}`, {
    metadata: { name, namespace, labels: { ...scope.labelsFor('metrics', 'v1'), ...env.components.monitoring.prometheusSelector } },
    spec: {
      selector: { matchLabels: componentSelector(component, env.name) },
      endpoints: spec,
    },
  });
}
