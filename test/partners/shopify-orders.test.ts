/**
 * `shopify-orders` on a fixture written from Shopify's orders export: its full header, one row
 * per line item with the order's columns on the first row only, a product name holding a
 * comma, quotes and a line break, a cancelled order (`Cancelled at` set, payment `voided`), and
 * an open order whose payment authorisation was voided (not cancelled).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectPreset } from '../../lib/partners/presets.ts';
import { put, tempDir } from '../cli/helpers.ts';
import { expectEveryRowCounted, fixture, found, openFixture, reconcileFixtures } from './fixtures.ts';
import { records, tableFrom } from './tables.ts';

const P = 'shopify-orders';

describe('shopify-orders on a Shopify orders export', () => {
  it('is recognised from the header alone', async () => {
    // Act
    const table = await openFixture(P, 'orders_export_1.csv');
    // Assess
    expect(table.header).toHaveLength(79);
    expect(detectPreset('channel-orders', table.header)?.name).toBe(P);
  });

  it('folds the line items of each order, reading a cancellation from Cancelled at only', async () => {
    // Prepare
    const table = await openFixture(P, 'orders_export_1.csv');
    // Act
    const rows = await records(detectPreset('channel-orders', table.header)!.apply(table, {}));
    // Assess: #1001's three items (one name spanning two lines) are one order; #1003 has
    // Cancelled at set; #1005's payment was voided but the order stands.
    expect(rows.map((r) => [r.$line, r.$span, r.channel_order_id, r.total, r.currency, r.status])).toEqual([
      ['2', '3', '#1001', '1234.50', 'USD', 'paid'],
      ['6', '1', '#1002', '40.00', 'EUR', 'pending'],
      ['7', '1', '#1003', '25.00', 'USD', 'cancelled'],
      ['8', '2', '#1004', '59.90', 'USD', 'partially_refunded'],
      ['10', '1', '#1005', '15.00', 'USD', 'payment voided'],
      ['11', '1', '#1006', '80.00', 'USD', 'paid'],
      ['12', '1', '#1007', '12.00', 'USD', 'paid'],
    ]);
  });

  it('reads an export without the Cancelled at column (some stores export fewer columns): status from the payment', async () => {
    // Prepare: a shorter real-world header, order names without "#".
    const header = 'Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Notes,Payment Method,Refunded Amount,Vendor,Outstanding Balance,Id,Tags,Risk Level,Source';
    const row = (name: string, fin: string, total: string) =>
      `${name},x@example.com,${fin},,unfulfilled,,no,CLP,${total},0,0,${total},,0,,2026-11-20 10:00:00 -0300,1,Item,${total},,SKU,,Card,0,V,0,1,,Low,web`;
    const table = await tableFrom([header, row('1044', 'paid', '194038'), row('1045', 'voided', '5000')].join('\n'), 'export.csv');
    // Act
    const preset = detectPreset('channel-orders', table.header);
    const rows = await records(preset!.apply(table, {}));
    // Assess
    expect(preset?.name).toBe(P);
    expect(rows.map((r) => [r.channel_order_id, r.total, r.currency, r.status])).toEqual([
      ['1044', '194038', 'CLP', 'paid'],
      ['1045', '5000', 'CLP', 'payment voided'],
    ]);
  });

  it('gives only the planted discrepancies through the CLI, and counts every row', async () => {
    // Act
    const { code, report } = await reconcileFixtures([fixture(P, 'orders_export_1.csv')], fixture(P, 'oms-orders.csv'));
    // Assess: #1003 (cancelled on both sides) and #1005 (voided payment, live order) agree.
    expect(code).toBe(1);
    expect(found(report)).toEqual([
      'duplicate_in_oms shopify/#1002',
      'field_mismatch shopify/#1007 total',
      'missing_in_oms shopify/#1006',
      'unexpected_in_oms shopify/#1099',
    ]);
    expect(report.files.map((f) => f.preset)).toEqual([P, undefined]);
    expectEveryRowCounted(report, { 'orders_export_1.csv': 10, 'oms-orders.csv': 8 });
    expect(report.rejected).toEqual([]);
    expect(report.warnings).toEqual([]);
  });

  it('cancellation through the CLI: a cancelled order the OMS never captured agrees; a voided payment is a live order', async () => {
    // Prepare: the OMS file without #1003 (cancelled on Shopify), and with #1005 cancelled in the OMS.
    const dir = tempDir('shopify-cancel-');
    const oms = readFileSync(fixture(P, 'oms-orders.csv'), 'utf8')
      .split('\n')
      .filter((l) => !l.startsWith('shopify,#1003,'))
      .map((l) => (l.startsWith('shopify,#1005,') ? l.replace(/,open$/, ',cancelled') : l))
      .join('\n');
    // Act
    const { report } = await reconcileFixtures([fixture(P, 'orders_export_1.csv')], put(dir, 'oms-orders.csv', oms));
    // Assess
    expect(found(report)).toEqual([
      'cancellation_mismatch shopify/#1005',
      'duplicate_in_oms shopify/#1002',
      'field_mismatch shopify/#1007 total',
      'missing_in_oms shopify/#1006',
      'unexpected_in_oms shopify/#1099',
    ]);
    expect(report.discrepancies.find((d) => d.type === 'cancellation_mismatch')).toMatchObject({ cancelled_on: 'oms' });
  });
});
