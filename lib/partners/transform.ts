/**
 * One call for the engine: given a feed and the table a reader produced, apply the user's
 * mapping or a partner preset, whichever applies, and say which. Order of precedence:
 *   1. a mapping named explicitly (`mapping`), else
 *   2. a user mapping whose `match.headers` the header carries (the user knows best), else
 *   3. a preset recognised from the header (unless `presets: false`), else
 *   4. the table unchanged (canonical columns, any spelling).
 */
import type { FeedName } from '../feeds/catalog.ts';
import type { Table } from '../read/table.ts';
import { applyMapping, detectMapping, mappingByName, type Mapping } from './mapping.ts';
import { detectPreset, type AmazonTotal, type PresetProblem } from './presets.ts';

export interface PartnerOptions {
  mappings?: readonly Mapping[];
  /** Use this mapping (by name) for the file, whatever its header. */
  mapping?: string;
  /** Recognise partner presets from the header (default true). */
  presets?: boolean;
  amazonTotal?: AmazonTotal;
  /** amazon-fba-inventory: the facility_id of its stock (default `amazon-fba`). */
  amazonFbaFacility?: string;
  /** shipstation-shipments: the location_id of its shipments (default `shipstation`). */
  shipstationLocation?: string;
  /** Data problems found by a preset while the rows stream (shaped as `preset` warnings). */
  problems?: PresetProblem[] | ((problem: PresetProblem) => void);
}

export interface PreparedTable {
  table: Table;
  /** The preset or mapping applied (for FileStats.preset), if any. */
  preset?: string;
  via?: 'preset' | 'mapping';
}

export function prepareTable(feed: FeedName, table: Table, options: PartnerOptions = {}): PreparedTable {
  const mappings = options.mappings ?? [];
  if (options.mapping !== undefined) {
    const m = mappingByName(options.mapping, feed, mappings, table.file);
    return { table: applyMapping(table, m), preset: m.name, via: 'mapping' };
  }
  const m = detectMapping(feed, table.header, mappings);
  if (m) return { table: applyMapping(table, m), preset: m.name, via: 'mapping' };
  if (options.presets !== false) {
    const p = detectPreset(feed, table.header);
    if (p) {
      const { amazonTotal, amazonFbaFacility, shipstationLocation, problems } = options;
      return { table: p.apply(table, { amazonTotal, amazonFbaFacility, shipstationLocation, problems }), preset: p.name, via: 'preset' };
    }
  }
  return { table };
}
