/**
 * The file manifest: one item per source object, the idempotency record of ingestion.
 *
 *   pk = FILE#<boundary>   sk = <bucket>/<key>␟<versionId or ETag>
 *
 * claimFile is a conditional UpdateItem: a re-delivered event for a file that is `done` (or
 * being processed under a live lease) does nothing; a `processing` claim whose lease ran
 * out (a handler that died mid-file), one handed off to a continuation, or a `failed` one
 * can be taken over, and the checkpoint it reached is kept (a chunked ingest resumes from
 * it). checkpointFile renews the lease (a heartbeat) and records progress; completeFile /
 * failFile update the item only while the caller still holds the claim.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { ReconError, ErrorCodes } from '../errors.ts';
import type { BoundaryName, FeedName } from '../feeds/catalog.ts';
import { attrToJson, jsonToAttr, num, str, type Item } from './attr.ts';
import { fileIdOf, MAX_SK_BYTES, PART_END } from './keys.ts';
import { isConditionFailure, queryItems, resolveRetry, sendIf, withRetry } from './retry.ts';
import type { FileCheckpoint, FileManifest, FileRef, FileStatus, RetryOptions } from './types.ts';
import { isLive } from './ttl.ts';
import { clearInFlight, entryOf, markInFlight, putIndexEntry, indexedFacts } from './file-index.ts';

/** A claim's lease: short, renewed at every checkpoint (a dead invocation's claim is free again within it). */
export const DEFAULT_LEASE_MS = 3 * 60_000;
export const MAX_WARNINGS = 20;
export const MAX_WARNING_CHARS = 500;
export const MAX_FACTS_BYTES = 64 * 1024;

export function filePk(boundary: BoundaryName): string {
  return `FILE#${boundary}`;
}

/** `<bucket>/<key>␟<version>`; an over-long one (S3 keys reach 1024 bytes) becomes a sha256 of it. */
export function fileSk(f: FileRef): string {
  const sk = `${f.bucket}/${f.key}${PART_END}${f.objectVersion}`;
  if (Buffer.byteLength(sk, 'utf8') <= MAX_SK_BYTES) return sk;
  return `#sha256:${createHash('sha256').update(sk).digest('hex')}`;
}

const keyOf = (f: FileRef): Item => ({ pk: { S: filePk(f.boundary) }, sk: { S: fileSk(f) } });

export function decodeManifest(boundary: BoundaryName, item: Item): FileManifest {
  const status = str(item, 'status') as FileStatus | undefined;
  const bucket = str(item, 'bucket');
  const key = str(item, 'objectKey');
  const objectVersion = str(item, 'objectVersion');
  if (!status || bucket === undefined || key === undefined || objectVersion === undefined) {
    throw new ReconError(ErrorCodes.STORAGE, `item ${JSON.stringify(item.sk?.S)} is not a file manifest`);
  }
  const m: FileManifest = {
    boundary,
    bucket,
    key,
    objectVersion,
    feed: str(item, 'feed') as FeedName,
    status,
    claim: str(item, 'claim') ?? '',
    startedAt: str(item, 'startedAt') ?? '',
    leaseUntil: num(item, 'leaseUntil') ?? 0,
  };
  const fileId = str(item, 'fileId');
  if (fileId !== undefined) m.fileId = fileId;
  const opt = {
    finishedAt: str(item, 'finishedAt'),
    checksum: str(item, 'checksum'),
    rowsRead: num(item, 'rowsRead'),
    rowsStored: num(item, 'rowsStored'),
    rowsRejected: num(item, 'rowsRejected'),
    rowsSkipped: num(item, 'rowsSkipped'),
    rejectedKey: str(item, 'rejectedKey'),
    facts: item.facts ? (item.facts.S !== undefined ? JSON.parse(item.facts.S) : attrToJson(item.facts)) as Record<string, unknown> : undefined,
    warnings: item.warnings ? (attrToJson(item.warnings) as string[]) : undefined,
    warningCount: num(item, 'warningCount'),
    error: item.error ? (attrToJson(item.error) as { code: string; message: string }) : undefined,
    ttl: num(item, 'ttl'),
    checkpoint: item.checkpoint?.S !== undefined ? (JSON.parse(item.checkpoint.S) as FileCheckpoint) : undefined,
    source: str(item, 'source'),
    handoff: str(item, 'handoff'),
  };
  for (const [k, v] of Object.entries(opt)) if (v !== undefined) (m as unknown as Record<string, unknown>)[k] = v;
  return m;
}

