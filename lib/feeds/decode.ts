/**
 * The row decoder: maps a table's header onto a feed's canonical fields once, then turns
 * each raw row into a typed record or a rejection (with line and reason). This is the hot
 * loop of every reconciliation, so it is compiled per header and allocates one record per row
 * (or none: see `reuse`).
 */
import { ErrorCodes, ReconError } from '../errors.ts';
import type { RawRow } from '../read/table.ts';
import { duplicateColumnError, duplicateColumns, normalizeHeader, type FeedDef, type FeedName, type SideName } from './catalog.ts';
import { putAscii, sameBytes } from '../read/ascii.ts';
import { formatDecimal } from '../decimal.ts';
import { DEFAULT_LIMITS, type Limits } from '../limits.ts';
import { DECLINE, Fail, fieldReader, futureReason, lastCurrencyCode, lastTimestamp, readPlainDecimal, type FieldReader, type FieldSpec, type FieldValue } from './fields.ts';

/** One canonical row of a feed, typed. */
export interface CanonRecord {
  feed: FeedName;
  side: SideName;
  /** Typed field values by canonical name; absent optional fields are undefined. */
  f: Record<string, FieldValue | undefined>;
  file: string;
  line: number;
  /** Sortable source order: among rows with one identity, the highest version wins. */
  version: string;
}

export interface RowRejection {
  file: string;
  line: number;
  reason: string;
}

export interface HeaderMapping {
  /** canonical field → column index */
  columns: Record<string, number>;
  /** header cells that map to no field */
  ignored: string[];
}

/** Maps header cells to the feed's fields; throws MISSING_COLUMN naming what is missing. */
export function mapHeader(feed: FeedDef, header: readonly string[], file: string): HeaderMapping {
  // Two columns that read as one field: stop (which holds the values is anyone's guess).
  // Duplicates among the columns no field reads are harmless, and ignored with them.
  const fieldNames = fieldNamesOf(feed);
  for (const [n, pair] of duplicateColumns(header, (x) => fieldNames.has(x))) {
    throw duplicateColumnError(file, header, pair, `${fieldNames.get(n)} of feed ${feed.name}`, 1);
  }
  const byNorm = new Map<string, number>();
  header.forEach((h, i) => {
    const n = normalizeHeader(h);
    if (n !== '' && !byNorm.has(n)) byNorm.set(n, i);
  });
  const columns: Record<string, number> = {};
  const missing: string[] = [];
  for (const [name, spec] of Object.entries(feed.fields)) {
    const i = byNorm.get(normalizeHeader(name));
    if (i !== undefined) columns[name] = i;
    else if (spec.required) missing.push(name);
  }
  if (missing.length > 0) {
    throw new ReconError(
      ErrorCodes.MISSING_COLUMN,
      `missing required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} for feed ${feed.name} ` +
        `(header: ${header.map((h) => JSON.stringify(h)).join(', ')})`,
      { file, line: 1 },
    );
  }
  const used = new Set(Object.values(columns));
  return { columns, ignored: header.filter((_, i) => !used.has(i)) };
}

const fieldNameCache = new WeakMap<FeedDef, Map<string, string>>();
/** A feed's field names by their normalised form. */
function fieldNamesOf(feed: FeedDef): Map<string, string> {
  let m = fieldNameCache.get(feed);
  if (!m) fieldNameCache.set(feed, (m = new Map(Object.keys(feed.fields).map((f) => [normalizeHeader(f), f]))));
  return m;
}

export interface DecoderOptions {
  feed: FeedDef;
  header: readonly string[];
  file: string;
  version: string;
  /** CSV: a row with another number of cells than the header is rejected. */
  strictWidth: boolean;
  /** CSV: the delimiter, for text rows (`RawRow.text`). */
  delimiter?: string;
  /**
   * Hand every row in one record object, overwritten by the next row (no allocation per row):
   * only for a consumer that copies what it keeps before asking for the next row.
   */
  reuse?: boolean;
  /**
   * Optional fields the boundary does not use: a value there that does not parse is left out
   * (the row is kept) and reported to `unparsed` with the column index and the raw cell.
   */
  lenient?: ReadonlySet<string>;
  unparsed?: (field: string, column: number, line: number, value: string, reason: string) => void;
  /**
   * Timestamps after `notAfter` (ISO text, as the codec gives them: compared as text) are
   * refused: more than `hours` in the future of the run. Absent: no check.
   */
  future?: { notAfter: string; hours: number };
  /** Digits of a number, bytes of a row's key values and of all its values (default DEFAULT_LIMITS). */
  limits?: Pick<Limits, 'numberDigits' | 'keyBytes' | 'rowBytes'>;
}

