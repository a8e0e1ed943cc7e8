/**
 * Ingestion of one S3 object: claim it (idempotency), stream it through the engine's reader
 * and decoder, write its records keyed into DynamoDB, put its rejected rows next to it,
 * record the manifest (rows read = stored + rejected), then record the drop and start a
 * comparison run through the run trigger (lib/pipeline/trigger.ts).
 * A file too large for one invocation is checkpointed and handed to the next (chunk.ts).
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { FileFacts } from '../boundaries/boundary.ts';
import { BOUNDARY } from '../boundaries/index.ts';
import { readFeedFile } from '../engine/read-feed.ts';
import { fromKeyed, toKeyed } from '../engine/keyed.ts';
import { duplicateWarning } from '../engine/resolve.ts';
import { feedMode, partitioner, SNAPSHOT_TIME_FIELD, snapshotTimeOf } from '../boundaries/snapshot.ts';
import { ConfirmSets } from './confirm.ts';
import { DEFAULT_SNAPSHOT_FENCE_MS, SnapshotPointers } from './pointers.ts';
import { isReconError } from '../errors.ts';
import { FEEDS, type BoundaryName } from '../feeds/catalog.ts';
import type { CanonRecord } from '../feeds/decode.ts';
import type { FileStats, Rejection, Warning } from '../report/model.ts';
import { checkpointFile, claimFile, completeFile, encodeRecordSk, failFile, fileIdOf, keyHash, listFiles, listVersions, RecordUpserter, recordPk, recordVersion, shardOf, SideWriter, versionUpload } from '../store/index.ts';
import type { StoredRef, UpsertCounts } from '../store/index.ts';
import { ChunkPause, ChunkProgress, chunkSettings, ClaimLost, sourceOf } from './chunk.ts';
import type { FileCheckpoint, FileRef, KeyedRecord } from '../store/types.ts';
import type { RunInput } from './contracts.ts';
import type { PipelineDeps } from './deps.ts';
import { decodeS3Key, feedOfKey, putJson, putText, rejectedKeyFor, S3Lines, warningsKeyFor } from './objects.ts';
import { DEFAULT_LIMITS } from '../limits.ts';
import { DEFAULT_BATCH_SIZE } from '../read/open.ts';
import { keptWarnings } from '../report/kept.ts';
import { failedFileMetrics, ingestMetrics, partnerDimension } from './metrics.ts';
import { startRun } from './trigger.ts';

export { startRun } from './trigger.ts';

/** The part of an S3 event record ingestion reads (real S3 shape). */
export interface S3ObjectEvent {
  eventTime: string;
  s3: { bucket: { name: string }; object: { key: string; versionId?: string; eTag?: string; sequencer?: string; size?: number } };
}

/** What a file's manifest keeps for the planner: the engine's facts, the row counts, where its lists are. */
export interface ManifestFacts {
  facts: FileFacts;
  stats: FileStats;
  /** Unused since the lists went to S3 (kept so older manifests still read): the first warnings. */
  warnings: Warning[];
  /** S3 key of the file's kept warnings (a JSON array, at most limits.keptWarnings), when it has any. */
  keptWarningsKey?: string;
  /** How many warnings the file gave in all. */
  warningTotal?: number;
  /** S3 keys of the full lists, part by part (the first part of rejected rows is the manifest's rejectedKey). */
  rejectedParts?: string[];
  warningParts?: string[];
  /** The file's short id, as its records carry it. */
  fileId?: string;
  /** What the write path did with the file's rows (docs/data-model.md). */
  writes?: UpsertCounts & { olderSnapshot: number };
  /** Snapshot files: the shards with a confirmation set (lib/pipeline/confirm.ts). */
  confirmed?: number[];
  /** A chunked snapshot file: how many parts its confirmation sets came in (absent: one). */
  confirmParts?: number;
}

