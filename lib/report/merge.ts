/**
 * Summary math and ordering shared by the CLI engine and the pipeline's summarize step
 * (which merges per-shard partial results): counts per type, match rate, money and units
 * at risk (exact decimal), new / ongoing / resolved against the previous run, and one
 * deterministic order for discrepancies so that the CLI and the pipeline print the same
 * report for the same files.
 */
import { formatMoney, parseDecimal, toUnits, type Decimal } from '../decimal.ts';
import { BOUNDARY } from '../boundaries/index.ts';
import type { BoundaryName } from '../feeds/catalog.ts';
import type { Discrepancy, DiscrepancyType, Report, RowCounts, Summary } from './model.ts';

/** Discrepancy types per boundary, in the order the SPEC lists them ("Discrepancy types"). */
export const TYPE_ORDER: Readonly<Record<BoundaryName, readonly DiscrepancyType[]>> = {
  intake: ['missing_in_oms', 'duplicate_in_oms', 'unexpected_in_oms', 'field_mismatch', 'cancellation_mismatch'],
  fulfillment: ['not_shipped', 'reassigned', 'unrecorded_split', 'quantity_mismatch', 'shipped_not_allocated'],
  inventory: ['quantity_mismatch', 'missing_in_oms', 'missing_in_warehouse'],
  financial: ['not_booked', 'unexpected_in_erp', 'return_not_credited', 'credit_without_return', 'amount_mismatch'],
};

/** Every type once, in SPEC order (intake, fulfillment, inventory, financial). */
export const ALL_TYPES: readonly DiscrepancyType[] = [
  ...new Set(Object.values(TYPE_ORDER).flat()),
] as DiscrepancyType[];

// ---------------------------------------------------------------------------------------
// Identity

/** Key object with its keys sorted, so `{b,a}` and `{a,b}` are one key. */
export function canonicalKey(key: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(key).sort()) out[k] = key[k];
  return out;
}

/** Identity of a discrepancy across runs: type + key (key fields sorted), as JSON text. */
export function discrepancyId(d: { type: string; key: Record<string, string> }): string {
  return JSON.stringify([d.type, canonicalKey(d.key ?? {})]);
}

// ---------------------------------------------------------------------------------------
// Order

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const KIND_RANK: Record<string, number> = { sale: 1, return: 2 };

/** A discrepancy with what it is ordered by (see {@link discrepancyOrder}). */
export interface Ranked<T> {
  d: T;
  /** Type rank (SPEC order for the boundary; unknown types after, by name). */
  t: number;
  /** Key values in the boundary's key-field order, then any other key fields by name. */
  k: string[];
}

/**
 * The report's order of discrepancies for a boundary: by the SPEC's type order for the
 * boundary, then by key values in the boundary's key-field order (then any other key fields
 * by name), compared by UTF-16 code units (no locale). `rank` decorates a discrepancy once;
 * `compare` orders two decorated ones by type and key alone (equal: one identity, or keys
 * that only differ in empty extra fields); `kind` breaks ties (financial sale before return).
 */
export function discrepancyOrder(b: BoundaryName) {
  const order = [...TYPE_ORDER[b], ...ALL_TYPES.filter((t) => !TYPE_ORDER[b].includes(t))];
  const typeRank = new Map<string, number>(order.map((t, i) => [t, i]));
  const keyFields = BOUNDARY[b].keyFields;
  const rank = <T extends { type: string; key?: Record<string, string> }>(d: T): Ranked<T> => {
    const k = d.key ?? {};
    const extra = Object.keys(k).filter((f) => !keyFields.includes(f)).sort();
    return { d, t: typeRank.get(d.type) ?? order.length, k: [...keyFields, ...extra].map((f) => k[f] ?? '') };
  };
  const compare = (x: Ranked<{ type: string }>, y: Ranked<{ type: string }>): number => {
    if (x.t !== y.t) return x.t - y.t;
    if (x.t === order.length) {
      const c = compareText(x.d.type, y.d.type);
      if (c) return c;
    }
    const n = Math.max(x.k.length, y.k.length);
    for (let j = 0; j < n; j++) {
      const c = compareText(x.k[j] ?? '', y.k[j] ?? '');
      if (c) return c;
    }
    return 0;
  };
  const kind = (x: Ranked<{ kind?: unknown }>, y: Ranked<{ kind?: unknown }>): number =>
    (KIND_RANK[String(x.d.kind ?? '')] ?? 0) - (KIND_RANK[String(y.d.kind ?? '')] ?? 0);
  return { rank, compare, kind };
}

