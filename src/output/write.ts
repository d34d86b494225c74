import * as fs from 'fs';
import * as path from 'path';
import { compareStrings } from '../core/order';

/** Lists every file under `dir`, as paths relative to it, sorted. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else out.push(r);
    }
  };
  walk('');
  return out.sort();
}

const under = (file: string, roots: readonly string[]) => roots.some((r) => file === r || file.startsWith(`${r}/`));

/**
 * Writes `files` into `outDir` so that each folder in `roots` holds exactly these files (stale ones go),
 * leaving other folders as they are. The new tree is built beside `outDir` and swapped in with renames,
 * so an interrupted or failed write never leaves a half-written `outDir`. Returns false (and writes nothing)
 * when `outDir` already matches.
 */
export function writeTree(outDir: string, files: ReadonlyMap<string, string>, roots: readonly string[]): boolean {
  // Nothing to do when the tree already holds exactly these files: it is left untouched (mtimes included).
  const current = diffTree(outDir, files, roots);
  if (current.changed.length + current.missing.length + current.extra.length === 0) return false;
  const parent = path.dirname(path.resolve(outDir));
  fs.mkdirSync(parent, { recursive: true });
  const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(outDir)}.new-`));
  try {
    for (const rel of listFiles(outDir)) {
      if (under(rel, roots)) continue;
      fs.mkdirSync(path.dirname(path.join(staging, rel)), { recursive: true });
      fs.copyFileSync(path.join(outDir, rel), path.join(staging, rel));
    }
    for (const [rel, content] of files) {
      const target = path.join(staging, rel);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
    }
    const old = `${staging}.old`;
    if (fs.existsSync(outDir)) fs.renameSync(outDir, old);
    fs.renameSync(staging, outDir);
    fs.rmSync(old, { recursive: true, force: true });
    return true;
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}

/** The differences between the synthesized files and `outDir`, within `roots`. */
export interface TreeDiff {
  readonly changed: string[];
  readonly missing: string[];
  readonly extra: string[];
}

/** Compares `files` with what `outDir` holds under `roots`. */
export function diffTree(outDir: string, files: ReadonlyMap<string, string>, roots: readonly string[]): TreeDiff {
  const existing = listFiles(outDir).filter((f) => under(f, roots));
  const present = new Set(existing);
  const changed: string[] = [];
  const missing: string[] = [];
  for (const [rel, content] of [...files].sort(([a], [b]) => compareStrings(a, b))) {
    if (!present.has(rel)) missing.push(rel);
    else if (fs.readFileSync(path.join(outDir, rel), 'utf8') !== content) changed.push(rel);
  }
  const extra = existing.filter((f) => !files.has(f));
  return { changed, missing, extra };
}
