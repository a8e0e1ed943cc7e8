/**
 * A large file through the chunked ingest (lib/pipeline/chunk.ts), invocation by invocation:
 *
 *   npm run bench:ingest -- [rows=1000000] [chunkRows=250000]
 *
 * Writes an oms-inventory CSV of `rows` rows, puts it in s3rver, and delivers its S3 event
 * to the real ingest handler (functions/ingest.ts); each continuation it asks for is the
 * next handler call, as Lambda's asynchronous self-invoke would be. Prints, per invocation,
 * its time, the rows it re-read (skipped, already stored) and wrote, and its peak RSS
 * (sampled every 20 ms, after a GC between invocations); then the manifest's counts and
 * whether its checksum is the file's sha256.
 *
 * The manifest, its checkpoints and S3 are real (dynalite, s3rver). BatchWriteItem is
 * answered in-process (every item accepted, none stored): dynalite writes a few thousand
 * items a second, which would measure dynalite, not the ingest. DynamoDB's write path is
 * measured by `npm run bench:pipeline`; on AWS the write rate decides how many rows one
 * 15-minute invocation gets through (docs/data-model.md "Ingesting large files").
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient, WriteRequest } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Context, S3Event } from 'aws-lambda';
import { createHandler } from '../functions/ingest.ts';
import { DEFAULT_CONFIG } from '../lib/config.ts';
import { ContinuationQueue } from '../lib/pipeline/chunk.ts';
import type { PipelineDeps } from '../lib/pipeline/deps.ts';
import type { PipelineSettings } from '../lib/pipeline/env.ts';
import type { IngestOutcome } from '../lib/pipeline/ingest.ts';
import { lambdaContext, s3Event } from '../lib/pipeline/local.ts';
import { startDynalite, startS3rver } from '../lib/pipeline/standins.ts';
import { createTable, getFile } from '../lib/store/index.ts';
import { inventoryPair } from './generate.ts';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const CHUNK_ROWS = Number(process.argv[3] ?? 250_000);

type Next = (args: { input: Record<string, unknown> }) => Promise<{ output: Record<string, unknown>; response: unknown }>;

/** BatchWriteItem accepted in-process (see the header); every other command goes to dynalite. */
function acceptWrites(client: DynamoDBClient): { items: number } {
  const stats = { items: 0 };
  client.middlewareStack.add(
    ((next: Next, context: { commandName?: string }) => async (args: { input: Record<string, unknown> }) => {
      if (context.commandName !== 'BatchWriteItemCommand') return next(args);
      for (const items of Object.values(args.input.RequestItems as Record<string, WriteRequest[]>)) stats.items += items.length;
      return { output: { UnprocessedItems: {}, $metadata: {} }, response: {} };
    }) as never,
    { step: 'initialize', name: 'accept-writes' },
  );
  return stats;
}

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'oms-recon-ingest-bench-'));
  const db = await startDynalite({ tableName: 'bench' });
  const s3 = await startS3rver({ bucket: 'bench' });
  try {
    await createTable(db.client, 'bench').catch(() => undefined);
    const { oms: path } = await inventoryPair(dir, ROWS);
    const size = statSync(path).size;
    const key = `inbound/oms-inventory/bench-${ROWS}.csv`;
    const put = await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: createReadStream(path), ContentLength: size }));
    const expected = await sha256(path);
    console.log(`file: ${ROWS.toLocaleString('en-US')} rows, ${mb(size)}; chunk ${CHUNK_ROWS.toLocaleString('en-US')} rows`);

    const dynamo = db.newClient();
    const writes = acceptWrites(dynamo);
    const settings: PipelineSettings = {
      tableName: 'bench', bucketName: s3.bucket, shards: 16, retentionDays: 35, config: DEFAULT_CONFIG, debounceSeconds: 120, maxWaitSeconds: 900,
      chunk: { chunkRows: CHUNK_ROWS },
    };
    const queue = new ContinuationQueue();
    const logs: Array<Record<string, unknown>> = [];
    const deps: PipelineDeps = { dynamo, s3: s3.client, settings: () => settings, continueIngest: queue.continueIngest, log: (e) => logs.push(e) };
    const handler = createHandler(deps) as unknown as (event: unknown, context: Context) => Promise<IngestOutcome[]>;
    const gc = (globalThis as { gc?: () => void }).gc;

    const rows: string[] = [];
    let next: unknown = s3Event(s3.bucket, key, size, put.ETag, new Date(), 1) as S3Event;
    let invocation = 0;
    let peakAll = 0;
    const t0 = Date.now();
    while (next) {
      invocation++;
      gc?.();
      const before = writes.items;
      let peak = process.memoryUsage().rss;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      const started = Date.now();
      const [outcome] = await handler(next, lambdaContext('ingest'));
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().rss);
      peakAll = Math.max(peakAll, peak);
      const ms = Date.now() - started;
      const read = outcome.status === 'continued' || outcome.status === 'ingested' ? outcome.read : 0;
      const resumed = [...logs].reverse().find((l) => l.message === 'resuming') as { from?: { read: number } } | undefined;
      const reread = invocation > 1 ? resumed?.from?.read ?? 0 : 0;
      rows.push(`| ${invocation} | ${outcome.status} | ${reread.toLocaleString('en-US')} | ${(writes.items - before).toLocaleString('en-US')} | ${(ms / 1000).toFixed(1)} s | ${mb(peak)} |`);
      let more: unknown;
      await queue.drain(async (e) => {
        more = e;
        return [];
      });
      next = more;
    }
    const total = (Date.now() - t0) / 1000;
    console.log('\n| invocation | outcome | rows re-read | records written | time | peak RSS |\n|---|---|---|---|---|---|');
    for (const r of rows) console.log(r);
    const m = await getFile(dynamo, 'bench', { boundary: 'inventory', bucket: s3.bucket, key, objectVersion: (put.ETag ?? '').replace(/"/g, '') });
    console.log(`\ntotal ${total.toFixed(1)} s for ${invocation} invocations (${Math.round(ROWS / total).toLocaleString('en-US')} rows/s end to end); peak RSS ${mb(peakAll)}`);
    console.log(`manifest: ${m?.status}, read ${m?.rowsRead} = stored ${m?.rowsStored} + rejected ${m?.rowsRejected} + skipped ${m?.rowsSkipped}; records written ${writes.items}; checksum ${m?.checksum === expected ? 'is' : 'is NOT'} the file's sha256`);
    if (m?.status !== 'done' || m.rowsRead !== ROWS || m.checksum !== expected) process.exitCode = 1;
  } finally {
    await Promise.all([db.stop(), s3.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
