/**
 * Partner export presets (SPEC: "Partner export formats"). A preset is recognised from a
 * file's header row alone — never from its name — and turns the partner's table into one
 * whose header is the canonical field names of a feed. Presets fold several export rows into
 * one canonical row (an order's line items) and say so in `RawRow.span`.
 */
import type { FeedName } from '../feeds/catalog.ts';
import { amazonOrderReport, amazonOrders } from './amazon.ts';
import { amazonFbaInventory } from './amazon-fba.ts';
import { ebayOrders } from './ebay.ts';
import { shipstationShipments } from './shipstation.ts';
import { shopifyInventory } from './shopify-inventory.ts';
import { shopifyOrders } from './shopify.ts';
import type { Preset } from './types.ts';
import { woocommerceOrders } from './woocommerce.ts';

export { AMAZON_TOTALS, reportProblem } from './types.ts';
export type { AmazonTotal, Preset, PresetOptions, PresetProblem } from './types.ts';

export const PRESETS: readonly Preset[] = [
  shopifyOrders,
  amazonOrders,
  amazonOrderReport,
  ebayOrders,
  woocommerceOrders,
  shipstationShipments,
  shopifyInventory,
  amazonFbaInventory,
];

/** The preset of `feed` whose signature the header carries, if any. */
export function detectPreset(feed: FeedName, header: string[]): Preset | undefined {
  return PRESETS.find((p) => (p.feeds ?? [p.feed]).includes(feed) && p.matches(header));
}

export function presetByName(name: string): Preset | undefined {
  return PRESETS.find((p) => p.name === name);
}
