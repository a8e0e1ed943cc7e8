/**
 * The group index keeps rows in columns and rebuilds records when it hands out a group: what
 * comes out must be exactly what went in — every field, in every feed, in arrival order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BOUNDARY } from '../../lib/boundaries/index.ts';
import type { CanonRecord } from '../../lib/feeds/decode.ts';
import { GroupIndex } from '../../lib/engine/groups.ts';

/** Decimal units: small, negative, and beyond what a double holds exactly. */
const units = fc.oneof(
  fc.bigInt({ min: -5_000_000n, max: 5_000_000_000n }),
  fc.constantFrom(2n ** 53n - 1n, 2n ** 53n, -(2n ** 53n) - 7n, 10n ** 30n + 1n, 0n, 2n ** 63n - 1n, 2n ** 63n, -(2n ** 63n), -(2n ** 63n) + 1n, -(2n ** 63n) + 2n, -(2n ** 64n)),
);
const maybe = <T,>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

/** Intake rows of both feeds: a group is channel + channel order ID; optional fields come and go. */
const intakeRow = fc.record({
  side: fc.constantFrom('channel' as const, 'oms' as const),
  channel: fc.constantFrom('web', 'amazon'),
  order: fc.constantFrom('A1', 'A2', 'B7', 'a1'),
  total: maybe(units),
  currency: maybe(fc.constantFrom('USD', 'EUR')),
  status: maybe(fc.string({ maxLength: 5 })),
  omsId: maybe(fc.constantFrom('OMS-1', 'OMS-2')),
  file: fc.constantFrom('a.csv', 'b.csv', 'c.json'),
});

interface IntakeRow {
  side: 'channel' | 'oms';
  channel: string;
  order: string;
  total: bigint | undefined;
  currency: string | undefined;
  status: string | undefined;
  omsId: string | undefined;
  file: string;
}

function record(r: IntakeRow, line: number): CanonRecord {
  const common = { channel: r.channel, channel_order_id: r.order, total: r.total, currency: r.currency, status: r.status };
  return r.side === 'channel'
    ? { feed: 'channel-orders', side: 'channel', f: { ...common, placed_at: undefined }, file: r.file, line, version: r.file === 'a.csv' ? '000000' : '000001' }
    : { feed: 'oms-orders', side: 'oms', f: { ...common, oms_order_id: r.omsId, created_at: undefined }, file: r.file, line, version: '000002' };
}

