/**
 * Property: rows written as a JSON array, NDJSON, or an object wrapping one array (compact or
 * pretty, with random whitespace and random \u escapes, gzipped or not) read back through
 * tiny random chunks give the header (keys in order of first appearance), the cells (numbers
 * as their exact source text, null as '', nested values as compact JSON) and the line where
 * each object starts.
 *
 * One real ambiguity is named rather than hidden: a lone NDJSON object holding an array of
 * objects looks exactly like a wrapping object, so one-row NDJSON files are named `.jsonl`
 * (the reader takes the extension as a hint).
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../lib/errors.ts';
import { caught, expectReconError, prng, readAll, streamSource } from './helpers.ts';

/** A JSON value keeping numbers as text, so we control exactly what is written. */
type Value =
  | { kind: 'string'; value: string }
  | { kind: 'number'; text: string }
  | { kind: 'literal'; text: 'true' | 'false' | 'null' }
  | { kind: 'array'; items: Value[] }
  | { kind: 'object'; members: [string, Value][] };

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.constantFrom('', '"', '\\', '\n', '\r\n', '\t', '\u0000', '😀', 'é', '\u2028', 'a b'),
);
const digits = (min: number, max: number) =>
  fc.array(fc.constantFrom(...'0123456789'), { minLength: min, maxLength: max }).map((d) => d.join(''));
const numberText = fc
  .record({
    minus: fc.boolean(),
    int: fc.oneof(fc.constant('0'), fc.tuple(fc.constantFrom(...'123456789'), digits(0, 12)).map(([a, b]) => a + b)),
    frac: fc.option(digits(1, 6), { nil: undefined }),
    exp: fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digits(1, 3)), { nil: undefined }),
  })
  .map((n) => `${n.minus ? '-' : ''}${n.int}${n.frac !== undefined ? '.' + n.frac : ''}${n.exp ? n.exp.join('') : ''}`);

const scalar: fc.Arbitrary<Value> = fc.oneof(
  text.map((value) => ({ kind: 'string' as const, value })),
  numberText.map((t) => ({ kind: 'number' as const, text: t })),
  fc.constantFrom('true', 'false', 'null').map((t) => ({ kind: 'literal' as const, text: t as 'true' | 'false' | 'null' })),
);
const { nested } = fc.letrec<{ nested: Value; any: Value }>((tie) => ({
  any: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('nested')),
  nested: fc.oneof(
    fc.array(tie('any'), { maxLength: 3 }).map((items) => ({ kind: 'array' as const, items })),
    fc.uniqueArray(fc.tuple(text, tie('any')), { maxLength: 3, selector: ([k]) => k }).map((members) => ({ kind: 'object' as const, members })),
  ),
}));
const cellValue = fc.oneof({ weight: 6, arbitrary: scalar }, { weight: 1, arbitrary: nested });

/** Rows draw their keys from a small pool so keys repeat, appear late, and go missing. */
const rowsArb = fc.uniqueArray(text, { minLength: 1, maxLength: 6 }).chain((keys) =>
  fc.array(
    fc.uniqueArray(fc.tuple(fc.constantFrom(...keys), cellValue), { maxLength: keys.length, selector: ([k]) => k }),
    { maxLength: 25 },
  ),
);

const style = fc.record({
  layout: fc.constantFrom('array', 'ndjson', 'wrapped'),
  pretty: fc.boolean(),
  seed: fc.integer(),
  gzip: fc.boolean(),
  bom: fc.boolean(),
  ndjsonName: fc.boolean(),
  chunkSizes: fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }),
  batchSize: fc.integer({ min: 1, max: 7 }),
});
type Style = typeof style extends fc.Arbitrary<infer T> ? T : never;

/** The compact text the reader gives for a nested value. */
function compact(v: Value): string {
  switch (v.kind) {
    case 'string':
      return JSON.stringify(v.value);
    case 'number':
    case 'literal':
      return v.text;
    case 'array':
      return `[${v.items.map(compact).join(',')}]`;
    case 'object':
      return `{${v.members.map(([k, x]) => `${JSON.stringify(k)}:${compact(x)}`).join(',')}}`;
  }
}

function expectedCell(v: Value): string {
  if (v.kind === 'string') return v.value;
  if (v.kind === 'literal') return v.text === 'null' ? '' : v.text;
  return compact(v);
}

