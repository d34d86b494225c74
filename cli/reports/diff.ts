import { execFileSync } from 'child_process';
import { flatten, keyOf, parseManifests } from './objects';
import { compareStrings } from '../../src/core/order';
import { secretName, secretShaped } from '../../src/core/secrets';

/** One changed field of an object. */
export interface FieldChange {
  readonly field: string;
  /** JSON of the old value; undefined when the field is new. */
  readonly old?: string;
  /** JSON of the new value; undefined when the field is gone. */
  readonly new?: string;
  /** True when the values are secret and must not be printed. */
  readonly redacted: boolean;
}

/** One object that differs. */
export interface ObjectChange {
  /** `dev`, `prod`, `argocd/prod`, ... (the output folder the object belongs to). */
  readonly group: string;
  /** `Kind/namespace/name`. */
  readonly key: string;
  readonly path: string;
  readonly status: 'added' | 'removed' | 'changed';
  readonly fields: readonly FieldChange[];
}

/** The semantic difference between two output trees. */
export interface OutputDiff {
  readonly changes: readonly ObjectChange[];
  /** Objects compared (union of both sides). */
  readonly objects: number;
}

/** The output group of a path: `prod` for `prod/x/y.yaml`, `argocd/prod` for `argocd/prod/...`. */
function groupOf(file: string): string {
  const parts = file.split('/');
  return parts[0] === 'argocd' ? `argocd/${parts[1]}` : parts[0];
}

/** A JSON-encoded flattened value that looks like a credential (a string of that shape). */
function shapedJson(json: string | undefined): boolean {
  if (json === undefined) return false;
  const v = JSON.parse(json);
  return typeof v === 'string' && secretShaped(v);
}

/** The unquoted last segment of a flattened path (`data."a.b"` -> `a.b`). */
const lastSegment = (field: string) => {
  const m = /(?:^|\.)("(?:[^"\\]|\\.)*"|[^.[\]]+)$/.exec(field);
  return m ? (m[1].startsWith('"') ? JSON.parse(m[1]) : m[1]) : field;
};

/**
 * Whether a changed field may hold a secret, judged by name and by shape (defence in depth: Secrets carry no
 * values in this project, but a values overlay or a future construct could put one into an env var, an argument, an
 * annotation or ConfigMap data): such fields are reported as changed without their values.
 */
export function isSecretField(kind: string, field: string, before?: string, after?: string, flatBefore?: ReadonlyMap<string, string>, flatAfter?: ReadonlyMap<string, string>): boolean {
  if ((kind === 'Secret') && /^(data|stringData)(\.|$)/.test(field)) return true;
  if (shapedJson(before) || shapedJson(after)) return true;
  const env = field.match(/\.env\[name=([^\]]+)\]\.value$/);
  if (env && secretName(env[1])) return true;
  // env entries listed by index (duplicate names) cannot be classified: never print them
  if (/\.env\[\d+\]\.value$/.test(field)) return true;
  const arg = field.match(/^(.*\.(?:args|command))\[(\d+)\]$/);
  if (arg) {
    // `--password VALUE`: the element after a secret-named flag; `--password=VALUE` is caught by the shape above.
    const prev = Number(arg[2]) > 0 ? `${arg[1]}[${Number(arg[2]) - 1}]` : undefined;
    for (const flat of [flatBefore, flatAfter]) {
      const p = prev && flat?.get(prev);
      if (p && /^"-{1,2}[A-Za-z0-9_.-]+"$/.test(p) && secretName(JSON.parse(p).replace(/^-+/, ''))) return true;
    }
  }
  const annotation = field.match(/^(?:metadata|spec\.template\.metadata)\.annotations\.(.+)$/);
  if (annotation && secretName(lastSegment(field))) return true;
  if ((kind === 'ConfigMap') && /^(data|binaryData)\./.test(field) && secretName(lastSegment(field))) return true;
  if (/\.(value|password|token)$/.test(field) && secretName(lastSegment(field.replace(/\.value$/, '')))) return true;
  return false;
}

