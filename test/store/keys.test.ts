import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  compareCodePoints,
  decodeRecordSk,
  encodeRecordSk,
  fileIdOf,
  fnv1a32,
  recordVersion,
  shardOf,
} from '../../lib/store/keys.ts';
import { itemSize } from '../../lib/store/attr.ts';
import { isReconError } from '../../lib/errors.ts';
import type { KeyedRecord } from '../../lib/store/types.ts';

const utf8Compare = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** Key part text: any characters but control characters (the decoder rejects those rows). */
const keyText = fc.string({ unit: 'grapheme', maxLength: 6 }).filter((s) => !/[\u0000-\u001f]/.test(s));

function rec(over: Partial<KeyedRecord>): KeyedRecord {
  return {
    boundary: 'inventory', group: ['SKU-1'], side: 'oms', identity: ['DAL1'], version: 'v1',
    feed: 'oms-inventory', fields: { on_hand: '5' }, fileId: 'f1', file: 's3://b/k.csv', line: 2, ...over,
  };
}

describe('record sort key', () => {
  it('decodes to the group, side and identity it was built from, and holds no version (one item per identity)', () => {
    fc.assert(
      fc.property(fc.array(keyText, { minLength: 1, maxLength: 3 }), fc.array(keyText, { maxLength: 3 }), fc.string({ unit: 'binary', maxLength: 40 }), (group, identity, version) => {
        // Prepare
        const r = rec({ group, identity, version, side: 'warehouse' });
        // Act
        const sk = encodeRecordSk(r);
        const d = decodeRecordSk(sk);
        // Assess
        expect(d).toMatchObject({ group, identity, side: 'warehouse' });
        expect(sk).toBe(encodeRecordSk(rec({ group, identity, version: 'another', side: 'warehouse' })));
      }),
    );
  });

  it('keeps [] and [""] identities apart', () => {
    expect(decodeRecordSk(encodeRecordSk(rec({ identity: [] })))!.identity).toEqual([]);
    expect(decodeRecordSk(encodeRecordSk(rec({ identity: [''] })))!.identity).toEqual(['']);
  });

  it('never interleaves groups whose values are prefixes of each other (UTF-8 byte order, as DynamoDB sorts)', () => {
    const part = fc.constantFrom('', 'A', 'B', 'AB', 'A B', 'p', 'Ä', '😀', '\uff01');
    const record = fc.record({
      group: fc.array(part, { minLength: 1, maxLength: 3 }),
      side: fc.constantFrom('oms', 'warehouse'),
      identity: fc.array(part, { maxLength: 2 }),
      version: fc.constantFrom('1', '2', '10', '1\u001f2'),
    });
    fc.assert(
      fc.property(fc.array(record, { minLength: 2, maxLength: 40 }), (rs) => {
        // Prepare
        const sks = rs.map((r) => encodeRecordSk(rec({ ...r, side: r.side as 'oms' })));
        // Act
        sks.sort(utf8Compare);
        // Assess: once a group's run ends, that group never appears again
        const seen = new Set<string>();
        let previous: string | undefined;
        for (const sk of sks) {
          const g = JSON.stringify(decodeRecordSk(sk)!.group);
          if (g !== previous) {
            expect(seen.has(g)).toBe(false);
            seen.add(g);
            previous = g;
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('rejects a key value with a control character, naming file and line', () => {
    // Act
    let caught: unknown;
    try {
      encodeRecordSk(rec({ group: ['SKU\u001f1'], file: 'counts.csv', line: 7 }));
    } catch (e) {
      caught = e;
    }
    // Assess
    expect(isReconError(caught) && caught.code).toBe('E_STORAGE');
    expect(isReconError(caught) && caught.describe()).toMatch(/^counts\.csv:7: /);
  });

  it('rejects a key over DynamoDB 1024-byte sort key limit', () => {
    expect(() => encodeRecordSk(rec({ group: ['é'.repeat(600)] }))).toThrow(/1024-byte/);
  });
});

describe('shardOf', () => {
  it('is FNV-1a 32 over UTF-8 (published test vectors)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('hashes the UTF-8 bytes of any text, as a byte-level FNV-1a does', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (s) => {
        let h = 0x811c9dc5;
        for (const b of new TextEncoder().encode(s)) h = Math.imul(h ^ b, 0x01000193);
        expect(fnv1a32(s)).toBe(h >>> 0);
      }),
    );
  });

  it('spreads groups over shards and keeps each group on one shard', () => {
    // Act
    const counts = new Array(16).fill(0);
    for (let i = 0; i < 16_000; i++) counts[shardOf([`SKU-${i}`], 16)]++;
    // Assess
    expect(Math.min(...counts)).toBeGreaterThan(800);
    expect(Math.max(...counts)).toBeLessThan(1200);
    expect(shardOf(['amazon', '113-1'], 7)).toBe(shardOf(['amazon', '113-1'], 7));
    expect(() => shardOf(['x'], 0)).toThrow(/positive integer/);
  });
});

describe('compareCodePoints', () => {
  it('orders text as its UTF-8 bytes do', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 8 }), (a, b) => {
        expect(Math.sign(compareCodePoints(a, b))).toBe(Math.sign(utf8Compare(a, b)));
      }),
      { numRuns: 2000 },
    );
    expect(compareCodePoints('\uff01', '😀')).toBeLessThan(0); // JS `<` says the opposite
  });
});

