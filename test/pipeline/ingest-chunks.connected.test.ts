/**
 * Files of any size (lib/pipeline/chunk.ts): the real ingest handler, on dynalite + s3rver,
 * reads a 20k-row file in small chunks — each invocation checkpoints and hands the file to a
 * continuation — and an invocation killed mid-chunk is resumed. Whatever the path, the user
 * must see exactly what one uninterrupted pass gives: the manifest's counts and checksum,
 * the stored records, the rejected rows (the same S3 parts under the same numbers).
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { S3Event } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../lib/config.ts';
import { DEFAULT_LIMITS } from '../../lib/limits.ts';
import { ContinuationQueue, findStuckFiles, type ChunkSettings, type IngestContinuation, type ResumeResult } from '../../lib/pipeline/chunk.ts';
import type { PipelineDeps } from '../../lib/pipeline/deps.ts';
import type { IngestOutcome } from '../../lib/pipeline/ingest.ts';
import { getLines } from '../../lib/pipeline/objects.ts';
import { checkpointFile, claimFile } from '../../lib/store/index.ts';
import type { KeyedRecord } from '../../lib/store/types.ts';
import { dieAfterWrites } from '../support/dynamo-faults.ts';
import { feedPath, startStandIns, type Stage, type StandIns } from './harness.ts';

const ROWS = 10_000;
/** The files the kill tests resume (smaller: dynalite writes a few thousand items a second at best). */
const KILL_ROWS = 5_000;
const LONG = 600_000;

/** oms-orders: every 13th row has a total that is not money (rejected), every 17th a created_at that is not a time (a warning). */
function orderRows(n: number): Array<Record<string, string>> {
  return Array.from({ length: n }, (_, i) => ({
    channel: 'web',
    channel_order_id: `W${String(i).padStart(7, '0')}`,
    oms_order_id: `OMS-${i}`,
    created_at: i % 17 === 5 ? 'yesterday' : '2026-11-25T10:00:05Z',
    total: i % 13 === 3 ? 'n/a' : `${(i % 997) + 1}.${String(i % 100).padStart(2, '0')}`,
    currency: 'USD',
    status: 'captured',
  }));
}
type Format = 'csv' | 'gzip' | 'json';
/** The same rows as CSV, gzip-compressed CSV or a JSON array. */
function fileOf(format: Format, n: number): { key: string; body: Buffer } {
  const rows = orderRows(n);
  const csv = [Object.keys(rows[0]).join(','), ...rows.map((r) => Object.values(r).join(','))].join('\n') + '\n';
  if (format === 'csv') return { key: `inbound/oms-orders/orders-${n}.csv`, body: Buffer.from(csv) };
  if (format === 'gzip') return { key: `inbound/oms-orders/orders-${n}.csv.gz`, body: gzipSync(csv) };
  return { key: `inbound/oms-orders/orders-${n}.json`, body: Buffer.from(JSON.stringify(rows)) };
}

/** Small list parts, so the rejected rows span many parts and a resume must number them alike. */
const SMALL_PARTS: Partial<ChunkSettings> = { listPartBytes: 4096 };
/** The first part holds at least limits.keptRejected rows: 100 here, so that later parts start early. */
const CONFIG = { ...DEFAULT_CONFIG, limits: { ...DEFAULT_LIMITS, keptRejected: 100 } };

let standIns: StandIns;
beforeAll(async () => {
  standIns = await startStandIns();
}, LONG);
afterAll(async () => {
  await standIns?.stop();
});

/** What a user checks after an ingest, with bucket names left out. */
async function outcome(stage: Stage, event: S3Event) {
  const m = (await stage.manifest(event, 'intake'))!;
  const facts = m.facts as { rejectedParts?: string[]; facts: unknown; warningTotal?: number };
  const parts = facts.rejectedParts ?? (m.rejectedKey ? [m.rejectedKey] : []);
  const rejected: string[] = [];
  for (const part of parts) for (const r of await getLines<{ line: number; reason: string }>(stage.s3.client, stage.bucket, part)) rejected.push(`${r.line} ${r.reason}`);
  return {
    manifest: { status: m.status, rowsRead: m.rowsRead, rowsStored: m.rowsStored, rowsRejected: m.rowsRejected, rowsSkipped: m.rowsSkipped, checksum: m.checksum, warningCount: m.warningCount, warnings: m.warnings },
    facts: JSON.stringify(facts.facts).split(stage.bucket).join('<bucket>'),
    parts,
    rejected,
    // Records carry the file's id (which holds the stage's bucket): named by the key here.
    records: stored(await stage.records('intake'), new Map(m.fileId ? [[m.fileId, m.key]] : [])),
  };
}

