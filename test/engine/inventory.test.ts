import { describe, expect, it } from 'vitest';
import { csv, found, reconcileTexts, tempDir } from '../support/feeds.ts';

const dir = tempDir();
const OMS = 'sku,facility_id,on_hand,as_of';
const WH = 'sku,facility_id,on_hand,counted_at';

describe('inventory: OMS on-hand vs facility counts', () => {
  it('finds mismatches and missing stock, and treats an absent row as zero', async () => {
    const oms = csv(OMS, 'A,DAL1,10,', 'B,DAL1,5,', 'C,DAL1,0,', 'D,DAL1,7,', 'E,DAL1,3,');
    const wh = csv(WH, 'A,DAL1,10,', 'B,DAL1,4,', 'D,DAL1,0,', 'F,DAL1,2,', 'E,DAL1,3,');
    const r = await reconcileTexts(dir, 'inventory', { oms, warehouse: wh });
    expect(found(r)).toEqual([
      'missing_in_oms sku=F facility_id=DAL1',
      'missing_in_warehouse sku=D facility_id=DAL1',
      'quantity_mismatch sku=B facility_id=DAL1',
    ]);
    const b = r.discrepancies.find((d) => d.key.sku === 'B')!;
    expect(b).toMatchObject({ key: { sku: 'B', facility_id: 'DAL1' }, offsetting: false, oms: { on_hand: 5 }, warehouse: { on_hand: 4 }, delta: 1 });
    expect(r.discrepancies.find((d) => d.key.sku === 'F')).toMatchObject({ oms: null, warehouse: { on_hand: 2 }, delta: -2 });
  });

  it('marks discrepancies that cancel out across facilities as offsetting', async () => {
    const oms = csv(OMS, 'M,DAL1,10,', 'M,ATL1,0,', 'N,DAL1,3,', 'N,ATL1,3,');
    const wh = csv(WH, 'M,DAL1,5,', 'M,ATL1,5,', 'N,DAL1,2,', 'N,ATL1,3,');
    const r = await reconcileTexts(dir, 'inventory', { oms, warehouse: wh });
    const bySku = (s: string) => r.discrepancies.filter((d) => d.key.sku === s).map((d) => [d.type, d.key.facility_id, d.offsetting]).sort((a, b) => String(a[1]).localeCompare(String(b[1])));
    expect(bySku('M')).toEqual([['missing_in_oms', 'ATL1', true], ['quantity_mismatch', 'DAL1', true]]);
    expect(bySku('N')).toEqual([['quantity_mismatch', 'DAL1', false]]);
  });

  it('reports a facility counted on one side only once, and leaves it out of SKU totals', async () => {
    const oms = csv(OMS, 'K,DAL1,5,', 'K,SEA1,7,', 'L,SEA1,1,');
    const wh = csv(WH, 'K,DAL1,12,');
    const r = await reconcileTexts(dir, 'inventory', { oms, warehouse: wh });
    expect(found(r)).toEqual(['quantity_mismatch sku=K facility_id=DAL1']);
    // With SEA1 counted in, K's totals would agree (12 = 12): it must not be called offsetting.
    expect(r.discrepancies[0].offsetting).toBe(false);
    const gaps = r.warnings.filter((w) => w.code === 'coverage_gap');
    expect(gaps).toHaveLength(1);
    expect(gaps[0].message).toContain('SEA1');
    expect(r.summary.outOfScope).toBe(2);
  });

  it('uses the newest count when two files count one facility', async () => {
    const oms = csv(OMS, 'A,DAL1,5,');
    const older = csv(WH, 'A,DAL1,1,2026-11-20T00:00:00Z', 'B,DAL1,9,2026-11-20T00:00:00Z');
    const newer = csv(WH, 'A,DAL1,5,2026-11-25T00:00:00Z');
    // Given newest first: the order of the files does not matter, the count time does.
    const r = await reconcileTexts(dir, 'inventory', { oms, warehouse: [newer, older] });
    expect(found(r)).toEqual([]);
    expect(r.warnings.some((w) => w.code === 'superseded_snapshot')).toBe(true);
  });

  it('applies the quantity tolerance from the config', async () => {
    const oms = csv(OMS, 'A,DAL1,100,');
    const wh = csv(WH, 'A,DAL1,98,');
    expect(found(await reconcileTexts(dir, 'inventory', { oms, warehouse: wh }, { tolerances: { inventory: 2 } }))).toEqual([]);
    expect(found(await reconcileTexts(dir, 'inventory', { oms, warehouse: wh }, { tolerances: { inventory: 1 } }))).toHaveLength(1);
  });
});
