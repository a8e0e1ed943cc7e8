/**
 * inventory — OMS on-hand vs facility counts, keyed by SKU + facility. A row absent on one
 * side is zero on hand. Each file is a snapshot of the facilities it counts; the newest
 * snapshot of a facility counts. Facilities counted on one side only are coverage gaps.
 */
import { abs, toNumber, toUnits, ZERO, type Decimal } from '../decimal.ts';
import { FEEDS, type SideName } from '../feeds/catalog.ts';
import type { CanonRecord } from '../feeds/decode.ts';
import type { Discrepancy, Warning } from '../report/model.ts';
import { SEP, type Boundary, type FileFacts, type GroupOutcome, type Scope } from './boundary.ts';

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
  // Each file is a snapshot of its facilities: rows of different snapshots never replace each
  // other; the scope says which snapshot of a facility counts.
  identityOf: (r) => [r.f.facility_id as string, r.version],
  identityKey: (r) => (r.f.facility_id as string) + SEP + r.version,
  compareIdentity(a, b) {
    const fa = a.f.facility_id as string, fb = b.f.facility_id as string;
    if (fa === fb) return a.version < b.version ? -1 : a.version > b.version ? 1 : 0;
    // One facility a prefix of the other: what follows it in the key decides (rare: build the keys).
    if (fa.length !== fb.length && (fa.length < fb.length ? fb.startsWith(fa) : fa.startsWith(fb))) {
      const ka = inventory.identityKey(a), kb = inventory.identityKey(b);
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    }
    return fa < fb ? -1 : 1;
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
    // The snapshot of (side, facility) that counts: the newest as-of, then the newest version.
    const best = new Map<string, { asOf: string; version: string; file: string }>();
    const superseded: Warning[] = [];
    for (const f of facts) {
      for (const [fac, asOf] of Object.entries(f.facilities ?? {})) {
        const k = f.side + SEP + fac;
        const cand = { asOf: asOf ?? '', version: f.version, file: f.file };
        const cur = best.get(k);
        if (!cur) best.set(k, cand);
        else {
          const newer = cand.asOf > cur.asOf || (cand.asOf === cur.asOf && cand.version > cur.version);
          const [win, lose] = newer ? [cand, cur] : [cur, cand];
          best.set(k, win);
          superseded.push({
            code: 'superseded_snapshot',
            message: `${f.side} count of facility ${fac} in ${lose.file} is superseded by the newer one in ${win.file}`,
            file: lose.file,
          });
        }
      }
    }
    const bySide: Record<string, Set<string>> = { oms: new Set(), warehouse: new Set() };
    const snapshots: Record<string, string> = Object.create(null);
    for (const [k, v] of best) {
      const [side, fac] = k.split(SEP);
      bySide[side]?.add(fac);
      snapshots[k] = v.version;
    }
    const warnings: Warning[] = [...superseded];
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
    return { scope: { boundary: 'inventory', snapshots, facilities: compared }, warnings };
  },

  classify(group, scope, config) {
    const index = scopeIndex(scope);
    // Resolved groups come sorted by side, then facility: a merge join needs no maps.
    const oms: CanonRecord[] = [];
    const wh: CanonRecord[] = [];
    let outOfScope = 0;
    let lastOut: string | undefined;
    for (const r of group) {
      const side = r.side === 'oms' ? index.oms : index.warehouse;
      // A row of the one snapshot version of its side when every facility of it is compared: counted.
      if (r.version === side.everyFacility) {
        (r.side === 'oms' ? oms : wh).push(r);
        continue;
      }
      const fac = r.f.facility_id as string;
      const counted = side.facilities.get(fac);
      if (counted === undefined || counted.version !== r.version) continue; // an older snapshot of this facility
      if (!counted.compared) {
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

/** One side's facilities: facility → the version of the snapshot that counts, and whether both sides count it. */
interface SideIndex {
  facilities: Map<string, { version: string; compared: boolean }>;
  /** The version that counts for every facility of the side, when there is one and each of them is compared. */
  everyFacility: string | undefined;
}

interface ScopeIndex {
  oms: SideIndex;
  warehouse: SideIndex;
}

const indexes = new WeakMap<Scope, ScopeIndex>();
/** The last scope asked for, and its index (one run classifies many groups against one scope). */
let lastScope: Scope | undefined;
let lastIndex: ScopeIndex | undefined;

function scopeIndex(scope: Scope): ScopeIndex {
  if (scope === lastScope) return lastIndex!;
  let x = indexes.get(scope);
  if (!x) {
    const compared = new Set(scope.facilities ?? []);
    x = { oms: { facilities: new Map(), everyFacility: undefined }, warehouse: { facilities: new Map(), everyFacility: undefined } };
    for (const [k, version] of Object.entries(scope.snapshots ?? {})) {
      const [side, fac] = k.split(SEP);
      (side === 'oms' ? x.oms : x.warehouse).facilities.set(fac, { version, compared: compared.has(fac) });
    }
    for (const side of [x.oms, x.warehouse]) {
      const counted = [...side.facilities.values()];
      const version = counted[0]?.version;
      if (counted.every((c) => c.compared && c.version === version)) side.everyFacility = version;
    }
    indexes.set(scope, x);
  }
  lastScope = scope;
  lastIndex = x;
  return x;
}
