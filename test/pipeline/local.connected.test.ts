/**
 * `oms-recon local` end to end on the sample feeds: the pipeline (S3 events → ingest →
 * DynamoDB → state machine → SNS) must report what the CLI engine reports on the same
 * files, and what the sample's answer key plants.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOUNDARIES, type BoundaryName } from '../../lib/feeds/catalog.ts';
import { runLocalPipeline, type LocalRunResult, type SnsPublishInput } from '../../lib/pipeline/local.ts';
import type { Report } from '../../lib/report/model.ts';
import { verifyAgainstAnswerKey, verifyRejections, writeSample, type SampleSet } from '../../lib/sample/index.ts';
import { cliReport, counts, discrepancyDetails, fileRows, identities, inboxFiles, rejections, warningTexts } from './harness.ts';

const root = mkdtempSync(join(tmpdir(), 'oms-recon-pipeline-local-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SNS_MAX_BYTES = 256 * 1024;

/** Checks one SNS Publish input the way SNS and AWS Chatbot would; returns the parsed parts. */
function assessNotification(n: SnsPublishInput) {
  expect(n.TopicArn).toMatch(/^arn:aws:sns:[a-z0-9-]+:\d{12}:\S+$/);
  expect(n.Subject).toBeDefined();
  const subject = n.Subject!;
  expect(subject).toMatch(/^[\x20-\x7e]+$/); // ASCII, no line breaks
  expect(subject.length).toBeLessThan(100);
  expect(n.MessageStructure).toBe('json');
  expect(Buffer.byteLength(n.Message, 'utf8')).toBeLessThan(SNS_MAX_BYTES);
  const message = JSON.parse(n.Message) as Record<string, unknown>;
  expect(Object.keys(message).sort()).toEqual(['default', 'email', 'https']);
  for (const k of ['default', 'email', 'https']) expect(typeof message[k]).toBe('string');
  const chat = JSON.parse(message.https as string) as {
    version: string; source: string;
    content: { textType: string; title: string; description: string };
    metadata?: { additionalContext?: Record<string, string> };
  };
  expect(chat).toMatchObject({ version: '1.0', source: 'custom', content: { textType: 'client-markdown' } });
  expect(chat.content.title.length).toBeGreaterThan(0);
  expect(chat.content.description.length).toBeGreaterThan(0);
  return { subject, email: message.email as string, chat };
}

describe.each([1, 2, 3])('the sample feeds of seed %i through oms-recon local', (seed) => {
  const dir = join(root, `seed-${seed}`);
  const inbox = join(dir, 'inbox');
  const out = join(dir, 'out');
  let sample: SampleSet;
  let result: LocalRunResult;
  const reports = {} as Record<BoundaryName, Report>;
  const cli = {} as Record<BoundaryName, Report>;

  beforeAll(async () => {
    // Prepare
    sample = writeSample(inbox, { seed });
    // Act
    result = await runLocalPipeline({ inbox, out, shards: 3 });
    const files = inboxFiles(inbox);
    for (const b of BOUNDARIES) {
      const path = join(out, b, 'report.json');
      if (existsSync(path)) reports[b] = JSON.parse(readFileSync(path, 'utf8')) as Report;
      cli[b] = await cliReport(files, b);
    }
  }, 240_000);

  it('ingests every file and runs every boundary', () => {
    expect(result.failed).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.ingested.map((o) => o.status)).toEqual(Array(inboxFiles(inbox).length).fill('ingested'));
    expect(Object.keys(reports).sort()).toEqual([...BOUNDARIES].sort());
  });

  it.each(BOUNDARIES)('%s: reports the discrepancies the CLI reports, and the answer key plants', (b) => {
    const report = reports[b];
    expect(report.boundary).toBe(b);
    expect(identities(report)).toEqual(identities(cli[b]));
    expect(report.discrepancies.length).toBeGreaterThan(0);
    const check = verifyAgainstAnswerKey(report, sample.answerKey[b]);
    expect(check.missing).toEqual([]);
    expect(check.extra).toEqual([]);
  });

  it.each(BOUNDARIES)('%s: describes each discrepancy and warning as the CLI does (values, deltas, source lines)', (b) => {
    expect(discrepancyDetails(reports[b], inbox)).toEqual(discrepancyDetails(cli[b], inbox));
    expect(warningTexts(reports[b], inbox)).toEqual(warningTexts(cli[b], inbox));
    const codes = new Set(reports[b].warnings.map((w) => w.code));
    for (const w of sample.answerKey[b].warnings) expect(codes, w.code).toContain(w.code);
  });

  it.each(BOUNDARIES)('%s: counts keys, matches and out-of-scope keys as the CLI does', (b) => {
    expect(counts(reports[b])).toEqual(counts(cli[b]));
    expect(reports[b].summary.outOfScope).toBe(sample.answerKey[b].outOfScope);
  });

  it.each(BOUNDARIES)('%s: accounts for every row of every file, and rejects the rows the CLI rejects', (b) => {
    const report = reports[b];
    for (const f of report.files) {
      expect(f.file).toMatch(/^s3:\/\/[^/]+\/inbound\/[a-z-]+\/.+/);
      expect(f.read, f.file).toBe(f.used + f.rejected);
    }
    expect(fileRows(report)).toEqual(fileRows(cli[b]));
    expect(report.summary.rows).toEqual(cli[b].summary.rows);
    expect(rejections(report)).toEqual(rejections(cli[b]));
    expect(verifyRejections(report, sample.answerKey[b])).toEqual({ missing: [], extra: [] });
    expect(report.rejected.length).toBeGreaterThan(0);
    for (const r of report.rejected) expect(r.file).toMatch(/^s3:\/\/[^/]+\/inbound\//);
  });

  it('publishes one valid SNS message per boundary, naming it and its discrepancy count', () => {
    expect(result.notifications).toHaveLength(BOUNDARIES.length);
    const seen: string[] = [];
    for (const n of result.notifications) {
      const { subject, email, chat } = assessNotification(n);
      const b = chat.metadata?.additionalContext?.boundary as BoundaryName;
      seen.push(b);
      const total = reports[b].summary.discrepancies;
      expect(subject).toContain(b);
      expect(subject).toContain(`${total} discrepanc`);
      expect(email).toContain(`${b} reconciliation`);
    }
    expect(seen.sort()).toEqual([...BOUNDARIES].sort());
    // what `oms-recon local` writes for each: the exact Publish input
    for (const [i, n] of result.notifications.entries()) {
      expect(JSON.parse(readFileSync(join(out, 'notifications', `${i + 1}.json`), 'utf8'))).toEqual(JSON.parse(JSON.stringify(n)));
    }
  });
});