export type Decoded = CanonRecord | RowRejection;

export function isRejection(d: Decoded): d is RowRejection {
  return (d as CanonRecord).f === undefined;
}

/** Trims only when there is something to trim (most cells have no padding). */
function trimmed(s: string): string {
  const n = s.length;
  return n > 0 && s.charCodeAt(0) > 32 && s.charCodeAt(n - 1) > 32 ? s : s.trim();
}

/** Key values are joined with control characters in storage keys: they may not contain any. */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 127) return true;
  }
  return false;
}

/**
 * Shares the strings of a column whose values repeat (a facility, a channel, a status): the
 * records keep one string per distinct value instead of one per row, which is less memory
 * and much less garbage-collector work over millions of rows. Adaptive: a column whose
 * values mostly differ (an order ID) stops being looked up after a sample, and the table of
 * values is bounded. The value is the same text either way.
 */
export class Interner {
  /** A direct-mapped cache: slot (from length and three characters) → the last value seen there. */
  private slots: string[] | null = new Array<string>(INTERN_SLOTS).fill('');
  /** Each slot's value as bytes (SLOT_BYTES per slot) and its length, or -1 when it is not held so (not ASCII, or too long). */
  private readonly bytes = new DataView(new ArrayBuffer(INTERN_SLOTS * SLOT_BYTES));
  private readonly lengths = new Int16Array(INTERN_SLOTS).fill(-1);
  private lookups = 0;
  private misses = 0;

  get(s: string): string {
    if (s.length === 0) return s;
    return this.held(s, 0, s.length, undefined) ?? this.keep(s, 0, s.length);
  }

  /**
   * The value held equal to text[s..e) (non-empty), if any: no slice. Counts as a lookup.
   * `bytes`: the text's bytes when it is ASCII (RawRow.bytes), compared instead of the string.
   */
  held(text: string, s: number, e: number, bytes: DataView | undefined): string | undefined {
    const slots = this.slots;
    if (slots === null) return undefined;
    const n = e - s;
    const slot = slotOf(text, s, e);
    const c = slots[slot];
    if (++this.lookups === INTERN_WINDOW) this.judge();
    if (c.length === n && (bytes !== undefined && this.lengths[slot] === n ? sameBytes(bytes, s, this.bytes, slot * SLOT_BYTES, n) : text.startsWith(c, s))) return c;
    this.misses++;
    return undefined;
  }

  /** At the end of a window of lookups: keep looking up only while most values are repeats. (Apart, so `held` stays small enough to inline.) */
  private judge(): void {
    if (this.misses * 2 > INTERN_WINDOW) this.slots = null;
    this.lookups = 0;
    this.misses = 0;
  }

  /** Holds text[s..e) — a value read and checked, that `held` did not have — and returns it. */
  keep(text: string, s: number, e: number): string {
    const value = text.slice(s, e);
    if (this.slots !== null) {
      const slot = slotOf(text, s, e);
      this.slots[slot] = value;
      this.lengths[slot] = putAscii(this.bytes, slot * SLOT_BYTES, value, SLOT_BYTES) ? value.length : -1;
    }
    return value;
  }
}

/** The interner's slot of a non-empty text[s..e): from its length and three of its characters. */
function slotOf(text: string, s: number, e: number): number {
  const n = e - s;
  const h = (n * 31 + text.charCodeAt(s)) * 31 + text.charCodeAt(s + (n >> 1));
  return (h * 31 + text.charCodeAt(e - 1)) & (INTERN_SLOTS - 1);
}

