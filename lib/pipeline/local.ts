/**
 * `oms-recon local`: the real pipeline on one machine. dynalite and s3rver stand in for
 * DynamoDB and S3; every inbox file is uploaded under inbound/<feed>/ (a partner folder
 * <feed>/<partner>/ under inbound/<feed>/<partner>/) and handed to the real
 * ingest handler as a real-S3-shaped event; the state machine synthesized from the CDK app
 * runs in aws-local-stepfunctions with the real plan / compare / summarize handlers; every
 * SNS Publish is captured. Outputs: <out>/<boundary>/report.json (+ CSV, Markdown, HTML) and
 * <out>/notifications/<n>.json.
 */
import { readdirSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Context, S3Event, S3EventRecord } from 'aws-lambda';
import { BOUNDARY } from '../boundaries/index.ts';
import { DEFAULT_CONFIG, type ReconConfig } from '../config.ts';
import { ErrorCodes, ReconError } from '../errors.ts';
import { BOUNDARIES, FEED_NAMES, FEEDS, type BoundaryName, type FeedName } from '../feeds/catalog.ts';
import type { Report } from '../report/model.ts';
import { REPORT_FILES } from '../report/write.ts';
import { Prefix, type RunInput, type SummarizeOutput } from './contracts.ts';
import type { PipelineDeps } from './deps.ts';
import { PRESIGN_MAX_SECONDS, type PipelineSettings } from './env.ts';
import { ContinuationQueue } from './chunk.ts';
import type { IngestOutcome } from './ingest.ts';
import { getText, runKeys } from './objects.ts';
import { startDynalite, startS3rver } from './standins.ts';

export interface SnsPublishInput {
  TopicArn: string;
  Subject?: string;
  Message: string;
  MessageStructure?: string;
  /** SNS message attributes (boundary, severity, new, …), for subscription filter policies. */
  MessageAttributes?: Record<string, { DataType: string; StringValue?: string }>;
}

export interface LocalRunOptions {
  inbox: string;
  out: string;
  config?: ReconConfig;
  shards?: number;
  progress?: (line: string) => void;
  now?: () => Date;
  /** Seconds the pre-signed report links in the messages are valid (default 7 days). */
  reportLinkExpiresSeconds?: number;
}

export interface LocalRunResult {
  reports: Partial<Record<BoundaryName, Report>>;
  notifications: SnsPublishInput[];
  ingested: IngestOutcome[];
  skipped: Array<{ boundary: BoundaryName; reason: string }>;
  failed: Array<{ boundary: BoundaryName; error: string }>;
}

interface InboxFile {
  feed: FeedName;
  name: string;
  path: string;
}

async function scanInbox(inbox: string): Promise<InboxFile[]> {
  let entries: string[];
  try {
    entries = await readdir(inbox);
  } catch (e) {
    throw new ReconError(ErrorCodes.FILE_UNREADABLE, `cannot read the inbox folder: ${(e as Error).message}`, { file: inbox }, { cause: e });
  }
  const unknown = entries.filter((e) => !e.startsWith('.') && !(FEED_NAMES as readonly string[]).includes(e) && !e.endsWith('.json'));
  if (unknown.length) {
    throw new ReconError(ErrorCodes.USAGE, `the inbox holds folders that are not feeds: ${unknown.join(', ')} (feeds: ${FEED_NAMES.join(', ')})`, { file: inbox });
  }
  const files: InboxFile[] = [];
  for (const feed of FEED_NAMES) {
    if (!entries.includes(feed)) continue;
    for (const f of feedFolderFiles(join(inbox, feed))) files.push({ feed, ...f });
  }
  if (files.length === 0) throw new ReconError(ErrorCodes.NO_ROWS, `the inbox has no feed files (expected folders ${FEED_NAMES.join(', ')})`, { file: inbox });
  return files;
}

/**
 * The files of a feed folder, names sorted: its own files (`<feed>/<file>`), then those in
 * sub-folders — a partner's folder, `<feed>/<partner>/…` — named by their path below the
 * feed folder, as their S3 key below `inbound/<feed>/` is. Hidden names are left out.
 */
