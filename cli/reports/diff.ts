import { execFileSync } from 'child_process';
import { flatten, keyOf, parseManifests } from './objects';
import { compareStrings } from '../../src/core/order';

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

/** Env var names whose literal values are treated as secret in the diff (defence in depth: Secrets carry no values). */
const SECRET_ENV = /(PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE|_KEY$|APIKEY)/i;

function isSecretField(kind: string, field: string): boolean {
  if (kind === 'Secret' && /^(data|stringData)(\.|$)/.test(field)) return true;
  const env = field.match(/\.env\[name=([^\]]+)\]\.value$/);
  if (env && SECRET_ENV.test(env[1])) return true;
  // env entries listed by index (duplicate names) cannot be classified: never print them
  return /\.env\[\d+\]\.value$/.test(field);
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
      const redacted = isSecretField(after.manifest.kind, f);
      fields.push({ field: f, old: redacted ? undefined : fa.get(f), new: redacted ? undefined : fb.get(f), redacted });
    }
    if (fields.length > 0) changes.push({ group, key, path: after.path, status: 'changed', fields });
  }
  return { changes, objects: keys.length };
}

const code = (s: string) => (s.includes('`') ? `\`\` ${s} \`\`` : `\`${s}\``);

function showValue(json: string | undefined): string {
  if (json === undefined) return '_(none)_';
  const v = JSON.parse(json);
  if (typeof v === 'string' && v.includes('\n')) return `_(${v.split('\n').length} lines)_`;
  const text = typeof v === 'string' ? v : json;
  return code(text.length > 120 ? `${text.slice(0, 117)}...` : text).replace(/\|/g, '\\|');
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
        if (f.redacted) { lines.push(`| ${code(f.field)} | _(secret, not shown)_ | _(secret, not shown)_ |`); continue; }
        lines.push(`| ${code(f.field)} | ${showValue(f.old)} | ${showValue(f.new)} |`);
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