/**
 * Whether a key or text cell text[s..e) reads as itself: non-empty, nothing to trim, no
 * control character, and — for a key compared case-insensitively — nothing to lower-case.
 * (Otherwise the decoder reads it as a string, with the usual checks and messages.)
 */
function plainCell(text: string, s: number, e: number, lower: boolean): boolean {
  if (!untrimmed(text, s, e)) return false;
  for (let i = s; i < e; i++) {
    const c = text.charCodeAt(i);
    if (c === 127 || c < 32) return false;
    if (lower && ((c >= 65 && c <= 90) || c >= 128)) return false;
  }
  return true;
}

/** Whether text[s..e) needs no trimming (a non-empty cell not starting or ending in a space or control). */
function untrimmed(text: string, s: number, e: number): boolean {
  return e > s && text.charCodeAt(s) > 32 && text.charCodeAt(e - 1) > 32;
}

const INTERN_SLOTS = 1024;
/** Bytes held per slot: longer values are compared as strings. */
const SLOT_BYTES = 32;
const INTERN_WINDOW = 4096;

/**
 * What the store can hold of one row, checked the same way for the CLI and the pipeline (so
 * both reject the same rows): the key values together at most `keyBytes` (they make the
 * DynamoDB sort key), all values at most `rowBytes` (they make the item), as UTF-8 text in
 * their stored form. Called only when a cheap bound (3 bytes a UTF-16 unit) is over a limit.
 */
function sizeChecker(feed: FeedDef, names: readonly string[], limits: Pick<Limits, 'keyBytes' | 'rowBytes'>): (values: ReadonlyArray<FieldValue | undefined>) => string | undefined {
  const isKey = names.map((n) => feed.fields[n].kind === 'key');
  const keyNames = names.filter((_, i) => isKey[i]).join(', ');
  return (values) => {
    let keyBound = 0;
    let rowBound = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      const n = v === undefined ? 0 : typeof v === 'string' ? 3 * v.length : 64;
      rowBound += n;
      if (isKey[i]) keyBound += n;
    }
    if (keyBound <= limits.keyBytes && rowBound <= limits.rowBytes) return undefined;
    let key = 0;
    let row = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === undefined) continue;
      const bytes = Buffer.byteLength(typeof v === 'bigint' ? formatDecimal(v) : String(v), 'utf8');
      row += bytes;
      if (isKey[i]) key += bytes;
    }
    if (key > limits.keyBytes) return `key too long: ${keyNames} take ${key} bytes together (at most ${limits.keyBytes}: limits.keyBytes)`;
    if (row > limits.rowBytes) return `row too large: its values take ${row} bytes (at most ${limits.rowBytes}: limits.rowBytes)`;
    return undefined;
  };
}

/** Why one cell cannot be read (a row with any is rejected, listing them). */
class Problem {
  constructor(readonly message: string) {}
}

/**
 * Compiles the decoder of one header. The per-row functions are generated (`new Function`)
 * with the feed's field names written out, so every record is one object literal of one
 * shape, and each field has its own small cell reader (trim, required, control characters,
 * codec, interning) — the hot loop does no lookups by name. Only names from the feed catalog
 * and column numbers go into the generated source, never file content.
 *
 * A text row (an unquoted CSV line) is split here, by the delimiter, and its plain cells are
 * read straight from the text: keys and texts that need no trimming (interned without a
 * slice when the value repeats), plain decimals, and the timestamp or currency read last.
 * Any other cell goes through the same cell reader as a split row's.
 */
