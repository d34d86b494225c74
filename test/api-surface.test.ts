import * as fs from 'fs';
import * as path from 'path';

const index = fs.readFileSync(path.join(__dirname, '..', 'src', 'index.ts'), 'utf8');

describe('the public API is a chosen list', () => {
  test('index.ts re-exports by name only (no export *)', () => {
    expect(index).not.toMatch(/^export \*/m);
  });

  test('the exported names are exactly the reviewed list (update the snapshot deliberately, with the CHANGELOG)', () => {
    const names = [...index.matchAll(/export (type )?\{([^}]*)\}/g)]
      .flatMap((m) => m[2].split(',').map((n) => `${m[1] ? 'type ' : ''}${n.trim()}`))
      .filter((n) => n && n !== 'type ')
      .sort();
    expect(new Set(names).size).toBe(names.length);
    expect(names).toMatchSnapshot();
  });

  test('every value export resolves at run time', () => {
    const api = require('../src') as Record<string, unknown>;
    const values = [...index.matchAll(/export \{([^}]*)\}/g)].flatMap((m) => m[1].split(',').map((n) => n.trim())).filter(Boolean);
    for (const v of values) expect([v, api[v] !== undefined]).toEqual([v, true]);
  });
});
