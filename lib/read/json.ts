/**
 * JSON rows from text, streamed: a JSON array of objects, an object holding one array of
 * objects (`{"generated_at": "…", "orders": [ … ]}`), or NDJSON (one object per line).
 *
 * The outer structure (brackets, commas, the wrapping object's members) is a small state
 * machine; each row object is parsed whole by a recursive-descent parser. When the text
 * ends inside an item the parser throws NEED_MORE, rewinds to the item's start and lets the
 * pump append more text — so a file is never held in memory, only one row at a time.
 *
 * Cells: strings unescaped; numbers keep their exact source text (`12.30`, `1e3`: money never
 * passes through binary floating point); true/false as words; null as ''; nested arrays and
 * objects as compact JSON text (numbers again verbatim).
 */
import { ErrorCodes, ReconError } from '../errors.ts';
import type { RawRow, TableFormat } from './table.ts';
import { MAX_ITEM_CHARS, type TextParser } from './pump.ts';

/** Thrown (not an Error: it is control flow) when the text ends inside an item. */
const NEED_MORE = Symbol('need more text');

/** Deeper nesting than this is refused (and protects the recursive parser's stack). */
const MAX_DEPTH = 256;

/** How much of a `{…` file is read to tell NDJSON from a wrapping object before assuming the latter. */
export const PROBE_CHARS = 1024 * 1024;

export type JsonLayout = Exclude<TableFormat, 'csv'> | 'wrapped';

const enum S {
  Start, // before the top-level value
  ArrFirst, // after '[': an element or ']'
  ArrNext, // after an element: ',' and the next element, or ']'
  ObjFirst, // after the wrapping '{': a member or '}'
  ObjNext, // after a member: ',' and the next member, or '}'
  Ndjson, // between NDJSON objects
  Done, // after the top-level value: only whitespace may follow
}

export class JsonParser implements TextParser {
  /** Grows in place as new keys appear (the Table's header array). */
  readonly header: string[] = [];
  /** The longest row object accepted (limits.lineChars; the pump refuses longer text still unparsed). */
  maxChars = MAX_ITEM_CHARS;
  private readonly keyIndex = new Map<string, number>();
  /** Per header name: true when its JSON text can be matched verbatim (no quote, backslash or LF). */
  private readonly plainKey: boolean[] = [];
  /** As many '' as the header has names: copied to start each row. */
  private readonly blankRow: string[] = [];
  /**
   * Per header name, the number of the last row object that set it: a member set twice in
   * one object is a duplicated key (one compare and one store a member: nothing measurable).
   */
  private readonly setIn: number[] = [];
  private rowNumber = 0;
  /** Member names an object held twice: the line of the first such object, and how many objects. */
  readonly duplicateKeys = new Map<string, { line: number; count: number }>();

  // Scanner state over the current text.
  private t = '';
  private n = 0;
  private i = 0;
  private eof = false;
  /** Line of position i, and the index where that line starts (for columns). */
  private line = 1;
  private lineStart = 0;
  /** Cached for parseString: positions of the next LF and the next backslash (-1: unknown). */
  private nextLf = -1;
  private nextEscape = -1;
  /** Characters between the line start and the position the last parse() returned. */
  private column0 = 0;

  private state = S.Start;
  /** Where the row array opened, for "not closed" errors. */
  private arrayLine = 0;
  /** The wrapping object's member holding the rows, once found. */
  private rowsKey: string | null = null;
  private rowsKeyLine = 0;
  /** Where the wrapping object opened. */
  private wrapLine = 1;

  constructor(
    private readonly file: string,
    private readonly layout: JsonLayout,
    /** The line the text given to the first parse() call starts on. */
    private readonly firstLine = 1,
  ) {
    this.line = firstLine;
  }

