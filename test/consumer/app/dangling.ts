// A consumer's App with a dangling reference: DolphinSchedulerStack without the ZooKeeper and MinIO it reaches.
// scripts/consumer-test.sh expects `cdk8s synth` to fail with the platform's own reference message.
import { App } from 'cdk8s';
import { DolphinSchedulerStack, loadEnvironment } from '@254carbon/data-platform';

const app = new App();
new DolphinSchedulerStack(app, 'dolphinscheduler', { environment: loadEnvironment('staging'), version: '3.2.2' });
app.synth();
