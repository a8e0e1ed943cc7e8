/**
 * Runs wait for their files (docs/deploy.md, "Runs"): the run trigger with the real ingest
 * and plan / compare / summarize handlers, the state machine synthesized from the CDK app
 * (in aws-local-stepfunctions, behind the local Step Functions stand-in that `oms-recon local`
 * uses), and each execution's end handed to the ingest function as EventBridge would.
 */
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { S3Event } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoundaryName } from '../../lib/feeds/catalog.ts';
import type { ReleaseInput, RunInput, SummarizeOutput } from '../../lib/pipeline/contracts.ts';
import type { PipelineDeps } from '../../lib/pipeline/deps.ts';
import { lambdaContext, LocalStepFunctions, type LocalExecution } from '../../lib/pipeline/local.ts';
import { ContinuationQueue, type ChunkSettings } from '../../lib/pipeline/chunk.ts';
import type { IngestOutcome } from '../../lib/pipeline/ingest.ts';
import { onExecutionEnd, startRun, type EndOutcome } from '../../lib/pipeline/trigger.ts';
import { dieAfterWrites } from '../support/dynamo-faults.ts';
import { acquire, arm, claimFile, getDrop, markArrival } from '../../lib/store/index.ts';
import type { Report } from '../../lib/report/model.ts';
import * as ingestFn from '../../functions/ingest.ts';
import { Clock, startStandIns, type Handler, type Stage, type StandIns } from './harness.ts';

let standIns: StandIns;
let synth: Awaited<ReturnType<typeof synthesize>>;

async function synthesize() {
  const { synthesizeDefinition } = await import('../../cdk/asl.ts');
  return synthesizeDefinition({});
}

beforeAll(async () => {
  standIns = await startStandIns();
  synth = await synthesize();
}, 120_000);
afterAll(async () => {
  await standIns?.stop();
});

const ERP = 'order_id,type,amount,currency\n';
const OMS = 'order_id,type,amount,currency\n';

interface Pipeline {
  stage: Stage;
  deps: PipelineDeps;
  sfn: LocalStepFunctions;
  /** Plans that are running now (between plan and ReleaseRun), and the most at once. */
  active: { now: number; max: number };
  report(e: LocalExecution): Promise<Report>;
  ran(boundary: BoundaryName): LocalExecution[];
  /** With `chunk`: the ingest continuations (chunks, resumed files), run after each execution's end as Lambda would. */
  queue?: ContinuationQueue;
}

/**
 * A stage whose ingest starts runs through the trigger, with the local Step Functions stand-in.
 * `wrap` may replace a step handler (to land a file mid-run).
 */
async function pipeline(opts: { debounceSeconds?: number; maxWaitSeconds?: number; triggerClock?: Clock; pollMs?: number; wrap?: (h: Record<'plan' | 'compare' | 'summarize', Handler>, p: Pipeline) => Partial<Record<'plan' | 'compare' | 'summarize', Handler>>; chunk?: Partial<ChunkSettings> } = {}): Promise<Pipeline> {
  const stage = await standIns.stage({ stateMachineArn: synth.stateMachineArn, debounceSeconds: opts.debounceSeconds ?? 0, maxWaitSeconds: opts.maxWaitSeconds ?? 30, clock: new Clock() });
  const queue = opts.chunk ? new ContinuationQueue() : undefined;
  if (opts.chunk) stage.settings.chunk = opts.chunk;
  const deps = stage.deps({ triggerNow: () => (opts.triggerClock ? opts.triggerClock.now : new Date()), ...(queue ? { continueIngest: queue.continueIngest } : {}) });
  const p = { stage, deps, active: { now: 0, max: 0 }, queue } as Pipeline;
  const real = stage.handlers(deps);
  const counted: Handler = async (input, ctx) => {
    const step = (input as { step?: string }).step;
    if (step === undefined) p.active.max = Math.max(p.active.max, ++p.active.now);
    if (step === 'release' && (await getDrop(deps.dynamo, stage.tableName, (input as ReleaseInput).boundary)).holder === (input as ReleaseInput).runId) p.active.now--;
    return real.plan(input, ctx);
  };
  const base = { ...real, plan: counted };
  const handlers = { ...base, ...opts.wrap?.(base, p) };
  const ingest = ingestFn.createHandler(deps) as unknown as Handler;
  const onEnd = async (event: unknown) => {
    const end = await ingest(event, lambdaContext('ingest'));
    await queue?.drain(async (next) => (await ingest(next, lambdaContext('ingest'))) as IngestOutcome[]);
    return end;
  };
  p.sfn = new LocalStepFunctions({ synth, handlers, onEnd, pollMs: opts.pollMs ?? 20, now: () => stage.clock.now });
  deps.sfn = p.sfn;
  p.report = async (e) => JSON.parse(await stage.text((e.output as SummarizeOutput).reportKey)) as Report;
  p.ran = (b) => p.sfn.executions.filter((e) => e.input.boundary === b && e.ran);
  return p;
}

