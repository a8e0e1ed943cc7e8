import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RawRow } from '../../lib/read/table.ts';
import { batchedTable } from './tables.ts';
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
const ORDER_REPORT_HEADER =
  'order-id\torder-item-id\tpurchase-date\tpayments-date\tbuyer-email\tbuyer-name\tbuyer-phone-number\tsku\tproduct-name\t' +
  'quantity-purchased\tcurrency\titem-price\titem-tax\tshipping-price\tshipping-tax\tship-service-level\trecipient-name\t' +
  'ship-address-1\tship-address-2\tship-address-3\tship-city\tship-state\tship-postal-code\tship-country\tship-phone-number';
// Amazon's unshipped orders report: no currency, no prices.
const UNSHIPPED_HEADER =
  'order-id\torder-item-id\tpurchase-date\tpayments-date\treporting-date\tpromise-date\tdays-past-promise\tbuyer-email\t' +
  'buyer-phone-number\tsku\tproduct-name\tquantity-purchased\tquantity-shipped\tquantity-to-ship\tship-service-level\t' +
  'recipient-name\tship-address-1\tship-address-2\tship-address-3\tship-city\tship-state\tship-postal-code\tship-country\t' +
  'is-business-order\tpurchase-order-number\tprice-designation\tis-prime';
const WOO_HEADER =
  'order_id,order_number,order_number_formatted,date,status,shipping_total,shipping_tax_total,fee_total,fee_tax_total,tax_total,' +
  'discount_total,order_total,refunded_total,order_currency,payment_method,shipping_method,customer_id,billing_first_name,' +
  'billing_last_name,billing_email,line_items,order_notes,download_permissions_granted';
const WOO_LEGACY_HEADER =
  'Order ID,Date,Order Status,Shipping,Shipping Tax,Fees,Fee Tax,Tax,Discount Total,Order Total,Payment Method,Shipping Method,' +
  'Billing First Name,Billing Last Name,Billing Email,Customer Note,Order Items,Download Permissions Granted,Order Notes,Coupons';

/** Per preset: a header it recognises, its order-ID column and a money column. */
const EBAY_HEADER =
  'Sales Record Number,Order Number,Buyer Username,Buyer Name,Buyer Email,Item Number,Item Title,Custom Label,Quantity,Sold For,' +
  'Shipping And Handling,Total Price,Payment Method,Sale Date,Paid On Date,Shipped On Date,Tracking Number,Transaction ID';
const EBAY_HISTORY_HEADER =
  '\t"Sales Record Number",User Id,Buyer Fullname,Buyer Email,Order ID,Item ID,Transaction ID,Item Title,Quantity,Sale Price,' +
  'Shipping And Handling,Sales Tax,Insurance,Total Price,Payment Method,Sale Date,Checkout Date,Paid on Date';

const SAMPLES: Record<string, { header: string[]; id: string; money: string; skipsBlank?: boolean }> = {
  'shopify-orders': { header: SHOPIFY_HEADER.split(','), id: 'Name', money: 'Total' },
  'amazon-orders': { header: AMAZON_HEADER.split('\t'), id: 'amazon-order-id', money: 'item-price' },
  'amazon-order-report': { header: ORDER_REPORT_HEADER.split('\t'), id: 'order-id', money: 'item-price' },
  'ebay-orders': { header: EBAY_HEADER.split(','), id: 'Sales Record Number', money: 'Total Price', skipsBlank: true },
  'woocommerce-orders': { header: WOO_HEADER.split(','), id: 'order_id', money: 'order_total' },
};

describe('preset recognition from the header row alone', () => {
  it.each([
    ['Shopify orders export', SHOPIFY_HEADER.split(','), 'shopify-orders'],
    ['Amazon order report', AMAZON_HEADER.split('\t'), 'amazon-orders'],
    ['Amazon report with other header casing', AMAZON_HEADER.toUpperCase().split('\t'), 'amazon-orders'],
    ['Amazon Order Report', ORDER_REPORT_HEADER.split('\t'), 'amazon-order-report'],
    ['Amazon unshipped orders report', UNSHIPPED_HEADER.split('\t'), 'amazon-order-report'],
    ['eBay Seller Hub orders report', EBAY_HEADER.split(','), 'ebay-orders'],
    ['eBay Sales History, header starting with a tab', EBAY_HISTORY_HEADER.split(','), 'ebay-orders'],
    ['WooCommerce order export (Default)', WOO_HEADER.split(','), 'woocommerce-orders'],
    ['WooCommerce order export (Legacy)', WOO_LEGACY_HEADER.split(','), 'woocommerce-orders'],
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
    expect(PRESETS.filter((p) => p.feed === 'channel-orders').map((p) => p.name)).toEqual(Object.keys(SAMPLES));
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

  // The order presets ((row-by-row presets have their own property tests, e.g. shopify-inventory.test.ts).
  for (const preset of PRESETS.filter((p) => p.feed === 'channel-orders')) {
    it(`${preset.name}: sum of spans = raw rows, for any export`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(rowArb, { maxLength: 40 }), fc.integer({ min: 1, max: 7 }), async (spec, batch) => {
          // Prepare
          const sample = SAMPLES[preset.name];
          const header = sample.header;
          const idCol = header.indexOf(sample.id);
          const totalCol = header.indexOf(sample.money);
          const raw: RawRow[] = spec.map((s, i) => {
            const values = header.map(() => '');
            values[idCol] = s.id;
            values[totalCol] = s.total;
            if (s.widthDelta > 0) values.push('extra');
            if (s.widthDelta < 0) values.pop();
            return { line: i + 2, values };
          });
          const table = batchedTable(header, raw, batch);
          // Act
          const applied = preset.apply(table, { amazonTotal: 'item-price', problems: [] });
          const out: RawRow[] = [];
          for await (const b of applied.rows()) out.push(...b);
          // Assess
          expect(out.reduce((n, r) => n + (r.span ?? 1), 0)).toBe(raw.length);
          // eBay's downloads pad with lines of empty cells: that preset skips them (any width).
          const blank = (r: RawRow) => sample.skipsBlank === true && r.values.every((v) => v.trim() === '');
          const malformed = raw.filter((r) => r.values.length !== header.length && !blank(r)).map((r) => r.line);
          const passedAlone = out.filter((r) => r.reject !== undefined && r.values.every((v) => v === '')).map((r) => r.line);
          expect(passedAlone.sort((a, b) => a - b)).toEqual(malformed);
          expect(out.filter((r) => r.skip !== undefined).map((r) => r.line)).toEqual(raw.filter(blank).map((r) => r.line));
          expect(out.every((r) => r.values.length === applied.header.length)).toBe(true);
        }),
        { numRuns: 200 },
      );
    });
  }
});
