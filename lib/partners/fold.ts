/**
 * Folding consecutive export rows into one canonical row per order: the shared machinery of
 * the partner presets. Streaming (one order's rows buffered at a time), and lossless: every
 * raw row ends up in exactly one emitted row, whose `span` says how many it holds.
 */
import type { RawRow, Table } from '../read/table.ts';
import { parseDecimal } from '../decimal.ts';
import { duplicateColumnError, duplicateColumns, normalizeHeader } from '../feeds/catalog.ts';

export interface FoldSpec {
  /** Column of the order ID that groups rows (-1: every row is its own order, with an empty ID). */
  keyIndex: number;
  /** CSV: the raw header width; a row with another cell count is passed through alone. */
  width: number | undefined;
  /** Width of the canonical header the fold produces. */
  outWidth: number;
  /**
   * Canonical values (aligned with the output header) of one order's raw rows — or, for an
   * order that cannot be read, the values with the reason it is rejected.
   */
  fold(group: RawRow[]): string[] | Folded;
  /**
   * A row with no order ID right after an order's rows continues that order (Amazon's Order
   * Report splits an item over several lines, the extra ones mostly blank). Without it, such a
   * row is its own row, which the decoder rejects.
   */
  continuation?: boolean;
  /**
   * The reason a raw row is not data (a report's footer, an all-blank padding row), if it is
   * not: it is emitted alone with `skip` set — counted, never decoded, never part of an order.
   * Asked before the width check (a footer line has its own width).
   */
  skip?: (r: RawRow) => string | undefined;
}

export type FoldOptions = Pick<FoldSpec, 'continuation' | 'skip'>;

/** An order's canonical values, and the reason to reject it when it cannot be read. */
export interface Folded {
  values: string[];
  reject?: string;
}

/** The row of one folded order: its values, its raw rows (`span`, `members`), and a reject reason if any. */
function folded(line: number, result: string[] | Folded, members: RawRow[]): RawRow {
  if (Array.isArray(result)) return { line, values: result, span: members.length, members };
  const row: RawRow = { line, values: result.values, span: members.length, members };
  if (result.reject !== undefined) row.reject = result.reject;
  return row;
}

/**
 * A raw row of the wrong width cannot be read as part of an order: it is emitted alone,
 * marked `reject` with the reason, so the decoder rejects it at its own line. Its cells are
 * blanks of the output width: even a decoder that ignored `reject` would refuse it (the
 * required channel and order ID are empty) rather than read misaligned cells.
 */
export function strayRow(r: RawRow, width: number, outWidth: number): RawRow {
  return { line: r.line, values: new Array<string>(outWidth).fill(''), span: 1, reject: `expected ${width} fields, found ${r.values.length}` };
}

/**
 * The canonical table of a preset: the export's rows folded per order (`fold`), under the
 * canonical `header`. Rows of one order are consecutive; the key column starts the next order.
 */
export function foldedTable(table: Table, header: string[], keyIndex: number, fold: FoldSpec['fold'], options: FoldOptions = {}): Table {
  return {
    file: table.file,
    format: table.format,
    delimiter: table.delimiter,
    compressed: table.compressed,
    header,
    rows: foldConsecutive(table, {
      keyIndex,
      width: table.format === 'csv' ? table.header.length : undefined,
      outWidth: header.length,
      fold,
      continuation: options.continuation,
      skip: options.skip,
    }),
  };
}

