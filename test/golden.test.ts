import { synthesize } from '../src/output/synth';
import { ENVS } from './util';

// Golden trees: the whole synthesized output of each environment, file by file. Update deliberately
// with `npx jest -u test/golden.test.ts` and review the snapshot diff like the charts-out/ diff.
describe('golden output', () => {
  test.each(ENVS)('%s equals the committed snapshot', (env) => {
    const { files } = synthesize({ environments: [env] });
    expect(Object.fromEntries(files)).toMatchSnapshot();
  });
});
