/**
 * The pump: feeds text chunks to a parser and collects rows in batches.
 *
 * Parsers are written over a plain string (`text`, from `pos`): they consume whole items
 * (a CSV record, a JSON row object) and stop before an item that the text does not hold
 * completely. The pump then appends the next chunk(s) to the unconsumed rest and calls
 * again. To keep that linear even for a huge item (a quoted CSV field spanning megabytes),
 * it waits until the new text is at least as long as the pending rest (geometric growth),
 * and it refuses an item longer than MAX_ITEM_CHARS, so memory never grows with file size.
 */
import { ErrorCodes, ReconError } from '../errors.ts';
import { DEFAULT_LIMITS } from '../limits.ts';
import type { RawRow } from './table.ts';
import { asciiBytes } from './ascii.ts';
import { NotTextFault, type TextChunk } from './utf8.ts';

/** The longest single item (CSV record, JSON row, JSON value) accepted by default, in UTF-16 units (limits.lineChars). */
export const MAX_ITEM_CHARS = DEFAULT_LIMITS.lineChars;

export interface TextParser {
  /**
   * Parses items from text[pos..], appending rows to `out` until it holds `max` rows or the
   * text runs out. Returns the position reached: the start of the first item not parsed.
   * When `eof` is true the text is all there is: the parser consumes everything or throws.
   * `bytes`, when given, views the text's bytes, one per character (the text is ASCII).
   */
  parse(text: string, pos: number, eof: boolean, out: RawRow[], max: number, bytes: DataView | undefined): number;
  /** The line number at the end of text, given the parser stopped at `pos` (for errors found later). */
  lineAtEnd(text: string, pos: number): number;
  /** The error for an item longer than `limit` characters starting at text[pos]. */
  tooLong(text: string, pos: number, limit: number): ReconError;
}

export class TextPump {
  /** Buffered text; text[pos..] is not consumed yet. */
  text = '';
  pos = 0;
  /** The bytes of `text` when it is all ASCII (byte i is character i); otherwise undefined. */
  bytes: DataView | undefined = undefined;
  private ascii: Buffer | undefined = undefined;
  /** True once the input is exhausted (text holds all that remains). */
  eof = false;
  /** Locates the end of the buffered text for a NOT_TEXT error; a parser replaces it once it runs. */
  lineAtEnd: (text: string, pos: number) => number = (text) => 1 + countLineBreaks(text, 0, text.length);

  constructor(
    private readonly chunks: AsyncIterator<TextChunk>,
    private readonly file: string,
    /** The longest item accepted (limits.lineChars). */
    readonly maxItemChars = MAX_ITEM_CHARS,
  ) {}

  /** Reads chunks until at least `min` unconsumed characters are buffered, or the input ends. */
  async ensure(min: number): Promise<void> {
    if (this.eof || this.text.length - this.pos >= min) return;
    const parts = [this.text.slice(this.pos)];
    // The bytes stay aligned with the text while every part is ASCII (the empty rest is).
    const restBytes = this.ascii !== undefined ? this.ascii.subarray(this.pos) : asciiBytes(parts[0]);
    let ascii: Buffer[] | undefined = restBytes === undefined ? undefined : [restBytes];
    let have = parts[0].length;
    try {
      while (have < min) {
        const r = await this.chunks.next();
        if (r.done) {
          this.eof = true;
          break;
        }
        parts.push(r.value.text);
        have += r.value.text.length;
        if (ascii !== undefined) {
          if (r.value.ascii !== undefined) ascii.push(r.value.ascii);
          else ascii = undefined;
        }
      }
    } catch (e) {
      if (!(e instanceof NotTextFault)) throw e;
      const before = parts.join('');
      throw new ReconError(ErrorCodes.NOT_TEXT, e.message, { file: this.file, line: this.lineAtEnd(before, 0) });
    }
    // Chunks end where lines do (decodeUtf8), so the rest is mostly empty: then the new chunk
    // is the text as it is, with no copy.
    if (parts.length === 2 && parts[0] === '') {
      parts.shift();
      ascii?.shift();
    }
    this.text = parts.length === 1 ? parts[0] : parts.join('');
    this.pos = 0;
    this.ascii = ascii === undefined ? undefined : ascii.length === 1 ? ascii[0] : Buffer.concat(ascii);
    this.bytes = this.ascii === undefined ? undefined : new DataView(this.ascii.buffer, this.ascii.byteOffset, this.ascii.byteLength);
  }

  /** Parses rows into `out` until it holds `max` rows or the input is exhausted. */
  async fill(parser: TextParser, out: RawRow[], max: number): Promise<void> {
    this.lineAtEnd = (text, pos) => parser.lineAtEnd(text, pos);
    for (;;) {
      this.pos = parser.parse(this.text, this.pos, this.eof, out, max, this.bytes);
      if (out.length >= max) return;
      const rest = this.text.length - this.pos;
      if (this.eof) {
        if (rest > 0) throw new Error(`reader bug: parser left ${rest} characters at end of input`);
        return;
      }
      if (rest > this.maxItemChars) throw parser.tooLong(this.text, this.pos, this.maxItemChars);
      // Wait for at least as much new text as is pending, so a long item is re-scanned O(log n) times.
      await this.ensure(rest + Math.max(rest, 1));
    }
  }

  /** Releases the source (file handle, stream) when the reader stops early. */
  async close(): Promise<void> {
    await this.chunks.return?.();
  }
}

/** Line breaks in text[from..to): LF, CRLF (one break) and a lone CR. */
export function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) count++;
    else if (c === 13 && text.charCodeAt(i + 1) !== 10) count++;
  }
  return count;
}
