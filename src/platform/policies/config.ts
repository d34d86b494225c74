import { z } from 'zod';
import type { LibraryPolicySet } from './rules';

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
});
export type PoliciesConfig = z.infer<typeof policiesConfig>;
