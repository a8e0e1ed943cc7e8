import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReconError } from '../../lib/errors.ts';
import { FEEDS } from '../../lib/feeds/catalog.ts';
import { compileDecoder, isRejection } from '../../lib/feeds/decode.ts';
import type { Table } from '../../lib/read/table.ts';
import { applyMapping, detectMapping, type Mapping } from '../../lib/partners/mapping.ts';
import { loadMappingFile, parseMappingText } from '../../lib/partners/mapping-file.ts';
import { prepareTable } from '../../lib/partners/transform.ts';
import { collect, records, tableFrom } from './tables.ts';
import { tempDir } from '../support/feeds.ts';

/** Removed after this file's tests. */
const scratch = tempDir();

const EBAY = {
  name: 'ebay-orders',
  feed: 'channel-orders',
  match: { headers: ['Sales Record Number', 'Order Number'] },
  columns: { channel_order_id: 'Order Number', total: 'Total Price', placed_at: 'Sale Date' },
  constants: { channel: 'ebay' },
};

function errorOf(f: () => unknown): ReconError {
  try {
    f();
  } catch (e) {
    if (e instanceof ReconError) return e;
    throw e;
  }
  throw new Error('expected a ReconError');
}

describe('mapping file validation', () => {
  it('accepts the documented example, with field names in any spelling', () => {
    // Prepare
    const text = JSON.stringify({ mappings: [{ ...EBAY, columns: { 'Channel Order ID': 'Order Number', TOTAL: 'Total Price' } }] });
    // Act
    const [m] = parseMappingText(text, 'mappings.json');
    // Assess
    expect(m).toEqual({ ...EBAY, columns: { channel_order_id: 'Order Number', total: 'Total Price' } });
  });

  it.each([
    ['an unknown field', { mappings: [{ ...EBAY, columns: { totl: 'Total Price' } }] }, 'mappings[0].columns.totl', 'unknown field "totl"'],
    ['an unknown feed', { mappings: [{ ...EBAY, feed: 'ebay' }] }, 'mappings[0].feed', ''],
    ['a field given twice', { mappings: [{ ...EBAY, constants: { channel: 'ebay', total: '0' } }] }, 'mappings[0].constants.total', 'already given'],
    ['a duplicate name', { mappings: [EBAY, EBAY] }, 'mappings[1].name', 'duplicate mapping name'],
    ['an unknown key (typo)', { mappings: [{ ...EBAY, colums: {} }] }, 'mappings[0]', ''],
    ['empty match headers', { mappings: [{ ...EBAY, match: { headers: [] } }] }, 'mappings[0].match.headers', ''],
    ['no mappings array', { mapping: [] }, '', ''],
  ])('rejects %s with CONFIG_INVALID naming the file and the path', (_, json, path, text) => {
    // Act
    const e = errorOf(() => parseMappingText(JSON.stringify(json, null, 2), 'conf/mappings.json'));
    // Assess
    expect(e.code).toBe('E_CONFIG_INVALID');
    expect(e.file).toBe('conf/mappings.json');
    expect(e.message).toContain(path);
    expect(e.message).toContain(text);
  });

  it('reports broken JSON with its line', () => {
    // Prepare
    const text = '{\n  "mappings": [\n    { "name": "x", }\n  ]\n}\n';
    // Act
    const e = errorOf(() => parseMappingText(text, 'm.json'));
    // Assess
    expect(e.code).toBe('E_CONFIG_INVALID');
    expect(e.describe()).toMatch(/^m\.json:3: mapping file is not valid JSON/);
  });

  it('reads a mapping file from disk, and names a missing one', () => {
    // Prepare
    const dir = mkdtempSync(join(scratch, 'mapping-'));
    const path = join(dir, 'mappings.json');
    writeFileSync(path, JSON.stringify({ mappings: [EBAY] }));
    // Act
    const loaded = loadMappingFile(path);
    const missing = errorOf(() => loadMappingFile(join(dir, 'nope.json')));
    // Assess
    expect(loaded.map((m) => m.name)).toEqual(['ebay-orders']);
    expect(missing).toMatchObject({ code: 'E_FILE_UNREADABLE', file: join(dir, 'nope.json') });
  });
});

const EBAY_EXPORT = [
  'Sales Record Number,Order Number,Buyer Username,Sale Date,Total Price,Total',
  '101,12-34567-89012,buyer1,2026-11-20,"$1,234.50",ignored',
  '102,12-34567-89013,buyer2,2026-11-21,19.99,ignored',
].join('\n');

const parsed = (): Mapping[] => parseMappingText(JSON.stringify({ mappings: [{ ...EBAY, columns: { ...EBAY.columns, total: 'Total Price' } }] }), 'm.json');

