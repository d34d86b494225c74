import * as fs from 'fs';
import * as path from 'path';
import type * as z from 'zod';
import type * as G from '../src/config/types.generated';
import type { environmentSchema } from '../src/config/schema';
import type { authProxySchema, externalDatabase, externalSchema, externalService } from '../src/config/external';
import type { secretStoreSchema } from '../src/config/secret-store';
import type { explicitResources, presetName, resourceSpec } from '../src/core/schema';
import type { gitopsConfig } from '../src/platform/gitops/config';
import type { zookeeperConfig } from '../src/components/zookeeper/config';
import type { dolphinSchedulerConfig } from '../src/components/dolphinscheduler/config';
import type { minioConfig, minioMigrationConfig } from '../src/components/minio/config';
import type { trinoConfig } from '../src/components/trino/config';
import type { icebergConfig } from '../src/components/iceberg/config';
import type { redisConfig } from '../src/components/redis/config';
import type { supersetConfig } from '../src/components/superset/config';
import type { portalAutoscalingConfig, portalServicesConfig } from '../src/components/portal-services/config';
import type { apiGatewayConfig } from '../src/components/api-gateway/config';
import type { policiesConfig } from '../src/platform/policies/config';
import type { dorisConfig } from '../src/components/doris/config';
import type { grafanaConfig } from '../src/components/grafana/config';
import type { monitoringConfig } from '../src/components/monitoring/config';
import type { loggingConfig } from '../src/components/logging/config';
import type { backupConfig, backupTarget } from '../src/components/backup/config';
import type { sparkHistoryConfig } from '../src/components/spark-history/config';
import type { ingressConfig, networkPoliciesConfig, podPeer } from '../src/platform/network/config';
import type { availabilityConfig } from '../src/platform/availability/config';

// Compile-time proof (the type check of npm test, scripts/check.js) that each generated type of
// src/config/types.generated.ts is the zod schema's own type: a change of the schema without `npm run config-types`
// fails the build here, naming the type. `Equals` is the strict form (identical types, not mutual assignability):
// an optional key that became required, a new key, a narrowed union or a changed default's optionality all fail.
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
type Assert<T extends true> = T;

