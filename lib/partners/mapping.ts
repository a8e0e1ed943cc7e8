/**
 * The user mapping file: column mappings for partner exports no preset knows, written by
 * the team that runs the product (docs/feeds.md, "The mapping file"). A mapping renames a
 * file's columns to canonical field names and can add constant columns (`"channel": "ebay"`).
 * It applies to a file whose header contains all of its `match.headers`, or when named.
 */
import { ErrorCodes, ReconError } from '../errors.ts';
import { duplicateColumnError, duplicateColumns, normalizeHeader, type FeedName } from '../feeds/catalog.ts';
import type { RawRow, Table } from '../read/table.ts';

/** A validated mapping; `columns`/`constants` keys are canonical field names. */
export interface Mapping {
  name: string;
  feed: FeedName;
  match?: { headers: string[] };
  columns: Record<string, string>;
  constants: Record<string, string>;
}

/** Whether the header contains every `match.headers` column (normalised). */
export function mappingMatches(mapping: Mapping, header: readonly string[]): boolean {
  if (!mapping.match) return false;
  const set = new Set(header.map(normalizeHeader));
  return mapping.match.headers.every((h) => set.has(normalizeHeader(h)));
}

/**
 * The mapping of `feed` whose `match.headers` the header carries. When several match, the
 * most specific (most match headers) wins; on a tie, the first in the file.
 */
export function detectMapping(feed: FeedName, header: readonly string[], mappings: readonly Mapping[]): Mapping | undefined {
  let best: Mapping | undefined;
  for (const m of mappings) {
    if (m.feed !== feed || !mappingMatches(m, header)) continue;
    if (!best || m.match!.headers.length > best.match!.headers.length) best = m;
  }
  return best;
}

/** The mapping named `name` (for an explicit choice); CONFIG_INVALID when there is none for the feed. */
export function mappingByName(name: string, feed: FeedName, mappings: readonly Mapping[], file?: string): Mapping {
  const m = mappings.find((x) => x.name === name);
  if (!m) {
    const names = mappings.map((x) => x.name);
    throw new ReconError(
      ErrorCodes.CONFIG_INVALID,
      `no mapping named "${name}" (known: ${names.length ? names.join(', ') : 'none'})`,
      { file },
    );
  }
  if (m.feed !== feed) {
    throw new ReconError(ErrorCodes.CONFIG_INVALID, `mapping "${name}" is for feed ${m.feed}, not ${feed}`, { file });
  }
  return m;
}

/** Suffix given to a file column that would otherwise collide with a mapped or constant field. */
export const SHADOWED = ' (replaced by mapping)';

/**
 * The table with the mapping's columns renamed to canonical fields and its constants added
 * as columns at the end. A pure rename touches no row. A file column whose name already is a
 * field the mapping fills is renamed out of the way (`Total (replaced by mapping)`): the
 * mapping wins. The header follows a JSON table's header as it grows.
 */
export function applyMapping(table: Table, mapping: Mapping): Table {
  const rename = new Map(Object.entries(mapping.columns).map(([field, src]) => [normalizeHeader(src), field]));
  const filled = new Set([...Object.keys(mapping.columns), ...Object.keys(mapping.constants)].map(normalizeHeader));
  const constNames = Object.keys(mapping.constants);
  const constValues = Object.values(mapping.constants);

  let cachedFor = -1;
  let cached: string[] = [];
  const header = (): string[] => {
    const raw = table.header;
    if (raw.length !== cachedFor) {
      // Two file columns that both are the mapping's source of a field: stop, naming both.
      for (const [n, pair] of duplicateColumns(raw, (x) => rename.has(x))) {
        throw duplicateColumnError(table.file, raw, pair, `${rename.get(n)} by mapping ${mapping.name}`, table.format === 'csv' ? 1 : undefined);
      }
      const used = new Set<string>();
      const out = raw.map((h) => {
        const n = normalizeHeader(h);
        const field = rename.get(n);
        if (field !== undefined && !used.has(field)) {
          used.add(field);
          return field;
        }
        return filled.has(n) || field !== undefined ? h + SHADOWED : h;
      });
      cached = constNames.length ? [...out, ...constNames] : out;
      cachedFor = raw.length;
    }
    return cached;
  };

  const strictWidth = table.format === 'csv';
  const rows =
    constNames.length === 0
      ? () => table.rows()
      : async function* (): AsyncIterable<RawRow[]> {
          for await (const batch of table.rows()) {
            for (const r of batch) {
              const v = r.values;
              // JSON rows may be shorter than a header that grew: pad so the constants line up.
              // A CSV row keeps its width (L + k ≠ n + k), so a malformed row is still rejected.
              if (!strictWidth) while (v.length < table.header.length) v.push('');
              for (const c of constValues) v.push(c);
            }
            yield batch;
          }
        };

  return {
    file: table.file,
    format: table.format,
    delimiter: table.delimiter,
    compressed: table.compressed,
    get header() {
      return header();
    },
    rows,
  };
}
