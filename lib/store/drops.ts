/**
 * The run trigger of a boundary: one item that records files landing (a pending drop), the
 * one execution waiting for the drop to settle (the waiter), and the one execution running a
 * comparison (the lock holder). Every change is a conditional UpdateItem on that item, so
 * two triggers at once, or a trigger during a run, can never start two runs of a boundary.
 *
 *   pk = DROP#<boundary>   sk = state
 *   pendingSeq   +1 per landed file (and per scheduled trigger): what has arrived
 *   consumedSeq  pendingSeq as the lock was taken: what the last run planned on
 *   lastArrival  epoch ms of the last landed file (the debounce measures quiet from it)
 *   waiter, waiterUntil, armedAt      the execution waiting for the drop to settle, its lease
 *   holder, holderUntil, heldSince    the execution running the comparison, its lease
 *   lastHolder   the last execution that took the lock (kept after release)
 *
 * A drop is pending while pendingSeq > consumedSeq. Leases end the slot of an execution that
 * died without releasing it (the lock's lease is longer than a run may last).
 */
import { GetItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { BoundaryName } from '../feeds/catalog.ts';
import { num, str, type Item } from './attr.ts';
import { isConditionFailure, resolveRetry, withRetry } from './retry.ts';
import type { RetryOptions } from './types.ts';

export interface DropState {
  boundary: BoundaryName;
  pendingSeq: number;
  consumedSeq: number;
  lastArrival?: number;
  waiter?: string;
  waiterUntil?: number;
  armedAt?: number;
  holder?: string;
  holderUntil?: number;
  heldSince?: number;
  lastHolder?: string;
}

export function dropPk(boundary: BoundaryName): string {
  return `DROP#${boundary}`;
}

const keyOf = (boundary: BoundaryName): Item => ({ pk: { S: dropPk(boundary) }, sk: { S: 'state' } });

function decode(boundary: BoundaryName, item: Item | undefined): DropState {
  const s: DropState = { boundary, pendingSeq: item ? num(item, 'pendingSeq') ?? 0 : 0, consumedSeq: item ? num(item, 'consumedSeq') ?? 0 : 0 };
  if (!item) return s;
  const opt = {
    lastArrival: num(item, 'lastArrival'),
    waiter: str(item, 'waiter'),
    waiterUntil: num(item, 'waiterUntil'),
    armedAt: num(item, 'armedAt'),
    holder: str(item, 'holder'),
    holderUntil: num(item, 'holderUntil'),
    heldSince: num(item, 'heldSince'),
    lastHolder: str(item, 'lastHolder'),
  };
  for (const [k, v] of Object.entries(opt)) if (v !== undefined) (s as unknown as Record<string, unknown>)[k] = v;
  return s;
}

/** True when a drop has landed since the last run took the lock. */
export function isPending(s: DropState): boolean {
  return s.pendingSeq > s.consumedSeq;
}

/** The live holder of the lock at `now`, if any. */
export function liveHolder(s: DropState, now: number): string | undefined {
  return s.holder !== undefined && (s.holderUntil ?? 0) >= now ? s.holder : undefined;
}

/** The live waiter at `now`, if any. */
export function liveWaiter(s: DropState, now: number): string | undefined {
  return s.waiter !== undefined && (s.waiterUntil ?? 0) >= now ? s.waiter : undefined;
}

async function update(
  client: DynamoDBClient,
  tableName: string,
  boundary: BoundaryName,
  what: string,
  expr: { update: string; condition?: string; values?: Record<string, AttributeValue> },
  opts: RetryOptions,
): Promise<DropState | undefined> {
  try {
    const out = await withRetry(
      `UpdateItem (${what}) ${dropPk(boundary)}`,
      () =>
        client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: keyOf(boundary),
            UpdateExpression: expr.update,
            ConditionExpression: expr.condition,
            ExpressionAttributeValues: expr.values && Object.keys(expr.values).length ? expr.values : undefined,
            ReturnValues: 'ALL_NEW',
          }),
        ),
      resolveRetry(opts),
    );
    return decode(boundary, out.Attributes);
  } catch (e) {
    if (expr.condition && isConditionFailure(e)) return undefined;
    throw e;
  }
}

const N = (n: number): AttributeValue => ({ N: String(n) });
const S = (s: string): AttributeValue => ({ S: s });

/**
 * Records that something arrived for the boundary: +1 pending. `touch` (a landed file) also
 * moves lastArrival, so the debounce waits for quiet after it; a scheduled trigger does not.
 */