/**
 * A stable, deterministic order ({@link discrepancyOrder}), then input order.
 * Returns a new array; the input is not modified.
 */
export function sortDiscrepancies<T extends Discrepancy>(ds: readonly T[], b: BoundaryName): T[] {
  const o = discrepancyOrder(b);
  const decorated = ds.map((d, i) => ({ ...o.rank(d), i }));
  decorated.sort((x, y) => o.compare(x, y) || o.kind(x, y) || x.i - y.i);
  return decorated.map((e) => e.d);
}

// ---------------------------------------------------------------------------------------
// Summary

export interface SummaryInput {
  left: number;
  right: number;
  /** Distinct keys on either side. */
  keys: number;
  matched: number;
  outOfScope: number;
  discrepancies: readonly Discrepancy[];
  rows: RowCounts;
}

/** matched / keys; 1 when there are no keys; rounded to 4 decimals. */
export function matchRate(keys: number, matched: number): number {
  if (keys <= 0) return 1;
  return Math.round((matched / keys) * 10_000) / 10_000;
}

/**
 * The summary's totals over discrepancies given one at a time (a list of millions never has
 * to be held): counts per type, money at risk per currency and units at risk, exactly.
 */
export class SummaryTotals {
  count = 0;
  readonly byType: Partial<Record<DiscrepancyType, number>> = {};
  private readonly money = new Map<string, Decimal>();
  private units = 0;
  /** The exact total, once a value is text or the total may no longer be exact as a double. */
  private exactUnits: Decimal | undefined;

  add(d: Discrepancy): void {
    this.count++;
    this.byType[d.type] = (this.byType[d.type] ?? 0) + 1;
    const m = d.impact?.money;
    if (m) {
      const r = parseDecimal(String(m.amount));
      if (!r.ok) {
        // Amounts are produced by the engine; a bad one here is a bug, not user input.
        throw new Error(`impact.money.amount of ${d.type} ${JSON.stringify(d.key)}: ${r.reason}`);
      }
      const v = r.value < 0n ? -r.value : r.value;
      const cur = m.currency ?? '';
      this.money.set(cur, (this.money.get(cur) ?? 0n) + v);
    }
    const u = d.impact?.units;
    if (u === undefined) return;
    if (this.exactUnits === undefined) {
      const before = this.units;
      if (typeof u === 'number' && Number.isFinite(u)) {
        this.units += Math.abs(u);
        if (this.units <= Number.MAX_SAFE_INTEGER && Number.isInteger(u)) return;
      }
      // Every value so far was a whole number and their sum a safe integer: exact as it is.
      this.exactUnits = (parseDecimal(String(before)) as { value: Decimal }).value;
    }
    const r = parseDecimal(String(u));
    if (r.ok) this.exactUnits += r.value < 0n ? -r.value : r.value;
  }

  summary(input: Omit<SummaryInput, 'discrepancies'>): Summary {
    const byType = this.byType;
    const orderedByType: Partial<Record<DiscrepancyType, number>> = {};
    for (const t of ALL_TYPES) if (byType[t] !== undefined) orderedByType[t] = byType[t];
    for (const t of Object.keys(byType) as DiscrepancyType[]) if (orderedByType[t] === undefined) orderedByType[t] = byType[t];
    const moneyOut: Record<string, string> = {};
    for (const cur of [...this.money.keys()].sort()) moneyOut[cur] = formatMoney(this.money.get(cur)!);
    return {
      keys: input.keys,
      left: input.left,
      right: input.right,
      matched: input.matched,
      discrepancies: this.count,
      byType: orderedByType,
      matchRate: matchRate(input.keys, input.matched),
      atRisk: { money: moneyOut, units: this.exactUnits === undefined ? this.units : toUnits(this.exactUnits) },
      rows: { read: input.rows.read, used: input.rows.used, rejected: input.rows.rejected, ...(input.rows.skipped ? { skipped: input.rows.skipped } : {}) },
      outOfScope: input.outOfScope,
    };
  }
}

