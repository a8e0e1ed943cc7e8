/**
 * The run trigger (docs/deploy.md, "Runs"): one run per drop, after the drop has settled,
 * never two runs of a boundary at once, and nothing that lands is left without a run.
 *
 *   a file lands (ingest) or the schedule fires
 *     → startRun: +1 pending for the boundary; if no execution waits and no run holds the
 *       lock, take the waiter slot (conditional write) and StartExecution — else the one
 *       waiting or running covers it
 *   the execution loops CheckDrop → Settle (Wait) → CheckDrop … (checkDrop below) until no
 *     file landed for debounceSeconds and none is being ingested — or maxWaitSeconds passed,
 *     and then plans anyway and the report names the files still in flight
 *     → it takes the lock (consuming what is pending), plans, compares, summarizes, publishes
 *     → ReleaseRun releases the lock (the failure path too)
 *   every execution's end (EventBridge "Step Functions Execution Status Change", any status)
 *     → onExecutionEnd: release what it still holds (a timed-out or aborted run), then start a
 *       follow-up run if something landed after the lock was taken.
 */
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { randomBytes } from 'node:crypto';
import { BOUNDARIES, type BoundaryName } from '../feeds/catalog.ts';
import { acquire, arm, disarm, getDrop, isPending, listUnfinished, liveHolder, markArrival, release, type DropState } from '../store/index.ts';
import type { FileManifest } from '../store/types.ts';
import { LOCK_LEASE_MS, type DropCheck, type DropCheckInput, type ReleaseInput, type ReleaseOutput, type RunInput } from './contracts.ts';
import type { PipelineDeps } from './deps.ts';
import { resumeStuckFiles, type ResumeResult } from './chunk.ts';

/** How long a starter holds the waiter slot before its execution confirms it (a starter that died frees it soon). */
export const START_LEASE_MS = 60_000;
/** A check loop never runs more than this many times, whatever the clocks say. */
export const MAX_POLLS = 500;

export type RunTrigger = NonNullable<RunInput['trigger']>;

/** The clock of the trigger (debounce, slots, leases): the pipeline's clock unless the deps give one of its own. */
function triggerNow(deps: PipelineDeps): Date {
  return deps.triggerNow?.() ?? deps.now?.() ?? new Date();
}

/** A unique execution name (≤ 80 of [A-Za-z0-9_-]): de-duplication is the waiter slot's job, never the name's. */
export function executionName(boundary: BoundaryName, trigger: RunTrigger, now: Date): string {
  const at = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${boundary}-${at}-${trigger}-${randomBytes(4).toString('hex')}`;
}

export type StartOutcome =
  | { started: true; execution: string; state: DropState }
  | { started: false; reason: string; state?: DropState };

/**
 * The one way a run starts: after a landed file (`ingest`, which also moves the debounce), the
 * schedule (`schedule`), or the end of a run that left a drop pending (`follow-up`, which
 * records no arrival). Returns whether it started an execution, or why not.
 */
export async function startRun(deps: PipelineDeps, boundary: BoundaryName, trigger: RunTrigger): Promise<StartOutcome> {
  const s = deps.settings();
  const log = deps.log ?? (() => {});
  const now = triggerNow(deps);
  let state: DropState | undefined;
  if (trigger !== 'follow-up') state = await markArrival(deps.dynamo, s.tableName, boundary, { now, touch: trigger === 'ingest' });
  if (!deps.sfn || !s.stateMachineArn) return { started: false, reason: 'no state machine configured', state };
  const name = executionName(boundary, trigger, now);
  const armed = await arm(deps.dynamo, s.tableName, boundary, { owner: name, now, leaseMs: START_LEASE_MS, onlyIfPending: true });
  if (!armed) {
    const current = await getDrop(deps.dynamo, s.tableName, boundary);
    const holder = liveHolder(current, now.getTime());
    const reason = !isPending(current)
      ? 'nothing is pending'
      : holder
        ? `run ${holder} holds the lock: the run after it takes this drop`
        : `execution ${current.waiter} already waits for this drop`;
    log({ level: 'INFO', message: 'run covered', boundary, trigger, reason });
    return { started: false, reason, state: current };
  }
  const input: RunInput = { boundary, trigger };
  try {
    await deps.sfn.send(new StartExecutionCommand({ stateMachineArn: s.stateMachineArn, name, input: JSON.stringify(input) }));
  } catch (e) {
    // Free the slot so that the redelivery (ingest) or the retried event starts it.
    await disarm(deps.dynamo, s.tableName, boundary, { owner: name }).catch(() => false);
    throw e;
  }
  log({ level: 'INFO', message: 'run started', boundary, trigger, execution: name });
  return { started: true, execution: name, state: armed };
}

/** A file whose ingestion has not finished: in flight (its lease is live) or stuck (its lease ran out). */
export interface UnfinishedFile {
  file: string;
  feed: string;
  startedAt: string;
  leaseUntil: string;
}

/**
 * The boundary's files still `processing`: `inFlight` under a live lease, `stuck` past it.
 * The coordinator may swap this for the chunked ingest's own query; the contract is the same.
 */
export async function unfinishedFiles(deps: PipelineDeps, boundary: BoundaryName, now: Date = deps.now?.() ?? new Date()): Promise<{ inFlight: UnfinishedFile[]; stuck: UnfinishedFile[] }> {
  const s = deps.settings();
  const inFlight: UnfinishedFile[] = [];
  const stuck: UnfinishedFile[] = [];
  // The in-flight markers of the file index: one read that does not grow with the retained manifests.
  for (const m of await listUnfinished(deps.dynamo, s.tableName, boundary, { now })) {
    const f = describe(m);
    (m.leaseUntil >= now.getTime() ? inFlight : stuck).push(f);
  }
  return { inFlight, stuck };
}

function describe(m: FileManifest): UnfinishedFile {
  return { file: `s3://${m.bucket}/${m.key}`, feed: m.feed, startedAt: m.startedAt, leaseUntil: new Date(m.leaseUntil).toISOString() };
}