/** Stored records: group, side, identity, fields, source line (the bucket left out). */
function stored(records: KeyedRecord[], names: Map<string, string> = new Map()): string[] {
  return records.map((r) => `${r.group.join('/')} ${r.side} ${r.identity.join('/')} ${JSON.stringify(r.fields)} ${feedPath(names.get(r.file) ?? r.file)}:${r.line}`).sort();
}

/** A stage whose ingest continues through a queue, as Lambda's asynchronous self-invoke would; `logs` collects its log lines. */
async function chunkedStage(chunk: Partial<ChunkSettings>) {
  const stage = await standIns.stage({ config: CONFIG });
  stage.settings.chunk = { ...SMALL_PARTS, ...chunk };
  const queue = new ContinuationQueue();
  /** Every continuation event asked for, as sent. */
  const sent: IngestContinuation[] = [];
  const continueIngest = async (e: IngestContinuation) => {
    sent.push(structuredClone(e));
    await queue.continueIngest(e);
  };
  const logs: Array<Record<string, unknown>> = [];
  const deps = (over: Partial<PipelineDeps> = {}) =>
    stage.deps({ continueIngest, log: (e) => logs.push(e), sleep: async (ms) => void stage.clock.advance(ms), ...over });
  /** Delivers `event` (an S3 event or a continuation) and runs every continuation it asks for. */
  const run = async (event: S3Event | IngestContinuation, d = deps()): Promise<IngestOutcome[]> => {
    const out = await stage.ingest(event as S3Event, d);
    for (const o of await queue.drain((next) => stage.ingest(next as unknown as S3Event, d))) out.push(o);
    return out;
  };
  return { stage, queue, sent, logs, deps, run };
}

/** One uninterrupted pass: no way to continue, one invocation reads it all. */
async function baselineOf(file: { key: string; body: Buffer }) {
  const stage = await standIns.stage({ config: CONFIG });
  stage.settings.chunk = SMALL_PARTS;
  const { event } = await stage.put(file.key, file.body);
  const [o] = await stage.ingest(event);
  expect(o.status).toBe('ingested');
  return outcome(stage, event);
}

describe('a file read in chunks', () => {
  it('gives the same counts, checksum, records and rejected rows in ten 1,000-row chunks as in one pass', async () => {
    // Prepare
    const file = fileOf('csv', ROWS);
    const expected = await baselineOf(file);
    const { stage, queue, run } = await chunkedStage({ chunkRows: 1_000 });
    const { event } = await stage.put(file.key, file.body);
    // Act
    const outcomes = await run(event);
    // Assess: 20 invocations, the last one completes the file
    expect(queue.asked).toBe(ROWS / 1_000);
    expect(outcomes.map((o) => o.status)).toEqual([...Array(ROWS / 1_000).fill('continued'), 'ingested']);
    const actual = await outcome(stage, event);
    expect(actual).toEqual(expected);
    expect(actual.manifest).toMatchObject({ status: 'done', rowsRead: ROWS, rowsRejected: Math.ceil((ROWS - 3) / 13), checksum: createHash('sha256').update(file.body).digest('hex') });
    expect(actual.manifest.rowsStored! + actual.manifest.rowsRejected!).toBe(ROWS);
    expect(actual.parts.length).toBeGreaterThan(3);
    expect(actual.records).toHaveLength(actual.manifest.rowsStored!);
    const m = (await stage.manifest(event, 'intake'))!;
    expect(m.checkpoint).toMatchObject({ invocations: ROWS / 1_000 });
    // The write counts are the whole file's, summed over its invocations (not the last chunk's).
    const writes = (m.facts as { writes: Record<string, number> }).writes;
    expect(writes.written + writes.older + writes.unchanged).toBe(actual.manifest.rowsStored);
    expect(writes.written).toBe(actual.records.length);
  }, LONG);
});

