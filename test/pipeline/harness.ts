/**
 * Drives the real pipeline step by step on the stand-ins, for the connected pipeline tests:
 *
 *   const standIns = await startStandIns();            // dynalite + s3rver, once per test file
 *   const p = await standIns.stage({ shards: 3 });     // own table + bucket: isolated from other tests
 *   const { event } = await p.put('inbound/oms-inventory/a.csv', text);
 *   await p.ingest(event);                             // functions/ingest.ts, real-S3-shaped event
 *   const run = await p.runStateMachine('inventory');  // the CDK-synthesized ASL in aws-local-stepfunctions
 *   await standIns.stop();
 *
 * Everything goes through the real handlers (functions/*.ts createHandler) with the same wiring
 * as lib/pipeline/local.ts; only the clock, the clients and the handlers of a state can be
 * swapped, for fault injection.
 */
import './quiet-sdk.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Context, S3Event } from 'aws-lambda';
import { DEFAULT_CONFIG, type ReconConfig } from '../../lib/config.ts';
import { reconcileFiles, type FeedInput } from '../../lib/engine/reconcile.ts';
import { FEED_NAMES, FEEDS, type BoundaryName, type FeedName } from '../../lib/feeds/catalog.ts';
import { Prefix, type CompareOutput, type PlanOutput, type RunInput, type SummarizeOutput } from '../../lib/pipeline/contracts.ts';
import type { PipelineDeps } from '../../lib/pipeline/deps.ts';
import type { PipelineSettings } from '../../lib/pipeline/env.ts';
import type { IngestOutcome } from '../../lib/pipeline/ingest.ts';
import { LOCAL_SNAPSHOT_FENCE_MS } from '../../lib/pipeline/pointers.ts';
import { feedFolderFiles, lambdaContext, s3Event, type SnsPublishInput } from '../../lib/pipeline/local.ts';
import { getText } from '../../lib/pipeline/objects.ts';
import { startDynalite, startS3rver, type LocalDynamo, type LocalS3 } from '../../lib/pipeline/standins.ts';
import { createTable, getFile, listFiles, readShard } from '../../lib/store/index.ts';
import type { FileManifest, KeyedRecord } from '../../lib/store/types.ts';
import type { Discrepancy, Report } from '../../lib/report/model.ts';
import * as ingestFn from '../../functions/ingest.ts';
import * as planFn from '../../functions/plan.ts';
import * as compareFn from '../../functions/compare.ts';
import * as summarizeFn from '../../functions/summarize.ts';

export type StepName = 'plan' | 'compare' | 'summarize';
export type Handler = (event: any, context: Context) => Promise<any>;

