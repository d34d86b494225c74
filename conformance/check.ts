/**
 * The conformance check proper: install CRDs, work out and create the namespaces the objects
 * need, send every object as a server-side dry-run with strict field validation, and report.
 */
import * as path from 'node:path';
import { collectionPath, KubeClient, ResourceInfo, statusMessage, statusReason } from './client';
import { describe, KubeObject, Manifest } from './manifests';

export type Log = (msg: string) => void;

export interface ObjectResult {
  manifest: Manifest;
  accepted: boolean;
  /** Namespace the object was sent to (namespaced kinds only). */
  namespace?: string;
  /** The server's message (or ours, when the object could not be sent: see `sent`). */
  message?: string;
  /** False when the object was never sent (unknown kind, YAML error). */
  sent: boolean;
  warnings: string[];
  /** Extra context, e.g. how the namespace was chosen. */
  notes: string[];
}

const DRY_RUN_QUERY = { dryRun: 'All', fieldValidation: 'Strict', fieldManager: 'conformance' };
const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---- CRDs --------------------------------------------------------------------------------

export interface CrdInstallResult {
  installed: string[];
  failures: { manifest: Manifest; message: string }[];
}

/** Creates the CRDs for real and waits until each one is Established (or fails). */
export async function installCrds(client: KubeClient, crds: Manifest[], log: Log): Promise<CrdInstallResult> {
  const result: CrdInstallResult = { installed: [], failures: [] };
  const names: { name: string; manifest: Manifest }[] = [];
  for (const m of crds) {
    const name = m.object?.metadata?.name;
    if (!name) {
      result.failures.push({ manifest: m, message: 'CustomResourceDefinition without metadata.name' });
      continue;
    }
    if (names.some((n) => n.name === name)) continue; // provided twice (e.g. --crds and charts-out)
    // Upstream CRDs are data we do not own: accept unknown fields there but show the warnings.
    const res = await client.request('POST', CRD_PATH, {
      query: { fieldValidation: 'Warn', fieldManager: 'conformance' },
      body: m.text,
      contentType: 'application/yaml',
    });
    for (const w of res.warnings) log(`  warning from the server for CRD ${name}: ${w}`);
    if (res.status === 201 || res.status === 200 || statusReason(res) === 'AlreadyExists') {
      names.push({ name, manifest: m });
    } else {
      result.failures.push({ manifest: m, message: statusMessage(res) });
    }
  }
  const deadline = Date.now() + 60_000;
  for (const { name, manifest } of names) {
    for (;;) {
      const res = await client.getJson(`${CRD_PATH}/${name}`);
      const conditions = ((res.json as { status?: { conditions?: { type: string; status: string; message?: string }[] } })
        ?.status?.conditions) ?? [];
      const cond = (t: string) => conditions.find((c) => c.type === t);
      if (cond('Established')?.status === 'True') {
        result.installed.push(name);
        break;
      }
      const namesAccepted = cond('NamesAccepted');
      if (namesAccepted?.status === 'False') {
        result.failures.push({ manifest, message: `CRD ${name} names not accepted: ${namesAccepted.message ?? ''}` });
        break;
      }
      if (Date.now() > deadline) {
        result.failures.push({ manifest, message: `CRD ${name} not Established after 60 s: ${JSON.stringify(conditions)}` });
        break;
      }
      await sleep(200);
    }
  }
  // Discovery lags a little behind Established: wait until every served version lists the kind.
  client.forgetDiscovery();
  for (const { name, manifest } of names) {
    if (!result.installed.includes(name)) continue;
    const spec = (manifest.object?.spec ?? {}) as { group?: string; names?: { kind?: string }; versions?: { name: string; served?: boolean }[] };
    for (const v of (spec.versions ?? []).filter((x) => x.served !== false)) {
      const apiVersion = `${spec.group}/${v.name}`;
      while (!(await client.resourceFor(apiVersion, spec.names?.kind ?? ''))) {
        if (Date.now() > deadline) {
          result.failures.push({ manifest, message: `CRD ${name}: ${apiVersion} ${spec.names?.kind} not in API discovery after 60 s` });
          break;
        }
        client.forgetDiscovery(apiVersion);
        await sleep(200);
      }
    }
  }
  return result;
}

export function isCrd(m: Manifest): boolean {
  const o = m.object;
  return !!o && o.kind === 'CustomResourceDefinition' && typeof o.apiVersion === 'string'
    && o.apiVersion.startsWith('apiextensions.k8s.io/');
}

// ---- where each object goes ---------------------------------------------------------------

