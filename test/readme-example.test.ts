import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

describe('README example', () => {
  test('the README shows exactly examples/own-app.ts (which tsc compiles), with the package name', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Using the constructs in your own cdk8s app'));
    const block = /```ts\n([\s\S]*?)```/.exec(section)![1];
    const example = fs.readFileSync(path.join(ROOT, 'examples', 'own-app.ts'), 'utf8').replace(/^(\/\/.*\n)+/, '');
    expect(block).toBe(example.replace("from '../src';", "from '@254carbon/data-platform';"));
  });

  test('it synthesizes the three components into the app output', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-example-'));
    process.env.CDK8S_OUTDIR = out;
    try {
      jest.isolateModules(() => { require('../examples/own-app'); });
    } finally {
      delete process.env.CDK8S_OUTDIR;
    }
    const yaml = fs.readdirSync(out).map((f) => fs.readFileSync(path.join(out, f), 'utf8')).join('\n');
    expect(yaml).toContain('name: zookeeper-service');
    expect(yaml).toContain('name: minio-service');
    expect(yaml).toMatch(/name: dolphinscheduler-worker\n[\s\S]*replicas: 4/);
    expect(yaml).toContain('value: zookeeper-service.data-platform-staging.svc.cluster.local:2181');
  });
});
