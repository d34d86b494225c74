import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { DolphinSchedulerStack } from '../src/components/dolphinscheduler/dolphinscheduler';
import { MinIO } from '../src/components/minio/minio';
import { ZooKeeper } from '../src/components/zookeeper/zookeeper';
import { loadEnvironment } from '../src/config/values';
import { PlatformConfigError } from '../src/core/errors';
import { renderApp } from '../src/output/render';
import { DataPlatform } from '../src/platform/data-platform';

/** Synthesizes a consumer's App the way `cdk8s synth` does (App.synth into a scratch folder). */
function consumerSynth(app: App): string[] {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'consumer-'));
  try {
    (app as unknown as { outdir: string }).outdir = out;
    app.synth();
    return fs.readdirSync(out).sort();
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

describe('composition: the checks belong to the constructs', () => {
  test('regression: a consumer App holding only DolphinSchedulerStack fails app.synth() with the platform reference messages', () => {
    const environment = loadEnvironment('staging');
    const app = new App();
    new DolphinSchedulerStack(app, 'dolphinscheduler', { environment });
    let message = '';
    try { consumerSynth(app); } catch (e) { message = (e as Error).message; }
    // The same message npm run synth prints: the file, the field, the missing Service and the fix.
    expect(message).toMatch(/staging\/dolphinscheduler\/Deployment\.dolphinscheduler-master\.yaml \(Deployment dolphinscheduler-master\): field .* points at zookeeper-service\.data-platform-staging\.svc\.cluster\.local, but no Service data-platform-staging\/zookeeper-service is synthesized in environment 'staging' and none is declared external\. Fix: deploy the provider, declare it under external\.services, or correct the name/);
    expect(message).toMatch(/minio-service\.data-platform-staging\.svc\.cluster\.local/);
  });

  test('the same App with its providers synthesizes', () => {
    const environment = loadEnvironment('staging');
    const app = new App();
    new ZooKeeper(app, 'zookeeper', { environment });
    new MinIO(app, 'minio', { environment });
    new DolphinSchedulerStack(app, 'dolphinscheduler', { environment });
    expect(consumerSynth(app).length).toBeGreaterThan(0);
  });

  test('regression: two environments\' DataPlatforms synthesize in one App, each with its own graph and checks', () => {
    const app = new App();
    const dev = new DataPlatform(app, 'dev', { environment: loadEnvironment('dev') });
    const prod = new DataPlatform(app, 'prod', { environment: loadEnvironment('prod') });
    expect(dev.graph).not.toBe(prod.graph);
    expect(dev.graph.environment?.name).toBe('dev');
    expect(prod.graph.environment?.name).toBe('prod');
    // No workload of one platform is seen by the other's graph (exceptions, network policies, waves).
    expect(new Set(dev.graph.workloads.map((w) => w.namespace)).has('data-platform')).toBe(false);
    expect(new Set(prod.graph.workloads.map((w) => w.namespace)).has('data-platform-dev')).toBe(false);
    // Each platform renders exactly the objects of its committed single-environment output.
    const committed = (dir: string): string[] => fs.readdirSync(path.join(__dirname, '..', 'charts-out', dir), { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile()).map((d) => path.relative(path.join(__dirname, '..', 'charts-out'), path.join(d.parentPath, d.name)));
    for (const [platform, env] of [[dev, 'dev'], [prod, 'prod']] as const) {
      expect(renderApp(platform, env).map((o) => o.path).sort()).toEqual([...committed(env), ...committed(`argocd/${env}`)].sort());
    }
    expect(consumerSynth(app).length).toBeGreaterThan(0);
  });

  test('components of two environments in one scope are refused with a fix', () => {
    const app = new App();
    new ZooKeeper(app, 'zookeeper-dev', { environment: loadEnvironment('dev') });
    expect(() => new MinIO(app, 'minio-prod', { environment: loadEnvironment('prod') })).toThrow(PlatformConfigError);
    expect(() => new MinIO(app, 'minio-prod2', { environment: loadEnvironment('prod') })).toThrow(/give each environment its own DataPlatform/);
  });
});
