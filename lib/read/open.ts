/**
 * openTable: a feed file (path or named stream) → a streamed Table.
 *
 *   bytes (file / S3 body) → gunzip if it starts with 1f 8b → strict UTF-8 text
 *     → format from the first non-space character ([ JSON array, { NDJSON or wrapping
 *       object, anything else CSV) → parser → rows in batches.
 *
 * openTable reads just enough to know the header (CSV: the first record; JSON: the first
 * row object), so header errors and empty files fail here; later errors surface from rows().
 */
import { ErrorCodes, ReconError } from '../errors.ts';
import { DEFAULT_LIMITS, type Limits } from '../limits.ts';
import { openBytes } from './bytes.ts';
import { CsvParser, detectDelimiter } from './csv.ts';
import { JsonParser, NO_ARRAY, PROBE_CHARS, type JsonLayout } from './json.ts';
import { TextPump, countLineBreaks, type TextParser } from './pump.ts';
import type { RawRow, Table, TableFormat, TableSource } from './table.ts';
import { decodeUtf8 } from './utf8.ts';

export interface OpenTableOptions {
  /** Rows per batch handed to the consumer (default 4096). */
  batchSize?: number;
  /** The content bytes and the line length a file may have (default DEFAULT_LIMITS). */
  limits?: Pick<Limits, 'fileBytes' | 'lineChars'>;
}

export const DEFAULT_BATCH_SIZE = 4096;

/** Text read before choosing the CSV delimiter (the header and, usually, the next record). */
const DELIMITER_SAMPLE_CHARS = 64 * 1024;

export async function openTable(source: TableSource, options: OpenTableOptions = {}): Promise<Table> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);

  const limits = options.limits ?? DEFAULT_LIMITS;
  const bytes = await openBytes(source, limits.fileBytes);
  const file = bytes.file;
  const pump = new TextPump(decodeUtf8(bytes.chunks)[Symbol.asyncIterator](), file, limits.lineChars);
  try {
    const { char: first, line } = await skipLeadingBlankLines(pump);
    if (first === null) {
      throw new ReconError(ErrorCodes.FILE_EMPTY, 'the file is empty (no header row, no JSON value)', { file });
    }
    if (first !== '[' && first !== '{' && /\.(json|ndjson|jsonl)(\.gz)?$/i.test(file)) {
      // Named as JSON, and not an array or object: say so, rather than read it as CSV.
      throw new ReconError(ErrorCodes.JSON_SYNTAX, `the file is named as JSON but does not start with an array or an object (found ${JSON.stringify(first)}): expected an array of objects, an object holding one, or NDJSON`, { file, line });
    }
    const opened =
      first === '[' || first === '{'
        ? await openJson(pump, file, line, first === '[' ? 'json' : await jsonLayout(pump, file, line))
        : await openCsv(pump, file, line);
    return makeTable(pump, opened, { file, compressed: bytes.compressed, batchSize });
  } catch (e) {
    await pump.close().catch(() => {});
    throw e;
  }
}

interface Opened {
  format: TableFormat;
  delimiter?: string;
  header: string[];
  parser: TextParser;
  /** Rows already parsed while looking for the header (JSON: the first row). */
  pending: RawRow[];
}

/**
 * Skips whitespace-only lines at the start (consuming them, so a file of nothing but
 * whitespace never piles up in memory). Returns the first significant character (null when
 * there is none) and the number of the line it is on.
 */
async function skipLeadingBlankLines(pump: TextPump): Promise<{ char: string | null; line: number }> {
  let line = 1;
  pump.lineAtEnd = (text, pos) => line + countLineBreaks(text, pos, text.length);
  for (;;) {
    await pump.ensure(pump.text.length - pump.pos + 1);
    const { text, pos } = pump;
    const significant = /[^ \t\r\n]/g;
    significant.lastIndex = pos;
    const found = significant.exec(text);
    const limit = found ? found.index : text.length;
    // Consume whole lines only: up to the last line break before `limit`.
    let cut = Math.max(text.lastIndexOf('\n', limit - 1), text.lastIndexOf('\r', limit - 1)) + 1;
    if (cut === text.length && text.charCodeAt(cut - 1) === 13 && !pump.eof) cut--; // maybe half a CRLF
    if (cut > pos) {
      line += countLineBreaks(text, pos, cut);
      pump.pos = cut;
    }
    if (found) return { char: found[0], line };
    if (pump.eof) return { char: null, line };
  }
}

async function openCsv(pump: TextPump, file: string, line: number): Promise<Opened> {
  await pump.ensure(DELIMITER_SAMPLE_CHARS);
  const delimiter = detectDelimiter(pump.text, pump.pos, pump.eof);
  const parser = new CsvParser(file, delimiter);
  parser.maxChars = pump.maxItemChars;
  parser.line = line;
  const first: RawRow[] = [];
  await pump.fill(parser, first, 1);
  // The text holds a non-space character, so there is a non-blank record: the header.
  return { format: 'csv', delimiter, header: first[0].values, parser, pending: [] };
}

/** NDJSON or a wrapping object? Named .ndjson/.jsonl: NDJSON; otherwise the content decides. */
async function jsonLayout(pump: TextPump, file: string, line: number): Promise<JsonLayout> {
  if (/\.(ndjson|jsonl)(\.gz)?$/i.test(file)) return 'ndjson';
  const probe = new JsonParser(file, 'ndjson', line);
  for (;;) {
    const verdict = probe.probe(pump.text, pump.pos, pump.eof);
    if (verdict === 'no-array') throw new ReconError(ErrorCodes.JSON_SYNTAX, NO_ARRAY, { file, line });
    if (verdict !== null) return verdict;
    // A first object larger than this is no NDJSON row: it is the wrapping object.
    if (pump.text.length - pump.pos >= Math.min(PROBE_CHARS, pump.maxItemChars)) return 'wrapped';
    await pump.ensure(2 * (pump.text.length - pump.pos));
  }
}

async function openJson(pump: TextPump, file: string, line: number, layout: JsonLayout): Promise<Opened> {
  const parser = new JsonParser(file, layout, line);
  parser.maxChars = pump.maxItemChars;
  const pending: RawRow[] = [];
  await pump.fill(parser, pending, 1);
  return { format: layout === 'ndjson' ? 'ndjson' : 'json', header: parser.header, parser, pending };
}

function makeTable(
  pump: TextPump,
  opened: Opened,
  info: { file: string; compressed: boolean; batchSize: number },
): Table {
  let started = false;
  const table: Table = {
    file: info.file,
    format: opened.format,
    compressed: info.compressed,
    header: opened.header,
    rows() {
      if (started) throw new Error(`rows() of ${info.file} was already called: a table is read once`);
      started = true;
      return batches(pump, opened, info.batchSize);
    },
  };
  if (opened.delimiter !== undefined) table.delimiter = opened.delimiter;
  const parser = opened.parser;
  if (parser instanceof CsvParser) {
    table.textRows = () => {
      if (started) throw new Error(`textRows() of ${info.file} after rows(): call it before reading`);
      parser.textRows = true;
    };
  }
  return table;
}

async function* batches(pump: TextPump, opened: Opened, batchSize: number): AsyncGenerator<RawRow[]> {
  let out = opened.pending;
  opened.pending = [];
  try {
    for (;;) {
      await pump.fill(opened.parser, out, batchSize);
      if (out.length === 0) return;
      const full = out.length >= batchSize;
      yield out;
      if (!full) return;
      out = [];
    }
  } finally {
    await pump.close();
  }
}