export interface ClaimInput extends RetryOptions {
  file: FileRef;
  feed: FeedName;
  /** How long the claim holds before another delivery may take it over, unless renewed (checkpointFile). Default 3 min. */
  leaseMs?: number;
  /** The manifest expires this many seconds after the claim (DynamoDB TTL). */
  ttlSeconds?: number;
  /** Take over a `failed` file (a retried delivery). Default true. */
  retryFailed?: boolean;
  /** The S3 event record that named the file (kept, so a stuck ingest can be resumed as it began). */
  source?: string;
  /** The handoff an invocation left for its continuation (checkpointFile): with it, a live claim is taken over. */
  handoff?: string;
  now?: Date;
}

export type ClaimResult =
  | { claimed: true; token: string; manifest: FileManifest; /** The claim this one replaced (lease ran out, handed off, or failed). */ previous?: FileManifest }
  | { claimed: false; /** Why not: the file is done, or someone holds a live claim. */ current: FileManifest };

/** What a claim clears: the outcome of an earlier, failed attempt (a checkpoint and the source stay). */
const OUTCOME_ATTRS = ['finishedAt', 'checksum', 'rowsRead', 'rowsStored', 'rowsRejected', 'rowsSkipped', 'rejectedKey', 'facts', 'warnings', 'warningCount', 'error', 'handoff'];

/**
 * Claims a file for ingestion (see the module comment). An UpdateItem, so that a takeover
 * keeps the checkpoint of the claim it replaces: the new holder resumes from it.
 */
