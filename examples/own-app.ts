// The README's example ("Using the constructs in your own cdk8s app"), compiled by `npm test` and run by
// test/readme-example.test.ts; the README shows it with the package name in place of '../src'.
import { App } from 'cdk8s';
import { DolphinSchedulerStack, MinIO, ZooKeeper, loadEnvironment } from '../src';

const app = new App();
// A defined environment (dev, staging, prod) with optional overlays, validated; or your own definition.
const environment = loadEnvironment('staging', {
  values: [{ source: 'inline', data: { components: { dolphinscheduler: { replicas: { worker: 4 } } } } }],
});
new ZooKeeper(app, 'zookeeper', { environment });
new MinIO(app, 'minio', { environment });
new DolphinSchedulerStack(app, 'dolphinscheduler', { environment, version: '3.2.2' });
app.synth();
