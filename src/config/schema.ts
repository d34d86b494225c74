import * as z from 'zod';
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
import { availabilityConfig } from '../platform/availability/config';
import { gitopsConfig } from '../platform/gitops/config';
import { externalSchema } from './external';
import { dnsLabel, dnsName, explicitResources } from '../core/schema';
import { secretStoreSchema } from './secret-store';

/** A component that the platform knows of but does not deploy in this version (kept so its switch is explicit). */
const disabledOnly = z.strictObject({
  /** Must stay false: the component is not built yet. */
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
  /** The `imagePullPolicy` of every container. */
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
  resourcePresets: z.strictObject({
    /** Requests and limits of the `small` preset. */
    small: explicitResources,
    /** Requests and limits of the `medium` preset. */
    medium: explicitResources,
    /** Requests and limits of the `large` preset. */
    large: explicitResources,
  }),
  /** Dependencies that the environment provides and this project does not deploy. */
  external: externalSchema.prefault({}),
  /** The external-secrets.io store the platform's ExternalSecrets read from (default: ClusterSecretStore `vault`). */
  secretStore: secretStoreSchema.prefault({}),
  /** How the environment's Argo CD Applications are named and which revision they track. */
  gitops: gitopsConfig.prefault({}),
  /** The values of each component, by component. */
  components: z.strictObject({
    /** ZooKeeper, the coordination service of DolphinScheduler. */
    zookeeper: zookeeperConfig.prefault({}),
    /** DolphinScheduler: the api, master, worker and alert servers and the schema Job. */
    dolphinscheduler: dolphinSchedulerConfig.prefault({}),
    /** MinIO, the S3 object store of the lake, the event logs and the backups. */
    minio: minioConfig.prefault({}),
    /** Trino, the SQL engine over the Iceberg lake and the PostgreSQL catalogs. */
    trino: trinoConfig.prefault({}),
    /** The Iceberg lake: the warehouse location, the REST catalog and the compaction CronJob. */
    iceberg: icebergConfig.prefault({}),
    /** The Bitnami Redis serving Superset's cache, Celery broker and results. */
    redis: redisConfig.prefault({}),
    /** Superset: web, Celery worker and beat, and the init Job. */
    superset: supersetConfig.prefault({}),
    /** The portal services (the registry of the platform endpoints and their health). */
    portalServices: portalServicesConfig.prefault({}),
    /** The API gateway (the GraphQL gateway in front of the portal services). */
    apiGateway: apiGatewayConfig.prefault({}),
    /** The platform's Kyverno policies and the PolicyExceptions generated for declared deviations. */
    policies: policiesConfig.prefault({}),
    /** DataHub: known to the platform but not built yet (only `enabled: false` is accepted). */
    datahub: disabledOnly.prefault({}),
    /** Doris (a DorisCluster reconciled by the Doris Operator; off unless switched on). */
    doris: dorisConfig.prefault({}),
    /** Grafana, the dashboards over Prometheus and Loki. */
    grafana: grafanaConfig.prefault({}),
    /** The platform's Prometheus rules and ServiceMonitors. */
    monitoring: monitoringConfig.prefault({}),
    /** The logging stack: Fluent Bit shipping container logs to Loki. */
    logging: loggingConfig.prefault({}),
    /** The Velero backup schedule and its storage location. */
    backup: backupConfig.prefault({}),
    /** The Spark History Server reading event logs from MinIO. */
    sparkHistory: sparkHistoryConfig.prefault({}),
    /** The Ingresses of the user-facing endpoints (TLS, redirect, single sign-on). */
    ingress: ingressConfig.prefault({}),
    /** The NetworkPolicies derived from the dependency graph. */
    networkPolicies: networkPoliciesConfig.prefault({}),
    /** PodDisruptionBudgets and topology spread for every workload with more than one replica (derived). */
    availability: availabilityConfig.prefault({}),
  }).prefault({}),
});

// The types of an environment definition are generated from this schema with its TSDoc (`npm run config-types`),
// so that the .d.ts carries a comment and `@default` on every key; test/config-types.test.ts proves them equal to
// `z.input` / `z.infer` of environmentSchema.
export type { EnvironmentConfig, EnvironmentInput } from './types.generated';
