import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..');

function tsFiles(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith('.ts'))
    .map((d) => path.relative(root, path.join(d.parentPath, d.name)));
}

/** The folder a file belongs to for layering: a component or platform layer is its own folder. */
function folderOf(file: string): string {
  const parts = file.split(path.sep);
  if (parts[0] !== 'src') return parts[0];
  if ((parts[1] === 'components' || parts[1] === 'platform') && parts.length > 3) return parts.slice(0, 3).join('/');
  return parts.length === 2 ? 'src' : parts.slice(0, 2).join('/');
}

/** Folder → folders it imports at run time (type-only imports are erased and ordered nothing). */
function runtimeFolderGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of [...tsFiles('src'), ...tsFiles('cli')]) {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    const specs = [
      ...[...text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?\sfrom\s+'(\.[^']*)'/gm)].map((m) => m[1]),
      ...[...text.matchAll(/^import\s+'(\.[^']*)'/gm)].map((m) => m[1]),
    ];
    for (const spec of specs) {
      const from = folderOf(file);
      const to = folderOf(path.normalize(path.join(path.dirname(file), spec)) + '.ts');
      if (from === to) continue;
      if (!graph.has(from)) graph.set(from, new Map());
      graph.get(from)!.set(to, file);
    }
  }
  return graph;
}

function cycles(graph: Map<string, Map<string, string>>): string[][] {
  const index = new Map<string, number>(); const low = new Map<string, number>();
  const stack: string[] = []; const on = new Set<string>(); const out: string[][] = [];
  let n = 0;
  const visit = (v: string): void => {
    index.set(v, n); low.set(v, n); n++; stack.push(v); on.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do { w = stack.pop()!; on.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

describe('layout', () => {
  test('no folder-level import cycles at run time (src/ and cli/)', () => {
    const graph = runtimeFolderGraph();
    const found = cycles(graph).map((c) => c.map((a) => `${a} -> ${c.filter((b) => graph.get(a)?.has(b)).map((b) => `${b} (${graph.get(a)!.get(b)})`).join(', ')}`).join('; '));
    expect(found).toEqual([]);
  });

  test('lower layers never import higher ones: core imports nothing above it, the library never imports cli/', () => {
    const graph = runtimeFolderGraph();
    expect([...(graph.get('src/core')?.keys() ?? [])].filter((t) => t !== 'imports')).toEqual([]);
    for (const [from, targets] of graph) {
      if (from.startsWith('src')) expect([from, targets.has('cli')]).toEqual([from, false]);
    }
    expect([...(graph.get('src/output')?.keys() ?? [])].some((t) => t.startsWith('src/components'))).toBe(false);
  });
});
