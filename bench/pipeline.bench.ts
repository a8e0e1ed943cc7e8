/**
 * `npm run bench:pipeline`: what the pipeline costs on DynamoDB, S3, Lambda and Step Functions,
 * measured through the real handlers on the stand-ins (dynalite in a child process, s3rver) —
 * 30 simulated daily drops of one inventory boundary, each ingested by functions/ingest.ts,
 * and runs (plan → compare every shard → summarize, the real handlers; one warm-up run goes
 * through the CDK-synthesized state machine) — then a cost table from AWS's published prices
 * (bench/cost.ts).
 *
 * Measured at the clients, never inside lib/store (bench/capacity.ts): DynamoDB's own
 * ConsumedCapacity of every request, S3 requests by operation, the table's billed size by a
 * Scan. So the same bench measures whatever store model the code has.
 *
 * Knobs (environment):
 *   BENCH_SKUS=1000 BENCH_FACILITIES=5   rows per side = SKUs × facilities (5,000)
 *   BENCH_DAYS=30                        daily drops
 *   BENCH_COMPARE_EVERY=10               run a comparison on day 1, every N-th day and the last
 *   BENCH_CHANGE=0.05                    share of counts that move each day
 *   BENCH_STAMPS=daily|changed|none      the rows' time column (as_of / counted_at): the drop's snapshot time on
 *                                        every row, as a snapshot file has it | when the row's count last moved | none
 *   BENCH_SHARDS=16                      shards (as deployed)
 *   BENCH_RATE_ROWS=5000                 rows per side for the ingest-vs-raw-BatchWriteItem rate
 *   BENCH_COST_ROWS=10000000             rows per side of the boundary in the monthly cost table
 *   BENCH_RUNS_PER_DAY=1                 runs per day in the monthly cost table
 *   BENCH_SAMPLES=1                      0 leaves out the per-feed item sizes of the sample feeds
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { writeSample } from '../lib/sample/index.ts';
import { FEED_NAMES, type FeedName } from '../lib/feeds/catalog.ts';
import { createTable } from '../lib/store/table.ts';
import { Clock, type Stage, type StandIns, type StepName } from '../test/pipeline/harness.ts';
import { CapacityMeter, describeUsage, S3Meter, scanAll, startBenchStandIns, tableStorage, type Usage } from './capacity.ts';
import { GB, perMillionRows, perMonth, PRICES, table, total, type Measured } from './cost.ts';
import { InventoryDrops } from './generate.ts';
import { positiveEnv } from './env.ts';
import { rawBatchWrite } from './raw-write.ts';

const num = (name: string, fallback: number) => positiveEnv(name, fallback);
const SKUS = num('BENCH_SKUS', 1000);
const FACILITIES = num('BENCH_FACILITIES', 5);
const DAYS = num('BENCH_DAYS', 30);
const COMPARE_EVERY = num('BENCH_COMPARE_EVERY', 10);
const CHANGE = Number(process.env.BENCH_CHANGE ?? 0.05);
const STAMPS = (process.env.BENCH_STAMPS ?? 'daily') as 'changed' | 'daily' | 'none';
if (!['changed', 'daily', 'none'].includes(STAMPS)) throw new Error(`BENCH_STAMPS must be changed, daily or none, got "${STAMPS}"`);
const SHARDS = num('BENCH_SHARDS', 16);
const RATE_ROWS = num('BENCH_RATE_ROWS', 5000);
const COST_ROWS = num('BENCH_COST_ROWS', 10_000_000);
const RUNS_PER_DAY = num('BENCH_RUNS_PER_DAY', 1);
const SAMPLES = process.env.BENCH_SAMPLES !== '0';
/** Retention of items and of the S3 prefixes (cdk/ defaults: 35 days; reports 400). */
const RETENTION_DAYS = 35;
const S3_RETENTION: Record<string, number> = { inbound: 35, rejected: 35, runs: 35, reports: 400 };

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const say = (s: string) => console.log(s);

