/**
 * One call for the engine: given a feed and the table a reader produced, apply the user's
 * mapping or a partner preset, whichever applies, and say which. Order of precedence
 * (SPEC "The mapping file"):
 *   1. a mapping named explicitly (`mapping`, for library callers), else
 *   2. the first listed mapping whose `match` holds (files against the path, headers against
 *      the header) — or that extends a preset the header is, when it has no `match`, else
 *   3. a preset recognised from the header (unless `presets: false`), else
 *   4. the table unchanged (canonical columns, any spelling).
 */
import type { FeedName } from '../feeds/catalog.ts';
import type { Table } from '../read/table.ts';
import { chooseMapping, mapTable, mappingByName, type Mapping, type Unparsed } from './mapping.ts';
import { detectPreset, type AmazonTotal, type PresetProblem } from './presets.ts';

export interface PartnerOptions {
  mappings?: readonly Mapping[];
  /** Use this mapping (by name) for the file, whatever its header. */
  mapping?: string;
  /**
   * The mapping already chosen for this file (while its header was located, see
   * read-feed.ts), or null for none; undefined: choose here, from the table's header.
   */
  chosen?: Mapping | null;
  /** The path `match.files` sees: as given to the CLI, or the S3 key. */
  path?: string;
  /** Recognise partner presets from the header (default true). */
  presets?: boolean;
  amazonTotal?: AmazonTotal;
  /** amazon-fba-inventory: the facility_id of its stock (default `amazon-fba`). */
  amazonFbaFacility?: string;
  /** shipstation-shipments: the location_id of its shipments (default `shipstation`). */
  shipstationLocation?: string;
  /** Data problems found by a preset while the rows stream (shaped as `preset` warnings). */
  problems?: PresetProblem[] | ((problem: PresetProblem) => void);
  /** Fields whose values may be left out when they do not parse (the boundary does not use them). */
  lenient?: ReadonlySet<string>;
  /** Told of each value a mapping left out of a lenient field. */
  unparsed?: (u: Unparsed) => void;
}

export interface PreparedTable {
  table: Table;
  /** The preset or mapping applied (for FileStats.preset), if any. */
  preset?: string;
  via?: 'preset' | 'mapping';
  /** The file's column behind a canonical field, when a mapping reads one under another name. */
  columnOf?: (field: string) => string | undefined;
  /** The rows are the file's own (no transform, or a rename): the decoder checks a CSV row's width. */
  ownRows: boolean;
}

export function prepareTable(feed: FeedName, table: Table, options: PartnerOptions = {}): PreparedTable {
  const mappings = options.mappings ?? [];
  const m =
    options.mapping !== undefined
      ? mappingByName(options.mapping, feed, mappings, table.file)
      : options.chosen !== undefined
        ? (options.chosen ?? undefined)
        : chooseMapping(feed, mappings, options.path ?? table.file, () => table.header);
  if (m) {
    const mapped = mapTable(table, m, {
      lenient: options.lenient,
      unparsed: options.unparsed,
      preset: { amazonTotal: options.amazonTotal, amazonFbaFacility: options.amazonFbaFacility, shipstationLocation: options.shipstationLocation, problems: options.problems },
    });
    return { table: mapped.table, preset: m.name, via: 'mapping', columnOf: mapped.columnOf, ownRows: mapped.renamed };
  }
  if (options.presets !== false) {
    const p = detectPreset(feed, table.header);
    if (p) {
      const { amazonTotal, amazonFbaFacility, shipstationLocation, problems } = options;
      return { table: p.apply(table, { amazonTotal, amazonFbaFacility, shipstationLocation, problems }), preset: p.name, via: 'preset', ownRows: false };
    }
  }
  return { table, ownRows: true };
}
