/**
 * Retries for DynamoDB calls: exponential backoff with full jitter on throttling, 5xx and
 * network errors; anything else (validation, missing table, access denied) fails at once.
 * Every failure leaves as a ReconError STORAGE carrying the SDK error as its cause.
 */
import { QueryCommand, type AttributeValue, type DynamoDBClient, type QueryCommandInput, type QueryCommandOutput } from '@aws-sdk/client-dynamodb';
import { ReconError, ErrorCodes, isReconError } from '../errors.ts';
import type { RetryOptions } from './types.ts';

const RETRYABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH']);

interface SdkErrorLike {
  name?: string;
  code?: string;
  $fault?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** True for errors worth another attempt: throttling, 5xx, timeouts and dropped connections. */
export function isRetryable(e: unknown): boolean {
  if (typeof e !== 'object' || e === null || isReconError(e)) return false;
  const err = e as SdkErrorLike;
  if (err.name && RETRYABLE_NAMES.has(err.name)) return true;
  if (err.code && RETRYABLE_CODES.has(err.code)) return true;
  const status = err.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  if (err.$retryable) return true;
  return false;
}

export interface ResolvedRetry {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export function resolveRetry(o: RetryOptions = {}): ResolvedRetry {
  const maxAttempts = o.maxAttempts ?? 10;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new ReconError(ErrorCodes.STORAGE, `maxAttempts must be a positive integer, got ${o.maxAttempts}`);
  }
  return { maxAttempts, baseDelayMs: o.baseDelayMs ?? 50, maxDelayMs: o.maxDelayMs ?? 5000 };
}

/** Full jitter: a uniform sleep in [0, min(cap, base·2^(attempt-1))). `attempt` counts from 1. */
export function backoffMs(attempt: number, r: ResolvedRetry): number {
  const ceiling = Math.min(r.maxDelayMs, r.baseDelayMs * 2 ** Math.min(attempt - 1, 30));
  return Math.random() * ceiling;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

/** Wraps a failure of `what` as ReconError STORAGE (a ReconError passes through unchanged). */
export function storageError(what: string, e: unknown, where: { file?: string } = {}): ReconError {
  if (isReconError(e)) return e;
  return new ReconError(ErrorCodes.STORAGE, `${what} failed: ${describeError(e)}`, where, { cause: e });
}

/**
 * Runs `fn` until it succeeds, a non-retryable error occurs, or attempts run out; then throws
 * ReconError STORAGE. `onRetry` is told about each retry (for counting).
 */
export async function withRetry<T>(
  what: string,
  fn: () => Promise<T>,
  r: ResolvedRetry,
  onRetry?: (attempt: number, e: unknown) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!isRetryable(e)) throw storageError(what, e);
      if (attempt >= r.maxAttempts) throw storageError(`${what} (after ${attempt} attempts)`, e);
      onRetry?.(attempt, e);
      await sleep(backoffMs(attempt, r));
    }
  }
}

/** True when `e` (as thrown by withRetry) is a failed ConditionExpression. */
export function isConditionFailure(e: unknown): boolean {
  const cause = isReconError(e) ? e.cause : e;
  return typeof cause === 'object' && cause !== null && (cause as { name?: string }).name === 'ConditionalCheckFailedException';
}

/** Sends a conditional request, retried like any other: false when its condition failed (any other failure throws). */
export async function sendIf(what: string, send: () => Promise<unknown>, retry: ResolvedRetry): Promise<boolean> {
  try {
    await withRetry(what, send, retry);
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}

/**
 * Every item a Query returns, page after page (ExclusiveStartKey), each page retried like any
 * other call. The caller may stop early: no further page is read.
 */
export async function* queryItems(
  client: DynamoDBClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey'>,
  what: string,
  retry: ResolvedRetry,
  onPage?: (consumed: QueryCommandOutput['ConsumedCapacity']) => void,
): AsyncIterable<Record<string, AttributeValue>> {
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page: QueryCommandOutput = await withRetry(what, () => client.send(new QueryCommand({ ...input, ExclusiveStartKey: start })), retry);
    onPage?.(page.ConsumedCapacity);
    for (const item of page.Items ?? []) yield item;
    start = page.LastEvaluatedKey;
  } while (start);
}
