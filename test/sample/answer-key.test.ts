import { mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config-file.ts';
import { reconcileFiles, type FeedInput } from '../../lib/engine/reconcile.ts';
import { BOUNDARIES, FEEDS } from '../../lib/feeds/catalog.ts';
import { verifyAgainstAnswerKey, verifyRejections, type ExpectedDiscrepancy } from '../../lib/sample/answer-key.ts';
import { writeSample } from '../../lib/sample/generate.ts';
import { tempDir } from '../support/feeds.ts';

/** Removed after this file's tests. */
const scratch = tempDir();

describe('verifyAgainstAnswerKey', () => {
  const expected: ExpectedDiscrepancy[] = [
    { type: 'quantity_mismatch', key: { sku: 'A', facility_id: 'DAL1' }, offsetting: true },
    { type: 'quantity_mismatch', key: { sku: 'A', facility_id: 'ATL1' }, offsetting: true },
    { type: 'missing_in_oms', key: { sku: 'B', facility_id: 'DAL1' }, offsetting: false },
  ];

  it('finds nothing missing or extra when the report agrees, whatever the order and extra fields', () => {
    // Prepare
    const report = {
      discrepancies: [
        { type: 'missing_in_oms', key: { facility_id: 'DAL1', sku: 'B' }, offsetting: false, delta: 3, sources: [] },
        { type: 'quantity_mismatch', key: { sku: 'A', facility_id: 'ATL1' }, offsetting: true },
        { type: 'quantity_mismatch', key: { sku: 'A', facility_id: 'DAL1' }, offsetting: true },
      ],
    };
    // Act / Assess
    expect(verifyAgainstAnswerKey(report, { discrepancies: expected })).toEqual({ missing: [], extra: [] });
  });

  it('reports a wrong offsetting flag, a missing and an extra discrepancy', () => {
    // Prepare
    const report = {
      discrepancies: [
        { type: 'quantity_mismatch', key: { sku: 'A', facility_id: 'DAL1' }, offsetting: false },
        { type: 'quantity_mismatch', key: { sku: 'A', facility_id: 'ATL1' }, offsetting: true },
        { type: 'missing_in_warehouse', key: { sku: 'C', facility_id: 'DAL1' }, offsetting: false },
      ],
    };
    // Act
    const r = verifyAgainstAnswerKey(report, { discrepancies: expected });
    // Assess
    expect(r.missing).toEqual([expected[0], expected[2]]);
    expect(r.extra).toEqual([
      { type: 'quantity_mismatch', key: { sku: 'A', facility_id: 'DAL1' }, offsetting: false },
      { type: 'missing_in_warehouse', key: { sku: 'C', facility_id: 'DAL1' }, offsetting: false },
    ]);
  });

  it('counts multiplicity: a discrepancy reported twice is one too many', () => {
    // Prepare
    const d = { type: 'not_booked', key: { order_id: 'SO-1' } };
    // Act
    const r = verifyAgainstAnswerKey({ discrepancies: [d, d] }, { discrepancies: [{ type: 'not_booked', key: { order_id: 'SO-1' } }] });
    // Assess
    expect(r).toEqual({ missing: [], extra: [d] });
  });

  it('matches rejections by line and by the end of the reported path', () => {
    // Prepare
    const report = { rejected: [{ file: '/tmp/in/shipments/shipments.csv', line: 12 }, { file: 's3://b/inbound/shipments/shipments.csv', line: 13 }] };
    // Act
    const r = verifyRejections(report, { rejected: [{ file: 'shipments/shipments.csv', line: 12 }, { file: 'shipments/shipments.csv', line: 14 }] });
    // Assess
    expect(r).toEqual({ missing: [{ file: 'shipments/shipments.csv', line: 14 }], extra: [{ file: 's3://b/inbound/shipments/shipments.csv', line: 13 }] });
  });
});

describe('the engine against the answer key', () => {
  it.each([1, 2, 3])('seed %i: reconcile reports exactly the planted discrepancies, rejections and warnings', async (seed) => {
    // Prepare
    const dir = mkdtempSync(join(scratch, 'sample-key-'));
    const { answerKey } = writeSample(dir, { seed });
    const config = parseConfig({});
    for (const boundary of BOUNDARIES) {
      const inputs: FeedInput[] = Object.values(FEEDS)
        .filter((f) => f.boundary === boundary)
        .flatMap((f) => readdirSync(join(dir, f.name)).sort().map((n) => ({ side: f.side, source: join(dir, f.name, n) })));
      // Act
      const report = await reconcileFiles({ boundary, inputs, config });
      // Assess
      const answer = answerKey[boundary];
      expect(verifyAgainstAnswerKey(report, answer), boundary).toEqual({ missing: [], extra: [] });
      expect(verifyRejections(report, answer), boundary).toEqual({ missing: [], extra: [] });
      const codes = report.warnings.map((w) => w.code);
      for (const w of answer.warnings) expect(codes, boundary).toContain(w.code);
      expect(report.summary.outOfScope, boundary).toBe(answer.outOfScope);
    }
  });
});