export async function claimFile(client: DynamoDBClient, tableName: string, input: ClaimInput): Promise<ClaimResult> {
  const retry = resolveRetry(input);
  const now = input.now ?? new Date();
  const token = randomUUID();
  const leaseUntil = now.getTime() + (input.leaseMs ?? DEFAULT_LEASE_MS);
  const f = input.file;
  const set: Item = {
    bucket: { S: f.bucket },
    objectKey: { S: f.key },
    objectVersion: { S: f.objectVersion },
    feed: { S: input.feed },
    status: { S: 'processing' },
    claim: { S: token },
    startedAt: { S: now.toISOString() },
    leaseUntil: { N: String(leaseUntil) },
    fileId: { S: fileIdOf(f) },
  };
  if (input.ttlSeconds !== undefined) set.ttl = { N: String(Math.floor(now.getTime() / 1000) + input.ttlSeconds) };
  if (input.source !== undefined) set.source = { S: input.source };
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = { ':now': { N: String(now.getTime()) }, ':processing': { S: 'processing' } };
  const sets = Object.entries(set).map(([k, v]) => {
    names[`#${k}`] = k;
    values[`:${k}`] = v;
    return `#${k} = :${k}`;
  });
  for (const k of OUTCOME_ATTRS) names[`#${k}`] = k;
  let condition = 'attribute_not_exists(pk) OR (#status = :processing AND #leaseUntil < :now)';
  if (input.retryFailed ?? true) {
    condition += ' OR #status = :failed';
    values[':failed'] = { S: 'failed' };
  }
  if (input.handoff !== undefined) {
    condition += ' OR (#status = :processing AND #handoff = :handoffGiven)';
    values[':handoffGiven'] = { S: input.handoff };
  }
  const update = `SET ${sets.join(', ')} REMOVE ${OUTCOME_ATTRS.map((k) => `#${k}`).join(', ')}`;
  // The in-flight marker goes first (file-index.ts): a claim is never invisible to the runs waiting for their files.
  await markInFlight(client, tableName, f, token, { ttl: set.ttl ? Number(set.ttl.N) : undefined, now, retry });
  for (let round = 0; round < 3; round++) {
    try {
      const out = await withRetry(
        `UpdateItem (claim) ${fileSk(f)}`,
        () =>
          client.send(
            new UpdateItemCommand({
              TableName: tableName,
              Key: keyOf(f),
              UpdateExpression: update,
              ConditionExpression: condition,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
              ReturnValues: 'ALL_OLD',
            }),
          ),
        retry,
      );
      const previous = out.Attributes && out.Attributes.status ? decodeManifest(f.boundary, out.Attributes) : undefined;
      const kept: Item = {};
      for (const k of ['checkpoint', 'source'] as const) if (out.Attributes?.[k] && !set[k]) kept[k] = out.Attributes[k];
      return { claimed: true, token, manifest: decodeManifest(f.boundary, { ...keyOf(f), ...kept, ...set }), ...(previous ? { previous } : {}) };
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
    const current = await getFile(client, tableName, f, { ...input, facts: false });
    if (current) {
      // Someone else holds it (their claim stays marked) or it is finished: then the marker is not needed.
      if (current.status !== 'processing') await clearInFlight(client, tableName, f, token, retry);
      return { claimed: false, current };
    }
    // It vanished between the two calls (TTL): claim again.
  }
  throw new ReconError(ErrorCodes.STORAGE, `could not claim ${f.bucket}/${f.key}: the manifest item keeps changing`);
}

export interface CheckpointInput extends RetryOptions {
  /** The progress to record (absent: the lease is renewed only). */
  checkpoint?: FileCheckpoint;
  /** The new lease, from `now`. */
  leaseMs: number;
  /** Hand the file to a continuation: the continuation claims it with this value (claimFile's `handoff`). */
  handoff?: string;
  now?: Date;
}

/**
 * The heartbeat of a claim: renews its lease and, with `checkpoint`, records how far the
 * ingest got. Only while the caller still holds the claim: false when it was taken over.
 */
export async function checkpointFile(client: DynamoDBClient, tableName: string, f: FileRef, token: string, input: CheckpointInput): Promise<boolean> {
  const now = input.now ?? new Date();
  const names: Record<string, string> = { '#status': 'status', '#claim': 'claim', '#leaseUntil': 'leaseUntil' };
  const values: Record<string, AttributeValue> = {
    ':token': { S: token },
    ':processing': { S: 'processing' },
    ':leaseUntil': { N: String(now.getTime() + input.leaseMs) },
  };
  const sets = ['#leaseUntil = :leaseUntil'];
  if (input.checkpoint) {
    names['#checkpoint'] = 'checkpoint';
    values[':checkpoint'] = { S: JSON.stringify(input.checkpoint) };
    sets.push('#checkpoint = :checkpoint');
  }
  if (input.handoff !== undefined) {
    names['#handoff'] = 'handoff';
    values[':handoff'] = { S: input.handoff };
    sets.push('#handoff = :handoff');
  }
  return updateClaimed(client, tableName, f, 'checkpoint', sets, names, values, resolveRetry(input));
}

/**
 * SET `sets` on a file's manifest while the caller holds its claim (`:token`, still
 * `:processing`). False when the claim was lost (taken over after its lease ran out).
 */
async function updateClaimed(
  client: DynamoDBClient, tableName: string, f: FileRef, what: string, sets: string[],
  names: Record<string, string>, values: Record<string, AttributeValue>, retry: ReturnType<typeof resolveRetry>,
  remove: string[] = [],
): Promise<boolean> {
  return sendIf(
    `UpdateItem (${what}) ${fileSk(f)}`,
    () =>
      client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: keyOf(f),
          UpdateExpression: `SET ${sets.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: '#claim = :token AND #status = :processing',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    retry,
  );
}

export interface FileOutcome {
  rowsRead?: number;
  rowsStored?: number;
  rowsRejected?: number;
  /** Rows that are not data (footers): read = stored + rejected + skipped. */
  rowsSkipped?: number;
  /** sha256 (hex) of the object's bytes. */
  checksum?: string;
  rejectedKey?: string;
  facts?: Record<string, unknown>;
  /** The first warnings (stored capped at 20 × 500 characters). */
  warnings?: string[];
  /** How many warnings there were in all, when more than `warnings` holds (default: warnings.length). */
  warningCount?: number;
  now?: Date;
}

export interface CompleteInput extends FileOutcome, RetryOptions {
  rowsRead: number;
  rowsStored: number;
  rowsRejected: number;
  checksum: string;
}

export interface FailInput extends FileOutcome, RetryOptions {
  error: { code: string; message: string };
}

async function finish(
  client: DynamoDBClient,
  tableName: string,
  f: FileRef,
  token: string,
  status: 'done' | 'failed',
  o: FileOutcome & RetryOptions & { error?: { code: string; message: string } },
): Promise<boolean> {
  const retry = resolveRetry(o);
  const finishedAt = (o.now ?? new Date()).toISOString();
  if (o.facts !== undefined) {
    const size = Buffer.byteLength(JSON.stringify(o.facts), 'utf8');
    if (size > MAX_FACTS_BYTES) {
      throw new ReconError(ErrorCodes.STORAGE, `file facts are ${size} bytes, over the ${MAX_FACTS_BYTES}-byte limit`, { file: `s3://${f.bucket}/${f.key}` });
    }
  }
  // The claim as it stands: only its holder finishes the file.
  const got = await withRetry(
    `GetItem ${fileSk(f)}`,
    () => client.send(new GetItemCommand({ TableName: tableName, Key: keyOf(f), ConsistentRead: true })),
    retry,
  );
  const head = got.Item ? decodeManifest(f.boundary, got.Item) : undefined;
  if (!head || head.claim !== token || head.status !== 'processing') return false;
  // The file index first (file-index.ts): a file whose manifest says finished is always in it.
  // Its facts live there only; the manifest keeps the counts (a few hundred bytes a file).
  const entry: FileManifest = { ...head, status, finishedAt };
  const outcome = {
    checksum: o.checksum, rejectedKey: o.rejectedKey, facts: o.facts, error: o.error,
    rowsRead: o.rowsRead, rowsStored: o.rowsStored, rowsRejected: o.rowsRejected, rowsSkipped: o.rowsSkipped,
  };
  for (const [k, v] of Object.entries(outcome)) if (v !== undefined) (entry as unknown as Record<string, unknown>)[k] = v;
  await putIndexEntry(client, tableName, entry, retry);

  const sets: string[] = ['#status = :status', 'finishedAt = :finishedAt'];
  const values: Record<string, AttributeValue> = {
    ':status': { S: status },
    ':finishedAt': { S: finishedAt },
    ':token': { S: token },
    ':processing': { S: 'processing' },
  };
  const names: Record<string, string> = { '#status': 'status' };
  const put = (name: string, v: AttributeValue | undefined) => {
    if (v === undefined) return;
    names[`#${name}`] = name;
    sets.push(`#${name} = :${name}`);
    values[`:${name}`] = v;
  };
  const n = (x: number | undefined) => (x === undefined ? undefined : { N: String(x) });
  put('rowsRead', n(o.rowsRead));
  put('rowsStored', n(o.rowsStored));
  put('rowsRejected', n(o.rowsRejected));
  put('rowsSkipped', n(o.rowsSkipped));
  put('checksum', o.checksum === undefined ? undefined : { S: o.checksum });
  put('rejectedKey', o.rejectedKey === undefined ? undefined : { S: o.rejectedKey });
  if (o.warnings !== undefined) {
    const kept = o.warnings.slice(0, MAX_WARNINGS).map((w) => (w.length > MAX_WARNING_CHARS ? w.slice(0, MAX_WARNING_CHARS - 1) + '…' : w));
    put('warnings', { L: kept.map((w) => ({ S: w })) });
    put('warningCount', { N: String(Math.max(o.warningCount ?? 0, o.warnings.length)) });
  }
  put('error', o.error === undefined ? undefined : jsonToAttr(o.error, 'error'));
  names['#claim'] = 'claim';
  // A finished file is never resumed: its source event is not kept.
  const remove = status === 'done' ? ['#source'] : [];
  if (remove.length) names['#source'] = 'source';
  const ok = await updateClaimed(client, tableName, f, status, sets, names, values, retry, remove);
  if (ok) await clearInFlight(client, tableName, f, token, retry);
  return ok;
}

