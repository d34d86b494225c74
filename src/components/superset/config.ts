import * as z from 'zod';
import { dnsLabel, replicas, resourceSpec } from '../../core/schema';

/** An environment variable name. */
const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  message: "not an environment variable name; use letters, digits and '_', e.g. 'MAPBOX_API_KEY'",
});

/** Environment values of Superset (web, Celery worker and beat, init Job). */
export const supersetConfig = z.strictObject({
  /** Whether Superset is synthesized (false: none of its objects are written). */
  enabled: z.boolean().default(true),
  /** Pods per role. */
  replicas: z.strictObject({
    /** Web server pods (gunicorn). */
    web: replicas.default(1),
    /** Celery worker pods. */
    worker: replicas.default(1),
    /** Celery beat schedules periodic tasks: a second beat would schedule every task twice. */
    beat: replicas.max(1, { message: 'at most one Celery beat may run; set 0 or 1' }).default(1),
  }).prefault({}),
  /** Requests and limits per role: a preset name or written out. */
  resources: z.strictObject({
    /** Of each web pod. */
    web: resourceSpec.default({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1000m', memory: '2Gi' } }),
    /** Of each Celery worker pod. */
    worker: resourceSpec.default({ requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1000m', memory: '1Gi' } }),
    /** Of the Celery beat pod. */
    beat: resourceSpec.default({ requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } }),
    /** Of the init Job (database upgrade, roles, admin user). */
    init: resourceSpec.default('small'),
  }).prefault({}),
  /** Gunicorn worker processes and threads of each web pod. */
  gunicorn: z.strictObject({
    /** Gunicorn worker processes per web pod (`--workers`). */
    workers: z.number().int().min(1).max(32).default(4),
    /** Threads per gunicorn worker (`--threads`). */
    threads: z.number().int().min(1).max(64).default(8),
    /** Seconds before gunicorn restarts a silent worker (`--timeout`; long SQL Lab queries need headroom). */
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
  extraSecretEnv: z.record(envVarName, z.strictObject({
    /** The Secret's name. */
    secret: dnsLabel,
    /** The key in that Secret. */
    key: z.string().min(1),
  })).default({}),
});
// Generated from `supersetConfig` with its TSDoc (`npm run config-types`); equal to `z.infer<typeof supersetConfig>`.
export type { SupersetConfig } from '../../config/types.generated';
