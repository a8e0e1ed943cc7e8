/**
 * The types shared by the partner presets (kept apart from the registry in presets.ts so the
 * preset modules and the registry do not import each other).
 */
import type { FeedName } from '../feeds/catalog.ts';
import type { Table } from '../read/table.ts';
import type { Warning } from '../report/model.ts';

/** How an Amazon order's total is built from its item rows (SPEC: presence only by default). */
export const AMAZON_TOTALS = [
  'none',
  'item-price',
  'item-price+shipping-price',
  'item-price+item-tax+shipping-price+shipping-tax',
] as const;
export type AmazonTotal = (typeof AMAZON_TOTALS)[number];

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
  /** amazon-orders: which item columns add up to the order total (default `none`: no total). */
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
