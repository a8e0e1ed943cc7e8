/**
 * The store's write path against a raw BatchWriteItem loop, on one dynalite, in one run:
 *
 *   npx tsx bench/store.bench.ts [rows=100000] [concurrency=6]
 *
 * Prints items/s for writeRecords and for the raw loop (same records, same concurrency, same
 * server; rounds alternate raw/store/store/raw so drift cancels) and their ratio (target
 * ≥ 70%), the read-back rate of readShard, the average item size per feed and the implied
 * DynamoDB units per 1M rows (on-demand: 1 write unit per started KB of an item; a strongly
 * consistent Query reads 4 KB per read unit over the summed item sizes), and peak RSS.
 * Then the whole ingest path — the real ingest step on an S3 object in s3rver: GetObject,
 * parse, decode, key, writeRecords, manifest — in rows/s against the raw loop's items/s.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { writeSample } from '../lib/sample/index.ts';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DEFAULT_CONFIG } from '../lib/config.ts';
import { ingestObject } from '../lib/pipeline/ingest.ts';
import { s3Event } from '../lib/pipeline/local.ts';
import { startDynalite, startS3rver, type LocalDynamo } from '../lib/pipeline/standins.ts';
import { makeRecord } from '../test/store/fixtures.ts';
import { createTable } from '../lib/store/table.ts';
import { readShard, writeRecords } from '../lib/store/records.ts';
import { recordPk, encodeRecordSk, shardOf } from '../lib/store/keys.ts';
import { itemSize } from '../lib/store/attr.ts';
import { FEED_NAMES, type FeedName, type BoundaryName } from '../lib/feeds/catalog.ts';
import type { KeyedRecord } from '../lib/store/types.ts';
import { rawBatchWrite, type RawItem } from './raw-write.ts';

const ROWS = Number(process.argv[2] ?? 100_000);
const CONCURRENCY = Number(process.argv[3] ?? 6);
const SHARDS = 16;
const TTL_SECONDS = 35 * 86_400;

/** Inventory and order-line records, as a day's drop would bring them. */
const WRITE_MIX: FeedName[] = ['oms-inventory', 'warehouse-inventory', 'oms-allocations', 'shipments'];

function records(from: number, count: number): KeyedRecord[] {
  return Array.from({ length: count }, (_, j) => {
    const i = from + j;
    return makeRecord(WRITE_MIX[i % WRITE_MIX.length], Math.floor(i / WRITE_MIX.length));
  });
}

/** A stored item as a hand-written ingest loop would marshal it (bench/raw-write.ts marshals it inside the timed loop). */
function rawItem(r: KeyedRecord, expires: number): RawItem {
  const f: Record<string, { S: string }> = {};
  for (const [k, v] of Object.entries(r.fields)) f[k] = { S: v };
  return {
    pk: { S: recordPk(r.boundary, shardOf(r.group, SHARDS)) }, sk: { S: encodeRecordSk(r) },
    f: { M: f }, feed: { S: r.feed }, file: { S: r.file }, line: { N: String(r.line) }, ttl: { N: String(expires) },
  };
}

/** What a hand-written ingest loop would do: marshal by hand, 25 per request, N workers, resend unprocessed. */
function rawLoop(client: DynamoDBClient, table: string, rs: KeyedRecord[], concurrency: number): Promise<number> {
  const expires = Math.floor(Date.now() / 1000) + TTL_SECONDS;
  return rawBatchWrite(client, table, rs, { concurrency, toItem: (r) => rawItem(r, expires) });
}

/**
 * DynamoDB units per 1M rows from real item sizes: the sample feeds of every kind (partner
 * presets, JSON, gzip …) ingested by the real ingest step, the stored items measured as
 * DynamoDB bills them (1 write unit per started KB; a strongly consistent Query reads 4 KB
 * per read unit over the summed sizes).
 */
