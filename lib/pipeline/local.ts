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
import { join, resolve } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ExecutionAlreadyExists, InvalidName, StartExecutionCommand, StateMachineDoesNotExist } from '@aws-sdk/client-sfn';
import type { SynthesizedDefinition } from '../../cdk/asl.ts';
import type { Context, S3Event, S3EventRecord } from 'aws-lambda';
import { DEFAULT_CONFIG, type ReconConfig } from '../config.ts';
import { ErrorCodes, ReconError } from '../errors.ts';
import { BOUNDARIES, FEED_NAMES, type BoundaryName, type FeedName } from '../feeds/catalog.ts';
import type { Report } from '../report/model.ts';
import { REPORT_FILES } from '../report/write.ts';
import { Prefix, States, type DropCheck, type RunInput, type SummarizeOutput } from './contracts.ts';
import type { PipelineDeps } from './deps.ts';
import { PRESIGN_MAX_SECONDS, type PipelineSettings } from './env.ts';
import { ContinuationQueue } from './chunk.ts';
import { LOCAL_SNAPSHOT_FENCE_MS } from './pointers.ts';
import type { IngestOutcome } from './ingest.ts';
import { getText, runKeys } from './objects.ts';
import { checkLocalPackages, startDynalite, startS3rver } from './standins.ts';
import type { ExecutionStatusEvent } from './trigger.ts';
import { getDrop, release } from '../store/index.ts';

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
  /** Keep the stand-ins' data (DynamoDB items, S3 objects) in this folder between runs. */
  state?: string;
  /** The run trigger's debounce and longest wait (default 5 s and 60 s), and the real length of one Settle wait (default 100 ms). */
  debounceSeconds?: number;
  maxWaitSeconds?: number;
  pollMs?: number;
  /** Ingest reads each file in invocations of at most this many rows, each handing over to the next (chunk.ts); default: one invocation a file. */
  chunkRows?: number;
}

