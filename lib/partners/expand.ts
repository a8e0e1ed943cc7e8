/**
 * Row-by-row presets (inventory reports, shipment exports): each raw row of the export is read
 * on its own — never folded with its neighbours — and becomes one canonical row, several (a
 * column per location), none (a row that is not data: `skip`), or a rejection with the
 * preset's reason. Lossless like fold.ts: every raw row is accounted for once, at its line
 * (RawRow.span / parts / skip / reject; read = used + rejected + skipped).
 */
import type { RawRow, Table } from '../read/table.ts';
import { strayRow } from './fold.ts';

/** What one raw row becomes. */
export type RowOut =
  /** one canonical row (aligned with the preset's header) */
  | string[]
  /** not data (a listing with no stock there, an order not shipped): counted as skipped */
  | { skip: string }
  /** cannot be read: rejected at its line with this reason */
  | { reject: string }
  /** several canonical rows (a column per location); a part may be rejected on its own */
  | { parts: Array<string[] | { reject: string }> };

/** The canonical table of a row-by-row preset: `expand` says what each raw row becomes. */
export function expandedTable(table: Table, header: string[], expand: (r: RawRow) => RowOut): Table {
  // CSV: a row with another cell count than the header is misaligned, so it is rejected alone.
  const width = table.format === 'csv' ? table.header.length : undefined;
  const outWidth = header.length;
  const blank = (): string[] => new Array<string>(outWidth).fill('');
  return {
    file: table.file,
    format: table.format,
    delimiter: table.delimiter,
    compressed: table.compressed,
    header,
    async *rows() {
      for await (const batch of table.rows()) {
        const out: RawRow[] = [];
        for (const r of batch) {
          if (width !== undefined && r.values.length !== width) {
            out.push(strayRow(r, width, outWidth));
            continue;
          }
          const o = expand(r);
          if (Array.isArray(o)) out.push({ line: r.line, values: o });
          else if ('skip' in o) out.push({ line: r.line, values: blank(), skip: o.skip });
          else if ('reject' in o) out.push({ line: r.line, values: blank(), reject: o.reject });
          else if (o.parts.length === 0) out.push({ line: r.line, values: blank(), skip: 'no values' });
          else {
            o.parts.forEach((p, k) => {
              const row: RawRow = Array.isArray(p) ? { line: r.line, values: p } : { line: r.line, values: blank(), reject: p.reject };
              if (k === 0) row.parts = o.parts.length;
              else row.span = 0;
              out.push(row);
            });
          }
        }
        if (out.length > 0) yield out;
      }
    },
  };
}

/** Partner text quoted in a reason: JSON-quoted, cut to `max` characters (a cell may be 400 KB). */
export function quoted(text: string, max = 60): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}
