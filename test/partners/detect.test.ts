import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RawRow, Table } from '../../lib/read/table.ts';
import { detectPreset, PRESETS } from '../../lib/partners/presets.ts';

const SHOPIFY_HEADER =
  'Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,' +
  'Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,' +
  'Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,' +
  'Billing Address2,Billing Company,Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,' +
  'Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,' +
  'Notes,Note Attributes,Cancelled at,Payment Method,Payment Reference,Refunded Amount,Vendor,Outstanding Balance,Employee,Location,' +
  'Device ID,Id,Tags,Risk Level,Source,Lineitem discount,Tax 1 Name,Tax 1 Value,Tax 2 Name,Tax 2 Value,Tax 3 Name,Tax 3 Value,' +
  'Tax 4 Name,Tax 4 Value,Tax 5 Name,Tax 5 Value,Phone,Receipt Number,Duties,Billing Province Name,Shipping Province Name,Payment ID,' +
  'Payment Terms Name,Next Payment Due At,Payment References';
const AMAZON_HEADER =
  'amazon-order-id\tmerchant-order-id\tpurchase-date\tlast-updated-date\torder-status\tfulfillment-channel\tsales-channel\t' +
  'order-channel\turl\tship-service-level\tproduct-name\tsku\tasin\titem-status\tquantity\tcurrency\titem-price\titem-tax\t' +
  'shipping-price\tshipping-tax\tgift-wrap-price\tgift-wrap-tax\titem-promotion-discount\tship-promotion-discount\tship-city\t' +
  'ship-state\tship-postal-code\tship-country\tpromotion-ids\tis-business-order\tpurchase-order-number\tprice-designation';

describe('preset recognition from the header row alone', () => {
  it.each([
    ['Shopify orders export', SHOPIFY_HEADER.split(','), 'shopify-orders'],
    ['Amazon order report', AMAZON_HEADER.split('\t'), 'amazon-orders'],
    ['Amazon report with other header casing', AMAZON_HEADER.toUpperCase().split('\t'), 'amazon-orders'],
    ['canonical channel-orders', ['channel', 'channel_order_id', 'total', 'currency'], undefined],
    ['canonical, other spelling', ['Channel', 'Channel Order ID', 'Total'], undefined],
    ['a Shopify products export (no Financial Status)', ['Handle', 'Title', 'Body (HTML)', 'Vendor', 'Variant SKU', 'Name'], undefined],
  ])('%s', (_, header, expected) => {
    // Act
    const preset = detectPreset('channel-orders', header as string[]);
    // Assess
    expect(preset?.name).toBe(expected);
  });

  it('offers channel-order presets for no other feed', () => {
    // Act
    const forOms = detectPreset('oms-orders', SHOPIFY_HEADER.split(','));
    // Assess
    expect(forOms).toBeUndefined();
    // No other preset claims the header, for any feed.
    expect(PRESETS.filter((p) => p.matches(SHOPIFY_HEADER.split(','))).map((p) => [p.name, p.feeds ?? [p.feed]])).toEqual([['shopify-orders', ['channel-orders']]]);
  });
});

describe('rows are never lost', () => {
  // Random exports: order IDs from a small pool (so repeats, gaps and blanks happen), random
  // widths (a few rows malformed), random batch sizes. The spans must add up to the rows read,
  // malformed rows come out alone and marked, and every emitted row has the canonical width.
  const rowArb = fc.record({
    id: fc.constantFrom('', '#1', '#2', '#3', ' #1 '),
    total: fc.constantFrom('', '1.00', '2.00'),
    widthDelta: fc.constantFrom(0, 0, 0, 0, 1, -1),
  });

  // The order presets (row-by-row presets have their own property tests, e.g. shopify-inventory.test.ts).
  for (const preset of PRESETS.filter((p) => p.feed === 'channel-orders')) {
    it(`${preset.name}: sum of spans = raw rows, for any export`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(rowArb, { maxLength: 40 }), fc.integer({ min: 1, max: 7 }), async (spec, batch) => {
          // Prepare
          const header = preset.name === 'shopify-orders' ? SHOPIFY_HEADER.split(',') : AMAZON_HEADER.split('\t');
          const idCol = header.indexOf(preset.name === 'shopify-orders' ? 'Name' : 'amazon-order-id');
          const totalCol = header.indexOf(preset.name === 'shopify-orders' ? 'Total' : 'item-price');
          const raw: RawRow[] = spec.map((s, i) => {
            const values = header.map(() => '');
            values[idCol] = s.id;
            values[totalCol] = s.total;
            if (s.widthDelta > 0) values.push('extra');
            if (s.widthDelta < 0) values.pop();
            return { line: i + 2, values };
          });
          const table: Table = {
            file: 'f', format: 'csv', compressed: false, header,
            async *rows() {
              for (let i = 0; i < raw.length; i += batch) yield raw.slice(i, i + batch);
            },
          };
          // Act
          const applied = preset.apply(table, { amazonTotal: 'item-price', problems: [] });
          const out: RawRow[] = [];
          for await (const b of applied.rows()) out.push(...b);
          // Assess
          expect(out.reduce((n, r) => n + (r.span ?? 1), 0)).toBe(raw.length);
          const malformed = raw.filter((r) => r.values.length !== header.length).map((r) => r.line);
          const passedAlone = out.filter((r) => r.reject !== undefined).map((r) => r.line);
          expect(passedAlone.sort((a, b) => a - b)).toEqual(malformed);
          expect(out.every((r) => r.values.length === applied.header.length)).toBe(true);
        }),
        { numRuns: 200 },
      );
    });
  }
});
