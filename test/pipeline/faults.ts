/**
 * Faults injected into a real DynamoDB client (pointed at dynalite) as middleware at the
 * `initialize` step — outside the SDK's own retry middleware, so what the pipeline's store
 * does about the fault is what is tested.
 */
import type { DynamoDBClient, WriteRequest } from '@aws-sdk/client-dynamodb';

type Next = (args: { input: Record<string, unknown> }) => Promise<{ output: Record<string, unknown>; response: unknown }>;

function intercept(client: DynamoDBClient, name: string, command: string, wrap: (next: Next) => Next): void {
  client.middlewareStack.add(
    ((next: Next, context: { commandName?: string }) => (context.commandName === command ? wrap(next) : next)) as never,
    { step: 'initialize', name, override: true },
  );
}

/** An error shaped as the SDK throws it for a service error. */
export function serviceError(name: string, status: number, message = name): Error {
  return Object.assign(new Error(message), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
}

/**
 * For the first `calls` BatchWriteItem calls, DynamoDB "processes" only the first third of
 * the batch: the reduced request is really sent, the rest comes back as UnprocessedItems.
 */
export function partialBatches(client: DynamoDBClient, calls: number) {
  const stats = { calls: 0, partial: 0, heldBack: 0 };
  intercept(client, 'test-partial-batches', 'BatchWriteItemCommand', (next) => async (args) => {
    stats.calls++;
    if (stats.partial >= calls) return next(args);
    stats.partial++;
    const [table, items] = Object.entries(args.input.RequestItems as Record<string, WriteRequest[]>)[0];
    const keep = items.slice(0, Math.floor(items.length / 3));
    const back = items.slice(keep.length);
    stats.heldBack += back.length;
    if (keep.length === 0) return { output: { UnprocessedItems: { [table]: back }, $metadata: {} }, response: {} };
    const result = await next({ ...args, input: { ...args.input, RequestItems: { [table]: keep } } });
    result.output.UnprocessedItems = { [table]: back };
    return result;
  });
  return stats;
}

/** `command` passes `passes` times, then throws `errors[i]()` for the next calls (the last one forever when `persistent`). */
export function failCalls(client: DynamoDBClient, command: string, opts: { passes?: number; errors: Array<() => Error>; persistent?: boolean }) {
  const stats = { calls: 0, thrown: 0 };
  intercept(client, `test-fail-${command}`, command, (next) => async (args) => {
    stats.calls++;
    if (stats.calls > (opts.passes ?? 0)) {
      const i = stats.thrown;
      if (i < opts.errors.length || opts.persistent) {
        stats.thrown++;
        throw opts.errors[Math.min(i, opts.errors.length - 1)]();
      }
    }
    return next(args);
  });
  return stats;
}
