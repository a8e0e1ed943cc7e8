/**
 * `shopify-orders`: Shopify's orders export CSV (Admin → Orders → Export). One row per line
 * item; the order-level columns (Total, Currency, Created at, Financial Status, …) are filled
 * on the first row of each order and blank on the others, while `Name` (`#1001`) repeats.
 *
 * Out: one `channel-orders` row per order — channel `shopify`, channel_order_id = Name,
 * placed_at = Created at, total = Total, currency = Currency, status = Financial Status (or
 * Fulfillment Status when that is blank). Rows of one order are consecutive; a Name seen
 * again after another order is a second record (the engine warns about the duplicate key).
 */
import { parseDecimal } from '../decimal.ts';
import { normalizeHeader } from '../feeds/catalog.ts';
import type { RawRow, Table } from '../read/table.ts';
import { cell, columnIndex, firstValue, foldedTable } from './fold.ts';
import { reportProblem, type Preset, type PresetOptions } from './types.ts';

/** Columns every Shopify orders export has (normalised); `Lineitem …` marks the per-item layout. */
const SIGNATURE = ['name', 'financialstatus', 'fulfillmentstatus'].map(normalizeHeader);
const LINE_ITEM = ['lineitemname', 'lineitemquantity', 'lineitemsku'];

function sameAmount(a: string, b: string): boolean {
  if (a === b) return true;
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  return x.ok && y.ok && x.value === y.value;
}

export const shopifyOrders: Preset = {
  name: 'shopify-orders',
  feed: 'channel-orders',

  matches(header) {
    const set = new Set(header.map(normalizeHeader));
    return SIGNATURE.every((h) => set.has(h)) && LINE_ITEM.some((h) => set.has(h));
  },

  apply(table: Table, options: PresetOptions): Table {
    const col = columnIndex(table.header, table.file, 'shopify-orders');
    const name = col('Name');
    const total = col('Total');
    const currency = col('Currency');
    const createdAt = col('Created at');
    const financial = col('Financial Status');
    const fulfillment = col('Fulfillment Status');

    const header = ['channel', 'channel_order_id'];
    if (createdAt >= 0) header.push('placed_at');
    if (total >= 0) header.push('total');
    if (currency >= 0) header.push('currency');
    if (financial >= 0 || fulfillment >= 0) header.push('status');

    const conflicts = (group: RawRow[], i: number, label: string, chosen: { value: string; row?: RawRow }, same: (a: string, b: string) => boolean) => {
      if (!chosen.row) return;
      for (const r of group) {
        if (r === chosen.row) continue;
        const v = cell(r, i);
        if (v !== '' && !same(v, chosen.value)) {
          const order = cell(group[0], name);
          reportProblem(options, {
            code: 'preset',
            preset: 'shopify-orders',
            file: table.file,
            lines: [chosen.row.line, r.line],
            key: { channel: 'shopify', channel_order_id: order },
            message:
              `Shopify order ${order}: line ${r.line} has ${label} "${v}", but the order's row at line ` +
              `${chosen.row.line} has "${chosen.value}"; kept "${chosen.value}"`,
          });
        }
      }
    };

    const fold = (group: RawRow[]): string[] => {
      const out = ['shopify', cell(group[0], name)];
      if (createdAt >= 0) out.push(firstValue(group, createdAt).value);
      if (total >= 0) {
        const t = firstValue(group, total);
        conflicts(group, total, 'Total', t, sameAmount);
        out.push(t.value);
      }
      if (currency >= 0) {
        const c = firstValue(group, currency);
        conflicts(group, currency, 'Currency', c, (a, b) => a.toUpperCase() === b.toUpperCase());
        out.push(c.value);
      }
      if (financial >= 0 || fulfillment >= 0) {
        const s = firstValue(group, financial);
        out.push(s.value !== '' ? s.value : firstValue(group, fulfillment).value);
      }
      return out;
    };

    return foldedTable(table, header, name, fold);
  },
};
