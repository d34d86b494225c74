// The public API of @254carbon/data-platform: a chosen set of named exports (no `export *`). Everything else
// in src/ is internal and may change in any release. test/api-surface.test.ts locks this list and
// docs/API.md (npm run docs) documents it.

// Errors: every problem names the environment or object, the key and the fix.
export { PlatformConfigError, PlatformValidationError } from './core/errors';

// Environments: the schema, loading and overlays, your own definitions, and the organisation's presets.
export { environmentSchema } from './config/schema';
export type { EnvironmentConfig, EnvironmentInput } from './config/schema';
export { ENVIRONMENTS, ENVIRONMENT_NAMES, loadEnvironment, readValuesFile } from './config/values';
export type { LoadEnvironmentOptions } from './config/values';
export { defineEnvironment, deepMerge } from './core/define-environment';
export type { DeepPartial, EnvironmentBase, EnvironmentOverrides } from './core/define-environment';
export { BASE, baseExternal, REFERENCE_REPO_URL } from './presets/base';
export { dev } from './presets/dev';
export { staging } from './presets/staging';
export { prod } from './presets/prod';
export type { ZooKeeperConfig } from './components/zookeeper/config';
export type { MinioConfig } from './components/minio/config';
export type { DolphinSchedulerConfig } from './components/dolphinscheduler/config';
export type { TrinoConfig } from './components/trino/config';
export type { IcebergConfig } from './components/iceberg/config';
export type { RedisConfig } from './components/redis/config';
export type { SupersetConfig } from './components/superset/config';
export type { PortalServicesConfig } from './components/portal-services/config';
export type { ApiGatewayConfig } from './components/api-gateway/config';
export type { GrafanaConfig } from './components/grafana/config';
export type { MonitoringConfig } from './components/monitoring/config';
export type { LoggingConfig } from './components/logging/config';
export type { BackupConfig, BackupTarget } from './components/backup/config';
export type { SparkHistoryConfig } from './components/spark-history/config';
export type { DorisConfig } from './components/doris/config';
export type { PoliciesConfig } from './platform/policies/config';
export type { GitopsConfig } from './platform/gitops/config';
export type { IngressConfig, NetworkPoliciesConfig } from './platform/network/config';
// The other sections' types and each section's input side (`...Input`: as written in a definition or overlay),
// generated from the schema with its TSDoc (src/config/types.generated.ts, `npm run config-types`).
export type {
  AuthProxy, AvailabilityConfig, ExplicitResources, ExternalConfig, ExternalDatabase, ExternalService, MinioMigrationConfig,
  PodPeer, PortalAutoscalingConfig, PresetName, ResourceSpec, SecretStoreConfig,
  ApiGatewayConfigInput, AuthProxyInput, AvailabilityConfigInput, BackupConfigInput, BackupTargetInput, DolphinSchedulerConfigInput,
  DorisConfigInput, ExplicitResourcesInput, ExternalConfigInput, ExternalDatabaseInput, ExternalServiceInput, GitopsConfigInput,
  GrafanaConfigInput, IcebergConfigInput, IngressConfigInput, LoggingConfigInput, MinioConfigInput, MinioMigrationConfigInput,
  MonitoringConfigInput, NetworkPoliciesConfigInput, PodPeerInput, PoliciesConfigInput, PortalAutoscalingConfigInput,
  PortalServicesConfigInput, PresetNameInput, RedisConfigInput, ResourceSpecInput, SecretStoreConfigInput, SparkHistoryConfigInput,
  SupersetConfigInput, TrinoConfigInput, ZooKeeperConfigInput,
} from './config/types.generated';

// The dependency graph and its descriptors: how components find each other.
export { PlatformGraph, registerPlatformCheck } from './core/graph';
export type {
  BucketClaim, ClientPods, DiscoverableCategory, DiscoverableEndpoint, Edge, EdgeKind, Endpoint, PlatformCheck,
  PublicIngressOptions, SecretDescriptor, ServiceDescriptor, WorkloadRecord,
} from './core/graph';

