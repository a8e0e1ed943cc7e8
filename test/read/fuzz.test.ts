/**
 * Fuzz: whatever the bytes — random, or valid CSV/JSON/NDJSON (optionally gzipped) with
 * random mutations — reading either succeeds with sane rows or fails with a ReconError
 * naming the file. Never a TypeError, RangeError or stack trace.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../../lib/config.ts';
import { reconcileFiles } from '../../lib/engine/reconcile.ts';
import { ReconError } from '../../lib/errors.ts';
import { BOUNDARIES, FEED_NAMES, FEEDS } from '../../lib/feeds/catalog.ts';
import { compileDecoder, isRejection } from '../../lib/feeds/decode.ts';
import { parseMappingText } from '../../lib/partners/mapping-file.ts';
import { prepareTable } from '../../lib/partners/transform.ts';
import { openTable } from '../../lib/read/open.ts';
import { boundaryFiles, feedsOf, PROTO_NAMES } from '../support/hostile.ts';
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

// ---------------------------------------------------------------------------------------
// Beyond the readers (issue 9): the decoders, the mapping engine and a whole run. `npm run
// fuzz` runs all of this longer (FUZZ_RUNS); the CLI-against-pipeline half is in
// test/pipeline/fuzz.connected.test.ts.

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 100);

/** Cells that tend to matter to the decoders: hostile names, long and odd numbers, control characters, blanks. */
const hostileCell = fc.oneof(
  fc.constantFrom(...PROTO_NAMES),
  fc.constantFrom('', ' ', '1', '-0', '1e3', '1,234.50', '(12.30)', '0.0000001', '9'.repeat(60), '2026-02-30', '2026-11-26T10:00:00Z', 'USD', 'us$', 'sale', 'CM', 'allocated', '\u0000', 'a\u001fb', 'é', '😀'),
  fc.string({ maxLength: 12 }),
  fc.integer({ min: 1, max: 2000 }).map((n) => 'k'.repeat(n)),
);

describe('decoder fuzz', () => {
  it('any cells, any header order, text rows or split rows: a record or a rejection with its line, nothing else', async () => {
    await fc.assert(
      fc.property(fc.constantFrom(...FEED_NAMES), fc.array(hostileCell, { minLength: 1, maxLength: 10 }), fc.boolean(), fc.nat(), (feed, cells, asText, shift) => {
        const names = Object.keys(FEEDS[feed].fields);
        const header = names.map((_, i) => names[(i + shift) % names.length]);
        const decode = compileDecoder({ feed: FEEDS[feed], header, file: 'f.csv', version: 'v', strictWidth: true, limits: { numberDigits: 40, keyBytes: 512, rowBytes: 4096 } });
        const values = header.map((_, i) => cells[i % cells.length]);
        const text = values.join(',');
        const row = asText && !/[",\r\n]/.test(text) ? { line: 7, values: [], text, start: 0, end: text.length } : { line: 7, values };
        const d = decode(row);
        if (isRejection(d)) {
          expect(d).toEqual({ file: 'f.csv', line: 7, reason: expect.any(String) });
          expect(d.reason.length).toBeLessThan(2000); // a reason never carries a whole cell
        } else {
          expect(d.line).toBe(7);
          for (const [name, v] of Object.entries(d.f)) {
            expect(Object.hasOwn(FEEDS[feed].fields, name)).toBe(true);
            expect(v === undefined || typeof v === 'string' || typeof v === 'bigint').toBe(true);
          }
          const spec = FEEDS[feed].fields;
          for (const n of names) if (spec[n].kind === 'enum' && d.f[n] !== undefined) expect(Object.values(spec[n].values!)).toContain(d.f[n]);
        }
      }),
      { numRuns: FUZZ_RUNS * 5 },
    );
  });
});

describe('mapping engine fuzz', () => {
  const mappingJson = fc.record({
    name: fc.oneof(fc.constantFrom(...PROTO_NAMES), fc.string({ maxLength: 8 })),
    feed: fc.oneof(fc.constantFrom(...FEED_NAMES), fc.constantFrom(...PROTO_NAMES)),
    match: fc.option(fc.record({ headers: fc.array(fc.oneof(fc.constantFrom(...PROTO_NAMES), fc.constantFrom('sku', 'qty', 'loc')), { maxLength: 3 }) }), { nil: undefined }),
    columns: fc.dictionary(fc.oneof(fc.constantFrom(...PROTO_NAMES), fc.constantFrom('sku', 'facility_id', 'on_hand', 'order_id')), fc.oneof(fc.constantFrom(...PROTO_NAMES), fc.constantFrom('sku', 'qty', 'loc'))),
  });

  it('a mapping file of hostile keys and values is refused with CONFIG_INVALID or read; a file it maps is read row for row', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mappingJson, { maxLength: 3 }), fc.constantFrom(...PROTO_NAMES), async (mappings, cellName) => {
        // JSON text, as a user writes it (so a `__proto__` key is a key, as JSON.parse makes it)
        const text = JSON.stringify({ mappings });
        let parsed: ReturnType<typeof parseMappingText>;
        try {
          parsed = parseMappingText(text, 'mappings.json');
        } catch (e) {
          expect(e).toBeInstanceOf(ReconError);
          expect((e as ReconError).code).toBe('E_CONFIG_INVALID');
          return;
        }
        for (const m of parsed) for (const k of Object.keys(m.columns)) expect(Object.hasOwn(FEEDS[m.feed].fields, k)).toBe(true);
        const body = `sku,qty,loc,${cellName}\nA,1,DAL1,x\nB,${cellName},DAL1,y\n`;
        const table = await openTable(streamSource('in.csv', body));
        const prepared = prepareTable('oms-inventory', table, { mappings: parsed });
        let rows = 0;
        for await (const batch of prepared.table.rows()) for (const r of batch) rows += r.span ?? 1;
        expect(rows).toBe(2);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});

describe('whole-run fuzz (CLI engine)', () => {
  it('mutated feed files: a ReconError naming a file, or a report where every file has read = used + rejected', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oms-recon-fuzz-'));
    try {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...BOUNDARIES), fc.array(mutation, { maxLength: 4 }), fc.array(fc.record({ field: fc.nat(), value: hostileCell }), { maxLength: 3 }), async (boundary, mutations, cells) => {
          const [a, b] = feedsOf(boundary);
          const files = boundaryFiles(boundary, cells.map((c) => {
            const fields = Object.keys(FEEDS[a].fields);
            return { on: a, field: fields[c.field % fields.length], value: c.value.replace(/[,"\r\n]/g, '') };
          }));
          const bytes = mutate(Buffer.from(files[a]), mutations);
          const inputs = [
            { side: FEEDS[a].side, source: streamSource(`${a}.csv`, bytes, [64]) },
            { side: FEEDS[b].side, source: streamSource(`${b}.csv`, files[b]) },
          ];
          try {
            const report = await reconcileFiles({ boundary, inputs, config: DEFAULT_CONFIG, now: new Date('2026-11-26T00:00:00Z') });
            for (const f of report.files) expect(f.read, f.file).toBe(f.used + f.rejected);
            expect(report.summary.rows.rejected).toBe(report.rejected.length);
          } catch (e) {
            if (!(e instanceof ReconError)) throw e;
            expect([`${a}.csv`, `${b}.csv`, `${a}.csv, ${b}.csv`]).toContain(e.file);
          }
        }),
        { numRuns: FUZZ_RUNS },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
