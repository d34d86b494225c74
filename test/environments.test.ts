import * as fs from 'fs';
import * as path from 'path';
import { PlatformValidationError } from '../src/core/errors';
import { deepMerge, ENVIRONMENT_NAMES, loadEnvironment, readValuesFile } from '../src/config/values';
import { ENVS, objectsOf } from './util';

const BAD = path.join(__dirname, 'fixtures', 'bad-values');

describe('environments', () => {
  test.each(ENVS)('%s is valid and has its namespace', (env) => {
    const e = loadEnvironment(env);
    expect(e.namespace).toBe({ dev: 'data-platform-dev', staging: 'data-platform-staging', prod: 'data-platform' }[env]);
    expect(e.components.datahub.enabled).toBe(false);
    expect(e.components.doris.enabled).toBe(false);
  });

  test('environment values really change the output', () => {
    const dev = objectsOf('dev').find((o) => o.manifest.metadata.name === 'dolphinscheduler-worker')!;
    const prod = objectsOf('prod').find((o) => o.manifest.metadata.name === 'dolphinscheduler-worker')!;
    expect(dev.manifest.spec.replicas).not.toBe(prod.manifest.spec.replicas);
    expect(dev.manifest.spec.template.spec.containers[0].resources).not.toEqual(prod.manifest.spec.template.spec.containers[0].resources);
  });

  test('values files deep-merge in order; lists replace; null removes', () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, d: null })).toEqual({ a: { b: 1, c: [3] } });
    const e = loadEnvironment('prod', {
      values: [
        { source: 'one', data: { components: { dolphinscheduler: { replicas: { worker: 9 } } } } },
        { source: 'two', data: { components: { dolphinscheduler: { replicas: { api: 4 } } } } },
      ],
    });
    expect(e.components.dolphinscheduler.replicas).toEqual({ api: 4, master: 1, worker: 9, alert: 1 });
  });

  test('an unknown environment names the defined ones', () => {
    expect(() => loadEnvironment('qa')).toThrow(/qa[\s\S]*dev, staging, prod/);
    expect(ENVIRONMENT_NAMES).toEqual(['dev', 'staging', 'prod']);
  });

  const files = fs.readdirSync(BAD).filter((f) => f.endsWith('.yaml')).sort();
  test('the bad-input corpus has at least ten distinct cases', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  test.each(files)('bad input %s fails naming the environment, the key and a fix', (file) => {
    const source = path.join(BAD, file);
    const expected = fs.readFileSync(source, 'utf8').split('\n')[0].replace(/^# expect: /, '');
    let error: unknown;
    try {
      loadEnvironment('staging', { values: [{ source, data: readValuesFile(source) }] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PlatformValidationError);
    const msg = (error as Error).message;
    expect(msg).toContain("environment 'staging'");
    expect(msg).toContain(expected);
    expect(msg).toContain('Fix:');
    expect(msg).toContain(file);
  });
});
