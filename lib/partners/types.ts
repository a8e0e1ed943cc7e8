/**
 * The types shared by the partner presets (kept apart from the registry in presets.ts so the
 * preset modules and the registry do not import each other).
 */
import type { FeedName } from '../feeds/catalog.ts';
import type { Table } from '../read/table.ts';
import type { Warning } from '../report/model.ts';

/** Common ways to build an Amazon order's total from its item lines (SPEC: presence only by default). */
export const AMAZON_TOTALS = [
  'none',
  'item-price',
  'item-price+shipping-price',
  'item-price+item-tax+shipping-price+shipping-tax',
] as const;

/** The item money columns of Amazon's order reports that `amazonTotal` may add up. */
export const AMAZON_MONEY_COLUMNS = [
  'item-price',
  'item-tax',
  'shipping-price',
  'shipping-tax',
  'gift-wrap-price',
  'gift-wrap-tax',
  'item-promotion-discount',
  'ship-promotion-discount',
] as const;

/** Discounts: taken off the total by their size, whichever sign the report writes them with. */
export const AMAZON_DISCOUNT_COLUMNS: ReadonlySet<string> = new Set(['item-promotion-discount', 'ship-promotion-discount']);

/**
 * How an Amazon order's total is built: `none` (presence only), or item money columns joined
 * by `+` (each at most once), added exactly over the order's lines — discounts subtracted.
 */
export type AmazonTotal = string;

/** Why `text` is not a valid `amazonTotal`, or undefined when it is. */
export function amazonTotalProblem(text: string): string | undefined {
  if (text === 'none') return undefined;
  const parts = text.split('+');
  const known = new Set<string>(AMAZON_MONEY_COLUMNS);
  const unknown = parts.filter((p) => !known.has(p));
  if (unknown.length > 0) {
    return `"${text}": ${unknown.map((u) => `"${u}"`).join(', ')} is not an Amazon item money column (use "none" or columns joined by "+": ${AMAZON_MONEY_COLUMNS.join(', ')})`;
  }
  if (new Set(parts).size !== parts.length) return `"${text}" names a column twice`;
  return undefined;
}

/**
 * A data problem a preset found while folding rows, e.g. two rows of one Shopify order with
 * different totals (the first is kept). Shaped as a report warning (code `preset`).
 */
export interface PresetProblem extends Warning {
  code: 'preset';
  preset: string;
  file: string;
  /** The lines involved: the order's first row, then the row that disagrees. */
  lines: number[];
  key?: Record<string, string>;
}

export interface PresetOptions {
  /** The Amazon presets: which item columns add up to the order total (default `none`: no total). */
  amazonTotal?: AmazonTotal;
  /** amazon-fba-inventory: the facility_id of Amazon's fulfilment network (default `amazon-fba`). */
  amazonFbaFacility?: string;
  /** shipstation-shipments: the location_id of every shipment (default `shipstation`). */
  shipstationLocation?: string;
  /** Where data problems go while the rows stream: an array to push onto, or a callback. */
  problems?: PresetProblem[] | ((problem: PresetProblem) => void);
}

export interface Preset {
  name: string;
  feed: FeedName;
  /**
   * Every feed the export can be read as, when more than `feed` (e.g. Shopify's inventory
   * export: the facility's count, or the OMS's on-hand when Shopify is the OMS).
   */
  feeds?: readonly FeedName[];
  /** True when the raw header row is this partner's export. */
  matches(header: string[]): boolean;
  /** The canonical table (lazy: rows are folded as they are read). */
  apply(table: Table, options: PresetOptions): Table;
}

/** Delivers a problem to the array or callback of the options (no-op without either). */
export function reportProblem(options: PresetOptions, problem: PresetProblem): void {
  const sink = options.problems;
  if (Array.isArray(sink)) sink.push(problem);
  else if (typeof sink === 'function') sink(problem);
}