/**
 * Marks a claimed file `done` with its counts. Requires rows read = stored + rejected (SPEC:
 * a file is never half-lost). Returns false when the claim was lost (taken over after its
 * lease ran out): the other delivery owns the manifest now.
 */
export async function completeFile(client: DynamoDBClient, tableName: string, file: FileRef, token: string, result: CompleteInput): Promise<boolean> {
  const skipped = result.rowsSkipped ?? 0;
  if (result.rowsRead !== result.rowsStored + result.rowsRejected + skipped) {
    throw new ReconError(
      ErrorCodes.STORAGE,
      `rows read (${result.rowsRead}) ≠ rows stored (${result.rowsStored}) + rows rejected (${result.rowsRejected}) + rows skipped (${skipped})`,
      { file: `s3://${file.bucket}/${file.key}` },
    );
  }
  return finish(client, tableName, file, token, 'done', result);
}

/** Marks a claimed file `failed` with the error (and whatever counts are known). False when the claim was lost. */
export async function failFile(client: DynamoDBClient, tableName: string, file: FileRef, token: string, input: FailInput): Promise<boolean> {
  return finish(client, tableName, file, token, 'failed', input);
}

/**
 * The manifest of one file (strongly consistent), or undefined. A finished file's facts live
 * in the file index (file-index.ts): they are read from there, unless `facts: false`.
 */
