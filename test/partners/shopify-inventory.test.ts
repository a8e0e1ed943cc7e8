/**
 * shopify-inventory: Shopify's inventory export in both layouts — a row per variant and
 * location (test/fixtures/partners/shopify-inventory/rows, the 2024 header) and a column per
 * location (…/columns, the older export) — as a warehouse-inventory or oms-inventory feed.
 */
import fc from 'fast-check';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../lib/config.ts';
import { reconcileFiles } from '../../lib/engine/reconcile.ts';
import { compileDecoder, isRejection } from '../../lib/feeds/decode.ts';
import { FEEDS } from '../../lib/feeds/catalog.ts';
import { detectPreset, type PresetProblem } from '../../lib/partners/presets.ts';
import type { RawRow } from '../../lib/read/table.ts';
import { readReport, run, tempDir } from '../cli/helpers.ts';
import { batchedTable, collect, tableFrom } from './tables.ts';

const DIR = 'test/fixtures/partners/shopify-inventory';
const ROWS = join(DIR, 'rows/inventory_export_1.csv');
const ROWS_OMS = join(DIR, 'rows/oms-inventory.csv');
const COLUMNS = join(DIR, 'columns/inventory_export_legacy.csv');
const COLUMNS_OMS = join(DIR, 'columns/oms-inventory.csv');
const rowsText = readFileSync(ROWS, 'utf8');
const columnsText = readFileSync(COLUMNS, 'utf8');

/** Shopify's 2024 inventory export header, as the help centre's "Inventory CSV file format" lists it. */
const HEADER_2024 =
  'Handle,Title,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,SKU,HS Code,COO,Location,Bin name,' +
  'Incoming (not editable),Unavailable (not editable),Committed (not editable),Available (not editable),On hand (current),On hand (new)';
/** The 2023 export: the same, before ` (not editable)` and `On hand (current)` / `(new)`. */
const HEADER_2023 =
  'Handle,Title,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,SKU,HS Code,COO,Location,Incoming,Unavailable,Committed,Available,On hand';

interface Out {
  line: number;
  span: number;
  parts?: number;
  skip?: string;
  reject?: string;
  values: string[];
}

async function apply(text: string, problems: PresetProblem[] = [], feed: 'warehouse-inventory' | 'oms-inventory' = 'warehouse-inventory') {
  const table = await tableFrom(text, 'inventory_export_1.csv');
  const preset = detectPreset(feed, table.header);
  expect(preset?.name).toBe('shopify-inventory');
  const out = preset!.apply(table, { problems });
  const rows: Out[] = (await collect(out)).map((r) => ({ line: r.line, span: r.span ?? 1, parts: r.parts, skip: r.skip, reject: r.reject, values: r.values }));
  return { header: out.header, rows };
}

const used = (rows: Out[]) => rows.filter((r) => r.skip === undefined && r.reject === undefined).map((r) => r.values);

describe('shopify-inventory: recognised from the header alone', () => {
  it.each([
    ['the 2024 export (a row per variant and location)', HEADER_2024.split(',')],
    ['the 2023 export', HEADER_2023.split(',')],
    ['the export in another header casing', HEADER_2024.toUpperCase().split(',')],
    ['the older export (a column per location)', columnsText.split('\n')[0].split(',')],
  ])('%s', (_, header) => {
    expect(detectPreset('warehouse-inventory', header)?.name).toBe('shopify-inventory');
    // Shopify as the OMS: the same export is the OMS's view of stock.
    expect(detectPreset('oms-inventory', header)?.name).toBe('shopify-inventory');
    expect(detectPreset('shipments', header)).toBeUndefined();
  });

  it.each([
    ['a Shopify products export', ['Handle', 'Title', 'Body (HTML)', 'Vendor', 'Option1 Name', 'Option1 Value', 'Variant SKU', 'Variant Inventory Qty']],
    ['the 2024 products export', ['URL handle', 'Title', 'Description', 'Option1 name', 'Option1 value', 'SKU', 'Inventory quantity']],
    ['canonical inventory', ['sku', 'facility_id', 'on_hand']],
    ['variant columns and nothing else', ['Handle', 'Title', 'Option1 Name', 'Option1 Value', 'SKU']],
  ])('not %s', (_, header) => {
    expect(detectPreset('warehouse-inventory', header)).toBeUndefined();
  });
});

