/**
 * `amazon-orders`: Amazon Seller Central's order report (the tab-separated "All Orders"
 * flat file: amazon-order-id, merchant-order-id, purchase-date, last-updated-date,
 * order-status, fulfillment-channel, sales-channel, …, product-name, sku, asin, item-status,
 * quantity, currency, item-price, item-tax, shipping-price, shipping-tax, …). One row per item.
 *
 * Out: one `channel-orders` row per amazon-order-id — channel `amazon`, placed_at =
 * purchase-date, currency, status = order-status. The report has no order total: by default
 * none is written (the comparison is presence only); `amazonTotal` names the item columns
 * to add up, exactly, over the order's rows.
 */
import { formatMoney, parseDecimal, type Decimal } from '../decimal.ts';
import { ErrorCodes, ReconError } from '../errors.ts';
import { normalizeHeader } from '../feeds/catalog.ts';
import type { RawRow, Table } from '../read/table.ts';
import { cell, columnIndex, firstValue, foldedTable } from './fold.ts';
import { reportProblem, type Preset, type PresetOptions } from './types.ts';

const SIGNATURE = ['amazon-order-id', 'purchase-date'].map(normalizeHeader);

export const amazonOrders: Preset = {
  name: 'amazon-orders',
  feed: 'channel-orders',

  matches(header) {
    const set = new Set(header.map(normalizeHeader));
    return SIGNATURE.every((h) => set.has(h));
  },

  apply(table: Table, options: PresetOptions): Table {
    const col = columnIndex(table.header, table.file, 'amazon-orders');
    const id = col('amazon-order-id');
    const purchaseDate = col('purchase-date');
    const currency = col('currency');
    const status = col('order-status');

    const mode = options.amazonTotal ?? 'none';
    const sumColumns = mode === 'none' ? [] : mode.split('+');
    const sumIndexes = sumColumns.map((c) => {
      const i = col(c);
      if (i < 0) {
        throw new ReconError(
          ErrorCodes.MISSING_COLUMN,
          `amazonTotal "${mode}" adds up column ${c}, which this Amazon order report does not have`,
          { file: table.file, line: 1 },
        );
      }
      return i;
    });

    const header = ['channel', 'channel_order_id', 'placed_at', 'currency', 'status'];
    if (sumIndexes.length > 0) header.push('total');

    const problem = (group: RawRow[], r: RawRow, message: string) =>
      reportProblem(options, {
        code: 'preset',
        preset: 'amazon-orders',
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
          total += d.value;
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
      const out = [
        'amazon',
        cell(group[0], id),
        firstValue(group, purchaseDate).value,
        cur.value,
        firstValue(group, status).value,
      ];
      if (sumIndexes.length > 0) out.push(orderTotal(group));
      return out;
    };

    return foldedTable(table, header, id, fold);
  },
};