describe('an invocation killed mid-chunk', () => {
  /** Ingests in 1,000-row chunks with a DynamoDB client that dies after `writes` record writes (PutItem, one a record); returns what the kill left. */
  async function killMidFile(format: Format, writes: number) {
    const file = fileOf(format, KILL_ROWS);
    const expected = await baselineOf(file);
    const c = await chunkedStage({ chunkRows: 1_000, checkpointSeconds: 3_600, leaseSeconds: 300 });
    const { event } = await c.stage.put(file.key, file.body);
    const dying = standIns.db.newClient();
    const death = dieAfterWrites(dying, writes);
    await expect(c.run(event, c.deps({ dynamo: dying }))).rejects.toThrow(/killed/);
    expect(death.dead).toBe(true);
    const left = (await c.stage.manifest(event, 'intake'))!;
    // The kill came after a checkpoint and before the next one: the file is claimed, half done.
    expect(left.status).toBe('processing');
    expect(left.checkpoint!.records).toBeGreaterThan(0);
    expect(left.checkpoint!.read).toBeLessThan(KILL_ROWS);
    expect(left.checkpoint!.read).toBe(left.checkpoint!.used + left.checkpoint!.rejected + left.checkpoint!.skipped);
    c.logs.length = 0;
    return { ...c, event, left, file, expected };
  }

  /** The resumed ingest started from the checkpoint, and ended where one pass does. */
  async function expectResumed(c: Awaited<ReturnType<typeof killMidFile>>, outcomes: IngestOutcome[]) {
    expect(outcomes.at(-1)?.status).toBe('ingested');
    expect(c.logs.find((l) => l.message === 'resuming')).toMatchObject({ from: { records: c.left.checkpoint!.records } });
    const actual = await outcome(c.stage, c.event);
    expect(actual).toEqual(c.expected);
    expect(actual.manifest.checksum).toBe(createHash('sha256').update(c.file.body).digest('hex'));
    expect(actual.manifest.rowsRead).toBe(KILL_ROWS);
    expect(actual.manifest.rowsStored! + actual.manifest.rowsRejected! + (actual.manifest.rowsSkipped ?? 0)).toBe(KILL_ROWS);
  }

  it('CSV: the retried S3 event waits for the dead claim\'s lease, takes the file over and finishes it from the checkpoint', async () => {
    // Prepare: killed in the second chunk
    const c = await killMidFile('csv', 1_250);
    // Act: Lambda's retry of the S3 event
    const outcomes = await c.run(c.event);
    // Assess
    expect(c.logs.some((l) => l.message === 'waiting for a lease')).toBe(true);
    await expectResumed(c, outcomes);
  }, LONG);

  it('gzip: findStuckFiles names the file once its lease ran out, and the schedule\'s sweep resumes it from the checkpoint', async () => {
    // Prepare: killed in the third chunk, then the lease runs out
    const c = await killMidFile('gzip', 2_250);
    const live = await findStuckFiles(c.deps());
    c.stage.clock.advance(300_000 + 1);
    // Act: the ResumeStuckIngests schedule's event, to the real handler (resumeStuckFile for each stuck file)
    const stuck = await findStuckFiles(c.deps());
    const swept = (await c.stage.ingest({ resumeStuckIngests: {} } as never, c.deps())) as unknown as ResumeResult[];
    const outcomes = await c.queue.drain((next) => c.stage.ingest(next as unknown as S3Event, c.deps()));
    // Assess
    expect(live).toEqual([]);
    expect(stuck.map((m) => m.key)).toEqual([c.file.key]);
    expect(swept).toEqual([{ resumed: true, file: `s3://${c.stage.bucket}/${c.file.key}` }]);
    await expectResumed(c, outcomes);
    expect(await findStuckFiles(c.deps())).toEqual([]);
  }, LONG);

  it('JSON: Lambda\'s retry of the killed continuation takes the file over and finishes it from the checkpoint', async () => {
    // Prepare: killed in the second chunk, an invocation started by a continuation event
    const c = await killMidFile('json', 1_250);
    expect(c.sent).toHaveLength(1);
    // Act: the same continuation event again (Lambda retries an asynchronous invocation that failed)
    const outcomes = await c.run(c.sent[0]);
    // Assess
    await expectResumed(c, outcomes);
  }, LONG);
});

describe('a claim held by a live invocation', () => {
  it('is neither skipped nor taken over: the delivery reports it in progress, and a dead one is found by findStuckFiles', async () => {
    // Prepare: an invocation holds the file and keeps renewing its lease
    const c = await chunkedStage({ leaseSeconds: 180 });
    const file = fileOf('csv', 100);
    const { event } = await c.stage.put(file.key, file.body);
    const ref = { boundary: 'intake' as const, bucket: c.stage.bucket, key: file.key, objectVersion: event.Records[0].s3.object.eTag! };
    const holder = await claimFile(c.stage.db.client, c.stage.tableName, { file: ref, feed: 'oms-orders', leaseMs: 180_000, now: c.stage.clock.now });
    expect(holder.claimed).toBe(true);
    const heartbeat = async (ms: number) => {
      c.stage.clock.advance(ms);
      await checkpointFile(c.stage.db.client, c.stage.tableName, ref, holder.claimed ? holder.token : '', { leaseMs: 180_000, now: c.stage.clock.now });
    };
    // Act
    const [live] = await c.run(event, c.deps({ sleep: heartbeat }));
    c.stage.clock.advance(181_000);
    const stuck = await findStuckFiles(c.deps(), 'intake');
    // Assess
    expect(live.status).toBe('in-progress');
    expect(c.logs.some((l) => l.message === 'waiting for a lease')).toBe(true);
    expect(stuck.map((m) => m.key)).toEqual([file.key]);
  }, LONG);
});
