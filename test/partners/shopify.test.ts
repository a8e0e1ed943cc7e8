import { describe, expect, it } from 'vitest';
import { FEEDS } from '../../lib/feeds/catalog.ts';
import { compileDecoder, isRejection } from '../../lib/feeds/decode.ts';
import { detectPreset, type PresetProblem } from '../../lib/partners/presets.ts';
import { collect, records, tableFrom } from './tables.ts';

// The first columns of Shopify's orders export, in Shopify's order, then its `Id` column.
const HEADER =
  'Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,' +
  'Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,' +
  'Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Id';

const EXPORT = [
  HEADER,
  // #1001: three line items; the product names carry a comma, quotes and a line break.
  '#1001,ana@example.com,paid,2026-11-20 10:01:02 -0500,fulfilled,2026-11-21 09:00:00 -0500,yes,USD,1204.50,20.00,10.00,"1,234.50",,0.00,Standard,2026-11-20 10:00:00 -0500,1,"Tee, ""Classic"" fit",1000.00,,TEE-1,5551001',
  '#1001,ana@example.com,,,,,,,,,,,,,,,2,"Mug',
  '(12 oz)",100.25,,MUG-12,',
  '#1001,ana@example.com,,,,,,,,,,,,,,,1,Socks,4.00,,SOCK-3,',
  // #1002: one item, pending payment, not fulfilled yet.
  '#1002,bo@example.com,pending,,unfulfilled,,no,EUR,35.00,5.00,0.00,40.00,,0.00,Standard,2026-11-20 11:00:00 +0100,1,Cap,35.00,,CAP-1,5551002',
].join('\n');

async function fold(text: string, problems: PresetProblem[] = [], file = 'orders_export_1.csv') {
  const table = await tableFrom(text, file);
  const preset = detectPreset('channel-orders', table.header);
  expect(preset?.name).toBe('shopify-orders');
  return preset!.apply(table, { problems });
}