describe('applying a mapping', () => {
  it('renames columns, adds the constants and moves a colliding file column out of the way', async () => {
    // Prepare
    const table = await tableFrom(EBAY_EXPORT, 'ebay.csv');
    const [m] = parsed();
    // Act
    const out = applyMapping(table, m);
    const rows = await records(out);
    // Assess
    expect(out.header).toEqual(['Sales Record Number', 'channel_order_id', 'Buyer Username', 'placed_at', 'total', 'Total (replaced by mapping)', 'channel']);
    expect(rows.map((r) => [r.channel, r.channel_order_id, r.placed_at])).toEqual([
      ['ebay', '12-34567-89012', '2026-11-20'],
      ['ebay', '12-34567-89013', '2026-11-21'],
    ]);
  });

  it('does no per-row work for a pure rename: the reader\'s batches come through as they are', async () => {
    // Prepare
    const batches = [[{ line: 2, values: ['101', '12-1'] }], [{ line: 3, values: ['102', '12-2'] }]];
    const table: Table = { file: 'e.csv', format: 'csv', compressed: false, header: ['Sales Record Number', 'Order Number'], rows: async function* () { yield* batches; } };
    const m: Mapping = { name: 'r', feed: 'channel-orders', columns: { channel_order_id: 'Order Number' }, constants: {} };
    // Act
    const out = applyMapping(table, m);
    const seen: unknown[] = [];
    for await (const b of out.rows()) seen.push(b);
    // Assess
    expect(out.header).toEqual(['Sales Record Number', 'channel_order_id']);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(batches[0]);
    expect(seen[1]).toBe(batches[1]);
    expect(batches[0][0].values).toEqual(['101', '12-1']);
  });

  it('follows a JSON table whose header grows, padding rows so constants line up', async () => {
    // Prepare: the reader appends "note" to the header when the second object brings it.
    const header = ['Order Number'];
    const table: Table = {
      file: 'e.json', format: 'json', compressed: false, header,
      rows: async function* () {
        yield [{ line: 0, values: ['A'] }];
        header.push('note');
        yield [{ line: 0, values: ['B', 'hello'] }, { line: 0, values: ['C'] }];
      },
    };
    const m: Mapping = { name: 'r', feed: 'channel-orders', columns: { channel_order_id: 'Order Number' }, constants: { channel: 'ebay' } };
    const out = applyMapping(table, m);
    // Act
    const views: Array<Record<string, string>> = [];
    for await (const b of out.rows()) for (const r of b) views.push(Object.fromEntries(out.header.map((h, i) => [h, r.values[i]])));
    // Assess
    expect(views).toEqual([
      { channel_order_id: 'A', channel: 'ebay' },
      { channel_order_id: 'B', note: 'hello', channel: 'ebay' },
      { channel_order_id: 'C', note: '', channel: 'ebay' },
    ]);
  });

  it('keeps a malformed CSV row malformed, so the decoder still rejects it', async () => {
    // Prepare: line 3 has one cell too few — exactly as many as the constants add.
    const text = EBAY_EXPORT + '\n103,12-34567-89014,buyer3,2026-11-22,5.00';
    const out = applyMapping(await tableFrom(text, 'ebay.csv'), parsed()[0]);
    const decode = compileDecoder({ feed: FEEDS['channel-orders'], header: out.header, file: 'ebay.csv', version: '1', strictWidth: true });
    // Act
    const decoded = (await collect(out)).map(decode);
    // Assess: "$1,234.50" is not an amount either: the row is rejected with its line, like the short one.
    expect(decoded.filter(isRejection).map((r) => r.line)).toEqual([2, 4]);
  });

  it('picks the first listed mapping whose match headers the file has, not the one listing the most', () => {
    // Prepare
    const header = ['Sales Record Number', 'Order Number', 'Total Price'];
    const mappings: Mapping[] = [
      { name: 'loose', feed: 'channel-orders', match: { headers: ['order number'] }, columns: { channel_order_id: 'Order Number' }, constants: { channel: 'x' } },
      { name: 'tight', feed: 'channel-orders', match: { headers: ['ORDER_NUMBER', 'sales-record-number'] }, columns: { channel_order_id: 'Order Number' }, constants: { channel: 'ebay' } },
      { name: 'other-feed', feed: 'oms-orders', match: { headers: ['Order Number', 'Sales Record Number', 'Total Price'] }, columns: { channel_order_id: 'Order Number' }, constants: { channel: 'ebay' } },
    ];
    // Act / Assess
    expect(detectMapping('channel-orders', header, mappings)?.name).toBe('loose');
    expect(detectMapping('channel-orders', header, [mappings[1], mappings[0]])?.name).toBe('tight');
    expect(detectMapping('channel-orders', ['Order No'], mappings)).toBeUndefined();
    expect(detectMapping('oms-orders', header, mappings)?.name).toBe('other-feed');
  });
});

describe('prepareTable', () => {
  it('applies an explicitly named mapping, a matching mapping, a preset, or nothing', async () => {
    // Prepare
    const mappings = parsed();
    const shopify = await tableFrom('Name,Financial Status,Fulfillment Status,Lineitem name,Total\n#1,paid,,A,1.00', 's.csv');
    const canonical = await tableFrom('channel,channel_order_id\nweb,1', 'c.csv');
    // Act
    const viaMatch = prepareTable('channel-orders', await tableFrom(EBAY_EXPORT, 'e.csv'), { mappings });
    const viaName = prepareTable('channel-orders', await tableFrom(EBAY_EXPORT.replace('Sales Record Number', 'Record'), 'e.csv'), { mappings, mapping: 'ebay-orders' });
    const viaPreset = prepareTable('channel-orders', shopify, { mappings });
    const plain = prepareTable('channel-orders', await tableFrom('channel,channel_order_id\nweb,1', 'c.csv'), { mappings });
    const presetsOff = prepareTable('channel-orders', await tableFrom('Name,Financial Status,Fulfillment Status,Lineitem name\n#1,paid,,A', 's.csv'), { presets: false });
    // Assess
    expect([viaMatch.preset, viaMatch.via]).toEqual(['ebay-orders', 'mapping']);
    expect([viaName.preset, viaName.via]).toEqual(['ebay-orders', 'mapping']);
    expect([viaPreset.preset, viaPreset.via]).toEqual(['shopify-orders', 'preset']);
    expect(plain.preset).toBeUndefined();
    expect(presetsOff.preset).toBeUndefined();
    expect(() => prepareTable('channel-orders', canonical, { mappings, mapping: 'nope' })).toThrow(/no mapping named "nope"/);
    expect(() => prepareTable('oms-orders', canonical, { mappings, mapping: 'ebay-orders' })).toThrow(/is for feed channel-orders/);
  });
});
