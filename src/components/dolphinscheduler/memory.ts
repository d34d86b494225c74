import { PlatformConfigError } from '../../core/errors';
import { parseQuantity, toMebibytes } from '../../core/resources';

/**
 * JVM sizing of the DolphinScheduler servers, derived from the container limits.
 *
 * Why absolute sizes: every 3.2.2 server image sets `ENV DOCKER true` (e.g. dolphinscheduler-master/src/main/docker/
 * Dockerfile:20) and its `bin/start.sh` appends `-XX:-UseContainerSupport` after `JAVA_OPTS` when `DOCKER` is
 * `true` (dolphinscheduler-master/src/main/bin/start.sh:38-40; the same lines in the api, worker and
 * alert-server start.sh). The JVM then sizes percentage flags (`MaxRAMPercentage`) and its default heap from
 * the node's memory, and counts the node's CPUs, so a pod on a large node grows past its limit and is
 * OOM-killed. Absolute `-Xms`/`-Xmx`, metaspace, direct memory, code cache and `-XX:ActiveProcessorCount` do not
 * depend on what the JVM detects.
 */
export interface JvmSizing {
  /** The part of the container's memory limit the JVM is sized for (all of it, except on the worker). */
  readonly limitMiB: number;
  readonly heapMiB: number;
  readonly metaspaceMiB: number;
  readonly directMiB: number;
  readonly codeCacheMiB: number;
  /** Thread stacks, GC structures, class data, native allocations: what remains of the limit. */
  readonly otherMiB: number;
  readonly processors: number;
  /** The `JAVA_OPTS` value (start.sh puts it first on the java command line). */
  readonly javaOpts: string;
}

/** Code cache reserved per JVM (`-XX:ReservedCodeCacheSize`). */
export const CODE_CACHE_MIB = 128;
/** The smallest heap a DolphinScheduler server starts with (Spring Boot plus the plugins). */
export const MIN_HEAP_MIB = 384;

/**
 * Sizes a server's JVM from its container's memory and CPU limits: metaspace max(192, 1/8 of the limit, at most
 * 512)MiB, direct memory max(64, 1/16 of the limit, at most 512)MiB (netty RPC), code cache 128MiB, and at least
 * max(256MiB, 15% of the limit) for threads and native memory; the heap is the rest. Throws, naming the key and
 * the fix, when the limit leaves less than `MIN_HEAP_MIB` of heap. With `jvmShare` the JVM is sized for that share
 * of the limit (at least 1Gi) instead of the whole limit.
 */
export function deriveJvmSizing(limits: { memory: string; cpu: string }, where: string, opts: { jvmShare?: number } = {}): JvmSizing {
  const containerMiB = toMebibytes(limits.memory, `${where}.limits.memory`);
  // The worker runs its tasks (shell, Python, spark-submit clients) as child processes in the same container:
  // its JVM gets only `jvmShare` of the limit (never less than 1Gi), the rest is left to the tasks.
  const limitMiB = opts.jvmShare === undefined ? containerMiB : Math.min(containerMiB, Math.max(1024, Math.floor(containerMiB * opts.jvmShare)));
  const metaspaceMiB = Math.min(512, Math.max(192, Math.floor(limitMiB / 8)));
  const directMiB = Math.min(512, Math.max(64, Math.floor(limitMiB / 16)));
  const reserve = Math.max(256, Math.ceil(limitMiB * 0.15));
  const heapMiB = limitMiB - metaspaceMiB - directMiB - CODE_CACHE_MIB - reserve;
  if (heapMiB < MIN_HEAP_MIB) {
    const needed = Math.ceil((MIN_HEAP_MIB + metaspaceMiB + directMiB + CODE_CACHE_MIB + 256) / 0.85);
    throw new PlatformConfigError(`${where}.limits.memory`,
      `the memory limit ${limits.memory} leaves a heap of ${heapMiB}Mi after metaspace ${metaspaceMiB}Mi, direct memory ${directMiB}Mi, code cache ${CODE_CACHE_MIB}Mi and ${reserve}Mi for threads and native memory; a DolphinScheduler server needs at least ${MIN_HEAP_MIB}Mi`,
      `raise limits.memory to at least ${Math.ceil(needed / 64) * 64}Mi (or choose the 'medium' preset)`);
  }
  const processors = Math.max(1, Math.ceil(parseQuantity(limits.cpu, `${where}.limits.cpu`)));
  const otherMiB = limitMiB - heapMiB - metaspaceMiB - directMiB - CODE_CACHE_MIB;
  const javaOpts = [
    '-server', `-Xms${heapMiB}m`, `-Xmx${heapMiB}m`, `-XX:MetaspaceSize=${Math.min(metaspaceMiB, 128)}m`, `-XX:MaxMetaspaceSize=${metaspaceMiB}m`,
    `-XX:MaxDirectMemorySize=${directMiB}m`, `-XX:ReservedCodeCacheSize=${CODE_CACHE_MIB}m`, `-XX:ActiveProcessorCount=${processors}`,
    '-XX:+UseG1GC', '-XX:+ExitOnOutOfMemoryError',
  ].join(' ');
  return { limitMiB, heapMiB, metaspaceMiB, directMiB, codeCacheMiB: CODE_CACHE_MIB, otherMiB, processors, javaOpts };
}
