import { describe, expect, it } from 'vitest';
import type { Discrepancy } from '../../lib/report/model.ts';
import { buildSummary, compareWithPrevious, discrepancyId, matchRate, sortDiscrepancies } from '../../lib/report/merge.ts';
import { financialDiscrepancy, inventoryDiscrepancy } from './fixtures.ts';

const rows = { read: 10, used: 9, rejected: 1 };

describe('buildSummary', () => {
  it('adds money at risk exactly: 33.10 + 33.10 + 34.10 = 100.30', () => {
    // Prepare
    const ds = ['33.10', '33.10', '34.10'].map((amount, i) =>
      financialDiscrepancy({ key: { order_id: `SO-${i}` }, impact: { money: { amount, currency: 'USD' } } }));
    // Act
    const s = buildSummary({ left: 3, right: 0, keys: 3, matched: 0, outOfScope: 0, discrepancies: ds, rows });
    // Assess
    expect(s.atRisk.money).toEqual({ USD: '100.30' });
  });

  it('keeps currencies apart, adds absolute amounts, and sums units', () => {
    // Prepare
    const ds: Discrepancy[] = [
      financialDiscrepancy({ impact: { money: { amount: '0.10', currency: 'EUR' } } }),
      financialDiscrepancy({ impact: { money: { amount: '-0.20', currency: 'EUR' } } }),
      financialDiscrepancy({ impact: { money: { amount: '1,234.5', currency: 'USD' } } }),
      inventoryDiscrepancy({ impact: { units: 3 } }),
      inventoryDiscrepancy({ impact: { units: 4 } }),
    ];
    // Act
    const s = buildSummary({ left: 5, right: 5, keys: 10, matched: 0, outOfScope: 0, discrepancies: ds, rows });
    // Assess
    expect(s.atRisk).toEqual({ money: { EUR: '0.30', USD: '1234.50' }, units: 7 });
  });

  it('counts per type in SPEC order and in total, and passes rows and out-of-scope through', () => {
    // Prepare
    const ds = [
      inventoryDiscrepancy({ type: 'missing_in_warehouse' }),
      inventoryDiscrepancy({ type: 'quantity_mismatch' }),
      inventoryDiscrepancy({ type: 'missing_in_warehouse' }),
    ];
    // Act
    const s = buildSummary({ left: 10, right: 8, keys: 12, matched: 6, outOfScope: 2, discrepancies: ds, rows });
    // Assess
    expect(s.byType).toEqual({ quantity_mismatch: 1, missing_in_warehouse: 2 });
    expect(s.discrepancies).toBe(3);
    expect(s.rows).toEqual(rows);
    expect(s.outOfScope).toBe(2);
    expect(s).toMatchObject({ left: 10, right: 8, keys: 12, matched: 6 });
  });

  it('computes the match rate over the keys on either side, rounded to 4 decimals; 1 with no keys', () => {
    expect(matchRate(0, 0)).toBe(1);
    expect(matchRate(3, 3)).toBe(1);
    expect(matchRate(3, 1)).toBe(0.3333);
    expect(matchRate(3, 2)).toBe(0.6667);
    expect(buildSummary({ left: 0, right: 0, keys: 0, matched: 0, outOfScope: 0, discrepancies: [], rows }).matchRate).toBe(1);
  });

  it('rejects an amount that is not a decimal', () => {
    // Prepare
    const ds = [financialDiscrepancy({ impact: { money: { amount: '12.3.4', currency: 'USD' } } })];
    // Act / Assess
    expect(() => buildSummary({ left: 1, right: 0, keys: 1, matched: 0, outOfScope: 0, discrepancies: ds, rows })).toThrow(/12\.3\.4/);
  });
});

