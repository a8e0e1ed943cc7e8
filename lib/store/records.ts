/**
 * Keyed records: written in BatchWriteItem batches, read back one shard at a time in key
 * order, one group at a time (SPEC: "a comparison reads each shard once, in key order").
 */
import {
  BatchWriteItemCommand,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { ReconError, ErrorCodes } from '../errors.ts';
import type { BoundaryName, FeedName } from '../feeds/catalog.ts';
import type { Item } from './attr.ts';
import { compareCodePoints, decodeRecordSk, encodeRecordSk, PART_END, recordPk, SECTION_END, shardOf } from './keys.ts';
import { backoffMs, isRetryable, queryItems, resolveRetry, sleep, storageError } from './retry.ts';
import type { KeyedRecord, RetryOptions } from './types.ts';

/** BatchWriteItem's limit. */
export const BATCH_SIZE = 25;

/** Record item attributes (besides pk, sk): kept short, every byte is billed on every row. */
export const RecordAttr = { fields: 'f', feed: 'feed', fileId: 'fid', line: 'line', version: 'v', ttl: 'ttl' } as const;

export interface EncodeOptions {
  shards: number;
  /** Epoch seconds written as `ttl`, or undefined for none. */
  ttl?: number;
}

/** The DynamoDB item of one record (throws ReconError STORAGE, naming file/line, for an unstorable key). */
export function encodeRecord(r: KeyedRecord, o: EncodeOptions): Item {
  const f: Item = {};
  for (const k in r.fields) {
    const v = r.fields[k];
    if (v !== undefined) f[k] = { S: v };
  }
  const item: Item = {
    pk: { S: recordPk(r.boundary, shardOf(r.group, o.shards)) },
    sk: { S: encodeRecordSk(r) },
    [RecordAttr.fields]: { M: f },
    [RecordAttr.feed]: { S: r.feed },
    [RecordAttr.version]: { S: r.version },
    [RecordAttr.fileId]: { S: r.fileId },
    [RecordAttr.line]: { N: String(r.line) },
  };
  if (o.ttl !== undefined) item[RecordAttr.ttl] = { N: String(o.ttl) };
  return item;
}

/** The record an item holds (inverse of {@link encodeRecord}); `file` is the file id until the caller names it. */
export function decodeRecord(boundary: BoundaryName, item: Item): KeyedRecord {
  const sk = item.sk?.S;
  const d = sk === undefined ? undefined : decodeRecordSk(sk);
  const fm = item[RecordAttr.fields]?.M;
  const feed = item[RecordAttr.feed]?.S;
  const fileId = item[RecordAttr.fileId]?.S;
  const version = item[RecordAttr.version]?.S;
  const line = item[RecordAttr.line]?.N;
  if (!d || !fm || feed === undefined || fileId === undefined || line === undefined || version === undefined) {
    throw new ReconError(ErrorCodes.STORAGE, `item ${JSON.stringify(item.pk?.S)} / ${JSON.stringify(sk)} is not a keyed record`);
  }
  const fields: Record<string, string> = {};
  for (const k in fm) {
    const v = fm[k].S;
    if (v === undefined) throw new ReconError(ErrorCodes.STORAGE, `item ${JSON.stringify(sk)}: field ${k} is not text`, { file: fileId });
    fields[k] = v;
  }
  return { boundary, group: d.group, side: d.side, identity: d.identity, version, feed: feed as FeedName, fields, fileId, file: fileId, line: Number(line) };
}

/**
 * Capacity DynamoDB reported as consumed (ReturnConsumedCapacity TOTAL) by the record calls of
 * this process, in capacity units: what `npm run bench:pipeline` reads to give WCU / RCU per row.
 */
export const consumedCapacity = { read: 0, write: 0 };

/** Adds a response's ConsumedCapacity to {@link consumedCapacity}. */
function meter(kind: 'read' | 'write', c: Array<{ CapacityUnits?: number; ReadCapacityUnits?: number; WriteCapacityUnits?: number }> | { CapacityUnits?: number } | undefined): void {
  if (!c) return;
  for (const x of Array.isArray(c) ? c : [c]) consumedCapacity[kind] += x.CapacityUnits ?? 0;
}

export interface WriteProgress {
  /** Items DynamoDB has acknowledged so far. */
  written: number;
  /** Batches sent (a retry of a batch's unprocessed items is not a new batch). */
  batches: number;
  /** Requests repeated (unprocessed items, throttling, 5xx). */
  retries: number;
}

export interface WriteResult extends WriteProgress {
  /**
   * Input records replaced inside one batch by a later record with the same key (the same
   * boundary, group, side and identity): last wins. written + collapsed = records in.
   */
  collapsed: number;
}

export interface WriteRecordsOptions extends RetryOptions {
  shards: number;
  /** Records expire this many seconds after the write (DynamoDB TTL). */
  ttlSeconds?: number;
  /** Batches in flight at once. Default 6. */
  concurrency?: number;
  /** Called after every acknowledged request. */
  onProgress?: (p: WriteProgress) => void;
  /** The clock for `ttl` (tests). */
  now?: Date;
}

interface Pending {
  req: WriteRequest;
  file: string;
}

/**
 * Loads records with BatchWriteItem, unconditionally (tests and the bench's raw baseline;
 * ingestion uses {@link RecordUpserter}, which never lets an older version win): 25 per batch, `concurrency` batches in flight, records
 * with one key collapsed inside a batch (last wins) and a later batch holding a key that is
 * still in flight waits for it, so the last record of a key is the one stored. Unprocessed
 * items and throttling / 5xx errors are retried with exponential backoff and full jitter;
 * after `maxAttempts` it throws ReconError STORAGE with the cause (after the requests already
 * in flight settle) — an item is never dropped silently, and `written` (also in onProgress)
 * only counts acknowledged items. A stream is consumed one array at a time: memory stays
 * bounded by one input array plus the batches in flight.
 */
export async function writeRecords(
  client: DynamoDBClient,
  tableName: string,
  records: KeyedRecord[] | AsyncIterable<KeyedRecord[]>,
  opts: WriteRecordsOptions,
): Promise<WriteResult> {
  const retry = resolveRetry(opts);
  const concurrency = opts.concurrency ?? 6;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new ReconError(ErrorCodes.STORAGE, `concurrency must be a positive integer, got ${opts.concurrency}`);
  }
  const enc: EncodeOptions = {
    shards: opts.shards,
    ttl: opts.ttlSeconds === undefined ? undefined : Math.floor((opts.now ?? new Date()).getTime() / 1000) + opts.ttlSeconds,
  };
  shardOf(['validate'], opts.shards); // fails fast on a bad shard count

  const progress: WriteProgress = { written: 0, batches: 0, retries: 0 };
  let collapsed = 0;
  let failure: ReconError | undefined;
  const inflight = new Set<Promise<void>>();
  const inflightKeys = new Map<string, Promise<void>>();
  let batch = new Map<string, Pending>();

  const report = () => opts.onProgress?.({ ...progress });

  const send = async (items: Pending[]): Promise<void> => {
    let pending = items.map((p) => p.req);
    for (let attempt = 1; ; attempt++) {
      let unprocessed: WriteRequest[];
      try {
        const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending }, ReturnConsumedCapacity: 'TOTAL' }));
        meter('write', out.ConsumedCapacity);
        unprocessed = out.UnprocessedItems?.[tableName] ?? [];
      } catch (e) {
        if (!isRetryable(e)) throw storageError(`BatchWriteItem on ${tableName} (${progress.written} items written before)`, e, { file: items[0].file });
        if (attempt >= retry.maxAttempts) {
          throw storageError(`BatchWriteItem on ${tableName} after ${attempt} attempts (${progress.written} items written before)`, e, { file: items[0].file });
        }
        progress.retries++;
        await sleep(backoffMs(attempt, retry));
        continue;
      }
      progress.written += pending.length - unprocessed.length;
      report();
      if (unprocessed.length === 0) return;
      if (attempt >= retry.maxAttempts) {
        throw new ReconError(
          ErrorCodes.STORAGE,
          `BatchWriteItem on ${tableName}: ${unprocessed.length} items still unprocessed after ${attempt} attempts (${progress.written} items written)`,
          { file: items[0].file },
        );
      }
      pending = unprocessed;
      progress.retries++;
      await sleep(backoffMs(attempt, retry));
    }
  };

  const flush = async (): Promise<void> => {
    if (batch.size === 0) return;
    const b = batch;
    batch = new Map();
    while (inflight.size >= concurrency) await Promise.race(inflight);
    let conflicts: Set<Promise<void>> | undefined;
    for (const k of b.keys()) {
      const p = inflightKeys.get(k);
      if (p) (conflicts ??= new Set()).add(p);
    }
    if (conflicts) await Promise.all(conflicts);
    if (failure) return;
    progress.batches++;
    const p: Promise<void> = send([...b.values()]).then(
      () => undefined,
      (e: unknown) => {
        failure ??= storageError(`BatchWriteItem on ${tableName}`, e);
      },
    ).finally(() => {
      inflight.delete(p);
      for (const k of b.keys()) if (inflightKeys.get(k) === p) inflightKeys.delete(k);
    });
    inflight.add(p);
    for (const k of b.keys()) inflightKeys.set(k, p);
  };

  const add = async (chunk: KeyedRecord[]): Promise<boolean> => {
    for (const r of chunk) {
      const item = encodeRecord(r, enc);
      const key = item.pk.S + SECTION_END + SECTION_END + item.sk.S;
      if (batch.has(key)) collapsed++;
      batch.set(key, { req: { PutRequest: { Item: item } }, file: r.file });
      if (batch.size === BATCH_SIZE) {
        await flush();
        if (failure) return false;
      }
    }
    return true;
  };

  try {
    if (Array.isArray(records)) {
      await add(records);
    } else {
      for await (const chunk of records) {
        if (!(await add(chunk))) break;
      }
    }
    if (!failure) await flush();
  } catch (e) {
    // An input stream that throws, or an unstorable record: let what is in flight settle first.
    await Promise.all(inflight);
    throw e;
  }
  await Promise.all(inflight);
  if (failure) throw failure;
  return { ...progress, collapsed };
}

