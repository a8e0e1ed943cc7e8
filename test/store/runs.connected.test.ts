import { describe, expect, it } from 'vitest';
import { latestRun, putRun } from '../../lib/store/runs.ts';
import { expiresAt, isLive } from '../../lib/store/ttl.ts';
import type { RunItem, RunSummary } from '../../lib/store/types.ts';
import { useDynalite } from './use-dynalite.ts';

const store = useDynalite('runs');
const { freshTable } = store;

describe('runs', () => {
  const summary: RunSummary = {
    keys: 11, left: 10, right: 9, matched: 8, discrepancies: 2, byType: { quantity_mismatch: 2 }, matchRate: 0.8,
    atRisk: { money: {}, units: 3 }, rows: { read: 19, used: 19, rejected: 0 }, outOfScope: 0, new: 1, ongoing: 1, resolved: 0,
  };
  const run = (startedAt: string, runId: string, over: Partial<RunItem> = {}): RunItem => ({
    boundary: 'inventory', runId, startedAt, status: 'succeeded', summary, reportKey: `reports/inventory/${runId}/report.json`,
    discrepanciesKey: `runs/inventory/${runId}/discrepancies.json`, ...over,
  });

  it('finds the latest run of a boundary, the one before a time, and the latest in a status', async () => {
    // Prepare: written out of order
    const table = await freshTable();
    const r1 = run('2026-11-24T06:00:00.000Z', 'r1');
    const r2 = run('2026-11-25T06:00:00.000Z', 'r2');
    const r3 = run('2026-11-26T06:00:00.000Z', 'r3', { status: 'running', summary: undefined, reportKey: undefined, discrepanciesKey: undefined });
    for (const r of [r2, r3, r1]) await putRun(store.db().client, table, r);
    await putRun(store.db().client, table, run('2026-11-27T06:00:00.000Z', 'other', { boundary: 'intake' }));
    // Act
    const latest = await latestRun(store.db().client, table, 'inventory');
    const previous = await latestRun(store.db().client, table, 'inventory', { before: r3.startedAt });
    const succeeded = await latestRun(store.db().client, table, 'inventory', { status: 'succeeded' });
    const none = await latestRun(store.db().client, table, 'financial');
    // Assess
    expect(latest).toEqual({ boundary: 'inventory', runId: 'r3', startedAt: r3.startedAt, status: 'running' });
    expect(previous).toEqual(r2);
    expect(succeeded).toEqual(r2);
    expect(none).toBeUndefined();
  });

  it('skips a run past its ttl that DynamoDB has not deleted yet', async () => {
    // Prepare: runs kept 35 days (expiresAt), the newest already expired at `now`… and one written without a ttl (older code)
    const table = await freshTable();
    const legacy = run('2026-09-01T06:00:00.000Z', 'legacy');
    const r1 = run('2026-10-01T06:00:00.000Z', 'r1', { ttl: expiresAt('2026-10-01T06:00:00.000Z', 35) });
    const r2 = run('2026-10-20T06:00:00.000Z', 'r2', { ttl: expiresAt('2026-10-20T06:00:00.000Z', 35) });
    for (const r of [legacy, r1, r2]) await putRun(store.db().client, table, r);
    const latest = (now: string) => latestRun(store.db().client, table, 'inventory', { status: 'succeeded', now: new Date(now) });
    // Act + Assess: each run lives exactly 35 days; a run without a ttl never expires
    expect((await latest('2026-11-05T06:00:00.000Z'))?.runId).toBe('r2');
    expect((await latest('2026-11-24T05:59:59.999Z'))?.runId).toBe('r2');
    expect((await latest('2026-11-24T06:00:00.000Z'))?.runId).toBe('legacy');
    expect(isLive(r1.ttl, new Date('2026-11-05T05:59:59.999Z'))).toBe(true);
    expect(isLive(r1.ttl, new Date('2026-11-05T06:00:00.000Z'))).toBe(false);
  });

  it('rewrites a run when it finishes', async () => {
    // Prepare
    const table = await freshTable();
    await putRun(store.db().client, table, run('2026-11-26T06:00:00.000Z', 'r9', { status: 'running', summary: undefined }));
    // Act
    await putRun(store.db().client, table, run('2026-11-26T06:00:00.000Z', 'r9', { finishedAt: '2026-11-26T06:02:00.000Z' }));
    // Assess
    expect(await latestRun(store.db().client, table, 'inventory')).toMatchObject({ runId: 'r9', status: 'succeeded', summary, finishedAt: '2026-11-26T06:02:00.000Z' });
  });
});