const orders = (r: Report) => r.discrepancies.map((d) => d.key.order_id).sort();

describe('one run per drop', () => {
  it('runs once for a drop of several files, after the last one', async () => {
    // Prepare: a 60 s debounce on a clock of the test's own; three files land 50 s apart
    const clock = new Clock();
    const p = await pipeline({ debounceSeconds: 60, maxWaitSeconds: 600, triggerClock: clock, pollMs: 100 });
    // Act
    await p.stage.deliver('inbound/erp-transactions/a.csv', `${ERP}SO-1,invoice,10,USD\n`, p.deps);
    clock.advance(50_000);
    await p.stage.deliver('inbound/erp-transactions/b.csv', `${ERP}SO-2,invoice,20,USD\n`, p.deps);
    clock.advance(50_000);
    await p.stage.deliver('inbound/oms-transactions/c.csv', `${OMS}SO-1,sale,10,USD\n`, p.deps);
    const waiting = p.sfn.executions.map((e) => [e.status, e.ran]);
    clock.advance(61_000);
    await p.sfn.idle();
    // Assess: one execution, which planned on all three files
    expect(p.sfn.executions.map((e) => [e.input.trigger, e.status, e.ran])).toEqual([['ingest', 'SUCCEEDED', true]]);
    const report = await p.report(p.sfn.executions[0]);
    expect(report.files.map((f) => f.file.split('/').pop()).sort()).toEqual(['a.csv', 'b.csv', 'c.csv']);
    expect(orders(report)).toEqual(['SO-2']);
    expect(waiting).toEqual([['RUNNING', false]]);
    expect(p.sfn.executions[0].drop).toMatchObject({ action: 'run', waitedOut: false });
    expect(p.sfn.executions[0].drop!.polls).toBeGreaterThan(1);
  }, 120_000);

  it('says in the report when files kept landing until the longest wait', async () => {
    // Prepare: a 60 s debounce and a 100 s longest wait; files land 50 s apart, none in flight when the run plans
    const clock = new Clock();
    const p = await pipeline({ debounceSeconds: 60, maxWaitSeconds: 100, triggerClock: clock, pollMs: 100 });
    // Act
    await p.stage.deliver('inbound/erp-transactions/a.csv', `${ERP}SO-1,invoice,10,USD\n`, p.deps);
    clock.advance(50_000);
    await p.stage.deliver('inbound/oms-transactions/b.csv', `${OMS}SO-1,sale,10,USD\n`, p.deps);
    clock.advance(50_000);
    await p.sfn.idle();
    // Assess: one run, planned on both files after the longest wait, and it says so
    const [run] = p.ran('financial');
    expect(p.ran('financial')).toHaveLength(1);
    expect(run.drop).toMatchObject({ action: 'run', waitedOut: true, inFlight: 0, waitedSeconds: 100 });
    const report = await p.report(run);
    expect(report.files.map((f) => f.file.split('/').pop()).sort()).toEqual(['a.csv', 'b.csv']);
    expect(report.warnings.filter((w) => w.code === 'files_kept_landing' || w.code === 'files_in_flight')).toEqual([
      { code: 'files_kept_landing', message: expect.stringContaining('financial kept landing: this run planned after waiting 100 s, the longest allowed') },
    ]);
  }, 120_000);

  it('says nothing of the kind when the drop settled', async () => {
    // Prepare
    const clock = new Clock();
    const p = await pipeline({ debounceSeconds: 60, maxWaitSeconds: 100, triggerClock: clock, pollMs: 100 });
    // Act: one file, then a quiet minute
    await p.stage.deliver('inbound/erp-transactions/a.csv', `${ERP}SO-1,invoice,10,USD\n`, p.deps);
    clock.advance(61_000);
    await p.sfn.idle();
    // Assess
    const [run] = p.ran('financial');
    expect(run.drop).toMatchObject({ action: 'run', waitedOut: false });
    expect((await p.report(run)).warnings.map((w) => w.code)).not.toContain('files_kept_landing');
  }, 120_000);

  it('starts one run when three triggers come at once', async () => {
    // Prepare: both sides landed (recorded, no run started yet)
    const p = await pipeline({ debounceSeconds: 1 });
    const quiet = { ...p.deps, sfn: undefined };
    await p.stage.deliver('inbound/oms-transactions/c.csv', `${OMS}SO-1,sale,10,USD\n`, quiet);
    await p.stage.deliver('inbound/erp-transactions/a.csv', `${ERP}SO-1,invoice,10,USD\n`, quiet);
    // Act: the schedule fires as two ingests finish
    const outcomes = await Promise.all([startRun(p.deps, 'financial', 'schedule'), startRun(p.deps, 'financial', 'ingest'), startRun(p.deps, 'financial', 'ingest')]);
    await p.sfn.idle();
    // Assess: exactly one execution; the other triggers were covered by it
    expect(outcomes.filter((o) => o.started)).toHaveLength(1);
    expect(outcomes.filter((o) => !o.started).map((o) => !o.started && o.reason)).toEqual([expect.stringMatching(/already waits/), expect.stringMatching(/already waits/)]);
    expect(p.sfn.executions).toHaveLength(1);
    expect(p.sfn.executions[0]).toMatchObject({ status: 'SUCCEEDED', ran: true });
    expect(orders(await p.report(p.sfn.executions[0]))).toEqual([]);
  }, 120_000);
});

