/**
 * Ingestion of one S3 object: claim it (idempotency), stream it through the engine's reader
 * and decoder, write its records keyed into DynamoDB, put its rejected rows next to it,
 * record the manifest (rows read = stored + rejected), then record the drop and start a
 * comparison run through the run trigger (lib/pipeline/trigger.ts).
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { FileFacts } from '../boundaries/boundary.ts';
import { BOUNDARY } from '../boundaries/index.ts';
import { readFeedFile } from '../engine/read-feed.ts';
import { fromKeyed, toKeyed } from '../engine/keyed.ts';
import { duplicateWarning } from '../engine/resolve.ts';
import { SEP } from '../boundaries/boundary.ts';
import { feedMode, partitionOf, SNAPSHOT_TIME_FIELD, snapshotTimeOf } from '../boundaries/snapshot.ts';
import { ConfirmSets } from './confirm.ts';
import { isReconError } from '../errors.ts';
import { FEEDS, type BoundaryName } from '../feeds/catalog.ts';
import type { CanonRecord } from '../feeds/decode.ts';
import type { FileStats, Rejection, Warning } from '../report/model.ts';
import { claimFile, completeFile, encodeRecordSk, failFile, fileIdOf, keyHash, listFiles, raiseSnapshot, RecordUpserter, recordPk, recordVersion, shardOf, versionUpload } from '../store/index.ts';
import type { StoredRef, UpsertCounts } from '../store/index.ts';
import type { FileRef, KeyedRecord } from '../store/types.ts';
import type { RunInput } from './contracts.ts';
import type { PipelineDeps } from './deps.ts';
import { decodeS3Key, feedOfKey, putJson, putText, rejectedKeyFor, S3Lines, warningsKeyFor } from './objects.ts';
import { DEFAULT_LIMITS } from '../limits.ts';
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
}

export type IngestOutcome =
  | { status: 'ingested'; file: string; boundary: BoundaryName; read: number; stored: number; rejected: number }
  | { status: 'skipped'; file: string; reason: string }
  | { status: 'unrouted'; file: string; reason: string }
  | { status: 'ignored'; file: string; reason: string };

const FLUSH_AT = 2_000;
/** A file's version in a record's sort key: with limits.keyBytes ≤ 512, the key stays under DynamoDB's 1,024 bytes (lib/limits.ts). */
const MAX_VERSION_BYTES = 200;

/** Snapshot files without a snapshot time are one drop when their S3 eventTime falls in one such window (docs/data-model.md). */
export const DROP_WINDOW_MS = 15 * 60_000;

