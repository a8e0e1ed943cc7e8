/**
 * A large file through the chunked ingest (lib/pipeline/chunk.ts), invocation by invocation,
 * writing for real:
 *
 *   npm run bench:ingest -- [rows=1000000] [chunkRows=250000]
 *
 * Writes an oms-inventory CSV of `rows` rows (bench/generate.ts, streamed: a 10M-row file of
 * ~500 MB in a few MB of memory), puts it in s3rver, and delivers its S3 event to the real
 * ingest handler (functions/ingest.ts); each continuation it asks for is the next handler
 * call, as Lambda's asynchronous self-invoke would be, and its context's time left counts down
 * from the function's timeout. Every table request goes to dynalite in a child process of its
 * own (bench/dynalite-child.ts: its own event loop and core, as the real service is remote),
 * in memory with a heap sized for `rows` items (or in LevelDB folders), or to several of
 * them. Nothing is stubbed: the records are written and read back.
 *
 * Prints, per invocation: its time, the rows it re-read (already stored) and read past its
 * checkpoint, the records it wrote (the upserter's counts, as its log lines give them) and the
 * items the table was sent — by conditional PutItem, or by BatchWriteItem when the ingest
 * writes alone (the sole writer, lib/store/writers.ts) — counted at the client, the WCU and RCU
 * from DynamoDB's ConsumedCapacity (bench/capacity.ts), the ingest process's CPU seconds and
 * peak RSS (sampled every 20 ms, after a GC between invocations; s3rver, serving the object,
 * runs in this process too) and its V8 heap after a GC once the invocation has ended (what a
 * warm Lambda container would carry into the next invocation), and dynalite's CPU seconds. Then it checks that nothing was lost:
 *   - the manifest is done, read = stored + rejected + skipped = the file's rows, and its
 *     checksum is the file's sha256;
 *   - the table holds exactly one record item per distinct (sku, facility) of the file
 *     (counted by streaming the file into a bitmap; the table by a Select COUNT Query per
 *     shard partition, REC#inventory#<shard>, lib/store/keys.ts);
 *   - a sample of rows (1,000 spread over the file, the first and the last) read back from
 *     the table equal the file's values (sku, facility, on_hand, as_of, line).
 * Exits 1 if any check fails. Last, dynalite's heap and RSS per stored item (after GC),
 * extrapolated to 10M items, and the rate against a raw BatchWriteItem loop
 * (bench/raw-write.ts) of the same items (BENCH_RAW_ROWS of those the table holds, from
 * every shard) into a fresh table of the same dynalite(s).
 *
 * Knobs (environment):
 *   BENCH_SHARDS=16            shards (as deployed)
 *   BENCH_DYNALITES=1          dynalite processes; with more, the record partitions are spread over them by shard
 *                              (bench/dynalite-child.ts startDynaliteProcesses), so that one stand-in's event loop is
 *                              not what limits the rate (its CPU seconds per invocation show whether it does)
 *   BENCH_DYNALITE_DIR         keep dynalite's tables in LevelDB folders there (one per process) instead of in memory:
 *                              in memory a record item takes ~0.3 KB of heap and 1–2 KB resident, ~11–20 GB for 10M rows
 *   BENCH_DYNALITE_HEAP_MB     each dynalite's --max-old-space-size (default: bench/dynalite-child.ts
 *                              heapForItems(rows / processes), from the heap per item measured by bench/dynalite-memory.ts)
 *   BENCH_RAW_ROWS=100000      items replayed by the raw BatchWriteItem baseline
 *   BENCH_RAW_CONCURRENCY=6    its requests in flight
 *   BENCH_INVOCATION_SECONDS   an invocation's time limit (default: the ingest function's timeout in cdk/, 900 s): the
 *                              context's getRemainingTimeInMillis counts down from it, as Lambda's does, so an invocation
 *                              hands over INGEST_MARGIN_SECONDS before it (chunk.ts) — on a slow machine the time
 *                              cuts the chunks before chunkRows does — and one that overruns it fails (middy's timeout)
 *   BENCH_KEEP=1               keep the generated file (its folder is printed)
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BatchGetItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Context, S3Event } from 'aws-lambda';
import { createHandler } from '../functions/ingest.ts';
import { DEFAULT_CONFIG } from '../lib/config.ts';
import { ContinuationQueue } from '../lib/pipeline/chunk.ts';
import type { PipelineDeps } from '../lib/pipeline/deps.ts';
import type { PipelineSettings } from '../lib/pipeline/env.ts';
import type { IngestOutcome } from '../lib/pipeline/ingest.ts';
import { lambdaContext, s3Event } from '../lib/pipeline/local.ts';
import { startS3rver } from '../lib/pipeline/standins.ts';
import { createTable, encodeRecordSk, getFile, recordPk, shardOf } from '../lib/store/index.ts';
import type { KeyedRecord } from '../lib/store/types.ts';
import { CapacityMeter, type Usage } from './capacity.ts';
import { heapForItems, residentForItems, startDynaliteProcesses, type DynaliteStats } from './dynalite-child.ts';
import { FACILITIES, inventoryPair } from './generate.ts';
import { positiveEnv } from './env.ts';
import { rawBatchWrite, type RawItem } from './raw-write.ts';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const CHUNK_ROWS = Number(process.argv[3] ?? 250_000);
const num = (name: string, fallback: number) => positiveEnv(name, fallback, { integer: true });
const SHARDS = num('BENCH_SHARDS', 16);
const DYNALITES = Math.min(SHARDS, num('BENCH_DYNALITES', 1));
const DYNALITE_DIR = process.env.BENCH_DYNALITE_DIR || undefined;
const HEAP_MB = num('BENCH_DYNALITE_HEAP_MB', heapForItems(Math.ceil(ROWS / DYNALITES)));
const RAW_ROWS = Math.min(ROWS, num('BENCH_RAW_ROWS', 100_000));
const RAW_CONCURRENCY = num('BENCH_RAW_CONCURRENCY', 6);
/** An invocation's time limit: the ingest function's timeout in cdk/ unless BENCH_INVOCATION_SECONDS says otherwise. */
const INVOCATION_SECONDS = num('BENCH_INVOCATION_SECONDS', (await import('../cdk/oms-reconciliation.ts')).FUNCTION_SPECS.ingest.timeout.toSeconds());
const TABLE = 'bench';
const SAMPLES = 1000;

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const mb = (n: number) => `${fmt(n / 1024 / 1024)} MB`;
const cpuSeconds = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1e6;

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

