/**
 * A minimal Kubernetes API client on plain Node `https`: TLS with client certificates or a
 * bearer token, JSON/YAML bodies, the server's Warning headers, and API discovery
 * (apiVersion + kind -> resource path, namespaced or not).
 */
import * as http from 'node:http';
import * as https from 'node:https';

export interface ClientConfig {
  /** e.g. https://127.0.0.1:6443 (a path prefix such as a proxy's is kept) */
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  insecureSkipTLSVerify?: boolean;
  tlsServerName?: string;
  /** Describes where the config came from, for error messages. */
  origin: string;
}

export interface KubeResponse {
  status: number;
  body: string;
  /** The parsed JSON body, when the body is JSON. */
  json: unknown;
  /** Values of the server's `Warning` headers (deprecations, ignored fields, ...). */
  warnings: string[];
}

export interface RequestOptions {
  query?: Record<string, string>;
  body?: string | Buffer;
  contentType?: string;
  timeoutMs?: number;
}

/** What discovery says about one kind. */
export interface ResourceInfo {
  /** Plural resource name, e.g. "deployments". */
  resource: string;
  namespaced: boolean;
  /** "/api/v1" or "/apis/<group>/<version>" */
  basePath: string;
}

export class KubeClient {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly discovery = new Map<string, Promise<Map<string, ResourceInfo> | undefined>>();

  constructor(readonly config: ClientConfig) {
    this.base = new URL(config.server);
    if (this.base.protocol === 'https:') {
      this.agent = new https.Agent({
        keepAlive: true,
        maxSockets: 16,
        ca: config.ca,
        cert: config.cert,
        key: config.key,
        rejectUnauthorized: !config.insecureSkipTLSVerify,
        servername: config.tlsServerName,
      });
    } else if (this.base.protocol === 'http:') {
      this.agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    } else {
      throw new Error(`${config.origin}: unsupported server URL ${config.server}`);
    }
  }

  get server(): string {
    return this.config.server;
  }

  close(): void {
    this.agent.destroy();
  }

  request(method: string, path: string, opts: RequestOptions = {}): Promise<KubeResponse> {
    const url = new URL(this.base.href.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.config.token) headers.Authorization = `Bearer ${this.config.token}`;
    if (opts.body !== undefined) {
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(opts.body));
    }
    const mod = url.protocol === 'https:' ? https : http;
    const timeoutMs = opts.timeoutMs ?? 60_000;
    return new Promise<KubeResponse>((resolve, reject) => {
      const req = mod.request(url, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          let json: unknown = undefined;
          if ((res.headers['content-type'] ?? '').includes('json')) {
            try {
              json = JSON.parse(body);
            } catch {
              json = undefined;
            }
          }
          resolve({ status: res.statusCode ?? 0, body, json, warnings: parseWarnings(res.headers.warning) });
        });
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url.pathname}: no answer within ${timeoutMs} ms`)));
      req.on('error', (err: Error) => reject(new Error(`${method} ${url.origin}${url.pathname}: ${err.message}`)));
      if (opts.body !== undefined) req.write(opts.body);
      req.end();
    });
  }

  async getJson(path: string): Promise<KubeResponse> {
    return this.request('GET', path);
  }

  /**
   * Resolves apiVersion + kind through the server's discovery documents.
   * Returns undefined when the server does not serve that kind.
   */
  async resourceFor(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    const kinds = await this.discover(apiVersion);
    return kinds?.get(kind);
  }

  /** Forgets cached discovery, e.g. after CRDs were installed. */
  forgetDiscovery(apiVersion?: string): void {
    if (apiVersion === undefined) this.discovery.clear();
    else this.discovery.delete(apiVersion);
  }

  private discover(apiVersion: string): Promise<Map<string, ResourceInfo> | undefined> {
    let p = this.discovery.get(apiVersion);
    if (!p) {
      p = this.fetchDiscovery(apiVersion);
      this.discovery.set(apiVersion, p);
      // Do not cache failures: a later call may succeed.
      p.catch(() => this.discovery.delete(apiVersion));
    }
    return p;
  }

  private async fetchDiscovery(apiVersion: string): Promise<Map<string, ResourceInfo> | undefined> {
    const basePath = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const res = await this.getJson(basePath);
    if (res.status === 404) return undefined;
    if (res.status !== 200) {
      throw new Error(`discovery of ${apiVersion} failed: HTTP ${res.status}: ${statusMessage(res)}`);
    }
    const list = res.json as { resources?: { name: string; kind: string; namespaced: boolean }[] };
    const kinds = new Map<string, ResourceInfo>();
    for (const r of list.resources ?? []) {
      if (r.name.includes('/')) continue; // subresources such as deployments/scale
      kinds.set(r.kind, { resource: r.name, namespaced: r.namespaced, basePath });
    }
    return kinds;
  }
}

/** The URL path of a collection: /api/v1/namespaces/ns/configmaps, /apis/apps/v1/deployments, ... */
export function collectionPath(info: ResourceInfo, namespace: string | undefined): string {
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${info.basePath}${ns}/${info.resource}`;
}

/** The `message` of a metav1.Status body, or the raw body when it is not one. */
export function statusMessage(res: KubeResponse): string {
  const s = res.json as { kind?: string; message?: string } | undefined;
  if (s && typeof s.message === 'string' && s.message) return s.message;
  const text = res.body.trim();
  return text.length > 2000 ? `${text.slice(0, 2000)}...` : text || `(empty body, HTTP ${res.status})`;
}

/** The `reason` of a metav1.Status body (AlreadyExists, Invalid, BadRequest, NotFound, ...). */
export function statusReason(res: KubeResponse): string | undefined {
  const s = res.json as { reason?: string } | undefined;
  return typeof s?.reason === 'string' ? s.reason : undefined;
}

function parseWarnings(header: string | string[] | undefined): string[] {
  if (header === undefined) return [];
  const values = Array.isArray(header) ? header : [header];
  // RFC 7234 warning: 299 - "text"   (the API server always uses code 299 and agent "-")
  return values.flatMap((v) => {
    const out: string[] = [];
    const re = /\d{3}\s+\S+\s+"((?:[^"\\]|\\.)*)"/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(v)) !== null) out.push(m[1].replace(/\\(.)/g, '$1'));
    return out.length ? out : [v];
  });
}
