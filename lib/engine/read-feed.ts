/**
 * Reading one feed file into records: open the table (any format), recognise a partner
 * preset or a user mapping from its header, decode every row, and account for every row —
 * `read = used + rejected + skipped`, per file.
 */
import type { Boundary, FileFacts } from '../boundaries/boundary.ts';
import type { ReconConfig } from '../config.ts';
import { ErrorCodes, ReconError } from '../errors.ts';
import { DEFAULT_LIMITS } from '../limits.ts';
import { normalizeHeader, unusedFields, type FeedDef } from '../feeds/catalog.ts';
import { compileDecoder, isRejection, mapHeader, type CanonRecord, type RowRejection } from '../feeds/decode.ts';
import { chooseMapping, skipBefore, type Mapping } from '../partners/mapping.ts';
import { prepareTable } from '../partners/transform.ts';
import { openTable } from '../read/open.ts';
import { bindingCheck } from './binding.ts';
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
  /** With `checksum`: the sha256 of the file's bytes. */
  checksum?: string;
}

export interface ReadFeedOptions {
  source: TableSource;
  feed: FeedDef;
  boundary: Boundary;
  /** Sortable order of this file among the run's files (newest wins). */
  version: string;
  config: ReconConfig;
  sink: FeedSink;
  /** Awaited after each batch of rows, with the counts so far: where the pipeline flushes records to the store and checkpoints. */
  afterBatch?: (progress: Readonly<FileStats>) => Promise<void>;
  /** The path a mapping's `match.files` and the partner binding (binding.ts) see (the pipeline: the S3 key); default the source's name. */
  path?: string;
  /** The time of the run (default: now): timestamps more than the configured skew after it are rejected. */
  now?: Date;
  /** Hash the file's bytes while reading them (FeedFileResult.checksum). */
  checksum?: boolean;
  /** Rows per batch (default the reader's): `afterBatch` runs this often. */
  batchSize?: number;
}

/** An `unparsed_values` warning: the values of one column left out of their rows. */
export interface UnparsedValuesWarning extends Warning {
  code: 'unparsed_values';
  file: string;
  column: string;
  count: number;
  /** The first line with such a value, and that value. */
  line: number;
  example: string;
}

/** Values left out of rows (SPEC "Values a comparison does not use"), one tally per column. */
class UnparsedValues {
  private readonly byColumn = new Map<string, { count: number; line: number; example: string; reason: string }>();
  constructor(private readonly file: string) {}

  add(column: string, line: number, value: string, reason: string): void {
    const t = this.byColumn.get(column);
    if (t) t.count++;
    else this.byColumn.set(column, { count: 1, line, example: value, reason });
  }

  warnings(): UnparsedValuesWarning[] {
    return [...this.byColumn].map(([column, t]) => ({
      code: 'unparsed_values',
      message:
        `${t.count} value${t.count === 1 ? '' : 's'} of column "${column}" could not be read and ${t.count === 1 ? 'was' : 'were'} left out ` +
        `(the comparison does not use this column: the rows are kept without them), first on line ${t.line}: ${t.reason}`,
      file: this.file,
      column,
      count: t.count,
      line: t.line,
      example: t.example,
    }));
  }
}

