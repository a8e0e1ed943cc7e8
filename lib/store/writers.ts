/**
 * Who is writing records of a boundary's side right now, and whether one of them writes alone
 * (docs/data-model.md, "The sole writer").
 *
 *   pk = WRITERS#<boundary>   sk = <side>
 *   rev        bumped by every registration and every sole grant (optimistic concurrency)
 *   w          writer id (<file id>.<random>) → until (epoch ms): its lease; once it has
 *              released, minus the time it ended
 *   sole       the writer that may write without a condition, until `soleUntil` (epoch ms)
 *
 * Records are normally written with a conditional PutItem each (upsert.ts), because another
 * ingest may write the same identity at the same time. A writer that is the only one of its
 * side — no other lease live or ended within `quietMs` — may take the sole grant and write the
 * rows it read (after the grant) with BatchWriteItem, unconditionally: nobody else can have
 * written them since. Every grant and registration is a conditional UpdateItem on `rev`, so two
 * writers can never both see themselves alone. The rules that make it safe:
 *
 * - A writer sends a write only while its lease has more than `guardMs` left; a sole writer
 *   sends an unconditional one only while its grant has more than `guardMs` left. Every request
 *   is aborted after `requestTimeoutMs` (< guardMs): it lands before the lease ends, or never.
 * - A sole grant needs every other lease ended `quietMs` ago (eventually consistent reads of
 *   the records see the other writer's last writes by then).
 * - A writer that registers while another holds a live grant waits until the grant ends or is
 *   released before it writes anything. The holder sees the new writer at its next renewal
 *   (every (soleMs − guardMs) / 2) and goes on with conditional writes, giving the grant back
 *   once its requests already sent alone have ended.
 *
 * What this assumes: clocks of the writers agree within a second (Lambda's are NTP-synced),
 * and DynamoDB applies a request within `requestTimeoutMs` of its sending or not at all.
 */
import { GetItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { ErrorCodes, ReconError } from '../errors.ts';
import type { BoundaryName } from '../feeds/catalog.ts';
import { resolveRetry, sendIf, withRetry, type ResolvedRetry } from './retry.ts';
import type { RetryOptions } from './types.ts';

export interface WriterTiming {
  /** A writer's lease; renewed halfway through its part before the guard. Default 60 s. */
  leaseMs: number;
  /** A sole grant; renewed halfway through its part before the guard. Default 20 s. */
  soleMs: number;
  /** No write is sent with less than this left of the lease or grant. Default 10 s. */
  guardMs: number;
  /** Every write request is aborted after this (must be < guardMs). Default 5 s. */
  requestTimeoutMs: number;
  /** A sole grant needs every other writer ended this long ago. Default 5 s. */
  quietMs: number;
  /** How often a writer waiting for another's grant looks again. Default 1 s. */
  pollMs: number;
}

export const DEFAULT_WRITER_TIMING: Readonly<WriterTiming> = {
  leaseMs: 60_000,
  soleMs: 20_000,
  guardMs: 10_000,
  requestTimeoutMs: 5_000,
  quietMs: 5_000,
  pollMs: 1_000,
};

/** The file part of a writer id (`<file id>.<random>`). */
function fileOf(id: string): string {
  const dot = id.lastIndexOf('.');
  return dot < 0 ? id : id.slice(0, dot);
}

export function writersPk(boundary: BoundaryName): string {
  return `WRITERS#${boundary}`;
}

/** Entries of `w` this long past their end are removed by the next registration. */
const PRUNE_AFTER_MS = 10 * 60_000;
/** Optimistic rounds before a registration gives up (each one lost to another writer's). */
const MAX_ROUNDS = 50;

export interface SideWriterOptions extends RetryOptions {
  boundary: BoundaryName;
  side: string;
  /** This writer's id, unique per invocation: `<file id>.<random>` (writers of one file share the part before the last dot). */
  id: string;
  timing?: Partial<WriterTiming>;
  /** May this writer take the sole grant at all? Default true. */
  allowSole?: boolean;
  /** Wall clock, epoch ms (leases are about real time between processes). */
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface WritersItem {
  rev: number;
  exists: boolean;
  w: Map<string, number>;
  sole?: string;
  soleUntil: number;
}

/**
 * One writer's registration for a side. `permit()` before each batch (it registers, renews,
 * waits out another's grant); `mayWrite()` / `mayWriteAlone(readAt)` right before each request;
 * `release()` when the invocation is done with the side.
 */
export class SideWriter {
  readonly timing: WriterTiming;
  private until = 0;
  private soleUntil = 0;
  /** When this writer's current, unbroken sole grant began (0: not sole). */
  private soleSince = 0;
  private heldSole = false;
  private syncing: Promise<void> | undefined;
  private readonly retry: ResolvedRetry;
  private readonly clock: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly key: Record<string, AttributeValue>;
  /** Whether a request sent alone was aborted (it may still land: the grant is then left to expire). */
  private abandoned = false;
  /** A grant this writer lost to another writer, given back once its last request alone has ended. */
  private giveBack: Promise<void> | undefined;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly opts: SideWriterOptions,
  ) {
    this.timing = { ...DEFAULT_WRITER_TIMING, ...opts.timing };
    if (!(this.timing.requestTimeoutMs < this.timing.guardMs && this.timing.guardMs < this.timing.soleMs && this.timing.soleMs <= this.timing.leaseMs)) {
      throw new ReconError(ErrorCodes.STORAGE, 'writer timing must have requestTimeoutMs < guardMs < soleMs <= leaseMs');
    }
    this.retry = resolveRetry(opts);
    this.clock = opts.clock ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.key = { pk: { S: writersPk(opts.boundary) }, sk: { S: opts.side } };
  }

  /** Registers or renews when due, and waits while another writer holds a live grant. */
  async permit(): Promise<void> {
    const now = this.clock();
    // Renewed halfway through the part usable for sending (the guard is not), so a batch read
    // just before a renewal still finds its lease or grant valid when it writes.
    const t = this.timing;
    const leaseDue = this.until - now < t.guardMs + (t.leaseMs - t.guardMs) / 2;
    const soleDue = this.soleSince > 0 && this.soleUntil - now < t.guardMs + (t.soleMs - t.guardMs) / 2;
    if (!leaseDue && !soleDue) return;
    this.syncing ??= this.sync().finally(() => (this.syncing = undefined));
    await this.syncing;
  }

  /** May a conditional write be sent now? */
  mayWrite(): boolean {
    return this.clock() < this.until - this.timing.guardMs;
  }

  /** May rows read at `readAt` be written unconditionally now? (The read came after the grant, and the grant has time left.) */
  mayWriteAlone(readAt: number): boolean {
    return this.soleSince > 0 && readAt >= this.soleSince && this.clock() < this.soleUntil - this.timing.guardMs;
  }

  /** An abort signal for one write request. */
  requestSignal(): AbortSignal {
    return AbortSignal.timeout(this.timing.requestTimeoutMs);
  }

  /** A request sent alone timed out: it may still land, so the grant is not released early. */
  abandonedRequest(): void {
    this.abandoned = true;
  }

  get isSole(): boolean {
    return this.soleSince > 0;
  }

  /** Ends this writer's lease (now: the quiet time counts from here) and gives back its grant. */
  async release(): Promise<void> {
    await this.syncing?.catch(() => undefined);
    await this.giveBack;
    if (this.until === 0) return;
    const now = this.clock();
    const releaseSole = this.heldSole && !this.abandoned;
    // The end time never moves past the lease: a writer that stalled keeps its old end.
    const end = Math.min(now, this.until);
    await this.updateIf({
      UpdateExpression: 'SET w.#me = :end',
      ConditionExpression: 'attribute_exists(w.#me)',
      ExpressionAttributeNames: { '#me': this.opts.id },
      // Negative: released (not run out), so the next invocation of the same file need not wait out the quiet time.
      ExpressionAttributeValues: { ':end': { N: String(-end) } },
    });
    if (releaseSole) await this.removeGrant(this.soleUntil);
    this.until = 0;
    this.soleUntil = 0;
    this.soleSince = 0;
    this.heldSole = false;
  }

  /** Gives back the grant that runs until `soleUntil` (not a newer one of this writer's). */
  private async removeGrant(soleUntil: number): Promise<void> {
    if (this.abandoned) return;
    await this.updateIf({
      UpdateExpression: 'REMOVE sole, soleUntil',
      ConditionExpression: 'sole = :me AND soleUntil = :until',
      ExpressionAttributeValues: { ':me': { S: this.opts.id }, ':until': { N: String(soleUntil) } },
    });
  }

  /** One conditional UpdateItem of the writers item (retried); false when its condition failed. */
  private async updateIf(input: Pick<UpdateItemCommandInput, 'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>): Promise<boolean> {
    return sendIf(`UpdateItem ${this.key.pk.S}`, () => this.client.send(new UpdateItemCommand({ TableName: this.tableName, Key: this.key, ...input })), this.retry);
  }

  private async read(): Promise<WritersItem> {
    const out = await withRetry(`GetItem ${this.key.pk.S}`, () => this.client.send(new GetItemCommand({ TableName: this.tableName, Key: this.key, ConsistentRead: true })), this.retry);
    const it = out.Item;
    const w = new Map<string, number>();
    for (const [id, v] of Object.entries(it?.w?.M ?? {})) w.set(id, Number(v.N ?? 0));
    return { exists: it !== undefined, rev: Number(it?.rev?.N ?? 0), w, sole: it?.sole?.S, soleUntil: Number(it?.soleUntil?.N ?? 0) };
  }

  /** One registration or renewal (optimistic on `rev`), then the wait for another's grant. */
  private async sync(): Promise<void> {
    const t = this.timing;
    const me = this.opts.id;
    for (let round = 1; ; round++) {
      const item = await this.read();
      const now = this.clock();
      let others = false;
      const prune: string[] = [];
      for (const [id, value] of item.w) {
        if (id === me) continue;
        const until = Math.abs(value);
        if (until + PRUNE_AFTER_MS < now) prune.push(id);
        // An earlier invocation of this same file that released its lease wrote only earlier
        // lines of the file: no quiet time is needed after it (a stale read of one of its keys
        // can only make a later line overwrite an earlier one, which is the rule anyway).
        else if (value < 0 && fileOf(id) === fileOf(me)) continue;
        else if (until + t.quietMs > now) others = true;
      }
      const otherSole = item.sole !== undefined && item.sole !== me && item.soleUntil > now;
      const alone = this.opts.allowSole !== false && !others && !otherSole;
      const lease: AttributeValue = { N: String(now + t.leaseMs) };
      const names: Record<string, string> = {};
      const values: Record<string, AttributeValue> = { ':rev': { N: String(item.rev + 1) } };
      const set = ['rev = :rev'];
      if (item.exists) {
        set.push('w.#me = :until');
        names['#me'] = me;
        values[':until'] = lease;
      } else {
        set.push('w = :w');
        values[':w'] = { M: { [me]: lease } };
      }
      if (alone) {
        set.push('sole = :me', 'soleUntil = :soleUntil');
        values[':me'] = { S: me };
        values[':soleUntil'] = { N: String(now + t.soleMs) };
      }
      prune.forEach((id, i) => (names[`#p${i}`] = id));
      const remove = prune.map((_, i) => `w.#p${i}`);
      const update = `SET ${set.join(', ')}` + (remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : '');
      const updated = await this.updateIf({
        UpdateExpression: update,
        ConditionExpression: item.exists ? 'rev = :old' : 'attribute_not_exists(pk)',
        ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: { ...values, ...(item.exists ? { ':old': { N: String(item.rev) } } : {}) },
      });
      if (!updated) {
        // Another writer registered in between: read again.
        if (round >= MAX_ROUNDS) throw new ReconError(ErrorCodes.STORAGE, `registering a writer on ${this.key.pk.S} ${this.opts.side}: still contended after ${round} rounds`);
        continue;
      }
      this.until = now + t.leaseMs;
      if (alone) {
        if (this.soleSince === 0) this.soleSince = now;
        this.soleUntil = now + t.soleMs;
        this.heldSole = true;
      } else {
        // Another writer is here: no request alone from now on. A grant held is given back once
        // the requests already sent alone have ended (each within requestTimeoutMs), so the
        // other writer need not wait for it to run out.
        if (this.heldSole && this.soleUntil > now) {
          const held = this.soleUntil;
          this.giveBack = this.sleep(t.requestTimeoutMs + 100).then(() => this.removeGrant(held)).catch(() => undefined);
        }
        this.heldSole = false;
        this.soleSince = 0;
        this.soleUntil = 0;
      }
      if (otherSole) await this.waitForGrant(item.sole!, item.soleUntil);
      return;
    }
  }

  /** Waits until another writer's grant ends or is given back (it sees this writer at its next renewal). */
  private async waitForGrant(holder: string, soleUntil: number): Promise<void> {
    let until = soleUntil;
    for (;;) {
      const now = this.clock();
      if (now >= until) return;
      await this.sleep(Math.min(this.timing.pollMs, until - now));
      const item = await this.read();
      if (item.sole !== holder) return;
      until = item.soleUntil;
    }
  }
}