/** An S3 key as a partner's daily drop names it (~80 characters, as real drops are). */
const dropKey = (feed: FeedName, day: string) => `inbound/${feed}/acme-3pl/daily/${day.slice(0, 10)}/${feed}-snapshot-${day.slice(0, 10).replace(/-/g, '')}T0530Z.csv`;

interface Meters {
  dynamo: CapacityMeter;
  s3: S3Meter;
  raw: DynamoDBClient;
}

function metered(standIns: StandIns): Meters {
  const raw = standIns.db.newClient();
  const dynamo = new CapacityMeter();
  dynamo.attach(standIns.db.client, raw);
  const s3 = new S3Meter();
  s3.attach(standIns.s3.client);
  return { dynamo, s3, raw };
}

/** Lambda memory (GB) per function, as cdk/ deploys them. */
async function functionMemoryGb(): Promise<Record<'ingest' | StepName, number>> {
  const { FUNCTION_SPECS } = await import('../cdk/oms-reconciliation.ts');
  return {
    ingest: FUNCTION_SPECS.ingest.memorySize / 1024,
    plan: FUNCTION_SPECS.plan.memorySize / 1024,
    compare: FUNCTION_SPECS.compare.memorySize / 1024,
    summarize: FUNCTION_SPECS.summarize.memorySize / 1024,
  };
}

/**
 * State transitions of one successful run of the synthesized state machine: its path from
 * StartAt (a Choice takes its first branch, as an ingest-started run's input does), a Map's
 * item path once per shard.
 */
async function transitionsPerRun(shards: number): Promise<number> {
  const { synthesizeDefinition } = await import('../cdk/asl.ts');
  const { definition } = synthesizeDefinition({ shards });
  type Def = { StartAt: string; States: Record<string, any> };
  const walk = (d: Def): number => {
    let n = 0;
    let name: string | undefined = d.StartAt;
    const seen = new Set<string>();
    while (name && !seen.has(name)) {
      seen.add(name);
      const s: any = d.States[name];
      n++;
      const inner = s.ItemProcessor ?? s.Iterator;
      if (inner) n += shards * walk(inner);
      if (s.End || s.Type === 'Succeed' || s.Type === 'Fail') break;
      name = s.Type === 'Choice' ? (s.Choices?.[0]?.Next ?? s.Default) : s.Next;
    }
    return n;
  };
  return walk(definition as Def);
}

const cpuSeconds = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1e6;

/** Puts and ingests one file through the real ingest handler; the ingest's own wall and CPU time. */
async function deliver(stage: Stage, key: string, body: string): Promise<{ seconds: number; cpu: number; stored: number; read: number }> {
  const { event } = await stage.put(key, body);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const outcomes = await stage.ingest(event);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(process.cpuUsage(c0));
  const o = outcomes[0];
  if (outcomes.length !== 1 || o.status !== 'ingested') throw new Error(`ingest of ${key}: ${JSON.stringify(outcomes)}`);
  return { seconds, cpu, stored: o.stored, read: o.read };
}

/** The real ingest of the same drop into an empty table against a raw BatchWriteItem loop of the items it stored, ABBA. */
async function ingestRate(standIns: StandIns, m: Meters): Promise<{ ingestRowsPerS: number; rawItemsPerS: number; items: number; rows: number }> {
  const drops = new InventoryDrops(Math.max(1, Math.round(RATE_ROWS / FACILITIES)), FACILITIES, CHANGE, STAMPS);
  const { oms, warehouse } = drops.files();
  let ingestS = 0, ingestRows = 0, rawS = 0, rawItems = 0, items = 0;
  const ingestOnce = async (): Promise<Array<Record<string, AttributeValue>>> => {
    const stage = await standIns.stage({ shards: SHARDS, clock: new Clock(new Date(Date.parse(drops.time()) + 1_800_000)) });
    for (const [feed, body] of [['oms-inventory', oms], ['warehouse-inventory', warehouse]] as const) {
      const r = await deliver(stage, dropKey(feed, drops.time()), body);
      ingestS += r.seconds;
      ingestRows += r.read;
    }
    return scanAll(m.raw, stage.tableName);
  };
  let n = 0;
  const rawOnce = async (its: Array<Record<string, AttributeValue>>) => {
    const name = `raw-${++n}`;
    await createTable(m.raw, name);
    const t0 = performance.now();
    rawItems += await rawBatchWrite(m.raw, name, its);
    rawS += (performance.now() - t0) / 1000;
  };
  await ingestOnce(); // warm-up (JIT, sockets), not counted
  ingestS = 0;
  ingestRows = 0;
  const first = await ingestOnce();
  items = first.length;
  await rawOnce(first);
  await rawOnce(first);
  await ingestOnce();
  return { ingestRowsPerS: ingestRows / ingestS, rawItemsPerS: rawItems / rawS, items, rows: drops.rows };
}

