/**
 * The canonical feeds (SPEC: "Canonical feeds", contract field names). Each feed is a list
 * of field specs; its zod schema (schemas.ts) and the fast row decoder (decode.ts) are both
 * derived from them, and a property test holds the two to the same answers.
 */
import { ErrorCodes, ReconError } from '../errors.ts';
import type { FieldSpec } from './fields.ts';

export const BOUNDARIES = ['intake', 'fulfillment', 'inventory', 'financial'] as const;
export type BoundaryName = (typeof BOUNDARIES)[number];
export type SideName = 'channel' | 'oms' | 'warehouse' | 'erp';

export const FEED_NAMES = [
  'channel-orders',
  'oms-orders',
  'oms-allocations',
  'shipments',
  'oms-inventory',
  'warehouse-inventory',
  'oms-transactions',
  'erp-transactions',
] as const;
export type FeedName = (typeof FEED_NAMES)[number];

export interface FeedDef {
  name: FeedName;
  boundary: BoundaryName;
  side: SideName;
  fields: Readonly<Record<string, FieldSpec>>;
}

const key = (description: string, caseInsensitive = false): FieldSpec => ({ kind: 'key', required: true, caseInsensitive, description });
const optKey = (description: string): FieldSpec => ({ kind: 'key', required: false, description });
const text = (description: string): FieldSpec => ({ kind: 'text', required: false, description });
const money = (required: boolean, description: string): FieldSpec => ({ kind: 'money', required, description });
const quantity = (required: boolean, description: string): FieldSpec => ({ kind: 'quantity', required, description });
const currency: FieldSpec = { kind: 'currency', required: false, description: 'ISO 4217 code' };
const timestamp = (description: string): FieldSpec => ({ kind: 'timestamp', required: false, description });

export const ALLOCATION_STATUS = { allocated: 'allocated', fulfilled: 'fulfilled', cancelled: 'cancelled', canceled: 'cancelled' } as const;
export const TRANSACTION_TYPE = {
  sale: 'sale', invoice: 'sale', inv: 'sale',
  return: 'return', refund: 'return', credit: 'return', credit_memo: 'return', cm: 'return', rma: 'return',
} as const;

const channel = key('sales channel name (compared case-insensitively)', true);
const channelOrderId = key("the channel's order ID");

const specs: Record<FeedName, Omit<FeedDef, 'name'>> = {
  'channel-orders': {
    boundary: 'intake', side: 'channel',
    fields: {
      channel, channel_order_id: channelOrderId,
      placed_at: timestamp('when the order was placed'),
      total: money(false, 'order total'), currency,
      status: text('channel status (compared only as cancelled or not: cancelled, canceled, voided, void)'),
    },
  },
  'oms-orders': {
    boundary: 'intake', side: 'oms',
    fields: {
      channel, channel_order_id: channelOrderId,
      oms_order_id: optKey("the OMS's own order ID (identifies one capture)"),
      created_at: timestamp('when the OMS captured the order'),
      total: money(false, 'order total'), currency,
      status: text('OMS status (compared only as cancelled or not: cancelled, canceled, voided, void)'),
    },
  },
  'oms-allocations': {
    boundary: 'fulfillment', side: 'oms',
    fields: {
      order_id: key('order ID'), line_id: key('order line ID'), location_id: key('allocated location'),
      quantity: quantity(true, 'allocated units'),
      sku: text('SKU'),
      status: { kind: 'enum', required: false, values: ALLOCATION_STATUS, description: 'allocated | fulfilled | cancelled (default allocated)' },
      allocated_at: timestamp('when the OMS allocated the line'),
    },
  },
  shipments: {
    boundary: 'fulfillment', side: 'warehouse',
    fields: {
      order_id: key('order ID'), line_id: key('order line ID'), location_id: key('shipping location'),
      quantity: quantity(true, 'shipped units'),
      shipment_id: optKey('shipment / package ID (a repeated one is the same package)'),
      sku: text('SKU'), shipped_at: timestamp('ship time'), carrier: text('carrier'), tracking_number: text('tracking number'),
    },
  },
  'oms-inventory': {
    boundary: 'inventory', side: 'oms',
    fields: { sku: key('SKU'), facility_id: key('facility ID'), on_hand: quantity(true, 'units on hand'), as_of: timestamp('snapshot time') },
  },
  'warehouse-inventory': {
    boundary: 'inventory', side: 'warehouse',
    fields: { sku: key('SKU'), facility_id: key('facility ID'), on_hand: quantity(true, 'units counted'), counted_at: timestamp('count time') },
  },
  'oms-transactions': {
    boundary: 'financial', side: 'oms',
    fields: {
      order_id: key('order ID'),
      type: { kind: 'enum', required: true, values: TRANSACTION_TYPE, description: 'sale | invoice | INV, or return | refund | credit | credit_memo | CM | RMA' },
      amount: money(true, 'amount (returns compare by absolute value)'),
      document_id: optKey('document ID (a repeated one is the same document)'), currency, date: timestamp('transaction date'),
    },
  },
  'erp-transactions': {
    boundary: 'financial', side: 'erp',
    fields: {
      order_id: key('order ID'),
      type: { kind: 'enum', required: true, values: TRANSACTION_TYPE, description: 'invoice / sale, or credit memo / return' },
      amount: money(true, 'amount (credit memos may be negative)'),
      document_id: optKey('invoice / credit memo number'), currency, posted_at: timestamp('posting time'),
    },
  },
};

