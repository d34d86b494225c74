import { PlatformValidationError } from '../../core/errors';

/** Why one component depends on another (for messages and review annotations). */
export interface DependencyReason {
  readonly from: string;
  readonly to: string;
  /** e.g. `Service minio-service:minio-api`, `Secret x/key`, `CRD group kyverno.io`. */
  readonly what: string;
}

/** Sync waves of a set of components, derived from their dependencies. */
export interface WavePlan {
  /** Wave of each component. */
  readonly waves: ReadonlyMap<string, number>;
  /** Direct dependencies of each component (components of the set only), sorted. */
  readonly dependencies: ReadonlyMap<string, readonly string[]>;
}

/** Options of `planSyncWaves`. */
export interface WaveOptions {
  /**
   * Components whose wave is fixed (the first one present sets the offset of every wave), e.g. the reference
   * pack's `portal-services` at -4. Only the offset is anchored; the order always follows the graph.
   * @default - none
   */
  readonly anchors?: Readonly<Record<string, number>>;
  /**
   * The wave of a component without dependencies when no anchor is present.
   * @default 0
   */
  readonly baseWave?: number;
  /**
   * Where errors point (e.g. `environment 'prod'`).
   * @default 'dependency graph'
   */
  readonly where?: string;
}

/**
 * Derives sync waves from the dependency graph: a component's wave is one more than the highest wave of the
 * components it depends on (longest path from a component without dependencies), so every provider syncs,
 * and becomes healthy, before its consumers, and independent components share a wave. A cycle throws a
 * `PlatformValidationError` naming every component on it and why each depends on the next.
 */
export function planSyncWaves(components: readonly string[], reasons: readonly DependencyReason[], options: WaveOptions = {}): WavePlan {
  const set = new Set(components);
  const deps = new Map<string, string[]>(components.map((c) => [c, []]));
  for (const r of reasons) {
    if (r.from === r.to || !set.has(r.from) || !set.has(r.to)) continue;
    const list = deps.get(r.from)!;
    if (!list.includes(r.to)) list.push(r.to);
  }
  for (const list of deps.values()) list.sort();

  const cycle = findCycle([...set].sort(), deps);
  if (cycle) {
    const hops = cycle.slice(0, -1).map((from, i) => {
      const to = cycle[i + 1];
      const why = reasons.filter((r) => r.from === from && r.to === to).map((r) => r.what);
      return `${from} → ${to} (${[...new Set(why)].join(', ')})`;
    });
    throw new PlatformValidationError(`${options.where ?? 'dependency graph'}: the dependency graph has a cycle, so no sync order exists`, [
      `cycle ${cycle.join(' → ')}: ${hops.join('; ')}. Fix: remove one of these dependencies (a component must not read a Service or Secret of a component that depends on it)`,
    ]);
  }

  const depth = new Map<string, number>();
  const depthOf = (c: string): number => {
    if (!depth.has(c)) depth.set(c, Math.max(-1, ...deps.get(c)!.map(depthOf)) + 1);
    return depth.get(c)!;
  };
  const anchor = Object.entries(options.anchors ?? {}).find(([c]) => set.has(c));
  const offset = anchor ? anchor[1] - depthOf(anchor[0]) : options.baseWave ?? 0;
  const waves = new Map([...set].sort().map((c) => [c, depthOf(c) + offset]));
  return { waves, dependencies: deps };
}

/** The first cycle found by depth-first search, as a closed path `[a, b, ..., a]`, or undefined. */
export function findCycle(nodes: readonly string[], deps: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    state.set(n, 'visiting');
    stack.push(n);
    for (const d of deps.get(n) ?? []) {
      if (state.get(d) === 'visiting') return [...stack.slice(stack.indexOf(d)), d];
      if (!state.has(d)) {
        const found = visit(d);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of nodes) {
    if (!state.has(n)) {
      const found = visit(n);
      if (found) return found;
    }
  }
  return undefined;
}
