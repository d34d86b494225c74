import * as fs from 'fs';
import * as path from 'path';

// `npm run api-docs -- --check` (tsc + API Extractor, ~20-50 s here) runs in .ci/run; this test keeps the committed
// reference in step with the exported names at npm test speed.
const root = path.join(__dirname, '..');
const index = fs.readFileSync(path.join(root, 'src', 'index.ts'), 'utf8');
const names = [...index.matchAll(/export (?:type )?\{([^}]*)\}/g)].flatMap((m) => m[1].split(',').map((n) => n.trim())).filter(Boolean);

describe('the API reference (docs/API.md, docs/API.api.md)', () => {
  const md = fs.readFileSync(path.join(root, 'docs', 'API.md'), 'utf8');
  const report = fs.readFileSync(path.join(root, 'docs', 'API.api.md'), 'utf8');

  test('documents every exported name, and nothing the package root does not export', () => {
    const headings = [...md.matchAll(/^### (\S+)$/gm)].map((m) => m[1]).sort();
    expect(headings).toEqual([...new Set(names)].sort());
    for (const n of names) expect([n, new RegExp(`^(export )?(declare )?(abstract )?(class|function|interface|type|const|enum|namespace) ${n}(_\\d+)?\\b`, 'm').test(report)]).toEqual([n, true]);
  });

  test('regression: the API report lists no type the API uses without exporting it (ae-forgotten-export; 49 before issue 17)', () => {
    expect(report.match(/^.*ae-forgotten-export.*$/gm) ?? []).toEqual([]);
    expect(report).not.toMatch(/^\s*\/\/ Warning:/m);
  });

  test('stays readable: one page under 300 KB without inherited cdk8s members', () => {
    expect(Buffer.byteLength(md)).toBeLessThan(300_000);
    expect(md).not.toMatch(/\| `(addDependency|generateObjectName|node|resolve|toYamlString)` \|/);
  });
});
