/**
 * S3 ObjectCreated → ingest each object under inbound/<feed>/ into DynamoDB.
 * A file that cannot be written fails the invocation (retried, then the DLQ); a file that
 * cannot be read is recorded as failed in its manifest with the reason.
 *
 * The same function is the run trigger (it holds states:StartExecution): EventBridge hands it
 * the schedule's `{ boundary, trigger: "schedule" }` and each execution's end ("Step Functions
 * Execution Status Change"), both through lib/pipeline/trigger.ts.
 */
import middy from '@middy/core';
import type { S3Event } from 'aws-lambda';
import { BOUNDARIES, type BoundaryName } from '../lib/feeds/catalog.ts';
import { ErrorCodes, ReconError } from '../lib/errors.ts';
import { awsClients, jsonLog, type PipelineDeps } from '../lib/pipeline/deps.ts';
import { lazySettings } from '../lib/pipeline/env.ts';
import { ingestObject, type IngestOutcome } from '../lib/pipeline/ingest.ts';
import { isExecutionStatusEvent, onExecutionEnd, startRun, type EndOutcome, type ExecutionStatusEvent, type StartOutcome } from '../lib/pipeline/trigger.ts';

export type TriggerEvent = S3Event | ExecutionStatusEvent | { boundary: BoundaryName; trigger: 'schedule' };

export function createHandler(deps: PipelineDeps) {
  return middy(async (event: TriggerEvent): Promise<IngestOutcome[] | EndOutcome | StartOutcome> => {
    if (isExecutionStatusEvent(event)) return onExecutionEnd(deps, event);
    if ('trigger' in event && event.trigger === 'schedule') {
      if (!(BOUNDARIES as readonly string[]).includes(event.boundary)) throw new ReconError(ErrorCodes.USAGE, `schedule event for unknown boundary ${JSON.stringify(event.boundary)}`);
      return startRun(deps, event.boundary, 'schedule');
    }
    const outcomes: IngestOutcome[] = [];
    // One object at a time: each streams and writes with bounded concurrency of its own.
    for (const record of (event as S3Event).Records ?? []) outcomes.push(await ingestObject(deps, record));
    return outcomes;
  });
}

export const handler = createHandler({ ...awsClients(), settings: lazySettings(), log: jsonLog });