export interface LocalRunResult {
  reports: Partial<Record<BoundaryName, Report>>;
  notifications: SnsPublishInput[];
  ingested: IngestOutcome[];
  skipped: Array<{ boundary: BoundaryName; reason: string }>;
  failed: Array<{ boundary: BoundaryName; error: string }>;
  /** Every execution the drops started, in start order: deferred ones (`ran: false`) included. */
  runs: Array<{ boundary: BoundaryName; execution: string; trigger: string; status: string; ran: boolean; reason?: string }>;
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

/**
 * A Lambda context for a local invocation: its remaining time counts down from `timeoutMs`
 * (Lambda's 15-minute maximum by default) as Lambda's does, so ingest pauses a chunk before
 * the end (chunk.ts marginSeconds) locally as it does on AWS.
 */
export function lambdaContext(name: string, timeoutMs = 900_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    memoryLimitInMB: '1024',
    awsRequestId: `local-${Date.now()}`,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
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
  checkLocalPackages();
  polyfillWithResolvers();

  const state = opts.state ? resolve(opts.state) : undefined;
  if (state) {
    await openState(state, opts.shards ?? 4);
    say(`start    dynalite (DynamoDB) and s3rver (S3) on loopback, their data kept in ${state}`);
  } else {
    say(`start    dynalite (DynamoDB) and s3rver (S3) on loopback`);
  }
  const db = await startDynalite(state ? { path: join(state, 'dynamodb') } : {});
  const s3 = await startS3rver(state ? { directory: join(state, 's3') } : {}).catch(async (e) => {
    await db.stop();
    throw e;
  });
  const result: LocalRunResult = { reports: {}, notifications: [], ingested: [], skipped: [], failed: [], runs: [] };
  let sfn: LocalStepFunctions | undefined;
  try {
    const { synthesizeDefinition } = await import('../../cdk/asl.ts');
    const shards = opts.shards ?? 4;
    const synth = synthesizeDefinition({ shards });
    const settings: PipelineSettings = {
      tableName: db.tableName,
      bucketName: s3.bucket,
      shards,
      retentionDays: 35,
      config: opts.config ?? DEFAULT_CONFIG,
      stateMachineArn: synth.stateMachineArn,
      debounceSeconds: opts.debounceSeconds ?? LOCAL_DEBOUNCE_SECONDS,
      maxWaitSeconds: opts.maxWaitSeconds ?? LOCAL_MAX_WAIT_SECONDS,
      reportLinkExpiresSeconds: opts.reportLinkExpiresSeconds ?? PRESIGN_MAX_SECONDS,
      snapshotFenceMs: LOCAL_SNAPSHOT_FENCE_MS,
      ...(opts.chunkRows ? { chunk: { chunkRows: opts.chunkRows } } : {}),
    };
    // A file ingested in several invocations: each continuation is the next handler call (chunk.ts).
    const continuations = new ContinuationQueue();
    // The trigger's debounce runs on the wall clock (a fixed `now` would never let a drop settle).
    const deps: PipelineDeps = { dynamo: db.client, s3: s3.client, settings: () => settings, now, triggerNow: () => new Date(), continueIngest: continuations.continueIngest };
    const handlers = await loadHandlers(deps);
    /** An ingest outcome, recorded and said (`ingest   <feed>/<file>: …`). */
    const ingested = (o: IngestOutcome) => {
      result.ingested.push(o);
      const name = o.file.replace(/^s3:\/\/[^/]+\/inbound\//, '');
      say(`ingest   ${name}: ${o.status === 'ingested' ? `${o.read} rows read, ${o.stored} stored, ${o.rejected} rejected` : `${o.status} (${o.reason})`}`);
    };
    /** The continuations ingest asked for, each the next handler call, as Lambda's self-invoke would be. */
    const continueIngests = async () => {
      for (const o of await continuations.drain(async (next) => (await handlers.ingest(next, lambdaContext('ingest'))) as IngestOutcome[])) ingested(o);
    };
    // A stand-in of Step Functions: StartExecution runs the synthesized state machine in the
    // background; each execution's end goes to the ingest handler, as EventBridge does on AWS.
    sfn = new LocalStepFunctions({
      synth,
      handlers,
      // The end may resume a stuck file (trigger.ts onExecutionEnd): its continuations run next,
      // as Lambda would (with those of a file step 1 is still ingesting, if any: one queue).
      onEnd: async (event) => {
        const end = await handlers.ingest(event, lambdaContext('ingest'));
        await continueIngests();
        return end;
      },
      pollMs: opts.pollMs ?? LOCAL_POLL_MS,
      now,
      onPublish: (input) => result.notifications.push({ TopicArn: input.TopicArn, Subject: input.Subject, Message: input.Message, MessageStructure: input.MessageStructure, ...(input.MessageAttributes ? { MessageAttributes: input.MessageAttributes } : {}) }),
    });
    deps.sfn = sfn;
    await sfn.ready();
    // A lock or waiter slot a previous local process left behind belongs to no live execution.
    if (state) await releaseStale(deps);

    // 1. Partners drop files: upload, and deliver each ObjectCreated event to the real handler,
    //    which records the drop and starts the boundary's run through the run trigger.
    let sequence = 0;
    const t0 = now().getTime();
    sfn.hold();
    try {
      for (const f of files) {
        const key = `${Prefix.inbound}${f.feed}/${f.name}`;
        const body = await readFile(f.path);
        const put = await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
        sequence++;
        const event = s3Event(s3.bucket, key, body.length, put.ETag, new Date(t0 + sequence), sequence);
        for (const o of (await handlers.ingest(event, lambdaContext('ingest'))) as IngestOutcome[]) ingested(o);
        await continueIngests();
      }
    } finally {
      sfn.release();
    }

    // 2. The runs the drops started (and their follow-ups): each waits for its drop to settle
    //    (${settings.debounceSeconds} s without a file), takes the boundary's lock, runs, releases.
    say(`compare  waiting for the runs (a drop settles after ${settings.debounceSeconds} s without a new file)`);
    await sfn.idle();
    const ran = sfn.executions.filter((e) => e.ran);
    for (const e of sfn.executions) {
      result.runs.push({ boundary: e.input.boundary, execution: e.name, trigger: e.input.trigger ?? 'manual', status: e.status, ran: e.ran, reason: e.reason });
      if (!e.ran) say(`run      ${e.input.boundary}: ${e.name} deferred (${e.reason})`);
    }

    // 3. Each boundary's last run: its report (the same contract as the CLI's) in <out>/<boundary>/.
    for (const boundary of BOUNDARIES) {
      const last = ran.filter((e) => e.input.boundary === boundary).at(-1);
      if (!last) continue;
      say(`compare  ${boundary}: state machine run ${last.name} (${settings.shards} shards)`);
      if (last.status !== 'SUCCEEDED') {
        const error = last.error instanceof ReconError ? last.error.describe() : (last.error?.message ?? `the run ${last.status.toLowerCase()}`);
        result.failed.push({ boundary, error });
        say(`compare  ${boundary}: FAILED ${error}`);
        continue;
      }
      const output = last.output as Partial<SummarizeOutput>;
      const reportKey = output.reportKey ?? runKeys.report(boundary, last.name, REPORT_FILES.json);
      const dir = join(opts.out, boundary);
      await mkdir(dir, { recursive: true });
      for (const name of Object.values(REPORT_FILES)) {
        const text = await getText(s3.client, s3.bucket, reportKey.replace(/[^/]+$/, name));
        await writeFile(join(dir, name), text);
      }
      const report = JSON.parse(await readFile(join(dir, REPORT_FILES.json), 'utf8')) as Report;
      result.reports[boundary] = report;
      say(`report   ${boundary}: ${report.summary.discrepancies} discrepancies → ${join(dir, REPORT_FILES.json)}`);
    }

    // 4. What SNS would have been asked to publish.
    const nDir = join(opts.out, 'notifications');
    await mkdir(nDir, { recursive: true });
    for (const [i, n] of result.notifications.entries()) {
      await writeFile(join(nDir, `${i + 1}.json`), JSON.stringify(n, null, 2) + '\n');
    }
    say(`notify   ${result.notifications.length} SNS messages → ${nDir}`);
    return result;
  } finally {
    await sfn?.idle().catch(() => {});
    await Promise.all([db.stop(), s3.stop()]);
  }
}

/**
 * A `--state` folder: created if new; its `oms-recon-state.json` records the shard count,
 * since records stored under one count are not found under another.
 */
async function openState(dir: string, shards: number): Promise<void> {
  const file = join(dir, 'oms-recon-state.json');
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new ReconError(ErrorCodes.USAGE, `--state: cannot use ${dir} as a folder: ${(e as Error).message}`, { file: dir }, { cause: e });
  }
  let kept: { shards?: unknown } | undefined;
  try {
    kept = JSON.parse(await readFile(file, 'utf8')) as { shards?: unknown };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new ReconError(ErrorCodes.USAGE, `--state: ${file} is not an oms-recon state file: ${(e as Error).message}`, { file }, { cause: e });
  }
  if (kept !== undefined && kept.shards !== shards) {
    throw new ReconError(ErrorCodes.USAGE, `--state: the data in ${dir} was stored with --shards ${String(kept.shards)}; run with --shards ${String(kept.shards)}, or use a new --state folder`, { file });
  }
  if (kept === undefined) await writeFile(file, JSON.stringify({ shards }, null, 2) + '\n');
}

/** Local defaults of the run trigger: waits scaled down (5 s of quiet, a 100 ms poll) so a local run stays quick. */
export const LOCAL_DEBOUNCE_SECONDS = 5;
export const LOCAL_MAX_WAIT_SECONDS = 60;
export const LOCAL_POLL_MS = 100;

/** Releases every boundary's lock and waiter slot: no execution of an earlier process is alive. */
async function releaseStale(deps: PipelineDeps): Promise<void> {
  const s = deps.settings();
  for (const boundary of BOUNDARIES) {
    const d = await getDrop(deps.dynamo, s.tableName, boundary);
    for (const owner of new Set([d.holder, d.waiter])) if (owner) await release(deps.dynamo, s.tableName, boundary, { owner });
  }
}

/** One execution of the local Step Functions stand-in. */
export interface LocalExecution {
  name: string;
  input: RunInput;
  startedAt: Date;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  /** It took the lock and planned (it was not deferred). */
  ran: boolean;
  /** Why it was deferred, or how its wait ended. */
  reason?: string;
  output?: unknown;
  error?: Error;
  /** Its SNS Publish calls, with the state that made each. */
  published: Array<{ state: string; input: SnsPublishInput }>;
  /** The last CheckDrop decision. */
  drop?: DropCheck;
  /** What the end handler (the ingest function, as EventBridge invokes it on AWS) returned or threw. */
  end?: unknown;
}

export interface LocalStepFunctionsOptions {
  synth: Pick<SynthesizedDefinition, 'definition' | 'taskFunctions' | 'stateMachineArn'>;
  handlers: Record<'plan' | 'compare' | 'summarize', Handler> & Partial<Record<string, Handler>>;
  /** Called with the EventBridge "Step Functions Execution Status Change" event of each execution's end. */
  onEnd?: (event: ExecutionStatusEvent) => Promise<unknown>;
  /** How long the Settle wait really waits (the state machine's seconds are scaled down to this). */
  pollMs: number;
  now?: () => Date;
  onPublish?: (input: SnsPublishInput, state: string) => void;
}

/**
 * Step Functions on this machine: `send(StartExecutionCommand)` checks the ARN and the name as
 * AWS does (ExecutionAlreadyExists), runs the synthesized definition in aws-local-stepfunctions
 * in the background with the real handlers, and hands each execution's end to `onEnd`.
 */
export class LocalStepFunctions {
  readonly executions: LocalExecution[] = [];
  private readonly running = new Set<Promise<void>>();
  private machine?: unknown;
  private gate: Promise<void> = Promise.resolve();
  private openGate: (() => void) | undefined;