export interface Target {
  manifest: Manifest;
  info?: ResourceInfo;
  namespace?: string;
  /** Set when the object cannot be sent at all. */
  problem?: string;
  notes: string[];
}

/**
 * Argo CD Applications map a source path (charts-out/<env>/<component>) to a destination
 * namespace; a namespaced object without metadata.namespace is deployed there.
 */
export function applicationDestinations(all: Manifest[]): { pathSegments: string[]; namespace: string; app: string }[] {
  const out: { pathSegments: string[]; namespace: string; app: string }[] = [];
  for (const m of all) {
    const o = m.object;
    if (!o || o.kind !== 'Application' || typeof o.apiVersion !== 'string' || !o.apiVersion.startsWith('argoproj.io/')) continue;
    const spec = (o.spec ?? {}) as { destination?: { namespace?: string }; source?: { path?: string }; sources?: { path?: string }[] };
    const ns = spec.destination?.namespace;
    if (!ns) continue;
    const paths = [spec.source?.path, ...(spec.sources ?? []).map((s) => s.path)].filter((p): p is string => !!p);
    for (const p of paths) {
      out.push({ pathSegments: p.split('/').filter((s) => s && s !== '.'), namespace: ns, app: o.metadata?.name ?? '?' });
    }
  }
  return out;
}

/** Destination namespace of the Application whose source path covers the manifest's folder. */
export function destinationFor(m: Manifest, outDir: string, dests: ReturnType<typeof applicationDestinations>): { namespace: string; app: string } | undefined {
  const dir = path.relative(outDir, path.dirname(m.file)).split(path.sep).filter((s) => s && s !== '.');
  let best: { namespace: string; app: string; k: number } | undefined;
  for (const d of dests) {
    // The app path ends with a prefix of the folder: charts-out/dev/trino covers dev/trino/...
    for (let k = Math.min(d.pathSegments.length, dir.length); k >= 1; k--) {
      const tail = d.pathSegments.slice(d.pathSegments.length - k);
      if (tail.every((s, i) => s === dir[i]) && (!best || k > best.k)) {
        best = { namespace: d.namespace, app: d.app, k };
        break;
      }
    }
  }
  return best;
}

/** Resolves kind -> resource through discovery, and the namespace of each namespaced object. */
export async function resolveTargets(client: KubeClient, manifests: Manifest[], all: Manifest[], outDir: string): Promise<Target[]> {
  const dests = applicationDestinations(all);
  return Promise.all(manifests.map(async (m): Promise<Target> => {
    const t: Target = { manifest: m, notes: [] };
    if (m.problem || !m.object) {
      t.problem = m.problem ?? 'document did not parse';
      return t;
    }
    const o: KubeObject = m.object;
    const apiVersion = String(o.apiVersion);
    const kind = String(o.kind);
    const info = await client.resourceFor(apiVersion, kind);
    if (!info) {
      t.problem = `the server does not serve kind ${kind} in apiVersion ${apiVersion} ` +
        `(not a built-in kind of this Kubernetes version, and no installed CRD defines it)`;
      return t;
    }
    t.info = info;
    if (info.namespaced) {
      const ns = o.metadata?.namespace;
      if (typeof ns === 'string' && ns) {
        t.namespace = ns;
      } else {
        const d = destinationFor(m, outDir, dests);
        if (d) {
          t.namespace = d.namespace;
          t.notes.push(`no metadata.namespace: sent to ${d.namespace}, the destination of Argo CD Application ${d.app}`);
        } else {
          t.namespace = 'default';
          t.notes.push('no metadata.namespace and no Argo CD Application deploys this folder: sent to namespace default');
        }
      }
    }
    return t;
  }));
}

/** Namespaces the objects need, in order of first use. */
export function neededNamespaces(targets: Target[]): string[] {
  return [...new Set(targets.flatMap((t) => (t.namespace ? [t.namespace] : [])))];
}

/**
 * Creates the namespaces (for real) in the throwaway cluster. A namespace that the tree itself
 * defines (a Namespace object) is created from that object, so its labels apply, e.g. Pod
 * Security Admission levels; the rest are created bare.
 */
