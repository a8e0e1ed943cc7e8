/**
 * Amazon Seller Central's tab-separated order flat files, one row per item. Two presets share
 * this code — they differ in the order-ID column and in what else the report carries:
 *
 * - `amazon-orders`: the "All Orders" report (amazon-order-id, merchant-order-id,
 *   purchase-date, last-updated-date, order-status, fulfillment-channel, sales-channel, …,
 *   product-name, sku, asin, item-status, quantity, currency, item-price, item-tax,
 *   shipping-price, shipping-tax, …). status = order-status.
 * - `amazon-order-report`: the "Order Report" of seller-fulfilled orders, and the unshipped
 *   orders report (order-id, order-item-id, purchase-date, payments-date, buyer-email, …, sku,
 *   product-name, quantity-purchased, currency, item-price, item-tax, shipping-price,
 *   shipping-tax, …). No status column. Amazon splits an item over several lines when it does
 *   not fit on one (several promotions): the extra lines continue the order above them, with
 *   most columns blank — so a line with a blank order-id right after an order's rows belongs
 *   to that order.
 *
 * Out: one `channel-orders` row per order ID — channel `amazon`, placed_at = purchase-date,
 * currency, status. The reports have no order total: by default none is written (the
 * comparison is presence only); `amazonTotal` names the item columns to add up, exactly, over
 * the order's rows — promotion discounts taken off by their size, whatever their sign.
 */
import { abs, formatMoney, parseDecimal, type Decimal } from '../decimal.ts';
import { ErrorCodes, ReconError } from '../errors.ts';
import { normalizeHeader } from '../feeds/catalog.ts';
import type { RawRow, Table } from '../read/table.ts';
import { cell, columnIndex, firstValue, foldedTable } from './fold.ts';
import { AMAZON_DISCOUNT_COLUMNS, reportProblem, type Preset, type PresetOptions } from './types.ts';

interface AmazonReport {
  name: string;
  /** What the report is called in messages. */
  title: string;
  /** The order ID column. */
  id: string;
  /** Columns the header must carry (besides the ID), and columns it must not. */
  requires: string[];
  excludes: string[];
  /** The order status column, if the report has one. */
  status?: string;
  /** A line with a blank order ID right after an order continues it (the Order Report's split lines). */
  continuation: boolean;
}

function amazonItemReport(report: AmazonReport): Preset {
  const requires = [report.id, ...report.requires].map(normalizeHeader);
  const excludes = report.excludes.map(normalizeHeader);
  return {
    name: report.name,
    feed: 'channel-orders',

    matches(header) {
      const set = new Set(header.map(normalizeHeader));
      return requires.every((h) => set.has(h)) && !excludes.some((h) => set.has(h));
    },

    apply(table: Table, options: PresetOptions): Table {
      const col = columnIndex(table.header, table.file, report.name);
      const id = col(report.id);
      const purchaseDate = col('purchase-date');
      const currency = col('currency');
      const status = report.status === undefined ? -1 : col(report.status);

      const configured = options.amazonTotal ?? 'none';
      // The unshipped orders report carries no prices at all: presence only, said once.
      const priced = col('item-price') >= 0;
      if (configured !== 'none' && !priced) {
        reportProblem(options, {
          code: 'preset',
          preset: report.name,
          file: table.file,
          lines: [1],
          message: `amazonTotal "${configured}" is set, but this Amazon ${report.title} has no prices (no item-price column): its orders are compared on presence only`,
        });
      }
      const mode = priced ? configured : 'none';
      const sumColumns = mode === 'none' ? [] : mode.split('+');
      const discount = sumColumns.map((c) => AMAZON_DISCOUNT_COLUMNS.has(c));
      const sumIndexes = sumColumns.map((c) => {
        const i = col(c);
        if (i < 0) {
          throw new ReconError(
            ErrorCodes.MISSING_COLUMN,
            `amazonTotal "${mode}" adds up column ${c}, which this Amazon ${report.title} does not have`,
            { file: table.file, line: 1 },
          );
        }
        return i;
      });

      const header = ['channel', 'channel_order_id', 'placed_at', 'currency'];
      if (status >= 0) header.push('status');
      if (sumIndexes.length > 0) header.push('total');

      const problem = (group: RawRow[], r: RawRow, message: string) =>
        reportProblem(options, {
          code: 'preset',
          preset: report.name,
          file: table.file,
          lines: r === group[0] ? [r.line] : [group[0].line, r.line],
          key: { channel: 'amazon', channel_order_id: cell(group[0], id) },
          message: `Amazon order ${cell(group[0], id)}: ${message}`,
        });

      /** The exact sum of the configured columns; '' when no item carries any (e.g. a pending order). */
      const orderTotal = (group: RawRow[]): string => {
        let total: Decimal = 0n;
        let seen = false;
        for (const r of group) {
          for (let k = 0; k < sumIndexes.length; k++) {
            const text = cell(r, sumIndexes[k]);
            if (text === '') continue;
            const d = parseDecimal(text);
            if (!d.ok) {
              problem(group, r, `line ${r.line}: ${sumColumns[k]} ${d.reason}; the order total is left out`);
              return '';
            }
            total += discount[k] ? -abs(d.value) : d.value;
            seen = true;
          }
        }
        return seen ? formatMoney(total) : '';
      };

      const fold = (group: RawRow[]): string[] => {
        const cur = firstValue(group, currency);
        if (cur.row) {
          for (const r of group) {
            const v = cell(r, currency);
            if (v !== '' && v.toUpperCase() !== cur.value.toUpperCase()) {
              problem(group, r, `line ${r.line} has currency "${v}", line ${cur.row.line} has "${cur.value}"; kept "${cur.value}"`);
            }
          }
        }
        const out = ['amazon', cell(group[0], id), firstValue(group, purchaseDate).value, cur.value];
        if (status >= 0) out.push(firstValue(group, status).value);
        if (sumIndexes.length > 0) out.push(orderTotal(group));
        return out;
      };

      return foldedTable(table, header, id, fold, { continuation: report.continuation });
    },
  };
}

/** Seller Central's "All Orders" report. */
export const amazonOrders: Preset = amazonItemReport({
  name: 'amazon-orders',
  title: 'order report',
  id: 'amazon-order-id',
  requires: ['purchase-date'],
  excludes: [],
  status: 'order-status',
  continuation: false,
});

/** Seller Central's "Order Report" (new orders) and unshipped orders report. */
export const amazonOrderReport: Preset = amazonItemReport({
  name: 'amazon-order-report',
  title: 'Order Report',
  id: 'order-id',
  requires: ['order-item-id', 'purchase-date'],
  excludes: ['amazon-order-id'],
  continuation: true,
});