describe('shopify-inventory: a row per variant and location', () => {
  it('reads SKU, Location and On hand (current) — not Available, not On hand (new)', async () => {
    // Act
    const { header, rows } = await apply(rowsText);
    // Assess: the export as Shopify writes it, with a byte-order mark and CRLF line ends.
    expect(rowsText.startsWith('\ufeffHandle,')).toBe(true);
    expect(rowsText).toContain('\r\n');
    expect(header).toEqual(['sku', 'facility_id', 'on_hand']);
    expect(used(rows)).toEqual([
      ['TEE-BLK-S', 'Main Warehouse', '10'], // Available 7: 2 committed, 1 unavailable
      ['TEE-BLK-S', 'Downtown Store', '4'],
      ['TEE-BLK-M', 'Main Warehouse', '15'],
      ['TEE-BLK-M', 'Downtown Store', '3'],
      ['MUG-12', 'Main Warehouse', '20'], // On hand (new) 25: an edit not yet imported
      ['MUG-12', 'Downtown Store', '6'],
      ['CAP-1', 'Main Warehouse', '8'],
      ['STICKER-SET', 'Main Warehouse', '-2'], // oversold: Shopify allows negative stock
    ]);
  });

  it('skips a `not stocked` location and rejects a variant without a SKU, naming its Handle', async () => {
    // Act
    const { rows } = await apply(rowsText);
    // Assess
    expect(rows.filter((r) => r.skip).map((r) => [r.line, r.skip])).toEqual([[9, 'not stocked at "Downtown Store"']]);
    expect(rows.filter((r) => r.reject).map((r) => [r.line, r.reject])).toEqual([[10, 'no SKU: the Shopify variant of Handle "sample-pack" cannot be matched by SKU']]);
    expect(rows.map((r) => r.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('reads `On hand` in the 2023 export', async () => {
    // Prepare
    const text = `${HEADER_2023}\ncap-1,Cap,Title,Default Title,,,,,CAP-1,,,Main Warehouse,0,0,2,6,8\n`;
    // Act
    const { rows } = await apply(text);
    // Assess
    expect(used(rows)).toEqual([['CAP-1', 'Main Warehouse', '8']]);
  });

  it('with Available only, reads it and says so once in a warning', async () => {
    // Prepare
    const text = 'Handle,Title,Option1 Name,Option1 Value,SKU,Location,Available\ncap-1,Cap,Title,Default Title,CAP-1,Main Warehouse,6\n';
    const problems: PresetProblem[] = [];
    // Act
    const { rows } = await apply(text, problems);
    // Assess
    expect(used(rows)).toEqual([['CAP-1', 'Main Warehouse', '6']]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'preset', preset: 'shopify-inventory', lines: [1] });
    expect(problems[0].message).toContain('Available');
  });

  it('gives rows the canonical decoder accepts for both inventory feeds', async () => {
    for (const feed of ['warehouse-inventory', 'oms-inventory'] as const) {
      // Prepare
      const { header, rows } = await apply(rowsText, [], feed);
      const decode = compileDecoder({ feed: FEEDS[feed], header, file: 'f', version: '1', strictWidth: false });
      // Act
      const decoded = rows.filter((r) => !r.skip && !r.reject).map((r) => decode({ line: r.line, values: r.values }));
      // Assess
      expect(decoded.filter(isRejection)).toEqual([]);
      expect(decoded).toHaveLength(8);
    }
  });
});

describe('shopify-inventory: a column per location', () => {
  it('makes a row per location column, each location its facility_id', async () => {
    // Prepare
    const problems: PresetProblem[] = [];
    // Act
    const { rows } = await apply(columnsText, problems);
    // Assess
    // HS Code and COO are variant columns; a location's name may hold a comma (quoted in the header).
    expect(used(rows)).toEqual([
      ['TEE-BLK-S', 'Main Warehouse', '7'],
      ['TEE-BLK-S', 'Unit 4, Harbour Road', '4'],
      ['TEE-BLK-M', 'Main Warehouse', '12'],
      ['TEE-BLK-M', 'Unit 4, Harbour Road', '2'],
      ['MUG-12', 'Main Warehouse', '20'],
      ['MUG-12', 'Unit 4, Harbour Road', '6'],
      ['CAP-1', 'Main Warehouse', '8'], // Unit 4: not stocked, no row
    ]);
    // These are Available counts, and the report says so.
    expect(problems.map((p) => p.message)).toEqual([expect.stringContaining('"Main Warehouse", "Unit 4, Harbour Road"')]);
  });

  it('names at most five locations in its warning, however many columns the export has', async () => {
    // Prepare
    const names = Array.from({ length: 300 }, (_, i) => `Store ${i + 1}`);
    const text = `Handle,Title,Option1 Name,Option1 Value,SKU,${names.join(',')}\ncap-1,Cap,Title,Default Title,CAP-1,${names.map(() => '1').join(',')}\n`;
    const problems: PresetProblem[] = [];
    // Act
    const { rows } = await apply(text, problems);
    // Assess
    expect(used(rows)).toHaveLength(300);
    expect(problems[0].message).toContain('"Store 1", "Store 2", "Store 3", "Store 4", "Store 5" and 295 more');
  });

  it('counts each raw row once: its first part carries the span, the others none', async () => {
    // Act
    const { rows } = await apply(columnsText);
    // Assess
    expect(rows.map((r) => [r.line, r.span, r.parts ?? null, r.skip ?? r.reject ?? null])).toEqual([
      [2, 1, 2, null], [2, 0, null, null],
      [3, 1, 2, null], [3, 0, null, null],
      [4, 1, 2, null], [4, 0, null, null],
      [5, 1, 1, null],
      [6, 1, null, 'no SKU: the Shopify variant of Handle "sample-pack" cannot be matched by SKU'],
      [7, 1, null, 'not stocked at any location'], // `Not stocked`, any case
    ]);
  });

  it('rejects a bad cell of one location and keeps the others', async () => {
    // Prepare
    const text = 'Handle,Title,Option1 Name,Option1 Value,SKU,Main Warehouse,Downtown Store,Pop-up\ncap-1,Cap,Title,Default Title,CAP-1,8,1.5,\n';
    // Act
    const { rows } = await apply(text);
    // Assess
    expect(rows).toEqual([
      { line: 2, span: 1, parts: 3, skip: undefined, reject: undefined, values: ['CAP-1', 'Main Warehouse', '8'] },
      { line: 2, span: 0, parts: undefined, skip: undefined, reject: 'location "Downtown Store": quantity "1.5" is not a whole number (expected a whole number or "not stocked")', values: ['', '', ''] },
      { line: 2, span: 0, parts: undefined, skip: undefined, reject: 'location "Pop-up": no quantity (expected a whole number or "not stocked")', values: ['', '', ''] },
    ]);
  });

  it('for any export, the spans add up to the raw rows and every part has the canonical width', async () => {
    const cellArb = fc.constantFrom('0', '7', '-2', 'not stocked', 'Not Stocked', '', 'x', '1.5');
    const rowArb = fc.record({ sku: fc.constantFrom('', 'A', 'B'), cells: fc.array(cellArb, { minLength: 3, maxLength: 3 }), widthDelta: fc.constantFrom(0, 0, 0, 1, -1) });
    await fc.assert(
      fc.asyncProperty(fc.array(rowArb, { maxLength: 30 }), fc.integer({ min: 1, max: 5 }), async (spec, batch) => {
        // Prepare
        const header = ['Handle', 'Title', 'Option1 Name', 'Option1 Value', 'SKU', 'North', 'South', 'East'];
        const raw: RawRow[] = spec.map((s, i) => {
          const values = ['h', 't', 'Title', 'Default Title', s.sku, ...s.cells];
          if (s.widthDelta > 0) values.push('extra');
          if (s.widthDelta < 0) values.pop();
          return { line: i + 2, values };
        });
        const table = batchedTable(header, raw, batch);
        // Act
        const out = await collect(detectPreset('warehouse-inventory', header)!.apply(table, {}));
        // Assess
        expect(out.reduce((n, r) => n + (r.span ?? 1), 0)).toBe(raw.length);
        expect(out.every((r) => r.values.length === 3)).toBe(true);
        // Parts come together: a row with `parts` is followed by parts - 1 rows of its line and span 0.
        for (let i = 0; i < out.length; i++) {
          const n = out[i].parts;
          if (n === undefined) continue;
          for (let k = 1; k < n; k++) expect([out[i + k].line, out[i + k].span]).toEqual([out[i].line, 0]);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('shopify-inventory through the CLI', () => {
  it.each([
    ['a row per variant and location', ROWS, ROWS_OMS, 'Downtown Store', 'Main Warehouse', { read: 10, used: 8, rejected: 1, skipped: 1 }, 0],
    ['a column per location', COLUMNS, COLUMNS_OMS, 'Unit 4, Harbour Road', 'Unit 4, Harbour Road', { read: 6, used: 4, rejected: 1, skipped: 1 }, 1],
  ])('%s: only the planted discrepancies, every row counted', async (_, exportFile, omsFile, store, mismatchAt, counts, warnings) => {
    // Prepare
    const out = join(tempDir('shopify-inv-'), 'out');
    // Act
    const r = await run(['reconcile', 'inventory', '--oms', omsFile, '--warehouse', exportFile, '--out', out]);
    // Assess
    expect(r.code).toBe(1);
    const report = readReport(out);
    expect(report.discrepancies.map((d) => [d.type, d.key, d.offsetting]).sort()).toEqual(
      [
        ['missing_in_oms', { sku: 'MUG-12', facility_id: store }, false],
        ['missing_in_warehouse', { sku: 'CAP-1', facility_id: store }, false], // not stocked there, the OMS holds some
        ['quantity_mismatch', { sku: 'TEE-BLK-M', facility_id: mismatchAt }, false],
      ].sort(),
    );
    const file = report.files.find((f) => f.file === exportFile)!;
    expect(file).toMatchObject({ preset: 'shopify-inventory', ...counts });
    for (const f of report.files) expect(f.read, f.file).toBe(f.used + f.rejected + (f.skipped ?? 0));
    expect(report.rejected).toEqual([{ file: exportFile, line: expect.any(Number), reason: expect.stringContaining('Handle "sample-pack"') }]);
    expect(report.warnings.filter((w) => w.code === 'preset')).toHaveLength(warnings);
  });

  it('as the OMS side: Shopify on hand against a 3PL count', async () => {
    // Prepare: the 3PL counts what Shopify says, except one SKU.
    const dir = tempDir('shopify-inv-');
    const count = join(dir, 'count.csv');
    writeFileSync(count, 'sku,facility_id,on_hand\nTEE-BLK-S,Main Warehouse,10\nTEE-BLK-M,Main Warehouse,14\nMUG-12,Main Warehouse,20\nCAP-1,Main Warehouse,8\nSTICKER-SET,Main Warehouse,-2\n');
    // Act
    const r = await run(['reconcile', 'inventory', '--oms', ROWS, '--warehouse', count, '--out', join(dir, 'out')]);
    // Assess: Downtown Store has no 3PL count: a coverage gap, not a discrepancy per SKU.
    expect(r.code).toBe(1);
    const report = readReport(join(dir, 'out'));
    expect(report.discrepancies.map((d) => [d.type, d.key])).toEqual([['quantity_mismatch', { sku: 'TEE-BLK-M', facility_id: 'Main Warehouse' }]]);
    expect(report.files.find((f) => f.file === ROWS)).toMatchObject({ side: 'oms', preset: 'shopify-inventory' });
    expect(report.warnings.map((w) => w.code)).toContain('coverage_gap');
  });

  it("a bad cell in one location column: listed once, naming the column, and the row's other locations still count", async () => {
    // Prepare
    const dir = tempDir('shopify-inv-');
    const exportFile = join(dir, 'inventory_export.csv');
    writeFileSync(exportFile, 'Handle,Title,Option1 Name,Option1 Value,SKU,Main Warehouse,Downtown Store,Pop-up\ncap-1,Cap,Title,Default Title,CAP-1,8,1.5,x\n');
    const oms = join(dir, 'oms.csv');
    writeFileSync(oms, 'sku,facility_id,on_hand\nCAP-1,Main Warehouse,9\n');
    // Act
    const r = await run(['reconcile', 'inventory', '--oms', oms, '--warehouse', exportFile, '--out', join(dir, 'out')]);
    // Assess: Main Warehouse's 8 was compared (against 9), so the row is used; it is listed
    // once, with both bad cells.
    expect(r.code).toBe(1);
    const report = readReport(join(dir, 'out'));
    expect(report.discrepancies.map((d) => [d.type, d.key])).toEqual([['quantity_mismatch', { sku: 'CAP-1', facility_id: 'Main Warehouse' }]]);
    expect(report.rejected).toEqual([
      {
        file: exportFile,
        line: 2,
        reason:
          'location "Downtown Store": quantity "1.5" is not a whole number (expected a whole number or "not stocked"); ' +
          'location "Pop-up": quantity "x" is not a whole number (expected a whole number or "not stocked")',
      },
    ]);
    expect(report.files.find((f) => f.file === exportFile)).toMatchObject({ read: 1, used: 1, rejected: 0 });
  });

  it('a row none of whose locations can be read is rejected', async () => {
    // Prepare
    const dir = tempDir('shopify-inv-');
    const exportFile = join(dir, 'inventory_export.csv');
    writeFileSync(exportFile, 'Handle,Title,Option1 Name,Option1 Value,SKU,Main Warehouse,Downtown Store\ncap-1,Cap,Title,Default Title,CAP-1,8,2\nmug-12,Mug,Title,Default Title,MUG-12,?,\n');
    const oms = join(dir, 'oms.csv');
    writeFileSync(oms, 'sku,facility_id,on_hand\nCAP-1,Main Warehouse,8\nCAP-1,Downtown Store,2\n');
    // Act
    const r = await run(['reconcile', 'inventory', '--oms', oms, '--warehouse', exportFile, '--out', join(dir, 'out')]);
    // Assess
    expect(r.code).toBe(0);
    const report = readReport(join(dir, 'out'));
    expect(report.files.find((f) => f.file === exportFile)).toMatchObject({ read: 2, used: 1, rejected: 1 });
    expect(report.rejected).toEqual([{ file: exportFile, line: 3, reason: expect.stringMatching(/^location "Main Warehouse": .*; location "Downtown Store": no quantity/) }]);
  });

  it('gives the same report read on two threads as on one (the worker reads the preset too)', async () => {
    // Prepare
    const inputs = [
      { side: 'oms' as const, source: COLUMNS_OMS },
      { side: 'warehouse' as const, source: COLUMNS },
    ];
    // Act
    const one = await reconcileFiles({ boundary: 'inventory', inputs, config: DEFAULT_CONFIG, parallel: false });
    const two = await reconcileFiles({ boundary: 'inventory', inputs, config: DEFAULT_CONFIG, parallel: true });
    // Assess
    expect(two.discrepancies).toEqual(one.discrepancies);
    expect(two.files).toEqual(one.files);
    expect(two.rejected).toEqual(one.rejected);
    expect(two.discrepancies).toHaveLength(3);
  });

  it('two variants sharing a SKU at one location: the later is used, and a duplicate_key warning names both lines', async () => {
    // Prepare
    const dir = tempDir('shopify-inv-');
    const exportFile = join(dir, 'inventory_export.csv');
    writeFileSync(exportFile, `${HEADER_2023}\na,A,Title,Default Title,,,,,X-1,,,Main Warehouse,0,0,0,3,3\nb,B,Title,Default Title,,,,,X-1,,,Main Warehouse,0,0,0,4,4\n`);
    const oms = join(dir, 'oms.csv');
    writeFileSync(oms, 'sku,facility_id,on_hand\nX-1,Main Warehouse,4\n');
    // Act
    const r = await run(['reconcile', 'inventory', '--oms', oms, '--warehouse', exportFile, '--out', join(dir, 'out')]);
    // Assess
    expect(r.code).toBe(0);
    const report = readReport(join(dir, 'out'));
    expect(report.warnings).toEqual([expect.objectContaining({ code: 'duplicate_key', file: exportFile, lines: [2, 3] })]);
  });
});
