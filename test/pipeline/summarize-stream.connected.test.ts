/**
 * Summarize streams: the report it writes while merging the shards' sorted parts and the
 * previous run's identities as streams is, byte for byte, the report the in-memory renderers
 * give for the same run (every discrepancy held, sorted, compared and rendered whole) — at
 * 50,000 discrepancies over 4 shards, so report.json and discrepancies.csv go up in several
 * multipart parts. (Memory at 200k and 1M: `npm run bench:summarize`.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SummarizeOutput } from '../../lib/pipeline/contracts.ts';
import { summarize } from '../../lib/pipeline/summarize.ts';
import { REPORT_FILES } from '../../lib/report/write.ts';
import { runKeys } from '../../lib/pipeline/objects.ts';
import { latestRun } from '../../lib/store/index.ts';
import { inMemoryReport, layOutRun, type Fixture } from '../support/summarize-fixture.ts';
import { startStandIns, type Stage, type StandIns } from './harness.ts';

const COUNT = 50_000;
const SHARDS = 4;
let standIns: StandIns;
let stage: Stage;
let fixture: Fixture;
let output: SummarizeOutput;

beforeAll(async () => {
  standIns = await startStandIns();
  stage = await standIns.stage({ shards: SHARDS });
  stage.settings.reportLinkBase = 'https://reports.example.com/';
  fixture = await layOutRun(stage.deps(), stage.bucket, stage.tableName, { count: COUNT, shards: SHARDS });
  stage.clock.now = new Date(fixture.now);
  output = await summarize(stage.deps(), fixture.input);
}, 600_000);
afterAll(async () => {
  await standIns?.stop();
});

describe(`summarize on ${COUNT.toLocaleString('en')} discrepancies`, () => {
  let expected: ReturnType<typeof inMemoryReport>;
  beforeAll(() => {
    expected = inMemoryReport(fixture, COUNT, SHARDS);
  }, 600_000);

  it('writes each report file byte for byte as the in-memory renderers do', async () => {
    const key = (name: string) => runKeys.report('inventory', fixture.input.runId, name);
    // (a sanity check of the oracle: new, ongoing and resolved are all there)
    expect(expected.report.discrepancies.filter((d) => d.status === 'ongoing').length).toBeGreaterThan(COUNT / 2);
    expect(expected.report.resolved!.length).toBe(Math.floor(COUNT / 10));
    expect(expected.files.json.length).toBeGreaterThan(16 * 1024 * 1024);
    for (const [name, file] of [['json', REPORT_FILES.json], ['csv', REPORT_FILES.csv], ['markdown', REPORT_FILES.markdown], ['html', REPORT_FILES.html]] as const) {
      const text = await stage.text(key(file));
      expect(text.length, file).toBe(expected.files[name].length);
      expect(text === expected.files[name], file).toBe(true);
    }
  }, 600_000);

  it('leaves the identities for the next run, in report order, and the run item with the counts', async () => {
    expect((await stage.text(runKeys.identities('inventory', fixture.input.runId))) === expected.identities).toBe(true);
    const run = await latestRun(stage.db.client, stage.tableName, 'inventory', { now: new Date(fixture.now) });
    const ds = expected.report.discrepancies;
    expect(run).toMatchObject({
      runId: fixture.input.runId, status: 'succeeded', discrepanciesKey: runKeys.identities('inventory', fixture.input.runId),
      summary: { ...expected.report.summary, new: ds.filter((d) => d.status === 'new').length, ongoing: ds.filter((d) => d.status === 'ongoing').length, resolved: expected.report.resolved!.length },
    });
  }, 120_000);

  it('builds the same message', () => {
    const htmlKey = runKeys.report('inventory', fixture.input.runId, REPORT_FILES.html);
    expect(output.discrepancies).toBe(COUNT);
    expect(output.notification).toEqual(expected.notification(`https://reports.example.com/${htmlKey}`, output.reportKey));
  });
});