/**
 * One turn of the wait loop (the CheckDrop state). Decides whether the execution runs now,
 * waits `waitSeconds` more, or defers (another execution waits for the drop or holds the lock).
 * Running means holding the lock: taken here, in the same write that consumes the drop.
 */
export async function checkDrop(deps: PipelineDeps, input: DropCheckInput): Promise<DropCheck> {
  const s = deps.settings();
  const log = deps.log ?? (() => {});
  const owner = input.runId;
  const boundary = input.boundary;
  const now = triggerNow(deps);
  const t = now.getTime();
  const polls = (typeof input.polls === 'number' ? input.polls : 0) + 1;
  const defer = async (reason: string): Promise<DropCheck> => {
    await disarm(deps.dynamo, s.tableName, boundary, { owner });
    log({ level: 'INFO', message: 'run deferred', boundary, execution: owner, reason });
    return { action: 'defer', waitSeconds: 0, polls, waitedSeconds: 0, waitedOut: false, inFlight: 0, reason };
  };
  const before = await getDrop(deps.dynamo, s.tableName, boundary);
  const holder = liveHolder(before, t);
  if (holder && holder !== owner) return defer(`run ${holder} is comparing ${boundary}; the drop stays pending and the run after it takes it`);
  // Take (or keep) the waiter slot, with a lease as long as a run may last.
  const armed = await arm(deps.dynamo, s.tableName, boundary, { owner, now, leaseMs: LOCK_LEASE_MS });
  if (!armed) {
    const current = await getDrop(deps.dynamo, s.tableName, boundary);
    return defer(`execution ${current.waiter ?? current.holder} already waits for this drop`);
  }
  const waitedMs = Math.max(0, t - (armed.armedAt ?? t));
  const { inFlight } = await unfinishedFiles(deps, boundary);
  const debounceMs = s.debounceSeconds * 1000;
  const quietMs = armed.lastArrival === undefined ? Infinity : t - armed.lastArrival;
  const quiet = quietMs >= debounceMs;
  const settled = quiet && inFlight.length === 0;
  const outOfTime = waitedMs >= s.maxWaitSeconds * 1000 || polls >= MAX_POLLS;
  const waitedSeconds = Math.round(waitedMs / 1000);
  if (settled || outOfTime) {
    const held = await acquire(deps.dynamo, s.tableName, boundary, { owner, now, leaseMs: LOCK_LEASE_MS });
    if (!held) return defer(`another run took the ${boundary} lock first`);
    const reason = settled
      ? `the drop settled: no file landed for ${s.debounceSeconds} s and none is being ingested`
      : !quiet
        ? `files kept landing: planning after the longest wait (${s.maxWaitSeconds} s)`
        : `${inFlight.length} file(s) still being ingested after the longest wait (${s.maxWaitSeconds} s)`;
    log({ level: settled ? 'INFO' : 'WARN', message: 'run planning', boundary, execution: owner, reason, waitedSeconds, inFlight: inFlight.length });
    return { action: 'run', waitSeconds: 0, polls, waitedSeconds, waitedOut: !settled, inFlight: inFlight.length, reason };
  }
  // Wait until the debounce would be over, or poll the files in flight; never past the longest wait.
  const pollMs = Math.max(1000, Math.min(debounceMs, 15_000));
  const untilQuiet = quiet ? pollMs : debounceMs - quietMs;
  const waitMs = Math.min(untilQuiet, s.maxWaitSeconds * 1000 - waitedMs);
  const waitSeconds = Math.max(1, Math.ceil(waitMs / 1000));
  const reason = quiet ? `${inFlight.length} file(s) still being ingested` : `a file landed ${Math.round(quietMs / 1000)} s ago`;
  return { action: 'wait', waitSeconds, polls, waitedSeconds, waitedOut: false, inFlight: inFlight.length, reason };
}

