/**
 * S3 ObjectCreated → ingest each object under inbound/<feed>/ into DynamoDB.
 * A file that cannot be written fails the invocation (retried, then the DLQ); a file that
 * cannot be read is recorded as failed in its manifest with the reason. A file too large for
 * one invocation goes on in the next: this function invokes itself asynchronously with an
 * IngestContinuation event (lib/pipeline/chunk.ts).
 */
import middy from '@middy/core';
import type { Context, S3Event } from 'aws-lambda';
import { isContinuation, lambdaContinuer, type IngestContinuation } from '../lib/pipeline/chunk.ts';
import { awsClients, jsonLog, type PipelineDeps } from '../lib/pipeline/deps.ts';
import { lazySettings } from '../lib/pipeline/env.ts';
import { ingestObject, type IngestOutcome } from '../lib/pipeline/ingest.ts';

export function createHandler(deps: PipelineDeps) {
  return middy(async (event: S3Event | IngestContinuation, context: Context): Promise<IngestOutcome[]> => {
    const remainingMs = typeof context?.getRemainingTimeInMillis === 'function' ? () => context.getRemainingTimeInMillis() : undefined;
    if (isContinuation(event)) {
      const { record, handoff } = event.continueIngest;
      return [await ingestObject(deps, record, { handoff, remainingMs })];
    }
    const outcomes: IngestOutcome[] = [];
    // One object at a time: each streams and writes with bounded concurrency of its own.
    for (const record of event.Records ?? []) outcomes.push(await ingestObject(deps, record, { remainingMs }));
    return outcomes;
  });
}

export const handler = createHandler({
  ...awsClients(),
  settings: lazySettings(),
  log: jsonLog,
  continueIngest: lambdaContinuer(process.env.AWS_LAMBDA_FUNCTION_NAME),
});