export async function createNamespaces(client: KubeClient, names: string[], all: Manifest[], log: Log): Promise<void> {
  const defined = new Map<string, Manifest>();
  for (const m of all) {
    const o = m.object;
    if (!m.problem && o?.kind === 'Namespace' && o.apiVersion === 'v1' && o.metadata?.name) defined.set(o.metadata.name, m);
  }
  for (const name of names) {
    const own = defined.get(name);
    if (own) {
      const res = await client.request('POST', '/api/v1/namespaces', {
        query: { fieldValidation: 'Strict', fieldManager: 'conformance' }, body: own.text, contentType: 'application/yaml',
      });
      if (res.status === 201 || statusReason(res) === 'AlreadyExists') continue;
      // Its own check reports the rejection; create it bare so the objects inside can still be checked.
      log(`namespace ${name}: ${relativeFile(own.file)} was not accepted, creating the namespace bare`);
    }
    const res = await client.request('POST', '/api/v1/namespaces', {
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }),
    });
    if (res.status !== 201 && statusReason(res) !== 'AlreadyExists') {
      throw new Error(`cannot create namespace ${name}: ${statusMessage(res)}`);
    }
  }
}

/** Namespaces (of the given ones) that do not exist in the cluster. */
export async function missingNamespaces(client: KubeClient, names: string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const name of names) {
    const res = await client.getJson(`/api/v1/namespaces/${encodeURIComponent(name)}`);
    if (res.status === 404) missing.push(name);
    else if (res.status !== 200) throw new Error(`cannot read namespace ${name}: HTTP ${res.status}: ${statusMessage(res)}`);
  }
  return missing;
}

// ---- the dry-run ---------------------------------------------------------------------------

/**
 * POST ?dryRun=All&fieldValidation=Strict. When the object already exists (a namespace we
 * created, an object on an existing cluster), the same object is checked as a server-side
 * apply dry-run instead, which also runs update validation (e.g. immutable fields).
 */
export async function dryRun(client: KubeClient, t: Target): Promise<ObjectResult> {
  const m = t.manifest;
  const result: ObjectResult = { manifest: m, accepted: false, sent: false, namespace: t.namespace, warnings: [], notes: [...t.notes] };
  if (t.problem || !t.info) {
    result.message = t.problem ?? 'unknown kind';
    return result;
  }
  result.sent = true;
  const collection = collectionPath(t.info, t.namespace);
  let res = await client.request('POST', collection, { query: DRY_RUN_QUERY, body: m.text, contentType: 'application/yaml' });
  result.warnings.push(...res.warnings);
  const name = m.object?.metadata?.name;
  if (res.status === 409 && statusReason(res) === 'AlreadyExists' && name) {
    res = await client.request('PATCH', `${collection}/${encodeURIComponent(name)}`, {
      query: { ...DRY_RUN_QUERY, force: 'true' },
      body: m.text,
      contentType: 'application/apply-patch+yaml',
    });
    result.warnings.push(...res.warnings);
    result.notes.push('already exists in the cluster: checked as a server-side apply (dry-run, strict)');
  }
  if (res.status >= 200 && res.status < 300) {
    result.accepted = true;
  } else {
    result.message = `HTTP ${res.status} ${statusReason(res) ?? ''}: ${statusMessage(res)}`.replace(/ :/, ':');
  }
  return result;
}

/** Runs fn over items with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

// ---- report --------------------------------------------------------------------------------

export function relativeFile(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

function location(m: Manifest): string {
  return `${relativeFile(m.file)}${m.doc > 0 ? ` (document ${m.doc + 1})` : ''}`;
}

/** Prints per-group counts and every rejection; returns the number of rejections. */
export function printReport(groups: Map<string, ObjectResult[]>, print: Log, verbose: boolean): { accepted: number; rejected: number } {
  let accepted = 0;
  let rejected = 0;
  for (const [group, results] of groups) {
    const bad = results.filter((r) => !r.accepted);
    accepted += results.length - bad.length;
    rejected += bad.length;
    const label = group === '.' ? '(top level)' : group;
    print(`${label}: ${results.length} object(s), ${results.length - bad.length} accepted, ${bad.length} rejected`);
    for (const r of results) {
      if (!r.accepted) {
        print(`  REJECTED ${location(r.manifest)}`);
        print(`    object: ${describe(r.manifest)}${r.namespace && !r.manifest.object?.metadata?.namespace ? ` (namespace ${r.namespace})` : ''}`);
        print(`    ${r.sent ? 'server' : 'check'}: ${indent(r.message ?? '(no message)', '            ')}`);
      }
      const details = [...r.warnings.map((w) => `warning: ${w}`), ...(verbose || !r.accepted ? r.notes.map((n) => `note: ${n}`) : [])];
      if (details.length) {
        if (r.accepted) print(`  ${location(r.manifest)} (${describe(r.manifest)})`);
        for (const d of details) print(`    ${d}`);
      }
    }
  }
  return { accepted, rejected };
}

function indent(text: string, pad: string): string {
  return text.split('\n').join(`\n${pad}`);
}