/** A JSON writer with random whitespace and random \u escapes; tracks the current line. */
class Writer {
  out = '';
  line = 1;
  constructor(
    private readonly random: () => number,
    private readonly pretty: boolean,
    private readonly oneLine: boolean,
  ) {}
  emit(s: string): void {
    this.out += s;
    this.line += (s.match(/\n/g) ?? []).length;
  }
  ws(): void {
    const r = this.random();
    if (this.oneLine) this.emit(r < 0.2 ? ' ' : r < 0.3 ? '\t' : '');
    else this.emit(r < 0.15 ? '\n  ' : r < 0.2 ? '\r\n' : r < 0.3 ? ' ' : this.pretty && r < 0.6 ? '\n' : '');
  }
  string(s: string): void {
    // JSON.stringify escapes what must be escaped; sometimes escape more as \uXXXX.
    let body = JSON.stringify(s).slice(1, -1);
    if (this.random() < 0.3) {
      body = [...s].map((ch) => (this.random() < 0.5 ? [...ch].map((u) => u.split('').map((c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')).join('')).join('') : JSON.stringify(ch).slice(1, -1))).join('');
    }
    this.emit(`"${body}"`);
  }
  value(v: Value): void {
    switch (v.kind) {
      case 'string':
        return this.string(v.value);
      case 'number':
      case 'literal':
        return this.emit(v.text);
      case 'array':
        this.emit('[');
        v.items.forEach((x, k) => {
          if (k > 0) this.emit(',');
          this.ws();
          this.value(x);
          this.ws();
        });
        return this.emit(']');
      case 'object':
        return this.object(v.members);
    }
  }
  object(members: [string, Value][]): void {
    this.emit('{');
    members.forEach(([k, x], i) => {
      if (i > 0) this.emit(',');
      this.ws();
      this.string(k);
      this.ws();
      this.emit(':');
      this.ws();
      this.value(x);
      this.ws();
    });
    this.emit('}');
  }
}

/** Writes the rows in the chosen layout; returns the text and the line each row object starts on. */
function writeJson(rows: [string, Value][][], s: Style): { text: string; lines: number[] } {
  const random = prng(s.seed);
  const lines: number[] = [];
  const w = new Writer(random, s.pretty, s.layout === 'ndjson');
  const writeRows = (separator: string) =>
    rows.forEach((row, k) => {
      if (k > 0) w.emit(separator);
      if (s.layout !== 'ndjson') w.ws();
      lines.push(w.line);
      w.object(row);
    });
  if (s.layout === 'array') {
    w.emit('[');
    writeRows(',');
    w.ws();
    w.emit(']\n');
  } else if (s.layout === 'wrapped') {
    w.emit('{');
    w.ws();
    w.string('generated_at');
    w.emit(':"2024-05-01T00:00:00Z",');
    if (random() < 0.5) {
      w.ws();
      w.emit('"meta": {"source": "erp", "nested": [1, 2.50, {"x": []}]},');
    }
    w.ws();
    w.string('orders');
    w.emit(':');
    w.ws();
    w.emit('[');
    writeRows(',');
    w.ws();
    w.emit('],');
    w.ws();
    w.emit('"count": ' + rows.length);
    w.ws();
    w.emit('}');
  } else {
    // NDJSON: one object per line, blank lines sprinkled in, optional final newline.
    rows.forEach((row, k) => {
      if (random() < 0.2) w.emit('\n');
      lines.push(w.line);
      w.object(row);
      if (k < rows.length - 1 || random() < 0.5) w.emit(random() < 0.3 ? '\r\n' : '\n');
    });
  }
  return { text: (s.bom ? '\uFEFF' : '') + w.out, lines };
}

/** Header in order of first appearance; each row's cells aligned with it, missing ones ''. */
function expected(rows: [string, Value][][]): { header: string[]; values: string[][] } {
  const header: string[] = [];
  for (const row of rows) for (const [k] of row) if (!header.includes(k)) header.push(k);
  const values = rows.map((row) => header.map((h) => {
    const member = row.find(([k]) => k === h);
    return member ? expectedCell(member[1]) : '';
  }));
  return { header, values };
}

describe('JSON / NDJSON round trip (property)', () => {
  it('reads back any rows exactly, numbers as written, with the line each object starts on', async () => {
    await fc.assert(
      fc.asyncProperty(rowsArb, style, async (rows, s) => {
        // Prepare
        const { text: json, lines } = writeJson(rows, s);
        let bytes: Uint8Array = Buffer.from(json, 'utf8');
        if (s.gzip) bytes = gzipSync(bytes);
        const hinted = s.layout === 'ndjson' && (s.ndjsonName || rows.length === 1);
        const source = streamSource(hinted ? 'feed.jsonl' : 'feed.json', bytes, s.chunkSizes);
        const want = expected(rows);

        // Act + Assess
        if (s.layout === 'ndjson' && rows.length === 0) {
          // An NDJSON file without objects is whitespace only: empty.
          const error = await caught(() => readAll(source));
          expectReconError(error, { code: ErrorCodes.FILE_EMPTY, file: hinted ? 'feed.jsonl' : 'feed.json' });
          return;
        }
        const { table, rows: read, alignedAtYield } = await readAll(source, { batchSize: s.batchSize });
        expect(table.format).toBe(s.layout === 'ndjson' ? 'ndjson' : 'json');
        expect(table.compressed).toBe(s.gzip);
        expect(table.header).toEqual(want.header);
        expect(alignedAtYield.every(Boolean)).toBe(true);
        const padded = read.map((r) => [...r.values, ...Array(want.header.length - r.values.length).fill('')]);
        expect(padded).toEqual(want.values);
        expect(read.map((r) => r.line)).toEqual(lines);
      }),
      { numRuns: Number(process.env.READ_PROPERTY_RUNS ?? 300) },
    );
  });
});
