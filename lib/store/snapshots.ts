/**
 * Snapshot pointers: the newest snapshot time seen per boundary, side and covered part
 * (facility), so a file of an older snapshot arriving late writes nothing for that part.
 *
 *   pk = SNAP#<boundary>   sk = <side>␟<part>   t = <snapshot time, ISO>
 *
 * Raised with a conditional UpdateItem (`t < :t`): an older time never replaces a newer one.
 */
import { GetItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { BoundaryName } from '../feeds/catalog.ts';
import { PART_END } from './keys.ts';
import { isConditionFailure, resolveRetry, withRetry } from './retry.ts';
import type { RetryOptions } from './types.ts';

export function snapshotPk(boundary: BoundaryName): string {
  return `SNAP#${boundary}`;
}

/** Raises the pointer to `time` when it is newer; returns the pointer's time after (the newest seen). */
export async function raiseSnapshot(
  client: DynamoDBClient,
  tableName: string,
  at: { boundary: BoundaryName; side: string; part: string; time: string; ttl?: number },
  opts: RetryOptions = {},
): Promise<string> {
  const retry = resolveRetry(opts);
  const Key = { pk: { S: snapshotPk(at.boundary) }, sk: { S: at.side + PART_END + at.part } };
  try {
    await withRetry(
      `UpdateItem ${Key.pk.S}`,
      () =>
        tableSend(client, new UpdateItemCommand({
          TableName: tableName,
          Key,
          UpdateExpression: at.ttl === undefined ? 'SET t = :t' : 'SET t = :t, #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(t) OR t < :t',
          ...(at.ttl === undefined ? {} : { ExpressionAttributeNames: { '#ttl': 'ttl' } }),
          ExpressionAttributeValues: { ':t': { S: at.time }, ...(at.ttl === undefined ? {} : { ':ttl': { N: String(at.ttl) } }) },
        })),
      retry,
    );
    return at.time;
  } catch (e) {
    if (!isConditionFailure(e)) throw e;
  }
  const out = await withRetry(`GetItem ${Key.pk.S}`, () => client.send(new GetItemCommand({ TableName: tableName, Key, ConsistentRead: true })), retry);
  return out.Item?.t?.S ?? at.time;
}

function tableSend(client: DynamoDBClient, cmd: UpdateItemCommand) {
  return client.send(cmd);
}