// Building blocks for your own components.
export { PlatformComponent } from './core/component';
export type { PlatformComponentProps } from './core/component';
export type {
  CronJobOptions, DaemonSetOptions, DeploymentOptions, DiscoverableHealthOptions, DiscoverableOptions, HorizontalPodAutoscalerOptions,
  JobOptions, PodDisruptionBudgetOptions, ServiceOptions, StatefulSetOptions, VolumeClaimTemplateOptions, WorkloadLabels,
} from './core/component';
export { Image } from './core/image';
export type { ImageProps } from './core/image';
export type { Deviation, DeviationKind } from './core/security';
export type { ResourceRequirements } from './core/resources';
export { execProbe, httpProbe, tcpProbe } from './core/workload';
export type { ContainerSpec, EnvValue, PodSpecProps } from './core/workload';
export { serviceFqdn } from './core/names';
export { standardLabels } from './core/labels';
export { addExternalSecret } from './core/external-secret';
export type { ExternalSecretProps, RemoteRef, SecretStoreRef } from './core/external-secret';

// The components: constructs, their props and the descriptors of what they provide.
export { ZooKeeper, ZOOKEEPER_SERVICE } from './components/zookeeper/zookeeper';
export type { ZooKeeperProps } from './components/zookeeper/zookeeper';
export { MinIO, MINIO_CONSOLE_SERVICE, MINIO_HEADLESS_SERVICE, MINIO_SERVICE } from './components/minio/minio';
export type { MinioCredentialKey, MinioProps } from './components/minio/minio';
export { DolphinSchedulerStack, DOLPHINSCHEDULER_SERVICES } from './components/dolphinscheduler/dolphinscheduler';
export type { DolphinSchedulerRole, DolphinSchedulerStackProps } from './components/dolphinscheduler/dolphinscheduler';
export { Trino, TrinoCoordinator, TRINO_COORDINATOR_SERVICE } from './components/trino/trino';
export type { TrinoCoordinatorProps, TrinoProps } from './components/trino/trino';
export { deriveTrinoMemory } from './components/trino/memory';
export type { TrinoMemory, TrinoMemoryInput } from './components/trino/memory';
export type { TrinoCatalogSpec } from './components/trino/catalogs';
export { icebergWarehouse } from './components/iceberg/warehouse';
export type { IcebergWarehouse } from './components/iceberg/warehouse';
export { IcebergRestCatalog, ICEBERG_REST_SERVICE } from './components/iceberg/rest-catalog';
export type { IcebergRestCatalogProps } from './components/iceberg/rest-catalog';
export { IcebergCompactionJob } from './components/iceberg/compaction';
export type { IcebergCompactionJobProps } from './components/iceberg/compaction';
export { SPARK_BASE_IMAGE, SPARK_LAKE_IMAGE, SPARK_LAKE_JARS } from './components/iceberg/spark-lake-image';
export type { MavenJar } from './components/iceberg/spark-lake-image';
export { BitnamiRedis, DEFAULT_REDIS_IMAGE, Redis, REDIS_PASSWORD_SECRET, REDIS_SERVICE } from './components/redis/redis';
export type { BitnamiRedisProps, RedisPasswordKey, RedisProps } from './components/redis/redis';
export { SupersetSecrets, SUPERSET_LEGACY_SECRET, SUPERSET_SECRET } from './components/superset/secrets';
export type { SupersetLegacySecretKey, SupersetSecretKey, SupersetSecretsProps } from './components/superset/secrets';
export { Superset, SUPERSET_SERVICE } from './components/superset/superset';
export type { SupersetAdmin, SupersetProps, SupersetRedisDatabases } from './components/superset/superset';
export { PortalServices, PORTAL_SERVICES_SERVICE } from './components/portal-services/portal-services';
export type { PortalServicesProps } from './components/portal-services/portal-services';
export { GraphqlGateway, GRAPHQL_GATEWAY_SERVICE } from './components/api-gateway/graphql-gateway';
export type { GraphqlGatewayProps, GraphqlUpstream } from './components/api-gateway/graphql-gateway';
export { Grafana, grafanaServiceFor } from './components/grafana/grafana';
export type { GrafanaProps } from './components/grafana/grafana';
export { PlatformMonitoring } from './components/monitoring/monitoring';
export type { PlatformMonitoringProps, TrinoMonitoringProps } from './components/monitoring/monitoring';
export type { AlertGroup, AlertRule, ScrapeEndpoint } from './components/monitoring/prometheus';
export { Logging, fluentBitServiceFor, lokiServiceFor } from './components/logging/logging';
export type { LoggingProps } from './components/logging/logging';
export type { LogAlertGroup, LogAlertRule } from './components/logging/log-alerts';
export { Backups, backupScheduleName, veleroMetricsServiceFor } from './components/backup/backup';
export type { BackupsProps } from './components/backup/backup';
export { SparkHistoryServer, SPARK_HISTORY_SERVICE } from './components/spark-history/spark-history';
export type { SparkHistoryServerProps } from './components/spark-history/spark-history';
export { Doris, DORIS_FE_SERVICE } from './components/doris/doris';
export type { DorisProps } from './components/doris/doris';

