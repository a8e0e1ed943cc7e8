/**
 * What the pipeline steps need from the outside world. The Lambda handlers build the real
 * clients once per container; the local runner and the tests pass clients pointed at the
 * stand-ins (dynalite, s3rver) — the step code is the same.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { IngestContinuation } from './chunk.ts';
import type { PipelineSettings } from './env.ts';

export interface PipelineDeps {
  dynamo: DynamoDBClient;
  s3: S3Client;
  /** Starts the comparison after a file lands; absent locally (the runner starts it). */
  sfn?: Pick<SFNClient, 'send'>;
  settings: () => PipelineSettings;
  /**
   * Goes on with a file in a new invocation of ingest (chunk.ts): on AWS an asynchronous
   * invoke of the ingest function (lambdaContinuer); locally the runner's queue
   * (ContinuationQueue). Absent: a file is ingested in one invocation, however long.
   */
  continueIngest?: (event: IngestContinuation) => Promise<void>;
  now?: () => Date;
  /** Waits (ingest waits out a lease that is about to expire); default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  log?: (event: Record<string, unknown>) => void;
}

/** One structured log line (CloudWatch Logs Insights reads JSON). */
export function jsonLog(event: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ time: new Date().toISOString(), ...event }) + '\n');
}

export function awsClients(): Pick<PipelineDeps, 'dynamo' | 's3' | 'sfn'> {
  return { dynamo: new DynamoDBClient({}), s3: new S3Client({}), sfn: new SFNClient({}) };
}
