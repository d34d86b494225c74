import { z } from 'zod';
import { dnsLabel, explicitResources, resourceSpec, storageSize } from '../../core/schema';

/** Environment values of the logging stack (Fluent Bit and Loki). */
export const loggingConfig = z.strictObject({
  enabled: z.boolean().default(true),
  /** The namespace of Loki and Fluent Bit (the reference's `victoria-metrics`; names carry `sharedObjectSuffix`). */
  namespace: dnsLabel.default('victoria-metrics'),
  loki: z.strictObject({
    /** The volume holding chunks and index for the whole retention. */
    storage: storageSize.default('20Gi'),
    /** How long logs are kept (hours). */
    retention: z.string().regex(/^\d+h$/, { message: "not a retention in hours; write e.g. '336h'" }).default('336h'),
    resources: resourceSpec.default({ requests: { cpu: '200m', memory: '512Mi' }, limits: { cpu: '1000m', memory: '2Gi' } }),
  }).prefault({}),
  fluentBit: z.strictObject({
    resources: explicitResources.default({ requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '200m', memory: '256Mi' } }),
    /**
     * Namespaces whose container logs this environment's Fluent Bit ships besides its own namespace
     * (each environment ships only its own, so logs are not shipped three times in a shared cluster).
     */
    extraNamespaces: z.array(dnsLabel).default([]),
  }).prefault({}),
});
export type LoggingConfig = z.infer<typeof loggingConfig>;
