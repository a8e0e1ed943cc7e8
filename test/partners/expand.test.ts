/**
 * The row-by-row presets never lose or invent a row: for any export, every raw row comes out
 * once — as rows whose spans add up to it, skipped, or rejected alone when its width is wrong.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { presetByName } from '../../lib/partners/presets.ts';
import type { RawRow } from '../../lib/read/table.ts';
import { batchedTable } from './tables.ts';

const HEADERS: Record<string, string[]> = {
  'shipstation-shipments': ['Order - Number', 'Order - Status', 'Date - Ship Date', 'Shipment - Tracking Number', 'Item - SKU', 'Item - Qty'],
  'shopify-inventory': ['Handle', 'Title', 'Option1 Name', 'Option1 Value', 'SKU', 'Location', 'Available (not editable)', 'On hand (current)'],
  'amazon-fba-inventory': ['sku', 'fnsku', 'asin', 'product-name', 'afn-listing-exists', 'afn-warehouse-quantity'],
};

describe('row-by-row presets: rows are never lost', () => {
  const cellArb = fc.constantFrom('', 'Shipped', 'Awaiting Shipment', 'Yes', 'No', 'not stocked', '0', '3', '-1', 'x', '11/21/2026', '#1001', '__proto__');
  for (const [name, header] of Object.entries(HEADERS)) {
    it(`${name}: each raw row accounted for once, at its line, in the canonical width`, async () => {
      const preset = presetByName(name)!;
      expect(preset.matches(header)).toBe(true);
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ cells: fc.array(cellArb, { minLength: header.length, maxLength: header.length }), widthDelta: fc.constantFrom(0, 0, 0, 1, -1) }), { maxLength: 30 }),
          fc.integer({ min: 1, max: 5 }),
          async (spec, batch) => {
            // Prepare
            const raw: RawRow[] = spec.map((s, i) => {
              const values: string[] = [...s.cells];
              if (s.widthDelta > 0) values.push('extra');
              if (s.widthDelta < 0) values.pop();
              return { line: i + 2, values };
            });
            const table = batchedTable(header, raw, batch);
            // Act
            const applied = preset.apply(table, {});
            const out: RawRow[] = [];
            for await (const b of applied.rows()) out.push(...b);
            // Assess
            expect(out.reduce((n, r) => n + (r.span ?? 1), 0)).toBe(raw.length);
            expect([...new Set(out.map((r) => r.line))]).toEqual(raw.map((r) => r.line));
            expect(out.every((r) => r.values.length === applied.header.length)).toBe(true);
            const malformed = raw.filter((r) => r.values.length !== header.length).map((r) => r.line);
            expect(out.filter((r) => r.reject?.startsWith('expected ')).map((r) => r.line)).toEqual(malformed);
          },
        ),
        { numRuns: 150 },
      );
    });
  }
});