export async function ingestObject(deps: PipelineDeps, event: S3ObjectEvent): Promise<IngestOutcome> {
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
  const now = deps.now?.() ?? new Date();
  const ttlSeconds = settings.retentionDays * 86_400;

  // The manifest outlives the records it names by a day (a record's TTL is counted from its write).
  const claim = await claimFile(deps.dynamo, settings.tableName, { file: ref, feed: feed.name, ttlSeconds: ttlSeconds + 86_400, now });
  if (!claim.claimed) {
    const done = claim.current.status === 'done';
    const reason = done ? 'already ingested' : 'another delivery is ingesting it';
    log({ level: 'INFO', message: 'skipped', file: name, reason });
    // A redelivery after a failed StartExecution must still start the run (the trigger de-duplicates).
    if (done) await startRun(deps, boundary.name, 'ingest');
    return { status: 'skipped', file: name, reason };
  }

  // The file's place in time: upload time, then key and object version (sortable text, no
  // control characters: inventory records carry it in their identity).
  const eventTime = new Date(event.eventTime).toISOString();
  // At most MAX_VERSION_BYTES (a long key is hashed): it is part of every record's sort key (twice for inventory).
  const longVersion = `${eventTime} ${bucket}/${key} ${objectVersion}`;
  const version = Buffer.byteLength(longVersion) <= MAX_VERSION_BYTES ? longVersion : `${eventTime} #${createHash('sha256').update(longVersion).digest('hex')}`;
  const limits = settings.config.limits ?? DEFAULT_LIMITS;
  // Rejected rows and warnings: every one put to S3 as it comes, the first N kept (kept.ts).
  const rejectedLines = new S3Lines(deps.s3, bucket, rejectedKeyFor(key), limits.keptRejected);
  const warningLines = new S3Lines(deps.s3, bucket, warningsKeyFor(key), limits.keptWarnings);
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
  /** part (facility) → the newest snapshot time the store has seen for it (the pointer). */
  const pointers = new Map<string, string>();
  let olderSnapshot = 0;
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
  const upserter = new RecordUpserter(deps.dynamo, settings.tableName, {
    shards: settings.shards,
    ttlSeconds,
    now,
    ignoreField: timeField === undefined ? undefined : () => timeField,
    // Another file's row of one identity is a duplicate when it is of the same drop (and, for a snapshot, of the same snapshot time), as in the CLI.
    sameDrop: (r, stored) => dropOf(versionUpload(stored.version).split(' ')[0]) === drop && (!snapshot || stored.version.split(' ')[0] === r.version.split(' ')[0]),
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
      if (snapshot) {
        const t = snapshotTimeOf(r, drop);
        const part = partitionOf(boundary, r);
        const pk = r.side + SEP + part;
        let newest = pointers.get(pk);
        if (newest === undefined || t > newest) {
          newest = await raiseSnapshot(deps.dynamo, settings.tableName, { boundary: boundary.name, side: r.side, part, time: t, ttl: Math.floor(now.getTime() / 1000) + ttlSeconds });
          pointers.set(pk, newest);
        }
        // A row of an older snapshot than the store has seen for its facility: not written, not confirmed.
        if (t < newest) {
          olderSnapshot++;
          continue;
        }
        version = recordVersion({ snapshot: t, eventTime, sequencer, line: r.line });
      } else version = recordVersion({ eventTime, sequencer, line: r.line });
      const k = toKeyed(boundary, r, { version, fileId });
      if (confirm) {
        const pk = recordPk(boundary.name, shardOf(k.group, settings.shards));
        confirm.add(shardOf(k.group, settings.shards), keyHash(pk, encodeRecordSk(k)), r.line);
      }
      await upserter.add(k);
    }
    await sayDuplicates();
  };

  let result: Awaited<ReturnType<typeof readFeedFile>>;
  try {
    const out = await deps.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(event.s3.object.versionId ? { VersionId: event.s3.object.versionId } : {}) }));
    const body = out.Body as Readable;
    result = await readFeedFile({
      source: { name, open: () => body },
      path: key,
      feed,
      boundary,
      version,
      config: settings.config,
      now,
      checksum: true,
      sink: {
        record(r: CanonRecord) {
          // Two rows of one identity in one file are found through the store (RecordUpserter): no per-row map here.
          buffer.push(r);
        },
        reject: (r) => rejectedLines.add({ file: r.file, line: r.line, reason: r.reason }),
        warn,
      },
      afterBatch: async () => {
        if (buffer.length >= FLUSH_AT) await flush();
        await rejectedLines.drain();
        await warningLines.drain();
      },
    });
    await flush();
    const writes = await upserter.end();
    await sayDuplicates();
    const confirmedShards = confirm ? await confirm.put(deps.s3, bucket, boundary.name, fileId) : undefined;

    const rejectedParts = await rejectedLines.end();
    const rejectedKey: string | undefined = rejectedParts[0];
    const manifest: ManifestFacts = {
      facts: { ...result.facts, drop },
      stats: result.stats,
      warnings: [],
      warningTotal: warnings.total,
      fileId,
      writes: { ...writes, olderSnapshot },
    };
    if (confirmedShards) manifest.confirmed = confirmedShards;
    if (rejectedParts.length > 1) manifest.rejectedParts = rejectedParts;
    if (warnings.total > 0) {
      manifest.keptWarningsKey = warningsKeyFor(key).replace(/\.ndjson$/, '.kept.json');
      await putJson(deps.s3, bucket, manifest.keptWarningsKey, warnings.kept);
      // The full list only when the kept one is not all of it.
      if (warnings.omitted > 0) manifest.warningParts = await warningLines.end();
    }
    const warningCount = warnings.total;
    const rowsStored = result.stats.used;
    await completeFile(deps.dynamo, settings.tableName, ref, claim.token, {
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
    log({ level: 'INFO', message: 'ingested', file: name, feed: feed.name, read: result.stats.read, stored: rowsStored, ...writes, olderSnapshot, rejected: result.stats.rejected, warnings: warningCount });
    deps.metrics?.(ingestMetrics({ boundary: boundary.name, feed: feed.name, partner: partnerDimension(key, feed.name, settings.config), file: name, read: result.stats.read, stored: rowsStored, rejected: result.stats.rejected }));
  } catch (e) {
    const error = isReconError(e) ? { code: e.code, message: e.describe() } : { code: 'E_INTERNAL', message: (e as Error).message };
    await failFile(deps.dynamo, settings.tableName, ref, claim.token, { error }).catch(() => false);
    log({ level: 'ERROR', message: 'ingest failed', file: name, error });
    // A file the reader cannot read is final: it is recorded as failed, and retrying will not help.
    if (isReconError(e) && e.code !== 'E_STORAGE') {
      deps.metrics?.(failedFileMetrics({ boundary: boundary.name, feed: feed.name, partner: partnerDimension(key, feed.name, settings.config), file: name }));
      return { status: 'skipped', file: name, reason: error.message };
    }
    throw e;
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