/** One entry per named schema and side (the jest test below checks the list is complete). */
export type ConfigTypeChecks = [
  Assert<Equals<G.EnvironmentConfig, z.infer<typeof environmentSchema>>>,
  Assert<Equals<G.EnvironmentInput, z.input<typeof environmentSchema>>>,
  Assert<Equals<G.ExternalConfig, z.infer<typeof externalSchema>>>,
  Assert<Equals<G.ExternalConfigInput, z.input<typeof externalSchema>>>,
  Assert<Equals<G.ExternalService, z.infer<typeof externalService>>>,
  Assert<Equals<G.ExternalServiceInput, z.input<typeof externalService>>>,
  Assert<Equals<G.ExternalDatabase, z.infer<typeof externalDatabase>>>,
  Assert<Equals<G.ExternalDatabaseInput, z.input<typeof externalDatabase>>>,
  Assert<Equals<G.AuthProxy, z.infer<typeof authProxySchema>>>,
  Assert<Equals<G.AuthProxyInput, z.input<typeof authProxySchema>>>,
  Assert<Equals<G.SecretStoreConfig, z.infer<typeof secretStoreSchema>>>,
  Assert<Equals<G.SecretStoreConfigInput, z.input<typeof secretStoreSchema>>>,
  Assert<Equals<G.ResourceSpec, z.infer<typeof resourceSpec>>>,
  Assert<Equals<G.ResourceSpecInput, z.input<typeof resourceSpec>>>,
  Assert<Equals<G.ExplicitResources, z.infer<typeof explicitResources>>>,
  Assert<Equals<G.ExplicitResourcesInput, z.input<typeof explicitResources>>>,
  Assert<Equals<G.PresetName, z.infer<typeof presetName>>>,
  Assert<Equals<G.PresetNameInput, z.input<typeof presetName>>>,
  Assert<Equals<G.GitopsConfig, z.infer<typeof gitopsConfig>>>,
  Assert<Equals<G.GitopsConfigInput, z.input<typeof gitopsConfig>>>,
  Assert<Equals<G.ZooKeeperConfig, z.infer<typeof zookeeperConfig>>>,
  Assert<Equals<G.ZooKeeperConfigInput, z.input<typeof zookeeperConfig>>>,
  Assert<Equals<G.DolphinSchedulerConfig, z.infer<typeof dolphinSchedulerConfig>>>,
  Assert<Equals<G.DolphinSchedulerConfigInput, z.input<typeof dolphinSchedulerConfig>>>,
  Assert<Equals<G.MinioConfig, z.infer<typeof minioConfig>>>,
  Assert<Equals<G.MinioConfigInput, z.input<typeof minioConfig>>>,
  Assert<Equals<G.MinioMigrationConfig, z.infer<typeof minioMigrationConfig>>>,
  Assert<Equals<G.MinioMigrationConfigInput, z.input<typeof minioMigrationConfig>>>,
  Assert<Equals<G.TrinoConfig, z.infer<typeof trinoConfig>>>,
  Assert<Equals<G.TrinoConfigInput, z.input<typeof trinoConfig>>>,
  Assert<Equals<G.IcebergConfig, z.infer<typeof icebergConfig>>>,
  Assert<Equals<G.IcebergConfigInput, z.input<typeof icebergConfig>>>,
  Assert<Equals<G.RedisConfig, z.infer<typeof redisConfig>>>,
  Assert<Equals<G.RedisConfigInput, z.input<typeof redisConfig>>>,
  Assert<Equals<G.SupersetConfig, z.infer<typeof supersetConfig>>>,
  Assert<Equals<G.SupersetConfigInput, z.input<typeof supersetConfig>>>,
  Assert<Equals<G.PortalServicesConfig, z.infer<typeof portalServicesConfig>>>,
  Assert<Equals<G.PortalServicesConfigInput, z.input<typeof portalServicesConfig>>>,
  Assert<Equals<G.PortalAutoscalingConfig, z.infer<typeof portalAutoscalingConfig>>>,
  Assert<Equals<G.PortalAutoscalingConfigInput, z.input<typeof portalAutoscalingConfig>>>,
  Assert<Equals<G.ApiGatewayConfig, z.infer<typeof apiGatewayConfig>>>,
  Assert<Equals<G.ApiGatewayConfigInput, z.input<typeof apiGatewayConfig>>>,
  Assert<Equals<G.PoliciesConfig, z.infer<typeof policiesConfig>>>,
  Assert<Equals<G.PoliciesConfigInput, z.input<typeof policiesConfig>>>,
  Assert<Equals<G.DorisConfig, z.infer<typeof dorisConfig>>>,
  Assert<Equals<G.DorisConfigInput, z.input<typeof dorisConfig>>>,
  Assert<Equals<G.GrafanaConfig, z.infer<typeof grafanaConfig>>>,
  Assert<Equals<G.GrafanaConfigInput, z.input<typeof grafanaConfig>>>,
  Assert<Equals<G.MonitoringConfig, z.infer<typeof monitoringConfig>>>,
  Assert<Equals<G.MonitoringConfigInput, z.input<typeof monitoringConfig>>>,
  Assert<Equals<G.LoggingConfig, z.infer<typeof loggingConfig>>>,
  Assert<Equals<G.LoggingConfigInput, z.input<typeof loggingConfig>>>,
  Assert<Equals<G.BackupConfig, z.infer<typeof backupConfig>>>,
  Assert<Equals<G.BackupConfigInput, z.input<typeof backupConfig>>>,
  Assert<Equals<G.BackupTarget, z.infer<typeof backupTarget>>>,
  Assert<Equals<G.BackupTargetInput, z.input<typeof backupTarget>>>,
  Assert<Equals<G.SparkHistoryConfig, z.infer<typeof sparkHistoryConfig>>>,
  Assert<Equals<G.SparkHistoryConfigInput, z.input<typeof sparkHistoryConfig>>>,
  Assert<Equals<G.IngressConfig, z.infer<typeof ingressConfig>>>,
  Assert<Equals<G.IngressConfigInput, z.input<typeof ingressConfig>>>,
  Assert<Equals<G.NetworkPoliciesConfig, z.infer<typeof networkPoliciesConfig>>>,
  Assert<Equals<G.NetworkPoliciesConfigInput, z.input<typeof networkPoliciesConfig>>>,
  Assert<Equals<G.PodPeer, z.infer<typeof podPeer>>>,
  Assert<Equals<G.PodPeerInput, z.input<typeof podPeer>>>,
  Assert<Equals<G.AvailabilityConfig, z.infer<typeof availabilityConfig>>>,
  Assert<Equals<G.AvailabilityConfigInput, z.input<typeof availabilityConfig>>>,
];

const root = path.join(__dirname, '..');

describe('the generated config types (src/config/types.generated.ts)', () => {
  const generated = fs.readFileSync(path.join(root, 'src', 'config', 'types.generated.ts'), 'utf8');
  const self = fs.readFileSync(__filename, 'utf8');

  test('every generated type is proved equal to its zod type above (both sides of every named schema)', () => {
    const exported = [...generated.matchAll(/^export (?:interface|type) (\w+)/gm)].map((m) => m[1]).sort();
    const proved = [...self.matchAll(/Assert<Equals<G\.(\w+), z\.(?:infer|input)<typeof \w+>>>/g)].map((m) => m[1]).sort();
    expect(exported.length).toBeGreaterThan(60);
    expect(proved).toEqual(exported);
  });

  test('regression: every property of the generated types carries a TSDoc comment (the .d.ts used to carry none)', () => {
    // A property line (`name?: type;` at any depth) must follow the end of a comment block.
    const lines = generated.split('\n');
    const undocumented = lines
      .map((l, i) => ({ l, i }))
      .filter(({ l, i }) => /^\s+(\w+|'[^']+')\??: /.test(l) && !/^\s+\*\/$/.test(lines[i - 1] ?? ''))
      .map(({ l, i }) => `${i + 1}: ${l.trim()}`);
    expect(undocumented).toEqual([]);
    expect(generated).toMatch(/\/\*\*\n\s+\* Ensemble size: 1 \(standalone\) or an odd number, so that a quorum exists\.[^]*?@default 1\n\s+\*\/\n\s+replicas: number;/);
  });
});