export interface ReadShardOptions extends RetryOptions {
  /** Items per Query page (DynamoDB caps a page at 1 MB anyway). */
  pageSize?: number;
  /**
   * Default false (eventually consistent, half the price): a run plans only after its files'
   * manifests are `done` and a settle wait, long after the writes were acknowledged.
   */
  consistentRead?: boolean;
}

/**
 * Reads one shard of a boundary in key order and yields one array per group (every record of
 * the group, in sk order), following Query pagination; a group that spans pages comes out
 * whole. One pass, no look-ups.
 */
export async function* readShard(
  client: DynamoDBClient,
  tableName: string,
  boundary: BoundaryName,
  shard: number,
  opts: ReadShardOptions = {},
): AsyncIterable<KeyedRecord[]> {
  const retry = resolveRetry(opts);
  const pk = recordPk(boundary, shard);
  let current: KeyedRecord[] = [];
  let prefix: string | undefined;
  const input = {
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': { S: pk } },
    ConsistentRead: opts.consistentRead ?? false,
    Limit: opts.pageSize,
    ReturnConsumedCapacity: 'TOTAL' as const,
  };
  for await (const item of queryItems(client, input, `Query ${pk} on ${tableName}`, retry, (c) => meter('read', c))) {
    const sk = item.sk?.S ?? '';
    const end = sk.indexOf(SECTION_END);
    const p = end < 0 ? sk : sk.slice(0, end + 1);
    if (p !== prefix) {
      if (current.length > 0) yield current;
      current = [];
      prefix = p;
    }
    current.push(decodeRecord(boundary, item));
  }
  if (current.length > 0) yield current;
}

