import { z } from 'zod';
import { dolphinSchedulerConfig } from '../components/dolphinscheduler/config';
import { icebergConfig } from '../components/iceberg/config';
import { minioConfig } from '../components/minio/config';
import { trinoConfig } from '../components/trino/config';
import { redisConfig } from '../components/redis/config';
import { supersetConfig } from '../components/superset/config';
import { portalServicesConfig } from '../components/portal-services/config';
import { apiGatewayConfig } from '../components/api-gateway/config';
import { policiesConfig } from '../platform/policies/config';
import { zookeeperConfig } from '../components/zookeeper/config';
import { backupConfig } from '../components/backup/config';
import { dorisConfig } from '../components/doris/config';
import { grafanaConfig } from '../components/grafana/config';
import { loggingConfig } from '../components/logging/config';
import { monitoringConfig } from '../components/monitoring/config';
import { sparkHistoryConfig } from '../components/spark-history/config';
import { ingressConfig, networkPoliciesConfig } from '../platform/network/config';
import { gitopsConfig } from '../platform/gitops/config';
import { externalSchema } from './external';
import { dnsLabel, dnsName, explicitResources } from '../core/schema';
import { secretStoreSchema } from './secret-store';

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
  /**
   * Appended to the names of Argo CD Applications and of objects in namespaces that the environments of one cluster share (`monitoring`,
   * `velero`, the logging namespace) and of cluster-scoped objects, so that dev, staging and prod never
   * collide there. Empty for the environment that keeps the reference names (prod).
   */
  sharedObjectSuffix: z.string().regex(/^(-[a-z0-9]+)?$/, { message: "not a name suffix; use '' or e.g. '-dev'" }).default(''),
  /** Names of Secrets of type dockerconfigjson used to pull images. */
  imagePullSecrets: z.array(dnsLabel).default([]),
  /** Resource presets that components refer to by name. */
  resourcePresets: z.strictObject({ small: explicitResources, medium: explicitResources, large: explicitResources }),
  /** Dependencies that the environment provides and this project does not deploy. */
  external: externalSchema.prefault({}),
  /** The external-secrets.io store the platform's ExternalSecrets read from (default: ClusterSecretStore `vault`). */
  secretStore: secretStoreSchema.prefault({}),
  /** How the environment's Argo CD Applications are named and which revision they track. */
  gitops: gitopsConfig.prefault({}),
  components: z.strictObject({
    zookeeper: zookeeperConfig.prefault({}),
    dolphinscheduler: dolphinSchedulerConfig.prefault({}),
    minio: minioConfig.prefault({}),
    trino: trinoConfig.prefault({}),
    iceberg: icebergConfig.prefault({}),
    redis: redisConfig.prefault({}),
    superset: supersetConfig.prefault({}),
    portalServices: portalServicesConfig.prefault({}),
    apiGateway: apiGatewayConfig.prefault({}),
    policies: policiesConfig.prefault({}),
    datahub: disabledOnly.prefault({}),
    doris: dorisConfig.prefault({}),
    grafana: grafanaConfig.prefault({}),
    monitoring: monitoringConfig.prefault({}),
    logging: loggingConfig.prefault({}),
    backup: backupConfig.prefault({}),
    sparkHistory: sparkHistoryConfig.prefault({}),
    ingress: ingressConfig.prefault({}),
    networkPolicies: networkPoliciesConfig.prefault({}),
  }).prefault({}),
});

/** The environment definition as written (before defaults). */
export type EnvironmentInput = z.input<typeof environmentSchema>;
/** A validated environment with every default filled in. */
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
