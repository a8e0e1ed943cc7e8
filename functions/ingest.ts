/**
 * S3 ObjectCreated → ingest each object under inbound/<feed>/ into DynamoDB.
 * A file that cannot be written fails the invocation (retried, then the DLQ); a file that
 * cannot be read is recorded as failed in its manifest with the reason.
 */
import middy from '@middy/core';
import type { S3Event } from 'aws-lambda';
import { awsClients, jsonLog, type PipelineDeps } from '../lib/pipeline/deps.ts';
import { lazySettings } from '../lib/pipeline/env.ts';
import { ingestObject, type IngestOutcome } from '../lib/pipeline/ingest.ts';

export function createHandler(deps: PipelineDeps) {
  return middy(async (event: S3Event): Promise<IngestOutcome[]> => {
    const outcomes: IngestOutcome[] = [];
    // One object at a time: each streams and writes with bounded concurrency of its own.
    for (const record of event.Records ?? []) outcomes.push(await ingestObject(deps, record));
    return outcomes;
  });
}

export const handler = createHandler({ ...awsClients(), settings: lazySettings(), log: jsonLog });