/**
 * Builds the report summary. Money at risk adds `impact.money.amount` per currency exactly
 * (scaled bigint) and by absolute value — what is at stake never offsets between
 * discrepancies; units at risk add `|impact.units|` likewise.
 */
export function buildSummary(input: SummaryInput): Summary {
  const totals = new SummaryTotals();
  for (const d of input.discrepancies) totals.add(d);
  return totals.summary(input);
}

/**
 * What the renderers say about the whole list of discrepancies beyond the rows they show:
 * how many, new and ongoing (per type), the oldest open one. Gathered one discrepancy at a
 * time, so that a streamed report and one held in memory say the same.
 */
export class ListFacts {
  count = 0;
  newCount = 0;
  ongoingCount = 0;
  /** The earliest firstSeen of an ongoing discrepancy. */
  oldestOngoing: string | undefined;
  readonly newByType = new Map<string, number>();
  /** Some discrepancy has a status (any value), a truthy one, a firstSeen. */
  anyStatus = false;
  anyTruthyStatus = false;
  anyFirstSeen = false;
  /** Resolved since the previous run (when the report has that list). */
  resolved = 0;

  add(d: Discrepancy): void {
    this.count++;
    if (d.status === 'new') {
      this.newCount++;
      this.newByType.set(d.type, (this.newByType.get(d.type) ?? 0) + 1);
    } else if (d.status === 'ongoing') {
      this.ongoingCount++;
      if (typeof d.firstSeen === 'string' && d.firstSeen && (!this.oldestOngoing || d.firstSeen < this.oldestOngoing)) this.oldestOngoing = d.firstSeen;
    }
    if (d.status !== undefined) this.anyStatus = true;
    if (d.status) this.anyTruthyStatus = true;
    if (d.firstSeen !== undefined) this.anyFirstSeen = true;
  }

  static of(report: Pick<Report, 'discrepancies' | 'resolved'>): ListFacts {
    const f = new ListFacts();
    for (const d of report.discrepancies ?? []) f.add(d);
    f.resolved = report.resolved?.length ?? 0;
    return f;
  }
}

/** Alias kept for the pipeline's wording ("summarize"). */
export const summarize = buildSummary;

// ---------------------------------------------------------------------------------------
// Against the previous run

export interface PreviousDiscrepancy {
  type: string;
  key: Record<string, string>;
  firstSeen?: string;
}

export interface Comparison<T extends Discrepancy> {
  /** The current discrepancies (copies), each with `status` and `firstSeen`. */
  discrepancies: T[];
  /** Previous discrepancies that no longer appear (each identity once, in previous order). */
  resolved: Array<{ type: DiscrepancyType; key: Record<string, string>; firstSeen?: string }>;
}

/**
 * Marks each current discrepancy `new` (firstSeen = now) or `ongoing` (firstSeen carried
 * over from the previous run; if the previous run did not record it, the current value or
 * `now`), and lists the resolved ones. Inputs are not modified.
 */
export function compareWithPrevious<T extends Discrepancy>(
  current: readonly T[],
  previous: readonly PreviousDiscrepancy[],
  now: string,
): Comparison<T> {
  const prev = new Map<string, PreviousDiscrepancy>();
  const prevIds = previous.map(discrepancyId);
  for (let i = 0; i < previous.length; i++) {
    const p = previous[i], id = prevIds[i];
    const seen = prev.get(id);
    // Keep the earliest firstSeen when the previous list repeats an identity.
    if (!seen || (p.firstSeen && (!seen.firstSeen || p.firstSeen < seen.firstSeen))) prev.set(id, p);
  }
  const currentIds = new Set<string>();
  const discrepancies = current.map((d) => {
    const id = discrepancyId(d);
    currentIds.add(id);
    const p = prev.get(id);
    // Object.assign: measured several times faster than spread on 200k discrepancies.
    if (p) return Object.assign({}, d, { status: 'ongoing' as const, firstSeen: p.firstSeen ?? d.firstSeen ?? now });
    return Object.assign({}, d, { status: 'new' as const, firstSeen: now });
  });
  const resolved: Comparison<T>['resolved'] = [];
  const done = new Set<string>();
  for (let i = 0; i < previous.length; i++) {
    const p = previous[i], id = prevIds[i];
    if (currentIds.has(id) || done.has(id)) continue;
    done.add(id);
    const kept = prev.get(id)!;
    const r: Comparison<T>['resolved'][number] = { type: p.type as DiscrepancyType, key: p.key };
    if (kept.firstSeen) r.firstSeen = kept.firstSeen;
    resolved.push(r);
  }
  return { discrepancies, resolved };
}