describe('never two runs of a boundary at once, and nothing lost', () => {
  it('gives a file that lands after plan a follow-up run', async () => {
    // Prepare: while the first run compares its first shard, a new ERP file lands
    let landed = false;
    const p = await pipeline({
      wrap: (h, self) => ({
        compare: async (input, ctx) => {
          if (!landed) {
            landed = true;
            self.stage.clock.advance(60_000);
            await self.stage.deliver('inbound/erp-transactions/late.csv', `${ERP}SO-9,invoice,90,USD\n`, self.deps);
          }
          return h.compare(input, ctx);
        },
      }),
    });
    // Act
    await p.stage.deliver('inbound/oms-transactions/c.csv', `${OMS}SO-1,sale,10,USD\n`, p.deps);
    await p.sfn.idle();
    // Assess: the first run planned without the late file; a follow-up run has it
    const runs = p.ran('financial');
    expect(runs.map((e) => [e.input.trigger, e.status])).toEqual([['ingest', 'SUCCEEDED'], ['follow-up', 'SUCCEEDED']]);
    expect(orders(await p.report(runs[0]))).toEqual(['SO-1']);
    expect(orders(await p.report(runs[1]))).toEqual(['SO-1', 'SO-9']);
    expect(p.active.max).toBe(1);
    const drop = await getDrop(p.deps.dynamo, p.stage.tableName, 'financial');
    expect(drop).toMatchObject({ pendingSeq: drop.consumedSeq });
    expect(drop.holder).toBeUndefined();
  }, 120_000);

  it('defers a run started while another holds the lock, and the run after it takes the drop', async () => {
    // Prepare: during the first run's compare, someone starts an execution by hand and a file lands
    let manual: Promise<unknown> | undefined;
    const p = await pipeline({
      wrap: (h, self) => ({
        compare: async (input, ctx) => {
          if (!manual) {
            const run: RunInput = { boundary: 'financial', trigger: 'manual' };
            manual = self.sfn.send(new StartExecutionCommand({ stateMachineArn: synth.stateMachineArn, name: 'financial-by-hand', input: JSON.stringify(run) }));
            await manual;
            await self.stage.deliver('inbound/erp-transactions/late.csv', `${ERP}SO-9,invoice,90,USD\n`, self.deps);
          }
          return h.compare(input, ctx);
        },
      }),
    });
    // Act
    await p.stage.deliver('inbound/oms-transactions/c.csv', `${OMS}SO-1,sale,10,USD\n`, p.deps);
    await p.sfn.idle();
    // Assess
    const byHand = p.sfn.executions.find((e) => e.name === 'financial-by-hand')!;
    const first = p.sfn.executions[0];
    expect(byHand).toMatchObject({ status: 'SUCCEEDED', ran: false, reason: expect.stringContaining(`run ${first.name} is comparing financial`) });
    expect(byHand.published).toEqual([]);
    const runs = p.ran('financial');
    expect(runs).toHaveLength(2);
    expect(runs[1].input.trigger).toBe('follow-up');
    expect(orders(await p.report(runs[1]))).toEqual(['SO-1', 'SO-9']);
    expect(p.active.max).toBe(1);
  }, 120_000);

  it('releases the lock of a run that timed out, and starts the follow-up for what landed meanwhile', async () => {
    // Prepare: a run took the lock, then a file landed; the run times out (no ReleaseRun)
    const p = await pipeline();
    const now = new Date();
    await markArrival(p.deps.dynamo, p.stage.tableName, 'financial', { now, touch: true });
    await arm(p.deps.dynamo, p.stage.tableName, 'financial', { owner: 'financial-stuck', now, leaseMs: 60_000 });
    expect(await acquire(p.deps.dynamo, p.stage.tableName, 'financial', { owner: 'financial-stuck', now, leaseMs: 60_000 })).toBeDefined();
    await p.stage.deliver('inbound/oms-transactions/c.csv', `${OMS}SO-1,sale,10,USD\n`, p.deps);
    expect(p.sfn.executions).toHaveLength(0); // the lock holder covers it
    // Act: EventBridge reports the end
    const end = await onExecutionEnd(p.deps, {
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      detail: { executionArn: 'arn:x', stateMachineArn: synth.stateMachineArn, name: 'financial-stuck', status: 'TIMED_OUT', input: JSON.stringify({ boundary: 'financial' }) },
    });
    await p.sfn.idle();
    // Assess
    expect(end).toMatchObject({ status: 'handled', released: true, followUp: { started: true } });
    expect(p.ran('financial').map((e) => e.input.trigger)).toEqual(['follow-up']);
    expect(orders(await p.report(p.ran('financial')[0]))).toEqual(['SO-1']);
  }, 120_000);

  it('releases the lock when the run fails, and sends the failure notice', async () => {
    // Prepare: compare fails
    const p = await pipeline({
      wrap: () => ({
        compare: async () => {
          throw Object.assign(new Error('shard unreadable'), { name: 'ReconError' });
        },
      }),
    });
    // Act
    await p.stage.deliver('inbound/oms-transactions/c.csv', `${OMS}SO-1,sale,10,USD\n`, p.deps);
    await p.sfn.idle();
    // Assess: one failed run, no follow-up loop, the lock free
    expect(p.sfn.executions.map((e) => [e.status, e.ran])).toEqual([['FAILED', true]]);
    expect(p.sfn.executions[0].published.map((x) => x.state)).toEqual(['PublishFailure']);
    const drop = await getDrop(p.deps.dynamo, p.stage.tableName, 'financial');
    expect(drop.holder).toBeUndefined();
    expect(drop.waiter).toBeUndefined();
  }, 120_000);
});

