import * as fs from 'fs';
import * as path from 'path';
import { runbookBlocks } from '../e2e/takeover';

const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

describe('the take-over runbook the e2e tier rehearses', () => {
  test('README.md lists the hand-over commands in `sh takeover` blocks, in order, each runnable text', () => {
    const blocks = runbookBlocks(readme);
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    for (const b of blocks) {
      expect(b.trim().length).toBeGreaterThan(0);
      expect(b).not.toMatch(/^\s{2,}\S/m); // list indentation removed
    }
    const all = blocks.join('\n');
    // The root is applied last: it turns data-platform into the app-of-apps and prunes what it still tracks.
    expect(all.lastIndexOf('charts-out/argocd/prod/bootstrap/')).toBeGreaterThan(all.lastIndexOf('kubectl apply -f charts-out/argocd/prod/\n'));
    // The old Applications stop syncing (pause-old) and Argo CD switches tracking before any of ours is applied.
    expect(all.indexOf('takeover -- pause-old')).toBeGreaterThan(-1);
    expect(all.indexOf('takeover -- pause-old')).toBeLessThan(all.indexOf('kubectl apply -f charts-out/argocd/prod/'));
    expect(all.indexOf('docs/takeover/argocd-cm-patch.yaml')).toBeLessThan(all.indexOf('kubectl apply -f charts-out/argocd/prod/'));
  });

  test('block extraction keeps order, strips list indentation and ignores other fences', () => {
    const md = ['text', '```sh', 'echo no', '```', '1. first', '   ```sh takeover', '   echo one', '   echo two', '   ```', '```sh takeover', 'echo three', '```', ''].join('\n');
    expect(runbookBlocks(md)).toEqual(['echo one\necho two\n', 'echo three\n']);
  });
});
