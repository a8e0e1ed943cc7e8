/**
 * A check run before every attempt to send a write — the SDK's own retries included (the
 * middleware sits after the retry middleware, at `finalizeRequest`), and the store's retry
 * loop's, which sends the command again. When the check says no, the request is not sent and
 * the call fails with `WriteRefused` (not retryable). Used by ingest to send a snapshot row
 * only while its write leave is valid (lib/store/snapshots.ts).
 */
import { isReconError } from '../errors.ts';

export type WriteCheck = () => boolean | Promise<boolean>;

export class WriteRefused extends Error {
  override readonly name = 'WriteRefused';
  constructor() {
    super('the write was refused before it was sent (a newer snapshot holds its part)');
  }
}

interface HasMiddleware {
  middlewareStack: { add(mw: never, opts: { step: 'finalizeRequest'; priority: 'low'; name: string }): void };
}

/** Adds `check` to `command`, run before each of its attempts. */
export function guardEachAttempt<C extends HasMiddleware>(command: C, check: WriteCheck): C {
  const mw = (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
    if (!(await check())) throw new WriteRefused();
    return next(args);
  };
  command.middlewareStack.add(mw as never, { step: 'finalizeRequest', priority: 'low', name: 'writeGuard' });
  return command;
}

/** True when `e` (or the cause of the ReconError wrapping it) is a WriteRefused. */
export function isWriteRefused(e: unknown): boolean {
  const cause = isReconError(e) ? e.cause : e;
  return cause instanceof WriteRefused;
}