export type IngestOutcome =
  | { status: 'ingested'; file: string; boundary: BoundaryName; read: number; stored: number; rejected: number }
  /** Handed to a continuation (chunk.ts) after reading `read` rows. */
  | { status: 'continued'; file: string; boundary: BoundaryName; read: number; reason: string }
  /** Another invocation holds a live claim on the file (if it dies, its lease runs out and the file is resumed). */
  | { status: 'in-progress'; file: string; reason: string }
  | { status: 'skipped'; file: string; reason: string }
  | { status: 'unrouted'; file: string; reason: string }
  | { status: 'ignored'; file: string; reason: string };

export interface IngestOptions {
  /** The handoff token of a continuation event (chunk.ts IngestContinuation). */
  handoff?: string;
  /** Milliseconds left in this invocation (Lambda: context.getRemainingTimeInMillis). Default: no limit. */
  remainingMs?: () => number;
}

const FLUSH_AT = 2_000;
/** A file's version in a record's sort key: with limits.keyBytes ≤ 512, the key stays under DynamoDB's 1,024 bytes (lib/limits.ts). */
const MAX_VERSION_BYTES = 200;

/** Snapshot files without a snapshot time are one drop when their S3 eventTime falls in one such window (docs/data-model.md). */
export const DROP_WINDOW_MS = 15 * 60_000;