describe('shopify-orders preset', () => {
  it('folds the line items of each order into one canonical channel order', async () => {
    // Prepare
    const problems: PresetProblem[] = [];
    // Act
    const out = await fold(EXPORT, problems);
    const rows = await records(out);
    // Assess
    expect(out.header).toEqual(['channel', 'channel_order_id', 'placed_at', 'total', 'currency', 'status']);
    expect(rows).toEqual([
      { $line: '2', $span: '3', channel: 'shopify', channel_order_id: '#1001', placed_at: '2026-11-20 10:00:00 -0500', total: '1,234.50', currency: 'USD', status: 'paid' },
      { $line: '6', $span: '1', channel: 'shopify', channel_order_id: '#1002', placed_at: '2026-11-20 11:00:00 +0100', total: '40.00', currency: 'EUR', status: 'pending' },
    ]);
    expect(problems).toEqual([]);
  });

  it('gives rows the canonical decoder accepts, with the exact total', async () => {
    // Prepare
    const out = await fold(EXPORT);
    const decode = compileDecoder({ feed: FEEDS['channel-orders'], header: out.header, file: out.file, version: '1', strictWidth: false });
    // Act
    const decoded = (await collect(out)).map(decode);
    // Assess
    expect(decoded.filter(isRejection)).toEqual([]);
    const first = decoded[0] as { f: Record<string, unknown> };
    expect(first.f).toMatchObject({ channel: 'shopify', channel_order_id: '#1001', total: 1_234_500_000n, currency: 'USD' });
  });

  it('keeps the first total when a later row of the order disagrees, and reports it', async () => {
    // Prepare
    const text = [
      HEADER,
      '#2001,c@example.com,paid,,unfulfilled,,no,USD,10.00,0,0,10.00,,0,,2026-11-20 10:00:00 -0500,1,A,10.00,,A-1,1',
      '#2001,c@example.com,,,,,,,,,,12.00,,,,,1,B,2.00,,B-1,',
      '#2001,c@example.com,,,,,,,,,,10.0,,,,,1,C,0,,C-1,',
    ].join('\n');
    const problems: PresetProblem[] = [];
    // Act
    const rows = await records(await fold(text, problems));
    // Assess: one order, first total kept; `10.0` equals `10.00`, so only line 3 is a problem.
    expect(rows.map((r) => [r.channel_order_id, r.total, r.$span])).toEqual([['#2001', '10.00', '3']]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'preset', preset: 'shopify-orders', file: 'orders_export_1.csv', lines: [2, 3] });
    expect(problems[0].message).toContain('"12.00"');
  });

  it('makes a name seen again after another order a second record, not a merge', async () => {
    // Prepare
    const text = [
      HEADER,
      '#3001,a@x.io,paid,,,,,USD,5,0,0,5.00,,,,2026-11-20 10:00:00 -0500,1,A,5,,A,1',
      '#3002,b@x.io,paid,,,,,USD,6,0,0,6.00,,,,2026-11-20 10:00:00 -0500,1,B,6,,B,2',
      '#3001,a@x.io,paid,,,,,USD,5,0,0,5.00,,,,2026-11-20 10:00:00 -0500,1,A,5,,A,1',
    ].join('\n');
    // Act
    const rows = await records(await fold(text));
    // Assess
    expect(rows.map((r) => r.channel_order_id)).toEqual(['#3001', '#3002', '#3001']);
  });

  it('keeps a row with no order name as its own row, which the decoder rejects at its line', async () => {
    // Prepare
    const text = [
      HEADER,
      '#4001,a@x.io,paid,,,,,USD,5,0,0,5.00,,,,2026-11-20 10:00:00 -0500,1,A,5,,A,1',
      ',a@x.io,,,,,,,,,,,,,,,1,B,5,,B,',
      '#4001,a@x.io,,,,,,,,,,,,,,,1,C,5,,C,',
    ].join('\n');
    const out = await fold(text);
    const decode = compileDecoder({ feed: FEEDS['channel-orders'], header: out.header, file: out.file, version: '1', strictWidth: false });
    // Act
    const rows = await collect(out);
    const rejected = rows.map(decode).filter(isRejection);
    // Assess: the nameless row splits the order; nothing vanishes.
    expect(rows.map((r) => [r.line, r.values[1], r.span])).toEqual([[2, '#4001', 1], [3, '', 1], [4, '#4001', 1]]);
    expect(rejected).toEqual([{ file: 'orders_export_1.csv', line: 3, reason: expect.stringContaining('channel_order_id') }]);
  });

  it('passes a row of the wrong width through alone, after its order, marked for rejection', async () => {
    // Prepare: line 3 has one cell too many (an unquoted comma).
    const text = [
      HEADER,
      '#5001,a@x.io,paid,,,,,USD,5,0,0,5.00,,,,2026-11-20 10:00:00 -0500,1,A,5,,A,1',
      '#5001,a@x.io,,,,,,,,,,,,,,,1,Tee, red,5,,B,',
      '#5001,a@x.io,,,,,,,,,,,,,,,1,C,5,,C,',
    ].join('\n');
    const out = await fold(text);
    // The engine checks widths on the raw CSV, not on a preset's output.
    const decode = compileDecoder({ feed: FEEDS['channel-orders'], header: out.header, file: out.file, version: '1', strictWidth: false });
    // Act
    const rows = await collect(out);
    // Assess
    expect(rows.map((r) => [r.line, r.span, r.reject])).toEqual([[2, 2, undefined], [3, 1, 'expected 22 fields, found 23']]);
    expect(rows.map(decode).filter(isRejection).map((r) => r.line)).toEqual([3]);
  });

  it('folds an order whose rows straddle a batch boundary into one row', async () => {
    // Prepare: batches of two rows; #1001 spans rows 1-3.
    const table = await tableFrom(EXPORT, 'x.csv', 2);
    // Act
    const rows = await collect(detectPreset('channel-orders', table.header)!.apply(table, {}));
    // Assess
    expect(rows.map((r) => [r.values[1], r.span])).toEqual([['#1001', 3], ['#1002', 1]]);
  });
});
