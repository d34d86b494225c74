import { parse } from 'yaml';
import { toYaml } from '../src/core/yaml';
import { ENVS, filesOf } from './util';

// Golden trees: the whole synthesized output of each environment, file by file. Update deliberately
// with `npx jest -u test/golden.test.ts` and review the snapshot diff like the charts-out/ diff.
describe('golden output', () => {
  test.each(ENVS)('%s equals the committed snapshot', (env) => {
    const files = filesOf(env);
    expect(Object.fromEntries(files)).toMatchSnapshot();
  });
});

describe('YAML as Kubernetes reads it', () => {
  test.each(ENVS)('regression: every file of %s means the same in YAML 1.1 (Kubernetes, Argo CD) and 1.2 (e.g. "off" stays a string)', (env) => {
    const files = filesOf(env);
    for (const [path, text] of files) {
      expect({ path, doc: parse(text, { version: '1.1' }) }).toEqual({ path, doc: parse(text, { version: '1.2' }) });
    }
    expect(toYaml({ value: 'off', mode: '0777', yes: 'yes', sep: '1_000', clock: '12:30', plain: 'abc' })).toBe('value: "off"\nmode: "0777"\n"yes": "yes"\nsep: "1_000"\nclock: "12:30"\nplain: abc\n');
  });
});
