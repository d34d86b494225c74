// Jest global setup: synthesizes every environment with its default values ONCE per test run and leaves
// the rendered objects in a run-specific folder, so that each test file reads them (objectsOf in
// test/util.ts) instead of synthesizing the same environments again in every worker. A failing synth is
// not fatal here: objectsOf then synthesizes in the test itself, which reports the error where it matters.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ENVIRONMENT_NAMES } from '../../src/config/values';
import { synthesize } from '../../src/output/synth';

export default function globalSetup(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'platform-synth-cache-'));
  for (const env of ENVIRONMENT_NAMES) {
    try {
      const { objects, files } = synthesize({ environments: [env] });
      fs.writeFileSync(path.join(dir, `${env}.json`), JSON.stringify(objects));
      fs.writeFileSync(path.join(dir, `${env}.files.json`), JSON.stringify([...files]));
    } catch {
      // left to the tests
    }
  }
  process.env.PLATFORM_SYNTH_CACHE = dir;
}
