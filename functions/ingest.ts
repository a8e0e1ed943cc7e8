/**
 * S3 ObjectCreated → ingest each object under inbound/<feed>/ into DynamoDB.
 * A file that cannot be written fails the invocation (retried, then the DLQ); a file that
 * cannot be read is recorded as failed in its manifest with the reason. A file too large for
 * one invocation goes on in the next: this function invokes itself asynchronously with an
 * IngestContinuation event (lib/pipeline/chunk.ts). A schedule sends `{ resumeStuckIngests: {} }`:
 * files whose ingest died (lease run out) are resumed from their checkpoint.
 *
 * The same function is the run trigger (it holds states:StartExecution): EventBridge hands it
 * the schedule's `{ boundary, trigger: "schedule" }` and each execution's end ("Step Functions
 * Execution Status Change"), both through lib/pipeline/trigger.ts.
 */
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { ErrorCodes, ReconError } from '../lib/errors.ts';
import { BOUNDARIES, type BoundaryName } from '../lib/feeds/catalog.ts';
import { isContinuation, lambdaContinuer, resumeStuckFiles, type IngestContinuation, type ResumeResult } from '../lib/pipeline/chunk.ts';
import type { PipelineDeps } from '../lib/pipeline/deps.ts';
import { ingestObject, type IngestOptions, type IngestOutcome, type S3ObjectEvent } from '../lib/pipeline/ingest.ts';
import { notIngestedMetrics } from '../lib/pipeline/metrics.ts';
import { createObservability, fileKeys, lambdaDeps, observe, withLogKeys, type Observability } from '../lib/pipeline/observability.ts';
import { isExecutionStatusEvent, onExecutionEnd, startRun, type EndOutcome, type ExecutionStatusEvent, type StartOutcome } from '../lib/pipeline/trigger.ts';

/** The event of the schedule that resumes stuck ingests (cdk: ResumeStuckIngests). */
export interface ResumeStuckIngests {
  resumeStuckIngests: Record<string, never>;
}

export type TriggerEvent = S3Event | ExecutionStatusEvent | { boundary: BoundaryName; trigger: 'schedule' } | IngestContinuation | ResumeStuckIngests;

/** Log keys of a trigger event (an S3 event's files get theirs one by one). */
function keysOf(event: TriggerEvent): Record<string, unknown> {
  if (isExecutionStatusEvent(event)) return { runId: event.detail.name, runStatus: event.detail.status };
  if ('trigger' in event) return { boundary: event.boundary, trigger: event.trigger };
  return {};
}

export function createHandler(deps: PipelineDeps, obs?: Observability) {
  const one = async (record: S3ObjectEvent | S3EventRecord, opts: IngestOptions): Promise<IngestOutcome> => {
    const keys = fileKeys(record.s3.bucket.name, record.s3.object.key, deps.settings().config);
    const outcome = await withLogKeys(obs, keys, () => ingestObject(deps, record, opts));
    if (outcome.status === 'skipped' || outcome.status === 'unrouted' || outcome.status === 'ignored') deps.metrics?.(notIngestedMetrics(outcome));
    return outcome;
  };
  return observe(obs, keysOf, async (event: TriggerEvent, context): Promise<IngestOutcome[] | ResumeResult[] | EndOutcome | StartOutcome> => {
    if (isExecutionStatusEvent(event)) return onExecutionEnd(deps, event);
    if ('trigger' in event && event.trigger === 'schedule') {
      if (!(BOUNDARIES as readonly string[]).includes(event.boundary)) throw new ReconError(ErrorCodes.USAGE, `schedule event for unknown boundary ${JSON.stringify(event.boundary)}`);
      return startRun(deps, event.boundary, 'schedule');
    }
    // The schedule's sweep: every file whose ingest died is resumed from its checkpoint.
    if ('resumeStuckIngests' in event) return resumeStuckFiles(deps);
    const remainingMs = typeof context?.getRemainingTimeInMillis === 'function' ? () => context.getRemainingTimeInMillis() : undefined;
    if (isContinuation(event)) {
      const { record, handoff } = event.continueIngest;
      return [await one(record, { handoff, remainingMs })];
    }
    const outcomes: IngestOutcome[] = [];
    // One object at a time: each streams and writes with bounded concurrency of its own.
    for (const record of (event as S3Event).Records ?? []) outcomes.push(await one(record, { remainingMs }));
    return outcomes;
  });
}

const obs = createObservability();
export const handler = createHandler({ ...lambdaDeps(obs), continueIngest: lambdaContinuer(process.env.AWS_LAMBDA_FUNCTION_NAME) }, obs);