describe('file names S3 URL-encodes in events', () => {
  it('ingests files whose names hold a space, a + and non-ASCII letters, and names them as uploaded', async () => {
    // Prepare: `wh count+1.csv` arrives in the event as `wh+count%2B1.csv`
    const inbox = join(root, 'odd-names', 'inbox');
    mkdirSync(join(inbox, 'oms-inventory'), { recursive: true });
    mkdirSync(join(inbox, 'warehouse-inventory'), { recursive: true });
    writeFileSync(join(inbox, 'oms-inventory', 'oms.csv'), 'sku,facility_id,on_hand\nSKU-1,DAL1,10\nSKU-2,DAL1,5\nSKU-1,ATL1,7\nSKU-3,ATL1,2\n');
    writeFileSync(join(inbox, 'warehouse-inventory', 'wh count+1.csv'), 'sku,facility_id,on_hand\nSKU-1,DAL1,10\nSKU-2,DAL1,4\n');
    writeFileSync(join(inbox, 'warehouse-inventory', 'Zählung 50%.csv'), 'sku,facility_id,on_hand\nSKU-1,ATL1,7\nSKU-3,ATL1,3\n');
    // Act
    const result = await runLocalPipeline({ inbox, out: join(root, 'odd-names', 'out'), shards: 3 });
    // Assess
    expect(result.failed).toEqual([]);
    expect(result.ingested.map((o) => `${o.status} ${o.file}`)).toEqual([
      'ingested s3://oms-recon-local/inbound/oms-inventory/oms.csv',
      'ingested s3://oms-recon-local/inbound/warehouse-inventory/Zählung 50%.csv',
      'ingested s3://oms-recon-local/inbound/warehouse-inventory/wh count+1.csv',
    ]);
    const report = result.reports.inventory!;
    expect(report.discrepancies.map((d) => [d.type, d.key.sku, d.key.facility_id, d.sources.map((s) => s.file).sort()])).toEqual([
      ['quantity_mismatch', 'SKU-2', 'DAL1', ['s3://oms-recon-local/inbound/oms-inventory/oms.csv', 's3://oms-recon-local/inbound/warehouse-inventory/wh count+1.csv']],
      ['quantity_mismatch', 'SKU-3', 'ATL1', ['s3://oms-recon-local/inbound/oms-inventory/oms.csv', 's3://oms-recon-local/inbound/warehouse-inventory/Zählung 50%.csv']],
    ]);
    expect(report.summary).toMatchObject({ matched: 2, discrepancies: 2, rows: { read: 8, used: 8, rejected: 0 } });
  });
});
