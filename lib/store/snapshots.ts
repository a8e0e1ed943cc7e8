/**
 * Snapshot pointers: the newest snapshot time seen per boundary, side and covered part
 * (facility), so a file of an older snapshot writes nothing for that part once a newer one
 * has been seen (docs/data-model.md, "Snapshot pointer").
 *
 *   pk = SNAP#<boundary>   sk = <side>␟<part>
 *   t  = the newest snapshot time seen (ISO)
 *   w  = the stamp (epoch ms, the writer's clock, taken before asking) of the last write leave
 *        taken for the part by a file of snapshot time ≤ t
 *   pw = w as it was when t was raised to its current value: the newest leave an older
 *        snapshot could still be writing under
 *
 * `raiseSnapshot` raises t with a conditional UpdateItem (`t < :t`): an older time never
 * replaces a newer one. `takeWriteLeave` stamps w, conditional on t not being newer than the
 * writer's snapshot: a writer sends a write only within a short validity of its last leave
 * (`leaveMs`), and a file that raised t (or finds t at its own time) reads no stored record of
 * the part before `pw + fenceMs`: every write an older snapshot was allowed to send has landed
 * by then, so the newer file sees it (and rewrites its own count over it when they differ).
 */
import { GetItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { BoundaryName } from '../feeds/catalog.ts';
import { PART_END } from './keys.ts';
import { isConditionFailure, resolveRetry, sendIf, withRetry } from './retry.ts';
import type { RetryOptions } from './types.ts';

export function snapshotPk(boundary: BoundaryName): string {
  return `SNAP#${boundary}`;
}

export interface SnapshotPart {
  boundary: BoundaryName;
  side: string;
  part: string;
}

/** What a pointer said when it was raised or read. */
export interface SnapshotPointer {
  /** The newest snapshot time seen. */
  time: string;
  /** Epoch ms: the newest write leave taken under an older time before `time` was raised (0: none). */
  raisedOver: number;
}

/** How long a write leave is valid: two fifths of the fence; the rest is for the write to land and replicate. */
export function leaveMs(fenceMs: number): number {
  return Math.floor((fenceMs * 2) / 5);
}

function keyOf(at: SnapshotPart) {
  return { pk: { S: snapshotPk(at.boundary) }, sk: { S: at.side + PART_END + at.part } };
}

function pointerOf(item: Record<string, { S?: string; N?: string }> | undefined, fallback: string): SnapshotPointer {
  return { time: item?.t?.S ?? fallback, raisedOver: Number(item?.pw?.N ?? 0) };
}

/** Raises the pointer to `time` when it is newer; returns the pointer after (the newest time seen, and the leave it was raised over). */
export async function raiseSnapshot(
  client: DynamoDBClient,
  tableName: string,
  at: SnapshotPart & { time: string; ttl?: number },
  opts: RetryOptions = {},
): Promise<SnapshotPointer> {
  const retry = resolveRetry(opts);
  const Key = keyOf(at);
  try {
    const out = await withRetry(
      `UpdateItem ${Key.pk.S}`,
      () =>
        client.send(new UpdateItemCommand({
          TableName: tableName,
          Key,
          // pw keeps the last leave of the older snapshot(s): whoever reads the part under the new time waits out its fence.
          UpdateExpression: 'SET t = :t, pw = if_not_exists(w, :zero)' + (at.ttl === undefined ? '' : ', #ttl = :ttl'),
          ConditionExpression: 'attribute_not_exists(t) OR t < :t',
          ...(at.ttl === undefined ? {} : { ExpressionAttributeNames: { '#ttl': 'ttl' } }),
          ExpressionAttributeValues: { ':t': { S: at.time }, ':zero': { N: '0' }, ...(at.ttl === undefined ? {} : { ':ttl': { N: String(at.ttl) } }) },
          ReturnValues: 'ALL_NEW',
        })),
      retry,
    );
    return pointerOf(out.Attributes, at.time);
  } catch (e) {
    if (!isConditionFailure(e)) throw e;
  }
  return readSnapshot(client, tableName, at, opts, at.time);
}

/** The pointer as it is now (strongly consistent); `fallback` as its time when there is none. */
export async function readSnapshot(client: DynamoDBClient, tableName: string, at: SnapshotPart, opts: RetryOptions = {}, fallback = ''): Promise<SnapshotPointer> {
  const Key = keyOf(at);
  const out = await withRetry(`GetItem ${Key.pk.S}`, () => client.send(new GetItemCommand({ TableName: tableName, Key, ConsistentRead: true })), resolveRetry(opts));
  return pointerOf(out.Item, fallback);
}

/**
 * Takes leave to write rows of snapshot `time` for a part: stamps w = `stamp` unless the
 * pointer is newer than `time` (a pointer that is gone — expired — is set to `time`, as a
 * raise would). `stamp` is the caller's clock read before the call: the leave is valid for
 * `leaveMs(fence)` from it. Returns the pointer's time when refused.
 */
export async function takeWriteLeave(
  client: DynamoDBClient,
  tableName: string,
  at: SnapshotPart & { time: string; stamp: number; ttl?: number },
  opts: RetryOptions = {},
): Promise<{ granted: true } | { granted: false; newest: string }> {
  const retry = resolveRetry(opts);
  const Key = keyOf(at);
  const granted = await sendIf(
    `UpdateItem ${Key.pk.S}`,
    () =>
      client.send(new UpdateItemCommand({
        TableName: tableName,
        Key,
        UpdateExpression: 'SET w = :w, t = if_not_exists(t, :t)' + (at.ttl === undefined ? '' : ', #ttl = if_not_exists(#ttl, :ttl)'),
        ConditionExpression: 'attribute_not_exists(t) OR t <= :t',
        ...(at.ttl === undefined ? {} : { ExpressionAttributeNames: { '#ttl': 'ttl' } }),
        ExpressionAttributeValues: { ':t': { S: at.time }, ':w': { N: String(at.stamp) }, ...(at.ttl === undefined ? {} : { ':ttl': { N: String(at.ttl) } }) },
      })),
    retry,
  );
  if (granted) return { granted: true };
  return { granted: false, newest: (await readSnapshot(client, tableName, at, opts, at.time)).time };
}
