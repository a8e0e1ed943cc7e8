/**
 * Fuzz: whatever the bytes — random, or valid CSV/JSON/NDJSON (optionally gzipped) with
 * random mutations — reading either succeeds with sane rows or fails with a ReconError
 * naming the file. Never a TypeError, RangeError or stack trace.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReconError } from '../../lib/errors.ts';
import { readAll, streamSource } from './helpers.ts';

const RUNS = Number(process.env.READ_PROPERTY_RUNS ?? 300);

const SAMPLES = [
  'sku,facility_id,on_hand\nA-1,DAL1,12\n"B,2",DAL1,"3"\r\n"C ""x""","DAL\n2",-4\n',
  'id;name;amount\r\n1;"Smith; John";12,30\r\n2;Émile;7\r\n',
  'a|b\n1|2\n\n3|"4\r5"',
  '[{"order_id":"A1","amount":12.30,"ok":true},{"order_id":"A2","amount":-1e3,"x":null,"n":[1,{"y":"z"}]}]',
  '{"order_id":"A1","amount":12.30}\n{"order_id":"A2","amount":5,"note":"\\u00e9\\n"}\n\n',
  '{\n  "generated_at": "2024-05-01",\n  "orders": [\n    {"id": 1, "total": "9.99"},\n    {"id": 2}\n  ],\n  "count": 2\n}\n',
];

/** Bytes that tend to matter to the parsers and the UTF-8 decoder. */
const interestingByte = fc.oneof(
  fc.constantFrom(0x22, 0x2c, 0x3b, 0x7c, 0x09, 0x0a, 0x0d, 0x7b, 0x7d, 0x5b, 0x5d, 0x5c, 0x3a, 0x20, 0x00, 0xff, 0xc3, 0xe2, 0xf0, 0x80, 0xef, 0xbb, 0xbf, 0x1f, 0x8b),
  fc.integer({ min: 0, max: 255 }),
);

const mutation = fc.oneof(
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), byte: interestingByte }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), byte: interestingByte }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), byte: fc.constant(0) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat(), byte: fc.constant(0) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(input: Uint8Array, mutations: Mutation[]): Uint8Array {
  const bytes = [...input];
  for (const m of mutations) {
    const at = bytes.length === 0 ? 0 : m.at % (bytes.length + (m.op === 'insert' ? 1 : 0));
    if (m.op === 'replace' && bytes.length) bytes[at] = m.byte;
    else if (m.op === 'insert') bytes.splice(at, 0, m.byte);
    else if (m.op === 'delete') bytes.splice(at, 1);
    else if (m.op === 'truncate') bytes.length = at;
  }
  return Uint8Array.from(bytes);
}

/** Reads the bytes; any failure must be a ReconError naming the file; rows must be sane. */
async function readsOrFailsCleanly(name: string, bytes: Uint8Array, chunkSizes: number[]): Promise<void> {
  try {
    const { rows } = await readAll(streamSource(name, bytes, chunkSizes), { batchSize: 3 });
    for (let k = 0; k < rows.length; k++) {
      expect(Number.isInteger(rows[k].line) && rows[k].line >= 1).toBe(true);
      if (k > 0) expect(rows[k].line).toBeGreaterThanOrEqual(rows[k - 1].line);
      expect(rows[k].values.every((v) => typeof v === 'string')).toBe(true);
    }
  } catch (e) {
    if (!(e instanceof ReconError)) throw e;
    expect(e.file).toBe(name);
    expect(e.message.length).toBeGreaterThan(0);
  }
}

const chunkSizes = fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 4 });

describe('reader fuzz', () => {
  it('random bytes: rows or a ReconError, nothing else', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), fc.boolean(), chunkSizes, async (bytes, gzip, sizes) => {
        await readsOrFailsCleanly('random.bin', gzip ? gzipSync(bytes) : bytes, sizes);
      }),
      { numRuns: RUNS },
    );
  });

  it('random ASCII-ish text: rows or a ReconError', async () => {
    const textish = fc.string({ unit: fc.constantFrom(...'{}[]",:;|\t\r\n \\ab01-.eE+tfnul'), maxLength: 200 });
    await fc.assert(
      fc.asyncProperty(textish, chunkSizes, async (text, sizes) => {
        await readsOrFailsCleanly('text.txt', Buffer.from(text), sizes);
      }),
      { numRuns: RUNS },
    );
  });

  it('mutated valid CSV / JSON / NDJSON (plain and gzipped): rows or a ReconError', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SAMPLES),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        fc.constantFrom('plain', 'gzip-then-mutate', 'mutate-then-gzip'),
        chunkSizes,
        async (sample, mutations, mode, sizes) => {
          const plain = Buffer.from(sample, 'utf8');
          const bytes =
            mode === 'plain'
              ? mutate(plain, mutations)
              : mode === 'gzip-then-mutate'
                ? mutate(gzipSync(plain), mutations)
                : gzipSync(mutate(plain, mutations));
          await readsOrFailsCleanly('feed.dat', bytes, sizes);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });
});
