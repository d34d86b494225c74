// A consumer's cdk8s app, built by scripts/consumer-test.sh against the packed tarball of this library
// (installed from `npm pack`, with other patch versions of cdk8s and constructs than our lock file), compiled
// with `tsc --strict` (no skipLibCheck) and synthesized with `cdk8s synth`.
import { App } from 'cdk8s';
import {
  BitnamiRedis, DolphinSchedulerStack, IcebergCompactionJob, IcebergRestCatalog, KyvernoExceptions, loadEnvironment, MinIO,
  PortalServices, Superset, SupersetSecrets, TrinoCoordinator, ZooKeeper,
} from '@254carbon/data-platform';
import type { Construct } from 'constructs';

const app = new App();
const environment = loadEnvironment('staging');

// What the promised constructs reach through the platform graph (their Services and Secrets).
new ZooKeeper(app, 'zookeeper', { environment });
new MinIO(app, 'minio', { environment });
new IcebergRestCatalog(app, 'iceberg-rest-catalog', { environment });
// Superset reads what SupersetSecrets produces: the platform check refuses an ExternalSecret nothing reads.
new Superset(app, 'superset', { environment });

// The promised constructs, one line each.
const promised: Record<string, Construct> = {
  DolphinSchedulerStack: new DolphinSchedulerStack(app, 'dolphinscheduler', { environment, version: '3.2.2' }),
  TrinoCoordinator: new TrinoCoordinator(app, 'trino', { environment }),
  BitnamiRedis: new BitnamiRedis(app, 'redis', { environment }),
  SupersetSecrets: new SupersetSecrets(app, 'superset-secrets', { environment }),
  PortalServices: new PortalServices(app, 'portal-services', { environment }),
  IcebergCompactionJob: new IcebergCompactionJob(app, 'iceberg-compaction', { environment }),
  KyvernoExceptions: new KyvernoExceptions(app, 'policy-exceptions', { environment }),
};

app.synth();
process.stdout.write(`synthesized ${Object.keys(promised).join(', ')}\n`);