describe('recordVersion', () => {
  it('orders by snapshot time, then event time, then sequencer (padded: a longer sequencer is not a smaller one), then line', () => {
    const v = (o: Partial<Parameters<typeof recordVersion>[0]>) => recordVersion({ eventTime: '2026-11-26T06:00:00.000Z', sequencer: '0A', line: 2, ...o });
    const ordered = [
      v({ snapshot: '2026-11-25T06:00:00.000Z', eventTime: '2026-11-27T06:00:00.000Z' }),
      v({ snapshot: '2026-11-26T06:00:00.000Z', eventTime: '2026-11-20T06:00:00.000Z' }),
      v({ snapshot: '2026-11-26T06:00:00.000Z' }),
    ];
    expect([...ordered].sort()).toEqual(ordered);
    const plain = [v({}), v({ line: 10 }), v({ sequencer: 'F' + '0'.repeat(15) }), v({ sequencer: '1' + '0'.repeat(16) }), v({ eventTime: '2026-11-26T06:00:00.001Z', sequencer: '01' })];
    expect([...plain].sort()).toEqual(plain);
    // ASCII: JavaScript's order is DynamoDB's byte order
    for (const x of [...ordered, ...plain]) expect(x).toMatch(/^[\x20-\x7e]+$/);
  });
});

describe('fileIdOf', () => {
  it('is 16 characters whatever the key length, and differs per bucket, key and object version', () => {
    const long = { bucket: 'b', key: 'inbound/oms-inventory/' + 'x'.repeat(1000), objectVersion: 'v1' };
    expect(fileIdOf(long)).toMatch(/^[A-Za-z0-9_-]{16}$/);
    const ids = new Set([fileIdOf(long), fileIdOf({ ...long, objectVersion: 'v2' }), fileIdOf({ ...long, key: long.key + 'y' }), fileIdOf({ ...long, bucket: 'c' })]);
    expect(ids.size).toBe(4);
  });
});

describe('itemSize', () => {
  it('counts names and values as DynamoDB bills them', () => {
    // pk(2)+"ab"(2) + n(1)+123.45(5 digits → 3+1=4) + m(1)+[3 + x(1)+"é"(2)+1] = 4+5+8 = 17
    expect(itemSize({ pk: { S: 'ab' }, n: { N: '123.45' }, m: { M: { x: { S: 'é' } } } })).toBe(17);
  });
});
