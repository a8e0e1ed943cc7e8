/**
 * The handlers' settings, read from the environment once and checked: a missing or bad
 * variable fails the first invocation with a message naming it (not a crash deep inside).
 */
import type { WriterTiming } from '../store/writers.ts';
import { parseConfig, type ReconConfig } from '../config-file.ts';
import { ErrorCodes, ReconError } from '../errors.ts';
import { Env } from './contracts.ts';
import { DEFAULT_CHUNK, type ChunkSettings } from './chunk.ts';

export interface PipelineSettings {
  tableName: string;
  bucketName: string;
  shards: number;
  retentionDays: number;
  config: ReconConfig;
  stateMachineArn?: string;
  /** Seconds without a landed file before a run plans (may be fractional locally). */
  debounceSeconds: number;
  /** The longest a run waits for its drop to settle before it plans anyway. */
  maxWaitSeconds: number;
  reportLinkBase?: string;
  /** Seconds a pre-signed report link is valid (when there is no reportLinkBase); default PRESIGN_MAX_SECONDS. */
  reportLinkExpiresSeconds?: number;
  /** How ingest cuts a file into invocations (lib/pipeline/chunk.ts); absent fields take DEFAULT_CHUNK. */
  chunk?: Partial<ChunkSettings>;
  /** The sole-writer leases (lib/store/writers.ts); absent: their defaults. Tests shorten them. */
  writers?: Partial<WriterTiming>;
}

/** The run trigger's defaults (docs/deploy.md, "Runs"). */
export const DEFAULT_DEBOUNCE_SECONDS = 120;
export const DEFAULT_MAX_WAIT_SECONDS = 900;

/** SigV4: a pre-signed URL is valid for at most 7 days. */
export const PRESIGN_MAX_SECONDS = 604_800;

function required(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (v === undefined || v.trim() === '') throw new ReconError(ErrorCodes.ENVIRONMENT, `environment variable ${name} is not set`);
  return v.trim();
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new ReconError(ErrorCodes.ENVIRONMENT, `environment variable ${name} must be a positive integer, got "${v}"`);
  return n;
}

function nonNegativeInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new ReconError(ErrorCodes.ENVIRONMENT, `environment variable ${name} must be a whole number of 0 or more, got "${v}"`);
  return n;
}

function atMost(env: NodeJS.ProcessEnv, name: string, n: number, max: number): number {
  if (n > max) throw new ReconError(ErrorCodes.ENVIRONMENT, `environment variable ${name} must be at most ${max}, got "${env[name]}"`);
  return n;
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): PipelineSettings {
  let config: ReconConfig;
  try {
    config = parseConfig(env[Env.RECON_CONFIG] ? JSON.parse(env[Env.RECON_CONFIG]!) : {}, `$${Env.RECON_CONFIG}`);
  } catch (e) {
    if (e instanceof ReconError) throw e;
    throw new ReconError(ErrorCodes.ENVIRONMENT, `environment variable ${Env.RECON_CONFIG} is not valid JSON`, {}, { cause: e });
  }
  return {
    tableName: required(env, Env.TABLE_NAME),
    bucketName: required(env, Env.BUCKET_NAME),
    shards: positiveInt(env, Env.SHARDS, 16),
    retentionDays: positiveInt(env, Env.RETENTION_DAYS, 35),
    config,
    stateMachineArn: env[Env.STATE_MACHINE_ARN] || undefined,
    debounceSeconds: atMost(env, Env.DEBOUNCE_SECONDS, nonNegativeInt(env, Env.DEBOUNCE_SECONDS, DEFAULT_DEBOUNCE_SECONDS), 3600),
    maxWaitSeconds: atMost(env, Env.MAX_WAIT_SECONDS, positiveInt(env, Env.MAX_WAIT_SECONDS, DEFAULT_MAX_WAIT_SECONDS), 3600),
    reportLinkBase: env[Env.REPORT_LINK_BASE] || undefined,
    chunk: chunkSettings(env),
    reportLinkExpiresSeconds: atMost(env, Env.REPORT_LINK_EXPIRES, positiveInt(env, Env.REPORT_LINK_EXPIRES, PRESIGN_MAX_SECONDS), PRESIGN_MAX_SECONDS),
  };
}

/** Settings read on first use, then kept (a Lambda container reads its environment once). */
export function lazySettings(env: NodeJS.ProcessEnv = process.env): () => PipelineSettings {
  let s: PipelineSettings | undefined;
  return () => (s ??= readSettings(env));
}

function chunkSettings(env: NodeJS.ProcessEnv): ChunkSettings {
  const c: ChunkSettings = {
    ...DEFAULT_CHUNK,
    chunkRows: env[Env.INGEST_CHUNK_ROWS] ? positiveInt(env, Env.INGEST_CHUNK_ROWS, 0) : DEFAULT_CHUNK.chunkRows,
    checkpointSeconds: positiveInt(env, Env.INGEST_CHECKPOINT_SECONDS, DEFAULT_CHUNK.checkpointSeconds),
    leaseSeconds: positiveInt(env, Env.INGEST_LEASE_SECONDS, DEFAULT_CHUNK.leaseSeconds),
    marginSeconds: atMost(env, Env.INGEST_MARGIN_SECONDS, positiveInt(env, Env.INGEST_MARGIN_SECONDS, DEFAULT_CHUNK.marginSeconds), 600),
  };
  if (c.leaseSeconds < 2 * c.checkpointSeconds) {
    throw new ReconError(ErrorCodes.ENVIRONMENT, `environment variable ${Env.INGEST_LEASE_SECONDS} (${c.leaseSeconds}) must be at least twice ${Env.INGEST_CHECKPOINT_SECONDS} (${c.checkpointSeconds}): a live ingest renews its lease at each checkpoint`);
  }
  return c;
}
