/**
 * The pipeline's contracts: what each Lambda receives and returns, the environment each
 * reads, and the S3 layout. The CDK construct (cdk/) and the handlers (functions/) both
 * build on these names, so they change here or nowhere.
 */
import type { BoundaryName } from '../feeds/catalog.ts';
import type { NotifyAttributes } from '../notify/decide.ts';

/** Environment variables (read through lib/pipeline/env.ts, which fails fast). */
export const Env = {
  TABLE_NAME: 'TABLE_NAME',
  BUCKET_NAME: 'BUCKET_NAME',
  /** Number of shards per boundary (hash of the group key mod SHARDS). */
  SHARDS: 'SHARDS',
  /** JSON of the reconciliation config (tolerances, SLA, presets, mappings, partners). */
  RECON_CONFIG: 'RECON_CONFIG',
  /** Days a record / manifest / run item lives (DynamoDB TTL). */
  RETENTION_DAYS: 'RETENTION_DAYS',
  /** ingest only: the state machine to start after a file lands (optional). */
  STATE_MACHINE_ARN: 'STATE_MACHINE_ARN',
  /** ingest only: the window (minutes) that names executions, so one runs per boundary per window. */
  RUN_WINDOW_MINUTES: 'RUN_WINDOW_MINUTES',
  /** ingest only: rows one invocation reads past its checkpoint before a continuation takes over (optional; default: no limit, the time left decides). */
  INGEST_CHUNK_ROWS: 'INGEST_CHUNK_ROWS',
  /** ingest only: seconds between checkpoints (each renews the lease); default 30. */
  INGEST_CHECKPOINT_SECONDS: 'INGEST_CHECKPOINT_SECONDS',
  /** ingest only: seconds a claim's lease lasts unless renewed; default 180 (at least twice the checkpoint interval). */
  INGEST_LEASE_SECONDS: 'INGEST_LEASE_SECONDS',
  /** ingest only: hand the file to a continuation when fewer than this many seconds of the invocation are left; default 120. */
  INGEST_MARGIN_SECONDS: 'INGEST_MARGIN_SECONDS',
  /** summarize only: a base URL put before the report.html key in messages, instead of a pre-signed URL (optional). */
  REPORT_LINK_BASE: 'REPORT_LINK_BASE',
  /** summarize only: seconds a pre-signed report link is valid, 1–604800 (SigV4's maximum, 7 days; the default). */
  REPORT_LINK_EXPIRES: 'REPORT_LINK_EXPIRES',
} as const;

/** S3 layout. Only `inbound/` triggers ingestion; everything written goes elsewhere. */
export const Prefix = {
  inbound: 'inbound/',
  rejected: 'rejected/',
  runs: 'runs/',
  reports: 'reports/',
} as const;

/** Step Functions execution input (schedule or ingest). */
export interface RunInput {
  boundary: BoundaryName;
  trigger?: 'schedule' | 'ingest' | 'manual';
  /** Seconds to wait before planning, so the files of one drop all land. */
  settleSeconds?: number;
}

/** plan: input = RunInput (plus the execution name as runId). */
export interface PlanInput {
  boundary: BoundaryName;
  runId: string;
}
export interface PlanOutput {
  boundary: BoundaryName;
  runId: string;
  /** S3 key of the scope (channels in scope, current inventory snapshots…), a reference not rows. */
  scopeKey: string;
  shards: Array<{ shard: number }>;
}

/** compare: one Map iteration. */
export interface CompareInput {
  boundary: BoundaryName;
  runId: string;
  scopeKey: string;
  shard: number;
}
export interface CompareOutput {
  shard: number;
  /** S3 key of the shard's partial result (discrepancies, warnings, counts). */
  resultKey: string;
  discrepancies: number;
  left: number;
  right: number;
  matched: number;
}

/** summarize: merges the shards, writes the report, builds the message. */
export interface SummarizeInput {
  boundary: BoundaryName;
  runId: string;
  scopeKey: string;
  results: CompareOutput[];
}
export interface SummarizeOutput {
  boundary: BoundaryName;
  runId: string;
  reportKey: string;
  discrepancies: number;
  /** Exactly the SNS Publish parameters (the state machine's publish task passes them on). */
  notification: { Subject: string; Message: string; MessageStructure: 'json' };
  /** Whether the state machine publishes the summary (config `notify.<boundary>`, lib/notify/decide.ts). */
  publish: boolean;
  /** The SNS message attributes of the publish (strings; `new` and `discrepancies` go as SNS Numbers). */
  attributes: NotifyAttributes;
}

/** The Lambda functions, by file under functions/ (each exports `handler`). */
export const FunctionNames = ['ingest', 'plan', 'compare', 'summarize'] as const;
export type FunctionName = (typeof FunctionNames)[number];

/** State names in the state machine (the local runner maps these to the real handlers). */
export const States = {
  settle: 'Settle',
  plan: 'Plan',
  compareShards: 'CompareShards',
  compare: 'CompareShard',
  summarize: 'Summarize',
  publish: 'PublishSummary',
  failed: 'PublishFailure',
  fail: 'RunFailed',
} as const;
