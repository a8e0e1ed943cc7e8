/**
 * Writing sample rows in the formats partners send: delimited text (any delimiter, BOM,
 * CRLF, quoting where needed), JSON arrays, objects holding an array, NDJSON. The CSV writer
 * reports the physical line each row starts on, so planted bad rows land in the answer key
 * with the line a reader will name.
 */

export type HeaderStyle = 'snake' | 'title' | 'kebab' | 'upper' | 'camel';

/** `channel_order_id` → `Channel Order ID`, `channel-order-id`, `CHANNEL_ORDER_ID`, `channelOrderId`. */
export function spell(field: string, style: HeaderStyle): string {
  const words = field.split('_');
  switch (style) {
    case 'snake':
      return field;
    case 'kebab':
      return words.join('-');
    case 'upper':
      return field.toUpperCase();
    case 'title':
      return words.map((w) => (w === 'id' ? 'ID' : w[0].toUpperCase() + w.slice(1))).join(' ');
    case 'camel':
      return words.map((w, i) => (i === 0 ? w : w[0].toUpperCase() + w.slice(1))).join('');
  }
}

export interface CsvStyle {
  delimiter: ',' | ';' | '|' | '\t';
  bom: boolean;
  crlf: boolean;
}

function quote(cell: string, delimiter: string): string {
  if (cell.includes(delimiter) || cell.includes('"') || cell.includes('\n') || cell.includes('\r')) {
    return '"' + cell.replace(/"/g, '""') + '"';
  }
  return cell;
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}

/** Delimited text; `lines[i]` is the physical line row i starts on (the header is line 1). */
export function renderDelimited(header: readonly string[], rows: ReadonlyArray<readonly string[]>, style: CsvStyle): { text: string; lines: number[] } {
  const eol = style.crlf ? '\r\n' : '\n';
  const parts: string[] = [];
  const lines: number[] = [];
  const head = header.map((h) => quote(h, style.delimiter)).join(style.delimiter);
  parts.push(head);
  let line = 1 + countNewlines(head) + 1;
  for (const r of rows) {
    const rec = r.map((c) => quote(c, style.delimiter)).join(style.delimiter);
    lines.push(line);
    parts.push(rec);
    line += countNewlines(rec) + 1;
  }
  return { text: (style.bom ? '\uFEFF' : '') + parts.join(eol) + eol, lines };
}

/** A JSON value for one cell: numbers where the text is a plain number and the field is numeric. */
function jsonValue(text: string, numeric: boolean): string | number {
  if (numeric && /^-?\d{1,12}(\.\d{1,6})?$/.test(text)) return Number(text);
  return text;
}

export interface JsonRow {
  [field: string]: string;
}

function toObjects(rows: readonly JsonRow[], keyStyle: HeaderStyle, numeric: ReadonlySet<string>): Array<Record<string, string | number>> {
  return rows.map((r) => {
    const o: Record<string, string | number> = {};
    for (const [f, v] of Object.entries(r)) o[spell(f, keyStyle)] = jsonValue(v, numeric.has(f));
    return o;
  });
}

export function renderJsonArray(rows: readonly JsonRow[], keyStyle: HeaderStyle, numeric: ReadonlySet<string>): string {
  return JSON.stringify(toObjects(rows, keyStyle, numeric), null, 2) + '\n';
}

export function renderJsonObject(rows: readonly JsonRow[], keyStyle: HeaderStyle, numeric: ReadonlySet<string>, arrayKey: string, meta: Record<string, string | number>): string {
  return JSON.stringify({ ...meta, [arrayKey]: toObjects(rows, keyStyle, numeric) }, null, 2) + '\n';
}

export function renderNdjson(rows: readonly JsonRow[], keyStyle: HeaderStyle, numeric: ReadonlySet<string>): string {
  return toObjects(rows, keyStyle, numeric).map((o) => JSON.stringify(o)).join('\n') + '\n';
}