  parse(text: string, pos: number, eof: boolean, out: RawRow[], max: number): number {
    this.nextLf = this.nextEscape = -1;
    this.t = text;
    this.n = text.length;
    this.eof = eof;
    this.i = pos;
    this.lineStart = pos - this.column0;
    while (out.length < max) {
      this.skipWs();
      if (this.i >= this.n) {
        if (eof) this.atEnd();
        break;
      }
      // Remember where this item starts, to rewind there if the text ends inside it.
      const { i, line, lineStart, state } = this;
      const rows = out.length;
      try {
        this.step(out);
      } catch (e) {
        if (e !== NEED_MORE) throw e;
        this.i = i;
        this.line = line;
        this.lineStart = lineStart;
        this.state = state;
        out.length = rows;
        break;
      }
    }
    this.column0 = this.i - this.lineStart;
    return this.i;
  }

  lineAtEnd(text: string, pos: number): number {
    let line = this.line;
    for (let k = text.indexOf('\n', pos); k >= 0; k = text.indexOf('\n', k + 1)) line++;
    return line;
  }

  tooLong(text: string, pos: number, limit: number): ReconError {
    // The pending item may start with a separator: point at the value after it.
    let line = this.line;
    let column = this.column0 + 1;
    for (let i = pos; i < text.length && ' \t\r\n,:'.includes(text[i]); i++) {
      if (text[i] === '\n') {
        line++;
        column = 1;
      } else column++;
    }
    return new ReconError(
      ErrorCodes.JSON_SYNTAX,
      `the JSON value starting here is longer than ${limit} characters (limits.lineChars): no row is that large (is a string or bracket left open?)`,
      { file: this.file, line, column },
    );
  }

  /**
   * Reads the first object of a `{…` file to tell the layouts apart: another object after it
   * means NDJSON; otherwise it is a wrapping object when a member holds an array that is empty
   * or starts with an object, and a one-line NDJSON file when it fits on one line. Returns
   * null when the text does not hold the first object and what follows it yet.
   */
  probe(text: string, pos: number, eof: boolean): JsonLayout | 'no-array' | null {
    this.nextLf = this.nextEscape = -1;
    this.t = text;
    this.n = text.length;
    this.eof = eof;
    this.i = pos;
    this.line = this.firstLine;
    this.lineStart = pos;
    try {
      this.skipWs();
      const firstLine = this.line;
      this.expect(123 /* { */, 'an object');
      let rowsArray = false;
      this.skipWs();
      if (this.peek() !== 125 /* } */) {
        for (;;) {
          this.parseKey();
          if (!rowsArray && this.peek() === 91 /* [ */) rowsArray = this.arrayStartsWithObject();
          this.value(1);
          this.skipWs();
          if (this.peek() === 44 /* , */) {
            this.i++;
            this.skipWs();
            continue;
          }
          this.expect(125 /* } */, "',' or '}' after an object member");
          break;
        }
      } else {
        this.i++;
      }
      const lastLine = this.line;
      this.skipWs();
      if (this.i < this.n && this.peek() === 123) return 'ndjson';
      if (this.i >= this.n && !eof) throw NEED_MORE;
      if (rowsArray) return 'wrapped';
      return firstLine === lastLine || this.i < this.n ? 'ndjson' : 'no-array';
    } catch (e) {
      if (e !== NEED_MORE) throw e;
      return null;
    } finally {
      this.line = this.firstLine;
      this.column0 = 0;
    }
  }

  // ---- outer structure -------------------------------------------------------------------

