import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readShard, writeRecords, type WriteProgress } from '../../lib/store/records.ts';
import { shardOf } from '../../lib/store/keys.ts';
import { isReconError, type ReconError } from '../../lib/errors.ts';
import type { BoundaryName } from '../../lib/feeds/catalog.ts';
import type { KeyedRecord } from '../../lib/store/types.ts';
import { makeRecord, sourceOf } from './fixtures.ts';
import { useDynalite } from './use-dynalite.ts';
import { delayFirstBatch, injectErrors, injectUnprocessed, sdkError } from '../support/dynamo-faults.ts';

const store = useDynalite('records');
const { freshTable } = store;

async function readAll(client: DynamoDBClient, table: string, boundary: BoundaryName, shards: number, pageSize?: number) {
  const groups: Array<{ shard: number; records: KeyedRecord[] }> = [];
  for (let shard = 0; shard < shards; shard++) {
    for await (const g of readShard(client, table, boundary, shard, { pageSize })) groups.push({ shard, records: g });
  }
  return groups;
}

async function countItems(table: string): Promise<number> {
  let n = 0;
  let start: Record<string, never> | undefined;
  do {
    const out = await store.db().client.send(new ScanCommand({ TableName: table, Select: 'COUNT', ExclusiveStartKey: start }));
    n += out.Count ?? 0;
    start = out.LastEvaluatedKey as typeof start;
  } while (start);
  return n;
}

/** Records as sorted text, blind to property order. */
const stable = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(stable) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, stable(x)])) : v;
/** Read back, a record's `file` is its file id (the manifest names it): compare written records so. */
const canon = (rs: KeyedRecord[]) => rs.map((r) => JSON.stringify(stable({ ...r, file: r.fileId }))).sort();

const quickRetry = { baseDelayMs: 1, maxDelayMs: 5 };

describe('writeRecords + readShard round trip', () => {
  it('reads back exactly what was written: unicode, #, big numbers, empty identity and fields', async () => {
    // Prepare
    const table = await freshTable();
    const src = sourceOf('oms-transactions', '2026-11-26', 'ventes été 2026 #3.csv');
    const records: KeyedRecord[] = [
      { boundary: 'financial', group: ['SO-1'], side: 'oms', identity: ['sale', '#2'], version: 'v2', feed: 'oms-transactions',
        fields: { order_id: 'SO-1', type: 'sale', amount: '123456789012345678901234567890.123456789', currency: 'EUR' }, fileId: src.fileId, file: src.file, line: 2 },
      { boundary: 'financial', group: ['Café ☕ 中文 😀'], side: 'erp', identity: ['return', 'CM#77'], version: 'v3', feed: 'erp-transactions',
        fields: { order_id: 'Café ☕ 中文 😀', type: 'return', amount: '-0.000000001', note: '' }, fileId: src.fileId, file: src.file, line: 3 },
      { boundary: 'financial', group: ['#', '##'], side: 'oms', identity: [], version: 'ß\u001f😀', feed: 'oms-transactions', fields: {}, fileId: src.fileId, file: src.file, line: 4 },
      { boundary: 'financial', group: [''], side: 'erp', identity: [''], version: '', feed: 'erp-transactions', fields: { a: 'x' }, fileId: 'local', file: 'local/file.csv', line: 1_000_000 },
    ];
    // Act
    const result = await writeRecords(store.db().client, table, records, { shards: 3 });
    const groups = await readAll(store.db().client, table, 'financial', 3);
    // Assess
    expect(result).toMatchObject({ written: 4, collapsed: 0, retries: 0 });
    expect(canon(groups.flatMap((g) => g.records))).toEqual(canon(records));
  });

  it('returns every group whole, once, on its own shard, in key order', { timeout: 60_000 }, async () => {
    // Prepare: 5 facilities per SKU and both sides → 10 records per group
    const table = await freshTable();
    const records = [
      ...Array.from({ length: 300 }, (_, i) => makeRecord('oms-inventory', i)),
      ...Array.from({ length: 300 }, (_, i) => makeRecord('warehouse-inventory', i)),
    ];
    // Act
    await writeRecords(store.db().client, table, records, { shards: 4 });
    const groups = await readAll(store.db().client, table, 'inventory', 4, 7);
    // Assess
    const skus = groups.map((g) => g.records[0].group[0]);
    expect(new Set(skus).size).toBe(60);
    expect(skus.length).toBe(60);
    for (const g of groups) {
      expect(g.records).toHaveLength(10);
      expect(new Set(g.records.map((r) => r.group.join('/'))).size).toBe(1);
      expect(g.shard).toBe(shardOf(g.records[0].group, 4));
      expect(g.records.map((r) => r.side)).toEqual([...Array(5).fill('oms'), ...Array(5).fill('warehouse')]);
    }
    for (let s = 0; s < 4; s++) {
      const inShard = groups.filter((g) => g.shard === s).map((g) => g.records[0].group[0]);
      expect(inShard).toEqual([...inShard].sort());
    }
    expect(canon(groups.flatMap((g) => g.records))).toEqual(canon(records));
  });

  it('keeps groups whose values are prefixes of each other apart, across page boundaries (property)', { timeout: 60_000 }, async () => {
    const part = fc.constantFrom('A', 'B', 'AB', 'A B', '', 'p', 'Ä');
    const spec = fc.record({
      group: fc.array(part, { minLength: 1, maxLength: 3 }),
      side: fc.constantFrom('oms' as const, 'warehouse' as const),
      identity: fc.array(fc.constantFrom('A', 'AB', 'x'), { maxLength: 2 }),
      version: fc.constantFrom('1', '2'),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(spec, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 5 }), async (specs, pageSize) => {
        // Prepare: everything on one shard, the hardest case for interleaving
        const table = await freshTable();
        const records: KeyedRecord[] = specs.map((s, i) => ({ ...s, boundary: 'inventory', feed: 'oms-inventory', fields: { i: String(i) }, fileId: 'f', file: 'f.csv', line: i + 2 }));
        // Act
        const { written, collapsed } = await writeRecords(store.db().client, table, records, { shards: 1 });
        const groups = (await readAll(store.db().client, table, 'inventory', 1, pageSize)).map((g) => g.records);
        // Assess: each group comes out once and whole
        const names = groups.map((g) => JSON.stringify(g[0].group));
        expect(new Set(names).size).toBe(names.length);
        for (const g of groups) expect(new Set(g.map((r) => JSON.stringify(r.group))).size).toBe(1);
        // One item per identity: versions of one identity are one item
        const distinctKeys = new Set(records.map((r) => JSON.stringify([r.group, r.side, r.identity])));
        expect(groups.flat()).toHaveLength(distinctKeys.size);
        expect(written + collapsed).toBe(records.length);
      }),
      { numRuns: 25 },
    );
  });

  it('consumes a stream lazily, with memory bounded by one chunk plus the batches in flight', { timeout: 60_000 }, async () => {
    // Prepare
    const table = await freshTable();
    let acknowledged = 0;
    let pulled = 0;
    let worstBacklog = 0;
    async function* chunks() {
      for (let c = 0; c < 20; c++) {
        worstBacklog = Math.max(worstBacklog, pulled - acknowledged);
        const chunk = Array.from({ length: 100 }, (_, i) => makeRecord('shipments', c * 100 + i));
        pulled += chunk.length;
        yield chunk;
      }
    }
    // Act
    const result = await writeRecords(store.db().client, table, chunks(), { shards: 2, concurrency: 2, onProgress: (p) => (acknowledged = p.written) });
    // Assess
    expect(result).toMatchObject({ written: 2000, batches: 80, retries: 0 });
    expect(await countItems(table)).toBe(2000);
    expect(worstBacklog).toBeLessThanOrEqual(100 + 2 * 25);
  });
});

