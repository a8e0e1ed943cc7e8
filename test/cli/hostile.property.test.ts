/**
 * Issue 9: the names of Object.prototype's properties (`__proto__`, `constructor`, `toString`…)
 * in any field of any feed, through the CLI engine: each is rejected with a reason naming the
 * field, or used as plain text; the run accounts for every row, and a later run in the same
 * process is not affected by it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../lib/config.ts';
import { reconcileFiles } from '../../lib/engine/reconcile.ts';
import { BOUNDARIES, FEEDS, type BoundaryName, type FeedName } from '../../lib/feeds/catalog.ts';
import type { Report } from '../../lib/report/model.ts';
import { boundaryFiles, feedsOf, PROTO_NAMES } from '../support/hostile.ts';
import { put, tempDir } from './helpers.ts';

const RUNS = Number(process.env.HOSTILE_PROPERTY_RUNS ?? 60);

async function reconcile(dir: string, boundary: BoundaryName, files: Record<FeedName, string>): Promise<Report> {
  const inputs = feedsOf(boundary).map((feed) => ({ side: FEEDS[feed].side, source: put(dir, `${feed}.csv`, files[feed]) }));
  return reconcileFiles({ boundary, inputs, config: DEFAULT_CONFIG, now: new Date('2026-11-26T00:00:00Z') });
}

/** A mutation: a boundary, one of its feeds, one of that feed's fields, one name. */
const mutation = fc
  .constantFrom(...BOUNDARIES)
  .chain((boundary) =>
    fc.constantFrom(...feedsOf(boundary)).chain((on) =>
      fc.record({
        boundary: fc.constant(boundary),
        on: fc.constant(on),
        field: fc.constantFrom(...Object.keys(FEEDS[on].fields)),
        value: fc.constantFrom(...PROTO_NAMES),
        extra: fc.option(fc.constantFrom(...PROTO_NAMES), { nil: undefined }),
      }),
    ),
  );

describe('object-property names in every field of every feed (CLI)', () => {
  it('are rejected naming the field, or used as plain text, and leave later runs as they were', async () => {
    const dir = tempDir('hostile-');
    const clean = Object.fromEntries(await Promise.all(BOUNDARIES.map(async (b) => [b, await reconcile(dir, b, boundaryFiles(b, []))]))) as Record<BoundaryName, Report>;
    for (const b of BOUNDARIES) expect(clean[b].summary, b).toMatchObject({ discrepancies: 0, rows: { rejected: 0 } });
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        // Act
        const report = await reconcile(dir, m.boundary, boundaryFiles(m.boundary, [m], m.extra));
        const again = await reconcile(dir, m.boundary, boundaryFiles(m.boundary, []));
        // Assess: every row accounted for
        for (const f of report.files) expect(f.read, f.file).toBe(f.used + f.rejected);
        const kind = FEEDS[m.on].fields[m.field].kind;
        const mine = report.files.find((f) => f.feed === m.on)!;
        if (mine.rejected > 0) {
          expect(report.rejected).toEqual([{ file: mine.file, line: 2, reason: expect.stringMatching(new RegExp(`^${m.field}: `)) }]);
        } else if (kind === 'key' || kind === 'text') {
          // Used as itself: the two sides still agree (the other side carries it too where it is a key of its own).
          expect(report.summary.discrepancies).toBe(0);
          expect(report.summary.rows.used).toBe(report.summary.rows.read);
        } else {
          // Used without the value: said in a warning naming the field.
          expect(report.warnings.map((w) => w.message).join('\n')).toContain(m.field);
        }
        // A later run is not touched by it.
        expect({ ...again, generatedAt: '' }).toEqual({ ...clean[m.boundary], generatedAt: '', files: again.files });
        expect(again.summary).toEqual(clean[m.boundary].summary);
      }),
      { numRuns: RUNS },
    );
  }, 300_000);

  it('the issue\'s case: a transaction type "constructor" is rejected with its line, not counted as used', async () => {
    const dir = tempDir('hostile-');
    const report = await reconcile(dir, 'financial', {
      'oms-transactions': 'order_id,type,amount\nO1,sale,10\nO2,constructor,20\n',
      'erp-transactions': 'order_id,type,amount\nO1,INV,10\n',
    } as Record<FeedName, string>);
    expect(report.rejected).toEqual([{ file: expect.stringMatching(/oms-transactions\.csv$/), line: 3, reason: 'type: unknown value "constructor" (expected one of: sale, invoice, inv, return, refund, credit, credit_memo, cm, rma)' }]);
    expect(report.files[0]).toMatchObject({ read: 2, used: 1, rejected: 1 });
    expect(report.summary).toMatchObject({ matched: 1, discrepancies: 0 });
  });
});
