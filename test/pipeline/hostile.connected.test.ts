/**
 * Issue 9 through the pipeline: partner text that names an object property, keys and rows
 * beyond what the store holds, numbers of too many digits and more rejected rows than the
 * report keeps give the answer the CLI gives on the same files, row by row; a stored row the
 * code cannot read never fails a run, and a corrected re-upload restores the boundary.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config-file.ts';
import { BOUNDARIES, FEEDS, type BoundaryName, type FeedName } from '../../lib/feeds/catalog.ts';
import { runLocalPipeline, type LocalRunResult } from '../../lib/pipeline/local.ts';
import type { Report } from '../../lib/report/model.ts';
import { writeRecords } from '../../lib/store/index.ts';
import { boundaryFiles, feedsOf, PROTO_NAMES } from '../support/hostile.ts';
import { cliReport, counts, fileRows, identities, inboxFiles, rejections, startStandIns, warningTexts, type StandIns } from './harness.ts';

const root = mkdtempSync(join(tmpdir(), 'oms-recon-hostile-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function writeInbox(inbox: string, files: Partial<Record<FeedName, string>>): void {
  for (const [feed, text] of Object.entries(files)) {
    mkdirSync(join(inbox, feed), { recursive: true });
    writeFileSync(join(inbox, feed, `${feed}.csv`), text);
  }
}

describe('object-property names in every field of every feed, through oms-recon local', () => {
  const inbox = join(root, 'names', 'inbox');
  let result: LocalRunResult;
  const cli = {} as Record<BoundaryName, Report>;

  beforeAll(async () => {
    // Prepare: for every boundary, a row per (feed, field, name) — the name in that field — and rows that agree
    for (const b of BOUNDARIES) {
      const mutations = feedsOf(b).flatMap((on) => Object.keys(FEEDS[on].fields).flatMap((field) => PROTO_NAMES.map((value) => ({ on, field, value }))));
      writeInbox(inbox, boundaryFiles(b, mutations, 'constructor'));
    }
    // Act
    result = await runLocalPipeline({ inbox, out: join(root, 'names', 'out'), shards: 3 });
    for (const b of BOUNDARIES) cli[b] = await cliReport(inboxFiles(inbox), b);
  }, 240_000);

  it('ingests every file and runs every boundary', () => {
    expect(result.failed).toEqual([]);
    expect(result.ingested.map((o) => o.status)).toEqual(Array(inboxFiles(inbox).length).fill('ingested'));
    expect(Object.keys(result.reports).sort()).toEqual([...BOUNDARIES].sort());
  });

  it.each(BOUNDARIES)('%s: rejects and uses the rows the CLI does, and reports what it reports', (b) => {
    const report = result.reports[b]!;
    for (const f of report.files) expect(f.read, f.file).toBe(f.used + f.rejected);
    expect(fileRows(report)).toEqual(fileRows(cli[b]));
    expect(rejections(report)).toEqual(rejections(cli[b]));
    expect(identities(report)).toEqual(identities(cli[b]));
    expect(counts(report)).toEqual(counts(cli[b]));
    expect(warningTexts(report, inbox)).toEqual(warningTexts(cli[b], inbox));
    // every rejection names the field that holds the name
    for (const r of report.rejected) expect(r.reason).toMatch(/^[a-z_]+: /);
    expect(report.rejected.length).toBeGreaterThan(0);
  });

  it('uses a name as plain text in a key: `__proto__` as a facility is compared like any other', () => {
    // (facilities of rows rejected on one side are coverage gaps; a facility named after a property is on both sides)
    const report = result.reports.inventory!;
    const gaps = report.warnings.filter((w) => w.code === 'coverage_gap').map((w) => w.key!.facility_id);
    expect(gaps.length).toBeGreaterThan(0);
    expect(gaps.filter((f) => PROTO_NAMES.includes(f))).toEqual([]);
    expect(report.summary.matched).toBeGreaterThan(PROTO_NAMES.length);
  });
});

describe('the pipeline and the CLI on rows beyond what the store holds', () => {
  let standIns: StandIns;
  beforeAll(async () => {
    standIns = await startStandIns();
  });
  afterAll(async () => {
    await standIns?.stop();
  });

  it('reject the same rows, keep the same first ones, and count them all; no file fails', async () => {
    // Prepare: a 600-byte key, a 450 KB carrier, a 100,000-digit quantity and 10 bad quantities; 3 rejected rows kept
    const config = parseConfig({ limits: { keptRejected: 3 } });
    const stage = await standIns.stage({ shards: 2, config });
    const dir = join(root, 'limits');
    const header = 'order_id,line_id,location_id,quantity,carrier';
    const ship = [header, 'SO-1,1,DAL1,2,UPS', `${'O'.repeat(600)},1,DAL1,1,UPS`, `SO-2,1,DAL1,1,${'C'.repeat(450 * 1024)}`, `SO-3,1,DAL1,${'9'.repeat(100_000)},UPS`,
      ...Array.from({ length: 10 }, (_, i) => `SO-${10 + i},1,DAL1,n/a,UPS`)].join('\n') + '\n';
    const alloc = 'order_id,line_id,location_id,quantity\nSO-1,1,DAL1,2\n';
    writeInbox(dir, { 'oms-allocations': alloc, shipments: ship });
    // Act
    const uploads = await stage.ingestInbox(dir);
    const report = await stage.compare('fulfillment');
    const cliSide = await cliReport(inboxFiles(dir), 'fulfillment', config);
    // Assess: no file failed; the rows the CLI rejects, with the same reasons
    expect(uploads.flatMap((u) => u.outcomes.map((o) => o.status))).toEqual(['ingested', 'ingested']);
    expect(report.summary.rows).toEqual({ read: 15, used: 2, rejected: 13 });
    expect(cliSide.summary.rows).toEqual(report.summary.rows);
    expect(rejections(report)).toEqual(rejections(cliSide));
    expect(report.rejected.map((r) => [r.line, r.reason.replace(/:.*/, '')])).toEqual([[3, 'key too long'], [4, 'row too large'], [5, 'quantity']]);
    expect(report.truncated?.rejected).toMatchObject({ kept: 3, total: 13 });
    expect(cliSide.truncated?.rejected).toMatchObject({ kept: 3, total: 13 });
    // the full list is in S3, every row of it
    const full = report.truncated!.rejected!.full!;
    const lines = (await Promise.all(full.map((k) => stage.text(k)))).join('').trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { line: number }).line)).toEqual(Array.from({ length: 13 }, (_, i) => i + 3));
    expect(identities(report)).toEqual(identities(cliSide));
  }, 120_000);

  it('a stored row the code cannot read is left out with a warning, and a corrected re-upload restores the boundary', async () => {
    // Prepare: the file, then a row as an older version stored it (type "function Object() { [native code] }")
    const stage = await standIns.stage({ shards: 2 });
    const erp = await stage.deliver('inbound/erp-transactions/erp.csv', 'order_id,type,amount\nO1,INV,10\nO2,INV,20\n');
    const { event } = await stage.put('inbound/oms-transactions/oms.csv', 'order_id,type,amount\nO1,sale,10\nO2,constructor,20\n');
    const [oms] = await stage.ingest(event);
    expect([erp.status, oms.status]).toEqual(['ingested', 'ingested']);
    const manifest = await stage.manifest(event, 'financial');
    await writeRecords(stage.db.client, stage.tableName, [{
      boundary: 'financial', group: ['O2'], side: 'oms', identity: ['function Object() { [native code] }', '#x:3'], version: '2026-11-26T06:00:01.000Z 0 3',
      feed: 'oms-transactions', fields: { order_id: 'O2', type: 'function Object() { [native code] }', amount: '20' }, fileId: manifest!.fileId!, file: oms.file, line: 3,
    }], { shards: 2 });
    // Act: a run, then the corrected file uploaded again and another run
    const before = await stage.compare('financial');
    await stage.deliver('inbound/oms-transactions/oms.csv', 'order_id,type,amount\nO1,sale,10\nO2,sale,20\n');
    const after = await stage.compare('financial');
    // Assess: the run went through, said so, and the re-upload is all clear
    expect(before.rejected.map((r) => [r.line, r.reason.slice(0, 33)])).toEqual([[3, 'type: unknown value "constructor"']]);
    expect(before.warnings.filter((w) => w.code === 'unreadable_record').map((w) => w.message)).toEqual([
      expect.stringMatching(/^1 stored row of s3:\/\/.+\/oms\.csv cannot be read and is left out \(first: line 3: .*unknown value "function Object\(\) \{ \[native code\] \}"/),
    ]);
    expect(identities(before)).toEqual(['unexpected_in_erp {order_id=O2}']);
    expect(after.warnings.filter((w) => w.code === 'unreadable_record')).toEqual([]);
    expect(after.summary).toMatchObject({ matched: 2, discrepancies: 0, rows: { read: 4, used: 4, rejected: 0 } });
  }, 120_000);
});
