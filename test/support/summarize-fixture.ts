/**
 * A run of any number of inventory discrepancies, laid out in S3 and DynamoDB as plan and
 * compare leave it (scope, shard results with their sorted NDJSON parts, the previous run's
 * item and identities), for the summarize step alone: the streamed-report test and
 * `npm run bench:summarize`. Discrepancy i is a function of i, so the layout is written
 * shard by shard without holding the whole list, and the in-memory oracle can rebuild it.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { BOUNDARY } from '../../lib/boundaries/index.ts';
import { DEFAULT_CONFIG } from '../../lib/config.ts';
import { buildReport } from '../../lib/engine/reconcile.ts';
import { buildNotification } from '../../lib/notify/sns.ts';
import type { ShardResult } from '../../lib/pipeline/compare.ts';
import type { CompareOutput, SummarizeInput } from '../../lib/pipeline/contracts.ts';
import type { PipelineDeps } from '../../lib/pipeline/deps.ts';
import { putJson, runKeys, S3Lines } from '../../lib/pipeline/objects.ts';
import type { RunScope } from '../../lib/pipeline/plan.ts';
import { renderHtml } from '../../lib/report/html.ts';
import { compareWithPrevious, TYPE_ORDER, type PreviousDiscrepancy } from '../../lib/report/merge.ts';
import type { Discrepancy, FileStats, Report } from '../../lib/report/model.ts';
import { renderDiscrepanciesCsv, renderJson, renderMarkdown } from '../../lib/report/write.ts';
import { expiresAt, putRun } from '../../lib/store/index.ts';

const TYPES = TYPE_ORDER.inventory; // quantity_mismatch, missing_in_oms, missing_in_warehouse
const OMS_FILE = 's3://bucket/inbound/oms-inventory/stock 2026-11-26.csv';
const WMS_FILE = 's3://bucket/inbound/warehouse-inventory/DAL1/counts.csv';

export interface FixtureOptions {
  /** Discrepancies of the run. */
  count: number;
  shards: number;
  runId?: string;
  /** When the run started and when summarize runs. */
  startedAt?: string;
  now?: string;
}

/** Discrepancy i (type i mod 3; SKU ascending with i, so each type's run of i is in report order). */
export function discrepancy(i: number): Discrepancy {
  const type = TYPES[i % 3];
  const key = { sku: `SKU-${String(i).padStart(8, '0')}`, facility_id: `DAL${(i % 7) + 1}` };
  const oms = type === 'missing_in_oms' ? null : { quantity: 10 + (i % 50), as_of: '2026-11-26T05:00:00.000Z' };
  const warehouse = type === 'missing_in_warehouse' ? null : { quantity: 12 + (i % 40), as_of: '2026-11-26T04:30:00.000Z', location: i % 11 === 0 ? 'A-<script>"&' : `A-${i % 97}` };
  const delta = (oms?.quantity ?? 0) - (warehouse?.quantity ?? 0);
  const sources = [
    ...(oms ? [{ side: 'oms' as const, file: OMS_FILE, line: i + 2 }] : []),
    ...(warehouse ? [{ side: 'warehouse' as const, file: WMS_FILE, line: (i % 90_000) + 2 }] : []),
  ];
  const d: Discrepancy = { type, key, oms, warehouse, delta, impact: { units: Math.abs(delta), ...(i % 5 === 0 ? { money: { amount: `${(i % 1000) + 0.25}`, currency: i % 10 === 0 ? 'EUR' : 'USD' } } : {}) }, sources };
  if (type === 'quantity_mismatch') d.offsetting = i % 4 === 0;
  return d;
}

/** The previous run: three of four of this run's identities (i mod 4 ≠ 0), and a tenth more that this run no longer has. */
function* previousIndexes(count: number): Generator<number> {
  const extra = Math.floor(count / 10);
  for (let t = 0; t < 3; t++) {
    for (let i = t; i < count + extra; i += 3) if (i >= count || i % 4 !== 0) yield i;
  }
}

function firstSeen(i: number): string {
  return `2026-11-${String(1 + (i % 20)).padStart(2, '0')}T06:00:00.000Z`;
}

export interface Fixture {
  input: SummarizeInput;
  files: FileStats[];
  startedAt: string;
  now: string;
}