  /** Consumes one item of the outer structure at i (a non-space character is there). */
  private step(out: RawRow[]): void {
    const c = this.t.charCodeAt(this.i);
    switch (this.state) {
      case S.Start:
        if (this.layout === 'ndjson') {
          this.state = S.Ndjson;
          return;
        }
        if (this.layout === 'json') {
          this.expect(91 /* [ */, "'[' (a JSON array of row objects)");
          this.openRowArray(S.ArrFirst);
        } else {
          this.wrapLine = this.line;
          this.expect(123 /* { */, "'{' (an object holding an array of row objects)");
          this.state = S.ObjFirst;
        }
        return;
      case S.ArrFirst:
        if (c === 93 /* ] */) return this.closeRowArray();
        return this.element(out);
      case S.ArrNext:
        if (c === 93) return this.closeRowArray();
        if (c !== 44 /* , */) throw this.syntax("',' or ']' after a row object");
        // The comma and the element after it are one item (rewound together).
        this.i++;
        this.skipWs();
        if (this.peek() === 93) throw this.syntax('a row object after the comma (JSON allows no trailing comma)');
        return this.element(out);
      case S.ObjFirst:
        if (c === 125 /* } */) return this.closeWrapper();
        return this.member();
      case S.ObjNext:
        if (c === 125) return this.closeWrapper();
        if (c !== 44) throw this.syntax("',' or '}' after an object member");
        this.i++;
        this.skipWs();
        return this.member();
      case S.Ndjson:
        if (c !== 123) {
          throw this.syntax('a JSON object (NDJSON holds one row object per line)');
        }
        this.row(out);
        return;
      case S.Done:
        throw this.syntax(this.layout === 'json' ? 'nothing after the end of the array' : 'nothing after the end of the object');
    }
  }

  /** Called at the end of the input (after whitespace): fine only between top-level values. */
  private atEnd(): void {
    switch (this.state) {
      case S.Done:
      case S.Ndjson:
        return;
      case S.Start:
        throw this.error('the file holds no JSON value');
      case S.ArrFirst:
      case S.ArrNext:
        throw this.error(`unexpected end of file: the array opened on line ${this.arrayLine} is not closed`);
      default:
        throw this.error(`unexpected end of file: the object opened on line ${this.wrapLine} is not closed`);
    }
  }

  private openRowArray(next: S): void {
    this.arrayLine = this.line;
    this.state = next;
  }

  private closeRowArray(): void {
    this.i++;
    this.state = this.layout === 'wrapped' ? S.ObjNext : S.Done;
  }

  private closeWrapper(): void {
    if (this.rowsKey === null) {
      throw this.error(NO_ARRAY, this.wrapLine);
    }
    this.i++;
    this.state = S.Done;
  }

  /** One member of the wrapping object: the first array-valued one holds the rows. */
  private member(): void {
    const keyLine = this.line;
    const key = this.parseKey();
    if (this.peek() === 91 /* [ */ && this.rowsKey === null) {
      this.rowsKey = key;
      this.rowsKeyLine = keyLine;
      this.i++;
      this.openRowArray(S.ArrFirst);
      return;
    }
    const at = { line: this.line, column: this.column() };
    const isArray = this.peek() === 91;
    const text = this.value(1);
    if (isArray && text !== '[]') {
      throw new ReconError(
        ErrorCodes.JSON_SYNTAX,
        `the JSON object holds more than one array: "${this.rowsKey}" (line ${this.rowsKeyLine}) and "${key}"; expected one array of row objects`,
        { file: this.file, ...at },
      );
    }
    this.state = S.ObjNext;
  }

  /** An element of the row array: must be an object. */
  private element(out: RawRow[]): void {
    if (this.t.charCodeAt(this.i) !== 123 /* { */) {
      const kind = describeValue(this.t.charCodeAt(this.i));
      throw this.error(`an element of the array is ${kind}, not an object: each row must be a JSON object`);
    }
    this.row(out);
    this.state = S.ArrNext;
  }

  // ---- rows ------------------------------------------------------------------------------

