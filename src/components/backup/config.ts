import * as z from 'zod';
import { dnsLabel } from '../../core/schema';

/** A Velero duration such as `720h0m0s` or `168h`. */
const veleroDuration = z.string().regex(/^(\d+h)?(\d+m)?(\d+s)?$/).refine((s) => s.length > 0 && !/^(0h)?(0m)?(0s)?$/.test(s), {
  message: "not a positive Velero duration; write e.g. '168h0m0s' or '720h'",
});

const secretKey = z.strictObject({
  /** The Secret's name. */
  name: dnsLabel,
  /** The key in that Secret. */
  key: z.string().min(1),
});

/** Where the backups go. */
export const backupTarget = z.discriminatedUnion('kind', [
  /** The environment's own MinIO (bucket `velero-backups`): quick restores, but no copy outside the cluster. */
  z.strictObject({
    /** `in-cluster-minio`: the environment's own MinIO. */
    kind: z.literal('in-cluster-minio'),
  }),
  /** An off-cluster S3 endpoint declared under `external.services` (a disaster-recovery copy). */
  z.strictObject({
    /** `external-s3`: an off-cluster S3 endpoint. */
    kind: z.literal('external-s3'),
    /** The id of the endpoint in `external.services` (declared with `host`). */
    service: z.string().min(1),
    /** The bucket the backups are written to. */
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'not an S3 bucket name; use 3-63 lower-case letters, digits, dots and hyphens' }),
    /** The S3 region of the endpoint. */
    region: z.string().min(1),
    /** Path-style addressing (needed by MinIO and most S3-compatible stores). */
    pathStyle: z.boolean().default(true),
  }),
]);

/** Environment values of the Velero backups. */
export const backupConfig = z.strictObject({
  /** Whether the Velero backup configuration is synthesized (false: none of its objects are written). */
  enabled: z.boolean().default(true),
  /** Velero's namespace (where its server reads BackupStorageLocations and Schedules). */
  namespace: dnsLabel.default('velero'),
  /** When the daily backup runs (cron, UTC). */
  schedule: z.string().min(9).default('0 2 * * *'),
  /** How long each backup is kept. */
  ttl: veleroDuration.default('720h0m0s'),
  /** The Secret in Velero's namespace (declared under `external.secrets`) holding the AWS-format credentials file. */
  credentialsSecret: secretKey.default({ name: 'minio-credentials', key: 'cloud' }),
  /** Where the backups go: the in-cluster MinIO or an off-cluster S3 endpoint. */
  target: backupTarget.default({ kind: 'in-cluster-minio' }),
  /**
   * The labels of the Velero server pods (for the metrics Service). `velero install` labels them
   * `deploy: velero` (the reference's `name: velero` selected no pod).
   */
  veleroPodSelector: z.record(z.string().min(1), z.string()).default({ deploy: 'velero' }),
  /**
   * The labels of every pod that talks to the backup store: the server and the node agents that upload volume
   * data (`velero install` labels both `component: velero`). Network policies admit them to MinIO.
   */
  /**
   * Namespaces the daily backup includes besides the environment's: at least the reference daily Schedule's
   * (`victoria-metrics` with Loki, `cloudflare-tunnel`, `velero`), plus `monitoring` (Grafana's volume).
   */
  extraNamespaces: z.array(dnsLabel).default(['cloudflare-tunnel', 'monitoring', 'velero', 'victoria-metrics']),
  /**
   * Storage classes whose provisioner creates hostPath PersistentVolumes (local-path does unless the PVC is
   * annotated `volumeType: local` when it is provisioned). Velero's file-system backup skips hostPath PVs.
   */
  hostPathStorageClasses: z.array(z.string().min(1)).default(['local-path']),
  /** The copy CronJobs of the volumes Velero cannot back up (mc mirror to the backup target, verified with mc diff). */
  volumeCopy: z.strictObject({
    /** The bucket on the backup target (not Velero's: Velero refuses a bucket with foreign top-level folders). */
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'not an S3 bucket name; use 3-63 lower-case letters, digits, dots and hyphens' }).default('volume-backups'),
    /** The secret-store path holding `access-key` and `secret-key` for the target. @default data-platform/<env>/volume-backups */
    remoteKey: z.string().min(1).optional(),
    /** Daily copies kept (older ones are removed by the CronJob). */
    keepDays: z.number().int().min(1).max(365).default(7),
  }).prefault({}),
  /**
   * Volumes (`<namespace>/<claim>`) knowingly left without a backup, each with the reason (at least 20 characters).
   * Every other volume without a backup fails the synth.
   */
  unprotectedVolumes: z.record(z.string().regex(/^[a-z0-9-]+\/[a-z0-9.-]+$/, { message: 'write <namespace>/<claim>' }), z.string().min(20)).default({}),
  /**
   * Labels of the Velero server and node-agent pods (installed by `velero install`, not by this project): the
   * client side of the backup's edges to MinIO in the network policies.
   */
  clientPodSelector: z.record(z.string().min(1), z.string()).refine((r) => Object.keys(r).length > 0, { message: 'an empty selector selects every pod; give the Velero pod labels' })
    .default({ component: 'velero' }),
});
// Generated from `backupConfig` with its TSDoc (`npm run config-types`); equal to `z.infer<typeof backupConfig>`.
export type { BackupConfig } from '../../config/types.generated';
// Generated from `backupTarget` with its TSDoc (`npm run config-types`); equal to `z.infer<typeof backupTarget>`.
export type { BackupTarget } from '../../config/types.generated';
