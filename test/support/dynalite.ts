/**
 * A dynalite (DynamoDB wire protocol, in memory) started in-process on a random loopback port,
 * with a table created and an SDK v3 client pointed at it. For *.connected.test.ts and benches.
 *
 *   const db = await startDynalite();      // db.client, db.tableName, db.endpoint
 *   …
 *   await db.stop();
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { createTable } from '../../lib/store/table.ts';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options?: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;

export interface LocalDynamo {
  client: DynamoDBClient;
  tableName: string;
  endpoint: string;
  /** A new client on the same server (its own middleware stack), e.g. for fault injection. */
  newClient(config?: Partial<DynamoDBClientConfig>): DynamoDBClient;
  stop(): Promise<void>;
}

export async function startDynalite(opts: { tableName?: string; createTable?: boolean; clientConfig?: Partial<DynamoDBClientConfig> } = {}): Promise<LocalDynamo> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: DynamoDBClient[] = [];
  const newClient = (config: Partial<DynamoDBClientConfig> = {}) => {
    const c = new DynamoDBClient({
      region: 'us-east-1',
      endpoint,
      // dynalite checks that a signature is present, not what it signs: any static pair works.
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      ...opts.clientConfig,
      ...config,
    });
    clients.push(c);
    return c;
  };
  const client = newClient();
  const tableName = opts.tableName ?? 'oms-recon-test';
  if (opts.createTable ?? true) await createTable(client, tableName);
  return {
    client,
    tableName,
    endpoint,
    newClient,
    async stop() {
      for (const c of clients) c.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
