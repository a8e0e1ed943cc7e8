/**
 * The ingest write path on dynalite: one item per identity, an older version never wins,
 * unchanged rows cost no write, duplicates are found through the store, and the daily cost
 * of a snapshot in which 5% of counts changed, measured from ConsumedCapacity.
 */
import { describe, expect, it } from 'vitest';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { consumedCapacity, readShard } from '../../lib/store/records.ts';
import { RecordUpserter, type UpsertOptions } from '../../lib/store/upsert.ts';
import { fileIdOf, recordVersion } from '../../lib/store/keys.ts';
import { itemSize } from '../../lib/store/attr.ts';
import type { KeyedRecord } from '../../lib/store/types.ts';
import { useDynalite } from './use-dynalite.ts';

const store = useDynalite('upsert');
const DAY = 86_400_000;
const T0 = Date.parse('2026-11-01T06:00:00.000Z');

/** Inventory row i of the OMS snapshot of `day`, from a file whose S3 key is `key`. */
function count(i: number, day: number, onHand: number, key = `inbound/oms-inventory/day-${day}.csv`): KeyedRecord {
  const asOf = new Date(T0 + day * DAY).toISOString();
  const fileId = fileIdOf({ bucket: 'inbox', key, objectVersion: `v${day}` });
  return {
    boundary: 'inventory', group: [`SKU-${String(Math.floor(i / 4)).padStart(6, '0')}`], side: 'oms', identity: [['DAL1', 'ATL2', 'RNO1', 'PHL3'][i % 4]],
    version: recordVersion({ snapshot: asOf, eventTime: new Date(T0 + day * DAY + 60_000).toISOString(), sequencer: (day + 1).toString(16), line: i + 2 }),
    feed: 'oms-inventory', fields: { sku: `SKU-${String(Math.floor(i / 4)).padStart(6, '0')}`, facility_id: ['DAL1', 'ATL2', 'RNO1', 'PHL3'][i % 4], on_hand: String(onHand), as_of: asOf },
    fileId, file: `s3://inbox/${key}`, line: i + 2,
  };
}

async function upsert(table: string, rows: KeyedRecord[], opts: Partial<UpsertOptions> = {}) {
  const u = new RecordUpserter(store.db().client, table, { shards: 4, ignoreField: () => 'as_of', ...opts });
  for (const r of rows) await u.add(r);
  return u.end();
}

async function items(table: string) {
  const out = await store.db().client.send(new ScanCommand({ TableName: table }));
  return out.Items ?? [];
}

async function readAll(table: string): Promise<KeyedRecord[]> {
  const out: KeyedRecord[] = [];
  for (let s = 0; s < 4; s++) for await (const g of readShard(store.db().client, table, 'inventory', s)) out.push(...g);
  return out;
}

function measure() {
  const before = { ...consumedCapacity };
  return () => ({ read: consumedCapacity.read - before.read, write: consumedCapacity.write - before.write });
}

