/**
 * Runs: one item per comparison run of a boundary, newest found with one Query.
 *
 *   pk = RUN#<boundary>   sk = <ISO start time>␟<runId>
 */
import { PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ReconError, ErrorCodes } from '../errors.ts';
import type { BoundaryName } from '../feeds/catalog.ts';
import { attrToJson, jsonToAttr, num, str, type Item } from './attr.ts';
import { PART_END } from './keys.ts';
import { queryItems, resolveRetry, withRetry } from './retry.ts';
import { isLive } from './ttl.ts';
import type { RetryOptions, RunItem, RunStatus, RunSummary } from './types.ts';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function runPk(boundary: BoundaryName): string {
  return `RUN#${boundary}`;
}

function encodeRun(run: RunItem): Item {
  const item: Item = {
    pk: { S: runPk(run.boundary) },
    sk: { S: `${run.startedAt}${PART_END}${run.runId}` },
    runId: { S: run.runId },
    startedAt: { S: run.startedAt },
    status: { S: run.status },
  };
  if (run.finishedAt !== undefined) item.finishedAt = { S: run.finishedAt };
  if (run.summary !== undefined) item.summary = jsonToAttr(run.summary, 'summary');
  if (run.reportKey !== undefined) item.reportKey = { S: run.reportKey };
  if (run.discrepanciesKey !== undefined) item.discrepanciesKey = { S: run.discrepanciesKey };
  if (run.ttl !== undefined) item.ttl = { N: String(run.ttl) };
  return item;
}

function decodeRun(boundary: BoundaryName, item: Item): RunItem {
  const runId = str(item, 'runId');
  const startedAt = str(item, 'startedAt');
  const status = str(item, 'status') as RunStatus | undefined;
  if (runId === undefined || startedAt === undefined || !status) {
    throw new ReconError(ErrorCodes.STORAGE, `item ${JSON.stringify(item.sk?.S)} is not a run`);
  }
  const run: RunItem = { boundary, runId, startedAt, status };
  const finishedAt = str(item, 'finishedAt');
  if (finishedAt !== undefined) run.finishedAt = finishedAt;
  if (item.summary) run.summary = attrToJson(item.summary) as RunSummary;
  const reportKey = str(item, 'reportKey');
  if (reportKey !== undefined) run.reportKey = reportKey;
  const discrepanciesKey = str(item, 'discrepanciesKey');
  if (discrepanciesKey !== undefined) run.discrepanciesKey = discrepanciesKey;
  const ttl = num(item, 'ttl');
  if (ttl !== undefined) run.ttl = ttl;
  return run;
}

/** Writes (or rewrites: same boundary + startedAt + runId) a run item. */
export async function putRun(client: DynamoDBClient, tableName: string, run: RunItem, opts: RetryOptions = {}): Promise<void> {
  if (!ISO_UTC.test(run.startedAt)) {
    throw new ReconError(ErrorCodes.STORAGE, `run startedAt must be an ISO UTC time like 2026-11-26T10:00:00.000Z, got ${JSON.stringify(run.startedAt)}`);
  }
  const item = encodeRun(run);
  await withRetry(`PutItem (run) ${run.runId}`, () => client.send(new PutItemCommand({ TableName: tableName, Item: item })), resolveRetry(opts));
}

export interface LatestRunOptions extends RetryOptions {
  /** Only runs started strictly before this ISO time (the run before the current one). */
  before?: string;
  /** Only runs in this status (e.g. `succeeded`, for the previous finished comparison). */
  status?: RunStatus;
  /** The clock that decides which items are past their `ttl` (skipped: DynamoDB deletes them later). Default: now. */
  now?: Date;
}

/** The most recent live run of a boundary (by start time), or undefined. A run past its `ttl` is gone, whether or not DynamoDB has deleted it yet. */
export async function latestRun(client: DynamoDBClient, tableName: string, boundary: BoundaryName, opts: LatestRunOptions = {}): Promise<RunItem | undefined> {
  const retry = resolveRetry(opts);
  const now = opts.now ?? new Date();
  const values: Record<string, AttributeValue> = { ':pk': { S: runPk(boundary) } };
  let keyCondition = 'pk = :pk';
  if (opts.before !== undefined) {
    keyCondition += ' AND sk < :before';
    values[':before'] = { S: opts.before };
  }
  const input = {
    TableName: tableName,
    KeyConditionExpression: keyCondition,
    ExpressionAttributeValues: values,
    ScanIndexForward: false,
    ConsistentRead: true,
    Limit: opts.status ? 20 : 1,
  };
  for await (const item of queryItems(client, input, `Query ${runPk(boundary)}`, retry)) {
    const run = decodeRun(boundary, item);
    if (!isLive(run.ttl, now)) continue;
    if (!opts.status || run.status === opts.status) return run;
  }
  return undefined;
}
