/**
 * `ebay-orders`: eBay's order downloads, in their two layouts.
 *
 * - Seller Hub's Orders report (Reports → Downloads → Orders): `Sales Record Number`, `Order
 *   Number`, `Buyer Username`, …, `Item Number`, `Item Title`, `Custom Label`, …, `Quantity`,
 *   `Sold For`, `Shipping And Handling`, …, `Total Price`, …, `Sale Date`, `Paid On Date`, …
 *   A line of empty cells comes before the header and another right after it; then one row per
 *   order line; after the rows, a blank line and the footer `N,record(s) downloaded,from … to …`
 *   and `Seller ID : …`. An order of several items is a summary row (the order's money, no
 *   `Item Number`) followed by one row per item, all with the order's `Sales Record Number`.
 * - Selling Manager's Sales History download (the older one): `Sales Record Number`, `User
 *   Id`, `Buyer Fullname`, …, `Item ID`, `Item Title`, `Quantity`, `Sale Price`, …, `Total
 *   Price`, …, `Sale Date`, … — with a blank line before the header, a header that may start
 *   with a tab, and the same kind of footer.
 * Both write money with its sign (`$19.50`; eBay's `US $19.50`, `AU $5.00`, `C $5.00` for
 * dollars of a named country; `£12.00`, `GBP 12.00`) and dates as `Jan-18-16` (or with a time).
 *
 * Out: one `channel-orders` row per order — channel `ebay`; channel_order_id = `Order Number`
 * (Seller Hub) or `Sales Record Number` (Sales History); total = `Total Price` (or `Total`) of
 * the order's summary row, or of its one row — an order without a summary row adds up its
 * rows' totals; currency = the ISO code written beside the amount, when there is one;
 * placed_at = `Sale Date` (no zone in the file: read as UTC; intake does not compare it).
 * Rows are grouped by `Sales Record Number`, consecutive as eBay writes them. Footer lines and
 * rows of empty cells are skipped and counted, never orders. A Seller Hub order with no `Order
 * Number` (a sale not paid for yet) is rejected with that reason.
 */
import { normalizeHeader } from '../feeds/catalog.ts';
import type { RawRow, Table } from '../read/table.ts';
import { formatMoney, parseDecimal, type Decimal } from '../decimal.ts';
import { cell, columnIndex, firstValue, foldedTable, type Folded } from './fold.ts';
import { reportProblem, type Preset, type PresetOptions } from './types.ts';
import { compileDateFormat, readLocalAmount } from './values.ts';

const has = (set: Set<string>, name: string) => set.has(normalizeHeader(name));

/**
 * A header cell as eBay meant it: Sales History's header line may start with a tab before its
 * first quoted name (`\t"Sales Record Number"`), which a CSV reader keeps as written.
 */
function ebayHeader(header: readonly string[]): string[] {
  return header.map((h) => h.trim().replace(/^"(.*)"$/s, '$1'));
}

/** eBay's dates: `Jan-18-16`, or with the time of day. */
const DATE_FORMATS = ['%b-%d-%y %H:%M:%S', '%b-%d-%y %H:%M', '%b-%d-%y'].map((f) => compileDateFormat(f));

function ebayDate(text: string): string {
  for (const read of DATE_FORMATS) {
    const iso = read(text);
    if (iso !== undefined) return iso;
  }
  return text; // not eBay's format: the decoder judges it as written
}

/** eBay's own way to mark dollars of other countries (`US $19.50`, `AU $5.00`, `C $5.00`). */
const DOLLARS = new Map([['US', 'USD'], ['AU', 'AUD'], ['C', 'CAD'], ['HK', 'HKD'], ['S', 'SGD'], ['NZ', 'NZD']]);
const EBAY_DOLLAR = /^(US|AU|C|HK|S|NZ)\s?\$\s?/;