  /** Parses the object at i into a row aligned with the header (new keys extend it). */
  private row(out: RawRow[]): void {
    const line = this.line;
    const start = this.i;
    const values = this.blankRow.slice(); // header.length empty cells
    const rowNumber = ++this.rowNumber;
    let repeated: Set<number> | undefined;
    this.i++; // '{'
    this.skipWs();
    if (this.peek() === 125 /* } */) {
      this.i++;
    } else {
      for (let m = 0; ; m++) {
        // Rows usually repeat the header's keys in order: try header[m] before a map lookup.
        let k = this.matchKey(m);
        if (k < 0) {
          const key = this.parseKey();
          k = this.keyIndex.get(key) ?? this.addKey(key, out, values);
        }
        if (this.setIn[k] === rowNumber) (repeated ??= new Set()).add(k);
        this.setIn[k] = rowNumber;
        values[k] = this.value(1);
        this.skipWs();
        const c = this.peek();
        this.i++;
        if (c === 44 /* , */) {
          this.skipWs();
          continue;
        }
        if (c === 125 /* } */) break;
        this.i--;
        throw this.syntax("',' or '}' after an object member");
      }
    }
    // A row longer than the limit is refused even when the text holds it whole (one comparison a row).
    if (this.i - start > this.maxChars) throw this.tooLong(this.t, start, this.maxChars);
    out.push({ line, values });
    if (repeated) this.noteDuplicates(repeated, line);
  }

  private noteDuplicates(keys: Set<number>, line: number): void {
    for (const k of keys) {
      const name = this.header[k];
      const seen = this.duplicateKeys.get(name);
      if (seen) seen.count++;
      else this.duplicateKeys.set(name, { line, count: 1 });
    }
  }

