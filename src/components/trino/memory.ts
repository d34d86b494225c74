import { PlatformConfigError } from '../../core/errors';
import { toMebibytes } from '../../core/resources';

/** How a Trino node's memory settings are derived from its container. */
export interface TrinoMemoryInput {
  /** The container's memory limit, e.g. `16Gi`. */
  readonly limit: string;
  /** An explicit heap (`-Xmx`); otherwise `heapPercent` of the limit. */
  readonly heap?: string;
  /** The heap as a share of the limit, when `heap` is not given. */
  readonly heapPercent: number;
  /** `query.max-memory-per-node` as a share of the heap. */
  readonly queryMaxMemoryPerNodePercent: number;
  /** `memory.heap-headroom-per-node` as a share of the heap. */
  readonly heapHeadroomPercent: number;
}

/** The derived settings, in MiB (Trino's `MB` is 1024*1024 bytes). */
export interface TrinoMemory {
  readonly limitMiB: number;
  readonly heapMiB: number;
  readonly queryMaxMemoryPerNodeMiB: number;
  readonly heapHeadroomPerNodeMiB: number;
}

/** Memory outside the heap (metaspace, code cache, thread stacks, direct buffers): at least this much, or 10% of the limit. */
export const MIN_NON_HEAP_MIB = 512;

/**
 * Derives the JVM heap and Trino's per-node memory settings from the container's memory limit, and rejects
 * combinations that cannot work: a heap at or above the limit (the kernel kills the JVM), a heap that leaves
 * less than max(512Mi, 10%) of the limit for non-heap memory, and query memory plus headroom above the heap
 * (Trino refuses to start: "The sum of max query memory per node and heap headroom cannot be larger than the
 * available heap memory").
 */
export function deriveTrinoMemory(input: TrinoMemoryInput, where: string): TrinoMemory {
  const limitMiB = toMebibytes(input.limit, `${where}.limits.memory`);
  const heapMiB = input.heap !== undefined ? toMebibytes(input.heap, `${where}.heap`) : Math.floor((limitMiB * input.heapPercent) / 100);
  const heapShown = input.heap ?? `${input.heapPercent}% of the limit = ${heapMiB}Mi`;
  if (heapMiB >= limitMiB) {
    throw new PlatformConfigError(where, `the heap ${heapShown} is larger than the memory limit ${input.limit}`,
      `lower the heap below ${input.limit} (leaving at least ${MIN_NON_HEAP_MIB}Mi for non-heap memory) or raise limits.memory`);
  }
  const reserve = Math.max(MIN_NON_HEAP_MIB, Math.ceil(limitMiB * 0.1));
  if (limitMiB - heapMiB < reserve) {
    throw new PlatformConfigError(where, `the heap ${heapShown} leaves only ${limitMiB - heapMiB}Mi of the memory limit ${input.limit} for non-heap memory (at least ${reserve}Mi needed)`,
      `set the heap to at most ${limitMiB - reserve}Mi or raise limits.memory`);
  }
  const queryMaxMemoryPerNodeMiB = Math.floor((heapMiB * input.queryMaxMemoryPerNodePercent) / 100);
  const heapHeadroomPerNodeMiB = Math.floor((heapMiB * input.heapHeadroomPercent) / 100);
  if (queryMaxMemoryPerNodeMiB + heapHeadroomPerNodeMiB > heapMiB) {
    throw new PlatformConfigError(where,
      `query.max-memory-per-node (${input.queryMaxMemoryPerNodePercent}% = ${queryMaxMemoryPerNodeMiB}MB) plus memory.heap-headroom-per-node (${input.heapHeadroomPercent}% = ${heapHeadroomPerNodeMiB}MB) exceed the heap (${heapMiB}MB); Trino refuses to start`,
      'keep queryMaxMemoryPerNodePercent + heapHeadroomPercent at or below 100');
  }
  if (queryMaxMemoryPerNodeMiB < 1 || heapHeadroomPerNodeMiB < 1) {
    throw new PlatformConfigError(where, `the heap of ${heapMiB}MB is too small for any query memory`, 'raise limits.memory');
  }
  return { limitMiB, heapMiB, queryMaxMemoryPerNodeMiB, heapHeadroomPerNodeMiB };
}