function defineFeed(name: FeedName): FeedDef {
  return { name, ...specs[name] };
}

export const FEEDS: Readonly<Record<FeedName, FeedDef>> = Object.fromEntries(
  FEED_NAMES.map((n) => [n, defineFeed(n)]),
) as Record<FeedName, FeedDef>;

/**
 * Optional fields a feed's boundary neither compares nor uses (SPEC: "Values a comparison
 * does not use"): a value there that does not parse is left out of its row — the row is used,
 * the file gets an `unparsed_values` warning — rather than rejecting the row. Fields that
 * cannot fail to parse (free text) need not be listed; `allocated_at` counts only while no
 * fulfillment SLA is set (the SLA reads it).
 */
const UNUSED: Readonly<Record<FeedName, readonly string[]>> = {
  'channel-orders': ['placed_at'],
  'oms-orders': ['created_at'],
  'oms-allocations': ['allocated_at'],
  shipments: ['shipped_at'],
  'oms-inventory': [],
  'warehouse-inventory': [],
  'oms-transactions': ['date'],
  'erp-transactions': ['posted_at'],
};

export function unusedFields(feed: FeedName, opts: { slaHours?: number } = {}): ReadonlySet<string> {
  const fields = new Set(UNUSED[feed]);
  if (opts.slaHours !== undefined) fields.delete('allocated_at');
  return fields;
}

export function feedFor(boundary: BoundaryName, side: SideName): FeedDef | undefined {
  return Object.values(FEEDS).find((f) => f.boundary === boundary && f.side === side);
}

export function isFeedName(s: string): s is FeedName {
  return (FEED_NAMES as readonly string[]).includes(s);
}

/** SPEC: headers match case-insensitively, ignoring spaces, `-` and `_`. */
export function normalizeHeader(h: string): string {
  return h.trim().toLowerCase().replace(/[\s\-_]+/g, '');
}

/**
 * Header columns that normalise to the same name, as [first, other] column indexes (0-based),
 * by normalised name. Only the names `wanted` says a reader uses are kept: a duplicated column
 * nothing reads (a partner export's `Notes` twice) is harmless, and is ignored like any other
 * unused column.
 */
export function duplicateColumns(header: readonly string[], wanted: (norm: string) => boolean): Map<string, [number, number]> {
  const first = new Map<string, number>();
  const dups = new Map<string, [number, number]>();
  header.forEach((h, i) => {
    const n = normalizeHeader(h);
    if (n === '') return;
    const at = first.get(n);
    if (at === undefined) first.set(n, i);
    else if (!dups.has(n) && wanted(n)) dups.set(n, [at, i]);
  });
  return dups;
}

/** E_DUPLICATE_COLUMN naming both columns (1-based, as a spreadsheet counts them) and what they would feed. */
export function duplicateColumnError(file: string, header: readonly string[], [a, b]: [number, number], reads: string, line?: number): ReconError {
  return new ReconError(
    ErrorCodes.DUPLICATE_COLUMN,
    `duplicate column: ${JSON.stringify(header[a])} (column ${a + 1}) and ${JSON.stringify(header[b])} (column ${b + 1}) are the same column ` +
      `once case, spaces, "-" and "_" are ignored, and both would be read as ${reads}: remove or rename one`,
    { file, line },
  );
}
