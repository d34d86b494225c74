import * as z from 'zod';
import { quantity, storageSize } from '../../core/schema';
import type { LibraryPolicySet } from './rules';

const cpuMemory = z.strictObject({
  /** CPU, as a Kubernetes quantity (e.g. `2000m`). */
  cpu: quantity,
  /** Memory, as a Kubernetes quantity (e.g. `4Gi`). */
  memory: quantity,
});
const count = z.number().int().min(0);

/** Environment values of the platform's Kyverno policies and their generated exceptions. */
export const policiesConfig = z.strictObject({
  /** Whether the platform's Kyverno policies (and their exceptions) is synthesized (false: none of its objects are written). */
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
   * @default - no ResourceQuota is written
   */
  quota: z.strictObject({
    /** The sum of the CPU and memory requests of the namespace's pods (`requests.cpu`, `requests.memory`). */
    requests: cpuMemory,
    /** The sum of their CPU and memory limits (`limits.cpu`, `limits.memory`). */
    limits: cpuMemory,
    /** The most pods in the namespace. */
    pods: count,
    /** The most PersistentVolumeClaims in the namespace. */
    persistentVolumeClaims: count,
    /** The sum of the storage the namespace's claims request (`requests.storage`). */
    requestsStorage: storageSize,
    /**
     * The most nodes a DaemonSet in the namespace can run on (needed only when the platform runs one there).
     * @default - no DaemonSet counted
     */
    nodes: count.optional(),
  }).optional(),
  /**
   * The LimitRange `platform-limits` of the environment's namespace (none when unset): per container, the
   * defaults for a container that declares no resources (the namespace's other pods; every platform container
   * declares its own) and the largest limit; the synth fails when a platform container's limit is above `max`.
   * @default - no LimitRange is written
   */
  limitRange: z.strictObject({
    /** The requests of a container that declares none. */
    defaultRequest: cpuMemory,
    /** The limits of a container that declares none. */
    default: cpuMemory,
    /** The largest limits a container may declare. */
    max: cpuMemory,
  }).optional(),
});
// Generated from `policiesConfig` with its TSDoc (`npm run config-types`); equal to `z.infer<typeof policiesConfig>`.
export type { PoliciesConfig } from '../../config/types.generated';
