/**
 * The mapping file's rules beyond field specs (SPEC "The mapping file"): which mapping a file
 * gets (match.files, match.headers, the first listed wins, extends), skip.before / skip.footer,
 * rows.per / rows.take, a mapped column the file lacks — and the error of each. Read through
 * the engine's own reader (the CLI and the pipeline read the same way).
 */
import { describe, expect, it } from 'vitest';
import { ReconError } from '../../lib/errors.ts';
import { compileGlob } from '../../lib/partners/glob.ts';
import { found } from '../support/feeds.ts';
import { invalid, readWith, reconcileWith } from './mapping-support.ts';

async function failure(p: Promise<unknown>): Promise<ReconError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ReconError) return e;
    throw e;
  }
  throw new Error('expected a ReconError');
}

// Shopify's orders export: the columns the preset reads, line items of one order on consecutive rows.
const SHOPIFY_HEADER = 'Name,Email,Financial Status,Fulfillment Status,Currency,Total,Created at,Lineitem quantity,Lineitem name,Lineitem sku';
const shopify = (...orders: Array<[string, string, string]>) =>
  [SHOPIFY_HEADER, ...orders.flatMap(([name, total, currency]) => [
    `${name},a@example.com,paid,fulfilled,${currency},${total},2026-11-20 10:00:00 -0500,1,Tee,TEE-1`,
    `${name},a@example.com,,,,,,2,Mug,MUG-1`,
  ])].join('\n') + '\n';

describe('match.files: globs against the path', () => {
  it.each([
    ['*.csv', 'exports/eu/orders.csv', true], // no "/": the base name
    ['orders-??.csv', '/data/orders-eu.csv', true],
    ['exports/*/orders.csv', 'exports/eu/orders.csv', true],
    ['exports/*/orders.csv', 'exports/eu/2026/orders.csv', false], // * stays within a segment
    ['exports/**/orders.csv', 'exports/eu/2026/orders.csv', true],
    ['exports/**/orders.csv', 'exports/orders.csv', true],
    ['**/eu/*.csv', '/abs/path/eu/a.csv', true], // ** spans a leading /
    ['**/eu/*.csv', 'inbound/channel-orders/eu/a.csv', true], // an S3 key
    ['eu/*.csv', './eu/a.csv', true],
    ['eu/*.csv', 'us/a.csv', false],
    ['a?.csv', 'a/.csv', false],
  ])('%s against %s: %s', (pattern, path, expected) => {
    expect(compileGlob(pattern)(path)).toBe(expected);
  });

  it('refuses a blank pattern and a ** that is not a whole segment', () => {
    expect(invalid([{ name: 'a', feed: 'channel-orders', match: { files: ['exports/a**.csv'] }, constants: { channel: 'x' } }])).toMatch(/mappings\[0\]\.match\.files\[0\]: "\*\*" must be a whole path segment/);
    expect(invalid([{ name: 'a', feed: 'channel-orders', match: { files: [' '] }, constants: { channel: 'x' } }])).toMatch(/match\.files\[0\]: a file pattern may not be blank/);
    expect(invalid([{ name: 'a', feed: 'channel-orders', match: {}, constants: { channel: 'x' } }])).toMatch(/mappings\[0\]\.match: match needs headers, files or both/);
  });
});

