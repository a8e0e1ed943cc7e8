/**
 * Inventory snapshot pointers: which count is current for each side at each facility.
 *
 *   pk = SNAP#inventory   sk = <side>␟<facility>
 *
 * advanceSnapshot only ever moves a pointer forward in (asOf, version): an older count that
 * arrives late never wins, and re-delivering the current one changes nothing. Records of
 * other snapshots stay in the table, are ignored by compare and expire by TTL.
 */
import { GetItemCommand, PutItemCommand, QueryCommand, type DynamoDBClient, type QueryCommandOutput } from '@aws-sdk/client-dynamodb';
import { ReconError, ErrorCodes } from '../errors.ts';
import type { SideName } from '../feeds/catalog.ts';
import { num, str, type Item } from './attr.ts';
import { PART_END } from './keys.ts';
import { isConditionFailure, resolveRetry, withRetry } from './retry.ts';
import type { RetryOptions, SnapshotPointer } from './types.ts';

export const SNAPSHOT_PK = 'SNAP#inventory';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const keyOf = (side: SideName, facility: string): Item => ({ pk: { S: SNAPSHOT_PK }, sk: { S: `${side}${PART_END}${facility}` } });

function decodePointer(item: Item): SnapshotPointer {
  const sk = str(item, 'sk') ?? '';
  const cut = sk.indexOf(PART_END);
  const snapshot = str(item, 'snapshot');
  const asOf = str(item, 'asOf');
  const version = str(item, 'version');
  if (cut < 0 || snapshot === undefined || asOf === undefined || version === undefined) {
    throw new ReconError(ErrorCodes.STORAGE, `item ${JSON.stringify(sk)} is not a snapshot pointer`);
  }
  const p: SnapshotPointer = { side: sk.slice(0, cut) as SideName, facility: sk.slice(cut + 1), snapshot, asOf, version };
  const ttl = num(item, 'ttl');
  if (ttl !== undefined) p.ttl = ttl;
  return p;
}

export interface AdvanceOptions extends RetryOptions {
  /** The pointer expires this many seconds from now (give it the records' retention). */
  ttlSeconds?: number;
  now?: Date;
}

/**
 * Points side+facility at `p.snapshot` unless the pointer already holds a later or equal
 * (asOf, version). Returns whether it moved and the pointer now current.
 */
export async function advanceSnapshot(
  client: DynamoDBClient,
  tableName: string,
  p: Omit<SnapshotPointer, 'ttl'>,
  opts: AdvanceOptions = {},
): Promise<{ advanced: boolean; current: SnapshotPointer }> {
  if (!ISO_UTC.test(p.asOf)) {
    throw new ReconError(ErrorCodes.STORAGE, `snapshot asOf must be an ISO UTC time like 2026-11-26T10:00:00.000Z, got ${JSON.stringify(p.asOf)}`);
  }
  if (/[\u0000-\u001f]/.test(p.facility)) {
    throw new ReconError(ErrorCodes.STORAGE, `facility ${JSON.stringify(p.facility)} contains a control character`);
  }
  const retry = resolveRetry(opts);
  const item: Item = {
    ...keyOf(p.side, p.facility),
    snapshot: { S: p.snapshot },
    asOf: { S: p.asOf },
    version: { S: p.version },
  };
  if (opts.ttlSeconds !== undefined) item.ttl = { N: String(Math.floor((opts.now ?? new Date()).getTime() / 1000) + opts.ttlSeconds) };
  try {
    await withRetry(
      `PutItem (snapshot pointer) ${p.side}/${p.facility}`,
      () =>
        client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: item,
            // DynamoDB compares strings by UTF-8 bytes: ISO UTC text in one form sorts as time.
            ConditionExpression: 'attribute_not_exists(pk) OR #asOf < :asOf OR (#asOf = :asOf AND #version < :version)',
            ExpressionAttributeNames: { '#asOf': 'asOf', '#version': 'version' },
            ExpressionAttributeValues: { ':asOf': { S: p.asOf }, ':version': { S: p.version } },
          }),
        ),
      retry,
    );
    return { advanced: true, current: decodePointer(item) };
  } catch (e) {
    if (!isConditionFailure(e)) throw e;
  }
  const out = await withRetry(
    `GetItem (snapshot pointer) ${p.side}/${p.facility}`,
    () => client.send(new GetItemCommand({ TableName: tableName, Key: keyOf(p.side, p.facility), ConsistentRead: true })),
    retry,
  );
  if (!out.Item) return advanceSnapshot(client, tableName, p, opts); // expired in between: try again
  return { advanced: false, current: decodePointer(out.Item) };
}

/** Every current snapshot pointer (both sides, all facilities): one Query (paginated if huge). */
export async function readSnapshots(client: DynamoDBClient, tableName: string, opts: RetryOptions = {}): Promise<SnapshotPointer[]> {
  const retry = resolveRetry(opts);
  const pointers: SnapshotPointer[] = [];
  let start: Item | undefined;
  do {
    const page: QueryCommandOutput = await withRetry(
      `Query ${SNAPSHOT_PK}`,
      () =>
        client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': { S: SNAPSHOT_PK } },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        ),
      retry,
    );
    for (const item of page.Items ?? []) pointers.push(decodePointer(item));
    start = page.LastEvaluatedKey;
  } while (start);
  return pointers;
}
