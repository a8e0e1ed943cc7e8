import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BOUNDARIES, FEED_NAMES } from '../../lib/feeds/catalog.ts';
import { generateSample, writeSample, type SampleSet } from '../../lib/sample/generate.ts';
import { open, rowsOf } from './helpers.ts';
import { tempDir } from '../support/feeds.ts';

/** Removed after this file's tests. */
const scratch = tempDir();

const SEEDS = Array.from({ length: 25 }, (_, i) => i + 1);

const ALL_TYPES = {
  intake: ['missing_in_oms', 'duplicate_in_oms', 'unexpected_in_oms', 'field_mismatch'],
  fulfillment: ['not_shipped', 'reassigned', 'unrecorded_split', 'quantity_mismatch', 'shipped_not_allocated'],
  inventory: ['quantity_mismatch', 'missing_in_oms', 'missing_in_warehouse'],
  financial: ['not_booked', 'unexpected_in_erp', 'return_not_credited', 'credit_without_return', 'amount_mismatch'],
} as const;

function fingerprint(set: SampleSet): string {
  return JSON.stringify({
    files: set.files.map((f) => [f.feed, f.name, Buffer.from(f.content).toString('base64')]),
    key: set.answerKey,
  });
}

describe('generateSample', () => {
  it('is a pure function of the seed', () => {
    // Act
    const a = generateSample({ seed: 7 });
    const b = generateSample({ seed: 7 });
    // Assess
    expect(fingerprint(a)).toBe(fingerprint(b));
  });

  it('gives different keys, values, counts and formats for different seeds', () => {
    // Act
    const sets = [1, 2, 3, 4].map((seed) => generateSample({ seed }));
    // Assess
    const keys = sets.map((s) => JSON.stringify(s.answerKey.intake.discrepancies.map((d) => d.key)));
    const counts = sets.map((s) => s.files.map((f) => f.content.length).join(','));
    const layouts = sets.map((s) => s.files.map((f) => f.name).join(','));
    expect(new Set(keys).size).toBe(4);
    expect(new Set(counts).size).toBe(4);
    expect(new Set(layouts).size).toBeGreaterThan(1);
  });

  it.each(SEEDS)('seed %i plants every discrepancy type, rejection and warning of every boundary', (seed) => {
    // Act
    const { answerKey } = generateSample({ seed });
    // Assess
    for (const b of BOUNDARIES) {
      const a = answerKey[b];
      expect(new Set(a.discrepancies.map((d) => d.type))).toEqual(new Set(ALL_TYPES[b]));
      expect(a.rejected.length).toBeGreaterThanOrEqual(3);
    }
    const inv = answerKey.inventory.discrepancies;
    expect(inv.every((d) => typeof d.offsetting === 'boolean')).toBe(true);
    expect(new Set(inv.map((d) => `${d.type}:${d.offsetting}`))).toEqual(
      new Set(['quantity_mismatch:true', 'quantity_mismatch:false', 'missing_in_oms:true', 'missing_in_oms:false', 'missing_in_warehouse:true', 'missing_in_warehouse:false']),
    );
    // Fulfillment: quantity_mismatch names its location, the line-level types do not.
    for (const d of answerKey.fulfillment.discrepancies) {
      expect(Object.keys(d.key).sort()).toEqual(d.type === 'quantity_mismatch' ? ['line_id', 'location_id', 'order_id'] : ['line_id', 'order_id']);
    }
    // Financial: one order carries a sales and a returns discrepancy.
    const perOrder = new Map<string, number>();
    for (const d of answerKey.financial.discrepancies) perOrder.set(d.key.order_id, (perOrder.get(d.key.order_id) ?? 0) + 1);
    expect([...perOrder.values()]).toContain(2);
    // Intake keys: lower-case channels, including the presets' channels.
    const channels = new Set(answerKey.intake.discrepancies.map((d) => d.key.channel));
    expect([...channels].every((c) => c === c.toLowerCase())).toBe(true);
    expect(channels).toContain('shopify');
    expect(channels).toContain('amazon');
    expect(answerKey.intake.warnings.map((w) => w.code).sort()).toEqual(['duplicate_key', 'duplicate_key', 'out_of_scope', 'preset', 'unparsed_values']);
    expect(answerKey.fulfillment.warnings).toEqual([{ code: 'duplicate_key' }, { code: 'unparsed_values' }, { code: 'unparsed_values' }]);
    expect(answerKey.financial.warnings).toEqual([{ code: 'unparsed_values' }]);
    expect(answerKey.inventory.warnings).toEqual([{ code: 'coverage_gap' }]);
    expect(answerKey.intake.outOfScope).toBeGreaterThan(0);
    expect(answerKey.inventory.outOfScope).toBeGreaterThan(0);
  });

  it('multiplies the clean rows with scale, not the planted ones', async () => {
    // Prepare
    const dataRows = async (set: SampleSet) => {
      let n = 0;
      for (const f of set.files) n += (await rowsOf(await open(f))).length;
      return n;
    };
    // Act
    const one = generateSample({ seed: 5 });
    const three = generateSample({ seed: 5, scale: 3 });
    const rows1 = await dataRows(one);
    const rows3 = await dataRows(three);
    // Assess: a few hundred clean rows per boundary at scale 1.
    expect(rows1).toBeGreaterThan(800);
    expect(rows3 / rows1).toBeGreaterThan(2.2);
    expect(rows3 / rows1).toBeLessThan(3.5);
    const planted = (s: SampleSet) => BOUNDARIES.map((b) => s.answerKey[b].discrepancies.length).reduce((x, y) => x + y);
    expect(planted(three)).toBeLessThan(planted(one) * 1.5);
  });

  it('refuses a scale that is not a positive number', () => {
    expect(() => generateSample({ seed: 1, scale: 0 })).toThrow(RangeError);
    expect(() => generateSample({ seed: 1, scale: Number.NaN })).toThrow(RangeError);
  });
});

describe('writeSample', () => {
  it('writes the inbox layout (one folder per feed) and the answer key', () => {
    // Prepare
    const dir = mkdtempSync(join(scratch, 'sample-'));
    // Act
    const set = writeSample(dir, { seed: 3 });
    // Assess
    for (const f of set.files) {
      expect(readFileSync(join(dir, f.feed, f.name))).toEqual(Buffer.from(f.content));
    }
    for (const feed of FEED_NAMES) expect(existsSync(join(dir, feed))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'answer-key.json'), 'utf8'))).toEqual(set.answerKey);
  });

  it('names files for what they hold, so `find -iname` separates the inventory pair', () => {
    // Act
    const { files } = generateSample({ seed: 11 });
    const names = files.map((f) => `${f.feed}/${f.name}`);
    // Assess: `find -iname '*oms*inventory*'` and `-iname '*warehouse*inventory*'` on file names.
    const omsInv = files.filter((f) => /oms.*inventory/i.test(f.name)).map((f) => f.feed);
    const whInv = files.filter((f) => /warehouse.*inventory/i.test(f.name)).map((f) => f.feed);
    expect(new Set(omsInv)).toEqual(new Set(['oms-inventory']));
    expect(new Set(whInv)).toEqual(new Set(['warehouse-inventory']));
    expect(whInv.length).toBeGreaterThanOrEqual(3);
    for (const n of names) expect(n.toLowerCase()).toMatch(/^([a-z-]+)\/.*(orders|order-report|allocations|shipments|inventory|transactions)/);
  });
});
