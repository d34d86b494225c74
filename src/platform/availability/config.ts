import * as z from 'zod';
import { dnsLabel } from '../../core/schema';

/** Environment values of the generic availability rules (PodDisruptionBudgets and topology spread). */
export const availabilityConfig = z.strictObject({
  /**
   * The zones the environment's nodes are spread over (their `topology.kubernetes.io/zone` values). With two or
   * more, every workload with more than one replica is spread over zones as well as over nodes.
   */
  zones: z.array(dnsLabel).refine((a) => new Set(a).size === a.length, { message: 'a zone is listed twice; list each once' }).default([]),
  /**
   * What the scheduler does when a spread cannot be kept: `ScheduleAnyway` (prefer, never leave a pod pending) or
   * `DoNotSchedule` (keep the skew, even if pods stay pending).
   */
  whenUnsatisfiable: z.enum(['ScheduleAnyway', 'DoNotSchedule']).default('ScheduleAnyway'),
});
// Generated from `availabilityConfig` with its TSDoc (`npm run config-types`); equal to `z.infer<typeof availabilityConfig>`.
export type { AvailabilityConfig } from '../../config/types.generated';
