/**
 * The sole writer (lib/store/writers.ts) on dynalite: a writer alone on its side writes new
 * rows with BatchWriteItem; a second writer of the side takes the grant away and waits for it
 * to end; and however the two interleave — delays injected into their requests — an older
 * version never wins, and nothing is written unconditionally once another writer is there.
 */
import { describe, expect, it } from 'vitest';
import { GetItemCommand, ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RecordUpserter } from '../../lib/store/upsert.ts';
import { SideWriter, writersPk, type WriterTiming } from '../../lib/store/writers.ts';
import { fileIdOf, recordVersion } from '../../lib/store/keys.ts';
import type { KeyedRecord } from '../../lib/store/types.ts';
import { useDynalite } from './use-dynalite.ts';

const store = useDynalite('writers');

/** Short leases: the protocol is the same at any scale, the waits are not. */
// A request may take seconds on a loaded test machine: the request timeout leaves room for it.
const FAST: WriterTiming = { leaseMs: 30_000, soleMs: 12_000, guardMs: 8_000, requestTimeoutMs: 6_000, quietMs: 1_000, pollMs: 50 };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Order row i of `file` (day d): one identity per i, the version grows with the day. */
function order(i: number, day: number, status: string): KeyedRecord {
  const key = `inbound/oms-orders/day-${day}.csv`;
  return {
    boundary: 'intake', group: ['shopify', `#${1000 + i}`], side: 'oms', identity: [`OMS-${i}`],
    version: recordVersion({ eventTime: `2026-11-0${day}T06:00:00.000Z`, sequencer: String(day), line: i + 2 }),
    feed: 'oms-orders', fields: { channel: 'shopify', channel_order_id: `#${1000 + i}`, oms_order_id: `OMS-${i}`, status, total: '10.00', currency: 'USD' },
    fileId: fileIdOf({ bucket: 'inbox', key, objectVersion: `v${day}` }), file: `s3://inbox/${key}`, line: i + 2,
  };
}

function writer(client: DynamoDBClient, table: string, id: string, timing: Partial<WriterTiming> = FAST): SideWriter {
  return new SideWriter(client, table, { boundary: 'intake', side: 'oms', id, timing });
}

type Next = (args: { input: Record<string, unknown> }) => Promise<unknown>;

/** A client whose requests of the given commands wait for `hold()` before they are sent (fault injection). */
function delayed(commands: string[], hold: () => Promise<void>): DynamoDBClient {
  const client = store.db().newClient();
  client.middlewareStack.add(
    ((next: Next, context: { commandName?: string }) => async (args: { input: Record<string, unknown> }) => {
      if (commands.includes(context.commandName ?? '')) await hold();
      return next(args);
    }) as never,
    { step: 'initialize', name: 'inject-delay' },
  );
  return client;
}

async function stored(table: string): Promise<Map<string, { status: string; v: string }>> {
  const out = new Map<string, { status: string; v: string }>();
  let start: Record<string, never> | undefined;
  do {
    const page = await store.db().client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    for (const it of page.Items ?? []) if (it.pk.S!.startsWith('REC#')) out.set(it.f.M!.oms_order_id.S!, { status: it.f.M!.status.S!, v: it.v.S! });
    start = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start);
  return out;
}

describe('a writer alone on its side', () => {
  it('writes a first load with BatchWriteItem, and the rows read back whole', async () => {
    // Prepare
    const table = await store.freshTable();
    const w = writer(store.db().client, table, 'day1.a');
    const u = new RecordUpserter(store.db().client, table, { shards: 4, writer: w });
    // Act
    for (let i = 0; i < 500; i++) await u.add(order(i, 1, 'released'));
    const counts = await u.end();
    await w.release();
    // Assess
    expect(counts).toMatchObject({ written: 500, alone: 500, older: 0, unchanged: 0 });
    const rows = await stored(table);
    expect(rows.size).toBe(500);
    expect(rows.get('OMS-499')).toEqual({ status: 'released', v: order(499, 1, 'released').version });
  });

  it('writes conditionally while another writer of the side holds a lease, and alone again once it has ended', async () => {
    // Prepare: another ingest of the side registered and still live
    const table = await store.freshTable();
    const other = writer(store.db().client, table, 'other.b');
    await other.permit();
    // Act: one invocation while it is live, the next after it ended and the side was quiet
    const ingest = async (id: string, from: number) => {
      const w = writer(store.db().client, table, id);
      const u = new RecordUpserter(store.db().client, table, { shards: 4, writer: w });
      for (let i = from; i < from + 50; i++) await u.add(order(i, 1, 'released'));
      const counts = await u.end();
      await w.release();
      return counts;
    };
    const shared = await ingest('day1.a', 0);
    await other.release();
    await sleep(FAST.quietMs + 100);
    const alone = await ingest('day1.c', 50);
    // Assess
    expect(shared).toMatchObject({ written: 50, alone: 0 });
    expect(alone).toMatchObject({ written: 50, alone: 50 });
  });
  it('lets the next invocation of the same file write alone at once, but another file only after the quiet time', async () => {
    // Prepare: a chunk of file f1 ends and releases (its continuation starts right away)
    const table = await store.freshTable();
    const first = writer(store.db().client, table, 'f1.chunk1');
    await first.permit();
    await first.release();
    // Act
    const next = writer(store.db().client, table, 'f1.chunk2');
    await next.permit();
    const nextAlone = next.isSole;
    await next.release();
    const other = writer(store.db().client, table, 'f2.chunk1');
    await other.permit();
    // Assess
    expect(nextAlone).toBe(true);
    expect(other.isSole).toBe(false);
    await other.release();
  });
});

