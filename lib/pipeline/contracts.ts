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
  /** ingest only: the state machine to start after a file lands, on schedule and for a follow-up run (optional). */
  STATE_MACHINE_ARN: 'STATE_MACHINE_ARN',
  /** ingest only: rows one invocation reads past its checkpoint before a continuation takes over (optional; default: no limit, the time left decides). */
  INGEST_CHUNK_ROWS: 'INGEST_CHUNK_ROWS',
  /** ingest only: seconds between checkpoints (each renews the lease); default 30. */
  INGEST_CHECKPOINT_SECONDS: 'INGEST_CHECKPOINT_SECONDS',
  /** ingest only: seconds a claim's lease lasts unless renewed; default 180 (at least twice the checkpoint interval). */
  INGEST_LEASE_SECONDS: 'INGEST_LEASE_SECONDS',
  /** ingest only: hand the file to a continuation when fewer than this many seconds of the invocation are left; default 120. */
  INGEST_MARGIN_SECONDS: 'INGEST_MARGIN_SECONDS',
  /** ingest only: milliseconds a newer snapshot waits for an older one's writes in flight (docs/data-model.md, "Snapshot pointer"); default 5000. */
  SNAPSHOT_FENCE_MS: 'SNAPSHOT_FENCE_MS',
  /** plan only (its CheckDrop step): seconds without a landed file before a run plans (the debounce). */
  DEBOUNCE_SECONDS: 'DEBOUNCE_SECONDS',
  /** plan only (its CheckDrop step): the longest a run waits for its drop to settle before it plans anyway. */
  MAX_WAIT_SECONDS: 'MAX_WAIT_SECONDS',
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
  /** Snapshot files' confirmation sets (lib/pipeline/confirm.ts). */
  state: 'state/',
} as const;

/** Step Functions execution input (lib/pipeline/trigger.ts startRun; by hand: `manual`). */
export interface RunInput {
  boundary: BoundaryName;
  trigger?: 'schedule' | 'ingest' | 'follow-up' | 'manual';
}

/** A run holds its boundary's lock at most this long: longer than the state machine's timeout. */
export const RUN_TIMEOUT_MINUTES = 120;
export const LOCK_LEASE_MS = (RUN_TIMEOUT_MINUTES + 15) * 60_000;

/** CheckDrop (the plan function, `step: 'check'`): one turn of the wait loop before planning. */
export interface DropCheckInput {
  step: 'check';
  boundary: BoundaryName;
  runId: string;
  /** Turns so far (0 on the first). */
  polls?: number;
}
/** What CheckDrop decides; it lands in `$.drop` and plan receives it. */
export interface DropCheck {
  /** `run`: this execution holds the lock and plans; `wait`: Settle `waitSeconds`, check again; `defer`: end, another execution covers the drop. */
  action: 'run' | 'wait' | 'defer';
  waitSeconds: number;
  polls: number;
  /** Seconds since this execution began waiting for the drop. */
  waitedSeconds: number;
  /** True when it plans only because it waited the longest allowed (files still landing or in flight). */
  waitedOut: boolean;
  /** Files of the boundary still being ingested at the check. */
  inFlight: number;
  reason: string;
}

/** ReleaseRun / ReleaseAfterFailure (the plan function, `step: 'release'`). */
export interface ReleaseInput {
  step: 'release';
  boundary: BoundaryName;
  runId: string;
}
export interface ReleaseOutput {
  boundary: BoundaryName;
  released: boolean;
  /** Something landed after the lock was taken: the execution's end starts a follow-up run. */
  pending: boolean;
}

/** plan: input = RunInput (plus the execution name as runId, and what the wait loop saw). */
export interface PlanInput {
  boundary: BoundaryName;
  runId: string;
  /** The last CheckDrop (absent when plan is called directly). */
  drop?: DropCheck;
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
  checkDrop: 'CheckDrop',
  dropReady: 'DropReady',
  settle: 'Settle',
  deferred: 'Deferred',
  plan: 'Plan',
  compareShards: 'CompareShards',
  compare: 'CompareShard',
  summarize: 'Summarize',
  publish: 'PublishSummary',
  release: 'ReleaseRun',
  failed: 'PublishFailure',
  releaseAfterFailure: 'ReleaseAfterFailure',
  fail: 'RunFailed',
} as const;
