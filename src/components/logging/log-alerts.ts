import { toYaml } from '../../core/yaml';

/**
 * An alert Loki's ruler evaluates over the logs (LogQL), for what only a log line says: e.g. which Iceberg table
 * a maintenance run failed on. The rule file format is Prometheus' (`groups[].rules[]`), with a LogQL `expr`.
 */
export interface LogAlertRule {
  /** The alert name (CamelCase, like the Prometheus alerts). */
  readonly alert: string;
  /** A LogQL metric query; the alert fires for each series it returns. */
  readonly expr: string;
  /**
   * How long the condition must hold before the alert fires.
   * @default - at once
   */
  readonly for?: string;
  /** `warning` or `critical` (the `severity` label Alertmanager routes on). */
  readonly severity: 'warning' | 'critical';
  /** One line: what happened. */
  readonly summary: string;
  /** What happened, where, and what to look at; may use `{{ $labels.x }}`. */
  readonly description: string;
}

/** A named group of log alerts (one per component). */
export interface LogAlertGroup {
  readonly name: string;
  readonly rules: readonly LogAlertRule[];
}

/**
 * The tenant directory of Loki's local rule store when `auth_enabled: false`: Loki then serves every request as
 * tenant `fake` (grafana/loki v2.9.0 `pkg/util/fakeauth/fake_auth.go`), and the local store reads
 * `<rules_directory>/<tenant>/<file>` (`pkg/ruler/rulestore/local/local.go`).
 */
export const LOKI_SINGLE_TENANT = 'fake';

/** The rule file Loki's ruler loads (Prometheus rule format). */
export function lokiRulesFile(groups: readonly LogAlertGroup[]): string {
  return toYaml({
    groups: groups.map((g) => ({
      name: g.name,
      rules: g.rules.map((r) => ({
        alert: r.alert,
        expr: r.expr,
        ...(r.for ? { for: r.for } : {}),
        labels: { severity: r.severity },
        annotations: { summary: r.summary, description: r.description },
      })),
    })),
  });
}
