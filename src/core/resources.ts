import { PlatformConfigError } from './errors';

/** CPU and memory quantities. */
export interface ResourceQuantities {
  readonly cpu: string;
  readonly memory: string;
}

/** Requests and limits of one container; both are always set. */
export interface ResourceRequirements {
  readonly requests: ResourceQuantities;
  readonly limits: ResourceQuantities;
}

/** A Kubernetes quantity: a number with an optional binary (Ki..Ei), decimal (n,u,m,k,M..E) or exponent suffix. */
export const QUANTITY = /^[+]?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const SUFFIX: Record<string, number> = {
  '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The value of a quantity in base units (cores, bytes). Throws on an invalid quantity. */
export function parseQuantity(q: string, where = 'quantity'): number {
  const m = QUANTITY.exec(q);
  if (!m) {
    throw new PlatformConfigError(where, `'${q}' is not a Kubernetes quantity`, "write e.g. '500m', '2', '512Mi' or '4Gi'");
  }
  const suffix = m[3] ?? '';
  const base = parseFloat(m[1]);
  if (/^[eE]/.test(suffix)) {
    return base * 10 ** parseInt(suffix.slice(1), 10);
  }
  return base * SUFFIX[suffix];
}

/** Checks that every limit is at least its request. */
export function checkResources(r: ResourceRequirements, where: string): void {
  for (const k of ['cpu', 'memory'] as const) {
    const req = parseQuantity(r.requests[k], `${where}.requests.${k}`);
    const lim = parseQuantity(r.limits[k], `${where}.limits.${k}`);
    if (lim < req) {
      throw new PlatformConfigError(where, `${k} limit ${r.limits[k]} is below the request ${r.requests[k]}`,
        `raise limits.${k} to at least ${r.requests[k]} or lower the request`);
    }
  }
}

/** Bytes of a memory quantity, in MiB, rounded down. */
export function toMebibytes(q: string, where?: string): number {
  return Math.floor(parseQuantity(q, where) / 2 ** 20);
}
