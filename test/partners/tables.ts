/** Test helpers: a Table from text through the product's reader, and its rows as objects. */
import { openTable } from '../../lib/read/open.ts';
import type { RawRow, Table } from '../../lib/read/table.ts';

/** Opens `text` with the real reader, in small batches so orders straddle batch edges. */
export function tableFrom(text: string | Buffer, file = 'test.csv', batchSize = 3): Promise<Table> {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  return openTable({ name: file, open: () => (async function* () { yield new Uint8Array(bytes); })() }, { batchSize });
}

export async function collect(table: Table): Promise<RawRow[]> {
  const out: RawRow[] = [];
  for await (const b of table.rows()) out.push(...b);
  return out;
}

/** Rows as objects keyed by the table's header, plus `$line` and `$span`. */
export async function records(table: Table): Promise<Array<Record<string, string>>> {
  const rows = await collect(table);
  return rows.map((r) => {
    const o: Record<string, string> = { $line: String(r.line), $span: String(r.span ?? 1) };
    table.header.forEach((h, i) => (o[h] = r.values[i] ?? ''));
    return o;
  });
}

/** A CSV table over rows already split (for property tests of presets): handed out `batch` rows at a time. */
export function batchedTable(header: string[], raw: RawRow[], batch: number): Table {
  return {
    file: 'f', format: 'csv', compressed: false, header,
    async *rows() {
      for (let i = 0; i < raw.length; i += batch) yield raw.slice(i, i + batch);
    },
  };
}
