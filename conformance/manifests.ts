/**
 * Finds the synthesized objects: every *.yaml / *.yml below `<out>/<env>/` (recursively) and
 * `<out>/argocd/<env>/`, grouped per environment ("dev", "argocd/dev", ...). Each YAML document
 * becomes one Manifest that keeps its original text: that text is what is sent to the server,
 * so the server (not a JavaScript YAML parser) decides about duplicate keys and YAML 1.1 scalars.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: ObjectMeta;
  [key: string]: unknown;
}

export interface Manifest {
  /** Absolute path of the file. */
  file: string;
  /** Index of the document within the file (0 for the usual one-object file). */
  doc: number;
  /** Report group: the environment folder ("dev"), or "argocd/dev". */
  group: string;
  /** The document's own YAML text, sent as is (Content-Type: application/yaml). */
  text: string;
  /** Parsed for routing (kind, name, namespace); undefined when the document did not parse. */
  object?: KubeObject;
  /** Why the document cannot be sent (YAML syntax error, not a Kubernetes object). */
  problem?: string;
}

const ARGOCD_DIR = 'argocd';

export interface CollectOptions {
  /** Only these environments (and argocd/<env>); all when empty. */
  envs?: string[];
}

/** Lists environment groups and their manifests under an output directory such as charts-out. */
export function collectManifests(outDir: string, opts: CollectOptions = {}): Map<string, Manifest[]> {
  const root = path.resolve(outDir);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    throw new Error(`no output directory at ${root}: run the synth first (npm run synth) or pass --out DIR`);
  }
  const wanted = (env: string) => !opts.envs?.length || opts.envs.includes(env);
  const groups = new Map<string, Manifest[]>();
  const add = (group: string, dir: string) => {
    const files = yamlFilesUnder(dir);
    const list = groups.get(group) ?? [];
    for (const f of files) list.push(...readManifests(f, group));
    if (list.length) groups.set(group, list);
  };

  for (const entry of sortedEntries(root)) {
    const full = path.join(root, entry.name);
    if (entry.isDirectory() && entry.name === ARGOCD_DIR) {
      for (const sub of sortedEntries(full)) {
        const subFull = path.join(full, sub.name);
        if (sub.isDirectory() && wanted(sub.name)) add(`${ARGOCD_DIR}/${sub.name}`, subFull);
        else if (sub.isFile() && isYaml(sub.name) && !opts.envs?.length) {
          const list = groups.get(ARGOCD_DIR) ?? [];
          list.push(...readManifests(subFull, ARGOCD_DIR));
          groups.set(ARGOCD_DIR, list);
        }
      }
    } else if (entry.isDirectory()) {
      if (wanted(entry.name)) add(entry.name, full);
    } else if (entry.isFile() && isYaml(entry.name) && !opts.envs?.length) {
      const list = groups.get('.') ?? [];
      list.push(...readManifests(full, '.'));
      groups.set('.', list);
    }
  }
  return groups;
}

/** Reads every document of a YAML file; empty documents (a lone `---`) are skipped. */
export function readManifests(file: string, group: string): Manifest[] {
  const source = fs.readFileSync(file, 'utf8');
  const docs = parseAllDocuments(source, { uniqueKeys: false, prettyErrors: true });
  if (!Array.isArray(docs)) {
    // An empty stream (only comments/whitespace) yields an EmptyStream, not an array.
    return [];
  }
  const out: Manifest[] = [];
  docs.forEach((doc, index) => {
    const [start, , end] = doc.range;
    const text = docs.length === 1 ? source : source.slice(start, end);
    const m: Manifest = { file, doc: index, group, text };
    if (doc.errors.length) {
      const messages = doc.errors.map((e) => e.message.split('\n').filter((l) => l.trim()).join('\n'));
      m.problem = `YAML error: ${messages.join('\n')}`;
      out.push(m);
      return;
    }
    const value: unknown = doc.toJS({ maxAliasCount: 1000 });
    if (value === null || value === undefined) return; // empty document
    if (typeof value !== 'object' || Array.isArray(value)) {
      m.problem = 'not a Kubernetes object (the document is not a YAML mapping)';
    } else {
      m.object = value as KubeObject;
      const o = m.object;
      if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') {
        m.problem = 'not a Kubernetes object: apiVersion and kind must be strings';
      } else if (o.kind.endsWith('List') && Array.isArray(o.items)) {
        m.problem = `${o.kind}: lists are not supported; write one object per file`;
      }
    }
    out.push(m);
  });
  return out;
}

/** "apps/v1 Deployment ns/name" for reports. */
export function describe(m: Manifest): string {
  const o = m.object;
  if (!o) return '(unparsed document)';
  const md = o.metadata ?? {};
  const name = md.name ?? (md.generateName ? `${md.generateName}*` : '(no name)');
  return `${String(o.apiVersion)} ${String(o.kind)} ${md.namespace ? `${md.namespace}/` : ''}${name}`;
}

export function isYaml(name: string): boolean {
  return name.endsWith('.yaml') || name.endsWith('.yml');
}

function sortedEntries(dir: string): fs.Dirent[] {
  return fs.readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.name.startsWith('.'))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Every YAML file below dir, recursively, in a stable order. */
export function yamlFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of sortedEntries(dir)) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...yamlFilesUnder(full));
    else if (e.isFile() && isYaml(e.name)) out.push(full);
  }
  return out;
}