describe('which mapping a file gets', () => {
  const a = { name: 'by-header', feed: 'channel-orders', match: { headers: ['Order No'] }, columns: { channel_order_id: 'Order No' }, constants: { channel: 'a' } };
  const b = { name: 'by-header-and-file', feed: 'channel-orders', match: { headers: ['Order No', 'Amount'], files: ['*-b.csv'] }, columns: { channel_order_id: 'Order No', total: 'Amount' }, constants: { channel: 'b' } };

  it('the first listed whose match holds wins, not the one listing the most headers; the report names it', async () => {
    // Act
    const first = await readWith('channel-orders', 'Order No,Amount\n1,2\n', [a, b], 'orders-b.csv');
    const flipped = await readWith('channel-orders', 'Order No,Amount\n1,2\n', [b, a], 'orders-b.csv');
    const otherName = await readWith('channel-orders', 'Order No,Amount\n1,2\n', [b, a], 'orders-c.csv');
    // Assess
    expect([first.stats.preset, first.records[0].channel]).toEqual(['by-header', 'a']);
    expect([flipped.stats.preset, flipped.records[0].channel]).toEqual(['by-header-and-file', 'b']);
    expect(otherName.stats.preset).toBe('by-header'); // files and headers must both hold
  });

  it('then a preset recognised from the header, then canonical columns', async () => {
    // Act
    const preset = await readWith('channel-orders', shopify(['#1', '5.00', 'USD']), [a]);
    const canonical = await readWith('channel-orders', 'channel,channel_order_id\nweb,1\n', [a]);
    // Assess
    expect(preset.stats.preset).toBe('shopify-orders');
    expect(canonical.stats.preset).toBeUndefined();
  });

  it('a mapped column the file does not have stops the run, naming the mapping, the column and the file\'s own header', async () => {
    // Prepare: the header matches, but the total's column was renamed in this export
    const m = { ...b, match: { headers: ['Order No'] }, columns: { channel_order_id: 'Order No', total: 'Amount' } };
    // Act
    const e = await failure(readWith('channel-orders', 'Order No,Order Amount\n1,2\n', [m]));
    // Assess
    expect(e.code).toBe('E_MISSING_COLUMN');
    expect(e.line).toBe(1);
    expect(e.message).toBe('mapping "by-header-and-file" reads column "Amount", which the file does not have (header: "Order No", "Order Amount")');
  });

  it('a required field the mapping does not give is told with the file\'s own header, not the mapped one', async () => {
    // Act
    const e = await failure(readWith('channel-orders', 'Order No,Amount\n1,2\n', [{ ...a, constants: {} }]));
    // Assess
    expect(e.code).toBe('E_MISSING_COLUMN');
    expect(e.message).toBe('mapping "by-header" gives no channel for feed channel-orders, and the file has no such column (header: "Order No", "Amount")');
  });
});