/** ReleaseRun: the run gives the lock (and any waiter slot) back; tells whether a drop is pending for a follow-up. */
export async function releaseRun(deps: PipelineDeps, input: ReleaseInput): Promise<ReleaseOutput> {
  const s = deps.settings();
  const after = await release(deps.dynamo, s.tableName, input.boundary, { owner: input.runId });
  const state = after ?? (await getDrop(deps.dynamo, s.tableName, input.boundary));
  (deps.log ?? (() => {}))({ level: 'INFO', message: 'run released', boundary: input.boundary, execution: input.runId, held: after !== undefined, pending: isPending(state) });
  return { boundary: input.boundary, released: after !== undefined, pending: isPending(state) };
}

/** EventBridge's "Step Functions Execution Status Change" event (the part read here). */
export interface ExecutionStatusEvent {
  source: 'aws.states';
  'detail-type': 'Step Functions Execution Status Change';
  detail: { executionArn: string; stateMachineArn: string; name: string; status: string; input?: string | null };
}

export function isExecutionStatusEvent(e: unknown): e is ExecutionStatusEvent {
  const o = e as Partial<ExecutionStatusEvent> | null;
  return typeof o === 'object' && o !== null && o.source === 'aws.states' && o['detail-type'] === 'Step Functions Execution Status Change' && typeof o.detail === 'object';
}

export type EndOutcome =
  | { status: 'ignored'; reason: string }
  | { status: 'handled'; execution: string; boundary: BoundaryName; released: boolean; followUp: StartOutcome | { started: false; reason: string }; resumed: ResumeResult[] };

const END_STATUSES = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);

/**
 * An execution ended (any status): release the lock or waiter slot it still holds — a run
 * that timed out or was aborted never reached ReleaseRun — then start a follow-up run when
 * something landed after it took the lock. A failed execution that never held the lock starts
 * no follow-up (a broken check would loop); the next file or the schedule starts the run.
 *
 * Files of the boundary whose ingest is stuck (its lease ran out: the run's report named them
 * `ingest_stuck`) are resumed from their checkpoint here, without waiting for the
 * ResumeStuckIngests sweep — where a file can be handed on (`deps.continueIngest`: the ingest
 * function invokes itself; the local runner's queue). Each ends by starting the run that takes it.
 */
export async function onExecutionEnd(deps: PipelineDeps, event: ExecutionStatusEvent): Promise<EndOutcome> {
  const s = deps.settings();
  const log = deps.log ?? (() => {});
  const d = event.detail;
  if (!END_STATUSES.has(d.status)) return { status: 'ignored', reason: `status ${d.status}` };
  if (s.stateMachineArn && d.stateMachineArn !== s.stateMachineArn) return { status: 'ignored', reason: `another state machine (${d.stateMachineArn})` };
  let boundary: BoundaryName | undefined;
  try {
    const b = (JSON.parse(d.input ?? '{}') as Partial<RunInput>).boundary;
    if (typeof b === 'string' && (BOUNDARIES as readonly string[]).includes(b)) boundary = b as BoundaryName;
  } catch {
    // not JSON: no boundary
  }
  if (!boundary) return { status: 'ignored', reason: 'the execution input names no boundary' };
  const before = await getDrop(deps.dynamo, s.tableName, boundary);
  // It took the lock at some point (ReleaseRun may have released it already).
  const held = before.holder === d.name || before.lastHolder === d.name;
  const after = await release(deps.dynamo, s.tableName, boundary, { owner: d.name });
  log({ level: d.status === 'SUCCEEDED' ? 'INFO' : 'WARN', message: 'run ended', boundary, execution: d.name, status: d.status, released: after !== undefined });
  const resumed = deps.continueIngest ? await resumeStuckFiles(deps, boundary) : [];
  const followUp = d.status === 'SUCCEEDED' || held ? await startRun(deps, boundary, 'follow-up') : { started: false as const, reason: `the execution ${d.status.toLowerCase()} before taking the lock` };
  return { status: 'handled', execution: d.name, boundary, released: after !== undefined, followUp, resumed };
}