describe('idempotency', () => {
  it('leaves the same state when the same records are written twice', async () => {
    // Prepare
    const table = await freshTable();
    const records = Array.from({ length: 120 }, (_, i) => makeRecord('oms-allocations', i));
    await writeRecords(store.db().client, table, records, { shards: 2 });
    const once = await readAll(store.db().client, table, 'fulfillment', 2);
    // Act
    await writeRecords(store.db().client, table, [...records].reverse(), { shards: 2 });
    const twice = await readAll(store.db().client, table, 'fulfillment', 2);
    // Assess
    expect(twice).toEqual(once);
    expect(await countItems(table)).toBe(120);
  });

  it('collapses one key twice in a batch to the last record', async () => {
    // Prepare
    const table = await freshTable();
    const first = { ...makeRecord('oms-inventory', 0), fields: { on_hand: '1' } };
    const last = { ...makeRecord('oms-inventory', 0), fields: { on_hand: '2' }, line: 99 };
    // Act
    const result = await writeRecords(store.db().client, table, [first, makeRecord('oms-inventory', 1), last], { shards: 1 });
    const stored = (await readAll(store.db().client, table, 'inventory', 1)).flatMap((g) => g.records);
    // Assess
    expect(result).toMatchObject({ written: 2, collapsed: 1 });
    expect(stored).toContainEqual({ ...last, file: last.fileId });
    expect(stored).not.toContainEqual({ ...first, file: first.fileId });
  });

  it('stores the last record of a key even when its earlier copy is in a slower batch', async () => {
    // Prepare: the key's first copy is in batch 1, which the server answers late
    const table = await freshTable();
    const client = store.db().newClient();
    delayFirstBatch(client, 150);
    const first = { ...makeRecord('oms-inventory', 0), fields: { on_hand: 'first' } };
    const last = { ...makeRecord('oms-inventory', 0), fields: { on_hand: 'last' } };
    const filler = Array.from({ length: 30 }, (_, i) => makeRecord('oms-inventory', i + 1));
    // Act
    await writeRecords(client, table, [first, ...filler, last], { shards: 1, concurrency: 4 });
    const stored = (await readAll(store.db().client, table, 'inventory', 1)).flatMap((g) => g.records);
    // Assess
    expect(stored.find((r) => r.group[0] === first.group[0] && r.identity[0] === 'DAL1')?.fields.on_hand).toBe('last');
  });
});

