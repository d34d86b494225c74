import { z } from 'zod';
import { resourceSpec } from '../../core/schema';

/** Environment values of the Bitnami Redis that serves Superset (cache, Celery broker and results). */
export const redisConfig = z.strictObject({
  enabled: z.boolean().default(true),
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
export type RedisConfig = z.infer<typeof redisConfig>;
