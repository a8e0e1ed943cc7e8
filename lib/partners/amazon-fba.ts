/**
 * `amazon-fba-inventory`: Amazon Seller Central's "Manage FBA Inventory" report
 * (GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA), a tab-separated flat file with one row per
 * seller SKU: sku, fnsku, asin, product-name, condition, your-price, mfn-listing-exists,
 * mfn-fulfillable-quantity, afn-listing-exists, afn-warehouse-quantity,
 * afn-fulfillable-quantity, afn-unsellable-quantity, afn-reserved-quantity,
 * afn-total-quantity, per-unit-volume, afn-inbound-working-quantity,
 * afn-inbound-shipped-quantity, afn-inbound-receiving-quantity (newer reports add more
 * afn- columns at the end).
 *
 * Out: a `warehouse-inventory` row per SKU — sku, facility_id = the configured facility
 * (`presets.amazonFbaFacility`, default `amazon-fba`: the report names no fulfilment
 * centre), on_hand = afn-warehouse-quantity (units in Amazon's fulfilment centres:
 * fulfillable + unsellable + reserved; inbound units are not on hand yet).
 *
 * A merchant-fulfilled listing (afn-listing-exists not `Yes`) with no units at Amazon is not
 * stock at the facility: skipped. One with units there (stranded stock) is read.
 */
import { normalizeHeader } from '../feeds/catalog.ts';
import type { Table } from '../read/table.ts';
import { expandedTable, quoted } from './expand.ts';
import { cell, columnIndex } from './fold.ts';
import type { Preset, PresetOptions } from './types.ts';

const SIGNATURE = ['sku', 'fnsku', 'asin', 'afn-warehouse-quantity'].map(normalizeHeader);
export const AMAZON_FBA_FACILITY = 'amazon-fba';

export const amazonFbaInventory: Preset = {
  name: 'amazon-fba-inventory',
  feed: 'warehouse-inventory',

  matches(header) {
    const set = new Set(header.map(normalizeHeader));
    return SIGNATURE.every((h) => set.has(h));
  },

  apply(table: Table, options: PresetOptions): Table {
    const col = columnIndex(table.header, table.file, 'amazon-fba-inventory');
    const sku = col('sku');
    const onHand = col('afn-warehouse-quantity');
    const afnListing = col('afn-listing-exists');
    const facility = options.amazonFbaFacility ?? AMAZON_FBA_FACILITY;
    return expandedTable(table, ['sku', 'facility_id', 'on_hand'], (r) => {
      const q = cell(r, onHand);
      if (afnListing >= 0) {
        const listed = cell(r, afnListing);
        if (listed.toLowerCase() !== 'yes' && (q === '' || /^[+-]?0+$/.test(q))) {
          return { skip: `merchant-fulfilled listing (afn-listing-exists ${quoted(listed)}) with no units at Amazon` };
        }
      }
      return [cell(r, sku), facility, q];
    });
  },
};
