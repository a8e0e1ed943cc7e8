import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynalite, type LocalDynamo } from '../../lib/pipeline/standins.ts';
import { advanceSnapshot, readSnapshots } from '../../lib/store/snapshots.ts';
import { latestRun, putRun } from '../../lib/store/runs.ts';
import { createTable } from '../../lib/store/table.ts';
import type { RunItem, RunSummary, SnapshotPointer } from '../../lib/store/types.ts';

let db: LocalDynamo;
let tables = 0;
beforeAll(async () => {
  db = await startDynalite({ createTable: false });
});
afterAll(async () => {
  await db.stop();
});
async function freshTable(): Promise<string> {
  const name = `snap-runs-${++tables}`;
  await createTable(db.client, name);
  return name;
}

const pointer = (over: Partial<SnapshotPointer>): Omit<SnapshotPointer, 'ttl'> => ({
  side: 'warehouse', facility: 'DAL1', snapshot: 'snap-a', asOf: '2026-11-26T05:30:00.000Z', version: '2026-11-26T06:00:00.000Z\u001fb/k1', ...over,
});

describe('snapshot pointers', () => {
  it('moves forward to a later count and never back to an older one arriving late', async () => {
    // Prepare
    const table = await freshTable();
    const monday = pointer({ snapshot: 'mon', asOf: '2026-11-23T05:30:00.000Z' });
    const tuesday = pointer({ snapshot: 'tue', asOf: '2026-11-24T05:30:00.000Z' });
    // Act
    const first = await advanceSnapshot(db.client, table, monday);
    const second = await advanceSnapshot(db.client, table, tuesday);
    const late = await advanceSnapshot(db.client, table, monday);
    const again = await advanceSnapshot(db.client, table, tuesday);
    // Assess
    expect([first.advanced, second.advanced, late.advanced, again.advanced]).toEqual([true, true, false, false]);
    expect(late.current).toEqual(tuesday);
    expect(await readSnapshots(db.client, table)).toEqual([tuesday]);
  });

  it('breaks a tie on asOf with the file version', async () => {
    // Prepare
    const table = await freshTable();
    const a = pointer({ snapshot: 'a', version: '2026-11-26T06:00:00.000Z\u001fb/k1' });
    const b = pointer({ snapshot: 'b', version: '2026-11-26T07:00:00.000Z\u001fb/k1' });
    // Act
    await advanceSnapshot(db.client, table, b);
    const older = await advanceSnapshot(db.client, table, a);
    // Assess
    expect(older).toEqual({ advanced: false, current: b });
  });

  it('reads every side and facility with one call', async () => {
    // Prepare
    const table = await freshTable();
    const ps = [
      pointer({ side: 'oms', facility: 'DAL1' }),
      pointer({ side: 'oms', facility: 'ATL 2' }),
      pointer({ side: 'warehouse', facility: 'DAL1' }),
      pointer({ side: 'warehouse', facility: 'Zürich-1' }),
    ];
    for (const p of ps) await advanceSnapshot(db.client, table, p, { ttlSeconds: 60, now: new Date('2026-11-26T00:00:00.000Z') });
    // Act
    const read = await readSnapshots(db.client, table);
    // Assess
    expect(read).toHaveLength(4);
    expect(read).toEqual(expect.arrayContaining(ps.map((p) => ({ ...p, ttl: Date.parse('2026-11-26T00:00:00.000Z') / 1000 + 60 }))));
  });

  it('refuses an asOf that would not sort as time', async () => {
    const table = await freshTable();
    await expect(advanceSnapshot(db.client, table, pointer({ asOf: '2026-11-26T05:30:00+01:00' }))).rejects.toMatchObject({ code: 'E_STORAGE' });
  });
});

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
    for (const r of [r2, r3, r1]) await putRun(db.client, table, r);
    await putRun(db.client, table, run('2026-11-27T06:00:00.000Z', 'other', { boundary: 'intake' }));
    // Act
    const latest = await latestRun(db.client, table, 'inventory');
    const previous = await latestRun(db.client, table, 'inventory', { before: r3.startedAt });
    const succeeded = await latestRun(db.client, table, 'inventory', { status: 'succeeded' });
    const none = await latestRun(db.client, table, 'financial');
    // Assess
    expect(latest).toEqual({ boundary: 'inventory', runId: 'r3', startedAt: r3.startedAt, status: 'running' });
    expect(previous).toEqual(r2);
    expect(succeeded).toEqual(r2);
    expect(none).toBeUndefined();
  });

  it('rewrites a run when it finishes', async () => {
    // Prepare
    const table = await freshTable();
    await putRun(db.client, table, run('2026-11-26T06:00:00.000Z', 'r9', { status: 'running', summary: undefined }));
    // Act
    await putRun(db.client, table, run('2026-11-26T06:00:00.000Z', 'r9', { finishedAt: '2026-11-26T06:02:00.000Z' }));
    // Assess
    expect(await latestRun(db.client, table, 'inventory')).toMatchObject({ runId: 'r9', status: 'succeeded', summary, finishedAt: '2026-11-26T06:02:00.000Z' });
  });
});
