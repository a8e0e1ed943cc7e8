/**
 * `amazon-orders` on a fixture written from Amazon's "All Orders" report (tab-separated, one row
 * per item, the columns Amazon's report documentation lists): an order of two items, a pending
 * order whose prices and currency are still empty, a cancelled order, an order fulfilled by the
 * merchant. Presence only by default; totals when `presets.amazonTotal` says how to add them.
 */
import { describe, expect, it } from 'vitest';
import { detectPreset } from '../../lib/partners/presets.ts';
import { expectEveryRowCounted, fixture, found, openFixture, reconcileFixtures } from './fixtures.ts';
import { records } from './tables.ts';

const P = 'amazon-orders';

describe('amazon-orders on an All Orders report', () => {
  it('is recognised from the header alone', async () => {
    // Act
    const table = await openFixture(P, 'all-orders.txt');
    // Assess
    expect(table.delimiter).toBe('\t');
    expect(detectPreset('channel-orders', table.header)?.name).toBe(P);
  });

  it("adds an order's items up when a total is configured, and leaves a pending order without one", async () => {
    // Prepare
    const table = await openFixture(P, 'all-orders.txt');
    // Act
    const rows = await records(detectPreset('channel-orders', table.header)!.apply(table, { amazonTotal: 'item-price+shipping-price' }));
    // Assess
    expect(rows.map((r) => [r.$span, r.channel_order_id, r.total, r.currency, r.status])).toEqual([
      ['2', '112-0000001-0000001', '34.99', 'USD', 'Shipped'],
      ['1', '112-0000002-0000002', '1234.50', 'USD', 'Shipped'],
      ['1', '112-0000003-0000003', '', '', 'Pending'],
      ['1', '112-0000004-0000004', '', 'USD', 'Cancelled'],
      ['1', '112-0000005-0000005', '30.00', 'USD', 'Shipped'],
      ['1', '112-0000006-0000006', '50.00', 'USD', 'Shipped'],
    ]);
  });

  it('compares presence only by default: the total planted on 112-0000005 does not show', async () => {
    // Act
    const { code, report } = await reconcileFixtures([fixture(P, 'all-orders.txt')], fixture(P, 'oms-orders.csv'));
    // Assess
    expect(code).toBe(1);
    expect(found(report)).toEqual(['missing_in_oms amazon/112-0000006-0000006', 'unexpected_in_oms amazon/112-0000099-0000099']);
    expectEveryRowCounted(report, { 'all-orders.txt': 7, 'oms-orders.csv': 6 });
  });

  it('with amazonTotal, the planted total comes out too, and nothing else', async () => {
    // Act
    const { report } = await reconcileFixtures([fixture(P, 'all-orders.txt')], fixture(P, 'oms-orders.csv'), {
      presets: { amazonTotal: 'item-price+shipping-price' },
    });
    // Assess
    expect(found(report)).toEqual([
      'field_mismatch amazon/112-0000005-0000005 total',
      'missing_in_oms amazon/112-0000006-0000006',
      'unexpected_in_oms amazon/112-0000099-0000099',
    ]);
    expect(report.rejected).toEqual([]);
  });
});
