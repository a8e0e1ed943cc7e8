/**
 * CSV records from text (RFC 4180, leniently).
 *
 * Two paths:
 * - fast: a physical line with no quote and no lone CR is cut at each delimiter with
 *   indexOf. The positions of the next quote and CR are cached, so a file without quotes
 *   costs one indexOf('\n') per row plus one indexOf and one slice per cell.
 * - slow (`parseRecord`): a character state machine for quoted fields — embedded
 *   delimiters, doubled quotes, CR/LF inside quotes (kept as is, and counted as lines) —
 *   and for lone-CR line ends and the last record of a chunk.
 *
 * Leniency: a quote inside an unquoted field is a literal character; text after a closing
 * quote (`"ab"c`) is appended to the field. Only an empty physical line is blank (skipped).
 * Line breaks: LF, CRLF and a lone CR each end a line.
 */
import { ErrorCodes, ReconError } from '../errors.ts';
import type { RawRow } from './table.ts';
import { MAX_ITEM_CHARS, countLineBreaks, type TextParser } from './pump.ts';

const QUOTE = 34;
const LF = 10;
const CR = 13;

/** The `values` of a text row (never written). */
const NO_VALUES: string[] = [];

/** Candidate delimiters, in tie-break order. */
export const DELIMITERS = [',', '\t', ';', '|'] as const;

export class CsvParser implements TextParser {
  /** Line where the next record starts. */
  line = 1;
  /** Unquoted lines come as text rows (see Table.textRows). */
  textRows = false;
  /** Text row objects by position in a batch, reused from batch to batch. */
  private readonly pool: RawRow[] = [];
  private readonly delim: string;
  private readonly delimCode: number;

  // Results of the last parseRecord call (kept in fields to avoid an object per record).
  private cells: string[] = [];
  private recordLines = 0;
  private recordBlank = false;
  /** True when the last record needed leniency (a stray quote): used to rank delimiters. */
  private lenient = false;
  /** When parseRecord ran out of text inside a quoted field: the line where that field opened. */
  private openQuoteLine = 0;
  /** The longest record accepted (limits.lineChars; the pump refuses longer text still unparsed). */
  maxChars = MAX_ITEM_CHARS;

  constructor(
    private readonly file: string,
    delimiter: string,
  ) {
    this.delim = delimiter;
    this.delimCode = delimiter.charCodeAt(0);
  }

  parse(text: string, pos: number, eof: boolean, out: RawRow[], max: number, bytes: DataView | undefined): number {
    const n = text.length;
    const delim = this.delim;
    // Cached positions of the next LF, quote and CR at or after pos (n when none): each is
    // searched again only once pos has passed it, so a quote-free chunk costs one scan each.
    let nextLf = -1;
    let nextQuote = -1;
    let nextCr = -1;
    while (out.length < max && pos < n) {
      if (nextLf < pos) nextLf = indexOrEnd(text, '\n', pos);
      if (nextQuote < pos) nextQuote = indexOrEnd(text, '"', pos);
      if (nextCr < pos) nextCr = indexOrEnd(text, '\r', pos);
      const nl = nextLf;
      // Fast path: a complete line with no quote, and a CR (if any) only just before the LF.
      if (nl < n && nextQuote > nl && nextCr >= nl - 1) {
        const end = nextCr === nl - 1 ? nl - 1 : nl;
        if (end - pos > this.maxChars) throw this.tooLong(text, pos, this.maxChars);
        if (end > pos) {
          if (this.textRows) out.push(this.textRow(out.length, text, pos, end, bytes));
          else out.push({ line: this.line, values: splitLine(text, pos, end, delim) });
        }
        this.line++;
        pos = nl + 1;
        continue;
      }
      // Slow path: quotes, a lone CR, or the last (maybe partial) line of the text.
      const end = this.parseRecord(text, pos, eof);
      if (end < 0) break; // the record continues in text not read yet
      if (end - pos > this.maxChars) throw this.tooLong(text, pos, this.maxChars);
      if (!this.recordBlank) out.push({ line: this.line, values: this.cells });
      this.line += this.recordLines;
      pos = end;
    }
    return pos;
  }

  /**
   * The text row at position k of a batch: the object that held position k of the batch
   * before, overwritten (text rows are valid until the next batch is asked for).
   */
  private textRow(k: number, text: string, start: number, end: number, bytes: DataView | undefined): RawRow {
    const row = this.pool[k];
    if (row === undefined) return (this.pool[k] = { line: this.line, values: NO_VALUES, text, start, end, bytes });
    row.line = this.line;
    row.text = text;
    row.start = start;
    row.end = end;
    row.bytes = bytes;
    return row;
  }

  lineAtEnd(text: string, pos: number): number {
    return this.line + countLineBreaks(text, pos, text.length);
  }

  tooLong(text: string, pos: number, limit: number): ReconError {
    // Re-parse to learn whether the record is stuck inside a quoted field.
    this.openQuoteLine = 0;
    this.parseRecord(text, pos, false);
    if (this.openQuoteLine > 0) {
      return new ReconError(
        ErrorCodes.CSV_SYNTAX,
        `unclosed quote: the quoted field opened on line ${this.openQuoteLine} runs on for more than ${limit} characters (limits.lineChars)`,
        { file: this.file, line: this.openQuoteLine },
      );
    }
    return new ReconError(
      ErrorCodes.CSV_SYNTAX,
      `the row starting on line ${this.line} is longer than ${limit} characters (limits.lineChars)`,
      { file: this.file, line: this.line },
    );
  }

