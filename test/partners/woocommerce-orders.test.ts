/**
 * `woocommerce-orders` on two fixtures written from the Customer / Order / Coupon Export
 * extension's built-in formats: "Default" (one row per order, items in one `line_items` cell,
 * `order_number_formatted` = the shop's number) and "Default - One Row per Item" (every order
 * column repeated on each item row, CRLF, every cell quoted, a custom order number in
 * `order_number`). Dates are `Y-m-d H:i:s`; a cancelled order's status is `cancelled`.
 */
import { describe, expect, it } from 'vitest';
import { detectPreset, type PresetProblem } from '../../lib/partners/presets.ts';
import { expectEveryRowCounted, fixture, found, openFixture, reconcileFixtures } from './fixtures.ts';
import { records, tableFrom } from './tables.ts';

const P = 'woocommerce-orders';

describe('woocommerce-orders on the Customer / Order / Coupon Export CSV', () => {
  it.each(['orders-export-default.csv', 'orders-export-one-row-per-item.csv'])('recognises %s from its header alone', async (name) => {
    // Act
    const table = await openFixture(P, name);
    // Assess
    expect(detectPreset('channel-orders', table.header)?.name).toBe(P);
  });

  it('one row per order: the shop number, the total, the currency, the status as written', async () => {
    // Prepare
    const table = await openFixture(P, 'orders-export-default.csv');
    // Act
    const rows = await records(detectPreset('channel-orders', table.header)!.apply(table, {}));
    // Assess
    expect(rows.map((r) => [r.$span, r.channel, r.channel_order_id, r.placed_at, r.total, r.currency, r.status])).toEqual([
      ['1', 'woocommerce', '3101', '2026-11-20 09:15:02', '29.89', 'EUR', 'completed'],
      ['1', 'woocommerce', '3102', '2026-11-20 10:40:55', '49.98', 'EUR', 'processing'],
      ['1', 'woocommerce', '3103', '2026-11-20 11:05:00', '16.80', 'EUR', 'cancelled'],
      ['1', 'woocommerce', '3104', '2026-11-20 12:30:00', '9.99', 'EUR', 'refunded'],
      ['1', 'woocommerce', '3105', '2026-11-20 13:00:00', '104.90', 'EUR', 'completed'],
    ]);
  });

  it('one row per item: an order of three items is one order, keyed by its custom order number', async () => {
    // Prepare
    const table = await openFixture(P, 'orders-export-one-row-per-item.csv');
    const problems: PresetProblem[] = [];
    // Act
    const rows = await records(detectPreset('channel-orders', table.header)!.apply(table, { problems }));
    // Assess
    expect(rows.map((r) => [r.$line, r.$span, r.channel_order_id, r.total, r.status])).toEqual([
      ['2', '3', 'WC-1001', '53.69', 'completed'],
      ['5', '1', 'WC-1002', '11.90', 'cancelled'],
      ['6', '1', 'WC-1003', '23.80', 'processing'],
      ['7', '1', 'WC-1004', '5.95', 'completed'],
    ]);
    expect(problems).toEqual([]);
  });

  it('keys on the order ID when the export carries no order number, and reports an item row whose order total disagrees', async () => {
    // Prepare
    const text = [
      'order_id,order_number,date,status,order_total,order_currency,item_name,item_total',
      '41,,2026-11-22 08:00:00,completed,10.00,EUR,A,6.00',
      '41,,2026-11-22 08:00:00,completed,12.00,EUR,B,4.00',
    ].join('\n');
    const table = await tableFrom(text, 'w.csv');
    const problems: PresetProblem[] = [];
    // Act
    const rows = await records(detectPreset('channel-orders', table.header)!.apply(table, { problems }));
    // Assess
    expect(rows.map((r) => [r.channel_order_id, r.total, r.$span])).toEqual([['41', '10.00', '2']]);
    expect(problems).toMatchObject([{ preset: P, file: 'w.csv', lines: [2, 3], key: { channel: 'woocommerce', channel_order_id: '41' } }]);
  });

  it('reads the legacy format (titled columns, no currency column)', async () => {
    // Prepare
    const text = [
      'Order ID,Date,Order Status,Shipping,Tax,Order Total,Payment Method,Billing Email,Order Items,Download Permissions Granted',
      '51,2026-11-22 09:00:00,cancelled,0.00,0.00,7.50,cod,x@example.com,"sku:A|qty:1",0',
    ].join('\n');
    const table = await tableFrom(text, 'legacy.csv');
    // Act
    const rows = await records(detectPreset('channel-orders', table.header)!.apply(table, {}));
    // Assess
    expect(rows).toEqual([{ $line: '2', $span: '1', channel: 'woocommerce', channel_order_id: '51', placed_at: '2026-11-22 09:00:00', total: '7.50', status: 'cancelled' }]);
  });

  it('through the CLI, both exports against one OMS file: only the planted discrepancies, every row counted', async () => {
    // Act
    const { code, report } = await reconcileFixtures(
      [fixture(P, 'orders-export-default.csv'), fixture(P, 'orders-export-one-row-per-item.csv')],
      fixture(P, 'oms-orders.csv'),
    );
    // Assess
    expect(code).toBe(1);
    expect(found(report)).toEqual([
      'field_mismatch woocommerce/3105 currency',
      'field_mismatch woocommerce/WC-1003 total',
      'missing_in_oms woocommerce/WC-1004',
      'unexpected_in_oms woocommerce/WC-1099',
    ]);
    expect(report.files.map((f) => f.preset)).toEqual([P, P, undefined]);
    expectEveryRowCounted(report, { 'orders-export-default.csv': 5, 'orders-export-one-row-per-item.csv': 6, 'oms-orders.csv': 9 });
    expect(report.rejected).toEqual([]);
  });
});
