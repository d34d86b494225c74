import * as z from 'zod';
import { resourceSpec } from '../../core/schema';

/** Environment values of the Bitnami Redis that serves Superset (cache, Celery broker and results). */
export const redisConfig = z.strictObject({
  /** Whether Redis is synthesized (false: none of its objects are written). */
  enabled: z.boolean().default(true),
  /** Client authentication. */
  auth: z.strictObject({
    /**
     * Password authentication. The password comes from Secret `redis-secret` (key `redis-password`), filled by an
     * ExternalSecret from the environment's secret store; off only where the network is trusted (dev).
     */
    enabled: z.boolean().default(true),
  }).prefault({}),
  /** Requests and limits (the reference pack's 100m/256Mi, 250m/512Mi). */
  resources: resourceSpec.default({ requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '250m', memory: '512Mi' } }),
});
// Generated from `redisConfig` with its TSDoc (`npm run config-types`); equal to `z.infer<typeof redisConfig>`.
export type { RedisConfig } from '../../config/types.generated';
