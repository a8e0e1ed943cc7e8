/**
 * The ingest write path: one item per record identity, current state only (docs/data-model.md).
 *
 * Records are taken in batches of up to 100 keys. Each batch is read first with one
 * BatchGetItem (eventually consistent: half a read unit an item, about a tenth of a write's
 * price), then only the rows that must change the table are written, each with a conditional
 * PutItem `attribute_not_exists(sk) OR v < :v` (BatchWriteItem cannot carry a condition): a row
 * that is new, or newer with different content, or newer and due for a TTL refresh. An older
 * version never wins, even when two ingests race (the condition fails: counted `older`).
 * Unchanged rows cost the read only.
 *
 * A writer that is the only one of its side (a {@link SideWriter} holding the sole grant,
 * writers.ts) writes the rows it read after the grant with BatchWriteItem instead: nobody else
 * can have written them since its read, so the condition would always hold. A first load is
 * then a read and a batched write per 100 rows, not 100 PutItems. Without a writer, or when
 * another ingest of the side is at work, every write is conditional.
 *
 * Two rows of one identity in one file are found through the store (the stored item has the
 * same file id and another line): the later line wins and the caller is told — no per-row
 * map in memory. Memory is bounded by `concurrency` batches of 100 records.
 */
import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  BatchWriteItemCommand,
  GetItemCommand,
  PutItemCommand,
  type DynamoDBClient,
  type KeysAndAttributes,
} from '@aws-sdk/client-dynamodb';
import { ReconError, ErrorCodes } from '../errors.ts';
import type { Item } from './attr.ts';
import { SECTION_END } from './keys.ts';
import { consumedCapacity, encodeRecord, RecordAttr } from './records.ts';
import { guardEachAttempt, isWriteRefused } from './guard.ts';
import { backoffMs, isConditionFailure, isRetryable, resolveRetry, sleep, storageError, withRetry, type ResolvedRetry } from './retry.ts';
import type { KeyedRecord, RetryOptions } from './types.ts';
import type { SideWriter } from './writers.ts';

/** BatchGetItem's limit. */
export const READ_BATCH = 100;
/** BatchWriteItem's limit. */
const WRITE_BATCH = 25;

/** What the store held for a record's identity when a newer or older row of it came. */
export interface StoredRef {
  fileId: string;
  line: number;
  version: string;
}

export interface UpsertCounts {
  /** Rows written (new, changed, duplicate winners, TTL refreshes). */
  written: number;
  /** Of `written`: rows written only to refresh the TTL of an unchanged record. */
  refreshed: number;
  /** Rows whose stored record is newer or equal in version and content: nothing written. */
  unchanged: number;
  /** Rows older than the stored record (or losing a race to a newer one): nothing written. */
  older: number;
  /** Rows whose identity was already stored from the same file (another line). */
  duplicates: number;
  /** Of `written`: rows written with BatchWriteItem by the side's sole writer (writers.ts). */
  alone?: number;
}

export interface UpsertOptions extends RetryOptions {
  shards: number;
  /** Records expire this many seconds after their last write (DynamoDB TTL). */
  ttlSeconds?: number;
  /** Rewrite an unchanged record when less than this share of `ttlSeconds` is left. Default 0.25. */
  refreshShare?: number;
  /** A field left out of the content comparison (a snapshot's as-of: it changes every drop). */
  ignoreField?: (r: KeyedRecord) => string | undefined;
  /** Batches in flight at once. Default 4. */
  concurrency?: number;
  /** PutItems in flight per batch. Default 25. */
  putConcurrency?: number;
  /** Told of every row whose identity the store (or the batch) already held from another row: `kept` says which won. */
  onDuplicate?: (d: { record: KeyedRecord; stored: StoredRef; kept: 'new' | 'stored' }) => void;
  /**
   * This upserter's registration as a writer of its side (every record it takes is of that
   * side): writes wait for its lease, and go unconditional while it writes alone. Absent: every
   * write is a conditional PutItem.
   */
  writer?: SideWriter;
  /**
   * Whether the stored row came from a file this one replaces (an earlier version of the same
   * S3 object): such a row is rewritten even when its content is the same, so it names the
   * current version (a run counts only the current version's rows). Default: never.
   */
  replaces?: (stored: StoredRef) => boolean;
  /** Whether a stored row from another file is a duplicate too (e.g. a part of the same drop). Default: never. */
  sameDrop?: (record: KeyedRecord, stored: StoredRef) => boolean;
  now?: Date;
  /**
   * Asked before every attempt to send a row's write (each retry too, the SDK's own included;
   * a batch written alone asks for each of its rows): false and the row is not written (the
   * caller counts it). Ingest's snapshot write leave (lib/store/snapshots.ts).
   */
  mayWrite?: (r: KeyedRecord) => boolean | Promise<boolean>;
}

