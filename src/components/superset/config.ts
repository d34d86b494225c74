import { z } from 'zod';
import { dnsLabel, replicas, resourceSpec } from '../../core/schema';

/** An environment variable name. */
const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  message: "not an environment variable name; use letters, digits and '_', e.g. 'MAPBOX_API_KEY'",
});

/** Environment values of Superset (web, Celery worker and beat, init Job). */
export const supersetConfig = z.strictObject({
  enabled: z.boolean().default(true),
  replicas: z.strictObject({
    web: replicas.default(1),
    worker: replicas.default(1),
    /** Celery beat schedules periodic tasks: a second beat would schedule every task twice. */
    beat: replicas.max(1, { message: 'at most one Celery beat may run; set 0 or 1' }).default(1),
  }).prefault({}),
  resources: z.strictObject({
    web: resourceSpec.default({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1000m', memory: '2Gi' } }),
    worker: resourceSpec.default({ requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1000m', memory: '1Gi' } }),
    beat: resourceSpec.default({ requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } }),
    init: resourceSpec.default('small'),
  }).prefault({}),
  /** Gunicorn worker processes and threads of each web pod. */
  gunicorn: z.strictObject({
    workers: z.number().int().min(1).max(32).default(4),
    threads: z.number().int().min(1).max(64).default(8),
    timeoutSeconds: z.number().int().min(10).max(3600).default(300),
  }).prefault({}),
  /** Celery worker processes of each worker pod. */
  workerConcurrency: z.number().int().min(1).max(64).default(4),
  /**
   * Trust the user name the ingress forwards (`X-WEBAUTH-USER`, set by Cloudflare Access) instead of Superset's
   * own login form (the reference pack's `SUPERSET_DISABLE_LOCAL_AUTH=true`).
   */
  remoteUserAuth: z.boolean().default(true),
  /**
   * Further environment variables of every Superset container, each from a key of a Secret that the platform
   * produces or the environment declares under `external.secrets`. The synth fails if the Secret or key does not exist.
   */
  extraSecretEnv: z.record(envVarName, z.strictObject({ secret: dnsLabel, key: z.string().min(1) })).default({}),
});
export type SupersetConfig = z.infer<typeof supersetConfig>;