function indexObjects(files: ReadonlyMap<string, string>): Map<string, { path: string; manifest: Record<string, any> }> {
  const out = new Map<string, { path: string; manifest: Record<string, any> }>();
  for (const [file, text] of [...files].sort(([a], [b]) => compareStrings(a, b))) {
    if (!file.endsWith('.yaml')) continue;
    for (const o of parseManifests(text, file)) out.set(`${groupOf(file)}|${keyOf(o.manifest)}`, { path: file, manifest: o.manifest });
  }
  return out;
}

/**
 * Compares two output trees (file path → YAML text, paths relative to charts-out/) object by object: objects
 * are matched by output group and kind/namespace/name (so a move between files is not a change), and for
 * changed objects every changed field path is listed with its old and new value. Values of Secrets (and of
 * env vars whose names look secret) are never included.
 */
export function diffOutputs(base: ReadonlyMap<string, string>, head: ReadonlyMap<string, string>): OutputDiff {
  const a = indexObjects(base);
  const b = indexObjects(head);
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  const changes: ObjectChange[] = [];
  for (const k of keys) {
    const [group, key] = k.split('|');
    const before = a.get(k);
    const after = b.get(k);
    if (!before) { changes.push({ group, key, path: after!.path, status: 'added', fields: [] }); continue; }
    if (!after) { changes.push({ group, key, path: before.path, status: 'removed', fields: [] }); continue; }
    const fa = flatten(before.manifest);
    const fb = flatten(after.manifest);
    const fields: FieldChange[] = [];
    for (const f of [...new Set([...fa.keys(), ...fb.keys()])].sort()) {
      if (fa.get(f) === fb.get(f)) continue;
      const redacted = isSecretField(after.manifest.kind, f, fa.get(f), fb.get(f), fa, fb) || isSecretField(before.manifest.kind, f, fa.get(f), fb.get(f), fa, fb);
      fields.push({ field: f, old: redacted ? undefined : fa.get(f), new: redacted ? undefined : fb.get(f), redacted });
    }
    if (fields.length > 0) changes.push({ group, key, path: after.path, status: 'changed', fields });
  }
  return { changes, objects: keys.length };
}

const code = (s: string) => (s.includes('`') ? `\`\` ${s} \`\`` : `\`${s}\``);

/** Characters of context shown on each side of the first difference of a long value. */
const CONTEXT = 50;

