import { describe, expect, it } from 'vitest';
import { renderSummaryTable } from '../../lib/report/console.ts';
import { cleanReport, financialDiscrepancy, inventoryDiscrepancy, makeCancellationReport, makeFinancialReport, makeReport, nothingComparedReport } from './fixtures.ts';

describe('renderSummaryTable', () => {
  it('starts with the boundary, its sides and the result', () => {
    // Act
    const text = renderSummaryTable(makeReport());
    // Assess
    expect(text.split('\n')[0]).toBe('inventory: oms vs warehouse - 2 discrepancies');
  });

  it('says all clear when the boundary reconciles', () => {
    // Act
    const text = renderSummaryTable(cleanReport());
    // Assess
    expect(text.split('\n')[0]).toBe('inventory: oms vs warehouse - all clear, no discrepancies');
    expect(text).toContain('match rate     100.00% (50 of 50 keys matched');
  });

  it('says nothing was compared, and why, when no key was compared: never all clear or 100%', () => {
    // Act
    const text = renderSummaryTable(nothingComparedReport());
    // Assess
    expect(text.split('\n')[0]).toBe('inventory: oms vs warehouse - nothing was compared');
    expect(text).toContain('  no key was compared: every facility is a coverage gap, counted on one side only: facility DAL1');
    expect(text).toContain('match rate     none (no key compared) (0 of 0 keys matched');
    expect(text).not.toMatch(/all clear|100\.00%/);
  });

  it('aligns type names left and counts right, with a total', () => {
    // Prepare
    const ds = [
      ...Array.from({ length: 12 }, (_, i) => inventoryDiscrepancy({ key: { sku: `S${i}`, facility_id: 'DAL1' } })),
      inventoryDiscrepancy({ type: 'missing_in_warehouse' }),
    ];
    // Act
    const lines = renderSummaryTable(makeReport({ discrepancies: ds })).split('\n');
    // Assess
    const table = lines.slice(2, 7);
    expect(table).toEqual([
      '  type                  count',
      '  quantity_mismatch        12',
      '  missing_in_warehouse      1',
      '  --------------------  -----',
      '  total                    13',
    ]);
  });

  it('counts cancellation_mismatch among the intake types', () => {
    // Act
    const lines = renderSummaryTable(makeCancellationReport()).split('\n');
    // Assess
    expect(lines[0]).toBe('intake: channel vs oms - 1 discrepancy');
    expect(lines.slice(2, 6)).toEqual([
      '  type                   count',
      '  cancellation_mismatch      1',
      '  ---------------------  -----',
      '  total                      1',
    ]);
    expect(lines).toContain('  money at risk  EUR 25.00');
  });

  it('prints match rate as a percentage, money per currency, units, rows and warnings', () => {
    // Prepare
    const report = makeFinancialReport([
      financialDiscrepancy(),
      financialDiscrepancy({ key: { order_id: 'SO-2' }, impact: { money: { amount: '5', currency: 'EUR' } } }),
    ]);
    // Act
    const text = renderSummaryTable(report);
    // Assess
    expect(text).toContain('match rate     72.73% (8 of 11 keys matched; oms 10, erp 9)');
    expect(text).toContain('money at risk  EUR 5.00, USD 33.10');
    expect(text).toContain('units at risk  0');
    expect(text).toContain('rows           read 19, used 19, rejected 0');
    expect(text).toContain('warnings       0');
  });

  it('shows the first three warnings on one line each and counts the rest', () => {
    // Prepare
    const warnings = Array.from({ length: 5 }, (_, i) => ({ code: 'coverage_gap', message: `facility F${i}\nhas rows on one side only` }));
    // Act
    const text = renderSummaryTable(makeReport({ warnings }));
    // Assess
    expect(text).toContain('warnings       5');
    expect(text).toContain('    - coverage_gap: facility F0 has rows on one side only');
    expect(text).toContain('    - coverage_gap: facility F2 has rows on one side only');
    expect(text).not.toContain('F3');
    expect(text).toContain('    - ... and 2 more (see report.json)');
  });

  it('mentions new and ongoing counts with the age of the oldest ongoing one', () => {
    // Prepare
    const report = makeReport({
      discrepancies: [
        inventoryDiscrepancy({ status: 'new', firstSeen: '2026-11-26T10:00:00.000Z' }),
        inventoryDiscrepancy({ key: { sku: 'X', facility_id: 'DAL1' }, status: 'ongoing', firstSeen: '2026-11-26T07:00:00.000Z' }),
      ],
    });
    // Act
    const first = renderSummaryTable(report).split('\n')[0];
    // Assess
    expect(first).toBe('inventory: oms vs warehouse - 2 discrepancies (1 new, 1 ongoing, oldest open 3 hours)');
  });

  it('keeps every line bounded when values are huge', () => {
    // Prepare
    const report = makeReport({ warnings: [{ code: 'unknown_columns', message: 'y'.repeat(1_000_000) }] });
    // Act
    const text = renderSummaryTable(report);
    // Assess
    expect(Math.max(...text.split('\n').map((l) => l.length))).toBeLessThan(200);
  });
});