interface FileRow {
  line: number;
  sku: string;
  facility: string;
  onHand: string;
  asOf: string;
}

/**
 * Streams the file: its distinct (sku, facility) pairs, counted in a bitmap (SKU-<n> × the
 * generator's facilities: one bit a pair, whatever the file's size), and the sample rows.
 */
async function scanFile(path: string, sampleLines: Set<number>): Promise<{ rows: number; distinct: number; odd: number; samples: FileRow[] }> {
  const nf = FACILITIES.length;
  const facility = new Map(FACILITIES.map((f, i) => [f, i]));
  let bits = new Uint8Array(1 << 16);
  let rows = 0, distinct = 0, odd = 0;
  const samples: FileRow[] = [];
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    line++;
    if (line === 1 || text === '') continue;
    rows++;
    const [sku, fac, onHand, asOf] = text.split(',');
    if (sampleLines.has(line)) samples.push({ line, sku, facility: fac, onHand, asOf });
    const f = facility.get(fac);
    const m = /^SKU-(\d+)$/.exec(sku);
    if (f === undefined || !m) {
      odd++;
      continue;
    }
    const id = Number(m[1]) * nf + f;
    if (id >> 3 >= bits.length) {
      const grown = new Uint8Array(Math.max(bits.length * 2, (id >> 3) + 1));
      grown.set(bits);
      bits = grown;
    }
    const bit = 1 << (id & 7);
    if (!(bits[id >> 3] & bit)) {
      bits[id >> 3] |= bit;
      distinct++;
    }
  }
  return { rows, distinct, odd, samples };
}

