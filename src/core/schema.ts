import * as z from 'zod';
import { isDnsLabel, isDnsSubdomain } from './names';
import { QUANTITY, parseQuantity } from './resources';

/** A Kubernetes quantity such as `500m`, `2`, `512Mi`, `4Gi`. */
export const quantity = z.string().regex(QUANTITY, {
  message: "not a Kubernetes quantity; write e.g. '500m', '2', '512Mi' or '4Gi'",
});

/** A size of storage (a quantity above zero). */
export const storageSize = quantity.refine((q) => !QUANTITY.test(q) || parseQuantity(q) > 0, { message: "a storage size must be above zero; use e.g. '10Gi'" });

/** An RFC 1123 label: namespaces, Service and Secret names. */
export const dnsLabel = z.string().refine(isDnsLabel, {
  message: "not a DNS label; use lower-case letters, digits and '-', at most 63 characters, e.g. 'data-platform'",
});

/** An RFC 1123 host name. */
export const dnsName = z.string().refine(isDnsSubdomain, {
  message: "not a DNS name; use lower-case labels separated by dots, e.g. 'trino.254carbon.com'",
});

/** A replica count (0 disables a workload without removing it). */
export const replicas = z.number().int({ message: 'replicas must be a whole number' }).min(0, { message: 'replicas must be 0 or more' })
  .max(1000, { message: 'more than 1000 replicas of one workload is not a platform size; use at most 1000' });

/** A TCP port. */
export const port = z.number().int().min(1).max(65535);

/** Requests and limits written out. */
export const explicitResources = z.strictObject({
  /** What the scheduler reserves for the container. */
  requests: z.strictObject({
    /** CPU request, e.g. `500m`. */
    cpu: quantity,
    /** Memory request, e.g. `1Gi`. */
    memory: quantity,
  }),
  /** What the container may use at most (each at least its request). */
  limits: z.strictObject({
    /** CPU limit, e.g. `1000m`. */
    cpu: quantity,
    /** Memory limit, e.g. `2Gi`. */
    memory: quantity,
  }),
}).superRefine((r, ctx) => {
  for (const k of ['cpu', 'memory'] as const) {
    const valid = QUANTITY.test(r.limits[k]) && QUANTITY.test(r.requests[k]);
    if (valid && parseQuantity(r.limits[k]) < parseQuantity(r.requests[k])) {
      ctx.addIssue({ code: 'custom', path: ['limits', k], message: `the limit ${r.limits[k]} is below the request ${r.requests[k]}; raise the limit or lower the request` });
    }
  }
});

/** The presets of the umbrella chart. */
export const presetName = z.enum(['small', 'medium', 'large']);

/** A container's resources: a preset name or requests/limits written out. */
export const resourceSpec = z.union([presetName, explicitResources]);

/** An image reference `registry/repository:tag` (checked further by `Image.parse`). */
export const imageReference = z.string().min(1);

// Generated from `resourceSpec` with its TSDoc (`npm run config-types`); equal to `z.infer<typeof resourceSpec>`.
export type { ResourceSpec } from '../config/types.generated';
// Generated from `presetName` with its TSDoc (`npm run config-types`); equal to `z.infer<typeof presetName>`.
export type { PresetName } from '../config/types.generated';
