/**
 * `ebay-orders` on two fixtures written from eBay's downloads:
 * - Seller Hub's Orders report: a line of empty cells before the header and another after it,
 *   an order of two items as a summary row plus one row per item, `$1,284.40`, `Nov-18-26`, a
 *   sale not paid yet (no Order Number), a blank line and the footer `5,record(s) downloaded,…`
 *   / `Seller ID : …`;
 * - Selling Manager's Sales History: a blank line before a header that starts with a tab, CRLF,
 *   every cell quoted, `$19.50`, `Jan-18-16`, and the footer `4, record(s) downloaded,…` /
 *   `Seller ID: …`.
 */
import { describe, expect, it } from 'vitest';
import { detectPreset } from '../../lib/partners/presets.ts';
import { expectEveryRowCounted, fixture, found, openFixture, reconcileFixtures } from './fixtures.ts';
import { collect, records, tableFrom } from './tables.ts';

const P = 'ebay-orders';

describe('ebay-orders on a Sales History download', () => {
  it('is recognised from the header alone, though it starts with a tab', async () => {
    // Act
    const table = await openFixture(P, 'sales-history.csv');
    // Assess
    expect(table.header[0]).toMatch(/^\t/);
    expect(detectPreset('channel-orders', table.header)?.name).toBe(P);
  });

  it('reads $19.50 and Jan-18-16, keys on Sales Record Number, and skips the footer lines', async () => {
    // Prepare
    const table = await openFixture(P, 'sales-history.csv');
    // Act
    const rows = await collect(detectPreset('channel-orders', table.header)!.apply(table, {}));
    // Assess
    expect(rows.filter((r) => !r.skip).map((r) => r.values)).toEqual([
      ['ebay', '812', '2016-01-18T00:00:00.000Z', '22.00', ''],
      ['ebay', '813', '2016-01-18T00:00:00.000Z', '14.50', ''],
      ['ebay', '814', '2016-01-19T00:00:00.000Z', '50.00', ''],
      ['ebay', '815', '2016-01-20T00:00:00.000Z', '1.50', ''],
    ]);
    expect(rows.filter((r) => r.skip).map((r) => [r.line, r.skip])).toEqual([
      [8, "eBay's record-count footer: 4,record(s) downloaded,from Jan-18-16 to Jan-20-16"],
      [9, "eBay's Seller ID footer"],
    ]);
  });

  it('gives only the planted discrepancies through the CLI; the footers are skipped, not phantom orders', async () => {
    // Act
    const { code, report } = await reconcileFixtures([fixture(P, 'sales-history.csv')], fixture(P, 'oms-orders.csv'));
    // Assess: the OMS file also holds the Seller Hub orders, unexpected here (no Seller Hub file in this run).
    expect(code).toBe(1);
    expect(found(report)).toEqual([
      'duplicate_in_oms ebay/815',
      'unexpected_in_oms ebay/11-14001-00001',
      'unexpected_in_oms ebay/11-14002-00002',
      'unexpected_in_oms ebay/11-14003-00003',
      'unexpected_in_oms ebay/11-14099-00099',
    ]);
    expect(report.files[0]).toMatchObject({ preset: P, read: 6, used: 4, rejected: 0, skipped: 2 });
    expectEveryRowCounted(report, { 'sales-history.csv': 6, 'oms-orders.csv': 9 });
  });
});

