/**
 * fulfillment — OMS allocations vs actual shipments, keyed by order + line (+ location).
 * Shipments of one line from one location add up (several packages are one fulfilment).
 * An order line gets at most one discrepancy: the first of shipped_not_allocated,
 * not_shipped, reassigned, unrecorded_split, quantity_mismatch that applies.
 */
import { abs, toUnits, ZERO, type Decimal } from '../decimal.ts';
import { FEEDS } from '../feeds/catalog.ts';
import type { CanonRecord } from '../feeds/decode.ts';
import type { Discrepancy, DiscrepancyType, Warning } from '../report/model.ts';
import { positional, SEP, type Boundary, type GroupOutcome } from './boundary.ts';

const HOUR = 3_600_000;

type ByLocation = Map<string, Decimal>;

function byLocation(rows: readonly CanonRecord[]): ByLocation {
  const m: ByLocation = new Map();
  for (const r of rows) {
    const loc = r.f.location_id as string;
    m.set(loc, (m.get(loc) ?? ZERO) + (r.f.quantity as Decimal));
  }
  return m;
}

function units(m: ByLocation): Record<string, number | string> {
  // Keyed by partner text (a location may be called `__proto__`): an object with no prototype.
  const o: Record<string, number | string> = Object.create(null);
  for (const k of [...m.keys()].sort()) o[k] = toUnits(m.get(k)!);
  return o;
}

function total(m: ByLocation): Decimal {
  let t = ZERO;
  for (const v of m.values()) t += v;
  return t;
}

export const fulfillment: Boundary = {
  name: 'fulfillment',
  sides: ['oms', 'warehouse'],
  feeds: { oms: FEEDS['oms-allocations'], warehouse: FEEDS.shipments },
  keyFields: ['order_id', 'line_id', 'location_id'],

  groupFields: ['order_id', 'line_id'],
  // An allocation is one per location; a shipment is identified by its shipment ID, or is its own row.
  identityOf: (r) =>
    r.side === 'oms'
      ? [r.f.location_id as string]
      : [r.f.location_id as string, (r.f.shipment_id as string | undefined) ?? positional(r)],
  identityKey: (r) =>
    r.side === 'oms' ? (r.f.location_id as string) : (r.f.location_id as string) + SEP + ((r.f.shipment_id as string | undefined) ?? positional(r)),

  observe() {},

  scope(_facts, config) {
    const now = config.fulfillment.now ? Date.parse(config.fulfillment.now) : Date.now();
    return { scope: { boundary: 'fulfillment', now }, warnings: [] as Warning[] };
  },

  classify(group, scope, config) {
    const allocRows = group.filter((r) => r.side === 'oms');
    const shipRows = group.filter((r) => r.side === 'warehouse');
    const active = allocRows.filter((r) => r.f.status !== 'cancelled');
    const allocated = byLocation(active);
    const shipped = byLocation(shipRows);
    const order_id = group[0].f.order_id as string, line_id = group[0].f.line_id as string;
    const out: GroupOutcome = { discrepancies: [], left: allocRows.length ? 1 : 0, right: shipRows.length ? 1 : 0, keys: 1, matched: 0, outOfScope: 0 };
    const tol = config.tolerances.fulfillment;
    const shippedTotal = total(shipped), allocatedTotal = total(allocated);
    const fulfilledLocs = new Set(active.filter((r) => r.f.status === 'fulfilled').map((r) => r.f.location_id as string));

    const make = (type: DiscrepancyType, extraKey: Record<string, string> = {}, delta?: Decimal): Discrepancy => {
      const d: Discrepancy = {
        type,
        key: { order_id, line_id, ...extraKey },
        oms: allocRows.length ? { locations: units(allocated), status: statusOf(active, allocRows) } : null,
        warehouse: shipRows.length ? { locations: units(shipped), shipments: shipRows.length } : null,
        sources: [...allocRows, ...shipRows].map((r) => ({ side: r.side, file: r.file, line: r.line })),
      };
      if (delta !== undefined) {
        d.delta = toUnits(delta);
        d.impact = { units: toUnits(abs(delta)) };
      }
      return d;
    };

    let d: Discrepancy | undefined;
    const hasShipments = shipRows.length > 0;
    if (hasShipments && active.length === 0) {
      d = make('shipped_not_allocated', {}, -shippedTotal);
    } else if (!hasShipments) {
      const overdue =
        config.fulfillment.slaHours !== undefined &&
        active.some((r) => r.f.allocated_at !== undefined && Date.parse(r.f.allocated_at as string) + config.fulfillment.slaHours! * HOUR < scope.now!);
      if (fulfilledLocs.size > 0 || overdue) {
        d = make('not_shipped', {}, allocatedTotal);
        if (fulfilledLocs.size === 0) d.overdue = true;
      }
    } else {
      const shipLocs = [...shipped.keys()];
      const allocLocs = [...allocated.keys()];
      const allocatedShippedNothing = allocLocs.every((l) => (shipped.get(l) ?? ZERO) === ZERO);
      const fromUnallocated = shipLocs.some((l) => !allocated.has(l));
      if (fromUnallocated && allocatedShippedNothing && abs(shippedTotal - allocatedTotal) <= tol) {
        d = make('reassigned', {}, allocatedTotal - shippedTotal);
      } else if (shipLocs.length > allocLocs.length) {
        d = make('unrecorded_split', {}, allocatedTotal - shippedTotal);
      } else {
        // Compare each location that shipped something or that the OMS marks fulfilled.
        const locs = [...new Set([...shipLocs, ...fulfilledLocs])].sort();
        for (const loc of locs) {
          const delta = (allocated.get(loc) ?? ZERO) - (shipped.get(loc) ?? ZERO);
          if (abs(delta) > tol) {
            d = make('quantity_mismatch', { location_id: loc }, delta);
            break;
          }
        }
      }
    }
    if (d) out.discrepancies.push(d);
    else if (out.left && out.right) out.matched = 1;
    return out;
  },
};

function statusOf(active: readonly CanonRecord[], all: readonly CanonRecord[]): string {
  const s = new Set((active.length ? active : all).map((r) => (r.f.status as string | undefined) ?? 'allocated'));
  return [...s].sort().join(',');
}
