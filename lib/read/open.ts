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
  /**
   * CSV: how many lines stand before the header, chosen by the caller once the file's first
   * lines are known (a mapping's `skip.before`). `header(n)` is the header the file has when
   * its first n lines are skipped (undefined: no line count, the default), or undefined when
   * that cannot be told from the first 64 KiB. The answer: a line count, or undefined for the
   * default — the first line that is neither blank nor all empty cells. Not called for JSON.
   */
  chooseHeader?: (header: (skip: number | undefined) => string[] | undefined) => number | undefined;
  /** Hash the file's bytes while they stream (Table.checksum). */
  checksum?: boolean;
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
  const bytes = await openBytes(source, { checksum: options.checksum, maxBytes: limits.fileBytes });
  const file = bytes.file;
  const pump = new TextPump(decodeUtf8(bytes.chunks)[Symbol.asyncIterator](), file, limits.lineChars);
  try {
    const { char: first, line } = await skipLeadingBlankLines(pump, 1);
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
        : await openCsv(pump, file, line, options.chooseHeader);
    const table = makeTable(pump, opened, { file, compressed: bytes.compressed, batchSize });
    if (options.checksum) table.checksum = bytes.checksum;
    return table;
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
  /** The line the header starts on (JSON: where the first row object starts). */
  headerLine: number;
  skippedBefore?: number;
}

/**
 * Skips whitespace-only lines at the start (consuming them, so a file of nothing but
 * whitespace never piles up in memory). Returns the first significant character (null when
 * there is none) and the number of the line it is on.
 */
async function skipLeadingBlankLines(pump: TextPump, from: number): Promise<{ char: string | null; line: number }> {
  let line = from;
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

async function openCsv(pump: TextPump, file: string, line: number, choose: OpenTableOptions['chooseHeader']): Promise<Opened> {
  await pump.ensure(DELIMITER_SAMPLE_CHARS);
  const skip = choose ? choose((n) => probeHeader(pump.text, pump.pos, pump.eof, line, n)) : undefined;
  let skippedBefore = 0;
  if (skip !== undefined && skip + 1 > line) {
    // The caller's count of lines before the header (blank ones included): skip the rest of them.
    const skipped = await skipLines(pump, skip + 1 - line, line);
    line = skipped.line;
    skippedBefore = skipped.nonBlank;
    const after = await skipLeadingBlankLines(pump, line);
    if (after.char === null) {
      throw new ReconError(ErrorCodes.FILE_EMPTY, `no header: the file ends within the ${skip} line${skip === 1 ? '' : 's'} skipped before it`, { file });
    }
    line = after.line;
  }
  // The header: the first record that is not all empty cells (`,,,,` lines before it are skipped).
  for (;;) {
    await pump.ensure(DELIMITER_SAMPLE_CHARS);
    const delimiter = detectDelimiter(pump.text, pump.pos, pump.eof);
    const parser = new CsvParser(file, delimiter);
    parser.maxChars = pump.maxItemChars;
    parser.line = line;
    const first: RawRow[] = [];
    await pump.fill(parser, first, 1);
    if (first.length === 0) {
      throw new ReconError(ErrorCodes.FILE_EMPTY, 'the file has no header row (only blank lines and lines of empty cells)', { file });
    }
    if (!allEmpty(first[0].values)) {
      return { format: 'csv', delimiter, header: first[0].values, parser, pending: [], headerLine: first[0].line, skippedBefore };
    }
    line = parser.line;
  }
}

function allEmpty(values: readonly string[]): boolean {
  for (const v of values) if (v.trim() !== '') return false;
  return true;
}

/** Skips `count` physical lines (LF, CRLF or a lone CR ends one): the line reached, and how many skipped held more than spaces. */
async function skipLines(pump: TextPump, count: number, line: number): Promise<{ line: number; nonBlank: number }> {
  let nonBlank = 0;
  let seen = false;
  while (count > 0) {
    await pump.ensure(pump.text.length - pump.pos + 1);
    const { text } = pump;
    let i = pump.pos;
    while (i < text.length && count > 0) {
      const c = text.charCodeAt(i);
      if (c === 13 && i + 1 === text.length && !pump.eof) break; // maybe half a CRLF
      i++;
      if (c === 10 || c === 13) {
        if (c === 13 && text.charCodeAt(i) === 10) i++;
        if (seen) nonBlank++;
        seen = false;
        count--;
        line++;
      } else if (c !== 32 && c !== 9) seen = true;
    }
    pump.pos = i;
    if (pump.eof && (count === 0 || i >= text.length)) break;
  }
  if (seen) nonBlank++;
  return { line, nonBlank };
}

/**
 * The header the text would give with its first `skip` lines skipped (undefined: none), found
 * in the buffered sample only: blank lines and records of empty cells are passed over, and
 * undefined is the answer when the sample ends first. `pos` is on line `line`.
 */
function probeHeader(text: string, pos: number, eof: boolean, line: number, skip: number | undefined): string[] | undefined {
  let p = pos;
  for (let k = skip === undefined ? 0 : skip + 1 - line; k > 0; k--) {
    const lf = text.indexOf('\n', p);
    const cr = text.indexOf('\r', p);
    if (lf < 0 && cr < 0) return undefined;
    p = cr >= 0 && (lf < 0 || cr < lf) ? (text.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1) : lf + 1;
  }
  for (let guard = 0; guard < 1000 && p < text.length; guard++) {
    const significant = /[^ \t\r\n]/g;
    significant.lastIndex = p;
    const found = significant.exec(text);
    if (!found) return undefined;
    p = Math.max(text.lastIndexOf('\n', found.index - 1), text.lastIndexOf('\r', found.index - 1), p - 1) + 1;
    const parser = new CsvParser('', detectDelimiter(text, p, eof));
    const out: RawRow[] = [];
    let end: number;
    try {
      end = parser.parse(text, p, eof, out, 1, undefined);
    } catch {
      return undefined;
    }
    if (out.length === 0) return undefined;
    if (!allEmpty(out[0].values)) return out[0].values;
    p = end;
  }
  return undefined;
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
  return { format: layout === 'ndjson' ? 'ndjson' : 'json', header: parser.header, parser, pending, headerLine: pending[0]?.line ?? line };
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
    headerLine: opened.headerLine,
    ...(opened.skippedBefore ? { skippedBefore: opened.skippedBefore } : {}),
    rows() {
      if (started) throw new Error(`rows() of ${info.file} was already called: a table is read once`);
      started = true;
      return batches(pump, opened, info.batchSize);
    },
  };
  if (opened.delimiter !== undefined) table.delimiter = opened.delimiter;
  const parser = opened.parser;
  if (parser instanceof JsonParser) table.duplicateKeys = () => parser.duplicateKeys;
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