export async function getFile(client: DynamoDBClient, tableName: string, file: FileRef, opts: RetryOptions & { facts?: boolean } = {}): Promise<FileManifest | undefined> {
  const retry = resolveRetry(opts);
  const out = await withRetry(
    `GetItem ${fileSk(file)}`,
    () => client.send(new GetItemCommand({ TableName: tableName, Key: keyOf(file), ConsistentRead: true })),
    retry,
  );
  if (!out.Item) return undefined;
  const m = decodeManifest(file.boundary, out.Item);
  if ((opts.facts ?? true) && m.facts === undefined && m.status !== 'processing') {
    const facts = await indexedFacts(client, tableName, file, retry);
    if (facts !== undefined) m.facts = facts;
  }
  return m;
}

export interface ListFilesOptions extends RetryOptions {
  status?: FileStatus;
  /** Only files finished strictly after this ISO time. */
  finishedAfter?: string;
  /** The clock that decides which manifests are past their `ttl` (left out: DynamoDB deletes them later). Default: now. */
  now?: Date;
  /** Only manifests whose sort key starts with this (`<bucket>/<key>␟`: every version of one object). */
  skPrefix?: string;
}

/**
 * The live manifests of every version of `f`'s S3 object, `f`'s own included (one Query on the
 * object's sort-key prefix; a key so long that `f`'s sort key is hashed reads the boundary's manifests).
 */
export async function* listVersions(client: DynamoDBClient, tableName: string, f: FileRef, opts: RetryOptions = {}): AsyncIterable<FileManifest> {
  const hashed = fileSk(f).startsWith('#sha256:');
  for await (const m of listFiles(client, tableName, f.boundary, hashed ? opts : { ...opts, skPrefix: `${f.bucket}/${f.key}${PART_END}` })) {
    if (m.bucket === f.bucket && m.key === f.key) yield m;
  }
}

/**
 * Every live manifest of a boundary (optionally filtered), in sk order: one past its `ttl` is
 * gone, deleted yet or not. It reads every retained manifest: the pipeline's runs read the file
 * index instead (file-index.ts), whose size follows the current files.
 */
export async function* listFiles(client: DynamoDBClient, tableName: string, boundary: BoundaryName, opts: ListFilesOptions = {}): AsyncIterable<FileManifest> {
  const retry = resolveRetry(opts);
  const filters: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = { ':pk': { S: filePk(boundary) } };
  if (opts.skPrefix !== undefined) values[':prefix'] = { S: opts.skPrefix };
  if (opts.status) {
    filters.push('#status = :status');
    names['#status'] = 'status';
    values[':status'] = { S: opts.status };
  }
  if (opts.finishedAfter) {
    filters.push('finishedAt > :after');
    values[':after'] = { S: opts.finishedAfter };
  }
  const input = {
    TableName: tableName,
    KeyConditionExpression: opts.skPrefix === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
    FilterExpression: filters.length ? filters.join(' AND ') : undefined,
    ExpressionAttributeNames: filters.length && opts.status ? names : undefined,
    ExpressionAttributeValues: values,
    ConsistentRead: true,
  };
  const now = opts.now ?? new Date();
  for await (const item of queryItems(client, input, `Query ${filePk(boundary)}`, retry)) {
    const m = decodeManifest(boundary, item);
    if (isLive(m.ttl, now)) yield m;
  }
}