export function feedFolderFiles(dir: string, below = ''): Array<{ name: string; path: string }> {
  const out: Array<{ name: string; path: string }> = [];
  const folders: string[] = [];
  for (const entry of readdirSync(join(dir, below)).sort()) {
    if (entry.startsWith('.')) continue;
    const name = below ? `${below}/${entry}` : entry;
    const info = statSync(join(dir, name));
    if (info.isFile()) out.push({ name, path: join(dir, name) });
    else if (info.isDirectory()) folders.push(name);
  }
  for (const folder of folders) for (const f of feedFolderFiles(dir, folder)) out.push(f);
  return out;
}

/** An S3 key as S3 puts it in an event: URL-encoded, `+` for spaces, `/` kept. */
export function eventKey(key: string): string {
  return key.split('/').map((s) => encodeURIComponent(s).replace(/%20/g, '+')).join('/');
}

export function s3Event(bucket: string, key: string, size: number, eTag: string | undefined, at: Date, sequence: number): S3Event {
  const record: S3EventRecord = {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: at.toISOString(),
    eventName: 'ObjectCreated:Put',
    userIdentity: { principalId: 'local' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': `local-${sequence}`, 'x-amz-id-2': 'local' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'inbound',
      bucket: { name: bucket, ownerIdentity: { principalId: 'local' }, arn: `arn:aws:s3:::${bucket}` },
      object: { key: eventKey(key), size, eTag: (eTag ?? '').replace(/"/g, ''), sequencer: sequence.toString(16).toUpperCase().padStart(16, '0') },
    },
  };
  return { Records: [record] };
}

export function lambdaContext(name: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    memoryLimitInMB: '1024',
    awsRequestId: `local-${Date.now()}`,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 900_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

function polyfillWithResolvers(): void {
  // aws-local-stepfunctions calls Promise.withResolvers (Node 22); Node 20 lacks it.
  const P = Promise as unknown as { withResolvers?: () => unknown };
  P.withResolvers ??= function withResolvers<T>() {
    let resolve!: (v: T) => void, reject!: (e: unknown) => void;
    const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
    return { promise, resolve, reject };
  };
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

export async function runLocalPipeline(opts: LocalRunOptions): Promise<LocalRunResult> {
  const say = opts.progress ?? (() => {});
  const now = opts.now ?? (() => new Date());
  const files = await scanInbox(opts.inbox);
  polyfillWithResolvers();

  say(`start    dynalite (DynamoDB) and s3rver (S3) on loopback`);
  const db = await startDynalite();
  const s3 = await startS3rver().catch(async (e) => {
    await db.stop();
    throw e;
  });
  const result: LocalRunResult = { reports: {}, notifications: [], ingested: [], skipped: [], failed: [] };
  try {
    const settings: PipelineSettings = {
      tableName: db.tableName,
      bucketName: s3.bucket,
      shards: opts.shards ?? 4,
      retentionDays: 35,
      config: opts.config ?? DEFAULT_CONFIG,
      runWindowMinutes: 15,
      reportLinkExpiresSeconds: opts.reportLinkExpiresSeconds ?? PRESIGN_MAX_SECONDS,
    };
    // A file ingested in several invocations: each continuation is the next handler call (chunk.ts).
    const continuations = new ContinuationQueue();
    const deps: PipelineDeps = { dynamo: db.client, s3: s3.client, settings: () => settings, now, continueIngest: continuations.continueIngest };
    const handlers = await loadHandlers(deps);

    // 1. Partners drop files: upload, and deliver each ObjectCreated event to the real handler.
    let sequence = 0;
    const t0 = now().getTime();
    for (const f of files) {
      const key = `${Prefix.inbound}${f.feed}/${f.name}`;
      const body = await readFile(f.path);
      const put = await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
      sequence++;
      const event = s3Event(s3.bucket, key, body.length, put.ETag, new Date(t0 + sequence), sequence);
      const outcomes = (await handlers.ingest(event, lambdaContext('ingest'))) as IngestOutcome[];
      for (const o of await continuations.drain(async (next) => (await handlers.ingest(next, lambdaContext('ingest'))) as IngestOutcome[])) outcomes.push(o);
      for (const o of outcomes) {
        result.ingested.push(o);
        if (o.status === 'ingested') say(`ingest   ${f.feed}/${f.name}: ${o.read} rows read, ${o.stored} stored, ${o.rejected} rejected`);
        else say(`ingest   ${f.feed}/${f.name}: ${o.status} (${o.reason})`);
      }
    }

    // 2. One execution of the synthesized state machine per boundary that has both sides.
    const { synthesizeDefinition, forEachState } = await import('../../cdk/asl.ts');
    const { StateMachine } = await import('aws-local-stepfunctions');
    const synth = synthesizeDefinition({ shards: settings.shards });
    const machine = new StateMachine(synth.definition as never);
    const publish = async (input: SnsPublishInput) => {
      result.notifications.push({
        TopicArn: input.TopicArn, Subject: input.Subject, Message: input.Message, MessageStructure: input.MessageStructure,
        ...(input.MessageAttributes ? { MessageAttributes: input.MessageAttributes } : {}),
      });
      return { MessageId: `local-${result.notifications.length}` };
    };
    const lambdaTask = (fn: Handler) => async (input: { FunctionName: string; Payload: unknown }) => ({
      Payload: await fn(input.Payload, lambdaContext(input.FunctionName)),
      StatusCode: 200,
    });
    const taskHandlers: Record<string, (input: never) => Promise<unknown>> = {};
    for (const [state, fn] of Object.entries(synth.taskFunctions)) taskHandlers[state] = lambdaTask(handlers[fn]) as never;
    forEachState(synth.definition, (state, s) => {
      if (s.Type === 'Task' && s.Resource?.endsWith(':sns:publish')) taskHandlers[state] = publish as never;
    });

    for (const boundary of BOUNDARIES) {
      const sides = BOUNDARY[boundary].sides;
      const present = sides.filter((side) => files.some((f) => FEEDS[f.feed].boundary === boundary && FEEDS[f.feed].side === side));
      if (present.length < 2) {
        if (present.length === 1) {
          const missing = sides.find((s) => !present.includes(s))!;
          result.skipped.push({ boundary, reason: `no ${missing} feed in the inbox` });
          say(`compare  ${boundary}: skipped, no ${missing} feed in the inbox`);
        }
        continue;
      }
      const runId = `${boundary}-local-${now().toISOString().replace(/[-:.]/g, '')}`;
      const input: RunInput = { boundary, trigger: 'manual', settleSeconds: 0 };
      say(`compare  ${boundary}: state machine run ${runId} (${settings.shards} shards)`);
      try {
        const execution = machine.run(input as never, {
          overrides: { taskResourceLocalHandlers: taskHandlers as never },
          context: { Execution: { Name: runId, Id: `arn:aws:states:us-east-1:123456789012:execution:local:${runId}`, Input: input as never, StartTime: now().toISOString() } },
        });
        const output = (await execution.result) as Partial<SummarizeOutput>;
        const reportKey = output.reportKey ?? runKeys.report(boundary, runId, REPORT_FILES.json);
        const dir = join(opts.out, boundary);
        await mkdir(dir, { recursive: true });
        for (const name of Object.values(REPORT_FILES)) {
          const text = await getText(s3.client, s3.bucket, reportKey.replace(/[^/]+$/, name));
          await writeFile(join(dir, name), text);
        }
        const report = JSON.parse(await readFile(join(dir, REPORT_FILES.json), 'utf8')) as Report;
        result.reports[boundary] = report;
        say(`report   ${boundary}: ${report.summary.discrepancies} discrepancies → ${join(dir, REPORT_FILES.json)}`);
      } catch (e) {
        const error = e instanceof ReconError ? e.describe() : (e as Error).message;
        result.failed.push({ boundary, error });
        say(`compare  ${boundary}: FAILED ${error}`);
      }
    }

    // 3. What SNS would have been asked to publish.
    const nDir = join(opts.out, 'notifications');
    await mkdir(nDir, { recursive: true });
    for (const [i, n] of result.notifications.entries()) {
      await writeFile(join(nDir, `${i + 1}.json`), JSON.stringify(n, null, 2) + '\n');
    }
    say(`notify   ${result.notifications.length} SNS messages → ${nDir}`);
    return result;
  } finally {
    await Promise.all([db.stop(), s3.stop()]);
  }
}

async function loadHandlers(deps: PipelineDeps): Promise<Record<'ingest' | 'plan' | 'compare' | 'summarize', Handler>> {
  const [ingest, plan, compare, summarize] = await Promise.all([
    import('../../functions/ingest.ts'),
    import('../../functions/plan.ts'),
    import('../../functions/compare.ts'),
    import('../../functions/summarize.ts'),
  ]);
  return {
    ingest: ingest.createHandler(deps) as unknown as Handler,
    plan: plan.createHandler(deps) as unknown as Handler,
    compare: compare.createHandler(deps) as unknown as Handler,
    summarize: summarize.createHandler(deps) as unknown as Handler,
  };
}