describe('extends: a preset refined', () => {
  const eu = { name: 'shopify-eu', extends: 'shopify-orders', match: { files: ['shopify-eu-*.csv'] }, constants: { channel: 'shopify-eu' } };

  it('two Shopify stores that both number from #1001: the second named by a constant (the issue: 96 false discrepancies)', async () => {
    // Act
    const report = await reconcileWith('intake', [
      { side: 'channel', name: 'shopify-us-orders.csv', text: shopify(['#1001', '10.00', 'USD'], ['#1002', '20.00', 'USD']) },
      { side: 'channel', name: 'shopify-eu-orders.csv', text: shopify(['#1001', '15.00', 'EUR'], ['#1002', '25.00', 'EUR']) },
      { side: 'oms', name: 'oms.csv', text: 'channel,channel_order_id,oms_order_id,total,currency\nshopify,#1001,O1,10,USD\nshopify,#1002,O2,20,USD\nshopify-eu,#1001,O3,15,EUR\nshopify-eu,#1002,O4,25.5,EUR\n' },
    ], [eu]);
    // Assess: the one planted difference, and the files named by what read them
    expect(found(report)).toEqual(['field_mismatch channel=shopify-eu channel_order_id=#1002']);
    expect(report.summary.matched).toBe(3);
    expect(report.files.map((f) => [f.preset, f.read, f.used])).toEqual([['shopify-orders', 4, 4], ['shopify-eu', 4, 4], [undefined, 4, 4]]);
  });

  it("the mapping's columns read the file's own columns, folded over the preset's line items, and win", async () => {
    // Prepare: order names without the '#', and the total from another column of the first row
    const text = shopify(['#1001', '10.00', 'USD']).replace('Created at', 'Paid at');
    const m = { name: 'shop', extends: 'shopify-orders', columns: { channel_order_id: { column: 'Name', strip: ['#'] }, placed_at: { column: 'Paid at', format: '%Y-%m-%d %H:%M:%S %z' } } };
    // Act: no match: it applies wherever the preset is recognised
    const r = await readWith('channel-orders', text, [m]);
    // Assess
    expect(r.stats).toMatchObject({ preset: 'shop', read: 2, used: 2 });
    expect(r.records).toEqual([expect.objectContaining({ channel: 'shopify', channel_order_id: '1001', placed_at: '2026-11-20T15:00:00.000Z', total: 10_000_000n })]);
  });

  it('refuses an unknown preset and another feed; a file matched by name that is not the preset\'s export stops the run', async () => {
    expect(invalid([{ ...eu, extends: 'shopify' }])).toMatch(/mappings\[0\]\.extends: unknown preset "shopify" \(presets: shopify-orders, amazon-orders/);
    expect(invalid([{ ...eu, feed: 'oms-orders' }])).toMatch(/mappings\[0\]\.feed: preset shopify-orders reads feed channel-orders, not oms-orders/);
    expect(invalid([{ ...eu, rows: { per: ['channel_order_id'] } }])).toMatch(/mappings\[0\]\.rows\.per: the preset shopify-orders says which rows are one record/);
    const e = await failure(readWith('channel-orders', 'channel,channel_order_id\nweb,1\n', [eu], 'shopify-eu-orders.csv'));
    expect(e.code).toBe('E_MISSING_COLUMN');
    expect(e.message).toMatch(/^mapping "shopify-eu" extends preset shopify-orders, but this file is not its export \(header: "channel", "channel_order_id"\)/);
  });
});

describe('skip: lines before the header, and a footer', () => {
  const ebay = {
    name: 'ebay-sales-history', feed: 'channel-orders', match: { headers: ['Sales Record Number'] },
    skip: { before: 'blank', footer: '/record\\(s\\) downloaded|^Seller ID:/' },
    columns: { channel_order_id: 'Sales Record Number', total: { column: 'Total', currencySign: true } }, constants: { channel: 'ebay' },
  };
  const SALES_HISTORY = [
    '',
    'Sales Record Number,User Id,Buyer Fullname,Total,Sale Date',
    '101,buyer1,Ann,$19.50,Jan-18-16',
    '102,buyer2,Bo,$5.00,Jan-19-16',
    '',
    '2, record(s) downloaded,,,',
    'Seller ID: someseller,,,,',
  ].join('\n') + '\n';

  it("eBay's blank line before the header and its footer lines: not orders, counted as skipped (the issue: 2 phantom missing_in_oms)", async () => {
    // Act
    const report = await reconcileWith('intake', [
      { side: 'channel', name: 'SalesHistory.csv', text: SALES_HISTORY },
      { side: 'oms', name: 'oms.csv', text: 'channel,channel_order_id,total\nebay,101,19.50\nebay,102,5\n' },
    ], [ebay]);
    // Assess
    expect(found(report)).toEqual([]);
    expect(report.files[0]).toMatchObject({ preset: 'ebay-sales-history', read: 4, used: 2, rejected: 0, skipped: 2 });
  });

  it('skip.before counts lines: a title and a note before the header are read and skipped; without it, lines of empty cells are passed over', async () => {
    // Prepare
    const m = { ...ebay, skip: { before: 2 } };
    const text = 'Orders report\nGenerated 2026-11-20,,,\nSales Record Number,Total\n101,$1.00\n';
    // Act
    const r = await readWith('channel-orders', text, [m]);
    const canonical = await readWith('channel-orders', ',,,\n ; ;\nchannel,channel_order_id\nweb,1\n', []);
    // Assess
    expect(r.stats).toMatchObject({ read: 3, used: 1, skipped: 2 });
    expect(r.records.map((x) => x.channel_order_id)).toEqual(['101']);
    expect(canonical.stats).toMatchObject({ read: 1, used: 1 });
  });

  it('refuses a negative count and a bad footer regex; a count past the end of the file stops the run', async () => {
    expect(invalid([{ ...ebay, skip: { before: -1 } }])).toMatch(/mappings\[0\]\.skip\.before/);
    expect(invalid([{ ...ebay, skip: { footer: '/(unclosed/' } }])).toMatch(/mappings\[0\]\.skip\.footer: bad regular expression/);
    const e = await failure(readWith('channel-orders', 'Sales Record Number,Total\n101,1\n', [{ ...ebay, match: { files: ['*.csv'] }, skip: { before: 5 } }]));
    expect(e.code).toBe('E_FILE_EMPTY');
  });
});

describe('rows: line-item files', () => {
  const items = {
    name: 'items', feed: 'channel-orders', match: { headers: ['Order', 'Item'] },
    columns: { channel_order_id: 'Order', total: 'Order Total' }, constants: { channel: 'shop' }, rows: {},
  };
  // One row per item; the order total only on an order's first row; orders interleaved.
  const EXPORT = 'Order,Item,Order Total\nA,1,30.00\nB,1,12.00\nA,2,\nC,1,7.00\nA,3,\nB,2,\n';

  it('one record per order, its total from its first row though its last row is blank (the issue: 24 of 50 never compared)', async () => {
    // Act
    const report = await reconcileWith('intake', [
      { side: 'channel', name: 'items.csv', text: EXPORT },
      { side: 'oms', name: 'oms.csv', text: 'channel,channel_order_id,total\nshop,A,30\nshop,B,12.50\nshop,C,7\n' },
    ], [items]);
    // Assess
    expect(found(report)).toEqual(['field_mismatch channel=shop channel_order_id=B']);
    expect(report.summary.matched).toBe(2);
    expect(report.files[0]).toMatchObject({ read: 6, used: 6, rejected: 0 });
    const b = report.discrepancies[0] as { sources: Array<{ file: string; line: number }> };
    expect(b.sources.find((s) => s.file.endsWith('items.csv'))?.line).toBe(3); // the record's first row
  });

  it('take: sum adds an item column over the record, last keeps the last non-empty; rows.per names the record', async () => {
    // Prepare
    const m = { ...items, columns: { channel_order_id: 'Order', total: 'Line Amount', status: 'State' }, rows: { per: ['channel_order_id'], take: { total: 'sum', status: 'last' } } };
    // Act
    const r = await readWith('channel-orders', 'Order,Item,Line Amount,State\nA,1,10.10,new\nB,1,1,new\nA,2,20.20,\nA,3,,shipped\n', [m]);
    // Assess
    expect(r.records.map((x) => [x.channel_order_id, x.total, x.status])).toEqual([['A', 30_300_000n, 'shipped'], ['B', 1_000_000n, 'new']]);
    expect(r.stats).toMatchObject({ read: 4, used: 4 });
  });

  it('a bad value in one row rejects its whole record, at that row\'s line, all its rows counted', async () => {
    // Prepare
    const m = { ...items, columns: { channel_order_id: 'Order', total: 'Line Amount' }, rows: { take: { total: 'sum' } } };
    // Act
    const r = await readWith('channel-orders', 'Order,Item,Line Amount\nA,1,10\nB,1,1\nA,2,ten\nA,3,5\n', [m]);
    // Assess
    expect(r.records.map((x) => x.channel_order_id)).toEqual(['B']);
    expect(r.rejected.map((x) => [x.line, x.reason])).toEqual([[4, 'total: not a number: "ten"']]);
    expect(r.stats).toMatchObject({ read: 4, used: 1, rejected: 3 });
  });

  it('refuses an unknown field in rows.per, a sum of text, and an unknown take', () => {
    expect(invalid([{ ...items, rows: { per: ['order'] } }])).toMatch(/mappings\[0\]\.rows\.per\[0\]: unknown field "order"/);
    expect(invalid([{ ...items, rows: { take: { status: 'sum' } } }])).toMatch(/mappings\[0\]\.rows\.take\.status: only amounts and quantities add up/);
    expect(invalid([{ ...items, rows: { take: { total: 'max' } } }])).toMatch(/mappings\[0\]\.rows\.take\.total/);
  });
});

describe('JSON exports', () => {
  const m = {
    name: 'json-items', feed: 'channel-orders', match: { headers: ['order'] },
    columns: { channel_order_id: 'order', total: { column: 'amount', currencySign: true } }, constants: { channel: 'shop' },
    rows: { take: { total: 'sum' } },
  };

  it('keys that turn up in later objects: the currency column the file brings wins over the sign\'s code, folded records line up', async () => {
    // Act: `currency` appears only in the third object; `status` (passed through) only in the fourth
    const r = await readWith('channel-orders', JSON.stringify([
      { order: 'A', amount: 'USD 10' },
      { order: 'B', amount: '$1' },
      { order: 'A', amount: 'USD 2.5', currency: 'usd' },
      { order: 'B', amount: '$2', status: 'paid' },
    ]), [m], 'items.json');
    // Assess
    expect(r.rejected).toEqual([]);
    expect(r.records).toEqual([
      expect.objectContaining({ channel_order_id: 'A', total: 12_500_000n, currency: 'USD', status: undefined }),
      expect.objectContaining({ channel_order_id: 'B', total: 3_000_000n, currency: undefined, status: 'paid' }),
    ]);
  });

  it('a column no object of the file carries stops the run at the end, naming the mapping', async () => {
    // Act
    const e = await failure(readWith('channel-orders', JSON.stringify([{ order: 'A', total: '1' }]), [m], 'items.json'));
    // Assess
    expect(e.code).toBe('E_MISSING_COLUMN');
    expect(e.message).toMatch(/^mapping "json-items" reads column "amount", which the file does not have/);
  });
});

describe('the whole file is validated on load', () => {
  it('names every problem by its path: unknown keys, fields and feeds', () => {
    const message = invalid([
      { name: 'a', feed: 'channel-orders', match: { headers: ['x'] }, columns: { totl: 'x' }, constants: { channel: 'c' } },
      { name: 'b', feed: 'channel-orders', match: { header: ['x'] }, constants: { channel: 'c' } },
      { name: 'c', feed: 'orders', constants: { channel: 'c' } },
    ]);
    expect(message).toMatch(/mappings\[0\]\.columns\.totl: unknown field "totl"/);
    expect(message).toMatch(/mappings\[1\]\.match: .*"header"/);
    expect(message).toMatch(/mappings\[2\]\.feed/);
  });
});