  /**
   * Parses one record starting at text[pos] into this.cells. Returns the position after its
   * line break (or the end of text), or -1 when the text ends before the record does and more
   * may come (`eof` false). Sets recordLines (line breaks consumed, inside quotes included)
   * and recordBlank (an empty physical line).
   */
  parseRecord(text: string, pos: number, eof: boolean): number {
    const n = text.length;
    const cells: string[] = [];
    let lines = 0;
    let i = pos;
    this.lenient = false;
    this.openQuoteLine = 0;
    for (;;) {
      // One field starting at i.
      let value: string;
      let quoted = false;
      if (i < n && text.charCodeAt(i) === QUOTE) {
        quoted = true;
        value = '';
        const openedAt = i;
        const openedOn = this.line + lines;
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0 || (q + 1 >= n && !eof)) {
            // Either no closing quote yet, or we cannot tell "" from a closing quote yet.
            if (!eof) {
              this.openQuoteLine = openedOn;
              return -1;
            }
            throw this.unclosedQuote(text, pos, openedAt, openedOn);
          }
          lines += countLineBreaks(text, i, q);
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += text.slice(i, q + 1); // a doubled quote is one literal quote
            i = q + 2;
          } else {
            value += text.slice(i, q);
            i = q + 1;
            break;
          }
        }
        // Lenient: anything between the closing quote and the delimiter belongs to the field.
        const stop = this.fieldEnd(text, i);
        if (stop > i) {
          this.lenient = true;
          value += text.slice(i, stop);
          i = stop;
        }
      } else {
        const stop = this.fieldEnd(text, i);
        value = text.slice(i, stop);
        if (value.indexOf('"') >= 0) this.lenient = true; // a stray quote: literal
        i = stop;
      }
      cells.push(value);

      // What ends the field: the delimiter, a line break, or the end of the text.
      if (i >= n) {
        if (!eof) return -1;
        this.finishRecord(cells, lines, quoted);
        return i;
      }
      const c = text.charCodeAt(i);
      if (c === this.delimCode) {
        i++;
        continue;
      }
      if (c === CR) {
        if (i + 1 >= n && !eof) return -1; // a CRLF may be split across chunks
        i += text.charCodeAt(i + 1) === LF ? 2 : 1;
      } else {
        i++; // LF
      }
      this.finishRecord(cells, lines + 1, quoted);
      return i;
    }
  }

  /** Index of the first delimiter, CR or LF at or after i (n when none). */
  private fieldEnd(text: string, i: number): number {
    const n = text.length;
    const d = this.delimCode;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === d || c === LF || c === CR) return i;
    }
    return n;
  }

  private finishRecord(cells: string[], lines: number, lastQuoted: boolean): void {
    this.cells = cells;
    this.recordLines = lines;
    this.recordBlank = cells.length === 1 && cells[0] === '' && !lastQuoted;
  }

  private unclosedQuote(text: string, recordStart: number, quoteAt: number, line: number): ReconError {
    // The record starts at a line start, so the quote's line starts at the last break before it.
    const lineStart = Math.max(text.lastIndexOf('\n', quoteAt - 1), text.lastIndexOf('\r', quoteAt - 1), recordStart - 1) + 1;
    return new ReconError(
      ErrorCodes.CSV_SYNTAX,
      `unclosed quote: the quoted field opened on line ${line} is never closed before the end of the file`,
      { file: this.file, line, column: quoteAt - lineStart + 1 },
    );
  }

  /**
   * For delimiter detection: the first non-blank record at or after pos, its cell count, the
   * position after it, and whether it needed leniency. Null when it is not complete in text.
   */
  probeRecord(text: string, pos: number, eof: boolean): { cells: number; end: number; clean: boolean } | null {
    try {
      while (pos < text.length) {
        const end = this.parseRecord(text, pos, eof);
        if (end < 0) return null;
        if (!this.recordBlank) return { cells: this.cells.length, end, clean: !this.lenient };
        pos = end;
      }
    } catch {
      // An unclosed quote under this candidate: no record (the real parse reports real errors).
    }
    return null;
  }
}

/** text[pos..end) split on the delimiter (indexOf + slice beats slice + split here). */
function splitLine(text: string, pos: number, end: number, delim: string): string[] {
  const values: string[] = [];
  for (;;) {
    const d = text.indexOf(delim, pos);
    if (d < 0 || d >= end) {
      values.push(text.slice(pos, end));
      return values;
    }
    values.push(text.slice(pos, d));
    pos = d + 1;
  }
}

function indexOrEnd(text: string, ch: string, from: number): number {
  const i = text.indexOf(ch, from);
  return i < 0 ? text.length : i;
}

/**
 * Picks the delimiter from the header record (and the next record when the text holds it):
 * for each candidate, count the header's fields (quote-aware). Rank: a clean parse into
 * several fields that the next record agrees with, then a clean parse into several fields,
 * then several fields agreeing with the next record, then the most fields; ties go to the
 * order `,` tab `;` `|`. A single-column header gives `,`.
 */
export function detectDelimiter(text: string, pos: number, eof: boolean): string {
  let best: string = DELIMITERS[0];
  let bestScore = -1;
  for (const d of DELIMITERS) {
    const probe = new CsvParser('', d);
    const header = probe.probeRecord(text, pos, eof);
    if (!header) continue;
    const next = probe.probeRecord(text, header.end, eof);
    const several = header.cells > 1;
    const agrees = next !== null && next.cells === header.cells;
    // Lexicographic rank packed into one number; header.cells < 2^20 in any sane header.
    const score =
      (several && header.clean && agrees ? 8 : 0) +
      (several && header.clean ? 4 : 0) +
      (several && agrees ? 2 : 0);
    const total = score * 2 ** 20 + Math.min(header.cells, 2 ** 20 - 1);
    if (total > bestScore) {
      best = d;
      bestScore = total;
    }
  }
  return best;
}
