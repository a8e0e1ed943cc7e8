/**
 * inventory — OMS on-hand vs facility counts, keyed by SKU + facility. A row absent on one
 * side is zero on hand. Both feeds are snapshot feeds: the newest snapshot of a facility
 * counts, however many files it came in (lib/boundaries/snapshot.ts). Facilities counted on
 * one side only are coverage gaps.
 */
import { abs, toNumber, toUnits, ZERO, type Decimal } from '../decimal.ts';
import { FEEDS, type SideName } from '../feeds/catalog.ts';
import type { CanonRecord } from '../feeds/decode.ts';
import type { Discrepancy, Warning } from '../report/model.ts';
import { type Boundary, type FileFacts, type GroupOutcome, type Scope } from './boundary.ts';

const SIDES = ['oms', 'warehouse'] as const;

function asOfOf(r: CanonRecord): string | undefined {
  return (r.side === 'oms' ? r.f.as_of : r.f.counted_at) as string | undefined;
}

function view(r: CanonRecord | undefined): Record<string, unknown> | null {
  if (!r) return null;
  const t = asOfOf(r);
  const v: Record<string, unknown> = { on_hand: toNumber(r.f.on_hand as Decimal) };
  if (t !== undefined) v[r.side === 'oms' ? 'as_of' : 'counted_at'] = t;
  return v;
}

/**
 * What `observe` already noted for the file it saw last: facility → as-of. Rows repeat a few
 * facilities and one as-of, so most rows change nothing and cost one Map lookup (a keyed
 * property load with a string read from the file costs several times more).
 */
const seen: { facts?: FileFacts; noted: Map<string, string | null> } = { noted: new Map() };

export const inventory: Boundary = {
  name: 'inventory',
  sides: SIDES,
  feeds: { oms: FEEDS['oms-inventory'], warehouse: FEEDS['warehouse-inventory'] },
  keyFields: ['sku', 'facility_id'],

  groupFields: ['sku'],
  // One record per SKU + facility and side: a newer count of it replaces the older (the
  // snapshot rule, lib/boundaries/snapshot.ts, decides which counts are current).
  identityOf: (r) => [r.f.facility_id as string],
  identityKey: (r) => r.f.facility_id as string,
  compareIdentity(a, b) {
    const fa = a.f.facility_id as string, fb = b.f.facility_id as string;
    return fa === fb ? 0 : fa < fb ? -1 : 1;
  },

  observe(r, facts) {
    const fac = r.f.facility_id as string;
    const t = asOfOf(r) ?? null;
    if (facts !== seen.facts) {
      seen.facts = facts;
      seen.noted = new Map();
    } else if (seen.noted.get(fac) === t) return; // noted before: nothing changes
    seen.noted.set(fac, t);
    // Keyed by partner text (a facility may be called `__proto__`): an object with no prototype.
    const facilities = (facts.facilities ??= Object.create(null) as Record<string, string | null>);
    const prev = Object.hasOwn(facilities, fac) ? facilities[fac] : undefined;
    if (prev === undefined || (t !== null && (prev === null || t > prev))) facilities[fac] = t;
  },

  scope(facts) {
    // A facility counted on one side only is a coverage gap: left out of the comparison.
    const bySide: Record<string, Set<string>> = { oms: new Set(), warehouse: new Set() };
    for (const f of facts) for (const fac of Object.keys(f.facilities ?? {})) bySide[f.side]?.add(fac);
    const warnings: Warning[] = [];
    const compared: string[] = [];
    const all = [...new Set([...bySide.oms, ...bySide.warehouse])].sort();
    for (const fac of all) {
      const inOms = bySide.oms.has(fac), inWh = bySide.warehouse.has(fac);
      if (inOms && inWh) compared.push(fac);
      else {
        const has: SideName = inOms ? 'oms' : 'warehouse';
        const lacks: SideName = inOms ? 'warehouse' : 'oms';
        warnings.push({
          code: 'coverage_gap',
          message: `facility ${fac} has ${has} rows but no ${lacks} count arrived: left out of the comparison`,
          key: { facility_id: fac },
        });
      }
    }
    return { scope: { boundary: 'inventory', facilities: compared }, warnings };
  },

  classify(group, scope, config) {
    const compared = comparedSet(scope);
    // Resolved groups come sorted by side, then facility: a merge join needs no maps.
    const oms: CanonRecord[] = [];
    const wh: CanonRecord[] = [];
    let outOfScope = 0;
    let lastOut: string | undefined;
    for (const r of group) {
      const fac = r.f.facility_id as string;
      if (!compared.has(fac)) {
        if (fac !== lastOut) outOfScope++;
        lastOut = fac;
        continue;
      }
      (r.side === 'oms' ? oms : wh).push(r);
    }
    const out: GroupOutcome = { discrepancies: [], left: oms.length, right: wh.length, keys: 0, matched: 0, outOfScope };
    if (oms.length === 0 && wh.length === 0) return out;

    const sku = group[0].f.sku as string;
    const tol = config.tolerances.inventory;
    const equalMatches = tol >= ZERO;
    let found: Discrepancy[] | undefined;
    let i = 0, j = 0;
    while (i < oms.length || j < wh.length) {
      const fo = i < oms.length ? (oms[i].f.facility_id as string) : undefined;
      const fw = j < wh.length ? (wh[j].f.facility_id as string) : undefined;
      // One comparison of the two facilities (equal: both rows of the key).
      const c = fo === fw ? 0 : fo === undefined ? 1 : fw === undefined ? -1 : fo < fw ? -1 : 1;
      const o = c <= 0 ? oms[i++] : undefined;
      const w = c >= 0 ? wh[j++] : undefined;
      out.keys++;
      const qo = o ? (o.f.on_hand as Decimal) : ZERO;
      const qw = w ? (w.f.on_hand as Decimal) : ZERO;
      if (qo === qw && equalMatches) {
        // Equal counts: a match, with no bigint arithmetic (the totals are summed below, only when needed).
        if (o && w) out.matched++;
        continue;
      }
      const delta = qo - qw;
      if (abs(delta) <= tol) {
        if (o && w) out.matched++;
        continue;
      }
      const type = qo === ZERO && qw > ZERO ? 'missing_in_oms' : qw === ZERO && qo > ZERO ? 'missing_in_warehouse' : 'quantity_mismatch';
      (found ??= []).push({
        type,
        key: { sku, facility_id: (o ?? w)!.f.facility_id as string },
        offsetting: false,
        oms: view(o),
        warehouse: view(w),
        delta: toUnits(delta),
        impact: { units: toUnits(abs(delta)) },
        sources: [o, w].filter((r): r is CanonRecord => !!r).map((r) => ({ side: r.side, file: r.file, line: r.line })),
      });
    }
    if (found) {
      let totalOms = ZERO, totalWh = ZERO;
      for (const r of oms) totalOms += r.f.on_hand as Decimal;
      for (const r of wh) totalWh += r.f.on_hand as Decimal;
      const offsetting = totalOms === totalWh;
      for (const d of found) d.offsetting = offsetting;
      out.discrepancies = found;
    }
    return out;
  },
};

/** The facilities compared (counted on both sides), per scope (one run classifies many groups against one scope). */
const compareds = new WeakMap<Scope, Set<string>>();
let lastScope: Scope | undefined;
let lastCompared: Set<string> | undefined;

function comparedSet(scope: Scope): Set<string> {
  if (scope === lastScope) return lastCompared!;
  let x = compareds.get(scope);
  if (!x) {
    x = new Set(scope.facilities ?? []);
    compareds.set(scope, x);
  }
  lastScope = scope;
  lastCompared = x;
  return x;
}