export async function markArrival(client: DynamoDBClient, tableName: string, boundary: BoundaryName, input: { now: Date; touch: boolean } & RetryOptions): Promise<DropState> {
  const values: Record<string, AttributeValue> = { ':one': N(1), ':zero': N(0) };
  // consumedSeq always exists once anything arrived (a condition cannot default it).
  let expression = 'ADD pendingSeq :one SET consumedSeq = if_not_exists(consumedSeq, :zero)';
  if (input.touch) {
    expression += ', lastArrival = :now';
    values[':now'] = N(input.now.getTime());
  }
  return (await update(client, tableName, boundary, 'arrival', { update: expression, values }, input))!;
}

/** The condition "no live waiter other than `owner`, no live lock holder". */
const FREE = '(attribute_not_exists(waiter) OR waiterUntil < :now OR waiter = :owner) AND (attribute_not_exists(holder) OR holderUntil < :now)';

/**
 * Takes the waiter slot for `owner` (an execution about to start, or one that has started):
 * only when no other execution waits and no run holds the lock, and, with `onlyIfPending`,
 * only when a drop is pending. An owner that already waits keeps its armedAt.
 */
export async function arm(
  client: DynamoDBClient,
  tableName: string,
  boundary: BoundaryName,
  input: { owner: string; now: Date; leaseMs: number; onlyIfPending?: boolean } & RetryOptions,
): Promise<DropState | undefined> {
  const now = input.now.getTime();
  let condition = FREE;
  if (input.onlyIfPending) condition += ' AND pendingSeq > consumedSeq';
  const values: Record<string, AttributeValue> = { ':now': N(now), ':owner': S(input.owner), ':until': N(now + input.leaseMs) };
  // armedAt: kept when the owner already holds the slot (a later check extends its lease).
  const current = await getDrop(client, tableName, boundary, input);
  const keep = current.waiter === input.owner && current.armedAt !== undefined;
  values[':armedAt'] = N(keep ? current.armedAt! : now);
  return update(client, tableName, boundary, 'arm', { update: 'SET waiter = :owner, waiterUntil = :until, armedAt = :armedAt', condition, values }, input);
}

/** Gives the waiter slot up, if `owner` holds it. */
export async function disarm(client: DynamoDBClient, tableName: string, boundary: BoundaryName, input: { owner: string } & RetryOptions): Promise<boolean> {
  const out = await update(client, tableName, boundary, 'disarm', { update: 'REMOVE waiter, waiterUntil, armedAt', condition: 'waiter = :owner', values: { ':owner': S(input.owner) } }, input);
  return out !== undefined;
}

/**
 * The waiter `owner` becomes the lock holder, in one conditional write: it must hold the
 * waiter slot and no run may hold a live lock. What had arrived until now is consumed.
 */
export async function acquire(
  client: DynamoDBClient,
  tableName: string,
  boundary: BoundaryName,
  input: { owner: string; now: Date; leaseMs: number } & RetryOptions,
): Promise<DropState | undefined> {
  const now = input.now.getTime();
  return update(
    client,
    tableName,
    boundary,
    'acquire',
    {
      update: 'SET holder = :owner, lastHolder = :owner, holderUntil = :until, heldSince = :now, consumedSeq = if_not_exists(pendingSeq, :zero) REMOVE waiter, waiterUntil, armedAt',
      condition: 'waiter = :owner AND (attribute_not_exists(holder) OR holderUntil < :now OR holder = :owner)',
      values: { ':owner': S(input.owner), ':until': N(now + input.leaseMs), ':now': N(now), ':zero': N(0) },
    },
    input,
  );
}

/** Releases the lock (and the waiter slot) `owner` holds; the state after, or undefined when it held neither. */
export async function release(client: DynamoDBClient, tableName: string, boundary: BoundaryName, input: { owner: string } & RetryOptions): Promise<DropState | undefined> {
  const lock = await update(client, tableName, boundary, 'release', { update: 'REMOVE holder, holderUntil, heldSince', condition: 'holder = :owner', values: { ':owner': S(input.owner) } }, input);
  const slot = await update(client, tableName, boundary, 'disarm', { update: 'REMOVE waiter, waiterUntil, armedAt', condition: 'waiter = :owner', values: { ':owner': S(input.owner) } }, input);
  return slot ?? lock;
}

/** The boundary's trigger state (strongly consistent); an empty one when nothing ever arrived. */
export async function getDrop(client: DynamoDBClient, tableName: string, boundary: BoundaryName, opts: RetryOptions = {}): Promise<DropState> {
  const out = await withRetry(
    `GetItem ${dropPk(boundary)}`,
    () => client.send(new GetItemCommand({ TableName: tableName, Key: keyOf(boundary), ConsistentRead: true })),
    resolveRetry(opts),
  );
  return decode(boundary, out.Item);
}