describe('two writers of one side', () => {
  it('takes the grant away from the first writer and waits until it is given back', async () => {
    // Prepare
    const table = await store.freshTable();
    const a = writer(store.db().client, table, 'a');
    await a.permit();
    expect(a.isSole).toBe(true);
    // Act: b registers while a holds a live grant
    const b = writer(store.db().client, table, 'b');
    let bWaited = false;
    const bReady = b.permit().then(() => (bWaited = true));
    await sleep(200);
    const waitingWhileHeld = !bWaited;
    // a's next renewal sees b: a goes on conditionally; a gives the grant back as it ends.
    await sleep(FAST.soleMs / 2 + 50);
    await a.permit();
    const aSoleAfterRenewal = a.isSole;
    await a.release();
    await bReady;
    // Assess
    expect(waitingWhileHeld).toBe(true);
    expect(aSoleAfterRenewal).toBe(false);
    expect(b.isSole).toBe(false);
    const item = await store.db().client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: writersPk('intake') }, sk: { S: 'oms' } }, ConsistentRead: true }));
    expect(item.Item?.sole).toBeUndefined();
    await b.release();
  });

  it('never lets the older file win, however their requests interleave', async () => {
    // Prepare: the older drop (day 1) and the newer (day 2) hold the same 1,200 orders; both
    // ingests run at once, the older one's writes held up at random (0–250 ms) on the way,
    // with grants short enough to be renewed, lost and given back during the run.
    const table = await store.freshTable();
    const timing: WriterTiming = { leaseMs: 20_000, soleMs: 8_000, guardMs: 5_000, requestTimeoutMs: 4_000, quietMs: 300, pollMs: 50 };
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const run = async (day: number, status: string, startAfter: number, maxDelay: number) => {
      await sleep(startAfter);
      const client = delayed(['BatchWriteItemCommand', 'PutItemCommand'], () => sleep(Math.floor(random() * maxDelay)));
      const w = writer(client, table, `day${day}`, timing);
      const u = new RecordUpserter(client, table, { shards: 4, writer: w, concurrency: 2 });
      for (let i = 0; i < 1_200; i++) await u.add(order(i, day, status));
      const counts = await u.end();
      await w.release();
      return counts;
    };
    // Act
    const [older, newer] = await Promise.all([run(1, 'released', 0, 250), run(2, 'cancelled', 200, 10)]);
    // Assess: every order holds the newer drop's row
    const rows = await stored(table);
    expect(rows.size).toBe(1_200);
    expect([...rows.entries()].filter(([, r]) => r.status !== 'cancelled')).toEqual([]);
    // Every row of each file is accounted for, and the older file wrote alone while it was alone.
    expect(older.written + older.older + older.unchanged).toBe(1_200);
    expect(newer.written + newer.older + newer.unchanged).toBe(1_200);
    expect(older.alone).toBeGreaterThan(0);
  });

  it('never lands a request sent alone that was held up past its time: the newer writer wins', async () => {
    // Prepare: writer a (the older rows) reads alone and sends its BatchWriteItem, which is held
    // up on the way (a stalled network) until the test lets it go.
    const table = await store.freshTable();
    let letGo!: () => void;
    const gate = new Promise<void>((r) => (letGo = r));
    const slow = delayed(['BatchWriteItemCommand'], () => gate);
    const a = writer(slow, table, 'a');
    const ua = new RecordUpserter(slow, table, { shards: 4, writer: a });
    for (let i = 0; i < 20; i++) await ua.add(order(i, 1, 'released'));
    const aDone = ua.end();
    // Act: a's grant runs out; b registers and writes the newer rows; then a's request goes on.
    await sleep(FAST.soleMs + 100);
    const b = writer(store.db().client, table, 'b');
    const ub = new RecordUpserter(store.db().client, table, { shards: 4, writer: b });
    for (let i = 0; i < 20; i++) await ub.add(order(i, 2, 'cancelled'));
    const bCounts = await ub.end();
    await b.release();
    letGo();
    const aCounts = await aDone;
    await a.release();
    // Assess: a's request was aborted (not sent); its rows went the conditional way and lost.
    const rows = await stored(table);
    expect([...rows.values()].map((r) => r.status)).toEqual(Array(20).fill('cancelled'));
    expect(bCounts).toMatchObject({ written: 20, alone: 0 });
    expect(aCounts).toMatchObject({ written: 0, alone: 0, older: 20 });
  });
});
