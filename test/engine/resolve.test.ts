import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BOUNDARY } from '../../lib/boundaries/index.ts';
import type { CanonRecord } from '../../lib/feeds/decode.ts';
import { resolveGroup, Resolver } from '../../lib/engine/resolve.ts';

const inv = BOUNDARY.inventory;
const rec = (side: 'oms' | 'warehouse', facility: string, version: string, line = 2): CanonRecord => ({
  feed: side === 'oms' ? 'oms-inventory' : 'warehouse-inventory', side, f: { sku: 'S', facility_id: facility, on_hand: 0n }, file: `${version}.csv`, line, version,
});
const facility = fc.constantFrom('A', 'AB', 'A B', 'B', 'DAL1', 'DAL10', '', 'é');
const version = fc.constantFrom('000000', '000001', '2026-11-26T06:00:00.000Z b/k v1', '2026-11-26T06:00:00.000Z b/k v2');

describe('resolving a group', () => {
  it('inventory compares identities exactly as their keys compare as text', () => {
    fc.assert(
      fc.property(facility, version, facility, version, (fa, va, fb, vb) => {
        const a = rec('oms', fa, va), b = rec('oms', fb, vb);
        const ka = inv.identityKey(a), kb = inv.identityKey(b);
        expect(Math.sign(inv.compareIdentity!(a, b))).toBe(Math.sign(ka < kb ? -1 : ka > kb ? 1 : 0));
      }),
      { numRuns: 2000 },
    );
  });

  // Small groups are sorted by insertion, large ones (over 32 rows a side) by index; a
  // boundary without compareIdentity is ordered by its identity keys.
  const cases = [
    { name: 'small groups', maxLength: 12, b: inv },
    { name: 'large groups', maxLength: 90, b: inv },
    { name: 'identity keys (no compareIdentity)', maxLength: 90, b: { ...inv, compareIdentity: undefined } },
  ];
  it.each(cases)('keeps one row per side and identity, the newest, in side then identity order, whatever the input order: $name', ({ maxLength, b }) => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom<'oms' | 'warehouse'>('oms', 'warehouse'), facility, version, fc.integer({ min: 2, max: 9 })), { minLength: 1, maxLength }),
        (specs) => {
          const group = specs.map(([s, f, v, l]) => rec(s, f, v, l));
          const { records, superseded } = resolveGroup(b, group);
          // One survivor per (side, identity), the newest by version then line.
          const ids = records.map((r) => r.side + '|' + inv.identityKey(r));
          expect(new Set(ids).size).toBe(ids.length);
          expect(records.length + superseded.length).toBe(group.length);
          for (const s of superseded) {
            expect(s.winner.version > s.loser.version || (s.winner.version === s.loser.version && s.winner.line >= s.loser.line)).toBe(true);
          }
          const sorted = [...ids].sort((x, y) => (x.startsWith('oms') === y.startsWith('oms') ? (x < y ? -1 : x > y ? 1 : 0) : x.startsWith('oms') ? -1 : 1));
          expect(ids).toEqual(sorted);
        },
      ),
      { numRuns: 500 },
    );
  });

  // One resolver over many groups reuses the order of the last group when a side's identities
  // come in the same order: whatever the sequence, each answer is the one a fresh resolve gives.
  it.each(cases)('resolves a sequence of groups exactly as each group alone, repeated orders included: $name', ({ maxLength, b }) => {
    const row = fc.tuple(fc.constantFrom<'oms' | 'warehouse'>('oms', 'warehouse'), facility, version, fc.integer({ min: 2, max: 9 }));
    fc.assert(
      fc.property(
        fc.array(fc.array(row, { minLength: 1, maxLength: Math.min(maxLength, 40) }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.nat(3), fc.boolean(), fc.option(fc.tuple(fc.nat(), facility))), { minLength: 1, maxLength: 12 }),
        (templates, picks) => {
          const resolver = new Resolver(b);
          for (const [t, reline, tweak] of picks) {
            // A group from a template: the same identities in the same order, other lines (so
            // other winners) — or all but one the same (one row's facility changed).
            const specs = templates[t % templates.length];
            const group = specs.map(([s, f, v, l], i) => rec(s, tweak && tweak[0] % specs.length === i ? tweak[1] : f, v, reline ? 11 - l : l));
            const alone = resolveGroup(b, group);
            expect(resolver.resolve(group)).toEqual(alone);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
