/**
 * The mapping file's field specs (SPEC "The mapping file"): each source and value option,
 * read through the engine's own reader, and the error of each. The partner values are the
 * ones of the exports the issue reproduced.
 */
import { describe, expect, it } from 'vitest';
import { parseMappingFile } from '../../lib/partners/mapping-file.ts';
import { found } from '../support/feeds.ts';
import { invalid, readWith, reconcileWith } from './mapping-support.ts';

/** A mapping of channel orders for a file with an `id` column. */
const orders = (columns: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  name: 'shop',
  feed: 'channel-orders',
  match: { headers: ['id'] },
  columns: { channel_order_id: 'id', ...columns },
  constants: { channel: 'shop' },
  ...extra,
});

describe('format: dates in the partner\'s own format', () => {
  it.each([
    ['Feb 19, 2025', '%b %d, %Y', undefined, '2025-02-19T00:00:00.000Z'],
    ['02/03/2025', '%d/%m/%Y', undefined, '2025-03-02T00:00:00.000Z'],
    ['12/1/10 8:26', '%m/%d/%y %H:%M', undefined, '2010-12-01T08:26:00.000Z'],
    ['2018-11-22 22:23:54 PST', '%Y-%m-%d %H:%M:%S PST', 'America/Los_Angeles', '2018-11-23T06:23:54.000Z'],
  ])('reads %s with %s', async (value, format, timezone, iso) => {
    // Act
    const r = await readWith('channel-orders', `id,date\n1,"${value}"\n`, [orders({ placed_at: { column: 'date', format, ...(timezone ? { timezone } : {}) } })]);
    // Assess
    expect(r.rejected).toEqual([]);
    expect(r.records.map((x) => x.placed_at)).toEqual([iso]);
  });

  it('refuses a bad pattern, a time zone it does not know, and a format on a field that is no date', () => {
    expect(invalid([orders({ placed_at: { column: 'date', format: '%Q/%m' } })])).toMatch(/mappings\[0\]\.columns\.placed_at: .*%Q/);
    expect(invalid([orders({ placed_at: { column: 'date', format: '%d/%m/%Y', timezone: 'Mars/Olympus' } })])).toMatch(/mappings\[0\]\.columns\.placed_at: unknown time zone "Mars\/Olympus"/);
    expect(invalid([orders({ total: { column: 'date', format: '%d/%m/%Y' } })])).toMatch(/mappings\[0\]\.columns\.total\.format: format reads dates: total is not a timestamp/);
  });
});

describe('decimal, group and currencySign: numbers written the partner\'s way', () => {
  it('reads $19.50, 1.234,50 € and USD 7 as amounts, and a currency code fills currency when the row has none', async () => {
    // Prepare: one file in dollars with a currency column, one in euros without
    const us = await readWith('channel-orders', 'id,amount,cur\n1,$19.50,USD\n2,"$1,204.00",\n', [orders({ total: { column: 'amount', currencySign: true }, currency: 'cur' })]);
    const eu = await readWith('channel-orders', 'id;amount\n1;1.234,50 €\n2;EUR 7\n', [orders({ total: { column: 'amount', decimal: ',', currencySign: true } })]);
    // Assess
    expect(us.records.map((x) => [x.total, x.currency])).toEqual([[19_500_000n, 'USD'], [1_204_000_000n, undefined]]);
    expect(eu.records.map((x) => [x.total, x.currency])).toEqual([[1_234_500_000n, undefined], [7_000_000n, 'EUR']]);
  });

  it('$19.50 on the channel side matches 19.5 in the OMS (the issue: unexpected_in_oms before)', async () => {
    // Act
    const report = await reconcileWith('intake', [
      { side: 'channel', name: 'ebay.csv', text: 'id,amount\n1001,$19.50\n1002,$5.00\n' },
      { side: 'oms', name: 'oms.csv', text: 'channel,channel_order_id,total\nshop,1001,19.5\nshop,1002,5\n' },
    ], [orders({ total: { column: 'amount', currencySign: true } })]);
    // Assess
    expect(report.summary).toMatchObject({ matched: 2, discrepancies: 0 });
  });

  it('rejects a row whose compared amount does not read, and refuses number options on a field that is no number', async () => {
    // Act
    const r = await readWith('channel-orders', 'id,amount\n1,$19.50\n2,about 5\n', [orders({ total: { column: 'amount', currencySign: true } })]);
    // Assess
    expect(r.rejected).toEqual([expect.objectContaining({ line: 3, reason: expect.stringMatching(/^total: .*"about 5"/) })]);
    expect(r.warnings).toEqual([]);
    expect(invalid([orders({ placed_at: { column: 'd', decimal: ',' } })])).toMatch(/columns\.placed_at: decimal, group and currencySign read numbers/);
    expect(invalid([orders({ total: { column: 'a', decimal: ',', group: ',' } })])).toMatch(/columns\.total: decimal and group cannot both be ","/);
  });
});

