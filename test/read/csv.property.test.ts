/**
 * Property: any table written as CSV — any delimiter, quoting policy, BOM, LF / CRLF / CR, final
 * newline or not, gzipped or not — read back through tiny random chunks gives exactly the
 * same header, rows and line numbers.
 *
 * Writer rules that make the table recoverable at all (each is a real ambiguity, not a
 * reader limitation being hidden):
 * - a cell that is the whole of a one-column row and empty is quoted (`""`): unquoted it is
 *   a blank line, and blank lines are skipped;
 * - header names are non-blank, and a header name containing any candidate delimiter is
 *   quoted (otherwise `a;b` with delimiter `,` could be either);
 * - in a one-column table every cell containing a candidate delimiter is quoted (with one
 *   column there is nothing to detect the delimiter from: the reader picks `,`);
 * - a first header name that starts like JSON (`[`/`{`) is quoted.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prng, readAll, streamSource } from './helpers.ts';

const CANDIDATES = /[,;|\t]/;

const piece = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(',', ';', '|', '\t', '"', '""', '\r', '\n', '\r\n', ' ', '  ') },
  { weight: 4, arbitrary: fc.constantFrom('a', 'Bc', '12.30', '-1', 'é', 'ß', '中文', '😀', '𝄞', '\u2028', 'x"y') },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }).map((s) => s.replace(/[\0\uFEFF]/g, '')) },
);
const cell = fc.array(piece, { maxLength: 5 }).map((parts) => parts.join(''));
const headerName = cell.filter((s) => s.trim() !== '');

const table = fc.uniqueArray(headerName, { minLength: 1, maxLength: 8 }).chain((header) =>
  fc.record({
    header: fc.constant(header),
    rows: fc.array(fc.array(cell, { minLength: header.length, maxLength: header.length }), { maxLength: 50 }),
  }),
);

const layout = fc.record({
  delimiter: fc.constantFrom(',', ';', '|', '\t'),
  quoting: fc.constantFrom('minimal', 'all', 'random'),
  bom: fc.boolean(),
  eol: fc.constantFrom('\n', '\r\n', '\r', 'mixed'), // lone CR: old Mac exports; mixed: per line
  finalNewline: fc.boolean(),
  gzip: fc.boolean(),
  seed: fc.integer(),
  chunkSizes: fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }),
  batchSize: fc.integer({ min: 1, max: 7 }),
  sourceKind: fc.constantFrom('readable', 'iterable') as fc.Arbitrary<'readable' | 'iterable'>,
});
type Layout = typeof layout extends fc.Arbitrary<infer T> ? T : never;

/** Writes the table as CSV; returns the text and the line each data row starts on. */
function writeCsv(header: string[], rows: string[][], o: Layout): { text: string; lines: number[] } {
  const random = prng(o.seed);
  const oneColumn = header.length === 1;
  const mustQuote = (value: string, isHeader: boolean, first: boolean): boolean =>
    value.includes(o.delimiter) ||
    /["\r\n]/.test(value) ||
    (oneColumn && value === '') ||
    ((isHeader || oneColumn) && CANDIDATES.test(value)) ||
    (first && /^[ \t]*[[{]/.test(value));
  const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
  const render = (values: string[], isHeader: boolean) =>
    values
      .map((v, k) => {
        const needed = mustQuote(v, isHeader, isHeader && k === 0);
        const wanted = o.quoting === 'all' || (o.quoting === 'random' && random() < 0.3);
        return needed || wanted ? quote(v) : v;
      })
      .join(o.delimiter);

  const records = [render(header, true), ...rows.map((r) => render(r, false))];
  const lines: number[] = [];
  let line = 1;
  let text = '';
  records.forEach((record, k) => {
    if (k > 0) lines.push(line);
    const last = k === records.length - 1;
    const eol = o.eol === 'mixed' ? ['\n', '\r\n', '\r'][Math.floor(random() * 3)] : o.eol;
    const piece = record + (last && !o.finalNewline ? '' : eol);
    line += (piece.match(/\r\n|\r|\n/g) ?? []).length;
    text += piece;
  });
  return { text: (o.bom ? '\uFEFF' : '') + text, lines };
}

describe('CSV round trip (property)', () => {
  it('reads back any table exactly, with the line each row starts on', async () => {
    await fc.assert(
      fc.asyncProperty(table, layout, async ({ header, rows }, o) => {
        // Prepare
        const { text, lines } = writeCsv(header, rows, o);
        let bytes: Uint8Array = Buffer.from(text, 'utf8');
        if (o.gzip) bytes = gzipSync(bytes);
        const source = streamSource('feed.csv', bytes, o.chunkSizes, o.sourceKind);

        // Act
        const { table: t, rows: read } = await readAll(source, { batchSize: o.batchSize });

        // Assess
        expect(t.format).toBe('csv');
        expect(t.compressed).toBe(o.gzip);
        if (header.length > 1) expect(t.delimiter).toBe(o.delimiter);
        expect(t.header).toEqual(header);
        expect(read.map((r) => r.values)).toEqual(rows);
        expect(read.map((r) => r.line)).toEqual(lines);
      }),
      { numRuns: Number(process.env.READ_PROPERTY_RUNS ?? 300) },
    );
  });
});