/** The index of the first character where two texts differ (the shorter length when one is a prefix). */
function firstDifference(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/**
 * A value for a table cell: short values whole; a long value as the part around its first difference from the
 * other side (`…` marks what is cut), so that a change deep inside a long expression is visible.
 */
function showValue(json: string | undefined, other?: string): string {
  if (json === undefined) return '_(none)_';
  const v = JSON.parse(json);
  if (typeof v === 'string' && v.includes('\n')) return `_(${v.split('\n').length} lines)_`;
  const text = typeof v === 'string' ? v : json;
  let shown = text;
  if (text.length > 120) {
    const o = other === undefined ? undefined : JSON.parse(other);
    const otherText = o === undefined ? '' : typeof o === 'string' ? o : other!;
    const at = otherText ? firstDifference(text, otherText) : 0;
    const from = Math.max(0, at - CONTEXT);
    const to = Math.min(text.length, at + CONTEXT + 20);
    shown = `${from > 0 ? '…' : ''}${text.slice(from, to)}${to < text.length ? '…' : ''}`;
  }
  return code(shown).replace(/\|/g, '\\|');
}

/** Line-level changes of a multi-line string value (removed lines first), for a fenced `diff` block. */
function lineDiff(oldJson: string | undefined, newJson: string | undefined): string | undefined {
  const o = oldJson === undefined ? undefined : JSON.parse(oldJson);
  const n = newJson === undefined ? undefined : JSON.parse(newJson);
  if (!(typeof o === 'string' && o.includes('\n')) && !(typeof n === 'string' && n.includes('\n'))) return undefined;
  const ol = typeof o === 'string' ? o.split('\n') : [];
  const nl = typeof n === 'string' ? n.split('\n') : [];
  const os = new Set(ol);
  const ns = new Set(nl);
  return [...ol.filter((l) => !ns.has(l)).map((l) => `- ${l}`), ...nl.filter((l) => !os.has(l)).map((l) => `+ ${l}`)].join('\n');
}

/** The diff as markdown for a pull-request comment. */
export function renderDiffMarkdown(diff: OutputDiff, title: string): string {
  const count = (s: ObjectChange['status']) => diff.changes.filter((c) => c.status === s).length;
  const lines = [`## ${title}`, ''];
  if (diff.changes.length === 0) {
    lines.push(`No object changed (${diff.objects} objects compared).`, '');
    return lines.join('\n');
  }
  lines.push(`**${count('added')} added, ${count('removed')} removed, ${count('changed')} changed** (${diff.objects} objects compared).`, '');
  for (const group of [...new Set(diff.changes.map((c) => c.group))].sort()) {
    lines.push(`### ${group}`, '');
    const inGroup = diff.changes.filter((c) => c.group === group);
    for (const status of ['added', 'removed'] as const) {
      const list = inGroup.filter((c) => c.status === status);
      if (list.length) lines.push(`**${status[0].toUpperCase()}${status.slice(1)}:**`, '', ...list.map((c) => `- ${code(c.key)} (${code(c.path)})`), '');
    }
    for (const c of inGroup.filter((x) => x.status === 'changed')) {
      lines.push(`**Changed** ${code(c.key)} (${code(c.path)}):`, '', '| field | old | new |', '| --- | --- | --- |');
      const blocks: string[] = [];
      for (const f of c.fields) {
        if (f.redacted) {
          lines.push(`| ${code(f.field)} | _(secret, not shown)_ | _(secret, not shown)_ |`);
          continue;
        }
        lines.push(`| ${code(f.field)} | ${showValue(f.old, f.new)} | ${showValue(f.new, f.old)} |`);
        const ld = lineDiff(f.old, f.new);
        if (ld !== undefined) blocks.push(`<details><summary>${code(f.field)}</summary>`, '', '```diff', ld, '```', '</details>', '');
      }
      lines.push('', ...blocks);
    }
  }
  return lines.join('\n');
}

/** Runs git in `cwd`, returning stdout (throws with git's message). */
function git(cwd: string, args: string[], input?: string): Buffer {
  return execFileSync('git', args, { cwd, input, maxBuffer: 512 * 1024 * 1024, stdio: ['pipe', 'pipe', 'pipe'] });
}

/**
 * The files under `dir` (a path inside the repository at `cwd`) at git revision `ref`, relative to `dir`.
 * Two git processes whatever the number of files (`ls-tree`, then one `cat-file --batch`).
 */
export function readTreeAtRef(cwd: string, ref: string, dir: string): Map<string, string> {
  const prefix = dir.replace(/\/+$/, '');
  const listing = git(cwd, ['ls-tree', '-r', '-z', '--full-tree', ref, '--', prefix]).toString('utf8').split('\0').filter(Boolean);
  const entries = listing.map((line) => {
    const [meta, file] = line.split('\t');
    return { sha: meta.split(' ')[2], file: file.slice(prefix.length + 1) };
  }).filter((e) => e.file);
  const out = new Map<string, string>();
  if (entries.length === 0) return out;
  const buf = git(cwd, ['cat-file', '--batch'], entries.map((e) => e.sha).join('\n') + '\n');
  let pos = 0;
  for (const e of entries) {
    const nl = buf.indexOf(0x0a, pos);
    const size = parseInt(buf.toString('utf8', pos, nl).split(' ')[2], 10);
    out.set(e.file, buf.toString('utf8', nl + 1, nl + 1 + size));
    pos = nl + 1 + size + 1;
  }
  return out;
}

/** The repository-relative path of `dir` and the repository's top level. */
export function repoPath(dir: string): { top: string; rel: string } {
  const top = git(dir, ['rev-parse', '--show-toplevel']).toString('utf8').trim();
  const prefix = git(dir, ['rev-parse', '--show-prefix']).toString('utf8').trim();
  return { top, rel: prefix.replace(/\/+$/, '') };
}
