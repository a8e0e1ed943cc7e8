/**
 * `shopify-inventory`: Shopify's inventory export CSV (Products → Inventory → Export), in
 * either of its layouts:
 *
 * - a row per variant and location (2023 on): Handle, Title, Option1 Name … Option3 Value,
 *   SKU, HS Code, COO, Location, [Bin name,] then the quantity columns — `Incoming`,
 *   `Unavailable`, `Committed`, `Available`, `On hand` (2023), or the same with
 *   ` (not editable)` and `On hand (current)` / `On hand (new)` (2024 on). facility_id =
 *   Location, on_hand = `On hand (current)`, else `On hand` (never `Available`, which leaves
 *   out committed and unavailable units; `On hand (new)` is the import column, blank or a
 *   copy on export);
 * - a column per location (the older export, and "Only Available quantities"): Handle, Title,
 *   options, SKU, then one column headed by each location's name. Each location column
 *   becomes a facility_id, so one raw row makes a canonical row per location (RawRow.parts):
 *   a bad cell rejects that location only — its reason names the column — and the row is
 *   counted once. These quantities are Shopify's Available counts: the file gets one
 *   `preset` warning saying so.
 *
 * A `not stocked` cell (the variant is never stocked there) is no stock record: the row is
 * skipped (a column-per-location row: that location gives no row). A variant without a SKU
 * cannot be matched by SKU: rejected, naming its Handle.
 *
 * Shopify can be the facility (warehouse-inventory) or, for a merchant whose OMS is Shopify,
 * the OMS's view of stock (oms-inventory): the same columns serve both.
 */
import { normalizeHeader } from '../feeds/catalog.ts';
import type { RawRow, Table } from '../read/table.ts';
import { expandedTable, quoted, type RowOut } from './expand.ts';
import { cell, columnIndex } from './fold.ts';
import { reportProblem, type Preset, type PresetOptions } from './types.ts';

const NAME = 'shopify-inventory';
const norm = (names: string[]): Set<string> => new Set(names.map(normalizeHeader));

/** Columns that identify a variant in both layouts. */
const IDENTITY = norm(['Handle', 'Title', 'Option1 Name', 'Option1 Value', 'Option2 Name', 'Option2 Value', 'Option3 Name', 'Option3 Value', 'SKU', 'HS Code', 'COO', 'Barcode', 'Bin name']);
/** The row-per-location layout's quantity columns, and its Location. */
const ROW_LAYOUT = norm([
  'Location', 'Incoming', 'Unavailable', 'Committed', 'Available', 'On hand',
  'Incoming (not editable)', 'Unavailable (not editable)', 'Committed (not editable)', 'Available (not editable)', 'On hand (current)', 'On hand (new)',
]);
/** Columns of Shopify's products export, which also has Handle and options: never an inventory file. */
const PRODUCTS_EXPORT = norm(['Body (HTML)', 'Vendor', 'Published', 'Variant SKU', 'Variant Price', 'Variant Inventory Qty', 'Image Src', 'URL handle', 'Description']);
const SIGNATURE = norm(['Handle', 'Option1 Name', 'Option1 Value', 'SKU']);
const NOT_STOCKED = 'not stocked';

type Layout = 'rows' | 'columns';

function layoutOf(header: readonly string[]): Layout | undefined {
  const set = new Set(header.map(normalizeHeader));
  for (const h of SIGNATURE) if (!set.has(h)) return undefined;
  for (const h of PRODUCTS_EXPORT) if (set.has(h)) return undefined;
  if (set.has(normalizeHeader('Location'))) {
    const quantities = ['On hand (current)', 'On hand', 'Available (not editable)', 'Available'];
    return quantities.some((q) => set.has(normalizeHeader(q))) ? 'rows' : undefined;
  }
  // A column per location: at least one column that is not a variant column.
  return header.some(isLocationColumn) ? 'columns' : undefined;
}

/** In the column-per-location layout: a column that is neither a variant column nor a quantity type. */
function isLocationColumn(h: string): boolean {
  const n = normalizeHeader(h);
  return n !== '' && !IDENTITY.has(n) && !ROW_LAYOUT.has(n);
}

/** A Shopify quantity cell: a whole number, possibly negative (Shopify writes no decimals). */
const WHOLE = /^[+-]?\d+$/;

export const shopifyInventory: Preset = {
  name: NAME,
  feed: 'warehouse-inventory',
  feeds: ['warehouse-inventory', 'oms-inventory'],

  matches(header) {
    return layoutOf(header) !== undefined;
  },

  apply(table: Table, options: PresetOptions): Table {
    const col = columnIndex(table.header, table.file, NAME);
    const handle = col('Handle');
    const sku = col('SKU');
    const header = ['sku', 'facility_id', 'on_hand'];
    const availableOnly = (column: string) =>
      reportProblem(options, {
        code: 'preset',
        preset: NAME,
        file: table.file,
        lines: [1],
        message:
          `${table.file} holds Shopify's Available quantities (${column}), not On hand: they are read as on_hand, so ` +
          `units committed to orders or unavailable count as missing. Export with "All quantity types" to compare On hand.`,
      });
    /** A variant without a SKU cannot be keyed: its reason names it by Handle. */
    const noSku = (r: RawRow): RowOut => ({ reject: `no SKU: the Shopify variant of Handle ${quoted(cell(r, handle))} cannot be matched by SKU` });

    if (layoutOf(table.header) === 'rows') {
      const location = col('Location');
      let onHand = col('On hand (current)');
      if (onHand < 0) onHand = col('On hand');
      if (onHand < 0) {
        onHand = col('Available (not editable)') >= 0 ? col('Available (not editable)') : col('Available');
        availableOnly(table.header[onHand]);
      }
      return expandedTable(table, header, (r) => {
        const s = cell(r, sku);
        if (s === '') return noSku(r);
        const q = cell(r, onHand);
        const where = cell(r, location);
        if (q.toLowerCase() === NOT_STOCKED) return { skip: `not stocked at ${quoted(where)}` };
        return [s, where, q];
      });
    }

    // A column per location: every column that is not a variant column is a location.
    const locations: Array<{ index: number; name: string }> = [];
    table.header.forEach((h, index) => {
      if (isLocationColumn(h)) locations.push({ index, name: h.trim() });
    });
    const named = locations.slice(0, 5).map((l) => quoted(l.name, 40)).join(', ');
    availableOnly(`one column per location: ${named}${locations.length > 5 ? ` and ${locations.length - 5} more` : ''}`);
    return expandedTable(table, header, (r) => {
      const s = cell(r, sku);
      if (s === '') return noSku(r);
      const parts: Array<string[] | { reject: string }> = [];
      for (const l of locations) {
        const q = cell(r, l.index);
        if (q.toLowerCase() === NOT_STOCKED) continue;
        if (WHOLE.test(q)) parts.push([s, l.name, q]);
        else parts.push({ reject: `location ${quoted(l.name, 40)}: ${q === '' ? 'no quantity' : `quantity ${quoted(q)} is not a whole number`} (expected a whole number or "not stocked")` });
      }
      return parts.length > 0 ? { parts } : { skip: 'not stocked at any location' };
    });
  },
};
