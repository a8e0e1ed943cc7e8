/**
 * What the pipeline steps need from the outside world. The Lambda handlers build the real
 * clients once per container (lib/pipeline/observability.ts adds Powertools logging,
 * metrics and tracing); the local runner and the tests pass clients pointed at the stand-ins
 * (dynalite, s3rver) — the step code is the same.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { IngestContinuation } from './chunk.ts';
import type { PipelineSettings } from './env.ts';
import type { MetricsHook } from './metrics.ts';

export type { MetricsHook } from './metrics.ts';

/** One structured log event: `level` (INFO by default) and `message`, the rest as fields. */
export type LogHook = (event: Record<string, unknown>) => void;

export interface PipelineDeps {
  dynamo: DynamoDBClient;
  s3: S3Client;
  /** Starts runs (lib/pipeline/trigger.ts); locally a stand-in running the synthesized state machine. */
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
  /** The run trigger's clock (debounce, waiter slot, lock); default `now`. The local runner gives it the wall clock. */
  triggerNow?: () => Date;
  log?: LogHook;
  /** Emits metrics (CloudWatch EMF on Lambda); absent: none. Lib code never imports Powertools. */
  metrics?: MetricsHook;
}

/** Something that instruments an AWS SDK v3 client (Powertools Tracer's captureAWSv3Client). */
export type ClientTracer = <T>(client: T) => T;

export function awsClients(trace: ClientTracer = (c) => c): Pick<PipelineDeps, 'dynamo' | 's3' | 'sfn'> {
  return { dynamo: trace(new DynamoDBClient({})), s3: trace(new S3Client({})), sfn: trace(new SFNClient({})) };
}
