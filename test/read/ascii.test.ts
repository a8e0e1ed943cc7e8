/**
 * ASCII chunks come with their bytes, and short cells are compared as bytes: the bytes must
 * always be the text's characters, and a byte comparison must answer exactly as comparing
 * the strings would.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HeldText, sameBytes } from '../../lib/read/ascii.ts';
import { openTable } from '../../lib/read/open.ts';
import { streamSource } from './helpers.ts';

const view = (s: string) => {
  const b = Buffer.from(s, 'latin1');
  return new DataView(b.buffer, b.byteOffset, b.length);
};
const ascii = fc.string({ unit: fc.constantFrom('a', 'b', 'A', '0', '-', ' ', '\u007f', '\u0001'), maxLength: 40 });

describe('comparing ASCII text as bytes', () => {
  it('sameBytes answers as comparing the two slices', () => {
    fc.assert(
      fc.property(ascii, ascii, fc.nat(40), fc.nat(40), fc.nat(40), fc.boolean(), (a, x, p, q, m, equal) => {
        // Prepare: ranges inside each string (often of equal text)
        const b = equal ? x + a : x;
        const n = Math.min(m, a.length, b.length);
        const as = p % (a.length - n + 1), bs = equal ? x.length + as : q % (b.length - n + 1);
        // Act
        const same = sameBytes(view(a), as, view(b), bs, n);
        // Assess
        expect(same).toBe(a.slice(as, as + n) === b.slice(bs, bs + n));
      }),
      { numRuns: 3000 },
    );
  });

  it('a held value matches a cell exactly when the strings are equal, with bytes or without', () => {
    const anyText = fc.oneof(ascii, fc.string({ maxLength: 12 }), fc.constantFrom('2026-11-26T06:00:00Z', 'é', 'USD', 'x'.repeat(70)));
    fc.assert(
      fc.property(anyText, anyText, anyText, fc.boolean(), (held, before, cell, withBytes) => {
        // Prepare: the cell inside a text, with the text's bytes when it is ASCII
        const h = new HeldText();
        h.value = held;
        const text = `${before}${cell},`;
        const isAscii = /^[\0-\u007f]*$/.test(text);
        // Act
        const matched = h.matches(text, before.length, before.length + cell.length, withBytes && isAscii ? view(text) : undefined);
        // Assess
        expect(h.value).toBe(held);
        expect(matched).toBe(cell === held);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('text rows of ASCII chunks', () => {
  it('carry bytes equal to their characters, and none where a chunk is not ASCII', async () => {
    // Prepare: a BOM, ASCII lines and some with non-ASCII characters, over chunks of several sizes
    const lines = ['sku,facility_id,on_hand'];
    const n = 20_000; // about 400 kB: several chunks of 64 KiB, only some of them all ASCII
    for (let i = 0; i < n; i++) lines.push(i > 6000 && i < 9000 && i % 97 === 0 ? `SKU-é${i},DAL1,${i}` : `SKU-${i},DAL1,${i}`);
    const csv = '\uFEFF' + lines.join('\r\n') + '\r\n';
    for (const sizes of [[64 * 1024], [7, 1000, 13], [4096]]) {
      const table = await openTable(streamSource('inv.csv', csv, sizes));
      table.textRows!();
      // Act
      let withBytes = 0, without = 0;
      for await (const batch of table.rows()) {
        for (const row of batch) {
          const { text, start, end, bytes } = row;
          expect(text).toBeDefined();
          if (bytes === undefined) {
            without++;
            continue;
          }
          // Assess: every byte of the row is its character
          withBytes++;
          let chars = '';
          for (let i = start!; i < end!; i++) chars += String.fromCharCode(bytes.getUint8(i));
          if (chars !== text!.slice(start, end)) expect(chars).toBe(text!.slice(start, end));
        }
      }
      expect(withBytes + without).toBe(n);
      expect(withBytes).toBeGreaterThan(0);
      expect(without).toBeGreaterThan(0);
    }
  });
});