/** Record items of the boundary, by a Select COUNT Query per shard partition (all shards at once). */
async function countRecords(client: DynamoDBClient): Promise<number[]> {
  return Promise.all(
    Array.from({ length: SHARDS }, async (_, shard) => {
      let n = 0;
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: TABLE,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': { S: recordPk('inventory', shard) } },
            Select: 'COUNT',
            ExclusiveStartKey: start,
          }),
        );
        n += page.Count ?? 0;
        start = page.LastEvaluatedKey;
      } while (start);
      return n;
    }),
  );
}

/** The sample rows read back (BatchGetItem, strongly consistent): the rows whose stored item differs from the file, and why. */
async function readBack(client: DynamoDBClient, samples: FileRow[]): Promise<string[]> {
  const bad: string[] = [];
  for (let i = 0; i < samples.length; i += 100) {
    const part = samples.slice(i, i + 100);
    const keyOf = (s: FileRow) => {
      const k = { boundary: 'inventory', group: [s.sku], side: 'oms', identity: [s.facility], file: '', line: s.line } as unknown as KeyedRecord;
      return { pk: { S: recordPk('inventory', shardOf(k.group, SHARDS)) }, sk: { S: encodeRecordSk(k) } };
    };
    const got = new Map<string, RawItem>();
    let keys: RawItem[] | undefined = part.map(keyOf);
    while (keys && keys.length > 0) {
      const res = await client.send(new BatchGetItemCommand({ RequestItems: { [TABLE]: { Keys: keys, ConsistentRead: true } } }));
      for (const it of res.Responses?.[TABLE] ?? []) got.set(`${it.pk.S}\u0000${it.sk.S}`, it);
      keys = res.UnprocessedKeys?.[TABLE]?.Keys as RawItem[] | undefined;
    }
    for (const s of part) {
      const k = keyOf(s);
      const it = got.get(`${k.pk.S}\u0000${k.sk.S}`);
      if (!it) {
        bad.push(`line ${s.line} (${s.sku}, ${s.facility}): no item`);
        continue;
      }
      const f = it.f?.M ?? {};
      const diffs: string[] = [];
      if (f.sku?.S !== s.sku) diffs.push(`sku ${f.sku?.S}`);
      if (f.facility_id?.S !== s.facility) diffs.push(`facility_id ${f.facility_id?.S}`);
      if (f.on_hand?.S === undefined || Number(f.on_hand.S) !== Number(s.onHand)) diffs.push(`on_hand ${f.on_hand?.S} ≠ ${s.onHand}`);
      if (f.as_of?.S === undefined || Date.parse(f.as_of.S) !== Date.parse(s.asOf)) diffs.push(`as_of ${f.as_of?.S} ≠ ${s.asOf}`);
      if (it.line?.N !== String(s.line)) diffs.push(`line ${it.line?.N} ≠ ${s.line}`);
      if (diffs.length) bad.push(`line ${s.line}: ${diffs.join(', ')}`);
    }
  }
  return bad;
}

