/**
 * `amazon-order-report` on a fixture written from Seller Central's Order Report documentation:
 * tab-separated, CRLF, one row per item (`order-id`, `order-item-id`, …), amounts that are
 * aggregates of the quantity, and an item with two promotions split over two lines (the extra
 * line continues the item, most of its columns blank). And the unshipped orders report, which
 * carries no prices at all.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectPreset, type PresetProblem } from '../../lib/partners/presets.ts';
import { errorLine, put, run, tempDir } from '../cli/helpers.ts';
import { expectEveryRowCounted, fixture, found, openFixture, reconcileFixtures } from './fixtures.ts';
import { collect, records, tableFrom } from './tables.ts';

const P = 'amazon-order-report';

describe('amazon-order-report on an Order Report', () => {
  it('is recognised from the header alone, and not taken for the All Orders report', async () => {
    // Act
    const table = await openFixture(P, 'order-report.txt');
    // Assess
    expect(detectPreset('channel-orders', table.header)?.name).toBe(P);
    expect(detectPreset('channel-orders', [...table.header, 'amazon-order-id'])?.name).toBe('amazon-orders');
  });

  it("folds an order's items and split lines, adding the configured columns", async () => {
    // Prepare
    const table = await openFixture(P, 'order-report.txt');
    const problems: PresetProblem[] = [];
    // Act
    const rows = await records(detectPreset('channel-orders', table.header)!.apply(table, { amazonTotal: 'item-price+shipping-price', problems }));
    // Assess: 113-1000001 is an item, its second promotion's line, and a second item.
    expect(rows.map((r) => [r.$line, r.$span, r.channel_order_id, r.placed_at, r.currency, r.total])).toEqual([
      ['2', '3', '113-1000001-1000001', '2026-11-20T09:12:44-08:00', 'USD', '33.98'],
      ['5', '1', '113-1000002-1000002', '2026-11-20T09:12:44-08:00', 'USD', '7.00'],
      ['6', '1', '113-1000003-1000003', '2026-11-20T09:12:44-08:00', 'USD', '49.00'],
      ['7', '1', '113-1000004-1000004', '2026-11-20T09:12:44-08:00', 'USD', '12.00'],
    ]);
    expect(rows[0]).not.toHaveProperty('status');
    expect(problems).toEqual([]);
  });

  it('takes promotion discounts off the total by their size, whichever sign the report gives them', async () => {
    // Prepare: the fixture writes discounts negative; a report writing them positive must give the same total.
    const table = await openFixture(P, 'order-report.txt');
    const mode = 'item-price+shipping-price+item-promotion-discount+ship-promotion-discount';
    const header = ['order-id', 'order-item-id', 'purchase-date', 'item-price', 'shipping-price', 'item-promotion-discount', 'ship-promotion-discount'];
    const positive = await tableFrom([header.join('\t'), ['117-1', '1', '2026-11-20', '10.00', '3.00', '2.00', '3.00'].join('\t')].join('\n'), 'p.txt');
    // Act
    const rows = await records(detectPreset('channel-orders', table.header)!.apply(table, { amazonTotal: mode }));
    const pos = await records(detectPreset('channel-orders', positive.header)!.apply(positive, { amazonTotal: mode }));
    // Assess: 19.99 + 3.99 + 10.00 − 2.00 − 1.00 (the split line's promotion) = 30.98; 5.00 + 2.00 − 2.00 = 5.00.
    expect(rows.map((r) => r.total)).toEqual(['30.98', '5.00', '49.00', '12.00']);
    expect(pos.map((r) => r.total)).toEqual(['8.00']);
  });

  it('refuses an amazonTotal that names no Amazon money column, naming the config path', async () => {
    // Prepare
    const dir = tempDir('amazon-total-');
    const config = put(dir, 'recon.json', JSON.stringify({ presets: { amazonTotal: 'item-price+discount' } }));
    // Act
    const r = await run(['reconcile', 'intake', '--channel', fixture(P, 'order-report.txt'), '--oms', fixture(P, 'oms-orders.csv'), '--config', config, '--out', join(dir, 'out')]);
    // Assess
    expect(r.code).toBe(2);
    expect(errorLine(r)).toContain('invalid config at presets.amazonTotal');
    expect(errorLine(r)).toContain('"discount" is not an Amazon item money column');
    expect(errorLine(r)).toContain('[E_CONFIG_INVALID]');
  });

  it('joins a split line whose order-id is blank to the order above it', async () => {
    // Prepare: the continuation line leaves even the IDs blank.
    const header = ['order-id', 'order-item-id', 'purchase-date', 'currency', 'item-price', 'item-promotion-discount', 'item-promotion-id'];
    const text = [
      header.join('\t'),
      ['114-1', '71', '2026-11-20T09:00:00+00:00', 'USD', '10.00', '-1.00', 'PROMO-A'].join('\t'),
      ['', '', '', '', '', '-0.50', 'PROMO-B'].join('\t'),
      ['114-2', '72', '2026-11-20T09:00:00+00:00', 'USD', '5.00', '', ''].join('\t'),
      ['', '', '', '', '', '', ''].join('\t'),
    ].join('\n');
    const table = await tableFrom(text, 'split.txt');
    // Act
    const rows = await collect(detectPreset('channel-orders', table.header)!.apply(table, { amazonTotal: 'item-price' }));
    // Assess: both blank-ID lines continue the order before them; every line is in a span.
    expect(rows.map((r) => [r.line, r.span, r.values[1], r.values[4]])).toEqual([
      [2, 2, '114-1', '10.00'],
      [4, 2, '114-2', '5.00'],
    ]);
  });

  it('reads the unshipped orders report, which has no prices: presence only, and says so when a total is configured', async () => {
    // Prepare
    const header = [
      'order-id', 'order-item-id', 'purchase-date', 'payments-date', 'reporting-date', 'promise-date', 'days-past-promise',
      'buyer-email', 'buyer-phone-number', 'sku', 'product-name', 'quantity-purchased', 'quantity-shipped', 'quantity-to-ship',
      'ship-service-level', 'recipient-name', 'ship-address-1', 'ship-address-2', 'ship-address-3', 'ship-city', 'ship-state',
      'ship-postal-code', 'ship-country', 'is-business-order', 'purchase-order-number', 'price-designation', 'is-prime',
    ];
    const row = header.map((h) => ({ 'order-id': '115-7', 'order-item-id': '81', 'purchase-date': '2026-11-20T09:00:00+00:00', sku: 'S' })[h] ?? '');
    const table = await tableFrom([header.join('\t'), row.join('\t')].join('\n'), 'unshipped.txt');
    const preset = detectPreset('channel-orders', table.header);
    const problems: PresetProblem[] = [];
    // Act
    const rows = await records(preset!.apply(table, { amazonTotal: 'item-price+shipping-price', problems }));
    // Assess
    expect(preset?.name).toBe(P);
    expect(rows).toEqual([{ $line: '2', $span: '1', channel: 'amazon', channel_order_id: '115-7', placed_at: '2026-11-20T09:00:00+00:00', currency: '' }]);
    expect(problems).toMatchObject([{ code: 'preset', preset: P, file: 'unshipped.txt', lines: [1] }]);
    expect(problems[0].message).toContain('compared on presence only');
  });

  it('refuses a total whose columns a priced report lacks, naming the column', async () => {
    // Prepare: prices, but no shipping-tax column.
    const text = ['order-id\torder-item-id\tpurchase-date\tcurrency\titem-price', '116-1\t91\t2026-11-20\tUSD\t1.00'].join('\n');
    let refused: unknown;
    // Act
    try {
      detectPreset('channel-orders', (await tableFrom(text, 'r.txt')).header)!.apply(await tableFrom(text, 'r.txt'), {
        amazonTotal: 'item-price+item-tax+shipping-price+shipping-tax',
      });
    } catch (e) {
      refused = e;
    }
    // Assess
    expect(refused).toMatchObject({ code: 'E_MISSING_COLUMN', file: 'r.txt' });
    expect((refused as Error).message).toContain('adds up column item-tax, which this Amazon Order Report does not have');
  });

  it('through the CLI: presence only by default, the planted total with amazonTotal, every row counted', async () => {
    // Act
    const plain = await reconcileFixtures([fixture(P, 'order-report.txt')], fixture(P, 'oms-orders.csv'));
    const summed = await reconcileFixtures([fixture(P, 'order-report.txt')], fixture(P, 'oms-orders.csv'), {
      presets: { amazonTotal: 'item-price+shipping-price' },
    });
    // Assess
    expect(found(plain.report)).toEqual(['missing_in_oms amazon/113-1000004-1000004', 'unexpected_in_oms amazon/113-1000099-1000099']);
    expect(found(summed.report)).toEqual([
      'field_mismatch amazon/113-1000003-1000003 total',
      'missing_in_oms amazon/113-1000004-1000004',
      'unexpected_in_oms amazon/113-1000099-1000099',
    ]);
    expect(summed.report.files[0].preset).toBe(P);
    expectEveryRowCounted(summed.report, { 'order-report.txt': 6, 'oms-orders.csv': 4 });
  });
});
