/**
 * Ingest's side of the snapshot pointers (lib/store/snapshots.ts; docs/data-model.md,
 * "Snapshot pointer"), for one invocation over one snapshot file:
 *
 * - `accept` (a row, in file order): raises the part's pointer to the row's snapshot time the
 *   first time the part is seen (and whenever the file holds a newer time for it). A row older
 *   than the pointer is not written (`olderSnapshot`). When the pointer is at the row's own
 *   time (this file raised it, or another part of the same snapshot did), it first waits out
 *   the fence: until `fenceMs` after the last write leave an older snapshot took before the
 *   raise — so every write that older snapshot may still send has landed before this file
 *   reads a stored record of the part.
 * - `mayWrite` (the upserter asks it before every attempt to send a write): the part's write
 *   leave, renewed when older than `leaveMs(fenceMs)`. A leave refused (a newer snapshot has
 *   raised the pointer since) drops the row (`olderSnapshot`) and every later row of the part.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SEP } from '../boundaries/boundary.ts';
import type { BoundaryName } from '../feeds/catalog.ts';
import { leaveMs, raiseSnapshot, takeWriteLeave } from '../store/snapshots.ts';
import type { KeyedRecord } from '../store/types.ts';

/** The fence on AWS: a leave is valid 2 s, and a write sent under it has 3 s more to land and replicate (docs/data-model.md). */
export const DEFAULT_SNAPSHOT_FENCE_MS = 5_000;

/** The fence of `oms-recon local` and the connected tests: stand-ins in one process, no replication. */
export const LOCAL_SNAPSHOT_FENCE_MS = 250;

interface PartState {
  side: string;
  part: string;
  /** The newest snapshot time the store has for the part, as far as this invocation knows. */
  newest: string;
  /** The newest snapshot time of this file's rows accepted for the part. */
  own?: string;
  /** Local clock (ms) until which the write leave is valid. */
  until: number;
  renewing?: Promise<boolean>;
}

export interface PointerOptions {
  fenceMs: number;
  /** The pointer's TTL (epoch seconds). */
  ttl: number;
  /** Real waits (the fence is real time, whatever clock a test gives ingest). */
  sleep?: (ms: number) => Promise<void>;
  log?: (event: Record<string, unknown>) => void;
}

export class SnapshotPointers {
  /** Rows not written because the store has seen a newer snapshot of their part. */
  olderSnapshot = 0;
  private readonly parts = new Map<string, PartState>();
  private readonly partOf = new WeakMap<KeyedRecord, PartState>();
  /** Rows counted in `olderSnapshot` (a row may be asked again: a batch refused goes row by row). */
  private readonly refused = new WeakSet<KeyedRecord>();
  private readonly leaveMs: number;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly boundary: BoundaryName,
    private readonly opts: PointerOptions,
  ) {
    this.leaveMs = leaveMs(opts.fenceMs);
  }

  /** Whether a row of snapshot time `t` of (side, part) is to be written and confirmed (see the module comment). */
  accept(side: string, part: string, t: string): boolean | Promise<boolean> {
    const key = side + SEP + part;
    const s = this.parts.get(key);
    // Without I/O for every row but the first of a part (or of a newer time in this file).
    if (s === undefined || t > s.newest) return this.raise(key, side, part, t);
    return this.take(s, t);
  }

  private async raise(key: string, side: string, part: string, t: string): Promise<boolean> {
    const p = await raiseSnapshot(this.client, this.tableName, { boundary: this.boundary, side, part, time: t, ttl: this.opts.ttl });
    let s = this.parts.get(key);
    if (s === undefined) this.parts.set(key, (s = { side, part, newest: p.time, until: 0 }));
    else if (p.time > s.newest) s.newest = p.time;
    if (p.time === t) await this.fence(p.raisedOver, key);
    return this.take(s, t);
  }

  private take(s: PartState, t: string): boolean {
    if (t < s.newest) {
      this.olderSnapshot++;
      return false;
    }
    if (s.own === undefined || t > s.own) s.own = t;
    return true;
  }

  /** Ties a keyed row to its part (after `accept` said yes), for `mayWrite`. */
  track(k: KeyedRecord, side: string, part: string): void {
    const s = this.parts.get(side + SEP + part);
    if (s) this.partOf.set(k, s);
  }

  /** The upserter's `mayWrite`: true while the row's part holds a valid write leave. */
  readonly mayWrite = (k: KeyedRecord): boolean | Promise<boolean> => {
    const s = this.partOf.get(k);
    if (s === undefined || s.own === undefined) return true;
    if (s.newest > s.own) return this.refuse(k);
    if (Date.now() < s.until) return true;
    s.renewing ??= this.renew(s).finally(() => {
      s.renewing = undefined;
    });
    return s.renewing.then((ok) => ok || this.refuse(k));
  };

  private refuse(k: KeyedRecord): false {
    if (!this.refused.has(k)) {
      this.refused.add(k);
      this.olderSnapshot++;
    }
    return false;
  }

  private async renew(s: PartState): Promise<boolean> {
    const own = s.own!;
    // The stamp is read before asking: the leave runs from no later than the pointer saw it.
    const stamp = Date.now();
    const r = await takeWriteLeave(this.client, this.tableName, { boundary: this.boundary, side: s.side, part: s.part, time: own, stamp, ttl: this.opts.ttl });
    if (r.granted) {
      s.until = stamp + this.leaveMs;
      return true;
    }
    if (r.newest > s.newest) s.newest = r.newest;
    this.opts.log?.({ level: 'INFO', message: 'newer snapshot: writes stopped', part: s.side + SEP + s.part, own, newest: r.newest });
    return false;
  }

  private async fence(raisedOver: number, part: string): Promise<void> {
    // At most twice the fence: a writer's clock far ahead of ours does not stall the file (clocks are assumed to agree well within the fence).
    const wait = Math.min(raisedOver + this.opts.fenceMs - Date.now(), 2 * this.opts.fenceMs);
    if (raisedOver <= 0 || wait <= 0) return;
    this.opts.log?.({ level: 'INFO', message: 'waiting out an older snapshot\'s writes', part, ms: wait });
    await (this.opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))))(wait);
  }
}