/** Rows of one order are consecutive; a different (trimmed) ID starts the next order. */
export function foldConsecutive(table: Table, spec: FoldSpec): () => AsyncIterable<RawRow[]> {
  return async function* rows() {
    let group: RawRow[] = [];
    let key = '';
    let strays: RawRow[] = [];
    const flush = (out: RawRow[]): void => {
      if (group.length > 0) {
        out.push(folded(group[0].line, spec.fold(group), group));
        group = [];
      }
      if (strays.length > 0) {
        for (const s of strays) out.push(s);
        strays = [];
      }
    };
    for await (const batch of table.rows()) {
      const out: RawRow[] = [];
      for (const r of batch) {
        const skip = spec.skip?.(r);
        if (skip !== undefined) {
          // Not data: alone, after the order in progress (which it does not end).
          const s: RawRow = { line: r.line, values: new Array<string>(spec.outWidth).fill(''), span: 1, skip };
          if (group.length > 0) strays.push(s);
          else out.push(s);
          continue;
        }
        if (spec.width !== undefined && r.values.length !== spec.width) {
          const s = strayRow(r, spec.width, spec.outWidth);
          if (group.length > 0) strays.push(s);
          else out.push(s);
          continue;
        }
        const id = spec.keyIndex < 0 ? '' : (r.values[spec.keyIndex] ?? '').trim();
        if (id === '' && spec.continuation && group.length > 0 && strays.length === 0) {
          group.push(r);
          continue;
        }
        if (id === '') {
          // No order ID: it cannot join an order, and must not vanish. Its own row, rejected downstream.
          flush(out);
          out.push(folded(r.line, spec.fold([r]), [r]));
          continue;
        }
        if (group.length > 0 && id === key) {
          group.push(r);
          continue;
        }
        flush(out);
        group = [r];
        key = id;
      }
      if (out.length > 0) yield out;
    }
    const out: RawRow[] = [];
    flush(out);
    if (out.length > 0) yield out;
  };
}

/**
 * Column index by normalised header name, -1 when absent. A column the preset reads that the
 * header holds twice (`Total`, `total`) stops the run (E_DUPLICATE_COLUMN, naming both):
 * which one holds the values is anyone's guess. Duplicates of columns it does not read are
 * harmless.
 */
export function columnIndex(header: readonly string[], file: string, preset: string): (name: string) => number {
  const byNorm = new Map<string, number>();
  header.forEach((h, i) => {
    const n = normalizeHeader(h);
    if (n !== '' && !byNorm.has(n)) byNorm.set(n, i);
  });
  let dups: Map<string, [number, number]> | undefined;
  return (name) => {
    const n = normalizeHeader(name);
    dups ??= duplicateColumns(header, () => true);
    const pair = dups.get(n);
    if (pair) throw duplicateColumnError(file, header, pair, `${JSON.stringify(name)} by preset ${preset}`, 1);
    return byNorm.get(n) ?? -1;
  };
}

/** Trimmed cell, '' when the column is absent or the row is short. */
export function cell(r: RawRow, i: number): string {
  if (i < 0) return '';
  const v = r.values[i];
  return v === undefined ? '' : v.trim();
}

/** The first non-empty value of a column over an order's rows, with the row it came from. */
export function firstValue(group: readonly RawRow[], i: number): { value: string; row?: RawRow } {
  if (i >= 0) {
    for (const r of group) {
      const v = cell(r, i);
      if (v !== '') return { value: v, row: r };
    }
  }
  return { value: '' };
}

/** Two amounts equal as exact decimals (`10.0` = `10.00`); texts that are not amounts compare as text. */
export function sameAmount(a: string, b: string): boolean {
  if (a === b) return true;
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  return x.ok && y.ok && x.value === y.value;
}

/** Currency codes equal in any case. */
export function sameCode(a: string, b: string): boolean {
  return a.toUpperCase() === b.toUpperCase();
}

/**
 * An order-level value of a line-item export: the first non-empty value of column `i` over the
 * order's rows. Each later row that carries a different value (by `same`) is handed to
 * `conflict` with the row the kept value came from, so the preset can report it.
 */
export function orderValue(
  group: readonly RawRow[],
  i: number,
  same: (a: string, b: string) => boolean,
  conflict: (kept: { value: string; row: RawRow }, other: { value: string; row: RawRow }) => void,
): string {
  const chosen = firstValue(group, i);
  if (!chosen.row) return '';
  for (const r of group) {
    if (r === chosen.row) continue;
    const v = cell(r, i);
    if (v !== '' && !same(v, chosen.value)) conflict({ value: chosen.value, row: chosen.row }, { value: v, row: r });
  }
  return chosen.value;
}
