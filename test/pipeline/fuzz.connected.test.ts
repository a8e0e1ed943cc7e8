/**
 * Fuzz (issue 9): random hostile cells in the feed files of a boundary, through the pipeline
 * (real handlers on the stand-ins) and the CLI engine: the same rows rejected with the same
 * reasons, the same discrepancies and counts, and read = used + rejected for every file.
 * A few runs in `npm test`; `npm run fuzz` runs more (PIPELINE_FUZZ_RUNS).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOUNDARIES, FEEDS } from '../../lib/feeds/catalog.ts';
import { boundaryFiles, feedsOf, PROTO_NAMES } from '../support/hostile.ts';
import { cliReport, counts, fileRows, identities, inboxFiles, rejections, startStandIns, type StandIns } from './harness.ts';

const RUNS = Number(process.env.PIPELINE_FUZZ_RUNS ?? 3);
const root = mkdtempSync(join(tmpdir(), 'oms-recon-pipeline-fuzz-'));

const cell = fc.oneof(
  fc.constantFrom(...PROTO_NAMES),
  fc.constantFrom('', '1', '-0', '1e3', '(12.30)', '0.0000001', '9'.repeat(60), '2026-02-30', 'USD', 'us$', 'sale', 'CM', 'cancelled', 'é', 'k'.repeat(700)),
  fc.stringMatching(/^[a-zA-Z0-9 ._-]{0,8}$/),
);

describe('pipeline against CLI, on random hostile cells', () => {
  let standIns: StandIns;
  beforeAll(async () => {
    standIns = await startStandIns();
  });
  afterAll(async () => {
    await standIns?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('gives the CLI\'s answer, row by row', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...BOUNDARIES),
        fc.array(fc.record({ side: fc.nat(1), field: fc.nat(), value: cell }), { minLength: 1, maxLength: 6 }),
        async (boundary, cells) => {
          // Prepare
          const feeds = feedsOf(boundary);
          const files = boundaryFiles(boundary, cells.map((c) => {
            const on = feeds[c.side];
            const fields = Object.keys(FEEDS[on].fields);
            return { on, field: fields[c.field % fields.length], value: c.value };
          }));
          const inbox = join(root, `run-${++n}`);
          for (const feed of feeds) {
            mkdirSync(join(inbox, feed), { recursive: true });
            writeFileSync(join(inbox, feed, `${feed}.csv`), files[feed]);
          }
          const stage = await standIns.stage({ shards: 2 });
          // Act
          await stage.ingestInbox(inbox);
          const pipeline = await stage.compare(boundary);
          let cli;
          try {
            cli = await cliReport(inboxFiles(inbox), boundary);
          } catch (e) {
            // Every row of a side rejected: the CLI stops; the pipeline reports what it has, all rows accounted.
            expect((e as { code?: string }).code).toBe('E_NO_USABLE_ROWS');
            for (const f of pipeline.files) expect(f.read, f.file).toBe(f.used + f.rejected);
            return;
          }
          // Assess
          for (const f of pipeline.files) expect(f.read, f.file).toBe(f.used + f.rejected);
          expect(fileRows(pipeline)).toEqual(fileRows(cli));
          expect(rejections(pipeline)).toEqual(rejections(cli));
          expect(identities(pipeline)).toEqual(identities(cli));
          expect(counts(pipeline)).toEqual(counts(cli));
        },
      ),
      { numRuns: RUNS },
    );
  }, 600_000);
});
