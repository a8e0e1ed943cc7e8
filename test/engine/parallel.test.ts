/**
 * Reading a run's files on two threads (a worker reads every other file) must give exactly
 * the report of reading them one after another: the same groups and rows in the same order,
 * the same counts, rejections and warnings, and the error of the first file that fails.
 */
import { createReadStream } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../lib/config.ts';
import { reconcileFiles, type FeedInput } from '../../lib/engine/reconcile.ts';
import { isReconError } from '../../lib/errors.ts';
import { csv, tempDir, writeFile } from '../support/feeds.ts';

const dir = tempDir();
const now = new Date('2026-11-26T12:00:00Z');

/** Inventory counts: several facilities a SKU (so the worker's index is handed over, not read again). */
function counts(header: string, stamp: string, facilities: string[], skus: number, shift: number, extra: string[] = []): string {
  const lines = [header];
  for (let s = 0; s < skus; s++) for (const f of facilities) lines.push(`SKU-${s},${f},${(s * 7 + f.length + shift) % 50},${stamp}`);
  return csv(...lines, ...extra);
}

async function both(boundary: 'inventory' | 'intake', inputs: FeedInput[]) {
  const run = (parallel: boolean) => reconcileFiles({ boundary, inputs, config: DEFAULT_CONFIG, now, parallel });
  return { one: await run(false), two: await run(true) };
}

describe('reading files on two threads', () => {
  it('gives the report of reading them in order: inventory, five files, a worker taking two', async () => {
    // Prepare: OMS snapshots of overlapping facilities (one supersedes another), warehouse
    // counts, a rejected row, a duplicate key, and rows of one SKU in every file
    const oms = 'sku,facility_id,on_hand,as_of';
    const wh = 'sku,facility_id,on_hand,counted_at';
    const inputs: FeedInput[] = [
      { side: 'oms', source: writeFile(dir, 'oms-a.csv', counts(oms, '2026-11-26T06:00:00Z', ['DAL1', 'ATL1', 'SEA1'], 40, 0, ['SKU-1,DAL1,oops,2026-11-26T06:00:00Z'])) },
      { side: 'warehouse', source: writeFile(dir, 'wh-a.csv', counts(wh, '2026-11-26T05:00:00Z', ['DAL1', 'ATL1'], 45, 1, ['SKU-2,DAL1,9,2026-11-26T05:00:00Z'])) },
      { side: 'oms', source: writeFile(dir, 'oms-b.csv', counts(oms, '2026-11-26T07:00:00Z', ['SEA1', 'PHX2'], 30, 2)) },
      { side: 'warehouse', source: writeFile(dir, 'wh-b.csv', counts(wh, '2026-11-26T05:30:00Z', ['SEA1', 'PHX2', 'NYC3'], 35, 0)) },
      { side: 'oms', source: writeFile(dir, 'oms-c.csv', counts(oms, '2026-11-26T06:30:00Z', ['NYC3'], 50, 3)) },
    ];
    // Act
    const { one, two } = await both('inventory', inputs);
    // Assess
    expect(one.discrepancies.length).toBeGreaterThan(10);
    expect(one.rejected).toHaveLength(1);
    expect(one.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['duplicate_key', 'superseded_snapshot']));
    expect(two).toEqual(one);
  });

  it('gives the report of reading them in order when each order is a group of its own (intake)', async () => {
    // Prepare: a group a row, where the worker's files are read here again instead
    const rows = (n: number, from: number) => Array.from({ length: n }, (_, i) => `web,W${from + i},2026-11-25T10:00:00Z,${(from + i) % 90}.25,USD,paid`);
    const oms = (n: number, from: number) => Array.from({ length: n }, (_, i) => `web,W${from + i},OMS-${from + i},2026-11-25T10:00:05Z,${(from + i) % 90}.${i % 7 ? 25 : 20},USD,captured`);
    const inputs: FeedInput[] = [
      { side: 'channel', source: writeFile(dir, 'ch-a.csv', csv('channel,channel_order_id,placed_at,total,currency,status', ...rows(300, 0))) },
      { side: 'oms', source: writeFile(dir, 'oms-a.csv', csv('channel,channel_order_id,oms_order_id,created_at,total,currency,status', ...oms(280, 10))) },
      { side: 'channel', source: writeFile(dir, 'ch-b.csv', csv('channel,channel_order_id,placed_at,total,currency,status', ...rows(100, 300))) },
    ];
    // Act
    const { one, two } = await both('intake', inputs);
    // Assess
    expect(one.discrepancies.length).toBeGreaterThan(10);
    expect(two).toEqual(one);
  });

  it('reads on one thread when a file is a stream (an S3 body stays with its thread)', async () => {
    const oms = 'sku,facility_id,on_hand,as_of';
    const path = writeFile(dir, 'wh-stream.csv', counts('sku,facility_id,on_hand,counted_at', '2026-11-26T05:00:00Z', ['DAL1', 'ATL1'], 25, 1));
    const inputs: FeedInput[] = [
      { side: 'oms', source: writeFile(dir, 'oms-s.csv', counts(oms, '2026-11-26T06:00:00Z', ['DAL1', 'ATL1'], 20, 0)) },
      { side: 'warehouse', source: { name: 's3://bucket/wh.csv', open: () => createReadStream(path) } },
    ];
    const { one, two } = await both('inventory', inputs);
    expect(one.discrepancies.length).toBeGreaterThan(5);
    expect(two).toEqual(one);
  });

  it('fails with the error of the first file that fails, wherever it was read', async () => {
    const oms = 'sku,facility_id,on_hand,as_of';
    const good = (name: string) => ({ side: 'oms' as const, source: writeFile(dir, name, counts(oms, '2026-11-26T06:00:00Z', ['DAL1', 'ATL1'], 20, 0)) });
    const headerOnly = { side: 'warehouse' as const, source: writeFile(dir, 'wh-empty.csv', csv('sku,facility_id,on_hand,counted_at')) };
    const missing = { side: "warehouse" as const, source: `${dir}/no-such-file.csv` };
    for (const inputs of [
      [good('a.csv'), headerOnly, good('b.csv')], // the worker's file fails
      [good('c.csv'), good('d.csv'), missing, headerOnly], // this thread's later file fails first
    ] as FeedInput[][]) {
      const failure = (parallel: boolean) =>
        reconcileFiles({ boundary: 'inventory', inputs, config: DEFAULT_CONFIG, now, parallel }).then(
          () => expect.fail('expected an error'),
          (e: unknown) => e,
        );
      const one = await failure(false), two = await failure(true);
      expect(isReconError(one) && isReconError(two)).toBe(true);
      expect(two).toMatchObject({ code: (one as { code: string }).code, message: (one as Error).message, file: (one as { file: string }).file, line: (one as { line?: number }).line });
    }
  });
});
