/**
 * The CLI end to end on the sample feeds: `oms-recon sample` writes feeds with planted
 * discrepancies and an answer key; `oms-recon reconcile` on every file of each feed folder
 * must report exactly the planted discrepancies and rejected rows — judged from the
 * report.json it wrote, as a user would.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BOUNDARY } from '../../lib/boundaries/index.ts';
import { BOUNDARIES, feedFor } from '../../lib/feeds/catalog.ts';
import type { AnswerKey } from '../../lib/sample/index.ts';
import { verifyAgainstAnswerKey, verifyRejections } from '../../lib/sample/index.ts';
import { expectNoStackTrace, readReport, run, tempDir } from './helpers.ts';

describe('oms-recon sample, then oms-recon reconcile, against the answer key', () => {
  it.each([1, 7, 42, 2026])('seed %i: all four boundaries report exactly the planted discrepancies and rejected rows', async (seed) => {
    // Prepare
    const dir = tempDir(`sample-${seed}-`);
    const feeds = join(dir, 'feeds');
    const made = await run(['sample', '--out', feeds, '--seed', String(seed)]);
    expect(made.code, made.err).toBe(0);
    expect(made.out).toContain(`answer-key.json to ${feeds}`);
    const answerKey = JSON.parse(readFileSync(join(feeds, 'answer-key.json'), 'utf8')) as AnswerKey;

    for (const boundary of BOUNDARIES) {
      const argv = ['reconcile', boundary];
      for (const side of BOUNDARY[boundary].sides) {
        const folder = join(feeds, feedFor(boundary, side)!.name);
        const names = readdirSync(folder).sort();
        expect(names.length, `${boundary} ${side}`).toBeGreaterThan(0);
        for (const n of names) argv.push(`--${side}`, join(folder, n));
      }
      const out = join(dir, 'reports', boundary);
      argv.push('--out', out);

      // Act
      const r = await run(argv);

      // Assess
      const answer = answerKey[boundary];
      expect(r.code, `${boundary}: ${r.err}`).toBe(answer.discrepancies.length > 0 ? 1 : 0);
      expectNoStackTrace(r);
      const report = readReport(out);
      expect(report.boundary).toBe(boundary);
      expect(verifyAgainstAnswerKey(report, answer), boundary).toEqual({ missing: [], extra: [] });
      expect(verifyRejections(report, answer), boundary).toEqual({ missing: [], extra: [] });
      expect(report.summary.discrepancies, boundary).toBe(answer.discrepancies.length);
      expect(report.summary.rows.rejected, boundary).toBe(answer.rejected.length);
      const codes = new Set(report.warnings.map((w) => w.code));
      for (const w of answer.warnings) expect([...codes], boundary).toContain(w.code);
      expect(report.summary.outOfScope, boundary).toBe(answer.outOfScope);
      for (const f of report.files) expect(f.read, f.file).toBe(f.used + f.rejected);
      // What the user reads on stdout agrees with the file.
      expect(r.out, boundary).toMatch(new RegExp(`rejected ${answer.rejected.length}\\b`));
    }
  });
});
