/**
 * The raw-write baseline of the benches: a hand-written loader — BatchWriteItem of 25 items,
 * `concurrency` requests in flight, unprocessed items resent until none are left. What an
 * ingest would cost if it only wrote (no read first, no condition, no parsing).
 *
 * `toItem`, when given, marshals each source value inside the timed loop (bench/store.bench.ts
 * compares it with writeRecords, which marshals too); without it the source values are the
 * items, marshalled beforehand (bench/pipeline.bench.ts and bench/ingest-chunks.bench.ts
 * replay the items the ingest stored).
 */
import { BatchWriteItemCommand, type AttributeValue, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';

export type RawItem = Record<string, AttributeValue>;

/** BatchWriteItem's limit. */
export const WRITE_BATCH = 25;

export interface RawWriteOptions<T> {
  /** Requests in flight at once. Default 6. */
  concurrency?: number;
  /** Marshals one source value (inside the timed loop); default: the values are items. */
  toItem?: (value: T) => RawItem;
}

/** Writes every item; resolves to the number of items DynamoDB accepted (all of them). */
export async function rawBatchWrite<T = RawItem>(client: DynamoDBClient, tableName: string, values: readonly T[], opts: RawWriteOptions<T> = {}): Promise<number> {
  const toItem = opts.toItem ?? ((v: T) => v as unknown as RawItem);
  let next = 0;
  let written = 0;
  const worker = async () => {
    for (;;) {
      const start = next;
      next += WRITE_BATCH;
      if (start >= values.length) return;
      let batch: WriteRequest[] = values.slice(start, start + WRITE_BATCH).map((v) => ({ PutRequest: { Item: toItem(v) } }));
      while (batch.length) {
        const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: batch } }));
        const un = out.UnprocessedItems?.[tableName] ?? [];
        written += batch.length - un.length;
        batch = un;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 6 }, worker));
  return written;
}