describe('compareWithPrevious', () => {
  const now = '2026-11-26T10:00:00.000Z';

  it('marks new and ongoing discrepancies, carries firstSeen over, and lists resolved ones', () => {
    // Prepare
    const current = [
      inventoryDiscrepancy({ key: { sku: 'A', facility_id: 'DAL1' } }),
      inventoryDiscrepancy({ key: { sku: 'B', facility_id: 'DAL1' } }),
    ];
    const previous = [
      { type: 'quantity_mismatch', key: { facility_id: 'DAL1', sku: 'A' }, firstSeen: '2026-11-20T10:00:00.000Z' }, // key order differs
      { type: 'quantity_mismatch', key: { sku: 'C', facility_id: 'DAL1' }, firstSeen: '2026-11-25T10:00:00.000Z' },
      { type: 'missing_in_oms', key: { sku: 'B', facility_id: 'DAL1' } }, // same key, other type: not the same discrepancy
    ];
    // Act
    const { discrepancies, resolved } = compareWithPrevious(current, previous, now);
    // Assess
    expect(discrepancies.map((d) => [d.key.sku, d.status, d.firstSeen])).toEqual([
      ['A', 'ongoing', '2026-11-20T10:00:00.000Z'],
      ['B', 'new', now],
    ]);
    expect(resolved).toEqual([
      { type: 'quantity_mismatch', key: { sku: 'C', facility_id: 'DAL1' }, firstSeen: '2026-11-25T10:00:00.000Z' },
      { type: 'missing_in_oms', key: { sku: 'B', facility_id: 'DAL1' } },
    ]);
    expect(current[0].status).toBeUndefined();
  });

  it('treats everything as new against an empty previous run', () => {
    // Act
    const { discrepancies, resolved } = compareWithPrevious([financialDiscrepancy()], [], now);
    // Assess
    expect(discrepancies[0]).toMatchObject({ status: 'new', firstSeen: now });
    expect(resolved).toEqual([]);
  });

  it('identifies a discrepancy by type and key with sorted fields', () => {
    expect(discrepancyId({ type: 'x', key: { b: '2', a: '1' } })).toBe(discrepancyId({ type: 'x', key: { a: '1', b: '2' } }));
    expect(discrepancyId({ type: 'x', key: { a: '1' } })).not.toBe(discrepancyId({ type: 'y', key: { a: '1' } }));
    // values holding the separators cannot forge another key
    expect(discrepancyId({ type: 'x', key: { a: '1\u001fb\u001e2' } })).not.toBe(discrepancyId({ type: 'x', key: { a: '1', b: '2' } }));
  });
});

describe('sortDiscrepancies', () => {
  it('orders by the SPEC type order of the boundary, then by key values', () => {
    // Prepare
    const ds = [
      inventoryDiscrepancy({ type: 'missing_in_warehouse', key: { sku: 'A', facility_id: 'X' } }),
      inventoryDiscrepancy({ type: 'quantity_mismatch', key: { sku: 'B', facility_id: 'A' } }),
      inventoryDiscrepancy({ type: 'missing_in_oms', key: { sku: 'A', facility_id: 'B' } }),
      inventoryDiscrepancy({ type: 'quantity_mismatch', key: { sku: 'A', facility_id: 'Z' } }),
    ];
    // Act
    const sorted = sortDiscrepancies(ds, 'inventory');
    // Assess
    expect(sorted.map((d) => `${d.type}:${d.key.sku}/${d.key.facility_id}`)).toEqual([
      'quantity_mismatch:A/Z', 'quantity_mismatch:B/A', 'missing_in_oms:A/B', 'missing_in_warehouse:A/X',
    ]);
  });

  it('gives the same order for any input order (and infers the boundary from the keys)', () => {
    // Prepare
    const ds = [
      financialDiscrepancy({ type: 'amount_mismatch', key: { order_id: 'O2' }, kind: 'return' }),
      financialDiscrepancy({ type: 'amount_mismatch', key: { order_id: 'O2' }, kind: 'sale' }),
      financialDiscrepancy({ type: 'not_booked', key: { order_id: 'O9' } }),
      financialDiscrepancy({ type: 'not_booked', key: { order_id: 'O10' } }),
      financialDiscrepancy({ type: 'credit_without_return', key: { order_id: 'O1' }, kind: 'return' }),
    ];
    const expected = ['not_booked:O10', 'not_booked:O9', 'credit_without_return:O1:return', 'amount_mismatch:O2:sale', 'amount_mismatch:O2:return'];
    // Act / Assess
    for (const input of [ds, [...ds].reverse(), [ds[2], ds[0], ds[4], ds[1], ds[3]]]) {
      const got = sortDiscrepancies(input, 'financial').map((d) => [d.type, d.key.order_id, d.kind === 'return' ? 'return' : ''].filter(Boolean).join(':'));
      expect(got).toEqual(expected.map((e) => e.replace(/:sale$/, '')));
    }
  });

  it('is stable for equal identities and does not modify its input', () => {
    // Prepare
    const a = inventoryDiscrepancy({ delta: 1 });
    const b = inventoryDiscrepancy({ delta: 2 });
    const input = [b, a];
    // Act
    const sorted = sortDiscrepancies(input, 'inventory');
    // Assess
    expect(sorted).toEqual([b, a]);
    expect(input).toEqual([b, a]);
    expect(sorted).not.toBe(input);
  });
});