describe('strip, case and replace', () => {
  it('#5581 and 5581 are one order: strip takes the # off (the issue: 691 false fulfillment discrepancies)', async () => {
    // Prepare: the 3PL writes Shopify order names; the OMS writes the number
    const mappings = [{
      name: '3pl', feed: 'shipments', match: { headers: ['Order Name'] },
      columns: { order_id: { column: 'Order Name', strip: ['#'] }, line_id: 'Line', location_id: 'Warehouse', quantity: 'Qty' },
    }];
    // Act
    const report = await reconcileWith('fulfillment', [
      { side: 'oms', name: 'alloc.csv', text: 'order_id,line_id,location_id,quantity,status\n5581,1,DAL1,2,fulfilled\n5582,1,DAL1,1,fulfilled\n' },
      { side: 'warehouse', name: '3pl.csv', text: 'Order Name,Line,Warehouse,Qty\n#5581,1,DAL1,2\n#5582,1,DAL1,1\n' },
    ], mappings);
    // Assess
    expect(report.summary).toMatchObject({ matched: 2, discrepancies: 0 });
  });

  it("Flipkart's leading apostrophe, a -BF suffix and lower case: each prefix once, in order; replace by regex", async () => {
    // Act
    const r = await readWith('channel-orders', "id,sku\n'OD333612345#1,x\n", [orders({
      channel_order_id: { column: 'id', strip: ["'", 'OD'], replace: [['/#\\d+$/', '']], case: 'lower' },
    })]);
    // Assess
    expect(r.records.map((x) => x.channel_order_id)).toEqual(['333612345']);
  });

  it('refuses an empty prefix, an unknown case and a bad regular expression', () => {
    expect(invalid([orders({ channel_order_id: { column: 'id', strip: [''] } })])).toMatch(/columns\.channel_order_id\.strip\[0\]: a prefix to strip may not be empty/);
    expect(invalid([orders({ channel_order_id: { column: 'id', case: 'title' } })])).toMatch(/columns\.channel_order_id\.case/);
    expect(invalid([orders({ channel_order_id: { column: 'id', replace: [['/(/', '']] } })])).toMatch(/columns\.channel_order_id: bad regular expression \/\(\//);
  });
});

describe('values: a value map', () => {
  it('maps exact values first, then /regex/ keys in order; a list of pairs is tried in order; others pass', async () => {
    // Prepare
    const mapping = orders({
      status: { column: 'st', values: { '1': 'paid', '/^can/i': 'cancelled', '/.*/': 'other', constructor: 'built' } },
    });
    // Act
    const r = await readWith('channel-orders', 'id,st\n1,1\n2,Canceled\n3,shipped\n4,constructor\n', [mapping]);
    const listed = await readWith('channel-orders', 'id,st\n1,10\n2,1\n', [orders({ status: { column: 'st', values: [['/^1$/', 'one'], ['10', 'ten']] } })]);
    // Assess: "constructor" is plain text, not a property of some object
    expect(r.records.map((x) => x.status)).toEqual(['paid', 'cancelled', 'other', 'built']);
    expect(listed.records.map((x) => x.status)).toEqual(['ten', 'one']);
  });

  it('refuses a bad regex key, and a __proto__ key anywhere (it could reach a prototype)', () => {
    expect(invalid([orders({ status: { column: 'st', values: { '/[/': 'x' } } })])).toMatch(/columns\.status: bad regular expression/);
    const text = '{"mappings":[{"name":"a","feed":"channel-orders","match":{"headers":["id"]},"columns":{"channel_order_id":"id","status":{"column":"st","values":{"__proto__":"x"}}}}]}';
    let message = '';
    try {
      parseMappingFile(JSON.parse(text), 'm.json');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/mappings\[0\]\.columns\.status\.values\.__proto__: "__proto__" cannot be a key here/);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe('sum and product: exact arithmetic over columns', () => {
  it('sum: blank counts as zero, all blank is absent', async () => {
    // Act
    const r = await readWith('channel-orders', 'id,item,ship,tax\n1,10.10,,0.20\n2,,,\n3,"1,000.01",0.99,\n', [orders({ total: { sum: ['item', 'ship', 'tax'] } })]);
    // Assess
    expect(r.records.map((x) => x.total)).toEqual([10_300_000n, undefined, 1_001_000_000n]);
  });

  it('product: quantity × unit price, exactly (never binary floating point)', async () => {
    // Act: 3 × 0.10 is 0.30, not 0.30000000000000004; -1 × 27.50 is a credit line
    const r = await readWith('erp-transactions', 'inv,qty,price\nA,3,0.10\nB,-1,27.50\nC,,4\n', [{
      name: 'erp', feed: 'erp-transactions', match: { headers: ['inv'] },
      columns: { order_id: 'inv', amount: { product: ['qty', 'price'] } }, constants: { type: 'invoice' },
    }]);
    // Assess: C has no quantity, so no amount: the required amount rejects it
    expect(r.records.map((x) => x.amount)).toEqual([300_000n, -27_500_000n]);
    expect(r.rejected.map((x) => [x.line, x.reason])).toEqual([[4, 'amount: required value is empty']]);
  });

  it('refuses two sources, a product of three columns, and a sum into a field that is no number', () => {
    expect(invalid([orders({ total: { column: 'a', sum: ['b'] } })])).toMatch(/columns\.total: a field spec takes one source: column, sum or product \(found column, sum\)/);
    expect(invalid([orders({ total: { product: ['a', 'b', 'c'] } })])).toMatch(/columns\.total\.product/);
    expect(invalid([orders({ status: { sum: ['a', 'b'] } })])).toMatch(/columns\.status: sum makes a number: status is not an amount or a quantity/);
  });
});

describe('one column feeding several fields', () => {
  it("an ERP's invoice number is both the order (without its C) and the type (C… is a credit)", async () => {
    // Act
    const r = await readWith('erp-transactions', 'InvoiceNo,Amount\n536365,10\nC536379,-27.50\n', [{
      name: 'erp', feed: 'erp-transactions', match: { headers: ['InvoiceNo'] },
      columns: {
        order_id: { column: 'InvoiceNo', strip: ['C'] },
        type: { column: 'InvoiceNo', values: [['/^C/', 'credit'], ['/./', 'invoice']] },
        document_id: 'InvoiceNo',
        amount: 'Amount',
      },
    }]);
    // Assess
    expect(r.records.map((x) => [x.order_id, x.type, x.document_id, x.amount])).toEqual([
      ['536365', 'sale', '536365', 10_000_000n],
      ['536379', 'return', 'C536379', -27_500_000n],
    ]);
  });

  it('still refuses one field given twice', () => {
    expect(invalid([orders({ channel: 'x' })])).toMatch(/mappings\[0\]\.constants\.channel: field channel is already given by columns\.channel/);
  });
});
