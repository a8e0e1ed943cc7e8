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

interface CompiledField {
  name: string;
  index: number;
  required: boolean;
  isKey: boolean;
  read: FieldReader;
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

export function compileDecoder(opts: DecoderOptions): (row: RawRow) => Decoded {
  const { feed, file, version } = opts;
  const mapping = mapHeader(feed, opts.header, file);
  const width = opts.header.length;
  const fields: CompiledField[] = Object.entries(mapping.columns).map(([name, index]) => {
    const spec: FieldSpec = feed.fields[name];
    return { name, index, required: spec.required, isKey: spec.kind === 'key', read: fieldReader(spec) };
  });
  // Required fields that have no column cannot happen (mapHeader throws); optional ones stay undefined.
  const strict = opts.strictWidth;
  const feedName = feed.name;
  const side = feed.side;

  return (row: RawRow): Decoded => {
    if (row.reject !== undefined) return { file, line: row.line, reason: row.reject };
    const values = row.values;
    if (strict && values.length !== width) {
      return { file, line: row.line, reason: `expected ${width} fields, found ${values.length}` };
    }
    const f: Record<string, FieldValue | undefined> = {};
    let problems: string[] | undefined;
    for (let i = 0; i < fields.length; i++) {
      const c = fields[i];
      const raw = values[c.index];
      const text = raw === undefined ? '' : trimmed(raw);
      if (text === '') {
        if (c.required) (problems ??= []).push(`${c.name}: required value is empty`);
        continue;
      }
      if (c.isKey && hasControl(text)) {
        (problems ??= []).push(`${c.name}: control character in key value`);
        continue;
      }
      const r = c.read(text);
      if (r instanceof Fail) (problems ??= []).push(`${c.name}: ${r.reason}`);
      else f[c.name] = r;
    }
    if (problems) return { file, line: row.line, reason: problems.join('; ') };
    return { feed: feedName, side, f, file, line: row.line, version };
  };
}
