import * as z from 'zod';
import { dnsLabel, explicitResources, resourceSpec, storageSize } from '../../core/schema';

/** Environment values of the logging stack (Fluent Bit and Loki). */
export const loggingConfig = z.strictObject({
  /** Whether the logging stack is synthesized (false: none of its objects are written). */
  enabled: z.boolean().default(true),
  /** The namespace of Loki and Fluent Bit (the reference's `victoria-metrics`; names carry `sharedObjectSuffix`). */
  namespace: dnsLabel.default('victoria-metrics'),
  /** Loki, the log store. */
  loki: z.strictObject({
    /** The volume holding chunks and index for the whole retention. */
    storage: storageSize.default('20Gi'),
    /** How long logs are kept (hours). */
    retention: z.string().regex(/^\d+h$/, { message: "not a retention in hours; write e.g. '336h'" }).default('336h'),
    /** Requests and limits of Loki: a preset name or written out. */
    resources: resourceSpec.default({ requests: { cpu: '200m', memory: '512Mi' }, limits: { cpu: '1000m', memory: '2Gi' } }),
  }).prefault({}),
  /** Fluent Bit, the DaemonSet shipping container logs to Loki. */
  fluentBit: z.strictObject({
    /** Requests and limits of each Fluent Bit pod, written out. */
    resources: explicitResources.default({ requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '200m', memory: '256Mi' } }),
    /**
     * Namespaces whose container logs this environment's Fluent Bit ships besides its own namespace
     * (each environment ships only its own, so logs are not shipped three times in a shared cluster).
     */
    extraNamespaces: z.array(dnsLabel).default([]),
  }).prefault({}),
});
// Generated from `loggingConfig` with its TSDoc (`npm run config-types`); equal to `z.infer<typeof loggingConfig>`.
export type { LoggingConfig } from '../../config/types.generated';
