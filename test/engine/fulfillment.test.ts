import { describe, expect, it } from 'vitest';
import { csv, found, reconcileTexts, tempDir } from '../support/feeds.ts';

const dir = tempDir();
const AL = 'order_id,line_id,location_id,quantity,sku,status,allocated_at';
const SH = 'shipment_id,order_id,line_id,location_id,quantity,sku,shipped_at';

describe('fulfillment: allocations vs shipments', () => {
  it('matches several packages from one location and a split the OMS recorded itself', async () => {
    const oms = csv(AL, 'O1,1,DAL1,3,S1,fulfilled,', 'O2,1,DAL1,1,S2,fulfilled,', 'O2,1,ATL1,2,S2,fulfilled,');
    const wh = csv(SH, 'P1,O1,1,DAL1,1,S1,', 'P2,O1,1,DAL1,2,S1,', 'P3,O2,1,DAL1,1,S2,', 'P4,O2,1,ATL1,2,S2,');
    const r = await reconcileTexts(dir, 'fulfillment', { oms, warehouse: wh });
    expect(found(r)).toEqual([]);
    expect(r.summary).toMatchObject({ left: 2, right: 2, matched: 2 });
  });

  it('finds each discrepancy type on its own order line', async () => {
    const oms = csv(
      AL,
      'N1,1,DAL1,2,S,fulfilled,', // not shipped
      'R1,1,DAL1,2,S,fulfilled,', // reassigned to ATL1
      'U1,1,DAL1,4,S,fulfilled,', // unrecorded split DAL1+ATL1
      'Q1,1,DAL1,5,S,fulfilled,', // short
      'Q2,1,DAL1,1,S,fulfilled,', 'Q2,1,ATL1,1,S,fulfilled,', // OMS split, ATL1 shipped 2
      'P1,1,DAL1,2,S,allocated,2026-01-01T00:00:00Z', // pending: no discrepancy by default
    );
    const wh = csv(
      SH,
      'a,R1,1,ATL1,2,S,',
      'b,U1,1,DAL1,2,S,', 'c,U1,1,ATL1,2,S,',
      'd,Q1,1,DAL1,4,S,',
      'e,Q2,1,DAL1,1,S,', 'f,Q2,1,ATL1,2,S,',
      'g,X1,1,DAL1,1,S,', // never allocated
    );
    const r = await reconcileTexts(dir, 'fulfillment', { oms, warehouse: wh });
    expect(found(r)).toEqual([
      'not_shipped order_id=N1 line_id=1',
      'quantity_mismatch order_id=Q1 line_id=1 location_id=DAL1',
      'quantity_mismatch order_id=Q2 line_id=1 location_id=ATL1',
      'reassigned order_id=R1 line_id=1',
      'shipped_not_allocated order_id=X1 line_id=1',
      'unrecorded_split order_id=U1 line_id=1',
    ]);
    expect(r.discrepancies.find((d) => d.key.order_id === 'Q1')).toMatchObject({ delta: 1, oms: { locations: { DAL1: 5 } }, warehouse: { locations: { DAL1: 4 } } });
    expect(r.summary.atRisk.units).toBe(2 + 0 + 0 + 1 + 1 + 1);
  });

  it('gives an order line at most one discrepancy, the first that applies', async () => {
    // Allocated only as cancelled, shipped from two places: shipped_not_allocated wins over unrecorded_split.
    const oms = csv(AL, 'C1,1,DAL1,2,S,cancelled,');
    const wh = csv(SH, 'a,C1,1,DAL1,1,S,', 'b,C1,1,ATL1,1,S,');
    const r = await reconcileTexts(dir, 'fulfillment', { oms, warehouse: wh });
    expect(found(r)).toEqual(['shipped_not_allocated order_id=C1 line_id=1']);
  });

  it('flags an allocated line past the configured SLA as not shipped', async () => {
    const oms = csv(AL, 'S1,1,DAL1,2,S,allocated,2026-11-01T00:00:00Z', 'S2,1,DAL1,2,S,allocated,2026-11-25T23:00:00Z');
    const wh = csv(SH, 'a,Z1,1,DAL1,1,S,');
    const cfg = { fulfillment: { slaHours: 48, now: '2026-11-26T00:00:00Z' } };
    const r = await reconcileTexts(dir, 'fulfillment', { oms, warehouse: wh }, cfg);
    expect(found(r)).toEqual(['not_shipped order_id=S1 line_id=1', 'shipped_not_allocated order_id=Z1 line_id=1']);
    expect(r.discrepancies.find((d) => d.key.order_id === 'S1')).toMatchObject({ overdue: true });
  });

  it('counts a package listed twice once, with a warning naming both lines', async () => {
    const oms = csv(AL, 'D1,1,DAL1,2,S,fulfilled,');
    const wh = csv(SH, 'P9,D1,1,DAL1,2,S,', 'P9,D1,1,DAL1,2,S,');
    const r = await reconcileTexts(dir, 'fulfillment', { oms, warehouse: wh });
    expect(found(r)).toEqual([]);
    expect(r.warnings.filter((w) => w.code === 'duplicate_key')).toEqual([expect.objectContaining({ lines: [2, 3] })]);
  });
});