  constructor(private readonly opts: LocalStepFunctionsOptions) {}

  /**
   * Executions started from now on wait before their first state until `release()`. The local
   * runner delivers a drop's S3 events one after another, where AWS delivers them at once and
   * ingests them side by side — and an execution waits while any file is in flight. Held
   * while the events are delivered, a run cannot plan on part of the drop because one ingest
   * took longer than the debounce on a busy laptop.
   */
  hold(): void {
    if (!this.openGate) this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.openGate?.();
    this.openGate = undefined;
  }

  async send(command: unknown): Promise<{ executionArn: string; startDate: Date }> {
    if (!(command instanceof StartExecutionCommand)) throw new Error(`the local Step Functions stand-in only starts executions, not ${(command as object)?.constructor?.name}`);
    const { stateMachineArn, name, input } = command.input;
    if (stateMachineArn !== this.opts.synth.stateMachineArn) throw new StateMachineDoesNotExist({ message: `State Machine Does Not Exist: '${stateMachineArn}'`, $metadata: { httpStatusCode: 400 } });
    if (!name || !/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw new InvalidName({ message: `Invalid Name: '${name}'`, $metadata: { httpStatusCode: 400 } });
    if (this.executions.some((e) => e.name === name)) throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${name}'`, $metadata: { httpStatusCode: 400 } });
    const execution: LocalExecution = { name, input: JSON.parse(input ?? '{}') as RunInput, startedAt: this.opts.now?.() ?? new Date(), status: 'RUNNING', ran: false, published: [] };
    this.executions.push(execution);
    const done: Promise<void> = this.execute(execution).finally(() => this.running.delete(done));
    this.running.add(done);
    return { executionArn: this.executionArn(name), startDate: execution.startedAt };
  }

  /** Resolves once no execution runs (follow-up runs started by an end included). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private executionArn(name: string): string {
    return this.opts.synth.stateMachineArn.replace(':stateMachine:', ':execution:') + `:${name}`;
  }

  /**
   * Builds the interpreter's state machine (it validates the definition: seconds of CPU on a
   * busy machine). Done before the first file lands, so that it never stalls an ingest.
   */
  async ready(): Promise<void> {
    polyfillWithResolvers();
    const { StateMachine } = await import('aws-local-stepfunctions');
    this.machine ??= new StateMachine(structuredClone(this.opts.synth.definition) as never);
  }

  private async execute(e: LocalExecution): Promise<void> {
    await this.gate;
    await this.ready();
    const { StateMachine } = await import('aws-local-stepfunctions');
    const { forEachState } = await import('../../cdk/asl.ts');
    const machine = this.machine as InstanceType<typeof StateMachine>;
    const local: Record<string, (input: never) => Promise<unknown>> = {};
    for (const [state, fn] of Object.entries(this.opts.synth.taskFunctions)) {
      const handler = this.opts.handlers[fn]!;
      local[state] = (async (input: { FunctionName: string; Payload: unknown }) => {
        const payload = await handler(input.Payload, lambdaContext(input.FunctionName));
        if (state === States.checkDrop) {
          e.drop = payload as DropCheck;
          if (e.drop.action === 'run') e.ran = true;
          e.reason = e.drop.reason;
        }
        return { Payload: payload, StatusCode: 200 };
      }) as never;
    }
    forEachState(this.opts.synth.definition, (state, s) => {
      if (s.Type === 'Task' && s.Resource?.endsWith(':sns:publish')) {
        local[state] = (async (input: SnsPublishInput) => {
          e.published.push({ state, input });
          this.opts.onPublish?.(input, state);
          return { MessageId: `local-${e.name}-${e.published.length}` };
        }) as never;
      }
    });
    try {
      const run = machine.run(e.input as never, {
        // The retriers' attempts as on AWS, without their waits.
        overrides: { taskResourceLocalHandlers: local as never, waitTimeOverrides: { [States.settle]: this.opts.pollMs }, retryIntervalOverrides: Object.fromEntries(Object.keys(this.opts.synth.taskFunctions).map((state) => [state, 0])) },
        context: { Execution: { Name: e.name, Id: this.executionArn(e.name), Input: e.input as never, StartTime: e.startedAt.toISOString() } },
      });
      e.output = await run.result;
      e.status = 'SUCCEEDED';
    } catch (err) {
      e.error = err as Error;
      e.status = 'FAILED';
    }
    if (!this.opts.onEnd) return;
    const event: ExecutionStatusEvent = {
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      detail: { executionArn: this.executionArn(e.name), stateMachineArn: this.opts.synth.stateMachineArn, name: e.name, status: e.status, input: JSON.stringify(e.input) },
    };
    try {
      e.end = await this.opts.onEnd(event);
    } catch (err) {
      e.end = err;
    }
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
