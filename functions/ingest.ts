/**
 * S3 ObjectCreated → ingest each object under inbound/<feed>/ into DynamoDB.
 * A file that cannot be written fails the invocation (retried, then the DLQ); a file that
 * cannot be read is recorded as failed in its manifest with the reason.
 */
import type { S3Event } from 'aws-lambda';
import type { PipelineDeps } from '../lib/pipeline/deps.ts';
import { ingestObject, type IngestOutcome } from '../lib/pipeline/ingest.ts';
import { notIngestedMetrics } from '../lib/pipeline/metrics.ts';
import { createObservability, fileKeys, lambdaDeps, observe, withLogKeys, type Observability } from '../lib/pipeline/observability.ts';

export function createHandler(deps: PipelineDeps, obs?: Observability) {
  return observe(obs, () => ({}), async (event: S3Event): Promise<IngestOutcome[]> => {
    const outcomes: IngestOutcome[] = [];
    // One object at a time: each streams and writes with bounded concurrency of its own.
    for (const record of event.Records ?? []) {
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
