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
import type { Discrepancy, DiscrepancyType, RowCounts, Summary } from './model.ts';

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

/**
 * A stable, deterministic order: by the SPEC's type order for the boundary, then by key
 * values in the boundary's key-field order (then any other key fields by name), compared
 * by UTF-16 code units (no locale), then financial `kind` (sale before return).
 * Returns a new array; the input is not modified.
 */
export function sortDiscrepancies<T extends Discrepancy>(ds: readonly T[], b: BoundaryName): T[] {
  const order = [...TYPE_ORDER[b], ...ALL_TYPES.filter((t) => !TYPE_ORDER[b].includes(t))];
  const typeRank = new Map<string, number>(order.map((t, i) => [t, i]));
  const keyFields = BOUNDARY[b].keyFields;
  const sortKey = (d: T): string[] => {
    const k = d.key ?? {};
    const extra = Object.keys(k).filter((f) => !keyFields.includes(f)).sort();
    return [...keyFields, ...extra].map((f) => k[f] ?? '');
  };
  const decorated = ds.map((d, i) => ({ d, i, t: typeRank.get(d.type) ?? order.length, k: sortKey(d) }));
  decorated.sort((x, y) => {
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
    const kx = KIND_RANK[x.d.kind ?? ''] ?? 0;
    const ky = KIND_RANK[y.d.kind ?? ''] ?? 0;
    if (kx !== ky) return kx - ky;
    return x.i - y.i;
  });
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
 * Builds the report summary. Money at risk adds `impact.money.amount` per currency exactly
 * (scaled bigint) and by absolute value — what is at stake never offsets between
 * discrepancies; units at risk add `|impact.units|` likewise.
 */
export function buildSummary(input: SummaryInput): Summary {
  const byType: Partial<Record<DiscrepancyType, number>> = {};
  const money = new Map<string, Decimal>();
  let units = 0;
  /** The exact total, once a value is text or the total may no longer be exact as a double. */
  let exactUnits: Decimal | undefined;
  for (const d of input.discrepancies) {
    byType[d.type] = (byType[d.type] ?? 0) + 1;
    const m = d.impact?.money;
    if (m) {
      const r = parseDecimal(String(m.amount));
      if (!r.ok) {
        // Amounts are produced by the engine; a bad one here is a bug, not user input.
        throw new Error(`impact.money.amount of ${d.type} ${JSON.stringify(d.key)}: ${r.reason}`);
      }
      const v = r.value < 0n ? -r.value : r.value;
      const cur = m.currency ?? '';
      money.set(cur, (money.get(cur) ?? 0n) + v);
    }
    const u = d.impact?.units;
    if (typeof u === 'number' && Number.isFinite(u) && exactUnits === undefined) {
      units += Math.abs(u);
      if (units > Number.MAX_SAFE_INTEGER || !Number.isInteger(u)) exactUnits = 0n; // (recounted exactly below)
    } else if (u !== undefined) exactUnits = 0n;
  }
  if (exactUnits !== undefined) {
    for (const d of input.discrepancies) {
      const u = d.impact?.units;
      const r = u === undefined ? undefined : parseDecimal(String(u));
      if (r?.ok) exactUnits += r.value < 0n ? -r.value : r.value;
    }
  }
  const orderedByType: Partial<Record<DiscrepancyType, number>> = {};
  for (const t of ALL_TYPES) if (byType[t] !== undefined) orderedByType[t] = byType[t];
  for (const t of Object.keys(byType) as DiscrepancyType[]) if (orderedByType[t] === undefined) orderedByType[t] = byType[t];
  const moneyOut: Record<string, string> = {};
  for (const cur of [...money.keys()].sort()) moneyOut[cur] = formatMoney(money.get(cur)!);
  return {
    keys: input.keys,
    left: input.left,
    right: input.right,
    matched: input.matched,
    discrepancies: input.discrepancies.length,
    byType: orderedByType,
    matchRate: matchRate(input.keys, input.matched),
    atRisk: { money: moneyOut, units: exactUnits === undefined ? units : toUnits(exactUnits) },
    rows: { read: input.rows.read, used: input.rows.used, rejected: input.rows.rejected, ...(input.rows.skipped ? { skipped: input.rows.skipped } : {}) },
    outOfScope: input.outOfScope,
  };
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
