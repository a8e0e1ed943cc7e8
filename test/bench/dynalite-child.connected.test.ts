/**
 * bench/dynalite-child.ts: dynalite in child processes, and the client that spreads the record
 * partitions over several of them (what `BENCH_DYNALITES` of `npm run bench:ingest` uses) —
 * every request lands on its partition's process, batches are split and their answers merged,
 * and the store reads back what was written, whichever process holds it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchGetItemCommand, BatchWriteItemCommand, GetItemCommand, PutItemCommand, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { processOf, startDynaliteProcesses } from '../../bench/dynalite-child.ts';
import { recordPk } from '../../lib/store/keys.ts';
import { createTable } from '../../lib/store/table.ts';

type Item = Record<string, AttributeValue>;
const item = (shard: number, i: number): Item => ({ pk: { S: recordPk('inventory', shard) }, sk: { S: `k${i}` }, n: { N: String(i) } });

describe('dynalite in child processes, partitions spread by shard', () => {
  let db: Awaited<ReturnType<typeof startDynaliteProcesses>>;
  beforeAll(async () => {
    db = await startDynaliteProcesses(3);
    await createTable(db.client, 'tbl');
  }, 60_000);
  afterAll(async () => {
    await db?.stop();
  });

  it('maps record partitions by shard and everything else to the first process', () => {
    expect([0, 1, 2, 3, 4, 5].map((s) => processOf(recordPk('inventory', s), 3))).toEqual([0, 1, 2, 0, 1, 2]);
    expect(processOf('FILE#inventory', 3)).toBe(0);
    expect(processOf(recordPk('inventory', 5), 1)).toBe(0);
  });

  it('splits a BatchWriteItem over the processes, and reads every item back through the router', async () => {
    const items = Array.from({ length: 24 }, (_, i) => item(i % 6, i));
    const out = await db.client.send(new BatchWriteItemCommand({ RequestItems: { tbl: items.map((Item) => ({ PutRequest: { Item } })) }, ReturnConsumedCapacity: 'TOTAL' }));
    expect(out.UnprocessedItems?.tbl ?? []).toEqual([]);
    // One ConsumedCapacity entry per process that took a part: 24 items of under 1 KB.
    expect((out.ConsumedCapacity ?? []).reduce((t, c) => t + (c.CapacityUnits ?? 0), 0)).toBe(24);
    const got = await db.client.send(new BatchGetItemCommand({ RequestItems: { tbl: { Keys: items.map((it) => ({ pk: it.pk, sk: it.sk })) } } }));
    expect((got.Responses?.tbl ?? []).map((it) => Number(it.n.N)).sort((a, b) => a - b)).toEqual(items.map((_, i) => i));
    for (let shard = 0; shard < 6; shard++) {
      const q = await db.client.send(new QueryCommand({ TableName: 'tbl', KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: recordPk('inventory', shard) } } }));
      expect(q.Items?.map((it) => it.sk.S).sort()).toEqual(items.filter((_, i) => i % 6 === shard).map((it) => it.sk.S).sort());
    }
  }, 60_000);

  it('stores each partition on its own process only', async () => {
    await db.client.send(new PutItemCommand({ TableName: 'tbl', Item: item(4, 100) }));
    const key = { pk: { S: recordPk('inventory', 4) }, sk: { S: 'k100' } };
    // Straight to each process (unrouted clients): only process 4 % 3 = 1 holds it.
    const held = await Promise.all(db.processes.map(async (p) => (await p.client.send(new GetItemCommand({ TableName: 'tbl', Key: key }))).Item !== undefined));
    expect(held).toEqual([false, true, false]);
    expect((await db.client.send(new GetItemCommand({ TableName: 'tbl', Key: key }))).Item?.n.N).toBe('100');
  }, 60_000);

  it('reports each process\'s memory and CPU, summed', async () => {
    const s = await db.stats();
    expect(s.cpuSeconds).toBeGreaterThan(0);
    expect(s.rss).toBeGreaterThan(s.heapUsed);
  }, 60_000);
});
