/**
 * inventory — OMS on-hand vs facility counts, keyed by SKU + facility. A row absent on one
 * side is zero on hand. Each file is a snapshot of the facilities it counts; the newest
 * snapshot of a facility counts. Facilities counted on one side only are coverage gaps.
 */
import { abs, toNumber, ZERO, type Decimal } from '../decimal.ts';
import { FEEDS, type SideName } from '../feeds/catalog.ts';
import { formatTimestamp } from '../feeds/fields.ts';
import type { CanonRecord } from '../feeds/decode.ts';
import type { Discrepancy, Warning } from '../report/model.ts';
import { SEP, type Boundary, type FileFacts, type GroupOutcome, type Scope } from './boundary.ts';

const SIDES = ['oms', 'warehouse'] as const;

function asOfOf(r: CanonRecord): number | undefined {
  return (r.side === 'oms' ? r.f.as_of : r.f.counted_at) as number | undefined;
}

function view(r: CanonRecord | undefined): Record<string, unknown> | null {
  if (!r) return null;
  const t = asOfOf(r);
  const v: Record<string, unknown> = { on_hand: toNumber(r.f.on_hand as Decimal) };
  if (t !== undefined) v[r.side === 'oms' ? 'as_of' : 'counted_at'] = formatTimestamp(t);
  return v;
}

export const inventory: Boundary = {
  name: 'inventory',
  sides: SIDES,
  feeds: { oms: FEEDS['oms-inventory'], warehouse: FEEDS['warehouse-inventory'] },
  keyFields: ['sku', 'facility_id'],

  groupOf: (r) => [r.f.sku as string],
  // Each file is a snapshot of its facilities: rows of different snapshots never replace each
  // other; the scope says which snapshot of a facility counts.
  identityOf: (r) => [r.f.facility_id as string, r.version],

  observe(r, facts) {
    const facilities = (facts.facilities ??= {});
    const fac = r.f.facility_id as string;
    const t = asOfOf(r);
    const prev = facilities[fac];
    if (prev === undefined) facilities[fac] = t === undefined ? null : formatTimestamp(t);
    else if (t !== undefined) {
      const iso = formatTimestamp(t);
      if (prev === null || iso > prev) facilities[fac] = iso;
    }
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
    const snapshots: Record<string, string> = {};
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
    const compared = facilitySet(scope);
    const snapshots = scope.snapshots ?? {};
    const oms = new Map<string, CanonRecord>();
    const wh = new Map<string, CanonRecord>();
    let outOfScope = 0;
    const outKeys = new Set<string>();
    for (const r of group) {
      const fac = r.f.facility_id as string;
      if (snapshots[r.side + SEP + fac] !== r.version) continue; // an older snapshot of this facility
      if (!compared.has(fac)) {
        if (!outKeys.has(fac)) { outKeys.add(fac); outOfScope++; }
        continue;
      }
      (r.side === 'oms' ? oms : wh).set(fac, r);
    }
    const out: GroupOutcome = { discrepancies: [], left: oms.size, right: wh.size, keys: 0, matched: 0, outOfScope };
    if (oms.size === 0 && wh.size === 0) return out;

    const sku = group[0].f.sku as string;
    const tol = config.tolerances.inventory;
    let totalOms = ZERO, totalWh = ZERO;
    const facilities = new Set([...oms.keys(), ...wh.keys()]);
    out.keys = facilities.size;
    const found: Discrepancy[] = [];
    for (const fac of [...facilities].sort()) {
      const o = oms.get(fac), w = wh.get(fac);
      const qo = o ? (o.f.on_hand as Decimal) : ZERO;
      const qw = w ? (w.f.on_hand as Decimal) : ZERO;
      totalOms += qo;
      totalWh += qw;
      const delta = qo - qw;
      if (abs(delta) <= tol) {
        if (o && w) out.matched++;
        continue;
      }
      const type = qo === ZERO && qw > ZERO ? 'missing_in_oms' : qw === ZERO && qo > ZERO ? 'missing_in_warehouse' : 'quantity_mismatch';
      found.push({
        type,
        key: { sku, facility_id: fac },
        offsetting: false,
        oms: view(o),
        warehouse: view(w),
        delta: toNumber(delta),
        impact: { units: toNumber(abs(delta)) },
        sources: [o, w].filter((r): r is CanonRecord => !!r).map((r) => ({ side: r.side, file: r.file, line: r.line })),
      });
    }
    if (found.length > 0) {
      const offsetting = totalOms === totalWh;
      for (const d of found) d.offsetting = offsetting;
      out.discrepancies = found;
    }
    return out;
  },
};

const facilityCache = new WeakMap<Scope, Set<string>>();
function facilitySet(scope: Scope): Set<string> {
  let s = facilityCache.get(scope);
  if (!s) facilityCache.set(scope, (s = new Set(scope.facilities ?? [])));
  return s;
}

