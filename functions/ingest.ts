/**
 * S3 ObjectCreated → ingest each object under inbound/<feed>/ into DynamoDB.
 * A file that cannot be written fails the invocation (retried, then the DLQ); a file that
 * cannot be read is recorded as failed in its manifest with the reason.
 *
 * The same function is the run trigger (it holds states:StartExecution): EventBridge hands it
 * the schedule's `{ boundary, trigger: "schedule" }` and each execution's end ("Step Functions
 * Execution Status Change"), both through lib/pipeline/trigger.ts.
 */
import type { S3Event } from 'aws-lambda';
import { ErrorCodes, ReconError } from '../lib/errors.ts';
import { BOUNDARIES, type BoundaryName } from '../lib/feeds/catalog.ts';
import type { PipelineDeps } from '../lib/pipeline/deps.ts';
import { ingestObject, type IngestOutcome } from '../lib/pipeline/ingest.ts';
import { notIngestedMetrics } from '../lib/pipeline/metrics.ts';
import { createObservability, fileKeys, lambdaDeps, observe, withLogKeys, type Observability } from '../lib/pipeline/observability.ts';
import { isExecutionStatusEvent, onExecutionEnd, startRun, type EndOutcome, type ExecutionStatusEvent, type StartOutcome } from '../lib/pipeline/trigger.ts';

export type TriggerEvent = S3Event | ExecutionStatusEvent | { boundary: BoundaryName; trigger: 'schedule' };

/** Log keys of a trigger event (an S3 event's files get theirs one by one). */
function keysOf(event: TriggerEvent): Record<string, unknown> {
  if (isExecutionStatusEvent(event)) return { runId: event.detail.name, runStatus: event.detail.status };
  if ('trigger' in event) return { boundary: event.boundary, trigger: event.trigger };
  return {};
}

export function createHandler(deps: PipelineDeps, obs?: Observability) {
  return observe(obs, keysOf, async (event: TriggerEvent): Promise<IngestOutcome[] | EndOutcome | StartOutcome> => {
    if (isExecutionStatusEvent(event)) return onExecutionEnd(deps, event);
    if ('trigger' in event && event.trigger === 'schedule') {
      if (!(BOUNDARIES as readonly string[]).includes(event.boundary)) throw new ReconError(ErrorCodes.USAGE, `schedule event for unknown boundary ${JSON.stringify(event.boundary)}`);
      return startRun(deps, event.boundary, 'schedule');
    }
    const outcomes: IngestOutcome[] = [];
    // One object at a time: each streams and writes with bounded concurrency of its own.
    for (const record of (event as S3Event).Records ?? []) {
      const keys = fileKeys(record.s3.bucket.name, record.s3.object.key, deps.settings().config);
      const outcome = await withLogKeys(obs, keys, () => ingestObject(deps, record));
      if (outcome.status !== 'ingested') deps.metrics?.(notIngestedMetrics(outcome));
      outcomes.push(outcome);
    }
    return outcomes;
  });
}

const obs = createObservability();
export const handler = createHandler(lambdaDeps(obs), obs);