/** One resolved identity, as `report.resolved` lists it. */
export type Resolved = Comparison<Discrepancy>['resolved'][number];

/** An async iterator one may look ahead in by one. */
class Peek<T> {
  private next: IteratorResult<T> | undefined;
  constructor(private readonly it: AsyncIterator<T>) {}
  async peek(): Promise<T | undefined> {
    this.next ??= await this.it.next();
    return this.next.done ? undefined : this.next.value;
  }
  take(): void {
    this.next = undefined;
  }
}

/**
 * {@link compareWithPrevious} for lists of any length: `current` and `previous` both in the
 * report's order ({@link discrepancyOrder}), read as two sorted streams, one group of equal
 * type and key at a time (a group holds one identity, or a few whose keys only differ in
 * empty extra fields) — so memory holds a group, never a list. Yields the current
 * discrepancies in their order, marked as compareWithPrevious marks them, and hands each
 * resolved identity to `onResolved` in previous order. The result is the same as
 * compareWithPrevious's on the same lists. A `previous` out of order is a bug: it throws.
 */
export async function* compareSortedWithPrevious<T extends Discrepancy>(
  current: AsyncIterable<T>,
  previous: AsyncIterable<PreviousDiscrepancy>,
  b: BoundaryName,
  now: string,
  onResolved: (r: Resolved) => void | Promise<void>,
): AsyncGenerator<T & { status: 'new' | 'ongoing'; firstSeen: string }> {
  const o = discrepancyOrder(b);
  const cur = new Peek(current[Symbol.asyncIterator]());
  const prev = new Peek(previous[Symbol.asyncIterator]());
  let last: Ranked<PreviousDiscrepancy> | undefined;
  let p = await prev.peek();
  let rp = p && o.rank(p);
  for (;;) {
    const c = await cur.peek();
    if (!c && !p) return;
    const rc = c && o.rank(c);
    // The group: the smaller of the two heads' type and key.
    const head = !rc ? rp! : !rp ? rc : o.compare(rc, rp) <= 0 ? rc : rp;
    const before = new Map<string, PreviousDiscrepancy>();
    const order: Array<[string, PreviousDiscrepancy]> = [];
    while (p && o.compare(rp!, head) === 0) {
      if (last && o.compare(last, rp!) > 0) throw new Error(`the previous run's discrepancy list is not in report order at ${discrepancyId(p)}`);
      last = rp;
      const id = discrepancyId(p);
      order.push([id, p]);
      const seen = before.get(id);
      if (!seen || (p.firstSeen && (!seen.firstSeen || p.firstSeen < seen.firstSeen))) before.set(id, p);
      prev.take();
      p = await prev.peek();
      rp = p && o.rank(p);
    }
    if (p && rp && last && o.compare(last, rp) > 0) throw new Error(`the previous run's discrepancy list is not in report order at ${discrepancyId(p)}`);
    const seenNow = new Set<string>();
    for (let d = await cur.peek(); d && o.compare(o.rank(d), head) === 0; d = await cur.peek()) {
      cur.take();
      const id = discrepancyId(d);
      seenNow.add(id);
      const q = before.get(id);
      if (q) yield Object.assign({}, d, { status: 'ongoing' as const, firstSeen: q.firstSeen ?? d.firstSeen ?? now });
      else yield Object.assign({}, d, { status: 'new' as const, firstSeen: now });
    }
    for (const [id, q] of order) {
      if (seenNow.has(id)) continue;
      seenNow.add(id);
      const kept = before.get(id)!;
      const r: Resolved = { type: q.type as DiscrepancyType, key: q.key };
      if (kept.firstSeen) r.firstSeen = kept.firstSeen;
      await onResolved(r);
    }
  }
}
