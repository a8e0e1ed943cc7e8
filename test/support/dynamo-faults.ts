/**
 * Fault injection on a real SDK client (pointed at dynalite): middleware added at the
 * `initialize` step, outside the SDK's own retry middleware, so the store's retry loop is
 * what handles the fault. Shared by the store's and the pipeline's tests.
 */
import type { DynamoDBClient, WriteRequest } from '@aws-sdk/client-dynamodb';

type Handler = (args: { input: Record<string, unknown> }) => Promise<{ output: Record<string, unknown>; response: unknown }>;

function add(client: DynamoDBClient, name: string, wrap: (next: Handler, command: string) => Handler) {
  client.middlewareStack.add(
    ((next: Handler, context: { commandName?: string }) => wrap(next, context.commandName ?? '')) as never,
    { step: 'initialize', name, override: true },
  );
}

export function sdkError(name: string, status: number, message = name) {
  return Object.assign(new Error(message), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
}

/**
 * For the first `calls` BatchWriteItem calls, only the first `keep` share (rounded down) of the
 * items is really sent; the rest come back as UnprocessedItems, unwritten. With
 * `BatchGetItemCommand`: only part of the keys is read, the rest come back as UnprocessedKeys.
 */
export function injectUnprocessed(client: DynamoDBClient, calls: number, keep = 1 / 2, commandName: 'BatchWriteItemCommand' | 'BatchGetItemCommand' = 'BatchWriteItemCommand') {
  const stats = { injected: 0, itemsHeldBack: 0 };
  add(client, 'inject-unprocessed', (next, command) => async (args) => {
    if (command !== commandName || stats.injected >= calls) return next(args);
    stats.injected++;
    if (commandName === 'BatchGetItemCommand') {
      const requestItems = args.input.RequestItems as Record<string, { Keys: unknown[] } & Record<string, unknown>>;
      const [table, req] = Object.entries(requestItems)[0];
      const sent = req.Keys.slice(0, Math.floor(req.Keys.length * keep));
      const back = { ...req, Keys: req.Keys.slice(sent.length) };
      stats.itemsHeldBack += back.Keys.length;
      if (sent.length === 0) return { output: { Responses: { [table]: [] }, UnprocessedKeys: { [table]: back }, $metadata: {} }, response: {} };
      const result = await next({ ...args, input: { ...args.input, RequestItems: { [table]: { ...req, Keys: sent } } } });
      result.output.UnprocessedKeys = { [table]: back };
      return result;
    }
    const requestItems = args.input.RequestItems as Record<string, WriteRequest[]>;
    const [table, items] = Object.entries(requestItems)[0];
    const sent = items.slice(0, Math.floor(items.length * keep));
    const back = items.slice(sent.length);
    stats.itemsHeldBack += back.length;
    if (sent.length === 0) return { output: { UnprocessedItems: { [table]: back }, $metadata: {} }, response: {} };
    const result = await next({ ...args, input: { ...args.input, RequestItems: { [table]: sent } } });
    result.output.UnprocessedItems = { [table]: back };
    return result;
  });
  return stats;
}

/** Errors thrown in turn: the i-th failing call throws `errors[i % errors.length]()`. */
export function inTurn(...errors: Array<() => Error>): () => Error {
  let i = 0;
  return () => errors[i++ % errors.length]();
}

/** Calls `commandName` normally for the first `passes` calls, then throws `error()` for the next `failures` calls (default: all). */
export function injectErrors(client: DynamoDBClient, commandName: string, error: () => Error, opts: { passes?: number; failures?: number } = {}) {
  const stats = { calls: 0, thrown: 0 };
  add(client, `inject-errors-${commandName}`, (next, command) => async (args) => {
    if (command !== commandName) return next(args);
    stats.calls++;
    if (stats.calls > (opts.passes ?? 0) && stats.thrown < (opts.failures ?? Infinity)) {
      stats.thrown++;
      throw error();
    }
    return next(args);
  });
  return stats;
}

/** Delays the first BatchWriteItem call by `ms` (the others go at once). */
export function delayFirstBatch(client: DynamoDBClient, ms: number) {
  let first = true;
  add(client, 'delay-first-batch', (next, command) => async (args) => {
    if (command === 'BatchWriteItemCommand' && first) {
      first = false;
      await new Promise((r) => setTimeout(r, ms));
    }
    return next(args);
  });
}

/**
 * A process that dies: once `items` record writes have gone through (a PutItem counts one, a
 * BatchWriteItem as many as it carries — the sole writer batches them), every call of every
 * command fails at once and for good (not retryable), so nothing more is written — not even
 * the manifest's `failed` status — as when Lambda kills an invocation (timeout, OOM).
 */
export function dieAfterWrites(client: DynamoDBClient, items: number) {
  const stats = { items: 0, dead: false };
  add(client, 'die-after-writes', (next, command) => async (args) => {
    if (!stats.dead && (command === 'PutItemCommand' || command === 'BatchWriteItemCommand')) {
      const n = command === 'PutItemCommand' ? 1 : Object.values(args.input.RequestItems as Record<string, WriteRequest[]>).reduce((t, r) => t + r.length, 0);
      if (stats.items + n > items) stats.dead = true;
      else stats.items += n;
    }
    if (stats.dead) throw sdkError('InvocationKilled', 400, 'the invocation was killed');
    return next(args);
  });
  return stats;
}
