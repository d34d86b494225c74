/**
 * Watches Argo CD Applications until each expected one is Synced and Healthy (twice in a row, so a transient
 * Healthy reading does not end the run), recording what an operator would look at: wave, sync, health, the
 * operation's phase and message, retries, when each Application appeared, and every resource-level failure.
 */
import type { KubeClient } from '../conformance/client';
import { list, Obj, sleep } from './kube';
import { ARGOCD_NAMESPACE } from './stack';

export interface AppRow {
  name: string;
  wave: string;
  sync: string;
  health: string;
  phase: string;
  message: string;
  retries: number;
  /** Seconds after the watch started when the Application was first seen. */
  seenAt?: number;
  created?: string;
  conditions: string[];
}

export interface Failure {
  app: string;
  resource: string;
  message: string;
  at: number;
}

export interface WatchResult {
  ok: boolean;
  seconds: number;
  rows: Map<string, AppRow>;
  failures: Failure[];
}

const short = (s: string, n = 90) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function rowOf(a: Obj): AppRow {
  const op = a.status?.operationState ?? {};
  return {
    name: a.metadata.name,
    wave: a.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? '0',
    sync: a.status?.sync?.status ?? '-',
    health: a.status?.health?.status ?? '-',
    phase: op.phase ?? '-',
    message: String(op.message ?? '').replace(/\s+/g, ' '),
    retries: Number(op.retryCount ?? 0),
    created: a.metadata.creationTimestamp,
    conditions: (a.status?.conditions ?? []).map((c: Obj) => `${c.type}: ${String(c.message ?? '').replace(/\s+/g, ' ')}`),
  };
}

export async function watchApplications(client: KubeClient, expected: readonly string[], timeoutMs: number,
  log: (m: string) => void, extraDone: () => Promise<boolean> = async () => true, stop: () => boolean = () => false): Promise<WatchResult> {
  const start = Date.now();
  const rows = new Map<string, AppRow>();
  const failures: Failure[] = [];
  const seenFailures = new Set<string>();
  let greenPolls = 0;
  let lastLine = '';
  let lastPrint = 0;
  while (Date.now() - start < timeoutMs && !stop()) {
    const apps = (await list(client, 'argoproj.io/v1alpha1', 'Application', ARGOCD_NAMESPACE)).filter((a) => expected.includes(a.metadata.name));
    const t = Math.round((Date.now() - start) / 1000);
    for (const a of apps) {
      const r = rowOf(a);
      r.seenAt = rows.get(r.name)?.seenAt ?? t;
      r.retries = Math.max(r.retries, rows.get(r.name)?.retries ?? 0);
      rows.set(r.name, r);
      for (const res of a.status?.operationState?.syncResult?.resources ?? []) {
        if (res.status !== 'SyncFailed' && res.hookPhase !== 'Failed' && res.hookPhase !== 'Error') continue;
        const resource = `${res.kind} ${res.namespace ? `${res.namespace}/` : ''}${res.name}`;
        const key = `${r.name}|${resource}|${res.message}`;
        if (!seenFailures.has(key)) {
          seenFailures.add(key);
          failures.push({ app: r.name, resource, message: String(res.message ?? ''), at: t });
        }
      }
    }
    const green = expected.filter((n) => rows.get(n)?.sync === 'Synced' && rows.get(n)?.health === 'Healthy');
    const line = `${green.length}/${expected.length} Applications Synced+Healthy (${apps.length} exist)`;
    if (line !== lastLine || Date.now() - lastPrint > 60_000) {
      log(`  +${t}s ${line}`);
      lastLine = line;
      lastPrint = Date.now();
    }
    if (green.length === expected.length && (await extraDone())) {
      if (++greenPolls >= 2) return { ok: true, seconds: t, rows, failures };
    } else {
      greenPolls = 0;
    }
    await sleep(3000);
  }
  return { ok: false, seconds: Math.round((Date.now() - start) / 1000), rows, failures };
}

/** The per-Application table, in wave order. */
export function formatTable(rows: Iterable<AppRow>, expected: readonly string[], waves: ReadonlyMap<string, string> = new Map()): string {
  const have = [...rows]; // an iterator is consumed once
  const all = expected.map((n) => have.find((r) => r.name === n) ?? {
    name: n, wave: waves.get(n) ?? '?', sync: 'missing', health: 'missing', phase: '-', message: 'never created', retries: 0, conditions: [],
  } as AppRow);
  const w = (r: AppRow) => (Number.isFinite(Number(r.wave)) ? Number(r.wave) : Number.MAX_SAFE_INTEGER); // missing: last
  all.sort((a, b) => w(a) - w(b) || (a.name < b.name ? -1 : 1));
  const head = ['Application', 'wave', 'sync', 'health', 'operation', 'retries', 'message'];
  const body = all.map((r) => [r.name, r.wave, r.sync, r.health, r.phase, String(r.retries), short(r.message || (r.conditions[0] ?? ''))]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [fmt(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(fmt)].join('\n');
}

/** The order in which the waves' Applications appeared (first seen, seconds after the root was applied). */
export function formatWaveOrder(rows: Iterable<AppRow>, exclude: readonly string[]): string {
  const byWave = new Map<string, AppRow[]>();
  for (const r of rows) {
    if (exclude.includes(r.name)) continue;
    byWave.set(r.wave, [...(byWave.get(r.wave) ?? []), r]);
  }
  const waves = [...byWave.entries()].map(([wave, rs]) => ({
    wave,
    first: Math.min(...rs.map((r) => r.seenAt ?? Infinity)),
    created: rs.map((r) => r.created ?? '').sort()[0],
    names: rs.map((r) => r.name).sort(),
  })).sort((a, b) => a.first - b.first || Number(a.wave) - Number(b.wave));
  return waves.map((w) => `  wave ${w.wave.padStart(3)}: created ${w.created} (seen +${w.first}s): ${w.names.join(', ')}`).join('\n');
}

/** Whether the waves were created in increasing order (by creation timestamp, then first sight). */
export function wavesInOrder(rows: Iterable<AppRow>, exclude: readonly string[]): boolean {
  const rs = [...rows].filter((r) => !exclude.includes(r.name));
  for (const a of rs) {
    for (const b of rs) {
      if (Number(a.wave) < Number(b.wave) && (a.created ?? '') > (b.created ?? '')) return false;
    }
  }
  return true;
}