/** Puts the run's scope, shard results and sorted parts, and the previous run (item + identities). */
export async function layOutRun(deps: Pick<PipelineDeps, 's3' | 'dynamo'>, bucket: string, table: string, opts: FixtureOptions): Promise<Fixture> {
  const runId = opts.runId ?? 'inventory-bench-1';
  const startedAt = opts.startedAt ?? '2026-11-26T06:00:00.000Z';
  const now = opts.now ?? '2026-11-26T06:05:00.000Z';
  const files: FileStats[] = [
    { file: OMS_FILE, feed: 'oms-inventory', side: 'oms', format: 'csv', read: opts.count, used: opts.count, rejected: 0 },
    { file: WMS_FILE, feed: 'warehouse-inventory', side: 'warehouse', format: 'csv', read: opts.count, used: opts.count, rejected: 0 },
  ];
  const scope: RunScope = { boundary: 'inventory', runId, startedAt, scope: { files: {} } as RunScope['scope'], warnings: [], files, rejectedKeys: [] };
  const scopeKey = runKeys.scope('inventory', runId);
  await putJson(deps.s3, bucket, scopeKey, scope);
  const results: CompareOutput[] = [];
  for (let shard = 0; shard < opts.shards; shard++) {
    const parts = new S3Lines(deps.s3, bucket, runKeys.shardDiscrepancies('inventory', runId, shard), 0);
    let n = 0;
    for (let t = 0; t < 3; t++) {
      for (let i = t; i < opts.count; i += 3) {
        if (i % opts.shards !== shard) continue;
        parts.add(discrepancy(i));
        n++;
        await parts.drain();
      }
    }
    const result: ShardResult = {
      shard, left: n + 100, right: n + 90, keys: n + 120, matched: 120 - (shard % 3), outOfScope: 0, outOfScopeReasons: [],
      discrepancyParts: await parts.end(), discrepancyCount: n, warnings: [], warningTotal: 0,
    };
    const resultKey = runKeys.shard('inventory', runId, shard);
    await putJson(deps.s3, bucket, resultKey, result);
    results.push({ shard, resultKey, discrepancies: n, left: result.left, right: result.right, matched: result.matched });
  }
  const prevId = 'inventory-bench-0';
  const prevKey = runKeys.identities('inventory', prevId);
  const prev = new S3Lines(deps.s3, bucket, prevKey, 0);
  for (const i of previousIndexes(opts.count)) {
    const d = discrepancy(i);
    prev.add({ type: d.type, key: d.key, firstSeen: firstSeen(i) });
    await prev.drain();
  }
  await prev.end();
  const prevStart = '2026-11-25T06:00:00.000Z';
  await putRun(deps.dynamo, table, { boundary: 'inventory', runId: prevId, startedAt: prevStart, status: 'succeeded', discrepanciesKey: prevKey, ttl: expiresAt(prevStart, 35) });
  return { input: { boundary: 'inventory', runId, scopeKey, results }, files, startedAt, now };
}

/**
 * What summarize wrote before it streamed, for the same run: every discrepancy in memory,
 * sorted (buildReport), compared with the previous list (compareWithPrevious), rendered whole.
 */
export function inMemoryReport(f: Fixture, count: number, shards: number) {
  const all: Discrepancy[] = [];
  for (let shard = 0; shard < shards; shard++) for (let i = shard; i < count; i += shards) all.push(discrepancy(i));
  const tally = { left: 0, right: 0, keys: 0, matched: 0, outOfScope: 0, discrepancies: all };
  for (let shard = 0; shard < shards; shard++) {
    const n = f.input.results[shard].discrepancies;
    tally.left += n + 100; tally.right += n + 90; tally.keys += n + 120; tally.matched += 120 - (shard % 3);
  }
  const report: Report = buildReport({ boundary: BOUNDARY.inventory, generatedAt: f.now, tally, files: f.files, rejected: [], warnings: [], warningTotal: 0, runId: f.input.runId, full: { rejected: [], warnings: [] } });
  const previous: PreviousDiscrepancy[] = [];
  for (const i of previousIndexes(count)) { const d = discrepancy(i); previous.push({ type: d.type, key: d.key, firstSeen: firstSeen(i) }); }
  const cmp = compareWithPrevious(report.discrepancies, previous, f.now);
  report.discrepancies = cmp.discrepancies;
  report.resolved = cmp.resolved;
  return {
    report,
    files: { json: renderJson(report), csv: renderDiscrepanciesCsv(report), markdown: renderMarkdown(report), html: renderHtml(report) },
    identities: report.discrepancies.map((d) => JSON.stringify({ type: d.type, key: d.key, firstSeen: d.firstSeen }) + '\n').join(''),
    notification: (reportUrl: string, reportKey: string) => buildNotification(report, { reportUrl, reportKey }),
  };
}

export const FIXTURE_CONFIG = DEFAULT_CONFIG;
