import * as z from 'zod';
import { dnsLabel } from '../../core/schema';

/** A Prometheus duration such as `30s`, `5m`, `26h`. */
export const promDuration = z.string().regex(/^(\d+(ms|s|m|h|d|w|y))+$/, { message: "not a Prometheus duration; write e.g. '30s', '5m' or '26h'" });

/** Environment values of the platform's Prometheus rules and ServiceMonitors. */
export const monitoringConfig = z.strictObject({
  /** Whether the platform's monitoring (rules and ServiceMonitors) is synthesized (false: none of its objects are written). */
  enabled: z.boolean().default(true),
  /** The namespace of the PrometheusRules (the Prometheus' own namespace, which it always reads rules from). */
  ruleNamespace: dnsLabel.default('monitoring'),
  /** Labels the environment's Prometheus selects PrometheusRules and ServiceMonitors by (kube-prometheus-stack: `release`). */
  prometheusSelector: z.record(z.string().min(1), z.string()).default({ release: 'kube-prometheus-stack' }),
  /** How often targets are scraped. */
  scrapeInterval: promDuration.default('30s'),
  /** The CronJob whose runs the compaction alerts watch. */
  compactionCronJob: dnsLabel.default('iceberg-compaction'),
});
// Generated from `monitoringConfig` with its TSDoc (`npm run config-types`); equal to `z.infer<typeof monitoringConfig>`.
export type { MonitoringConfig } from '../../config/types.generated';