export async function ingestObject(deps: PipelineDeps, event: S3ObjectEvent, opts: IngestOptions = {}): Promise<IngestOutcome> {
  const settings = deps.settings();
  const log = deps.log ?? (() => {});
  const bucket = event.s3.bucket.name;
  const key = decodeS3Key(event.s3.object.key);
  const name = `s3://${bucket}/${key}`;
  if (key.endsWith('/') && (event.s3.object.size ?? 0) === 0) {
    // A "folder" (the console's Create folder, some sync tools): an empty object named like a
    // prefix. It holds no feed: nothing to claim, read or fail.
    log({ level: 'INFO', message: 'ignored folder object', file: name });
    return { status: 'ignored', file: name, reason: 'a zero-byte folder object (its key ends in /)' };
  }
  const feedName = feedOfKey(key);
  if (!feedName) {
    // Not a feed we know: say so next to the outputs, never skip in silence.
    const reason = `no feed for key ${key}: expected inbound/<feed>/… with feed one of ${Object.keys(FEEDS).join(', ')}`;
    await putText(deps.s3, bucket, `rejected/_unrouted/${key.replace(/^inbound\//, '')}.txt`, reason + '\n');
    log({ level: 'WARN', message: 'unrouted object', file: name, reason });
    return { status: 'unrouted', file: name, reason };
  }
  const feed = FEEDS[feedName];
  const boundary = BOUNDARY[feed.boundary];
  const objectVersion = event.s3.object.versionId ?? event.s3.object.eTag ?? event.s3.object.sequencer ?? 'unversioned';
  const ref: FileRef = { boundary: boundary.name, bucket, key, objectVersion };
  let now = deps.now?.() ?? new Date();
  const ttlSeconds = settings.retentionDays * 86_400;
  const chunking = chunkSettings(settings.chunk);
  const leaseMs = chunking.leaseSeconds * 1000;
  const remainingMs = opts.remainingMs ?? (() => Infinity);

  // The manifest outlives the records it names by a day (a record's TTL is counted from its write).
  const claimInput = { file: ref, feed: feed.name, ttlSeconds: ttlSeconds + 86_400, leaseMs, source: sourceOf(event), handoff: opts.handoff };
  let claim = await claimFile(deps.dynamo, settings.tableName, { ...claimInput, now });
  if (!claim.claimed && claim.current.status === 'processing') {
    // A live claim: its holder is at work, or it died and its lease has not run out yet (this
    // is then Lambda's retry of the dead invocation). Wait for the lease when it ends soon
    // enough, and try again: a live holder has renewed it by then, a dead one has not.
    const wait = claim.current.leaseUntil - now.getTime() + 1000;
    if (wait > 0 && wait <= leaseMs + 1000 && wait < remainingMs() - chunking.marginSeconds * 1000) {
      log({ level: 'INFO', message: 'waiting for a lease', file: name, ms: wait });
      await (deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))))(wait);
      now = deps.now?.() ?? new Date();
      claim = await claimFile(deps.dynamo, settings.tableName, { ...claimInput, now });
    }
  }
  if (!claim.claimed) {
    const done = claim.current.status === 'done';
    if (claim.current.status === 'processing') {
      const reason = `another invocation is ingesting it (lease until ${new Date(claim.current.leaseUntil).toISOString()}); if it dies, its lease runs out and the file is resumed from its checkpoint`;
      log({ level: 'INFO', message: 'in progress elsewhere', file: name, reason });
      return { status: 'in-progress', file: name, reason };
    }
    const reason = done ? 'already ingested' : 'another delivery is ingesting it';
    log({ level: 'INFO', message: 'skipped', file: name, reason });
    // A redelivery after a failed StartExecution must still start the run (the trigger de-duplicates).
    if (done) await startRun(deps, boundary.name, 'ingest');
    return { status: 'skipped', file: name, reason };
  }
  const resumeFrom = claim.manifest.checkpoint;
  // Without a way to continue, one invocation reads the whole file (it still checkpoints).
  const progress = new ChunkProgress(deps.continueIngest ? chunking : { ...chunking, chunkRows: 0, marginSeconds: 0 }, resumeFrom, remainingMs);
  if (resumeFrom) log({ level: 'INFO', message: 'resuming', file: name, from: resumeFrom });

  // The file's place in time: upload time, then key and object version (sortable text, no
  // control characters: inventory records carry it in their identity).
  const eventTime = new Date(event.eventTime).toISOString();
  // At most MAX_VERSION_BYTES (a long key is hashed): it is part of every record's sort key (twice for inventory).
  const longVersion = `${eventTime} ${bucket}/${key} ${objectVersion}`;
  const version = Buffer.byteLength(longVersion) <= MAX_VERSION_BYTES ? longVersion : `${eventTime} #${createHash('sha256').update(longVersion).digest('hex')}`;
  // Every pass over the file judges timestamps against the same time (the first one's), so it
  // rejects the same rows and its records are numbered the same as the checkpoint counted them.
  const readAt = resumeFrom?.readAt ? new Date(resumeFrom.readAt) : now;
  const limits = settings.config.limits ?? DEFAULT_LIMITS;
  // Rejected rows and warnings: every one put to S3 as it comes, the first N kept (kept.ts).
  const partBytes = chunking.listPartBytes;
  const rejectedLines = new S3Lines(deps.s3, bucket, rejectedKeyFor(key), limits.keptRejected, (resumeFrom?.rejectedParts ?? 0) + 1, partBytes);
  const warningLines = new S3Lines(deps.s3, bucket, warningsKeyFor(key), limits.keptWarnings, (resumeFrom?.warningParts ?? 0) + 1, partBytes);
  const warnings = keptWarnings(limits.keptWarnings, (w) => warningLines.add(w));
  // The write path (docs/data-model.md): one item per record identity, read first, written
  // only when new or changed; snapshot files also confirm every key they hold (confirm.ts).
  const fileId = fileIdOf(ref);
  const sequencer = event.s3.object.sequencer;
  const snapshot = feedMode(feed.name, settings.config) === 'snapshot';
  const windowMs = DROP_WINDOW_MS;
  const dropOf = (iso: string) => new Date(Math.floor(new Date(iso).getTime() / windowMs) * windowMs).toISOString();
  const drop = dropOf(eventTime);
  const timeField = SNAPSHOT_TIME_FIELD[feed.name];
  const confirm = snapshot ? new ConfirmSets() : undefined;
  // A chunked file's confirmation sets come in parts, one per checkpoint (confirm.ts): a part
  // written after the last checkpoint is written again, whole, by the invocation that resumes.
  let confirmParts = resumeFrom?.confirmParts ?? 0;
  const confirmedShards = new Set<number>(resumeFrom?.confirmed ?? []);
  const putConfirmPart = async () => {
    if (!confirm || confirm.size === 0) return;
    for (const shard of await confirm.put(deps.s3, bucket, boundary.name, fileId, confirmParts)) confirmedShards.add(shard);
    confirm.clear();
    confirmParts++;
  };
  /** What a snapshot row covers: its facility (inventory), else its file's partner (snapshot.ts partitioner). */
  const partition = partitioner(boundary, settings.config);
  // The snapshot pointers: older rows are not written, a newer snapshot waits out an older one's writes (pointers.ts).
  const pointers = snapshot ? new SnapshotPointers(deps.dynamo, settings.tableName, boundary.name, { fenceMs: settings.snapshotFenceMs ?? DEFAULT_SNAPSHOT_FENCE_MS, ttl: Math.floor(now.getTime() / 1000) + ttlSeconds, log }) : undefined;
  let names: Map<string, string> | undefined;
  const nameOf = async (id: string): Promise<string> => {
    if (id === fileId) return name;
    if (!names) {
      names = new Map();
      for await (const f of listFiles(deps.dynamo, settings.tableName, boundary.name)) if (f.fileId) names.set(f.fileId, `s3://${f.bucket}/${f.key}`);
    }
    return names.get(id) ?? `file ${id}`;
  };
  const duplicates: Array<{ record: KeyedRecord; stored: StoredRef; kept: 'new' | 'stored' }> = [];
  // Earlier versions of this same object (a corrected re-upload): their rows are replaced, a
  // row with unchanged content too — a run counts only the current version's rows.
  const earlier = new Set<string>();
  for await (const m of listVersions(deps.dynamo, settings.tableName, ref)) if (m.fileId !== undefined && m.fileId !== fileId) earlier.add(m.fileId);
  // This invocation as a writer of the file's side: alone, it writes new rows in batches (writers.ts).
  const writer = new SideWriter(deps.dynamo, settings.tableName, { boundary: boundary.name, side: feed.side, id: `${fileId}.${randomUUID().slice(0, 8)}`, timing: settings.writers });
  const upserter = new RecordUpserter(deps.dynamo, settings.tableName, {
    writer,
    shards: settings.shards,
    ttlSeconds,
    now,
    ignoreField: timeField === undefined ? undefined : () => timeField,
    replaces: earlier.size === 0 ? undefined : (stored) => earlier.has(stored.fileId),
    // Another file's row of one identity is a duplicate when it is of the same drop (and, for a snapshot, of the same snapshot time), as in the CLI.
    sameDrop: (r, stored) => dropOf(versionUpload(stored.version).split(' ')[0]) === drop && (!snapshot || stored.version.split(' ')[0] === r.version.split(' ')[0]),
    mayWrite: pointers?.mayWrite,
    onDuplicate: (d) => {
      if (duplicates.length < 10_000) duplicates.push(d);
    },
  });
  let buffer: CanonRecord[] = [];
  const warn = (w: Warning) => warnings.add(w);
  const sayDuplicates = async () => {
    for (const d of duplicates.splice(0)) {
      const here = fromKeyed(d.record);
      const other: CanonRecord = { ...here, file: await nameOf(d.stored.fileId), line: d.stored.line };
      warn(d.kept === 'new' ? duplicateWarning(boundary, other, here) : duplicateWarning(boundary, here, other));
    }
  };
  const flush = async () => {
    if (buffer.length === 0) return;
    const batch = buffer;
    buffer = [];
    for (const r of batch) {
      let version: string;
      const part = pointers ? partition(r) : '';
      if (pointers) {
        // A row of an older snapshot than the store has seen for its facility: not written, not confirmed.
        const t = snapshotTimeOf(r, drop);
        const take = pointers.accept(r.side, part, t);
        if (!(take === true || (take !== false && (await take)))) continue;
        version = recordVersion({ snapshot: t, eventTime, sequencer, line: r.line });
      } else version = recordVersion({ eventTime, sequencer, line: r.line });
      const k = toKeyed(boundary, r, { version, fileId });
      pointers?.track(k, r.side, part);
      if (confirm) {
        const pk = recordPk(boundary.name, shardOf(k.group, settings.shards));
        confirm.add(shardOf(k.group, settings.shards), keyHash(pk, encodeRecordSk(k)), r.line);
      }
      await upserter.add(k);
    }
    await sayDuplicates();
  };
  /** The write counts of the whole file so far: the earlier invocations' (from the checkpoint) and this one's. */
  const writesSoFar = (): UpsertCounts & { olderSnapshot: number } => {
    const sum: Record<string, number> = { ...upserter.counts, olderSnapshot: pointers?.olderSnapshot ?? 0 };
    for (const [k, n] of Object.entries(resumeFrom?.writes ?? {})) if (Object.hasOwn(sum, k)) sum[k] += n;
    return sum as unknown as UpsertCounts & { olderSnapshot: number };
  };
  /** Flush, then record the checkpoint (and renew the lease): only what is durable is counted. */
  const checkpoint = async (stats: Readonly<FileStats>, handoff?: string) => {
    await flush();
    // Every record counted is in the table (the upserter drained), and the keys this chunk
    // confirms are in S3 as their own part, before the checkpoint says so.
    await upserter.end();
    await sayDuplicates();
    await putConfirmPart();
    await rejectedLines.drain();
    await warningLines.drain();
    const at: FileCheckpoint = { ...progress.checkpoint(stats, rejectedLines.parts, warningLines.parts), readAt: readAt.toISOString(), writes: { ...writesSoFar() } };
    if (confirm) {
      at.confirmParts = confirmParts;
      at.confirmed = [...confirmedShards].sort((a, b) => a - b);
    }
    const held = await checkpointFile(deps.dynamo, settings.tableName, ref, claim.token, { checkpoint: at, leaseMs, handoff, now: deps.now?.() ?? new Date() });
    if (!held) throw new ClaimLost();
    log({ level: 'INFO', message: handoff ? 'handing over' : 'checkpoint', file: name, records: at.records, read: at.read, written: upserter.counts.written, invocation: at.invocations });
  };

  let result: Awaited<ReturnType<typeof readFeedFile>>;
  let body: Readable | undefined;
  try {
    const out = await deps.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(event.s3.object.versionId ? { VersionId: event.s3.object.versionId } : {}) }));
    body = out.Body as Readable;
    const stream = body;
    result = await readFeedFile({
      source: { name, open: () => stream },
      path: key,
      feed,
      boundary,
      version,
      config: settings.config,
      now: readAt,
      checksum: true,
      // A chunk ends at a batch's end: a chunk smaller than the reader's batch makes the batches that small.
      ...(chunking.chunkRows > 0 && chunking.chunkRows < DEFAULT_BATCH_SIZE ? { batchSize: chunking.chunkRows } : {}),
      sink: {
        record(r: CanonRecord) {
          // Two rows of one identity in one file are found through the store (RecordUpserter): no per-row map here.
          progress.line = r.line;
          // Records before the checkpoint are in the table already (chunk.ts).
          if (!progress.take()) return;
          buffer.push(r);
        },
        reject: (r) => {
          progress.line = r.line;
          rejectedLines.add({ file: r.file, line: r.line, reason: r.reason });
        },
        warn,
      },
      afterBatch: async (stats) => {
        if (buffer.length >= FLUSH_AT) await flush();
        await rejectedLines.drain();
        await warningLines.drain();
        const step = progress.after(stats);
        if (step === 'renew') {
          if (!(await checkpointFile(deps.dynamo, settings.tableName, ref, claim.token, { leaseMs, now: deps.now?.() ?? new Date() }))) throw new ClaimLost();
        } else if (step === 'checkpoint') {
          await checkpoint(stats);
        } else if (step === 'pause') {
          const handoff = randomUUID();
          await checkpoint(stats, handoff);
          throw new ChunkPause(handoff, stats.read);
        }
      },
    });
    await flush();
    await upserter.end();
    // The whole file's counts, every invocation's (this one's alone says little of a chunked file).
    const writes = writesSoFar();
    await sayDuplicates();
    await putConfirmPart();

    const rejectedParts = await rejectedLines.end();
    const rejectedKey: string | undefined = rejectedParts[0];
    const manifest: ManifestFacts = {
      facts: { ...result.facts, drop },
      stats: result.stats,
      warnings: [],
      warningTotal: warnings.total,
      fileId,
      writes,
    };
    if (confirm) manifest.confirmed = [...confirmedShards].sort((a, b) => a - b);
    if (confirmParts > 1) manifest.confirmParts = confirmParts;
    if (rejectedParts.length > 1) manifest.rejectedParts = rejectedParts;
    if (warnings.total > 0) {
      manifest.keptWarningsKey = warningsKeyFor(key).replace(/\.ndjson$/, '.kept.json');
      await putJson(deps.s3, bucket, manifest.keptWarningsKey, warnings.kept);
      // The full list only when the kept one is not all of it.
      if (warnings.omitted > 0) manifest.warningParts = await warningLines.end();
    }
    const warningCount = warnings.total;
    const rowsStored = result.stats.used;
    const completed = await completeFile(deps.dynamo, settings.tableName, ref, claim.token, {
      rowsRead: result.stats.read,
      rowsStored,
      rowsRejected: result.stats.rejected,
      rowsSkipped: result.stats.skipped ?? 0,
      checksum: checksumOf(result),
      rejectedKey,
      facts: manifest as unknown as Record<string, unknown>,
      warnings: warnings.kept.slice(0, 20).map((w) => w.message),
      warningCount,
    });
    if (!completed) throw new ClaimLost();
    log({ level: 'INFO', message: 'ingested', file: name, feed: feed.name, read: result.stats.read, stored: rowsStored, ...writes, rejected: result.stats.rejected, warnings: warningCount, invocations: progress.invocation });
    deps.metrics?.(ingestMetrics({ boundary: boundary.name, feed: feed.name, partner: partnerDimension(key, feed.name, settings.config), file: name, read: result.stats.read, stored: rowsStored, rejected: result.stats.rejected }));
  } catch (e) {
    if (e instanceof ChunkPause) {
      // Everything read so far is durable and checkpointed: a new invocation goes on from there.
      // If asking for it fails, this invocation fails: Lambda retries the event, which waits
      // for the lease and resumes from the checkpoint.
      await deps.continueIngest!({ continueIngest: { record: event, handoff: e.handoff } });
      return { status: 'continued', file: name, boundary: boundary.name, read: e.read, reason: `handed to invocation ${progress.invocation + 1} after ${e.read} rows` };
    }
    if (e instanceof ClaimLost) {
      // The lease ran out while this invocation worked (it stalled): the new holder finishes the file.
      log({ level: 'WARN', message: 'claim lost', file: name });
      return { status: 'in-progress', file: name, reason: e.message };
    }
    const error = isReconError(e) ? { code: e.code, message: e.describe() } : { code: 'E_INTERNAL', message: (e as Error).message };
    await failFile(deps.dynamo, settings.tableName, ref, claim.token, { error }).catch(() => false);
    log({ level: 'ERROR', message: 'ingest failed', file: name, error });
    // A file the reader cannot read is final: it is recorded as failed, and retrying will not help.
    if (isReconError(e) && e.code !== 'E_STORAGE') {
      deps.metrics?.(failedFileMetrics({ boundary: boundary.name, feed: feed.name, partner: partnerDimension(key, feed.name, settings.config), file: name }));
      return { status: 'skipped', file: name, reason: error.message };
    }
    throw e;
  } finally {
    body?.destroy();
    // Ends this invocation's lease on the side (a lease left behind runs out by itself).
    await writer.release().catch((e: unknown) => log({ level: 'WARN', message: 'writer release failed', file: name, error: (e as Error).message }));
  }
  // Outside the try: if this throws, the redelivered event finds the file done and starts the run then.
  await startRun(deps, boundary.name, 'ingest');
  return { status: 'ingested', file: name, boundary: boundary.name, read: result.stats.read, stored: result.stats.used, rejected: result.stats.rejected };
}

/** The object's sha256, which the reader computed as the bytes streamed (it read them all). */
function checksumOf(result: { checksum?: string }): string {
  if (result.checksum === undefined) throw new Error('the reader finished without hashing the whole object');
  return result.checksum;
}