describe('files not yet ingested', () => {
  it('waits for a file in flight, then names it in the report and the message', async () => {
    // Prepare: an ERP file is being ingested (a live claim) and never finishes in time
    const p = await pipeline({ maxWaitSeconds: 1 });
    const key = 'inbound/erp-transactions/big.csv';
    await claimFile(p.deps.dynamo, p.stage.tableName, { file: { boundary: 'financial', bucket: p.stage.bucket, key, objectVersion: 'v1' }, feed: 'erp-transactions', now: p.stage.clock.now });
    // Act
    await p.stage.deliver('inbound/oms-transactions/c.csv', `${OMS}SO-1,sale,10,USD\n`, p.deps);
    await p.sfn.idle();
    // Assess: the run waited (several checks), then planned and named the file
    const [run] = p.ran('financial');
    expect(run.drop).toMatchObject({ action: 'run', waitedOut: true, inFlight: 1 });
    expect(run.drop!.waitedSeconds).toBeGreaterThanOrEqual(1);
    const report = await p.report(run);
    const w = report.warnings.find((x) => x.code === 'files_in_flight');
    expect(w?.message).toContain(`s3://${p.stage.bucket}/${key}`);
    expect(w?.message).toContain('the longest allowed');
    const message = JSON.parse(run.published[0].input.Message) as { email: string };
    expect(message.email).toContain('files_in_flight');
    expect(message.email).toContain(`${key}`);
  }, 120_000);

  it('names a stuck ingest (lease ran out) with the time it started', async () => {
    // Prepare: a claim taken an hour ago whose lease ran out
    const p = await pipeline();
    const key = 'inbound/erp-transactions/killed.csv';
    const since = new Date(p.stage.clock.now.getTime() - 3_600_000);
    await claimFile(p.deps.dynamo, p.stage.tableName, { file: { boundary: 'financial', bucket: p.stage.bucket, key, objectVersion: 'v1' }, feed: 'erp-transactions', now: since, leaseMs: 60_000 });
    // Act
    await p.stage.deliver('inbound/oms-transactions/c.csv', `${OMS}SO-1,sale,10,USD\n`, p.deps);
    await p.sfn.idle();
    // Assess: no waiting for it; a warning naming it and since when
    const [run] = p.ran('financial');
    expect(run.drop).toMatchObject({ action: 'run', waitedOut: false });
    const report = await p.report(run);
    expect(report.warnings.filter((x) => x.code === 'ingest_stuck')).toEqual([
      { code: 'ingest_stuck', file: `s3://${p.stage.bucket}/${key}`, message: expect.stringContaining(`ingesting since ${since.toISOString()}`) },
    ]);
  }, 120_000);

  it('resumes a stuck ingest from its checkpoint when the run that named it ends, and the run after it takes the file', async () => {
    // Prepare: a 400-row ERP file ingested in 100-row chunks, its invocation killed in the second chunk; its lease runs out
    const p = await pipeline({ chunk: { chunkRows: 100, checkpointSeconds: 3_600, leaseSeconds: 300 } });
    const rows = Array.from({ length: 400 }, (_, i) => `SO-${1000 + i},invoice,${i + 1},USD\n`);
    const erp = await p.stage.put('inbound/erp-transactions/killed.csv', ERP + rows.join(''));
    const dying = standIns.db.newClient();
    dieAfterWrites(dying, 150);
    /** Ingests a file and every continuation it asks for, as Lambda would. */
    const ingestAll = async (event: S3Event, deps: PipelineDeps) => {
      await p.stage.ingest(event, deps);
      await p.queue!.drain((next) => p.stage.ingest(next as never, deps));
    };
    await expect(ingestAll(erp.event, { ...p.deps, dynamo: dying })).rejects.toThrow(/killed/);
    const file = `s3://${p.stage.bucket}/${erp.key}`;
    expect((await p.stage.manifest(erp.event, 'financial'))).toMatchObject({ status: 'processing', checkpoint: { records: 100 } });
    p.stage.clock.advance(300_001);
    // Act: the OMS side lands and starts a run
    const oms = await p.stage.put('inbound/oms-transactions/c.csv', OMS + rows.map((r) => r.replace('invoice', 'sale')).join(''));
    await ingestAll(oms.event, p.deps);
    await p.sfn.idle();
    // Assess: the first run named the file stuck, without its rows; its end resumed it
    const runs = p.ran('financial');
    expect(runs.map((e) => [e.input.trigger, e.status])).toEqual([['ingest', 'SUCCEEDED'], ['ingest', 'SUCCEEDED']]);
    const first = await p.report(runs[0]);
    expect(first.warnings.filter((x) => x.code === 'ingest_stuck')).toEqual([{ code: 'ingest_stuck', file, message: expect.stringContaining('it is resumed from its checkpoint when this run ends') }]);
    expect(orders(first)).toHaveLength(400);
    expect(runs[0].end).toMatchObject({ status: 'handled', resumed: [{ resumed: true, file }] } satisfies Partial<EndOutcome>);
    // Assess: the file finished from its checkpoint (read = used + rejected, once), and the run after it took it
    expect(await p.stage.manifest(erp.event, 'financial')).toMatchObject({ status: 'done', rowsRead: 400, rowsStored: 400, rowsRejected: 0 });
    const second = await p.report(runs[1]);
    expect(second.warnings.filter((x) => x.code === 'ingest_stuck')).toEqual([]);
    expect(second.files.find((f) => f.file === file)).toMatchObject({ read: 400, used: 400, rejected: 0 });
    expect(orders(second)).toEqual([]);
  }, 240_000);
});
