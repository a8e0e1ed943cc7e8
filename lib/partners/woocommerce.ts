/**
 * `woocommerce-orders`: the orders CSV of WooCommerce's official "Customer / Order / Coupon
 * Export" extension, in its built-in formats:
 *
 * - "Default" (one row per order; the items sit in one `line_items` cell) and "Default - One
 *   Row per Item" (one row per line item, every order-level column repeated on each): snake
 *   case headers — order_id, order_number, [order_number_formatted,] date, status,
 *   shipping_total, …, order_total, refunded_total, order_currency, payment_method, …;
 * - "Legacy - Single Column for all Items" and "Legacy - One Row per Item": titled headers —
 *   Order ID, Date, Order Status, Shipping, …, Order Total, …, Download Permissions Granted.
 *
 * Out: one `channel-orders` row per order — channel `woocommerce`; channel_order_id = the
 * order number the shop shows (order_number_formatted, else order_number, else order_id: the
 * extension fills the number columns only when a custom order number is set, and WooCommerce's
 * own number is the order ID); placed_at = date (`Y-m-d H:i:s`, the shop's time, no offset);
 * total = order_total; currency = order_currency; status = status (`cancelled` is a
 * cancellation). Rows are grouped by order_id, consecutive as the extension writes them; a
 * later row of an order with another total or currency is reported (the first is kept).
 */
import { normalizeHeader } from '../feeds/catalog.ts';
import type { RawRow, Table } from '../read/table.ts';
import { cell, columnIndex, firstValue, foldedTable, orderValue, sameAmount, sameCode } from './fold.ts';
import { reportProblem, type Preset, type PresetOptions } from './types.ts';

interface Layout {
  signature: string[];
  id: string;
  numbers: string[];
  date: string;
  status: string;
  total: string;
  currency?: string;
}

const DEFAULT: Layout = {
  signature: ['order_id', 'status', 'order_total', 'order_currency'],
  id: 'order_id',
  numbers: ['order_number_formatted', 'order_number'],
  date: 'date',
  status: 'status',
  total: 'order_total',
  currency: 'order_currency',
};

const LEGACY: Layout = {
  signature: ['Order ID', 'Order Status', 'Order Total', 'Download Permissions Granted'],
  id: 'Order ID',
  numbers: [],
  date: 'Date',
  status: 'Order Status',
  total: 'Order Total',
};

function layoutOf(header: readonly string[]): Layout | undefined {
  const set = new Set(header.map(normalizeHeader));
  return [DEFAULT, LEGACY].find((l) => l.signature.every((h) => set.has(normalizeHeader(h))));
}

export const woocommerceOrders: Preset = {
  name: 'woocommerce-orders',
  feed: 'channel-orders',

  matches(header) {
    return layoutOf(header) !== undefined;
  },

  apply(table: Table, options: PresetOptions): Table {
    const layout = layoutOf(table.header)!;
    const col = columnIndex(table.header, table.file, 'woocommerce-orders');
    const id = col(layout.id);
    const numbers = layout.numbers.map(col).filter((i) => i >= 0);
    const date = col(layout.date);
    const status = col(layout.status);
    const total = col(layout.total);
    const currency = layout.currency === undefined ? -1 : col(layout.currency);

    const header = ['channel', 'channel_order_id', 'placed_at', 'total', 'status'];
    if (currency >= 0) header.push('currency');

    const conflict = (label: string, group: RawRow[]) => (kept: { value: string; row: RawRow }, other: { value: string; row: RawRow }) =>
      reportProblem(options, {
        code: 'preset',
        preset: 'woocommerce-orders',
        file: table.file,
        lines: [kept.row.line, other.row.line],
        key: { channel: 'woocommerce', channel_order_id: orderNumber(group) },
        message:
          `WooCommerce order ${orderNumber(group)}: line ${other.row.line} has ${label} "${other.value}", but line ` +
          `${kept.row.line} has "${kept.value}"; kept "${kept.value}"`,
      });

    /** The number the shop shows: a custom order number when the export carries one, else the order ID. */
    const orderNumber = (group: RawRow[]): string => {
      for (const i of numbers) {
        const v = firstValue(group, i).value;
        if (v !== '') return v;
      }
      return cell(group[0], id);
    };

    const fold = (group: RawRow[]): string[] => {
      const out = [
        'woocommerce',
        orderNumber(group),
        firstValue(group, date).value,
        orderValue(group, total, sameAmount, conflict('order total', group)),
        firstValue(group, status).value,
      ];
      if (currency >= 0) out.push(orderValue(group, currency, sameCode, conflict('currency', group)));
      return out;
    };

    return foldedTable(table, header, id, fold);
  },
};