/** WCU per row and item bytes per row of each sample feed, ingested by the real handler (sizes as partners' files make them). */
async function sampleFeeds(standIns: StandIns, m: Meters): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'oms-recon-bench-samples-'));
  try {
    const stage = await standIns.stage({ shards: SHARDS });
    const set = writeSample(dir, { seed: 1, scale: 5 });
    const byFeed = new Map<string, { rows: number; usage: Usage[] }>();
    for (const f of set.files) {
      const key = `inbound/${f.feed}/${f.name}`;
      const before = m.dynamo.snapshot();
      const outcome = await stage.deliver(key, readFileSync(join(dir, f.feed, f.name)));
      const u = m.dynamo.since(before);
      if (outcome.status !== 'ingested') continue;
      const e = byFeed.get(f.feed) ?? { rows: 0, usage: [] };
      e.rows += outcome.read;
      e.usage.push(u);
      byFeed.set(f.feed, e);
    }
    say(`\n  the sample feeds (writeSample scale 5), each ingested by the real handler into an empty table:`);
    say('  | feed | rows | WCU / row | RCU / row |');
    say('  |---|---:|---:|---:|');
    for (const feed of FEED_NAMES) {
      const e = byFeed.get(feed);
      if (!e) continue;
      const wcu = e.usage.reduce((t, u) => t + u.wcu, 0);
      const rcu = e.usage.reduce((t, u) => t + u.rcu, 0);
      say(`  | ${feed} | ${fmt(e.rows)} | ${fmt(wcu / e.rows, 3)} | ${fmt(rcu / e.rows, 3)} |`);
    }
    const st = await tableStorage(m.raw, stage.tableName);
    say(`  table after: ${fmt(st.items)} items, ${[...st.byKind].map(([k, v]) => `${k}: ${fmt(v.items)} items of ${fmt(v.itemBytes / v.items)} B avg`).join(', ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface DayRow {
  day: number;
  rows: number;
  ingest: Usage;
  ingestSeconds: number;
  ingestCpu: number;
  compare?: Usage;
  compareCpu?: number;
  compareSeconds?: number;
  compareLambdaGbS?: number;
  discrepancies?: number;
  items?: number;
  billedBytes?: number;
  byKind?: string;
  s3Ingest: ReturnType<S3Meter['since']>;
  s3Compare?: ReturnType<S3Meter['since']>;
}

async function main() {
  const t00 = performance.now();
  const memory = await functionMemoryGb();
  const transitions = await transitionsPerRun(SHARDS);
  const standIns = await startBenchStandIns();
  const m = metered(standIns);
  try {
    const rowsPerSide = SKUS * FACILITIES;
    say(`oms-recon pipeline cost bench — inventory boundary, ${fmt(rowsPerSide)} rows per side (${fmt(SKUS)} SKUs × ${FACILITIES} facilities), ${DAYS} daily drops, ${fmt(CHANGE * 100, 1)}% of counts moving a day, time column: ${STAMPS}, ${SHARDS} shards`);
    say(`dynalite in a child process, s3rver in this one; the real handlers (functions/*.ts) — a warm-up run through the state machine synthesized from cdk/, then plan → compare × ${SHARDS} → summarize called in turn; Node ${process.version}, ${new Date().toISOString()}`);

    // 1. The real ingest against raw BatchWriteItem of the same items, on the same stand-in.
    const rate = await ingestRate(standIns, m);
    say(`\n  ingest rate (empty table, ${fmt(rate.rows)} rows per side, 2 rounds each, ABBA): real ingest ${fmt(rate.ingestRowsPerS)} rows/s; raw BatchWriteItem of the ${fmt(rate.items)} items it stored ${fmt(rate.rawItemsPerS)} items/s → ${fmt((rate.ingestRowsPerS / rate.rawItemsPerS) * 100, 1)}% (rows/s of items/s)`);

    // Warm-up of the whole path (JIT, sockets, the synthesized state machine) on a stage of its own, not counted.
    {
      const w = new InventoryDrops(100, FACILITIES, CHANGE, STAMPS);
      const ws = await standIns.stage({ shards: SHARDS, clock: new Clock(new Date(Date.parse(w.time()) + 1_800_000)) });
      const { oms, warehouse } = w.files();
      await deliver(ws, dropKey('oms-inventory', w.time()), oms);
      await deliver(ws, dropKey('warehouse-inventory', w.time()), warehouse);
      const run = await ws.runStateMachine('inventory');
      if (run.error) throw run.error;
    }

    // 2. 30 daily drops of one boundary.
    const drops = new InventoryDrops(SKUS, FACILITIES, CHANGE, STAMPS);
    const clock = new Clock(new Date(Date.parse(drops.time()) + 1_800_000));
    const stage = await standIns.stage({ shards: SHARDS, clock });
    const days: DayRow[] = [];
    say(`\n  | day | rows | ingest WCU/row | ingest RCU/row | ingest s (CPU s) | compare RCU/row | compare s (CPU s) | discrepancies | items | items/live key | billed bytes/live key |`);
    say(`  |---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|`);
    for (let d = 1; d <= DAYS; d++) {
      if (d > 1) drops.next();
      clock.now = new Date(Date.parse(drops.time()) + 1_800_000);
      const { oms, warehouse } = drops.files();
      const s3Before = m.s3.snapshot();
      const before = m.dynamo.snapshot();
      let ingestSeconds = 0, ingestCpu = 0, rows = 0;
      for (const [feed, body] of [['oms-inventory', oms], ['warehouse-inventory', warehouse]] as const) {
        const r = await deliver(stage, dropKey(feed, drops.time()), body);
        if (r.read !== drops.rows) throw new Error(`day ${d} ${feed}: read ${r.read} of ${drops.rows} rows`);
        ingestSeconds += r.seconds;
        ingestCpu += r.cpu;
        rows += r.read;
      }
      const row: DayRow = { day: d, rows, ingest: m.dynamo.since(before), ingestSeconds, ingestCpu, s3Ingest: m.s3.since(s3Before) };
      if (d === 1 || d % COMPARE_EVERY === 0 || d === DAYS) {
        // plan → compare every shard → summarize, the real handlers called one after another
        // (Stage.compare): on AWS the shards run side by side; here their times add up, and no
        // state timeout cuts a slow stand-in short (the synthesized state machine ran in the warm-up).
        const b = m.dynamo.snapshot();
        const s3b = m.s3.snapshot();
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const report = await stage.compare('inventory');
        row.compareSeconds = (performance.now() - t0) / 1000;
        row.compareCpu = cpuSeconds(process.cpuUsage(c0));
        row.compare = m.dynamo.since(b);
        row.s3Compare = m.s3.since(s3b);
        const sum = report.summary;
        if (sum.left !== drops.rows || sum.right !== drops.rows) throw new Error(`day ${d}: the run compared ${sum.left} / ${sum.right} rows, the drop has ${drops.rows} per side`);
        row.discrepancies = sum.discrepancies;
        // The run's CPU time, billed at the compare function's memory (plan and summarize have less).
        row.compareLambdaGbS = row.compareCpu * memory.compare;
        const st = await tableStorage(m.raw, stage.tableName);
        row.items = st.items;
        row.billedBytes = st.billedBytes;
        row.byKind = [...st.byKind].map(([k, v]) => `${k} ${fmt(v.items)} × ${fmt(v.itemBytes / v.items)} B`).join(', ');
      }
      days.push(row);
      const live = 2 * drops.rows;
      say(`  | ${d} | ${fmt(rows)} | ${fmt(row.ingest.wcu / rows, 3)} | ${fmt(row.ingest.rcu / rows, 3)} | ${fmt(ingestSeconds, 1)} (${fmt(ingestCpu, 1)}) | ` +
        (row.compare ? `${fmt(row.compare.rcu / live, 3)} | ${fmt(row.compareSeconds!, 1)} (${fmt(row.compareCpu!, 1)}) | ${fmt(row.discrepancies!)} | ${fmt(row.items!)} | ${fmt(row.items! / live, 2)} | ${fmt(row.billedBytes! / live)} |` : '| | | | | |'));
    }
    const live = 2 * drops.rows;
    const first = days[0];
    const compared = days.filter((r) => r.compare);
    const last = compared[compared.length - 1];
    say(`\n  day 1 ingest: ${describeUsage(first.ingest, fmt)}`);
    say(`  day ${days[days.length - 1].day} ingest: ${describeUsage(days[days.length - 1].ingest, fmt)}`);
    say(`  day 1 run: ${describeUsage(first.compare!, fmt)}`);
    say(`  day ${last.day} run: ${describeUsage(last.compare!, fmt)}`);
    say(`  table on day ${last.day}: ${last.byKind}`);
    const computed = Object.values(m.dynamo.snapshot().byOp).reduce((t, o) => t + o.computed, 0);
    const returned = Object.values(m.dynamo.snapshot().byOp).reduce((t, o) => t + o.returned, 0);
    say(`  capacity: ${fmt(returned)} answers carried DynamoDB's ConsumedCapacity, ${fmt(computed)} were billed by the meter's own rule (refused conditions, answers without it)`);

    // 3. Per-row figures → cost.
    const steady = days.slice(1);
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const slope = (y: (r: DayRow) => number) => (compared.length > 1 ? (y(last) - y(first)) / (last.day - first.day) : 0);
    const atRetention = (y: (r: DayRow) => number) => Math.max(0, y(last) + slope(y) * (RETENTION_DAYS - last.day));
    const bytesOf = (x: ReturnType<S3Meter['since']>) => Object.entries(x.bytes).reduce((t, [prefix, n]) => t + n * (S3_RETENTION[prefix] ?? RETENTION_DAYS), 0);
    const measured: Measured = {
      label: 'measured',
      ingestWcuPerRow: avg(steady.map((r) => r.ingest.wcu / r.rows)),
      ingestRcuPerRow: avg(steady.map((r) => r.ingest.rcu / r.rows)),
      ingestSecondsPerRow: avg(steady.map((r) => r.ingestCpu / r.rows)),
      ingestInvocationsPerFile: 1,
      compareRcuPerRowFirst: first.compare!.rcu / live,
      compareRcuPerRowLast: last.compare!.rcu / live,
      compareRcuPerRowSteady: atRetention((r) => r.compare!.rcu / live),
      compareWcuPerRun: avg(compared.map((r) => r.compare!.wcu)),
      // CPU follows what a run reads: its CPU per read unit (all runs measured), times the steady state's read units.
      compareGbSecondsPerRow: (compared.reduce((t, r) => t + r.compareLambdaGbS!, 0) / compared.reduce((t, r) => t + r.compare!.rcu, 0)) * atRetention((r) => r.compare!.rcu / live),
      compareInvocationsPerRun: 2 + SHARDS,
      billedBytesPerLiveKeySteady: atRetention((r) => r.billedBytes! / live),
      transitionsPerRun: transitions,
      s3PutsPerDay: avg(days.map((r) => r.s3Ingest.put)) + avg(compared.map((r) => r.s3Compare!.put)) * RUNS_PER_DAY,
      s3GetsPerDay: avg(days.map((r) => r.s3Ingest.get)) + avg(compared.map((r) => r.s3Compare!.get)) * RUNS_PER_DAY,
      // What S3 keeps at steady state: a day's bytes put × the prefix's retention (inbound, rejected, runs 35 days; reports 400).
      s3StoredBytesPerLiveRow: (avg(days.map((r) => bytesOf(r.s3Ingest))) + avg(compared.map((r) => bytesOf(r.s3Compare!))) * RUNS_PER_DAY) / live,
      ingestMemoryGb: memory.ingest,
    };
    say(`  S3 a day: ingest ${JSON.stringify(days[days.length - 1].s3Ingest.byOp)}, a run ${JSON.stringify(last.s3Compare!.byOp)}; bytes put a day ${JSON.stringify(days[days.length - 1].s3Ingest.bytes)}, a run ${JSON.stringify(last.s3Compare!.bytes)}`);
    say(`  Step Functions: ${transitions} state transitions a run (${SHARDS} shards); Lambda memory (cdk/): ${JSON.stringify(memory)} GB`);
    say(`\n  per-row figures: ingest ${fmt(measured.ingestWcuPerRow, 3)} WCU + ${fmt(measured.ingestRcuPerRow, 3)} RCU a row (days 2–${DAYS}, mean); ` +
      `compare ${fmt(measured.compareRcuPerRowFirst, 3)} RCU a live row on day 1, ${fmt(measured.compareRcuPerRowLast, 3)} on day ${last.day}, ${fmt(measured.compareRcuPerRowSteady, 3)} at day ${RETENTION_DAYS} (extrapolated); ` +
      `storage ${fmt(first.billedBytes! / live)} B a live key on day 1, ${fmt(last.billedBytes! / live)} on day ${last.day}, ${fmt(measured.billedBytesPerLiveKeySteady)} at day ${RETENTION_DAYS}; ` +
      `compare time ${fmt(first.compareSeconds!, 1)} s on day 1, ${fmt(last.compareSeconds!, 1)} s on day ${last.day} (×${fmt(last.compareSeconds! / first.compareSeconds!, 2)})`);

    const share = (measured.ingestWcuPerRow * PRICES.dynamoWriteUnit + measured.ingestRcuPerRow * PRICES.dynamoReadUnit) / PRICES.dynamoWriteUnit;
    say(`  checks: a daily drop (${fmt(CHANGE * 100, 1)}% of counts moved) costs ${fmt(share * 100, 1)}% of writing every row (issue 10 target ≤ 20%); ` +
      `storage per live key day ${last.day} / day 1 = ×${fmt(last.billedBytes! / first.billedBytes!, 2)}, compare read units ×${fmt(last.compare!.rcu / first.compare!.rcu, 2)}, compare time ×${fmt(last.compareSeconds! / first.compareSeconds!, 2)} (flat = ×1)`);
    say(`\n  Cost per 1M rows per run (AWS on-demand prices, ${PRICES.region}, read ${PRICES.date}; bench/cost.ts cites the pages):\n`);
    say(table(perMillionRows(measured), 'per 1M rows'));
    const scenario = { rowsPerSide: COST_ROWS, dropsPerMonth: 30, runsPerDay: RUNS_PER_DAY, pitr: true };
    const month = perMonth(measured, scenario);
    say(`\n  Per month, one inventory boundary of ${fmt(COST_ROWS)} rows per side (${fmt(2 * COST_ROWS)} live keys), a drop of both sides a day, ${RUNS_PER_DAY} run(s) a day, ${SHARDS} shards, PITR on, storage at steady state (${RETENTION_DAYS}-day retention):\n`);
    say(table(month, 'per month'));
    const gb = (measured.billedBytesPerLiveKeySteady * 2 * COST_ROWS) / GB;
    say(`\n  → ${fmt(gb, 1)} GB stored in DynamoDB at steady state; ${fmt(total(month))} $/month (the issue reproduced ~485 GB and ~$1,000/month for today's model).`);
    say(`\n  bench wall time ${fmt((performance.now() - t00) / 1000)} s; peak RSS ${fmt(process.resourceUsage().maxRSS / 1024)} MB`);
    if (SAMPLES) await sampleFeeds(standIns, m);
  } finally {
    await standIns.stop();
  }
}

await main();
