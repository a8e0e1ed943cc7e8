/**
 * `shopify-orders`: Shopify's orders export CSV (Admin → Orders → Export). One row per line
 * item; the order-level columns (Total, Currency, Created at, Financial Status, …) are filled
 * on the first row of each order and blank on the others, while `Name` (`#1001`) repeats.
 *
 * Out: one `channel-orders` row per order — channel `shopify`, channel_order_id = Name,
 * placed_at = Created at, total = Total, currency = Currency, status = `cancelled` when the
 * order's `Cancelled at` is set, else Financial Status (or Fulfillment Status when that is
 * blank). Shopify's own word for a voided payment authorisation, `voided`, is not a
 * cancellation (only `Cancelled at` says that): it is written `payment voided`, so the engine
 * never reads it as one. Rows of one order are consecutive; a Name seen again after another
 * order is a second record (the engine warns about the duplicate key).
 */
import { normalizeHeader } from '../feeds/catalog.ts';
import type { RawRow, Table } from '../read/table.ts';
import { cell, columnIndex, firstValue, foldedTable, orderValue, sameAmount, sameCode } from './fold.ts';
import { reportProblem, type Preset, type PresetOptions } from './types.ts';

/** Columns every Shopify orders export has (normalised); `Lineitem …` marks the per-item layout. */
const SIGNATURE = ['name', 'financialstatus', 'fulfillmentstatus'].map(normalizeHeader);
const LINE_ITEM = ['lineitemname', 'lineitemquantity', 'lineitemsku'];

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
    const cancelledAt = col('Cancelled at');

    const header = ['channel', 'channel_order_id'];
    if (createdAt >= 0) header.push('placed_at');
    if (total >= 0) header.push('total');
    if (currency >= 0) header.push('currency');
    if (financial >= 0 || fulfillment >= 0 || cancelledAt >= 0) header.push('status');

    /** A later row of the order with another Total or Currency: the first is kept, and reported. */
    const conflict = (label: string) => (group: RawRow[]) => (kept: { value: string; row: RawRow }, other: { value: string; row: RawRow }) => {
      const order = cell(group[0], name);
      reportProblem(options, {
        code: 'preset',
        preset: 'shopify-orders',
        file: table.file,
        lines: [kept.row.line, other.row.line],
        key: { channel: 'shopify', channel_order_id: order },
        message:
          `Shopify order ${order}: line ${other.row.line} has ${label} "${other.value}", but the order's row at line ` +
          `${kept.row.line} has "${kept.value}"; kept "${kept.value}"`,
      });
    };
    const totalConflict = conflict('Total');
    const currencyConflict = conflict('Currency');

    const fold = (group: RawRow[]): string[] => {
      const out = ['shopify', cell(group[0], name)];
      if (createdAt >= 0) out.push(firstValue(group, createdAt).value);
      if (total >= 0) out.push(orderValue(group, total, sameAmount, totalConflict(group)));
      if (currency >= 0) out.push(orderValue(group, currency, sameCode, currencyConflict(group)));
      if (financial >= 0 || fulfillment >= 0 || cancelledAt >= 0) out.push(orderStatus(group));
      return out;
    };

    /** `cancelled` when `Cancelled at` is set (Shopify fills it on the order's first row); else the payment or fulfilment status. */
    const orderStatus = (group: RawRow[]): string => {
      if (firstValue(group, cancelledAt).value !== '') return 'cancelled';
      const paid = firstValue(group, financial).value;
      if (paid !== '') return paid.toLowerCase() === 'voided' ? 'payment voided' : paid;
      return firstValue(group, fulfillment).value;
    };

    return foldedTable(table, header, name, fold);
  },
};
