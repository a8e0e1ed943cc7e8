/** Reading sample files back with the product's reader (no disk needed). */
import { openTable } from '../../lib/read/open.ts';
import type { RawRow, Table } from '../../lib/read/table.ts';
import type { SampleFile } from '../../lib/sample/generate.ts';

export function open(f: SampleFile, batchSize?: number): Promise<Table> {
  const bytes = typeof f.content === 'string' ? Buffer.from(f.content, 'utf8') : f.content;
  return openTable({ name: `${f.feed}/${f.name}`, open: () => (async function* () { yield new Uint8Array(bytes); })() }, { batchSize });
}

export async function rowsOf(table: Table): Promise<RawRow[]> {
  const out: RawRow[] = [];
  for await (const b of table.rows()) out.push(...b);
  return out;
}