interface Pending {
  r: KeyedRecord;
  item: Item;
  key: string;
}

/** A row to write: `refresh` when only its TTL is due; `uncertain` when an earlier request with it may have landed. */
interface Write {
  p: Pending;
  refresh: boolean;
  uncertain?: boolean;
}

/** Upserts records (see the module comment). `add` them in file order, then `end()`. */
export class RecordUpserter {
  readonly counts: UpsertCounts = { written: 0, refreshed: 0, unchanged: 0, older: 0, duplicates: 0, alone: 0 };
  private batch = new Map<string, Pending>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly inflightKeys = new Map<string, Promise<void>>();
  private failure: ReconError | undefined;
  private readonly retry: ResolvedRetry;
  private readonly ttl: number | undefined;
  private readonly nowSec: number;
  private readonly concurrency: number;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly opts: UpsertOptions,
  ) {
    this.retry = resolveRetry(opts);
    this.concurrency = opts.concurrency ?? 4;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new ReconError(ErrorCodes.STORAGE, `concurrency must be a positive integer, got ${opts.concurrency}`);
    }
    this.nowSec = Math.floor((opts.now ?? new Date()).getTime() / 1000);
    this.ttl = opts.ttlSeconds === undefined ? undefined : this.nowSec + opts.ttlSeconds;
  }

  /** Takes one record; resolves when it is accepted into a batch (the caller awaits: back-pressure). */
  async add(r: KeyedRecord): Promise<void> {
    if (this.failure) throw this.failure;
    const item = encodeRecord(r, { shards: this.opts.shards, ttl: this.ttl });
    const key = item.pk.S + SECTION_END + SECTION_END + item.sk.S;
    const before = this.batch.get(key);
    if (before) {
      // The same identity twice in one batch: the higher version (in one file, the later line) wins; the other is not written.
      const win = r.version > before.r.version;
      const [winner, loser] = win ? [r, before.r] : [before.r, r];
      this.counts.older++;
      if (winner.fileId === loser.fileId || this.opts.sameDrop?.(winner, refOf(loser)) === true) {
        this.counts.duplicates++;
        this.opts.onDuplicate?.({ record: r, stored: refOf(before.r), kept: win ? 'new' : 'stored' });
      }
      if (win) this.batch.set(key, { r, item, key });
      return;
    }
    this.batch.set(key, { r, item, key });
    if (this.batch.size >= READ_BATCH) await this.flush();
  }

  /** Writes what is left and waits for every batch; throws the first failure. */
  async end(): Promise<UpsertCounts> {
    if (!this.failure) await this.flush();
    await Promise.all(this.inflight);
    if (this.failure) throw this.failure;
    return { ...this.counts };
  }

  private async flush(): Promise<void> {
    if (this.batch.size === 0) return;
    const b = this.batch;
    this.batch = new Map();
    while (this.inflight.size >= this.concurrency) await Promise.race(this.inflight);
    let conflicts: Set<Promise<void>> | undefined;
    for (const k of b.keys()) {
      const p = this.inflightKeys.get(k);
      if (p) (conflicts ??= new Set()).add(p);
    }
    if (conflicts) await Promise.all(conflicts);
    if (this.failure) throw this.failure;
    const p: Promise<void> = this.process([...b.values()])
      .catch((e: unknown) => {
        this.failure ??= storageError(`upserting records into ${this.tableName}`, e);
      })
      .finally(() => {
        this.inflight.delete(p);
        for (const k of b.keys()) if (this.inflightKeys.get(k) === p) this.inflightKeys.delete(k);
      });
    this.inflight.add(p);
    for (const k of b.keys()) this.inflightKeys.set(k, p);
  }

  /** One batch: read, decide, write. */
  private async process(rows: Pending[]): Promise<void> {
    await this.opts.writer?.permit();
    // Wall-clock time of the read: rows read after a sole grant may be written alone.
    const readAt = Date.now();
    const stored = await this.read(rows);
    const toWrite: Write[] = [];
    for (const p of rows) {
      const s = stored.get(p.key);
      if (!s) {
        toWrite.push({ p, refresh: false });
        continue;
      }
      const ref = refOf(decodeRef(s));
      const r = p.r;
      const dup = ref.fileId === r.fileId ? ref.line !== r.line : this.opts.sameDrop?.(r, ref) === true;
      if (r.version <= ref.version) {
        if (dup) {
          this.counts.duplicates++;
          this.opts.onDuplicate?.({ record: r, stored: ref, kept: 'stored' });
        }
        if (r.version === ref.version) this.counts.unchanged++;
        else this.counts.older++;
        continue;
      }
      if (dup) {
        this.counts.duplicates++;
        this.opts.onDuplicate?.({ record: r, stored: ref, kept: 'new' });
        toWrite.push({ p, refresh: false });
        continue;
      }
      if (this.opts.replaces?.(ref) === true || !sameContent(s, p.item, this.opts.ignoreField?.(r))) {
        toWrite.push({ p, refresh: false });
        continue;
      }
      if (this.dueForRefresh(s)) toWrite.push({ p, refresh: true });
      else this.counts.unchanged++;
    }
    await this.write(toWrite, readAt);
  }

  private dueForRefresh(s: Item): boolean {
    if (this.ttl === undefined || this.opts.ttlSeconds === undefined) return false;
    const t = s[RecordAttr.ttl]?.N;
    if (t === undefined) return true;
    return Number(t) - this.nowSec < this.opts.ttlSeconds * (this.opts.refreshShare ?? 0.25);
  }

  private async read(rows: Pending[]): Promise<Map<string, Item>> {
    const out = new Map<string, Item>();
    let keys: KeysAndAttributes | undefined = { Keys: rows.map((p) => ({ pk: p.item.pk, sk: p.item.sk })), ConsistentRead: false };
    for (let attempt = 1; keys && (keys.Keys?.length ?? 0) > 0; attempt++) {
      let next: KeysAndAttributes | undefined;
      try {
        const res: BatchGetItemCommandOutput = await this.client.send(new BatchGetItemCommand({ RequestItems: { [this.tableName]: keys }, ReturnConsumedCapacity: 'TOTAL' }));
        for (const c of res.ConsumedCapacity ?? []) consumedCapacity.read += c.CapacityUnits ?? 0;
        for (const item of res.Responses?.[this.tableName] ?? []) out.set(item.pk.S + SECTION_END + SECTION_END + item.sk.S, item);
        next = res.UnprocessedKeys?.[this.tableName];
      } catch (e) {
        if (!isRetryable(e) || attempt >= this.retry.maxAttempts) throw storageError(`BatchGetItem on ${this.tableName}`, e, { file: rows[0].r.file });
        await sleep(backoffMs(attempt, this.retry));
        continue;
      }
      if (next && (next.Keys?.length ?? 0) > 0) {
        if (attempt >= this.retry.maxAttempts) {
          throw new ReconError(ErrorCodes.STORAGE, `BatchGetItem on ${this.tableName}: ${next.Keys!.length} keys still unprocessed after ${attempt} attempts`, { file: rows[0].r.file });
        }
        await sleep(backoffMs(attempt, this.retry));
      }
      keys = next;
    }
    return out;
  }

  private async write(rows: Write[], readAt: number): Promise<void> {
    const w = this.opts.writer;
    let conditional: Write[] = rows;
    if (w && rows.length > 0 && w.mayWriteAlone(readAt)) {
      conditional = [];
      const groups: Write[][] = [];
      for (let i = 0; i < rows.length; i += WRITE_BATCH) groups.push(rows.slice(i, i + WRITE_BATCH));
      await Promise.all(groups.map(async (g) => conditional.push(...(await this.writeAlone(w, g, readAt)))));
    }
    const limit = this.opts.putConcurrency ?? 25;
    let next = 0;
    const worker = async () => {
      while (next < conditional.length) {
        const row = conditional[next++];
        const put = await this.putConditional(row.p, row.uncertain === true);
        if (put === 'refused') continue;
        if (put) this.countWritten(row, false);
        else {
          // A newer version landed between the read and the write (another ingest): it stays.
          this.counts.older++;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, conditional.length) }, worker));
  }

  private countWritten(row: Write, alone: boolean): void {
    this.counts.written++;
    if (alone) this.counts.alone!++;
    if (row.refresh) this.counts.refreshed++;
  }

  /**
   * Up to 25 rows with one BatchWriteItem, unconditionally, while the sole grant lasts
   * (unprocessed items are sent again). Returns the rows left to the conditional path: those
   * the grant ran out for, and those of a request that timed out (it may have landed: `uncertain`).
   */
  private async writeAlone(w: SideWriter, rows: Write[], readAt: number): Promise<Write[]> {
    let pending = rows;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (!w.mayWriteAlone(readAt)) return pending;
      let unprocessed: typeof rows = [];
      try {
        const res = await this.client.send(
          this.guardedBatch(pending, new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending.map(({ p }) => ({ PutRequest: { Item: p.item } })) }, ReturnConsumedCapacity: 'TOTAL' })),
          { abortSignal: w.requestSignal() },
        );
        for (const c of res.ConsumedCapacity ?? []) consumedCapacity.write += c.CapacityUnits ?? 0;
        const left = res.UnprocessedItems?.[this.tableName] ?? [];
        if (left.length > 0) {
          const keys = new Set(left.map((r) => r.PutRequest!.Item!.pk.S + SECTION_END + SECTION_END + r.PutRequest!.Item!.sk.S));
          unprocessed = pending.filter(({ p }) => keys.has(p.key));
        }
      } catch (e) {
        // A row refused by mayWrite: the rows go the conditional way, where each is asked again.
        if (isWriteRefused(e)) return pending;
        if (isAbort(e)) {
          w.abandonedRequest();
          return pending.map((r) => ({ ...r, uncertain: true }));
        }
        if (!isRetryable(e) || attempt >= this.retry.maxAttempts) throw storageError(`BatchWriteItem on ${this.tableName}`, e, { file: pending[0].p.r.file });
        await sleep(backoffMs(attempt, this.retry));
        continue;
      }
      for (const row of pending) if (!unprocessed.includes(row)) this.countWritten(row, true);
      pending = unprocessed;
      if (pending.length > 0) await sleep(backoffMs(attempt, this.retry));
    }
    return [];
  }

  /**
   * One conditional PutItem `attribute_not_exists(sk) OR v < :v`; false when the condition
   * failed (a newer version is stored). `uncertain`: an earlier request with this row may have
   * landed, so a failed condition is checked against the stored version.
   */
  private async putConditional(p: Pending, uncertain: boolean): Promise<boolean | 'refused'> {
    const w = this.opts.writer;
    for (let attempt = 1; ; attempt++) {
      if (w && !w.mayWrite()) await w.permit();
      try {
        const res: { ConsumedCapacity?: { CapacityUnits?: number } } = await this.client.send(
          this.guarded(p.r, new PutItemCommand({
            TableName: this.tableName,
            Item: p.item,
            ConditionExpression: 'attribute_not_exists(sk) OR #v < :v',
            ExpressionAttributeNames: { '#v': RecordAttr.version },
            ExpressionAttributeValues: { ':v': { S: p.r.version } },
            ReturnConsumedCapacity: 'TOTAL',
          })),
          w ? { abortSignal: w.requestSignal() } : {},
        );
        consumedCapacity.write += res.ConsumedCapacity?.CapacityUnits ?? 0;
        return true;
      } catch (e) {
        if (isConditionFailure(e)) return uncertain && (await this.storedVersion(p)) === p.r.version;
        // Refused before it was sent (mayWrite: a newer snapshot holds its part); the caller counted it.
        if (isWriteRefused(e)) return 'refused';
        if (isAbort(e)) uncertain = true;
        else if (!isRetryable(e)) throw storageError(`PutItem ${p.r.file}:${p.r.line}`, e);
        if (attempt >= this.retry.maxAttempts) throw storageError(`PutItem ${p.r.file}:${p.r.line} (after ${attempt} attempts)`, e);
        await sleep(backoffMs(attempt, this.retry));
      }
    }
  }

  /** A batch sent only when `mayWrite` allows each of its rows, asked before each attempt. */
  private guardedBatch(rows: ReadonlyArray<{ p: Pending }>, batch: BatchWriteItemCommand): BatchWriteItemCommand {
    const mayWrite = this.opts.mayWrite;
    if (!mayWrite) return batch;
    return guardEachAttempt(batch, async () => {
      for (const { p } of rows) if (!(await mayWrite(p.r))) return false;
      return true;
    });
  }

  /** A write with `mayWrite` asked before each of its attempts. */
  private guarded(r: KeyedRecord, put: PutItemCommand): PutItemCommand {
    const mayWrite = this.opts.mayWrite;
    return mayWrite ? guardEachAttempt(put, () => mayWrite(r)) : put;
  }

  private async storedVersion(p: Pending): Promise<string | undefined> {
    const out = await withRetry(
      `GetItem ${p.r.file}:${p.r.line}`,
      () => this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: p.item.pk, sk: p.item.sk }, ConsistentRead: true, ProjectionExpression: '#v', ExpressionAttributeNames: { '#v': RecordAttr.version } })),
      this.retry,
    );
    return out.Item?.[RecordAttr.version]?.S;
  }
}

/** The SDK's error for a request its abort signal ended. */
function isAbort(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: string }).name === 'AbortError';
}

function refOf(r: KeyedRecord): StoredRef {
  return { fileId: r.fileId, line: r.line, version: r.version };
}

function decodeRef(s: Item): KeyedRecord {
  return { fileId: s[RecordAttr.fileId]?.S ?? '', line: Number(s[RecordAttr.line]?.N ?? 0), version: s[RecordAttr.version]?.S ?? '' } as KeyedRecord;
}

/** Same feed and same fields (but `ignore`), value for value. */
function sameContent(stored: Item, item: Item, ignore: string | undefined): boolean {
  if (stored[RecordAttr.feed]?.S !== item[RecordAttr.feed]?.S) return false;
  const a = stored[RecordAttr.fields]?.M;
  const b = item[RecordAttr.fields]?.M;
  if (!a || !b) return false;
  let na = 0;
  for (const k in a) {
    if (k === ignore) continue;
    na++;
    if (!Object.hasOwn(b, k) || a[k].S !== b[k].S) return false;
  }
  let nb = 0;
  for (const k in b) if (k !== ignore) nb++;
  return na === nb;
}