describe('retries', () => {
  it('writes every item when DynamoDB returns some as unprocessed, counting the retries', { timeout: 60_000 }, async () => {
    // Prepare
    const table = await freshTable();
    const client = store.db().newClient();
    const injected = injectUnprocessed(client, 6);
    const records = Array.from({ length: 200 }, (_, i) => makeRecord('shipments', i));
    // Act
    const result = await writeRecords(client, table, records, { shards: 3, ...quickRetry });
    // Assess
    expect(injected.itemsHeldBack).toBeGreaterThan(0);
    expect(result).toMatchObject({ written: 200, batches: 8, retries: 6 });
    expect(await countItems(table)).toBe(200);
  });

  it.each([
    ['ProvisionedThroughputExceededException', 400],
    ['ThrottlingException', 400],
    ['RequestLimitExceeded', 400],
    ['InternalServerError', 500],
    ['ServiceUnavailable', 503],
  ])('retries %s and writes everything', async (name, status) => {
    // Prepare
    const table = await freshTable();
    const client = store.db().newClient();
    injectErrors(client, 'BatchWriteItemCommand', () => sdkError(name, status), { passes: 1, failures: 3 });
    const records = Array.from({ length: 100 }, (_, i) => makeRecord('oms-orders', i));
    // Act
    const result = await writeRecords(client, table, records, { shards: 2, ...quickRetry });
    // Assess
    expect(result).toMatchObject({ written: 100, retries: 3 });
    expect(await countItems(table)).toBe(100);
  });

  it('throws ReconError STORAGE after maxAttempts and never reports an unwritten item as written', { timeout: 60_000 }, async () => {
    // Prepare: two batches get through, then the table throttles for good
    const table = await freshTable();
    const client = store.db().newClient();
    injectErrors(client, 'BatchWriteItemCommand', () => sdkError('ProvisionedThroughputExceededException', 400), { passes: 2 });
    let last: WriteProgress | undefined;
    const records = Array.from({ length: 500 }, (_, i) => makeRecord('erp-transactions', i));
    // Act
    let caught: unknown;
    try {
      await writeRecords(client, table, records, { shards: 2, maxAttempts: 3, concurrency: 1, ...quickRetry, onProgress: (p) => (last = p) });
    } catch (e) {
      caught = e;
    }
    // Assess
    expect(isReconError(caught)).toBe(true);
    const err = caught as ReconError;
    expect(err.code).toBe('E_STORAGE');
    expect((err.cause as Error).name).toBe('ProvisionedThroughputExceededException');
    expect(err.message).toMatch(/after 3 attempts/);
    expect(err.file).toBe(records[0].file);
    expect(last?.written).toBe(50);
    expect(await countItems(table)).toBe(50);
  });

  it('throws ReconError STORAGE when items stay unprocessed, counting only what was written', async () => {
    // Prepare
    const table = await freshTable();
    const client = store.db().newClient();
    injectUnprocessed(client, Infinity);
    let last: WriteProgress | undefined;
    // Act
    const write = writeRecords(client, table, Array.from({ length: 25 }, (_, i) => makeRecord('shipments', i)), {
      shards: 1, maxAttempts: 4, ...quickRetry, onProgress: (p) => (last = p),
    });
    // Assess: 25 → 12 written, 13 back → 6, 7 back → 3, 4 back → 2, 2 left
    await expect(write).rejects.toThrow(/2 items still unprocessed after 4 attempts/);
    expect(last?.written).toBe(23);
    expect(await countItems(table)).toBe(23);
  });

  it('fails at once, without retrying, on an error that will not go away', async () => {
    // Act
    const write = writeRecords(store.db().client, 'no-such-table', [makeRecord('shipments', 0)], { shards: 1, ...quickRetry });
    // Assess
    await expect(write).rejects.toMatchObject({ code: 'E_STORAGE', cause: { name: 'ResourceNotFoundException' } });
  });

  it('retries a throttled Query page while reading a shard', async () => {
    // Prepare
    const table = await freshTable();
    const records = Array.from({ length: 50 }, (_, i) => makeRecord('oms-inventory', i));
    await writeRecords(store.db().client, table, records, { shards: 1 });
    const client = store.db().newClient();
    const stats = injectErrors(client, 'QueryCommand', () => sdkError('ThrottlingException', 400), { passes: 1, failures: 2 });
    // Act
    const groups = await readAll(client, table, 'inventory', 1, 20);
    // Assess
    expect(stats.thrown).toBe(2);
    expect(canon(groups.flatMap((g) => g.records))).toEqual(canon(records));
  });
});
