/**
 * Small Kubernetes helpers on the conformance tier's client: server-side apply, get, list, wait.
 */
import { collectionPath, KubeClient, statusMessage } from '../conformance/client';

export type Obj = Record<string, any>;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function pathOf(client: KubeClient, apiVersion: string, kind: string, namespace?: string): Promise<string> {
  let info = await client.resourceFor(apiVersion, kind);
  if (!info) {
    client.forgetDiscovery(apiVersion);
    info = await client.resourceFor(apiVersion, kind);
  }
  if (!info) throw new Error(`the API server does not serve ${apiVersion} ${kind}`);
  return collectionPath(info, namespace);
}

/** Server-side apply (field manager `e2e`, forced). Throws with the server's message on rejection. */
export async function apply(client: KubeClient, obj: Obj, fieldManager = 'e2e'): Promise<Obj> {
  const base = await pathOf(client, obj.apiVersion, obj.kind, obj.metadata?.namespace);
  const res = await client.request('PATCH', `${base}/${encodeURIComponent(obj.metadata.name)}`, {
    query: { fieldManager, force: 'true' },
    body: JSON.stringify(obj),
    contentType: 'application/apply-patch+yaml',
  });
  if (res.status >= 300) throw new Error(`apply ${obj.kind} ${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}: HTTP ${res.status}: ${statusMessage(res)}`);
  return res.json as Obj;
}

/** Merge-patches a subresource (e.g. `status`). */
export async function patchSubresource(client: KubeClient, obj: Obj, sub: string, patch: Obj): Promise<void> {
  const base = await pathOf(client, obj.apiVersion, obj.kind, obj.metadata?.namespace);
  const res = await client.request('PATCH', `${base}/${encodeURIComponent(obj.metadata.name)}/${sub}`, {
    body: JSON.stringify(patch),
    contentType: 'application/merge-patch+json',
  });
  if (res.status >= 300) throw new Error(`patch ${obj.kind} ${obj.metadata.name}/${sub}: HTTP ${res.status}: ${statusMessage(res)}`);
}

/** GET one object; undefined when absent. */
export async function get(client: KubeClient, apiVersion: string, kind: string, name: string, namespace?: string): Promise<Obj | undefined> {
  const base = await pathOf(client, apiVersion, kind, namespace);
  const res = await client.request('GET', `${base}/${encodeURIComponent(name)}`);
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`get ${kind} ${name}: HTTP ${res.status}: ${statusMessage(res)}`);
  return res.json as Obj;
}

/** Lists objects of a kind (all namespaces unless one is given); [] when the kind is not served. */
export async function list(client: KubeClient, apiVersion: string, kind: string, namespace?: string): Promise<Obj[]> {
  let base: string;
  try {
    base = await pathOf(client, apiVersion, kind, namespace);
  } catch {
    return [];
  }
  const res = await client.request('GET', base);
  if (res.status !== 200) throw new Error(`list ${kind}: HTTP ${res.status}: ${statusMessage(res)}`);
  return ((res.json as Obj).items ?? []) as Obj[];
}

/** Polls until `probe` returns a value (not undefined) or the time is up. */
export async function waitUntil<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, everyMs = 1000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(everyMs);
  }
  throw new Error(`${what}: not within ${Math.round(timeoutMs / 1000)} s${last ? ` (last error: ${last})` : ''}`);
}

/** Installs CRDs and waits until each is Established. */
export async function installCrds(client: KubeClient, crds: Obj[]): Promise<void> {
  // Created (not server-side applied): a CRD written for a newer Kubernetes (e.g. External Secrets 2.9.0's
  // `selectableFields`, 1.30+) has its unknown fields dropped with a warning by create, while apply rejects it.
  for (const c of crds) {
    const res = await client.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: JSON.stringify(c) });
    if (res.status >= 300 && res.status !== 409) throw new Error(`create CRD ${c.metadata.name}: HTTP ${res.status}: ${statusMessage(res)}`);
  }
  for (const c of crds) {
    await waitUntil(`CRD ${c.metadata.name} Established`, 60_000, async () => {
      const live = await get(client, 'apiextensions.k8s.io/v1', 'CustomResourceDefinition', c.metadata.name);
      return live?.status?.conditions?.some((x: Obj) => x.type === 'Established' && x.status === 'True') ? true : undefined;
    }, 250);
  }
  client.forgetDiscovery();
}