describe('one item per record identity', () => {
  it('lets a newer version overwrite and never an older one, in either arrival order', async () => {
    // Prepare
    const table = await store.freshTable();
    const day1 = [count(0, 1, 5), count(1, 1, 6)];
    const day2 = [count(0, 2, 7), count(1, 2, 8)];
    // Act: the newer file first, then the older one late
    await upsert(table, day2);
    const late = await upsert(table, day1);
    // Assess
    expect(late).toMatchObject({ written: 0, older: 2 });
    expect((await readAll(table)).map((r) => r.fields.on_hand).sort()).toEqual(['7', '8']);
    expect(await items(table)).toHaveLength(2);
  });

  it('keeps the newest when two ingests race on the same keys (conditional put)', async () => {
    // Prepare
    const table = await store.freshTable();
    const n = 300;
    const older = Array.from({ length: n }, (_, i) => count(i, 1, 1));
    const newer = Array.from({ length: n }, (_, i) => count(i, 2, 2));
    // Act: both at once, older given the head start
    const [a, b] = await Promise.all([upsert(table, older), upsert(table, newer)]);
    // Assess: every key holds the day-2 count, whoever wrote last
    const stored = await readAll(table);
    expect(stored).toHaveLength(n);
    expect(new Set(stored.map((r) => r.fields.on_hand))).toEqual(new Set(['2']));
    expect(a.written + a.older + a.unchanged).toBe(n);
    expect(b.written).toBe(n);
  });

  it('writes nothing for a row whose content is unchanged (the as-of aside), and refreshes its TTL only when under a quarter is left', async () => {
    // Prepare
    const table = await store.freshTable();
    const ttlSeconds = 35 * 86_400;
    await upsert(table, [count(0, 0, 5)], { ttlSeconds, now: new Date(T0) });
    // Act
    const soon = await upsert(table, [count(0, 1, 5)], { ttlSeconds, now: new Date(T0 + DAY) });
    const late = await upsert(table, [count(0, 27, 5)], { ttlSeconds, now: new Date(T0 + 27 * DAY) });
    // Assess
    expect(soon).toMatchObject({ written: 0, unchanged: 1 });
    expect(late).toMatchObject({ written: 1, refreshed: 1 });
    const [item] = await items(table);
    expect(Number(item.ttl.N)).toBe(Math.floor((T0 + 27 * DAY) / 1000) + ttlSeconds);
  });

  it('finds two rows of one identity in one file through the store: the later line wins, and says so', async () => {
    // Prepare: line 2 and line 902 of one file share SKU + facility (902 lands in a later batch)
    const table = await store.freshTable();
    const rows = Array.from({ length: 900 }, (_, i) => count(i, 1, 1));
    const dup = { ...count(0, 1, 9), line: 902, version: recordVersion({ snapshot: new Date(T0 + DAY).toISOString(), eventTime: new Date(T0 + DAY + 60_000).toISOString(), sequencer: '2', line: 902 }) };
    const said: Array<{ line: number; stored: number; kept: string }> = [];
    // Act
    const counts = await upsert(table, [...rows, dup], { concurrency: 1, onDuplicate: (d) => said.push({ line: d.record.line, stored: d.stored.line, kept: d.kept }) });
    // Assess
    expect(said).toEqual([{ line: 902, stored: 2, kept: 'new' }]);
    expect(counts.duplicates).toBe(1);
    const stored = (await readAll(table)).find((r) => r.group[0] === 'SKU-000000' && r.identity[0] === 'DAL1')!;
    expect([stored.line, stored.fields.on_hand]).toEqual([902, '9']);
  });

  it('costs one write unit per row whatever the S3 key length (a 1,000-byte key works)', async () => {
    // Prepare
    const table = await store.freshTable();
    const longKey = 'inbound/oms-inventory/' + 'partner-folder/'.repeat(66).slice(0, 978);
    expect(Buffer.byteLength(longKey)).toBe(1000);
    const short = Array.from({ length: 50 }, (_, i) => count(i, 1, i, 'inbound/oms-inventory/a.csv'));
    const long = Array.from({ length: 50 }, (_, i) => count(i + 50, 1, i, longKey));
    // Act
    const m = measure();
    const a = await upsert(table, short);
    const shortUnits = m().write;
    const b = await upsert(table, long);
    const longUnits = m().write - shortUnits;
    // Assess
    expect([a.written, b.written]).toEqual([50, 50]);
    expect([shortUnits, longUnits]).toEqual([50, 50]);
    const sizes = (await items(table)).map((it) => itemSize(it));
    expect(Math.max(...sizes)).toBeLessThan(1024);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThan(16); // the key length is not in the item
  });
});

describe('daily snapshots (measured from ConsumedCapacity)', () => {
  it('a daily snapshot with 5% of counts changed costs at most 20% of writing every row; storage and reads stay flat over 30 days', { timeout: 300_000 }, async () => {
    // Prepare: 2,000 keys; each day 5% of them change count (reads are priced at 1/5 of a write unit:
    // on-demand $0.25 per million read units vs $1.25 per million write units)
    const table = await store.freshTable();
    const n = 2000;
    const ttlSeconds = 35 * 86_400;
    const onHand = Array.from({ length: n }, (_, i) => i % 50);
    const day0 = measure();
    await upsert(table, onHand.map((q, i) => count(i, 0, q)), { ttlSeconds, now: new Date(T0) });
    const full = day0().write;
    const shares: number[] = [];
    const itemCounts: number[] = [];
    const readCounts: number[] = [];
    // Act
    for (let day = 1; day <= 30; day++) {
      for (let k = 0; k < n / 20; k++) onHand[(day * 97 + k * 20) % n]++;
      const m = measure();
      const c = await upsert(table, onHand.map((q, i) => count(i, day, q)), { ttlSeconds, now: new Date(T0 + day * DAY) });
      const used = m();
      shares.push((used.write + used.read / 5) / full);
      expect(c.written - c.refreshed).toBe(n / 20);
      itemCounts.push((await items(table)).length);
      const stored = await readAll(table);
      readCounts.push(stored.length);
      if (day === 30) expect(stored.map((r) => Number(r.fields.on_hand)).sort((a, b) => a - b)).toEqual([...onHand].sort((a, b) => a - b));
    }
    // Assess
    expect(full).toBe(n);
    expect(Math.max(...shares)).toBeLessThanOrEqual(0.2);
    expect(new Set(itemCounts)).toEqual(new Set([n]));
    expect(new Set(readCounts)).toEqual(new Set([n]));
    console.log(`daily cost / full write: min ${Math.min(...shares).toFixed(3)} max ${Math.max(...shares).toFixed(3)} mean ${(shares.reduce((a, b) => a + b) / shares.length).toFixed(3)}`);
  });
});