/** `n` record items of the table as stored (unmetered Query, shard by shard, an equal share of each), for the raw baseline. */
async function someRecordItems(client: DynamoDBClient, n: number): Promise<RawItem[]> {
  const items: RawItem[] = [];
  for (let shard = 0; shard < SHARDS && items.length < n; shard++) {
    const want = Math.ceil((n - items.length) / (SHARDS - shard));
    let start: RawItem | undefined;
    let got = 0;
    do {
      const page = await client.send(new QueryCommand({
        TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: recordPk('inventory', shard) } },
        ExclusiveStartKey: start, Limit: Math.min(5000, want - got),
      }));
      for (const it of page.Items ?? []) if (got < want) (items.push(it), got++);
      start = page.LastEvaluatedKey;
    } while (start && got < want);
  }
  return items;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'oms-recon-ingest-bench-'));
  const dbDir = DYNALITE_DIR === undefined ? undefined : mkdtempSync(join(DYNALITE_DIR, 'oms-recon-dynalite-'));
  const db = await startDynaliteProcesses(DYNALITES, { heapMb: HEAP_MB, dir: dbDir });
  const s3 = await startS3rver({ bucket: 'bench' });
  let failed = false;
  try {
    await createTable(db.client, TABLE);
    const g0 = performance.now();
    const { oms: path, warehouse } = await inventoryPair(dir, ROWS);
    rmSync(warehouse);
    const genSeconds = (performance.now() - g0) / 1000;
    const size = statSync(path).size;
    const key = `inbound/oms-inventory/bench-${ROWS}.csv`;
    const put = await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: createReadStream(path), ContentLength: size }));
    const expected = await sha256(path);
    console.log(`oms-recon ingest bench — ${fmt(ROWS)} rows (${mb(size)}, generated in ${fmt(genSeconds, 1)} s), chunks of ${fmt(CHUNK_ROWS)} rows or ${fmt(INVOCATION_SECONDS)} s an invocation (less the hand-over margin), ${SHARDS} shards; ` +
      `${DYNALITES === 1 ? 'dynalite in a child process' : `${DYNALITES} dynalite child processes (record partitions spread by shard)`} (${DYNALITE_DIR === undefined ? 'in memory' : `LevelDB under ${DYNALITE_DIR}`}, --max-old-space-size=${HEAP_MB}; ` +
      `~${fmt(residentForItems(ROWS) / 2 ** 30, 1)} GB resident for ${fmt(ROWS)} items by the measured bytes per item), s3rver in this one; Node ${process.version}, ${new Date().toISOString()}`);

    const dynamo = db.newClient();
    const unmetered = db.newClient();
    const meter = new CapacityMeter();
    meter.attach(dynamo, unmetered);
    const settings: PipelineSettings = {
      tableName: TABLE, bucketName: s3.bucket, shards: SHARDS, retentionDays: 35, config: DEFAULT_CONFIG, debounceSeconds: 120, maxWaitSeconds: 900,
      chunk: { chunkRows: CHUNK_ROWS },
    };
    const queue = new ContinuationQueue();
    const logs: Array<Record<string, unknown>> = [];
    const deps: PipelineDeps = { dynamo, s3: s3.client, settings: () => settings, continueIngest: queue.continueIngest, log: (e) => logs.push(e) };
    const handler = createHandler(deps) as unknown as (event: unknown, context: Context) => Promise<IngestOutcome[]>;
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) console.log('(no --expose-gc: peak RSS per invocation includes the garbage of the previous one; npm run bench:ingest sets it)');

    // One line an invocation, as it ends (a 10M-row file runs for a long while).
    console.log('\n| invocation | outcome | rows re-read | rows read past the checkpoint | records written (upserter) | items sent: PutItem / BatchWriteItem | WCU | RCU | time s | rows/s | ingest CPU s | ingest peak RSS | ingest heap after | dynalite CPU s | dynalite heap after |');
    console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    let next: unknown = s3Event(s3.bucket, key, size, put.ETag, new Date(), 1) as S3Event;
    let invocation = 0;
    let peakAll = 0;
    let cpuAll = 0;
    let recordsWritten = 0;
    const dyn0: DynaliteStats = await db.stats();
    let dynPrev = dyn0;
    const usage0 = meter.snapshot();
    const t0 = performance.now();
    let busy = 0;
    while (next) {
      invocation++;
      gc?.();
      const logFrom = logs.length;
      const before: Usage = meter.snapshot();
      let peak = process.memoryUsage().rss;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      const c0 = process.cpuUsage();
      const started = performance.now();
      // Lambda's clock: the time left counts down from the function's timeout.
      const context = lambdaContext('ingest', INVOCATION_SECONDS * 1000);
      let outcome: IngestOutcome;
      try {
        [outcome] = await handler(next, context);
      } catch (e) {
        clearInterval(sampler);
        console.log(`| ${invocation} | FAILED after ${fmt((performance.now() - started) / 1000, 1)} s: ${(e as Error).message} |`);
        throw e;
      }
      const seconds = (performance.now() - started) / 1000;
      const cpu = cpuSeconds(process.cpuUsage(c0));
      clearInterval(sampler);
      busy += seconds;
      peak = Math.max(peak, process.memoryUsage().rss);
      peakAll = Math.max(peakAll, peak);
      // What the invocation left behind: the heap after a GC (a warm Lambda container keeps it for the next one).
      gc?.();
      const heapAfter = process.memoryUsage().heapUsed;
      cpuAll += cpu;
      const u = meter.since(before);
      const dyn = await db.stats();
      const mine = logs.slice(logFrom);
      const resumed = mine.find((l) => l.message === 'resuming') as { from?: { read?: number } } | undefined;
      const done = mine.find((l) => l.message === 'handing over' || l.message === 'ingested') as { message: string; written?: number; unchanged?: number; older?: number; duplicates?: number } | undefined;
      const reread = resumed?.from?.read ?? 0;
      const read = outcome.status === 'continued' || outcome.status === 'ingested' ? outcome.read : 0;
      // A hand-over logs this invocation's counts; the last invocation's 'ingested' logs the whole file's (the checkpoint carries the sums).
      const written = (done?.written ?? 0) - (done?.message === 'ingested' ? recordsWritten : 0);
      recordsWritten += written;
      // Record items sent: one conditional PutItem each, or 25 to a BatchWriteItem (the sole writer, lib/store/writers.ts).
      const puts = u.byOp.PutItem?.itemsWritten ?? 0;
      const batched = u.byOp.BatchWriteItem?.itemsWritten ?? 0;
      console.log(`| ${invocation} | ${outcome.status} | ${fmt(reread)} | ${fmt(read - reread)} | ${fmt(written)} | ${fmt(puts)} / ${fmt(batched)} | ${fmt(u.wcu)} | ${fmt(u.rcu, 1)} | ` +
        `${fmt(seconds, 1)} | ${fmt((read - reread) / seconds)} | ${fmt(cpu, 1)} | ${mb(peak)} | ${mb(heapAfter)} | ${fmt(dyn.cpuSeconds - dynPrev.cpuSeconds, 1)} | ${mb(dyn.heapUsed)} |`);
      dynPrev = dyn;
      if (outcome.status !== 'continued' && outcome.status !== 'ingested') {
        console.log(`invocation ${invocation}: ${JSON.stringify(outcome)}`);
        failed = true;
      }
      let more: unknown;
      await queue.drain(async (e) => {
        more = e;
        return [];
      });
      next = more;
    }
    const total = (performance.now() - t0) / 1000;
    const all = meter.since(usage0);
    const rate = ROWS / busy;
    console.log(`\ntotal ${fmt(total, 1)} s for ${invocation} invocations: ${fmt(rate)} rows/s end to end (re-reads included); ingest CPU ${fmt(cpuAll, 1)} s (${fmt((cpuAll / ROWS) * 1e6)} µs a row), ` +
      `dynalite CPU ${fmt(dynPrev.cpuSeconds - dyn0.cpuSeconds, 1)} s; peak RSS ${mb(peakAll)} (ingest process), ${mb(dynPrev.maxRss)} (dynalite)`);
    console.log(`capacity: ${fmt(all.wcu)} WCU (${fmt(all.wcu / ROWS, 3)} a row), ${fmt(all.rcu, 1)} RCU (${fmt(all.rcu / ROWS, 3)} a row), ${fmt(all.requests)} requests: ` +
      Object.entries(all.byOp).map(([op, o]) => `${op} ×${fmt(o.requests)}`).join(', '));

    // Nothing lost.
    const m = await getFile(unmetered, TABLE, { boundary: 'inventory', bucket: s3.bucket, key, objectVersion: (put.ETag ?? '').replace(/"/g, '') });
    const sum = (m?.rowsStored ?? 0) + (m?.rowsRejected ?? 0) + (m?.rowsSkipped ?? 0);
    const manifestOk = m?.status === 'done' && m.rowsRead === ROWS && sum === ROWS && m.checksum === expected;
    console.log(`\nmanifest: ${m?.status}, read ${fmt(m?.rowsRead ?? 0)} = stored ${fmt(m?.rowsStored ?? 0)} + rejected ${fmt(m?.rowsRejected ?? 0)} + skipped ${fmt(m?.rowsSkipped ?? 0)} ` +
      `(${sum === m?.rowsRead ? 'adds up' : 'does NOT add up'}; the file has ${fmt(ROWS)} rows); checksum ${m?.checksum === expected ? 'is' : 'is NOT'} the file's sha256 → ${manifestOk ? 'ok' : 'FAILED'}`);
    // The manifest's write counts (ManifestFacts.writes: the whole file's, summed over the invocations) against the upserters' own.
    const mw = (m?.facts as { writes?: { written?: number } } | undefined)?.writes?.written;
    const writesOk = mw === recordsWritten;
    console.log(`manifest writes.written: ${mw === undefined ? 'absent' : fmt(mw)}; the invocations' upserters wrote ${fmt(recordsWritten)} → ${writesOk ? 'ok' : 'FAILED'}`);
    const step = Math.max(1, Math.floor(ROWS / SAMPLES));
    const sampleLines = new Set<number>([2, ROWS + 1]);
    for (let i = 0; i < ROWS; i += step) sampleLines.add(i + 2);
    const file = await scanFile(path, sampleLines);
    const shards = await countRecords(unmetered);
    const stored = shards.reduce((a, b) => a + b, 0);
    const countOk = file.odd === 0 && file.rows === ROWS && stored === file.distinct;
    console.log(`table: ${fmt(stored)} record items (Select COUNT per shard: ${shards.map((n) => fmt(n)).join(' ')}); the file: ${fmt(file.rows)} rows, ${fmt(file.distinct)} distinct (sku, facility)` +
      `${file.odd ? `, ${fmt(file.odd)} rows not of the generator's shape` : ''}; records written by the upserter ${fmt(recordsWritten)} → ${countOk ? 'ok' : 'FAILED'}`);
    const bad = await readBack(unmetered, file.samples);
    console.log(`read back: ${fmt(file.samples.length)} sample rows, ${bad.length === 0 ? 'all equal to the file → ok' : `${fmt(bad.length)} differ → FAILED: ${bad.slice(0, 5).join('; ')}`}`);
    if (!manifestOk || !writesOk || !countOk || bad.length > 0 || file.samples.length !== sampleLines.size) failed = true;

    // dynalite's memory per stored item (after GC), for the heap a bigger file needs.
    const dynEnd = await db.stats();
    const perItem = (dynEnd.heapUsed - dyn0.heapUsed) / Math.max(1, stored);
    const perItemRss = (dynEnd.rss - dyn0.rss) / Math.max(1, stored);
    console.log(`dynalite: heap ${mb(dyn0.heapUsed)} empty → ${mb(dynEnd.heapUsed)} with ${fmt(stored)} items = ${fmt(perItem)} B an item; RSS ${mb(dyn0.rss)} → ${mb(dynEnd.rss)} = ${fmt(perItemRss)} B an item; ` +
      (stored >= 100_000 ? `10M items: ~${fmt((perItem * 1e7) / 2 ** 30, 1)} GB of heap, ~${fmt((perItemRss * 1e7) / 2 ** 30, 1)} GB resident` : 'too few items to extrapolate') +
      ' (bench/dynalite-memory.ts measures it at 1M items without HTTP)');

    // The raw baseline: the same items, BatchWriteItem, into a fresh table of the same dynalite.
    const items = await someRecordItems(unmetered, RAW_ROWS);
    await createTable(unmetered, 'raw');
    const r0 = performance.now();
    const rc0 = process.cpuUsage();
    const rawWritten = await rawBatchWrite(unmetered, 'raw', items, { concurrency: RAW_CONCURRENCY });
    const rawS = (performance.now() - r0) / 1000;
    const rawCpu = cpuSeconds(process.cpuUsage(rc0));
    const rawRate = rawWritten / rawS;
    console.log(`raw BatchWriteItem (${RAW_CONCURRENCY} in flight) of ${fmt(rawWritten)} of the items the ingest stored: ${fmt(rawS, 1)} s = ${fmt(rawRate)} items/s (bench process CPU ${fmt((rawCpu / rawWritten) * 1e6)} µs an item); ` +
      `the ingest's ${fmt(rate)} rows/s is ${fmt((rate / rawRate) * 100, 1)}% of it`);
  } finally {
    await Promise.all([db.stop(), s3.stop()]);
    if (process.env.BENCH_KEEP === '1') console.log(`file kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
    if (dbDir) rmSync(dbDir, { recursive: true, force: true });
  }
  if (failed) process.exitCode = 1;
}

await main();