/** An eBay amount → canonical decimal text and the ISO code written with it, if any. */
function ebayAmount(text: string): { value: string; currency?: string } | undefined {
  const dollar = EBAY_DOLLAR.exec(text);
  if (dollar) {
    const amount = readLocalAmount(text.slice(dollar[0].length));
    return amount && { value: amount.value, currency: DOLLARS.get(dollar[1]) };
  }
  return readLocalAmount(text, { currencySign: true });
}

const RECORD_COUNT = /^\d*\s*,?\s*record\(s\)\s+downloaded\b/i;
const SELLER_ID = /^seller\s*id\s*:/i;

/** Why a raw row of an eBay download is not an order line, if it is not. */
function notData(r: RawRow): string | undefined {
  const text = r.values.map((v) => v.trim()).join(',').replace(/,+$/, '');
  if (text === '') return 'a line of empty cells';
  if (RECORD_COUNT.test(text)) return `eBay's record-count footer: ${text.slice(0, 80)}`;
  if (SELLER_ID.test(text)) return "eBay's Seller ID footer";
  return undefined;
}

export const ebayOrders: Preset = {
  name: 'ebay-orders',
  feed: 'channel-orders',

  matches(header) {
    const set = new Set(ebayHeader(header).map(normalizeHeader));
    return has(set, 'Sales Record Number') && has(set, 'Sale Date') && (has(set, 'Total Price') || has(set, 'Total'));
  },

  apply(table: Table, options: PresetOptions): Table {
    const col = columnIndex(ebayHeader(table.header), table.file, 'ebay-orders');
    const record = col('Sales Record Number');
    const orderNumber = col('Order Number'); // Seller Hub only
    const item = [col('Item Number'), col('Item ID')].find((i) => i >= 0) ?? -1;
    const totalCol = col('Total Price') >= 0 ? col('Total Price') : col('Total');
    const saleDate = col('Sale Date');
    const sellerHub = orderNumber >= 0;

    const header = ['channel', 'channel_order_id', 'placed_at', 'total', 'currency'];

    const problem = (group: RawRow[], r: RawRow, id: string, message: string) =>
      reportProblem(options, {
        code: 'preset',
        preset: 'ebay-orders',
        file: table.file,
        lines: r === group[0] ? [r.line] : [group[0].line, r.line],
        key: { channel: 'ebay', channel_order_id: id },
        message: `eBay order ${id}: ${message}`,
      });

    /** The order's total and the ISO code beside it; a cell that is not an amount passes as written (the decoder rejects it). */
    const orderTotal = (group: RawRow[], id: string): { total: string; currency: string } => {
      // A summary row (no item number) holds the order's money when the order has several rows.
      const summary = group.length > 1 && item >= 0 ? group.find((r) => cell(r, item) === '') : undefined;
      const rows = summary ? [summary] : group;
      let sum: Decimal = 0n;
      let seen = false;
      let currency = '';
      for (const r of rows) {
        const text = cell(r, totalCol);
        if (text === '') continue;
        const amount = ebayAmount(text);
        const d = amount ? parseDecimal(amount.value) : undefined;
        if (!amount || !d || !d.ok) return { total: text, currency };
        if (amount.currency) {
          if (currency !== '' && currency !== amount.currency) problem(group, r, id, `line ${r.line} is in ${amount.currency}, the order in ${currency}; kept ${currency}`);
          if (currency === '') currency = amount.currency;
        }
        sum += d.value;
        seen = true;
      }
      return { total: seen ? formatMoney(sum) : '', currency };
    };

    const fold = (group: RawRow[]): Folded => {
      const id = sellerHub ? firstValue(group, orderNumber).value : cell(group[0], record);
      const { total, currency } = orderTotal(group, id);
      const date = firstValue(group, saleDate).value;
      const values = ['ebay', id, date === '' ? '' : ebayDate(date), total, currency];
      if (id === '' && sellerHub) {
        return { values, reject: `Sales Record Number ${cell(group[0], record)} has no Order Number (eBay gives one when the sale is paid)` };
      }
      return { values };
    };

    return foldedTable(table, header, record, fold, { skip: notData });
  },
};