async function unitsFromSamples(db: LocalDynamo, fmt: (n: number) => string): Promise<void> {
  const s3 = await startS3rver();
  const dir = mkdtempSync(join(tmpdir(), 'oms-recon-bench-samples-'));
  try {
    await createTable(db.client, 'sizes');
    const settings = { tableName: 'sizes', bucketName: s3.bucket, shards: SHARDS, retentionDays: 35, config: DEFAULT_CONFIG, debounceSeconds: 0, maxWaitSeconds: 60 };
    const set = writeSample(dir, { seed: 1, scale: 5 });
    let seq = 0;
    for (const f of set.files) {
      const key = `inbound/${f.feed}/${f.name}`;
      const body = readFileSync(join(dir, f.feed, f.name));
      const put = await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
      await ingestObject({ dynamo: db.client, s3: s3.client, settings: () => settings }, s3Event(s3.bucket, key, body.length, put.ETag, new Date(), ++seq).Records[0]);
    }
    const sizes = new Map<string, number[]>();
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await db.client.send(new ScanCommand({ TableName: 'sizes', ExclusiveStartKey: start }));
      for (const item of page.Items ?? []) {
        const feed = item.feed?.S;
        if (!feed || !item.pk?.S?.startsWith('REC#')) continue;
        (sizes.get(feed) ?? sizes.set(feed, []).get(feed)!).push(itemSize(item));
      }
      start = page.LastEvaluatedKey;
    } while (start);
    console.log(`\n  item size per feed (the sample feeds at scale 5, ingested; as DynamoDB bills it) and units per 1M rows:`);
    console.log('  feed                  items  avg bytes  max bytes  write units/1M  read units/1M (strong Query)');
    for (const feed of FEED_NAMES) {
      const xs = sizes.get(feed) ?? [];
      if (xs.length === 0) continue;
      const avg = xs.reduce((a, b) => a + b, 0) / xs.length;
      const wcu = (xs.reduce((a, s) => a + Math.ceil(s / 1024), 0) / xs.length) * 1e6;
      const rcu = (avg * 1e6) / 4096;
      console.log(`  ${feed.padEnd(20)}  ${String(xs.length).padStart(5)}  ${avg.toFixed(0).padStart(9)}  ${String(Math.max(...xs)).padStart(9)}  ${fmt(wcu).padStart(14)}  ${fmt(rcu).padStart(13)}`);
    }
  } finally {
    await s3.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The ingest step end to end on one inventory count file in S3, against the raw write loop's rate. */
async function ingestPath(db: LocalDynamo, rawRate: number, fmt: (n: number) => string): Promise<void> {
  const s3 = await startS3rver();
  try {
    await createTable(db.client, 'ingest');
    const n = Math.min(ROWS, 50_000);
    const lines = ['sku,facility_id,on_hand,counted_at'];
    for (let i = 0; i < n; i++) lines.push(`SKU-${String(Math.floor(i / 10)).padStart(7, '0')},F${i % 10},${(i * 7) % 500},2026-11-26T05:30:00Z`);
    const body = lines.join('\n') + '\n';
    const key = 'inbound/warehouse-inventory/bench-count.csv';
    const put = await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
    const settings = { tableName: 'ingest', bucketName: s3.bucket, shards: SHARDS, retentionDays: 35, config: DEFAULT_CONFIG, debounceSeconds: 0, maxWaitSeconds: 60 };
    const event = s3Event(s3.bucket, key, body.length, put.ETag, new Date(), 1).Records[0];
    const t0 = performance.now();
    const outcome = await ingestObject({ dynamo: db.client, s3: s3.client, settings: () => settings }, event);
    const s = (performance.now() - t0) / 1000;
    if (outcome.status !== 'ingested' || outcome.stored !== n) throw new Error(`ingest bench: ${JSON.stringify(outcome)}`);
    const rate = n / s;
    console.log(`\n  ingest step (S3 object → parse → DynamoDB, ${fmt(n)} rows): ${s.toFixed(1)} s = ${fmt(rate)} rows/s, ${((rate / rawRate) * 100).toFixed(1)}% of the raw loop (target ≥ 70%)`);
  } finally {
    await s3.stop();
  }
}

async function main() {
  const db = await startDynalite({ createTable: false });
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  try {
    // Warm up both paths (JIT, sockets) on a throwaway table.
    await createTable(db.client, 'warmup');
    await rawLoop(db.client, 'warmup', records(0, 2000), CONCURRENCY);
    await writeRecords(db.client, 'warmup', records(2000, 2000), { shards: SHARDS, concurrency: CONCURRENCY, ttlSeconds: TTL_SECONDS });

    await createTable(db.client, 'raw');
    await createTable(db.client, 'store');
    // Each path writes ROWS rows, in 4 rounds of ROWS/4, alternating raw/store (ABBA ABBA) so
    // that drift in the server (a growing table) and in the machine's load falls on both alike.
    const ROUNDS = 8;
    const per = Math.ceil(ROWS / 4);
    const order: Array<'raw' | 'store'> = ['raw', 'store', 'store', 'raw'];
    const totals = { raw: { items: 0, ms: 0, cpuMs: 0 }, store: { items: 0, ms: 0, cpuMs: 0, retries: 0 } };
    const perRound: string[] = [];
    for (let k = 0; k < ROUNDS; k++) {
      const kind = order[k % 4];
      const from = Math.floor(k / 2) * per; // rounds 2k and 2k+1 write the same rows, one per table
      const rs = records(from, Math.min(per, ROWS - from));
      if (rs.length === 0) continue;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      let items: number;
      if (kind === 'raw') {
        items = await rawLoop(db.client, 'raw', rs, CONCURRENCY);
      } else {
        const r = await writeRecords(db.client, 'store', rs, { shards: SHARDS, concurrency: CONCURRENCY, ttlSeconds: TTL_SECONDS });
        items = r.written;
        totals.store.retries += r.retries;
      }
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      totals[kind].items += items;
      totals[kind].ms += ms;
      totals[kind].cpuMs += (cpu.user + cpu.system) / 1000;
      perRound.push(`${kind} ${fmt((items / ms) * 1000)}`);
    }
    const rawRate = (totals.raw.items / totals.raw.ms) * 1000;
    const storeRate = (totals.store.items / totals.store.ms) * 1000;

    // The store's own cost, without any server: a client whose send() answers at once.
    const instant = { send: async () => ({ UnprocessedItems: {} }) } as unknown as DynamoDBClient;
    const overheadRows = records(0, 50_000);
    let rawOnly = 0;
    let storeOnly = 0;
    for (let k = 0; k < 3; k++) {
      // best of three (the first is JIT warm-up)
      let t = performance.now();
      await rawLoop(instant, 'x', overheadRows, CONCURRENCY);
      rawOnly = Math.max(rawOnly, (overheadRows.length / (performance.now() - t)) * 1000);
      t = performance.now();
      await writeRecords(instant, 'x', overheadRows, { shards: SHARDS, concurrency: CONCURRENCY, ttlSeconds: TTL_SECONDS });
      storeOnly = Math.max(storeOnly, (overheadRows.length / (performance.now() - t)) * 1000);
    }

    // Read back everything the store wrote, shard by shard, group by group.
    const t1 = performance.now();
    let readItems = 0;
    let groups = 0;
    for (const boundary of ['inventory', 'fulfillment'] as BoundaryName[]) {
      for (let shard = 0; shard < SHARDS; shard++) {
        for await (const g of readShard(db.client, 'store', boundary, shard)) {
          groups++;
          readItems += g.length;
        }
      }
    }
    const readRate = (readItems / (performance.now() - t1)) * 1000;

    console.log(`oms-recon store bench — ${fmt(ROWS)} rows (inventory + order lines), concurrency ${CONCURRENCY}, ${SHARDS} shards, dynalite in-process, Node ${process.version}`);
    console.log(`  raw BatchWriteItem loop : ${fmt(totals.raw.items)} items in ${(totals.raw.ms / 1000).toFixed(1)} s = ${fmt(rawRate)} items/s`);
    console.log(`  writeRecords            : ${fmt(totals.store.items)} items in ${(totals.store.ms / 1000).toFixed(1)} s = ${fmt(storeRate)} items/s (${totals.store.retries} retries)`);
    console.log(`  ratio                   : ${((storeRate / rawRate) * 100).toFixed(1)}% of raw (target ≥ 70%)`);
    console.log(`  CPU per item (process)  : raw ${((totals.raw.cpuMs / totals.raw.items) * 1000).toFixed(0)} µs, writeRecords ${((totals.store.cpuMs / totals.store.items) * 1000).toFixed(0)} µs (client + dynalite)`);
    console.log(`  rounds (items/s)        : ${perRound.join(', ')}`);
    console.log(`  no server (client cost) : raw loop ${fmt(rawOnly)} items/s, writeRecords ${fmt(storeOnly)} items/s`);
    console.log(`  readShard read-back     : ${fmt(readItems)} items in ${fmt(groups)} groups = ${fmt(readRate)} items/s`);
    if (readItems !== totals.store.items) console.log(`  !! read back ${readItems}, written ${totals.store.items}`);

    await ingestPath(db, rawRate, fmt);
    await unitsFromSamples(db, fmt);
    const rss = process.resourceUsage().maxRSS / 1024;
    console.log(`\n  peak RSS: ${rss.toFixed(0)} MB (bench process: dynalite's in-memory tables of ${fmt(totals.raw.items + totals.store.items + 4000)} items included)`);
  } finally {
    await db.stop();
  }
}

await main();