/** aws-local-stepfunctions calls Promise.withResolvers (Node 22); Node 20 lacks it. */
export function polyfillWithResolvers(): void {
  const P = Promise as unknown as { withResolvers?: () => unknown };
  P.withResolvers ??= function withResolvers<T>() {
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

/** A settable clock: deps.now and the eventTime of uploads read it. */
export class Clock {
  constructor(public now: Date = new Date('2026-11-26T06:00:00.000Z')) {}
  advance(ms: number): Date {
    this.now = new Date(this.now.getTime() + ms);
    return this.now;
  }
}

export interface StandIns {
  db: LocalDynamo;
  s3: LocalS3;
  /** A new isolated pipeline (its own table and bucket) on these servers. */
  stage(opts?: StageOptions): Promise<Stage>;
  stop(): Promise<void>;
}

export async function startStandIns(): Promise<StandIns> {
  const db = await startDynalite({ tableName: 'oms-recon-pipeline-test' });
  const s3 = await startS3rver({ bucket: 'oms-recon-pipeline-test' }).catch(async (e) => {
    await db.stop();
    throw e;
  });
  let n = 0;
  return {
    db,
    s3,
    async stage(opts = {}) {
      n++;
      const tableName = `oms-recon-stage-${n}`;
      const bucket = `oms-recon-stage-${n}`;
      await createTable(db.client, tableName);
      await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
      return new Stage(db, s3, tableName, bucket, opts);
    },
    async stop() {
      await Promise.all([db.stop(), s3.stop()]);
    },
  };
}

export interface StageOptions {
  shards?: number;
  config?: ReconConfig;
  clock?: Clock;
  /** Set to have ingest start a run after each file (give the stage's deps an SFN client). */
  stateMachineArn?: string;
  debounceSeconds?: number;
  maxWaitSeconds?: number;
  /** Ingest's snapshot fence (lib/pipeline/pointers.ts); default that of `oms-recon local`. */
  snapshotFenceMs?: number;
}

/** What one state machine execution did. */
export interface MachineRun {
  runId: string;
  output?: SummarizeOutput;
  error?: Error;
  /** Every SNS Publish of this execution, with the state that made it. */
  published: Array<{ state: string; input: SnsPublishInput }>;
  /** The run's report.json from S3 (when the run succeeded). */
  report?: Report;
}

export interface InboxUpload {
  feed: FeedName;
  name: string;
  path: string;
  key: string;
  outcomes: IngestOutcome[];
}

let synthesized: Promise<{ definition: any; taskFunctions: Record<string, StepName>; publishStates: string[] }> | undefined;
/** The CDK app's state machine (synthesized once per test file: the shard count is not in the ASL). */
async function machineDefinition() {
  synthesized ??= (async () => {
    const { synthesizeDefinition, forEachState } = await import('../../cdk/asl.ts');
    const synth = synthesizeDefinition({});
    const publishStates: string[] = [];
    forEachState(synth.definition, (name, s) => {
      if (s.Type === 'Task' && s.Resource?.endsWith(':sns:publish')) publishStates.push(name);
    });
    return { definition: synth.definition, taskFunctions: synth.taskFunctions as Record<string, StepName>, publishStates };
  })();
  return synthesized;
}

export class Stage {
  readonly clock: Clock;
  readonly settings: PipelineSettings;
  private sequence = 0;
  private runs = 0;

  constructor(
    readonly db: LocalDynamo,
    readonly s3: LocalS3,
    readonly tableName: string,
    readonly bucket: string,
    opts: StageOptions,
  ) {
    this.clock = opts.clock ?? new Clock();
    this.settings = {
      tableName,
      bucketName: bucket,
      shards: opts.shards ?? 3,
      retentionDays: 35,
      config: opts.config ?? DEFAULT_CONFIG,
      // The run trigger: no debounce by default (a test's clock moves only when it says so).
      debounceSeconds: opts.debounceSeconds ?? 0,
      maxWaitSeconds: opts.maxWaitSeconds ?? 60,
      snapshotFenceMs: opts.snapshotFenceMs ?? LOCAL_SNAPSHOT_FENCE_MS,
      ...(opts.stateMachineArn ? { stateMachineArn: opts.stateMachineArn } : {}),
    };
  }

  /** The handlers' dependencies; `over` swaps a client (fault injection) or adds an SFN client. */
  deps(over: Partial<PipelineDeps> = {}): PipelineDeps {
    return { dynamo: this.db.client, s3: this.s3.client, settings: () => this.settings, now: () => this.clock.now, ...over };
  }

  /** Uploads an object with PutObject and returns the ObjectCreated event real S3 would send (eventTime = the clock, then +1 s). */
  async put(key: string, body: string | Buffer): Promise<{ key: string; event: S3Event }> {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const put = await this.s3.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes }));
    this.sequence++;
    const event = s3Event(this.bucket, key, bytes.length, put.ETag, this.clock.now, this.sequence);
    this.clock.advance(1000);
    return { key, event };
  }

  /** Delivers an event to the real ingest handler (functions/ingest.ts). */
  async ingest(event: S3Event, deps: PipelineDeps = this.deps()): Promise<IngestOutcome[]> {
    const handler = ingestFn.createHandler(deps) as unknown as Handler;
    return (await handler(event, lambdaContext('ingest'))) as IngestOutcome[];
  }

  /** put + ingest. */
  async deliver(key: string, body: string | Buffer, deps?: PipelineDeps): Promise<IngestOutcome> {
    const { event } = await this.put(key, body);
    const [outcome] = await this.ingest(event, deps);
    return outcome;
  }

  /** Uploads and ingests every file of an inbox, in the order `oms-recon local` does (feeds in catalog order, names sorted). */
  async ingestInbox(inbox: string): Promise<InboxUpload[]> {
    const out: InboxUpload[] = [];
    for (const f of inboxFiles(inbox)) {
      const key = `${Prefix.inbound}${f.feed}/${f.name}`;
      const { event } = await this.put(key, readFileSync(f.path));
      out.push({ ...f, key, outcomes: await this.ingest(event) });
    }
    return out;
  }

  handlers(deps: PipelineDeps = this.deps()): Record<StepName, Handler> {
    return {
      plan: planFn.createHandler(deps) as unknown as Handler,
      compare: compareFn.createHandler(deps) as unknown as Handler,
      summarize: summarizeFn.createHandler(deps) as unknown as Handler,
    };
  }

  /**
   * Runs one boundary through the state machine synthesized from the CDK app, with the real
   * plan / compare / summarize handlers (or `overrides`), capturing every SNS Publish.
   */
  async runStateMachine(boundary: BoundaryName, opts: { overrides?: Partial<Record<StepName, Handler>>; runId?: string } = {}): Promise<MachineRun> {
    polyfillWithResolvers();
    const { definition, taskFunctions, publishStates } = await machineDefinition();
    const { StateMachine } = await import('aws-local-stepfunctions');
    const handlers = { ...this.handlers(), ...opts.overrides };
    const runId = opts.runId ?? `${boundary}-test-${++this.runs}`;
    const published: MachineRun['published'] = [];
    const local: Record<string, (input: any) => Promise<unknown>> = {};
    for (const [state, fn] of Object.entries(taskFunctions)) {
      local[state] = async (input: { FunctionName: string; Payload: unknown }) => ({
        Payload: await handlers[fn](input.Payload, lambdaContext(input.FunctionName)),
        StatusCode: 200,
      });
    }
    for (const state of publishStates) {
      local[state] = async (input: SnsPublishInput) => {
        published.push({ state, input });
        return { MessageId: `test-${published.length}` };
      };
    }
    const input: RunInput = { boundary, trigger: 'manual' };
    const machine = new StateMachine(structuredClone(definition) as never);
    const execution = machine.run(input as never, {
      // The retriers' attempts as on AWS, without their waits.
      overrides: { taskResourceLocalHandlers: local as never, waitTimeOverrides: { Settle: 0 }, retryIntervalOverrides: Object.fromEntries(Object.keys(taskFunctions).map((state) => [state, 0])) },
      context: { Execution: { Name: runId, Id: `arn:aws:states:us-east-1:123456789012:execution:test:${runId}`, Input: input as never, StartTime: this.clock.now.toISOString() } },
    });
    const run: MachineRun = { runId, published };
    try {
      run.output = (await execution.result) as unknown as SummarizeOutput;
      run.report = JSON.parse(await getText(this.s3.client, this.bucket, run.output.reportKey)) as Report;
    } catch (e) {
      run.error = e as Error;
    }
    return run;
  }

  /** plan → compare every shard → summarize by calling the real handlers directly (no state machine), for oracles. */
  async compare(boundary: BoundaryName, deps: PipelineDeps = this.deps()): Promise<Report> {
    const h = this.handlers(deps);
    const runId = `${boundary}-direct-${++this.runs}`;
    const planned = (await h.plan({ boundary, runId }, lambdaContext('plan'))) as PlanOutput;
    const results: CompareOutput[] = [];
    for (const { shard } of planned.shards) {
      results.push((await h.compare({ boundary, runId, scopeKey: planned.scopeKey, shard }, lambdaContext('compare'))) as CompareOutput);
    }
    const out = (await h.summarize({ boundary, runId, scopeKey: planned.scopeKey, results }, lambdaContext('summarize'))) as SummarizeOutput;
    return JSON.parse(await getText(this.s3.client, this.bucket, out.reportKey)) as Report;
  }

  /** Every stored record of a boundary, shard by shard in key order (what compare reads). */
  async records(boundary: BoundaryName): Promise<KeyedRecord[]> {
    // Records carry a short file id; name each file (and the positional identities made of it)
    // by its S3 key, as compare does, so records of two stages compare.
    const names = new Map<string, string>();
    for await (const m of listFiles(this.db.client, this.tableName, boundary)) if (m.fileId) names.set(m.fileId, `s3://${m.bucket}/${m.key}`);
    const named = (id: string) => names.get(id) ?? id;
    const out: KeyedRecord[] = [];
    for (let shard = 0; shard < this.settings.shards; shard++) {
      for await (const group of readShard(this.db.client, this.tableName, boundary, shard)) {
        for (const r of group) {
          out.push({ ...r, file: named(r.file), identity: r.identity.map((p) => p.replace(/^#([^:]+):/, (_, id: string) => `#${named(id)}:`)) });
        }
      }
    }
    return out;
  }

  /** The manifest of one ingested object (by the outcome's `s3://bucket/key` and the event's ETag). */
  async manifest(event: S3Event, boundary: BoundaryName): Promise<FileManifest | undefined> {
    const o = event.Records[0].s3.object;
    const key = decodeURIComponent(o.key.replace(/\+/g, ' '));
    return getFile(this.db.client, this.tableName, { boundary, bucket: this.bucket, key, objectVersion: o.versionId ?? o.eTag ?? o.sequencer ?? 'unversioned' });
  }

  async text(key: string): Promise<string> {
    return getText(this.s3.client, this.bucket, key);
  }
}

/** The inbox's files in `oms-recon local` upload order: feeds in catalog order, names sorted. */
export function inboxFiles(inbox: string): Array<{ feed: FeedName; name: string; path: string }> {
  const out: Array<{ feed: FeedName; name: string; path: string }> = [];
  const entries = readdirSync(inbox);
  for (const feed of FEED_NAMES) {
    if (!entries.includes(feed)) continue;
    for (const f of feedFolderFiles(join(inbox, feed))) out.push({ feed, ...f });
  }
  return out;
}

/** The CLI engine on the same files: per side, in the order the pipeline uploads them. */
export async function cliReport(files: ReadonlyArray<{ feed: FeedName; path: string }>, boundary: BoundaryName, config: ReconConfig = DEFAULT_CONFIG, now?: Date): Promise<Report> {
  const inputs: FeedInput[] = files
    .filter((f) => FEEDS[f.feed].boundary === boundary)
    .map((f) => ({ side: FEEDS[f.feed].side, source: f.path }));
  return reconcileFiles({ boundary, inputs, config, now });
}

/** `type {key…} [offsetting]` per discrepancy, key fields sorted, the list sorted: what both engines must agree on. */
export function identities(report: Pick<Report, 'discrepancies'>): string[] {
  return report.discrepancies.map(identity).sort();
}

export function identity(d: Pick<Discrepancy, 'type' | 'key' | 'offsetting'>): string {
  const key = Object.entries(d.key).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join(' ');
  return `${d.type} {${key}}${typeof d.offsetting === 'boolean' ? ` offsetting=${d.offsetting}` : ''}`;
}

/** `s3://bucket/inbound/<feed>/<name>` or `<dir>/<feed>/<name>` → `<feed>/<name>`. */
export function feedPath(file: string): string {
  const parts = file.split('/');
  return parts.slice(-2).join('/');
}

/** Text with every file name reduced to `<feed>/<name>` (`s3://bucket/inbound/…` or `<inbox>/…`). */
export function withFeedPaths(text: string, inbox: string): string {
  return text.replace(/s3:\/\/[^/"]+\/inbound\//g, '').split(inbox.replace(/\/$/, '') + '/').join('');
}

/** Each discrepancy in full (sides' values, delta, impact, sources) minus the pipeline-only status, file names reduced; sorted. */
export function discrepancyDetails(report: Report, inbox: string): string[] {
  return report.discrepancies.map(({ status: _s, firstSeen: _f, ...d }) => withFeedPaths(JSON.stringify(d), inbox)).sort();
}

/** Warnings as `code: message`, file names reduced, sorted. */
export function warningTexts(report: Report, inbox: string): string[] {
  return report.warnings.map((w) => withFeedPaths(`${w.code}: ${w.message}`, inbox)).sort();
}

/** The summary counts both engines must agree on. */
export function counts(report: Report): Record<'left' | 'right' | 'keys' | 'matched' | 'outOfScope' | 'discrepancies', number> {
  const { left, right, keys, matched, outOfScope, discrepancies } = report.summary;
  return { left, right, keys, matched, outOfScope, discrepancies };
}

/** Rejected rows as `<feed>/<name>:<line> <reason>`, sorted (file names differ between the CLI and the pipeline). */
export function rejections(report: Report): string[] {
  return report.rejected.map((r) => `${feedPath(r.file)}:${r.line} ${r.reason}`).sort();
}

/** Per-file row counts as `<feed>/<name> read used rejected`, sorted. */
export function fileRows(report: Report): string[] {
  return report.files.map((f) => `${feedPath(f.file)} read=${f.read} used=${f.used} rejected=${f.rejected}`).sort();
}

