/**
 * `shipstation-shipments`: ShipStation's order-items export (Orders → Export → Export Order
 * Items, or a custom export format), read as a `shipments` feed. ShipStation names each
 * field "<Group> - <Field>": `Order - Number`, `Order - Status`, `Date - Ship Date`,
 * `Shipment - Carrier`, `Shipment - Service`, `Shipment - Tracking Number`, `Item - SKU`,
 * `Item - Name`, `Item - Qty`, `Ship To - …`. One row per item: an order of three products
 * is three rows, each carrying the order's fields.
 *
 * Out: one `shipments` row per item row —
 * - order_id = `Order - Number`, as written: a store that numbers orders `#1001` sends
 *   `#1001`, another `1001`; nothing is stripped (a mapping that extends this preset can);
 * - line_id = `Item - SKU`: the export has no line number, so an order's line is its SKU
 *   (the OMS side must key allocation lines by SKU too);
 * - location_id = `presets.shipstationLocation` (default `shipstation`): the export names no
 *   warehouse per row (`Item - Location` is a bin, not a facility);
 * - quantity = `Item - Qty`; sku = `Item - SKU`; shipment_id and tracking_number =
 *   `Shipment - Tracking Number` (the same package in two exports is one shipment);
 *   carrier = `Shipment - Carrier` (or `Carrier - Name`); shipped_at = the ship date
 *   (`Date - Ship Date`, or `Shipment - Ship Date` / `Date - Shipped Date`), written
 *   `11/21/2026` or `11/21/2026 3:04 PM` and read as UTC.
 *
 * Rows that are not shipments are skipped and counted: an order whose `Order - Status` is not
 * `Shipped` (Awaiting Payment, Awaiting Shipment, On Hold, Cancelled), or, without a status
 * column, a row with neither a ship date nor a tracking number.
 */
import { normalizeHeader } from '../feeds/catalog.ts';
import type { Table } from '../read/table.ts';
import { expandedTable, quoted } from './expand.ts';
import { cell, columnIndex } from './fold.ts';
import type { Preset, PresetOptions } from './types.ts';
import { compileDateFormat } from './values.ts';

export const SHIPSTATION_LOCATION = 'shipstation';

const first = (col: (name: string) => number, names: string[]): number => {
  for (const n of names) {
    const i = col(n);
    if (i >= 0) return i;
  }
  return -1;
};

/** ShipStation writes dates the US way, with or without a time: each is read as UTC (shipped_at is not compared). */
const DATE_FORMATS = ['%m/%d/%Y', '%m/%d/%Y %I:%M %p', '%m/%d/%Y %I:%M:%S %p', '%m/%d/%Y %H:%M', '%m/%d/%Y %H:%M:%S'];

/** A ship date as ISO text; text in no ShipStation format passes as written (the decoder judges it). */
function shipDateReader(): (text: string) => string {
  const readers = DATE_FORMATS.map((f) => compileDateFormat(f));
  return (text) => {
    if (text === '') return '';
    for (const read of readers) {
      const iso = read(text);
      if (iso !== undefined) return iso;
    }
    return text;
  };
}

const QTY = ['Item - Qty', 'Item - Quantity'];
const SHIP_DATE = ['Date - Ship Date', 'Shipment - Ship Date', 'Date - Shipped Date'];
const TRACKING = ['Shipment - Tracking Number'];
const CARRIER = ['Shipment - Carrier', 'Carrier - Name'];
const STATUS = ['Order - Status'];
/** A shipment column: a file with none of these could be orders awaiting shipment, not shipments. */
const SHIPMENT_EVIDENCE = [...SHIP_DATE, ...TRACKING, ...STATUS].map(normalizeHeader);

export const shipstationShipments: Preset = {
  name: 'shipstation-shipments',
  feed: 'shipments',

  matches(header) {
    const set = new Set(header.map(normalizeHeader));
    return (
      set.has(normalizeHeader('Order - Number')) &&
      set.has(normalizeHeader('Item - SKU')) &&
      QTY.some((h) => set.has(normalizeHeader(h))) &&
      SHIPMENT_EVIDENCE.some((h) => set.has(h))
    );
  },

  apply(table: Table, options: PresetOptions): Table {
    const col = columnIndex(table.header, table.file, 'shipstation-shipments');
    const order = col('Order - Number');
    const sku = col('Item - SKU');
    const qty = first(col, QTY);
    const shipDate = first(col, SHIP_DATE);
    const tracking = first(col, TRACKING);
    const carrier = first(col, CARRIER);
    const status = first(col, STATUS);
    const location = options.shipstationLocation ?? SHIPSTATION_LOCATION;
    const isoDate = shipDateReader();

    const header = ['order_id', 'line_id', 'location_id', 'quantity', 'sku'];
    if (tracking >= 0) header.push('shipment_id', 'tracking_number');
    if (shipDate >= 0) header.push('shipped_at');
    if (carrier >= 0) header.push('carrier');

    return expandedTable(table, header, (r) => {
      const track = cell(r, tracking);
      const date = cell(r, shipDate);
      if (status >= 0) {
        const s = cell(r, status);
        if (s.toLowerCase() !== 'shipped') return { skip: `order status ${quoted(s)}: not shipped` };
      } else if (date === '' && track === '') {
        return { skip: 'no ship date and no tracking number: not shipped' };
      }
      const item = cell(r, sku);
      const out = [cell(r, order), item, location, cell(r, qty), item];
      if (tracking >= 0) out.push(track, track);
      if (shipDate >= 0) out.push(isoDate(date));
      if (carrier >= 0) out.push(cell(r, carrier));
      return out;
    });
  },
};
