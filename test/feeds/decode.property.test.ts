/**
 * The row decoder is generated from the feed catalog for speed; the zod schema of each feed
 * is derived from the same field specs. Whatever the cells, the two must agree: the same
 * rows accepted, with the same typed values, and the same rows rejected.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FEED_NAMES, FEEDS, type FeedName } from '../../lib/feeds/catalog.ts';
import { compileDecoder, isRejection } from '../../lib/feeds/decode.ts';
import { FEED_SCHEMAS } from '../../lib/feeds/schemas.ts';

/** Cells a partner file may hold: valid values of every kind, near misses, blanks and padding. */
const cell = fc.oneof(
  fc.constantFrom('', ' ', 'SKU-1', 'DAL1', 'Shopify', '#1001', 'ok', 'x\u0001y'),
  fc.constantFrom('12.3', '12.30', '1,234.50', '(5.00)', '-0', '0', '17', '2.5', '1.2345678', '1,23', '12 units', '1e3', '.5', '+7'),
  fc.constantFrom('USD', 'eur', 'US$', 'EURO'),
  fc.constantFrom('2026-11-26', '2026-11-26T10:00:00Z', '2026-11-26 10:00:00 -0500', '2026-02-30', '26/11/2026', '2026-11-26T25:00:00Z'),
  fc.constantFrom('sale', 'INV', 'credit_memo', 'CM', 'rma', 'chargeback', 'allocated', 'FULFILLED', 'canceled', 'shipped'),
  fc.string({ maxLength: 12 }),
).chain((v) => fc.constantFrom(v, ` ${v}`, `${v}\t`));

function agree(feed: FeedName) {
  const names = Object.keys(FEEDS[feed].fields);
  return fc.property(
    fc.shuffledSubarray(names, { minLength: names.length, maxLength: names.length }),
    fc.array(cell, { minLength: names.length, maxLength: names.length }),
    (header, cells) => {
      // Prepare: one row with the columns in a random order
      const decode = compileDecoder({ feed: FEEDS[feed], header, file: 'f.csv', version: 'v', strictWidth: true });
      const byName = Object.fromEntries(header.map((h, i) => [h, cells[i]]));
      // Act
      const fast = decode({ line: 2, values: cells });
      const slow = FEED_SCHEMAS[feed].safeParse(byName);
      // Assess
      expect(isRejection(fast)).toBe(!slow.success);
      if (!isRejection(fast) && slow.success) {
        for (const n of names) expect(fast.f[n], n).toEqual(slow.data[n]);
      }
    },
  );
}

/**
 * A text row (an unquoted CSV line decoded straight from the text) must decode exactly as the
 * same line split into cells: the same record, or the same rejection with the same reason.
 */
const ascii = (s: string) => /^[\0-\u007f]*$/.test(s);
const bytesOf = (s: string) => {
  const b = Buffer.from(s, 'latin1');
  return new DataView(b.buffer, b.byteOffset, b.length);
};

function textAgrees(feed: FeedName) {
  const names = Object.keys(FEEDS[feed].fields);
  const delimiters = [',', ';', '\t', '|'];
  return fc.property(
    fc.shuffledSubarray(names, { minLength: names.length, maxLength: names.length }),
    fc.array(cell, { minLength: 0, maxLength: names.length + 1 }),
    fc.constantFrom(...delimiters),
    fc.nat(3),
    (header, raw, delimiter, repeat) => {
      // Prepare: cells without the delimiter or a line break (an unquoted line), in a text
      // with other lines around it; a repeated line exercises the caches of the last value.
      const cells = raw.map((c) => c.split(delimiter).join('').replace(/[\r\n"]/g, ''));
      const line = cells.join(delimiter);
      const decode = compileDecoder({ feed: FEEDS[feed], header, file: 'f.csv', version: 'v', strictWidth: true, delimiter });
      // The same decoder handing every row in one reused record (for a consumer that copies).
      const reusing = compileDecoder({ feed: FEEDS[feed], header, file: 'f.csv', version: 'v', strictWidth: true, delimiter, reuse: true });
      const before = `x${delimiter}y\n`;
      const text = before + `${line}\n`.repeat(repeat + 1) + 'tail';
      for (let k = 0; k <= repeat; k++) {
        const start = before.length + k * (line.length + 1);
        // Act
        const fromText = decode({ line: 2 + k, values: [], text, start, end: start + line.length });
        const fromCells = decode({ line: 2 + k, values: line === '' ? [''] : line.split(delimiter) });
        // An ASCII text's bytes come along (RawRow.bytes): cells are then compared as bytes.
        const fromBytes = ascii(text) ? decode({ line: 2 + k, values: [], text, start, end: start + line.length, bytes: bytesOf(text) }) : fromCells;
        // Assess
        expect(fromText).toEqual(fromCells);
        expect(fromBytes).toEqual(fromCells);
        expect(reusing({ line: 2 + k, values: [], text, start, end: start + line.length })).toEqual(fromCells);
        expect(reusing({ line: 2 + k, values: line === '' ? [''] : line.split(delimiter) })).toEqual(fromCells);
      }
    },
  );
}

describe('the generated row decoder and the zod schema of each feed', () => {
  for (const feed of FEED_NAMES) {
    it(`agree on any row of ${feed}`, () => {
      fc.assert(agree(feed), { numRuns: 400 });
    });
  }

  for (const feed of FEED_NAMES) {
    it(`reads a text row of ${feed} exactly as the same row split into cells`, () => {
      fc.assert(textAgrees(feed), { numRuns: 400 });
    });
  }

  it('rejects a row of another width with its line, and never throws on any cells', () => {
    const decode = compileDecoder({ feed: FEEDS['oms-inventory'], header: ['sku', 'facility_id', 'on_hand'], file: 'f.csv', version: 'v', strictWidth: true });
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 6 }), fc.integer({ min: 2, max: 1e6 }), (values, line) => {
        const d = decode({ line, values });
        if (values.length !== 3) expect(d).toEqual({ file: 'f.csv', line, reason: `expected 3 fields, found ${values.length}` });
        else if (isRejection(d)) expect(d.line).toBe(line);
        else expect(d.f.sku).toBe(values[0].trim());
      }),
      { numRuns: 2000 },
    );
  });
});
