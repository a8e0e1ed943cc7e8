/**
 * Run as a child process by test/pipeline/snapshot-race.connected.test.ts: one ingest (the
 * real handler, functions/ingest.ts) in a process of its own, on its own clients to the
 * parent's dynalite and s3rver — the two ingests share nothing but the table.
 *   node --import tsx test/support/snapshot-race-child.ts '<json: endpoints, table, bucket, event, now, fenceMs, gate>'
 * Fault injection: after its first BatchGetItem it writes `<gate>.read` and waits for
 * `<gate>.go` before going on (a stall between its read and its write). Prints the outcomes as
 * one JSON line.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DEFAULT_CONFIG } from '../../lib/config.ts';
import { lambdaContext } from '../../lib/pipeline/local.ts';
import * as ingestFn from '../../functions/ingest.ts';

const a = JSON.parse(process.argv[2]) as { dynamo: string; s3: string; table: string; bucket: string; event: unknown; now: string; fenceMs: number; shards: number; gate: string };
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const region = 'us-east-1';
const dynamo = new DynamoDBClient({ region, endpoint: a.dynamo, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
// As lib/pipeline/standins.ts configures a client of s3rver.
const s3 = new S3Client({ region, endpoint: a.s3, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
let stalled = false;
dynamo.middlewareStack.add(
  ((next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
    const out = await next(args);
    if (context.commandName === 'BatchGetItemCommand' && !stalled) {
      stalled = true;
      writeFileSync(`${a.gate}.read`, '');
      while (!existsSync(`${a.gate}.go`)) await new Promise((r) => setTimeout(r, 20));
    }
    return out;
  }) as never,
  { step: 'initialize', name: 'stall-after-read' },
);
const settings = { tableName: a.table, bucketName: a.bucket, shards: a.shards, retentionDays: 35, config: DEFAULT_CONFIG, debounceSeconds: 0, maxWaitSeconds: 60, snapshotFenceMs: a.fenceMs };
const handler = ingestFn.createHandler({ dynamo, s3, settings: () => settings, now: () => new Date(a.now) }) as unknown as (e: unknown, c: unknown) => Promise<unknown>;
const out = await handler(a.event, lambdaContext('ingest'));
process.stdout.write(JSON.stringify(out) + '\n');
dynamo.destroy();
s3.destroy();