  /** A key seen for the first time: append it to the header and pad the rows not yet handed out. */
  private addKey(key: string, out: RawRow[], current: string[]): number {
    const k = this.header.length;
    this.header.push(key);
    this.plainKey.push(!/["\\\n]/.test(key));
    this.keyIndex.set(key, k);
    for (const r of out) while (r.values.length < this.header.length) r.values.push('');
    current.push('');
    this.blankRow.push('');
    return k;
  }

  /**
   * Fast path for a member name: when the text at i is exactly `"header[m]"` followed by `:`,
   * consume it (and the whitespace after) and return m; otherwise -1, consuming nothing.
   * Only names without characters that JSON escapes qualify, so the text compares verbatim.
   */
  private matchKey(m: number): number {
    const name = this.header[m];
    if (name === undefined || !this.plainKey[m]) return -1;
    const t = this.t;
    const i = this.i;
    const end = i + 1 + name.length;
    if (end >= this.n || t.charCodeAt(i) !== 34 || t.charCodeAt(end) !== 34) return -1;
    for (let k = 0; k < name.length; k++) if (t.charCodeAt(i + 1 + k) !== name.charCodeAt(k)) return -1;
    this.i = end + 1;
    this.skipWs();
    this.expect(58 /* : */, "':' after a member name");
    this.skipWs();
    return m;
  }

  /** `"key"` then `:`; leaves i at the value (whitespace skipped). */
  private parseKey(): string {
    if (this.peek() !== 34 /* " */) throw this.syntax('a member name in double quotes');
    const key = this.parseString();
    this.skipWs();
    this.expect(58 /* : */, "':' after a member name");
    this.skipWs();
    return key;
  }

  /** A value as a cell: see the file comment. Depth counts enclosing objects/arrays. */
  private value(depth: number): string {
    const c = this.peek();
    if (c === 34 /* " */) return this.parseString();
    if (c === 45 /* - */ || (c >= 48 && c <= 57)) return this.parseNumber();
    if (c === 116 /* t */) return this.literal('true', 'true');
    if (c === 102 /* f */) return this.literal('false', 'false');
    if (c === 110 /* n */) return this.literal('null', '');
    if (c === 123 || c === 91) return this.compound(depth + 1);
    throw this.syntax('a JSON value');
  }

  /** A nested object or array as compact JSON text. */
  private compound(depth: number): string {
    if (depth > MAX_DEPTH) throw this.error(`the JSON is nested more than ${MAX_DEPTH} levels deep`);
    const isObject = this.t.charCodeAt(this.i) === 123;
    const close = isObject ? 125 : 93;
    this.i++;
    this.skipWs();
    if (this.peek() === close) {
      this.i++;
      return isObject ? '{}' : '[]';
    }
    let text = isObject ? '{' : '[';
    for (;;) {
      if (isObject) text += JSON.stringify(this.parseKey()) + ':';
      const c = this.peek();
      text += c === 34 ? JSON.stringify(this.parseString()) : c === 110 ? this.literal('null', 'null') : this.value(depth);
      this.skipWs();
      const sep = this.peek();
      if (sep === 44) {
        this.i++;
        this.skipWs();
        text += ',';
        continue;
      }
      if (sep === close) {
        this.i++;
        return text + (isObject ? '}' : ']');
      }
      throw this.syntax(isObject ? "',' or '}' in an object" : "',' or ']' in an array");
    }
  }

  // ---- tokens ----------------------------------------------------------------------------

  /**
   * The string at i (a '"'), unescaped. Fast path: the closing quote comes before any
   * backslash or LF (positions cached per text), so the string is a plain slice.
   * Leniency: raw control characters other than LF (a tab, a CR) are kept as they are; a raw
   * LF is refused — it almost always means a broken string, and it would put lines off.
   */
  private parseString(): string {
    const start = this.i + 1;
    const q = this.t.indexOf('"', start);
    if (q >= 0) {
      if (this.nextLf < start) this.nextLf = indexOrEnd(this.t, '\n', start);
      if (this.nextEscape < start) this.nextEscape = indexOrEnd(this.t, '\\', start);
      if (q < this.nextLf && q < this.nextEscape) {
        this.i = q + 1;
        return this.t.slice(start, q);
      }
    }
    return this.parseStringSlowly();
  }

  /** Character by character: escapes, and errors for a raw LF or a missing end. */
  private parseStringSlowly(): string {
    const t = this.t;
    const n = this.n;
    let i = this.i + 1;
    let start = i;
    let out = '';
    for (;;) {
      if (i >= n) this.needOrFail(i, 'unexpected end of file inside a string');
      const c = t.charCodeAt(i);
      if (c === 34 /* " */) {
        this.i = i + 1;
        return out + t.slice(start, i);
      }
      if (c === 92 /* \ */) {
        out += t.slice(start, i) + this.escape(i);
        i += t.charCodeAt(i + 1) === 117 /* u */ ? 6 : 2;
        start = i;
        continue;
      }
      if (c === 10) {
        this.i = i;
        throw this.syntax('a closing quote (a raw line break is not allowed inside a JSON string)');
      }
      i++;
    }
  }

  /** The character an escape at t[i] === '\\' stands for (\uXXXX: 6 characters, others 2). */
  private escape(i: number): string {
    const t = this.t;
    if (i + 1 >= this.n) this.needOrFail(i, 'unexpected end of file inside a string');
    const e = t.charCodeAt(i + 1);
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) return simple;
    if (e === 117 /* u */) {
      if (i + 6 > this.n) this.needOrFail(i, 'unexpected end of file inside a string');
      const hex = t.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
        this.i = i;
        throw this.syntax('four hex digits after \\u');
      }
      return String.fromCharCode(parseInt(hex, 16));
    }
    this.i = i;
    throw this.syntax('a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)');
  }

  /** A number's exact source text, validated against the JSON grammar. */
  private parseNumber(): string {
    const t = this.t;
    const start = this.i;
    let i = start;
    if (t.charCodeAt(i) === 45) i++;
    i = this.digits(i, true);
    if (i < this.n && t.charCodeAt(i) === 46 /* . */) i = this.digits(i + 1, false);
    if (i < this.n && (t.charCodeAt(i) | 0x20) === 101 /* e */) {
      i++;
      if (i >= this.n) this.needOrFail(start, 'unexpected end of file inside a number');
      const s = t.charCodeAt(i);
      if (s === 43 || s === 45) i++;
      i = this.digits(i, false);
    }
    // The number may continue in the next chunk.
    if (i >= this.n && !this.eof) throw NEED_MORE;
    this.i = i;
    return t.slice(start, i);
  }

