import { describe, expect, it } from 'vitest';
import { isReconError } from '../../lib/errors.ts';
import { detectPreset, type AmazonTotal, type PresetProblem } from '../../lib/partners/presets.ts';
import { collect, records, tableFrom } from './tables.ts';

// Seller Central's "All Orders" flat file columns.
const COLUMNS = [
  'amazon-order-id', 'merchant-order-id', 'purchase-date', 'last-updated-date', 'order-status', 'fulfillment-channel',
  'sales-channel', 'order-channel', 'url', 'ship-service-level', 'product-name', 'sku', 'asin', 'item-status', 'quantity',
  'currency', 'item-price', 'item-tax', 'shipping-price', 'shipping-tax', 'gift-wrap-price', 'gift-wrap-tax',
  'item-promotion-discount', 'ship-promotion-discount', 'ship-city', 'ship-state', 'ship-postal-code', 'ship-country',
  'promotion-ids', 'is-business-order', 'purchase-order-number', 'price-designation',
];

function row(v: Partial<Record<string, string>>): string {
  return COLUMNS.map((c) => v[c] ?? '').join('\t');
}

const item = (id: string, sku: string, price: string, tax: string, ship: string, shipTax: string, extra: Partial<Record<string, string>> = {}) =>
  row({
    'amazon-order-id': id, 'purchase-date': '2026-11-20T14:03:11+00:00', 'last-updated-date': '2026-11-21T08:00:00+00:00',
    'order-status': 'Shipped', 'fulfillment-channel': 'Amazon', 'sales-channel': 'Amazon.com', 'ship-service-level': 'Standard',
    'product-name': `Widget ${sku}, blue, 2-pack`, sku, asin: 'B0TEST' + sku, 'item-status': 'Shipped', quantity: '1',
    currency: 'USD', 'item-price': price, 'item-tax': tax, 'shipping-price': ship, 'shipping-tax': shipTax,
    'ship-city': 'AUSTIN', 'ship-state': 'TX', 'ship-postal-code': '78701', 'ship-country': 'US', 'is-business-order': 'false',
    ...extra,
  });

const REPORT = [
  COLUMNS.join('\t'),
  item('112-0000001-0000001', 'A', '0.10', '0.01', '4.99', '0.40'),
  item('112-0000001-0000001', 'B', '0.20', '0.02', '', ''),
  item('112-0000002-0000002', 'C', '1,234.50', '0', '0', '0'),
  // A pending order: Amazon leaves prices and currency empty until payment clears.
  item('112-0000003-0000003', 'D', '', '', '', '', { 'order-status': 'Pending', 'item-status': 'Unshipped', currency: '' }),
].join('\n');

async function fold(amazonTotal?: AmazonTotal, problems: PresetProblem[] = []) {
  const table = await tableFrom(REPORT, 'amazon-report.txt');
  const preset = detectPreset('channel-orders', table.header);
  expect(preset?.name).toBe('amazon-orders');
  return preset!.apply(table, { amazonTotal, problems });
}

describe('amazon-orders preset', () => {
  it('gives one channel order per amazon-order-id with no total by default (presence only)', async () => {
    // Act
    const out = await fold();
    const rows = await records(out);
    // Assess
    expect(out.header).toEqual(['channel', 'channel_order_id', 'placed_at', 'currency', 'status']);
    expect(rows).toEqual([
      { $line: '2', $span: '2', channel: 'amazon', channel_order_id: '112-0000001-0000001', placed_at: '2026-11-20T14:03:11+00:00', currency: 'USD', status: 'Shipped' },
      { $line: '4', $span: '1', channel: 'amazon', channel_order_id: '112-0000002-0000002', placed_at: '2026-11-20T14:03:11+00:00', currency: 'USD', status: 'Shipped' },
      { $line: '5', $span: '1', channel: 'amazon', channel_order_id: '112-0000003-0000003', placed_at: '2026-11-20T14:03:11+00:00', currency: '', status: 'Pending' },
    ]);
  });

  it.each([
    ['item-price', ['0.30', '1234.50', '']],
    ['item-price+shipping-price', ['5.29', '1234.50', '']],
    ['item-price+item-tax+shipping-price+shipping-tax', ['5.72', '1234.50', '']],
  ] as const)('adds up %s exactly over the items when configured', async (mode, totals) => {
    // Act
    const rows = await records(await fold(mode));
    // Assess: 0.10 + 0.20 is exactly 0.30; the pending order has no price, so no total.
    expect(rows.map((r) => r.total)).toEqual(totals);
  });

  it('leaves the total out and reports it when an item price is not a number', async () => {
    // Prepare
    const text = [COLUMNS.join('\t'), item('112-9-9', 'A', '1.00', '', '', ''), item('112-9-9', 'B', 'n/a', '', '', '')].join('\n');
    const problems: PresetProblem[] = [];
    const table = await tableFrom(text, 'r.tsv');
    // Act
    const rows = await records(detectPreset('channel-orders', table.header)!.apply(table, { amazonTotal: 'item-price', problems }));
    // Assess
    expect(rows.map((r) => [r.channel_order_id, r.total])).toEqual([['112-9-9', '']]);
    expect(problems).toMatchObject([{ code: 'preset', preset: 'amazon-orders', file: 'r.tsv', lines: [2, 3] }]);
  });

  it('refuses a total mode whose columns the report does not have, naming the file', async () => {
    // Prepare: a trimmed report without shipping-tax.
    const cols = COLUMNS.filter((c) => c !== 'shipping-tax');
    const table = await tableFrom([cols.join('\t'), cols.map(() => 'x').join('\t')].join('\n'), 'short.tsv');
    const preset = detectPreset('channel-orders', table.header)!;
    // Act
    let error: unknown;
    try {
      preset.apply(table, { amazonTotal: 'item-price+item-tax+shipping-price+shipping-tax' });
    } catch (e) {
      error = e;
    }
    // Assess
    expect(isReconError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'E_MISSING_COLUMN', file: 'short.tsv' });
    expect((error as Error).message).toContain('shipping-tax');
  });

  it('never loses a row: spans add up to the rows read', async () => {
    // Act
    const rows = await collect(await fold('item-price'));
    // Assess
    expect(rows.reduce((n, r) => n + (r.span ?? 1), 0)).toBe(4);
  });
});
