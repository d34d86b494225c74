import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { PlatformConfigError } from '../../src/core/errors';

/** One Kubernetes object read from a file. */
export interface LoadedObject {
  /** The file, relative to the directory read. */
  readonly file: string;
  readonly manifest: Record<string, any>;
}

/** Parses every YAML document of a text that is a Kubernetes object (has `kind` and `metadata.name`). */
export function parseManifests(text: string, file: string): LoadedObject[] {
  const out: LoadedObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new PlatformConfigError(file, `is not valid YAML: ${doc.errors[0].message}`, 'fix or remove the file');
    const value = doc.toJS({ maxAliasCount: -1 });
    if (value && typeof value === 'object' && !Array.isArray(value) && typeof value.kind === 'string' && value.metadata?.name) {
      out.push({ file, manifest: value });
    }
  }
  return out;
}

/** Every `*.yaml` / `*.yml` file under `dir` (sorted), parsed into objects; files without objects are skipped. */
export function loadManifestDir(dir: string): LoadedObject[] {
  const out: LoadedObject[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (/\.ya?ml$/.test(e.name)) out.push(...parseManifests(fs.readFileSync(path.join(dir, r), 'utf8'), r));
    }
  };
  walk('');
  return out;
}

/**
 * Flattens an object into field paths → JSON values. Lists whose items all carry a string `name` are keyed by
 * it (`containers[name=api].image`), so that reordering or inserting an item does not shift every path.
 */
export function flatten(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(value)) {
    if (value.length === 0) out.set(prefix, '[]');
    const named = value.length > 0 && value.every((v) => v && typeof v === 'object' && typeof v.name === 'string')
      && new Set(value.map((v) => v.name)).size === value.length;
    value.forEach((v, i) => flatten(v, `${prefix}[${named ? `name=${v.name}` : i}]`, out));
  } else if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) out.set(prefix, '{}');
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k)}` : k, out);
  } else {
    out.set(prefix, JSON.stringify(value));
  }
  return out;
}

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'StorageClass', 'PriorityClass',
  'PersistentVolume', 'IngressClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'ClusterPolicy', 'ClusterIssuer',
  'ClusterSecretStore', 'ClusterCleanupPolicy', 'APIService', 'RuntimeClass']);

/** `Kind/namespace/name`, with a default namespace for namespaced kinds that do not set one. */
export function keyOf(m: Record<string, any>, defaultNamespace = ''): string {
  const ns = CLUSTER_SCOPED.has(m.kind) ? '' : m.metadata?.namespace ?? defaultNamespace;
  return `${m.kind}/${ns}/${m.metadata?.name}`;
}