export async function readFeedFile(opts: ReadFeedOptions): Promise<FeedFileResult> {
  const { feed, boundary, version, config, sink } = opts;
  const limits = config.limits ?? DEFAULT_LIMITS;
  const path = opts.path ?? (typeof opts.source === 'string' ? opts.source : opts.source.name);
  // The mapping is chosen while the header is located: its `skip.before` says where the header is.
  let chosen: Mapping | null | undefined;
  const raw = await openTable(opts.source, {
    checksum: opts.checksum,
    batchSize: opts.batchSize,
    limits,
    chooseHeader: (headerAt) => {
      chosen = chooseMapping(feed.name, config.mappings, path, headerAt) ?? null;
      return skipBefore(chosen ?? undefined);
    },
  });
  const file = raw.file;
  const lenient = unusedFields(feed.name, config.fulfillment);
  const unparsed = new UnparsedValues(file);
  const prepared = prepareTable(feed.name, raw, {
    mappings: config.mappings,
    chosen,
    path,
    amazonTotal: config.presets.amazonTotal,
    amazonFbaFacility: config.presets.amazonFbaFacility,
    shipstationLocation: config.presets.shipstationLocation,
    problems: (p) => sink.warn(p),
    lenient,
    unparsed: (u) => unparsed.add(u.column, u.line, u.value, u.reason),
  });
  const { table, preset: partnerFormat, via } = prepared;
  const facts: FileFacts = { file, side: feed.side, version };
  const stats: FileStats = { file, feed: feed.name, side: feed.side, format: raw.format, read: 0, used: 0, rejected: 0 };
  if (partnerFormat) stats.preset = partnerFormat;
  if (raw.skippedBefore) {
    // Lines before the header that a mapping's `skip.before` passed over: read, and skipped.
    stats.read += raw.skippedBefore;
    stats.skipped = raw.skippedBefore;
  }

  // JSON/NDJSON: the header is the union of the keys of the objects read so far, and an object
  // may leave a key out (exporters drop nulls). Such a row is rejected ("required value is
  // empty"), not the whole file; a required key that no object of the file carries is a
  // missing column, as in CSV (checked after the last row).
  const keyed = table.format !== 'csv';
  // A preset or a mapping builds its own cells (and checks the raw CSV row's width itself).
  const strictWidth = table.format === 'csv' && prepared.ownRows;
  // A CSV read as it is (no preset, no mapping): unquoted lines are decoded straight from the text.
  if (via === undefined && table.textRows) table.textRows();
  const hours = config.timestamps.futureSkewHours;
  const future = { notAfter: new Date((opts.now ?? new Date()).getTime() + hours * 3_600_000).toISOString(), hours };
  const onUnparsed = (field: string, column: number, line: number, value: string, reason: string): void => {
    unparsed.add(prepared.columnOf?.(field) ?? table.header[column] ?? field, line, value.trim(), reason.slice(field.length + 2));
  };
  /** Runs `f`; a missing column after a mapping is told with the mapping's name and the file's own header. */
  const header = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      // After a mapping, say so, and show the header as the file has it.
      if (via === 'mapping' && e instanceof ReconError && e.code === ErrorCodes.MISSING_COLUMN) {
        const missing = /missing required columns? (.*?) for feed/.exec(e.message)?.[1] ?? 'a required field';
        throw new ReconError(
          ErrorCodes.MISSING_COLUMN,
          `mapping "${partnerFormat}" gives no ${missing} for feed ${feed.name}, and the file has no such column (header: ${raw.header.map((x) => JSON.stringify(x)).join(', ')})`,
          { file, line: raw.headerLine ?? 1 },
          { cause: e },
        );
      }
      throw e;
    }
  };
  const compile = (h: readonly string[]) =>
    header(() =>
      compileDecoder({
        feed, header: keyed ? withRequiredKeys(feed, h) : h, file, version, strictWidth, delimiter: table.delimiter, reuse: sink.copies === true,
        lenient, unparsed: onUnparsed, future, limits,
      }),
    );
  let width = table.header.length;
  let decode = compile(table.header);
  // A raw row made into several canonical rows (RawRow.parts): the parts still to come, and
  // what they add up to so far.
  let partsLeft = 0;
  let partSpan = 0;
  let partUsed = false;
  let partRejection: RowRejection | undefined;
  let firstSkip: { line: number; reason: string } | undefined;
  // Partner binding: rows of a value the file's partner may not report are rejected.
  const bound = bindingCheck(config, feed.name, path);
  const decodeBound = (row: Parameters<typeof decode>[0]): ReturnType<typeof decode> => {
    const d = decode(row);
    if (bound === undefined || isRejection(d)) return d;
    const why = bound(d);
    return why === undefined ? d : { file, line: d.line, reason: why };
  };

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
        const d = decodeBound(row);
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
      const d = decodeBound(row);
      if (isRejection(d)) {
        stats.rejected += span;
        sink.reject(d);
      } else {
        stats.used += span;
        boundary.observe(d, facts);
        sink.record(d);
      }
    }
    if (opts.afterBatch) await opts.afterBatch(stats);
  }
  if (stats.read === (stats.skipped ?? 0)) {
    if (firstSkip) {
      throw new ReconError(ErrorCodes.NO_ROWS, `no data rows: all ${stats.read} rows were skipped (line ${firstSkip.line}: ${firstSkip.reason})`, { file, line: firstSkip.line });
    }
    if (keyed) throw new ReconError(ErrorCodes.NO_ROWS, `no data rows (the JSON holds no row objects)`, { file });
    throw new ReconError(ErrorCodes.NO_ROWS, `no data rows (the file has a header only)`, { file, line: (raw.headerLine ?? 1) + 1 });
  }
  if (keyed) header(() => mapHeader(feed, table.header, file)); // throws MISSING_COLUMN for a key no object carried
  for (const w of unparsed.warnings()) sink.warn(w);
  if (stats.used === 0) {
    sink.warn({ code: 'no_rows', message: `every row of ${file} was rejected`, file });
  }
  for (const [key, { line, count }] of raw.duplicateKeys?.() ?? []) {
    const more = count > 1 ? ` (${count} objects in all)` : '';
    sink.warn({ code: 'duplicate_json_key', message: `${file}:${line}: an object holds the key ${JSON.stringify(key)} twice: its last value is used${more}`, file, lines: [line] });
  }
  const checksum = raw.checksum?.();
  return checksum === undefined ? { stats, facts } : { stats, facts, checksum };
}

/** The header plus the feed's required fields it does not carry (their cells read as empty). */
function withRequiredKeys(feed: FeedDef, header: readonly string[]): readonly string[] {
  const have = new Set(header.map(normalizeHeader));
  const missing = Object.entries(feed.fields)
    .filter(([name, spec]) => spec.required && !have.has(normalizeHeader(name)))
    .map(([name]) => name);
  return missing.length ? [...header, ...missing] : header;
}