  /** Digits from i (at least one); `integerPart`: no leading zero unless the number is 0. */
  private digits(i: number, integerPart: boolean): number {
    const t = this.t;
    if (i >= this.n) this.needOrFail(i, 'unexpected end of file inside a number');
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) {
      this.i = i;
      throw this.syntax('a digit');
    }
    if (integerPart && c === 48) return i + 1;
    i++;
    while (i < this.n) {
      const d = t.charCodeAt(i);
      if (d < 48 || d > 57) break;
      i++;
    }
    return i;
  }

  private literal(word: string, cell: string): string {
    if (this.i + word.length > this.n) {
      if (!this.eof && word.startsWith(this.t.slice(this.i))) throw NEED_MORE;
    }
    if (!this.t.startsWith(word, this.i)) throw this.syntax('a JSON value');
    this.i += word.length;
    return cell;
  }

  /** Whitespace (space, tab, CR, LF); counts LF as a line break. */
  private skipWs(): void {
    const t = this.t;
    let i = this.i;
    for (; i < this.n; i++) {
      const c = t.charCodeAt(i);
      if (c === 10) {
        this.line++;
        this.lineStart = i + 1;
      } else if (c !== 32 && c !== 9 && c !== 13) break;
    }
    this.i = i;
  }

  /** The character at i; throws NEED_MORE (or an end-of-file error) when there is none. */
  private peek(): number {
    if (this.i >= this.n) this.needOrFail(this.i, 'unexpected end of file: a JSON object or array is not closed');
    return this.t.charCodeAt(this.i);
  }

  private expect(c: number, what: string): void {
    if (this.peek() !== c) throw this.syntax(what);
    this.i++;
  }

  /** True when the array at i ('[') is empty or its first element is an object (probe only). */
  private arrayStartsWithObject(): boolean {
    let k = this.i + 1;
    while (k < this.n && (this.t.charCodeAt(k) === 32 || this.t.charCodeAt(k) === 9 || this.t.charCodeAt(k) === 10 || this.t.charCodeAt(k) === 13)) k++;
    if (k >= this.n) {
      if (!this.eof) throw NEED_MORE;
      return false;
    }
    const c = this.t.charCodeAt(k);
    return c === 123 || c === 93;
  }

  private needOrFail(at: number, message: string): never {
    if (!this.eof) throw NEED_MORE;
    this.i = at;
    throw this.error(message);
  }

  // ---- errors ----------------------------------------------------------------------------

  private column(): number {
    return this.i - this.lineStart + 1;
  }

  /** "expected X, found Y" at the current position. */
  private syntax(expected: string): ReconError {
    const found = this.i < this.n ? describeChar(this.t, this.i) : 'the end of the file';
    return this.error(`JSON syntax error: expected ${expected}, found ${found}`);
  }

  private error(message: string, line?: number): ReconError {
    const where = line === undefined ? { line: this.line, column: this.column() } : { line };
    return new ReconError(ErrorCodes.JSON_SYNTAX, message, { file: this.file, ...where });
  }
}

export const NO_ARRAY =
  'the JSON object holds no array of row objects (expected an array of objects, an object holding one, or NDJSON: one object per line)';

function indexOrEnd(text: string, ch: string, from: number): number {
  const i = text.indexOf(ch, from);
  return i < 0 ? text.length : i;
}

const SIMPLE_ESCAPES: Record<number, string> = {
  34: '"',
  92: '\\',
  47: '/',
  98: '\b',
  102: '\f',
  110: '\n',
  114: '\r',
  116: '\t',
};

function describeValue(c: number): string {
  if (c === 34) return 'a string';
  if (c === 91) return 'an array';
  if (c === 45 || (c >= 48 && c <= 57)) return 'a number';
  if (c === 116 || c === 102) return 'a boolean';
  if (c === 110) return 'null';
  return 'not a JSON value';
}

function describeChar(t: string, i: number): string {
  const cp = t.codePointAt(i) ?? 0;
  const ch = String.fromCodePoint(cp);
  return cp < 0x20 || cp === 0x7f ? `character U+${cp.toString(16).toUpperCase().padStart(4, '0')}` : `'${ch}'`;
}
