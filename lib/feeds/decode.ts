/**
 * The row decoder: maps a table's header onto a feed's canonical fields once, then turns
 * each raw row into a typed record or a rejection (with line and reason). This is the hot
 * loop of every reconciliation, so it is compiled per header and allocates one record per row.
 */
import { ErrorCodes, ReconError } from '../errors.ts';
import type { RawRow } from '../read/table.ts';
import { normalizeHeader, type FeedDef, type FeedName, type SideName } from './catalog.ts';
import { Fail, fieldReader, type FieldReader, type FieldSpec, type FieldValue } from './fields.ts';

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

export interface DecoderOptions {
  feed: FeedDef;
  header: readonly string[];
  file: string;
  version: string;
  /** CSV: a row with another number of cells than the header is rejected. */
  strictWidth: boolean;
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
  private lookups = 0;
  private misses = 0;

  get(s: string): string {
    const slots = this.slots;
    if (slots === null) return s;
    const n = s.length;
    if (n === 0) return s;
    const h = (n * 31 + s.charCodeAt(0)) * 31 + s.charCodeAt(n >> 1);
    const at = (h * 31 + s.charCodeAt(n - 1)) & (INTERN_SLOTS - 1);
    const c = slots[at];
    if (++this.lookups === INTERN_WINDOW) {
      // Judged per window of lookups: keep looking up only while most values are repeats.
      if (this.misses * 2 > INTERN_WINDOW) this.slots = null;
      this.lookups = 0;
      this.misses = 0;
    }
    if (c === s) return c;
    this.misses++;
    slots[at] = s;
    return s;
  }
}

const INTERN_SLOTS = 1024;
const INTERN_WINDOW = 4096;

/**
 * Compiles the decoder of one header. The per-row function is generated (`new Function`) with
 * the feed's field names written out, so every record is one object literal of one shape and
 * each cell is read by its own codec — the hot loop does no lookups by name. Only names from
 * the feed catalog and column numbers go into the generated source, never file content.
 */
export function compileDecoder(opts: DecoderOptions): (row: RawRow) => Decoded {
  const { feed, file, version } = opts;
  const mapping = mapHeader(feed, opts.header, file);
  const width = opts.header.length;
  const names = Object.keys(feed.fields);
  const readers: FieldReader[] = [];
  const interners: Interner[] = [];
  const lines: string[] = [];
  names.forEach((name, i) => {
    const spec: FieldSpec = feed.fields[name];
    const col = mapping.columns[name];
    if (!/^[a-z_]+$/.test(name)) throw new Error(`field name ${name} cannot be compiled`);
    if (col === undefined) {
      lines.push(`let v${i};`); // optional and not in this file
      return;
    }
    readers.push(fieldReader(spec));
    const r = readers.length - 1;
    const shared = spec.kind === 'key' || spec.kind === 'text';
    if (shared) interners[r] = new Interner();
    lines.push(
      `let v${i}; { let t = values[${col}]; t = t === undefined ? '' : trimmed(t);`,
      spec.required
        ? `  if (t === '') (problems ??= []).push(${JSON.stringify(`${name}: required value is empty`)});`
        : `  if (t === '') {}`,
      spec.kind === 'key' ? `  else if (hasControl(t)) (problems ??= []).push(${JSON.stringify(`${name}: control character in key value`)});` : '',
      `  else { const x = readers[${r}](t); if (x instanceof Fail) (problems ??= []).push(${JSON.stringify(name + ': ')} + x.reason); else v${i} = ${shared ? `interners[${r}].get(x)` : 'x'}; } }`,
    );
  });
  const body = `
    return function decode(row) {
      if (row.reject !== undefined) return { file, line: row.line, reason: row.reject };
      const values = row.values;
      if (strict && values.length !== width) return { file, line: row.line, reason: 'expected ' + width + ' fields, found ' + values.length };
      let problems;
      ${lines.join('\n      ')}
      if (problems !== undefined) return { file, line: row.line, reason: problems.join('; ') };
      return { feed, side, f: { ${names.map((n, i) => `${n}: v${i}`).join(', ')} }, file, line: row.line, version };
    };`;
  const make = new Function('readers', 'interners', 'trimmed', 'hasControl', 'Fail', 'file', 'version', 'feed', 'side', 'strict', 'width', body);
  return make(readers, interners, trimmed, hasControl, Fail, file, version, feed.name, feed.side, opts.strictWidth, width) as (row: RawRow) => Decoded;
}