export function compileDecoder(opts: DecoderOptions): (row: RawRow) => Decoded {
  const { feed, file, version } = opts;
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const mapping = mapHeader(feed, opts.header, file);
  const width = opts.header.length;
  const names = Object.keys(feed.fields);
  const readers: FieldReader[] = [];
  const interners: Interner[] = [];
  const problems: Problem[] = [];
  const cellReaders: string[] = [];
  const fromValues: string[] = [];
  const fromText: string[] = [];
  const textCols = new Set<number>();
  const keyCols: number[] = [];
  const problem = (message: string) => `problems[${problems.push(new Problem(message)) - 1}]`;
  names.forEach((name, i) => {
    const spec: FieldSpec = feed.fields[name];
    const col = mapping.columns[name];
    if (!/^[a-z_]+$/.test(name)) throw new Error(`field name ${name} cannot be compiled`);
    if (col === undefined) {
      fromValues.push(`const v${i} = undefined;`); // optional and not in this file
      fromText.push(`const v${i} = undefined;`);
      return;
    }
    readers.push(fieldReader(spec, limits));
    const r = readers.length - 1;
    const shared = spec.kind === 'key' || spec.kind === 'text';
    if (shared) interners[r] = new Interner();
    // The cell reader: the value, undefined (empty and optional), or a Problem.
    cellReaders.push(`function cell${i}(t) {
        t = t === undefined ? '' : trimmed(t);
        if (t === '') return ${spec.required ? problem(`${name}: required value is empty`) : 'undefined'};
        ${spec.kind === 'key' ? `if (hasControl(t)) return ${problem(`${name}: control character in key value`)};` : ''}
        const x = readers[${r}](t);
        if (x instanceof Fail) return new Problem(${JSON.stringify(name + ': ')} + x.reason);
        return ${shared ? `interners[${r}].get(x)` : 'x'};
      }`);
    // A timestamp in the future beyond the skew: one text comparison with the value the codec gave (often its cached one).
    const future = spec.kind === 'timestamp' && opts.future ? `if (typeof v${i} === 'string' && v${i} > notAfter) v${i} = new Problem(futureReason(${JSON.stringify(name)}, v${i}, notAfter, skewHours)); ` : '';
    // A lenient field's bad value is left out and reported (a cold branch: the check is the same).
    const lenient = !spec.required && opts.lenient?.has(name) === true && opts.unparsed !== undefined;
    const checkOf = (raw: string) =>
      future +
      (lenient
        ? `if (v${i} instanceof Problem) { unparsed(${JSON.stringify(name)}, ${col}, row.line, ${raw}, v${i}.message); v${i} = undefined; }`
        : `if (v${i} instanceof Problem) { (found ??= []).push(v${i}.message); v${i} = undefined; }`);
    fromValues.push(`let v${i} = cell${i}(values[${col}]); ${checkOf(`values[${col}]`)}`);
    // Text rows: the plain cases straight from the text, anything else through the cell reader.
    textCols.add(col);
    if (spec.kind === 'key') keyCols.push(col);
    const range = `text, s${col}, e${col}`;
    const slow = `cell${i}(${col} < count ? text.slice(s${col}, e${col}) : undefined)`;
    let read = slow;
    // A value the interner holds was checked when it was kept: equal text needs no checks.
    if (shared) read = `(${col} < count && e${col} > s${col} ? interners[${r}].held(${range}, bytes) : undefined) ?? (${col} < count && plainCell(${range}, ${spec.caseInsensitive === true}) ? interners[${r}].keep(${range}) : ${slow})`;
    else if (spec.kind === 'money' || spec.kind === 'quantity') read = `${col} < count && untrimmed(${range}) ? readPlainDecimal(${range}) : DECLINE`;
    else if (spec.kind === 'timestamp' || spec.kind === 'currency') read = `${col} < count && untrimmed(${range}) ? ${spec.kind === 'timestamp' ? 'lastTimestamp' : 'lastCurrencyCode'}(${range}, bytes) : DECLINE`;
    fromText.push(
      `let v${i} = ${read};`,
      read.endsWith('DECLINE') ? `if (v${i} === DECLINE) v${i} = ${slow}; else if (v${i} instanceof Fail) v${i} = new Problem(${JSON.stringify(name + ': ')} + v${i}.reason);` : '',
      checkOf(`(${col} < count ? text.slice(s${col}, e${col}) : '')`),
    );
  });
  const cols = [...textCols].sort((a, b) => a - b);
  const checkSize = sizeChecker(feed, names, limits);
  const all = `[${names.map((_, i) => `v${i}`).join(', ')}]`;
  // Text rows: the raw cells' lengths bound the values' (3 UTF-8 bytes a unit; 64 for a decimal or timestamp's stored form).
  const keyChars = Math.floor(limits.keyBytes / 3);
  const rowChars = Math.floor((limits.rowBytes - 64 * names.length) / 3);
  const textBound = `${keyCols.length ? `${keyCols.map((c) => `e${c} - s${c}`).join(' + ')} > ${keyChars} || ` : ''}end - row.start > ${rowChars}`;
  const sizeCheck = (bounded: string) => `if (${bounded}) { const big = checkSize(${all}); if (big !== undefined) return { file, line: row.line, reason: big }; }`;
  // Split rows: the decoded values' lengths bound their bytes (no array unless a bound is over).
  const keyLen = names.map((n, i) => (feed.fields[n].kind === 'key' && mapping.columns[n] !== undefined ? `(v${i} === undefined ? 0 : v${i}.length)` : '')).filter(Boolean);
  const rowLen = names.map((n, i) => (mapping.columns[n] !== undefined ? `(v${i} === undefined ? 0 : typeof v${i} === 'string' ? v${i}.length : 22)` : '')).filter(Boolean);
  const valuesBound = `${keyLen.length ? `${keyLen.join(' + ')} > ${keyChars} || ` : ''}${rowLen.length ? rowLen.join(' + ') : '0'} > ${rowChars}`;
  const fresh = `{ feed, side, f: { ${names.map((n, i) => `${n}: v${i}`).join(', ')} }, file, line: row.line, version }`;
  // Reused: one record of the same shape, its fields overwritten.
  const record = opts.reuse ? `(${names.map((n, i) => `reused.f.${n} = v${i}, `).join('')}reused.line = row.line, reused)` : fresh;
  const body = `
    const reused = ${fresh.replace('row.line', '0').replace(/v\d+/g, 'undefined')};
    ${cellReaders.join('\n    ')}
    function decodeText(row) {
      const text = row.text, end = row.end, bytes = row.bytes;
      let count = 0, p = row.start;
      ${cols.map((c) => `let s${c} = 0, e${c} = 0;`).join(' ')}
      for (;;) {
        let d = text.indexOf(delimiter, p);
        if (d < 0 || d > end) d = end;
        switch (count) { ${cols.map((c) => `case ${c}: s${c} = p; e${c} = d; break;`).join(' ')} }
        count++;
        if (d === end) break;
        p = d + 1;
      }
      if (strict && count !== width) return { file, line: row.line, reason: 'expected ' + width + ' fields, found ' + count };
      let found;
      ${fromText.filter(Boolean).join('\n      ')}
      if (found !== undefined) return { file, line: row.line, reason: found.join('; ') };
      ${sizeCheck(textBound)}
      return ${record};
    }
    return function decode(row) {
      if (row.text !== undefined) return decodeText(row);
      if (row.reject !== undefined) return { file, line: row.line, reason: row.reject };
      const values = row.values;
      if (strict && values.length !== width) return { file, line: row.line, reason: 'expected ' + width + ' fields, found ' + values.length };
      let found;
      ${fromValues.join('\n      ')}
      if (found !== undefined) return { file, line: row.line, reason: found.join('; ') };
      ${sizeCheck(valuesBound)}
      return ${record};
    };`;
  const make = new Function(
    'readers', 'interners', 'problems', 'Problem', 'trimmed', 'hasControl', 'Fail', 'file', 'version', 'feed', 'side', 'strict', 'width', 'delimiter',
    'plainCell', 'untrimmed', 'readPlainDecimal', 'lastTimestamp', 'lastCurrencyCode', 'DECLINE', 'unparsed', 'futureReason', 'notAfter', 'skewHours', 'checkSize', body,
  );
  return make(
    readers, interners, problems, Problem, trimmed, hasControl, Fail, file, version, feed.name, feed.side, opts.strictWidth, width, opts.delimiter ?? ',',
    plainCell, untrimmed, readPlainDecimal, lastTimestamp, lastCurrencyCode, DECLINE, opts.unparsed, futureReason, opts.future?.notAfter, opts.future?.hours, checkSize,
  ) as (row: RawRow) => Decoded;
}