describe('GroupIndex', () => {
  it('hands back every record exactly, grouped by key, in arrival order', () => {
    fc.assert(
      fc.property(fc.array(intakeRow, { maxLength: 60 }), fc.constantFrom(0, 2 ** 30 - 30, 2 ** 31, 2 ** 32 + 7, 2 ** 52), (rows, lineOffset) => {
        // Prepare: line numbers small and huge (a file may have billions of lines)
        const records = rows.map((r, i) => record(r, lineOffset + i + 2));
        const index = new GroupIndex(BOUNDARY.intake);
        // Act
        for (const r of records) index.add(structuredClone(r));
        const groups = [...index.groups()];
        // Assess: the expected groups, by first arrival, each in arrival order
        const expected = new Map<string, CanonRecord[]>();
        for (const r of records) {
          const k = `${r.f.channel}\u001f${r.f.channel_order_id}`;
          expected.set(k, [...(expected.get(k) ?? []), r]);
        }
        expect(index.size).toBe(records.length);
        expect(groups).toEqual([...expected.values()]);
      }),
      { numRuns: 300 },
    );
  });

  it('appending indexes built apart (by worker threads) gives what adding every row to one would', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(intakeRow, { maxLength: 30 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 70_000 }),
        (parts, filler) => {
          // Prepare: parts of rows (one per file); some parts start with many rows of their own
          const whole = new GroupIndex(BOUNDARY.intake);
          const apart: GroupIndex[] = [];
          let line = 2;
          parts.forEach((rows, p) => {
            const index = new GroupIndex(BOUNDARY.intake);
            const many = p === 1 ? filler : 0; // more than a page of rows (65,536), in a group of their own
            for (let k = 0; k < many; k++) {
              const r = record({ side: 'oms', channel: 'bulk', order: `F${k % 7}`, total: BigInt(k), currency: 'USD', status: k % 3 ? 's' : undefined, omsId: `OMS-F${k}`, file: 'big.csv' }, line++);
              whole.add(r);
              index.add(r);
            }
            for (const row of rows) {
              const r = record(row, line++);
              whole.add(structuredClone(r));
              index.add(structuredClone(r));
            }
            apart.push(index);
          });
          // Act: the first index takes the others' states, cloned as a worker's message would be
          const merged = apart[0];
          for (const index of apart.slice(1)) {
            const { state, transfer } = index.state();
            merged.append(structuredClone(state, { transfer }));
          }
          // Assess
          expect([...merged.groups()]).toEqual([...whole.groups()]);
        },
      ),
      { numRuns: 40 },
    );
    // About 23 s on a quiet 2-core machine (up to 40 runs of 70k rows): more than the default 30 s when the machine is busy.
  }, 120_000);

  it('gives back thousands of inventory rows of mixed feeds', () => {
    // Prepare: thousands of rows of two feeds, interleaved
    const index = new GroupIndex(BOUNDARY.inventory);
    const n = 5000;
    for (let i = 0; i < n; i++) {
      index.add({
        feed: i % 2 ? 'warehouse-inventory' : 'oms-inventory',
        side: i % 2 ? 'warehouse' : 'oms',
        f: i % 2
          ? { sku: `S${i >> 3}`, facility_id: 'DAL1', on_hand: BigInt(i) * 10n ** 6n, counted_at: '2026-11-26T10:00:00.000Z' }
          : { sku: `S${i >> 3}`, facility_id: 'ATL1', on_hand: -BigInt(i), as_of: undefined },
        file: i % 2 ? 'wh.csv' : 'oms.csv',
        line: i + 2,
        version: i % 2 ? '000001' : '000000',
      });
    }
    // Act
    const groups = [...index.groups()];
    // Assess
    expect(groups).toHaveLength(n / 8);
    expect(groups.flat().map((r) => r.line)).toEqual(Array.from({ length: n }, (_, i) => i + 2));
    expect(groups[10][3].f).toEqual({ sku: 'S10', facility_id: 'DAL1', on_hand: 83n * 10n ** 6n, counted_at: '2026-11-26T10:00:00.000Z' });
    expect(groups[10][4].f).toEqual({ sku: 'S10', facility_id: 'ATL1', on_hand: -84n, as_of: undefined });
  });

  it('gives back rows spread over several pages, with columns that first appear on a later page', () => {
    // Prepare: 70,000 OMS rows without on_hand or counted_at, then 70,000 warehouse rows with
    // both: those columns start on the second page (a page holds 65,536 rows)
    const index = new GroupIndex(BOUNDARY.inventory);
    const n = 70_000;
    for (let i = 0; i < 2 * n; i++) {
      const wh = i >= n;
      index.add({
        feed: wh ? 'warehouse-inventory' : 'oms-inventory',
        side: wh ? 'warehouse' : 'oms',
        f: wh
          ? { sku: `S${i % n}`, facility_id: `F${i % 3}`, on_hand: i % 5 === 0 ? undefined : BigInt(i) * 10n ** 5n, counted_at: `2026-11-26T10:00:${String(i % 60).padStart(2, '0')}.000Z` }
          : { sku: `S${i % n}`, facility_id: `F${i % 3}`, as_of: i % 4 === 0 ? undefined : '2026-11-26T06:00:00.000Z' },
        file: wh ? 'wh.csv' : 'oms.csv',
        line: (i % n) + 2,
        version: wh ? '000001' : '000000',
      });
    }
    // Act
    const groups = [...index.groups()];
    // Assess: one group per SKU, its OMS row then its warehouse row, every value as it went in
    expect(groups).toHaveLength(n);
    for (const k of [0, 1, 65_535, 65_536, 65_537, n - 1]) {
      const w = n + k;
      expect(groups[k]).toEqual([
        { feed: 'oms-inventory', side: 'oms', f: { sku: `S${k}`, facility_id: `F${k % 3}`, as_of: k % 4 === 0 ? undefined : '2026-11-26T06:00:00.000Z' }, file: 'oms.csv', line: k + 2, version: '000000' },
        { feed: 'warehouse-inventory', side: 'warehouse', f: { sku: `S${k}`, facility_id: `F${w % 3}`, on_hand: w % 5 === 0 ? undefined : BigInt(w) * 10n ** 5n, counted_at: `2026-11-26T10:00:${String(w % 60).padStart(2, '0')}.000Z` }, file: 'wh.csv', line: k + 2, version: '000001' },
      ]);
    }
  });

  it('gives back every value of a column with more distinct values than its dictionary holds', () => {
    // Prepare: 70,000 distinct statuses (the dictionary turns plain past 65,536), some rows without one
    const index = new GroupIndex(BOUNDARY.intake);
    const n = 70_000;
    for (let i = 0; i < n; i++) {
      index.add({
        feed: 'oms-orders', side: 'oms',
        f: { channel: 'web', channel_order_id: `W${i % 1000}`, oms_order_id: `OMS-${i}`, created_at: undefined, total: BigInt(i), currency: 'USD', status: i % 7 === 0 ? undefined : `status ${i}` },
        file: 'oms.csv', line: i + 2, version: '000000',
      });
    }
    // Act
    const rows = [...index.groups()].flat().sort((a, b) => a.line - b.line);
    // Assess
    expect(rows).toHaveLength(n);
    for (const i of [0, 1, 7, 65_535, 65_536, 65_537, 69_999]) {
      expect(rows[i].f).toEqual({ channel: 'web', channel_order_id: `W${i % 1000}`, oms_order_id: `OMS-${i}`, created_at: undefined, total: BigInt(i), currency: 'USD', status: i % 7 === 0 ? undefined : `status ${i}` });
    }
  });
});
