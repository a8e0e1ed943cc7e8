/**
 * Real-protocol stand-ins for AWS, in this process: dynalite (DynamoDB) and s3rver (S3) on
 * random loopback ports, with SDK v3 clients configured as TOOLCHAIN.md says they must be.
 * Used by `oms-recon local`, the connected tests and the pipeline bench.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { ErrorCodes, ReconError } from '../errors.ts';
import { createTable } from '../store/table.ts';

const require = createRequire(import.meta.url);

/**
 * The packages `oms-recon local` and `demo` run on, with the versions we test: devDependencies
 * of a clone (`npm ci`), optional peer dependencies of the installed package (a team that only
 * deploys the construct never gets them).
 */
export const LOCAL_PACKAGES: Readonly<Record<string, string>> = { dynalite: '^4.0.0', s3rver: '^3.7.1', 'aws-local-stepfunctions': '^3.0.0' };

/** Throws E_ENVIRONMENT naming what to install when a package of {@link LOCAL_PACKAGES} is missing. */
export function checkLocalPackages(resolve: (name: string) => string = require.resolve): void {
  const missing = Object.keys(LOCAL_PACKAGES).filter((name) => {
    try {
      resolve(name);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  throw new ReconError(
    ErrorCodes.ENVIRONMENT,
    `oms-recon local and demo run the pipeline on local stand-ins for AWS, which are not installed: ${missing.join(', ')}. ` +
      `Install them beside oms-recon: npm install --save-dev ${missing.map((n) => `${n}@${LOCAL_PACKAGES[n]}`).join(' ')} (a clone's npm ci has them)`,
  );
}
type DynaliteFactory = (options?: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number; path?: string }) => Server;
type S3rverCtor = new (options: Record<string, unknown>) => { run(): Promise<AddressInfo>; close(): Promise<void> };

// The stand-ins check that a request is signed, not by whom: any static pair works.
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const region = 'us-east-1';

export interface LocalDynamo {
  client: DynamoDBClient;
  tableName: string;
  endpoint: string;
  /** A new client on the same server (its own middleware stack), e.g. for fault injection. */
  newClient(config?: Partial<DynamoDBClientConfig>): DynamoDBClient;
  stop(): Promise<void>;
}

/**
 * dynalite on a random loopback port. With `path`, its tables live in a LevelDB folder there
 * (dynalite's own persistence, classic-level) and a later start on the same folder sees them;
 * without, in memory.
 */
export async function startDynalite(opts: { tableName?: string; createTable?: boolean; clientConfig?: Partial<DynamoDBClientConfig>; path?: string } = {}): Promise<LocalDynamo> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const dynalite = require('dynalite') as DynaliteFactory;
  if (opts.path) await mkdir(opts.path, { recursive: true });
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(opts.path ? { path: opts.path } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: DynamoDBClient[] = [];
  const newClient = (config: Partial<DynamoDBClientConfig> = {}) => {
    const c = new DynamoDBClient({ region, endpoint, credentials, ...opts.clientConfig, ...config });
    clients.push(c);
    return c;
  };
  const client = newClient();
  const tableName = opts.tableName ?? 'oms-recon-local';
  if (opts.createTable !== false) await createTable(client, tableName);
  return {
    client,
    tableName,
    endpoint,
    newClient,
    async stop() {
      for (const c of clients) c.destroy();
      // dynalite's close also closes its LevelDB (a kept folder is then free for the next start).
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface LocalS3 {
  client: S3Client;
  bucket: string;
  endpoint: string;
  stop(): Promise<void>;
}

/** s3rver on a random loopback port; with `directory`, its objects stay there after stop (else a temporary folder, removed). */
export async function startS3rver(opts: { bucket?: string; directory?: string } = {}): Promise<LocalS3> {
  const S3rver = require('s3rver') as S3rverCtor;
  const keep = opts.directory !== undefined;
  if (keep) await mkdir(opts.directory!, { recursive: true });
  const directory = opts.directory ?? (await mkdtemp(join(tmpdir(), 'oms-recon-s3-')));
  const bucket = opts.bucket ?? 'oms-recon-local';
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, resetOnClose: !keep });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    region,
    endpoint,
    // s3rver checks signatures against its one built-in key pair.
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    forcePathStyle: true,
    // Without these the SDK frames streamed uploads as aws-chunked, which s3rver stores verbatim.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (e) {
    // A kept folder already holds the bucket.
    const name = (e as { name?: string }).name;
    if (keep && (name === 'BucketAlreadyOwnedByYou' || name === 'BucketAlreadyExists')) return { client, bucket, endpoint, stop: stopS3 };
    client.destroy();
    await server.close();
    throw e;
  }
  async function stopS3() {
    client.destroy();
    await server.close();
    if (!keep) await rm(directory, { recursive: true, force: true });
  }
  return { client, bucket, endpoint, stop: stopS3 };
}
