import { formatTable, formatWaveOrder, rowOf, wavesInOrder } from '../e2e/watch';

const app = (name: string, wave: string, created: string, status: Record<string, any> = {}) => ({
  metadata: { name, annotations: { 'argocd.argoproj.io/sync-wave': wave }, creationTimestamp: created }, status,
});

describe('e2e report', () => {
  test('rows carry wave, sync, health, the operation and its retries; the table is in wave order and marks missing Applications', () => {
    const rows = [
      rowOf(app('b', '-5', '2026-12-01T10:00:05Z', { sync: { status: 'Synced' }, health: { status: 'Healthy' }, operationState: { phase: 'Succeeded', message: 'successfully synced (all tasks run)', retryCount: 2 } })),
      rowOf(app('a', '-8', '2026-12-01T10:00:01Z', { sync: { status: 'OutOfSync' }, health: { status: 'Missing' } })),
    ];
    expect(rows[0]).toMatchObject({ wave: '-5', sync: 'Synced', health: 'Healthy', phase: 'Succeeded', retries: 2 });
    const table = formatTable(rows.values(), ['a', 'b', 'c']).split('\n'); // an iterator, as the runner passes
    expect(table[0]).toMatch(/^\| Application \| wave \| sync/);
    expect(table.slice(2).map((l) => l.split('|')[1].trim())).toEqual(['a', 'b', 'c']); // c never created: last
    expect(table[4]).toMatch(/missing .*never created/);
  });

  test('wave order: created later for a lower wave is out of order', () => {
    const ok = [rowOf(app('a', '-8', '2026-12-01T10:00:01Z')), rowOf(app('b', '-7', '2026-12-01T10:00:09Z'))];
    const bad = [rowOf(app('a', '-8', '2026-12-01T10:00:10Z')), rowOf(app('b', '-7', '2026-12-01T10:00:09Z'))];
    expect(wavesInOrder(ok, [])).toBe(true);
    expect(wavesInOrder(bad, [])).toBe(false);
    expect(wavesInOrder(bad, ['a'])).toBe(true);
    ok[0].seenAt = 1; ok[1].seenAt = 9;
    expect(formatWaveOrder(ok, [])).toMatch(/wave  -8: created 2026-12-01T10:00:01Z \(seen \+1s\): a\n {2}wave  -7/);
  });
});
