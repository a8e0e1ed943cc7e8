/**
 * The table's shape. The real table comes from the CDK construct (cdk/), which should use
 * {@link TableSchema}; {@link createTable} makes the same table locally (dynalite, tests).
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { storageError, sleep } from './retry.ts';

export const TableSchema = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  /** Epoch seconds; DynamoDB TTL deletes expired records, manifests, runs (enable it in CDK). */
  timeToLiveAttribute: 'ttl',
  billing: 'PAY_PER_REQUEST',
} as const;

/** Creates the table (pk/sk strings, on-demand) and waits until it is ACTIVE. Idempotent. */
export async function createTable(client: DynamoDBClient, tableName: string, opts: { timeoutMs?: number } = {}): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [
          { AttributeName: TableSchema.partitionKey.name, AttributeType: 'S' },
          { AttributeName: TableSchema.sortKey.name, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: TableSchema.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: TableSchema.sortKey.name, KeyType: 'RANGE' },
        ],
        BillingMode: TableSchema.billing,
      }),
    );
  } catch (e) {
    if ((e as { name?: string }).name !== 'ResourceInUseException') throw storageError(`CreateTable ${tableName}`, e);
  }
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    let status: string | undefined;
    try {
      const d = await client.send(new DescribeTableCommand({ TableName: tableName }));
      status = d.Table?.TableStatus;
    } catch (e) {
      throw storageError(`DescribeTable ${tableName}`, e);
    }
    if (status === 'ACTIVE') return;
    if (Date.now() > deadline) throw storageError(`CreateTable ${tableName}`, new Error(`table still ${status} after waiting`));
    await sleep(50);
  }
}