// The platform layer: derived from the whole graph.
export { PlatformPolicies } from './platform/policies/policies';
export type { PlatformPoliciesProps } from './platform/policies/policies';
export { KyvernoExceptions, PolicyExceptions } from './platform/policies/kyverno-exceptions';
export type { KyvernoExceptionsProps, PolicyExceptionsProps } from './platform/policies/kyverno-exceptions';
export { PlatformIngresses } from './platform/network/ingress';
export { PlatformNetworkPolicies } from './platform/network/network-policies';
export { ArgoCdApplications } from './platform/gitops/argocd';
export type { ArgoCdApplicationsProps } from './platform/gitops/argocd';
export { DataPlatform } from './platform/data-platform';
export type { DataPlatformProps } from './platform/data-platform';

// Synthesis: in memory, with every check, and the atomic write of charts-out/.
export { synthesize } from './output/synth';
export type { SynthOptions, SynthResult } from './output/synth';
export { renderApp } from './output/render';
export type { RenderedObject } from './core/manifest';
export { diffTree, writeTree } from './output/write';
export type { TreeDiff } from './output/write';
export { toYaml } from './core/yaml';

// Types the exported API refers to (API Extractor reports none it does not export: docs/API.api.md). Members only the
// library itself uses carry the TSDoc tag internal instead and are left out of the .d.ts (stripInternal in
// tsconfig.build.json; tsc strips any declaration with that tag in a comment before it, even a line comment).
export type { WorkloadIdentity } from './core/component';
export type { ResourceQuantities } from './core/resources';
export type { SecurityProfileProps } from './core/security';
export type { ProbeTiming } from './core/workload';
export type { StandardLabelProps } from './core/labels';
export { PUBLIC_HOST_PREFIXES } from './core/hosts';
export type { PublicHostId } from './core/hosts';
export type { ImmutableChange, NotInPlaceChange, NotInPlaceRemedy } from './core/immutable';
export type { JvmSizing } from './components/dolphinscheduler/memory';
export { MIGRATION_PHASES } from './components/minio/migration';
export type { MigrationPhase } from './components/minio/migration';
export type { TrinoNode } from './components/trino/trino';
export type { IcebergRestCatalogSpec, PostgresCatalogSpec, RenderedCatalog, S3Access } from './components/trino/catalogs';
export { SUPERSET_LEGACY_SECRET_KEYS, SUPERSET_SECRET_KEYS } from './components/superset/secrets';
export type { LibraryPolicySet } from './platform/policies/rules';
export type { WorkloadUnderPolicy } from './platform/policies/exceptions';
export type { WavePlan } from './platform/gitops/waves';
