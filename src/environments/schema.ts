import { z } from 'zod';
import { dolphinSchedulerConfig } from '../components/dolphinscheduler/config';
import { minioConfig } from '../components/minio/config';
import { zookeeperConfig } from '../components/zookeeper/config';
import { gitopsConfig } from '../gitops/config';
import { externalSchema } from './external';
import { dnsLabel, dnsName, explicitResources } from './primitives';

/** A component that the platform knows of but does not deploy in this version (kept so its switch is explicit). */
const disabledOnly = z.strictObject({
  enabled: z.literal(false, { message: 'this component is not built by the platform yet; keep enabled: false' }).default(false),
});

/** The whole definition of one environment, validated before anything is synthesized. */
export const environmentSchema = z.strictObject({
  /** The environment's short name, used in output paths: dev, staging, prod. */
  name: dnsLabel,
  /** The namespace every platform workload runs in. */
  namespace: dnsLabel,
  /** The DNS domain user-facing hosts are derived from. */
  domain: dnsName,
  /** The storage class of every persistent volume. */
  storageClass: dnsName,
  imagePullPolicy: z.enum(['IfNotPresent', 'Always', 'Never']).default('IfNotPresent'),
  /** Names of Secrets of type dockerconfigjson used to pull images. */
  imagePullSecrets: z.array(dnsLabel).default([]),
  /** Resource presets that components refer to by name. */
  resourcePresets: z.strictObject({ small: explicitResources, medium: explicitResources, large: explicitResources }),
  /** Dependencies that the environment provides and this project does not deploy. */
  external: externalSchema.prefault({}),
  /** How the environment's Argo CD Applications are named and which revision they track. */
  gitops: gitopsConfig.prefault({}),
  components: z.strictObject({
    zookeeper: zookeeperConfig.prefault({}),
    dolphinscheduler: dolphinSchedulerConfig.prefault({}),
    minio: minioConfig.prefault({}),
    datahub: disabledOnly.prefault({}),
    doris: disabledOnly.prefault({}),
  }).prefault({}),
});

/** The environment definition as written (before defaults). */
export type EnvironmentInput = z.input<typeof environmentSchema>;
/** A validated environment with every default filled in. */
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