describe('ebay-orders: footers and padding in any export', () => {
  it('skips a record-count footer in each spelling, a Seller ID line and lines of empty cells, and keeps the order around them', async () => {
    // Prepare
    const text = [
      'Sales Record Number,Order Number,Item Number,Total Price,Sale Date',
      ',,,,',
      '7,07-1,,$30.00,Feb-01-26',
      ',,,,',
      '7,07-1,9001,,Feb-01-26',
      '',
      '83 record(s) downloaded,,,,',
      '2, record(s) downloaded,from Feb-01-26 to Feb-01-26',
      'Seller ID: someone',
      'Seller ID : someone-else,,,,',
    ].join('\n');
    const table = await tableFrom(text, 'ebay.csv');
    // Act
    const rows = await collect(detectPreset('channel-orders', table.header)!.apply(table, {}));
    // Assess: one order (lines 3 and 5), six skipped rows, nothing rejected.
    expect(rows.filter((r) => !r.skip).map((r) => [r.line, r.span, r.values[1], r.values[3]])).toEqual([[3, 2, '07-1', '30.00']]);
    expect(rows.filter((r) => r.skip).map((r) => r.line)).toEqual([2, 4, 7, 8, 9, 10]);
    expect(rows.some((r) => r.reject)).toBe(false);
    expect(rows.reduce((n, r) => n + (r.span ?? 1), 0)).toBe(8);
  });

  it('rejects a Seller Hub sale without Order Number (not paid yet), naming its record', async () => {
    // Prepare
    const text = ['Sales Record Number,Order Number,Item Number,Total Price,Sale Date', '8,,9002,$4.00,Feb-02-26', '9,09-1,9003,$5.00,Feb-02-26'].join('\n');
    const table = await tableFrom(text, 'hub.csv');
    // Act
    const rows = await collect(detectPreset('channel-orders', table.header)!.apply(table, {}));
    // Assess
    expect(rows.map((r) => [r.line, r.values[1], r.reject])).toEqual([
      [2, '', 'Sales Record Number 8 has no Order Number (eBay gives one when the sale is paid)'],
      [3, '09-1', undefined],
    ]);
  });

  it("reads eBay's money forms, with the currency when the text names one", async () => {
    // Prepare
    const text = [
      'Sales Record Number,Total Price,Sale Date',
      '1,$19.50,Jan-18-16',
      '2,"$1,284.40",Jan-18-16 14:05:00',
      '3,US $7.25,Jan-18-16',
      '4,AU $5.00,Jan-18-16',
      '5,C $5.00,Jan-18-16',
      '6,£12.00,Jan-18-16',
      '7,GBP 12.00,Jan-18-16',
      '8,n/a,Jan-18-16',
    ].join('\n');
    const table = await tableFrom(text, 'money.csv');
    // Act
    const rows = await records(detectPreset('channel-orders', table.header)!.apply(table, {}));
    // Assess: a total that is no amount passes as written (the decoder rejects that row).
    expect(rows.map((r) => [r.channel_order_id, r.total, r.currency, r.placed_at])).toEqual([
      ['1', '19.50', '', '2016-01-18T00:00:00.000Z'],
      ['2', '1284.40', '', '2016-01-18T14:05:00.000Z'],
      ['3', '7.25', 'USD', '2016-01-18T00:00:00.000Z'],
      ['4', '5.00', 'AUD', '2016-01-18T00:00:00.000Z'],
      ['5', '5.00', 'CAD', '2016-01-18T00:00:00.000Z'],
      ['6', '12.00', '', '2016-01-18T00:00:00.000Z'],
      ['7', '12.00', 'GBP', '2016-01-18T00:00:00.000Z'],
      ['8', 'n/a', '', '2016-01-18T00:00:00.000Z'],
    ]);
  });

  it('adds up the rows of an order that has no summary row', async () => {
    // Prepare
    const text = ['Sales Record Number,Item ID,Total Price,Sale Date', '9,1,$1.10,Mar-02-26', '9,2,$2.20,Mar-02-26'].join('\n');
    const table = await tableFrom(text, 'h.csv');
    // Act
    const rows = await records(detectPreset('channel-orders', table.header)!.apply(table, {}));
    // Assess
    expect(rows.map((r) => [r.channel_order_id, r.total, r.$span])).toEqual([['9', '3.30', '2']]);
  });
});

describe('ebay-orders on a Seller Hub Orders report', () => {
  it('is recognised from the header on the second line', async () => {
    // Act
    const table = await openFixture(P, 'seller-hub-orders.csv');
    // Assess
    expect(table.header[0]).toBe('Sales Record Number');
    expect(detectPreset('channel-orders', table.header)?.name).toBe(P);
  });

  it("takes an order's total from its summary row, rejects the unpaid sale, skips padding and footers", async () => {
    // Prepare
    const table = await openFixture(P, 'seller-hub-orders.csv');
    // Act
    const rows = await collect(detectPreset('channel-orders', table.header)!.apply(table, {}));
    // Assess
    expect(rows.filter((r) => !r.skip && !r.reject).map((r) => [r.span, r.values[1], r.values[2], r.values[3]])).toEqual([
      [1, '11-14001-00001', '2026-11-18T00:00:00.000Z', '21.39'],
      [3, '11-14002-00002', '2026-11-18T00:00:00.000Z', '1284.40'],
      [1, '11-14003-00003', '2026-11-19T00:00:00.000Z', '19.50'],
      [1, '11-14004-00004', '2026-11-19T00:00:00.000Z', '8.56'],
    ]);
    expect(rows.filter((r) => r.reject).map((r) => r.reject)).toEqual([
      'Sales Record Number 5005 has no Order Number (eBay gives one when the sale is paid)',
    ]);
    expect(rows.filter((r) => r.skip).map((r) => r.skip)).toEqual([
      'a line of empty cells',
      "eBay's record-count footer: 5,record(s) downloaded,from Nov-18-26 to Nov-20-26",
      "eBay's Seller ID footer",
    ]);
  });

  it('with the Sales History file, gives only the planted discrepancies through the CLI and counts every row', async () => {
    // Act
    const { code, report } = await reconcileFixtures(
      [fixture(P, 'seller-hub-orders.csv'), fixture(P, 'sales-history.csv')],
      fixture(P, 'oms-orders.csv'),
    );
    // Assess
    expect(code).toBe(1);
    expect(found(report)).toEqual([
      'duplicate_in_oms ebay/815',
      'field_mismatch ebay/11-14003-00003 total',
      'missing_in_oms ebay/11-14004-00004',
      'unexpected_in_oms ebay/11-14099-00099',
    ]);
    expect(report.rejected.map((r) => [r.file.split('/').pop(), r.reason])).toEqual([
      ['seller-hub-orders.csv', 'Sales Record Number 5005 has no Order Number (eBay gives one when the sale is paid)'],
    ]);
    expect(report.files[0]).toMatchObject({ preset: P, read: 10, used: 6, rejected: 1, skipped: 3 });
    expectEveryRowCounted(report, { 'seller-hub-orders.csv': 10, 'sales-history.csv': 6, 'oms-orders.csv': 9 });
  });
});
