import { z } from 'zod';
import { quantity, storageSize } from '../../core/schema';
import type { LibraryPolicySet } from './rules';

const cpuMemory = z.strictObject({ cpu: quantity, memory: quantity });
const count = z.number().int().min(0);

/** Environment values of the platform's Kyverno policies and their generated exceptions. */
export const policiesConfig = z.strictObject({
  enabled: z.boolean().default(true),
  /** What a violation does: `Audit` reports it (as today), `Enforce` blocks the admission. */
  validationFailureAction: z.enum(['Audit', 'Enforce']).default('Audit'),
  /**
   * Upstream Kyverno library policy sets (release-1.12) that the cluster runs and that the generated
   * exceptions must cover too: best-practices, pod-security-baseline, pod-security-restricted.
   */
  librarySets: z.array(z.enum(['best-practices', 'pod-security-baseline', 'pod-security-restricted'] satisfies readonly LibraryPolicySet[]))
    .refine((a) => new Set(a).size === a.length, { message: 'a library set is listed twice; list each once' })
    .default([]),
  /**
   * The ResourceQuota `platform-quota` of the environment's namespace (none when unset). The synth fails when a
   * value is below what the platform's own pods can demand at once: every workload at its highest replica count,
   * rolling-update surge, hook Jobs and CronJob runs. It caps the namespace's other pods too (the PostgreSQL
   * servers): leave room for them.
   */
  quota: z.strictObject({
    requests: cpuMemory,
    limits: cpuMemory,
    pods: count,
    persistentVolumeClaims: count,
    requestsStorage: storageSize,
    /** The most nodes a DaemonSet in the namespace can run on (needed only when the platform runs one there). */
    nodes: count.optional(),
  }).optional(),
  /**
   * The LimitRange `platform-limits` of the environment's namespace (none when unset): per container, the
   * defaults for a container that declares no resources (the namespace's other pods; every platform container
   * declares its own) and the largest limit; the synth fails when a platform container's limit is above `max`.
   */
  limitRange: z.strictObject({ defaultRequest: cpuMemory, default: cpuMemory, max: cpuMemory }).optional(),
});
export type PoliciesConfig = z.infer<typeof policiesConfig>;
