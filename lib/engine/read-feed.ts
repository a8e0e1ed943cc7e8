/**
 * Reading one feed file into records: open the table (any format), recognise a partner
 * preset or a user mapping from its header, decode every row, and account for every row —
 * `read = used + rejected + skipped`, per file.
 */
import type { Boundary, FileFacts } from '../boundaries/boundary.ts';
import type { ReconConfig } from '../config.ts';
import { ErrorCodes, ReconError } from '../errors.ts';
import { DEFAULT_LIMITS } from '../limits.ts';
import { normalizeHeader, type FeedDef } from '../feeds/catalog.ts';
import { compileDecoder, isRejection, mapHeader, type CanonRecord, type RowRejection } from '../feeds/decode.ts';
import { prepareTable } from '../partners/transform.ts';
import { openTable } from '../read/open.ts';
import type { TableSource } from '../read/table.ts';
import type { FileStats, Warning } from '../report/model.ts';

export interface FeedSink {
  /**
   * True when `record` copies what it keeps (as the CLI's group index does): rows then come
   * in one record object, overwritten by the next row, with no allocation per row.
   */
  readonly copies?: boolean;
  record(r: CanonRecord): void;
  reject(r: RowRejection): void;
  warn(w: Warning): void;
}

export interface FeedFileResult {
  stats: FileStats;
  facts: FileFacts;
}

export interface ReadFeedOptions {
  source: TableSource;
  feed: FeedDef;
  boundary: Boundary;
  /** Sortable order of this file among the run's files (newest wins). */
  version: string;
  config: ReconConfig;
  sink: FeedSink;
  /** Awaited after each batch of rows: where the pipeline flushes records to the store. */
  afterBatch?: () => Promise<void>;
}

export async function readFeedFile(opts: ReadFeedOptions): Promise<FeedFileResult> {
  const { feed, boundary, version, config, sink } = opts;
  const limits = config.limits ?? DEFAULT_LIMITS;
  const raw = await openTable(opts.source, { limits });
  const file = raw.file;
  const { table, preset: partnerFormat, via } = prepareTable(feed.name, raw, {
    mappings: config.mappings,
    amazonTotal: config.presets.amazonTotal,
    amazonFbaFacility: config.presets.amazonFbaFacility,
    shipstationLocation: config.presets.shipstationLocation,
    problems: (p) => sink.warn(p),
  });
  const facts: FileFacts = { file, side: feed.side, version };
  const stats: FileStats = { file, feed: feed.name, side: feed.side, format: raw.format, read: 0, used: 0, rejected: 0 };
  if (partnerFormat) stats.preset = partnerFormat;

  // JSON/NDJSON: the header is the union of the keys of the objects read so far, and an object
  // may leave a key out (exporters drop nulls). Such a row is rejected ("required value is
  // empty"), not the whole file; a required key that no object of the file carries is a
  // missing column, as in CSV (checked after the last row).
  const keyed = table.format !== 'csv';
  // A preset folds rows and builds its own cells: the width check belongs to the raw CSV.
  const strictWidth = table.format === 'csv' && via !== 'preset';
  // A CSV read as it is (no preset, no mapping): unquoted lines are decoded straight from the text.
  if (via === undefined && table.textRows) table.textRows();
  const compile = (h: readonly string[]) =>
    compileDecoder({ feed, header: keyed ? withRequiredKeys(feed, h) : h, file, version, strictWidth, delimiter: table.delimiter, reuse: sink.copies === true, limits });
  let width = table.header.length;
  let decode = compile(table.header);
  // A raw row made into several canonical rows (RawRow.parts): the parts still to come, and
  // what they add up to so far.
  let partsLeft = 0;
  let partSpan = 0;
  let partUsed = false;
  let partRejection: RowRejection | undefined;
  let firstSkip: { line: number; reason: string } | undefined;

  for await (const batch of table.rows()) {
    if (table.header.length !== width) {
      // JSON: a later object brought new keys.
      width = table.header.length;
      decode = compile(table.header);
    }
    for (let i = 0; i < batch.length; i++) {
      const row = batch[i];
      if (row.parts !== undefined || partsLeft > 0) {
        if (row.parts !== undefined) {
          partsLeft = row.parts;
          partSpan = row.span ?? 1;
          partUsed = false;
          partRejection = undefined;
          stats.read += partSpan;
        }
        const d = decode(row);
        if (isRejection(d)) {
          if (!partRejection) partRejection = { file: d.file, line: d.line, reason: d.reason };
          else if (!partRejection.reason.includes(d.reason)) partRejection.reason += `; ${d.reason}`;
        } else {
          partUsed = true;
          boundary.observe(d, facts);
          sink.record(d);
        }
        if (--partsLeft === 0) {
          // Used when any part became a record; its bad parts are listed all the same.
          if (partUsed) stats.used += partSpan;
          else stats.rejected += partSpan;
          if (partRejection) sink.reject(partRejection);
        }
        continue;
      }
      const span = row.span ?? 1;
      stats.read += span;
      if (row.skip !== undefined) {
        stats.skipped = (stats.skipped ?? 0) + span;
        firstSkip ??= { line: row.line, reason: row.skip };
        continue;
      }
      const d = decode(row);
      if (isRejection(d)) {
        stats.rejected += span;
        sink.reject(d);
      } else {
        stats.used += span;
        boundary.observe(d, facts);
        sink.record(d);
      }
    }
    if (opts.afterBatch) await opts.afterBatch();
  }
  if (stats.read === (stats.skipped ?? 0)) {
    if (firstSkip) {
      throw new ReconError(ErrorCodes.NO_ROWS, `no data rows: all ${stats.read} rows were skipped (line ${firstSkip.line}: ${firstSkip.reason})`, { file, line: firstSkip.line });
    }
    if (keyed) throw new ReconError(ErrorCodes.NO_ROWS, `no data rows (the JSON holds no row objects)`, { file });
    throw new ReconError(ErrorCodes.NO_ROWS, `no data rows (the file has a header only)`, { file, line: 2 });
  }
  if (keyed) mapHeader(feed, table.header, file); // throws MISSING_COLUMN for a key no object carried
  if (stats.used === 0) {
    sink.warn({ code: 'no_rows', message: `every row of ${file} was rejected`, file });
  }
  return { stats, facts };
}

/** The header plus the feed's required fields it does not carry (their cells read as empty). */
function withRequiredKeys(feed: FeedDef, header: readonly string[]): readonly string[] {
  const have = new Set(header.map(normalizeHeader));
  const missing = Object.entries(feed.fields)
    .filter(([name, spec]) => spec.required && !have.has(normalizeHeader(name)))
    .map(([name]) => name);
  return missing.length ? [...header, ...missing] : header;
}
