/**
 * What the pipeline steps need from the outside world. The Lambda handlers build the real
 * clients once per container; the local runner and the tests pass clients pointed at the
 * stand-ins (dynalite, s3rver) — the step code is the same.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { BoundaryName } from '../feeds/catalog.ts';
import type { PipelineSettings } from './env.ts';
import type { UnfinishedFile } from './trigger.ts';

export interface PipelineDeps {
  dynamo: DynamoDBClient;
  s3: S3Client;
  /** Starts runs (lib/pipeline/trigger.ts); locally a stand-in running the synthesized state machine. */
  sfn?: Pick<SFNClient, 'send'>;
  settings: () => PipelineSettings;
  now?: () => Date;
  /** The run trigger's clock (debounce, waiter slot, lock); default `now`. The local runner gives it the wall clock. */
  triggerNow?: () => Date;
  /** Hands files whose ingest stopped (lease ran out, still processing) to the resumer, when one is wired. */
  resumeStuck?: (boundary: BoundaryName, files: UnfinishedFile[]) => Promise<void>;
  log?: (event: Record<string, unknown>) => void;
}

/** One structured log line (CloudWatch Logs Insights reads JSON). */
export function jsonLog(event: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ time: new Date().toISOString(), ...event }) + '\n');
}

export function awsClients(): Pick<PipelineDeps, 'dynamo' | 's3' | 'sfn'> {
  return { dynamo: new DynamoDBClient({}), s3: new S3Client({}), sfn: new SFNClient({}) };
}
