/**
 * What a feed reader hands the engine: a table with a header and rows in batches, read as
 * a stream. Readers know nothing about feeds or boundaries; they only turn bytes into
 * cells and say where each row starts.
 */
import type { Readable } from 'node:stream';

export type TableFormat = 'csv' | 'json' | 'ndjson';

export interface RawRow {
  /** 1-based physical line where the row starts (the CSV header is line 1). */
  line: number;
  /** Cells aligned with `Table.header` (a CSV row may have more or fewer: the decoder rejects it). */
  values: string[];
  /**
   * A text row (see `Table.textRows`): the row is the unquoted CSV line `text[start..end)`,
   * its cells split by the table's delimiter, and `values` is empty.
   */
  text?: string;
  start?: number;
  end?: number;
  /**
   * A text row's bytes when its text is ASCII: byte i is `text.charCodeAt(i)`, so cells may be
   * compared as bytes (cheaper than String methods for short values). Undefined otherwise.
   */
  bytes?: DataView;
  /**
   * Raw rows folded into this one by a partner preset (e.g. a Shopify export's line items
   * of one order). Absent means 1. Over a file, the spans add up to the data rows read.
   */
  span?: number;
  /**
   * Set by a transform (a partner preset) that found the raw row malformed — e.g. a CSV row
   * with another number of cells than the header — so it cannot be folded: the decoder
   * rejects the row with this reason. Its `values` are then blanks of the output width.
   */
  reject?: string;
  /**
   * Set by a transform (a preset or a mapping) that found the raw row is not data — a footer
   * such as eBay's `4, record(s) downloaded` — with the reason. The row is counted as read and
   * skipped (read = used + rejected + skipped), and never decoded.
   */
  skip?: string;
  /**
   * Set by a preset on a row it folded: the raw rows in it (`span` of them), so a mapping that
   * extends the preset folds its own values over the same rows (lib/partners/fold.ts sets it).
   */
  members?: RawRow[];
  /**
   * A raw row a transform made several canonical rows of (a column per location): they come
   * consecutively, the first carrying `parts` (their count) and the raw row's `span`, the
   * others `span: 0`. The raw row counts once: used when any part becomes a record, rejected
   * when none does; the reasons of its bad parts are listed as one rejection at its line.
   */
  parts?: number;
}

export interface Table {
  /** The name used in every message: the path the user gave, or `s3://bucket/key`. */
  file: string;
  format: TableFormat;
  /** CSV only: the detected delimiter. */
  delimiter?: string;
  /** True when the bytes were gzip (detected by magic number, not file name). */
  compressed: boolean;
  /**
   * Raw header cells. CSV: the first row. JSON/NDJSON: the keys of the first object; when a
   * later object has new keys they are appended (so a consumer re-maps when it grows).
   */
  header: string[];
  /** The line the header is on (1 unless lines before it were skipped); JSON: the first row's. */
  headerLine?: number;
  /** Non-blank lines passed over before the header because a count of lines was skipped (counted as skipped rows). */
  skippedBefore?: number;
  /** The data rows in file order, in batches. Iterate once. */
  rows(): AsyncIterable<RawRow[]>;
  /**
   * CSV only: unquoted lines come as text rows (`RawRow.text`) rather than split into cells,
   * for a consumer that reads cells straight from the text (the feed decoder). Quoted rows
   * still come split. Text row objects are reused: a batch's rows are valid until the next
   * batch is asked for. Call before rows().
   */
  textRows?(): void;
  /** With `OpenTableOptions.checksum`: the sha256 of the file's bytes, once every row was read (see ByteSource). */
  checksum?(): string | undefined;
  /**
   * JSON/NDJSON: member names an object held twice (`{"on_hand": 5, "on_hand": 7}`; the last
   * value is the one read, as JSON.parse does), each with the line of its first such object
   * and how many objects did so. Complete once every row was read.
   */
  duplicateKeys?(): ReadonlyMap<string, { line: number; count: number }>;
}

/** Where a table's bytes come from: a path on disk, or a named stream (S3 GetObject body). */
export type TableSource = string | { name: string; open: () => Readable | AsyncIterable<Uint8Array> };
