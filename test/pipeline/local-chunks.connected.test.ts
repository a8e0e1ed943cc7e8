/**
 * `oms-recon local` and files of any size. `--chunk-rows <n>`: ingest reads each file in invocations of at most n rows,
 * each handing the file to the next from a checkpoint, as a large file is ingested on AWS
 * (lib/pipeline/chunk.ts). The reports must be what `oms-recon reconcile` gives on the same files.
 * And a file whose ingest died is resumed by the end of the run that names it stuck.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { sourceOf } from '../../lib/pipeline/chunk.ts';
import { runLocalPipeline, s3Event } from '../../lib/pipeline/local.ts';
import { startDynalite, startS3rver } from '../../lib/pipeline/standins.ts';
import type { Report } from '../../lib/report/model.ts';
import { claimFile } from '../../lib/store/index.ts';
import { errorLine, put, run, tempDir } from '../cli/helpers.ts';
import { cliReport, counts, discrepancyDetails, identities, inboxFiles, warningTexts } from './harness.ts';
import './quiet-sdk.ts';

const root = tempDir('local-chunks-');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const table = (head: string, lines: readonly string[]) => head + '\n' + lines.join('\n') + '\n';
/** Confirmation-set objects kept in an s3rver folder (`state/<boundary>/confirmed/<file id>/<shard>[.<part>].bin`): parts per file and shard. */
function confirmationParts(dir: string): Map<string, number> {
  const parts = new Map<string, number>();
  for (const f of readdirSync(dir, { recursive: true }) as string[]) {
    const m = /confirmed[\\/]([^\\/]+)[\\/](\d+)(?:\.\d+)?\.bin(?:\._S3rver_object)?$/.exec(f);
    if (m) parts.set(`${m[1]}/${m[2]}`, (parts.get(`${m[1]}/${m[2]}`) ?? 0) + 1);
  }
  return parts;
}
const reportOf = (out: string, boundary: string) => JSON.parse(readFileSync(join(out, boundary, 'report.json'), 'utf8')) as Report;

/** The local report holds the CLI's answer: the same discrepancies, counts and warnings. */
function expectSameAnswer(local: Report, cli: Report, inbox: string): void {
  expect(identities(local)).toEqual(identities(cli));
  expect(counts(local)).toEqual(counts(cli));
  expect(discrepancyDetails(local, inbox)).toEqual(discrepancyDetails(cli, inbox));
  expect(warningTexts(local, inbox)).toEqual(warningTexts(cli, inbox));
}

describe('oms-recon local --chunk-rows', () => {
  it('ingests each file in chunks of at most n rows, says so, and reports what the CLI reports', { timeout: 300_000 }, async () => {
    // Prepare: 45 OMS sales and 44 ERP invoices (SO-7 not booked, SO-20 at another amount, one ERP row rejected)
    const inbox = join(root, 'financial');
    const oms = Array.from({ length: 45 }, (_, i) => `SO-${i},sale,${i + 1}.00,USD`);
    const erp = oms.filter((_, i) => i !== 7).map((r) => r.replace('sale', 'invoice').replace(/^SO-20,invoice,21\.00/, 'SO-20,invoice,22.00'));
    erp.splice(30, 0, 'SO-X,invoice,lots,USD');
    put(inbox, 'oms-transactions/oms.csv', table('order_id,type,amount,currency', oms));
    put(inbox, 'erp-transactions/erp.csv', table('order_id,type,amount,currency', erp));
    const out = join(root, 'financial-out');
    // Act
    const r = await run(['local', '--inbox', inbox, '--out', out, '--shards', '2', '--chunk-rows', '10']);
    // Assess: five invocations a file (10 + 10 + 10 + 10 + 5 rows), each hand-over printed
    expect(r.code, r.err).toBe(1);
    const handed = r.out.split('\n').filter((l) => l.includes(': continued (handed to invocation'));
    expect(handed.filter((l) => l.includes('oms-transactions/oms.csv'))).toHaveLength(4);
    expect(handed.filter((l) => l.includes('erp-transactions/erp.csv'))).toHaveLength(4);
    expect(handed[0]).toContain('handed to invocation 2 after 10 rows');
    expect(r.out).toContain('ingest   erp-transactions/erp.csv: 45 rows read, 44 stored, 1 rejected');
    // Assess: the CLI's answer
    const local = reportOf(out, 'financial');
    const cli = await cliReport(inboxFiles(inbox), 'financial');
    expect(identities(cli)).toEqual(['amount_mismatch {order_id=SO-20}', 'not_booked {order_id=SO-7}']);
    expectSameAnswer(local, cli, inbox);
  });

  it('a snapshot ingested in chunks (its confirmation sets in parts) replaces the older one, through compare, as the CLI does', { timeout: 300_000 }, async () => {
    // Prepare: day 1 counts 30 SKUs at two facilities; day 2 drops S013 at DAL1 and moves S005
    // at ATL2 (the other 58 counts unchanged: confirmed, not written); the warehouse is off on S007 at DAL1
    const D1 = '2026-11-24T06:00:00.000Z';
    const D2 = '2026-11-25T06:00:00.000Z';
    const inbox = join(root, 'inventory');
    const count = (sku: number, fac: string) => (sku * 7 + fac.length) % 50;
    const day1: string[] = [];
    const day2: string[] = [];
    const wh: string[] = [];
    for (const fac of ['DAL1', 'ATL2']) {
      for (let i = 0; i < 30; i++) {
        const sku = `S${String(i).padStart(3, '0')}`;
        const moved = fac === 'ATL2' && i === 5 ? count(i, fac) + 3 : count(i, fac);
        day1.push(`${sku},${fac},${count(i, fac)},${D1}`);
        if (!(fac === 'DAL1' && i === 13)) day2.push(`${sku},${fac},${moved},${D2}`);
        wh.push(`${sku},${fac},${fac === 'DAL1' && i === 7 ? moved + 1 : moved},${D2}`);
      }
    }
    put(inbox, 'oms-inventory/day1.csv', table('sku,facility_id,on_hand,as_of', day1));
    put(inbox, 'oms-inventory/day2.csv', table('sku,facility_id,on_hand,as_of', day2));
    put(inbox, 'warehouse-inventory/wh.csv', table('sku,facility_id,on_hand,counted_at', wh));
    const out = join(root, 'inventory-out');
    const state = join(root, 'inventory-state');
    // Act
    const r = await run(['local', '--inbox', inbox, '--out', out, '--shards', '3', '--chunk-rows', '7', '--state', state]);
    // Assess: day 2 (59 rows) in nine invocations; its confirmation sets were put in parts
    expect(r.code, r.err).toBe(1);
    expect(r.out.split('\n').filter((l) => l.includes('oms-inventory/day2.csv: continued'))).toHaveLength(8);
    const parts = confirmationParts(join(state, 's3'));
    expect(Math.max(...parts.values())).toBeGreaterThan(1);
    // Assess: the CLI's answer — S013 absent from the newer snapshot, S007 off, S005's new count matched
    const local = reportOf(out, 'inventory');
    const cli = await cliReport(inboxFiles(inbox), 'inventory');
    expect(identities(cli)).toEqual([
      'missing_in_oms {facility_id=DAL1 sku=S013} offsetting=false',
      'quantity_mismatch {facility_id=DAL1 sku=S007} offsetting=false',
    ]);
    expect(cli.summary.matched).toBe(58);
    expectSameAnswer(local, cli, inbox);
    expect(local.discrepancies.find((d) => d.key.sku === 'S007')!.sources.find((s) => s.side === 'oms')).toMatchObject({ file: expect.stringMatching(/day2\.csv$/) });
  });

  it('resumes a file whose ingest died in an earlier process (stuck in the --state folder) when the run that names it ends; the run after it has it', { timeout: 300_000 }, async () => {
    // Prepare: a first run keeps its data in a --state folder…
    const state = join(root, 'stuck-state');
    const day1 = join(root, 'stuck-day1');
    put(day1, 'oms-transactions/c.csv', table('order_id,type,amount,currency', ['SO-1,sale,10.00,USD']));
    const first = await runLocalPipeline({ inbox: day1, out: join(root, 'stuck-out1'), state, shards: 2 });
    expect(first.failed).toEqual([]);
    // …then an ERP file lands whose ingest died an hour ago, before writing anything (its claim's lease ran out)
    const db = await startDynalite({ path: join(state, 'dynamodb') });
    const s3 = await startS3rver({ directory: join(state, 's3') });
    const key = 'inbound/erp-transactions/stuck.csv';
    try {
      const body = table('order_id,type,amount,currency', ['SO-1,invoice,10.00,USD', 'SO-2,invoice,20.00,USD']);
      const putOut = await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
      const hourAgo = new Date(Date.now() - 3_600_000);
      const [record] = s3Event(s3.bucket, key, body.length, putOut.ETag, hourAgo, 1).Records;
      const objectVersion = record.s3.object.versionId ?? record.s3.object.eTag!;
      const claimed = await claimFile(db.client, db.tableName, { file: { boundary: 'financial', bucket: s3.bucket, key, objectVersion }, feed: 'erp-transactions', now: hourAgo, leaseMs: 60_000, source: sourceOf(record) });
      expect(claimed.claimed).toBe(true);
    } finally {
      await Promise.all([db.stop(), s3.stop()]);
    }
    const day2 = join(root, 'stuck-day2');
    put(day2, 'oms-transactions/d.csv', table('order_id,type,amount,currency', ['SO-2,sale,20.00,USD']));
    // Act
    const second = await runLocalPipeline({ inbox: day2, out: join(root, 'stuck-out2'), state, shards: 2 });
    // Assess: the run the new file started named the ERP file stuck; its end resumed it, and the run after it has it
    expect(second.failed).toEqual([]);
    expect(second.runs.filter((r) => r.ran).map((r) => [r.trigger, r.status])).toEqual([['ingest', 'SUCCEEDED'], ['ingest', 'SUCCEEDED']]);
    const firstMessage = JSON.parse(second.notifications[0].Message) as { email: string };
    expect(firstMessage.email).toContain('ingest_stuck');
    expect(firstMessage.email).toContain('stuck.csv');
    expect(second.ingested.filter((o) => o.file.endsWith('/stuck.csv'))).toEqual([expect.objectContaining({ status: 'ingested', read: 2, stored: 2, rejected: 0 })]);
    const last = second.reports.financial!;
    expect(last.warnings.map((w) => w.code)).not.toContain('ingest_stuck');
    expect(last.files.map((f) => f.file.split('/').pop()).sort()).toEqual(['c.csv', 'd.csv', 'stuck.csv']);
    expect(last.discrepancies).toEqual([]);
    expect(last.summary.matched).toBe(2);
  });

  it('refuses a chunk size that is not a whole number of rows from 1', async () => {
    for (const bad of ['0', '-5', '2.5', '1e3', 'ten', '']) {
      const r = await run(['local', '--inbox', root, '--out', join(root, 'x'), `--chunk-rows=${bad}`]);
      expect(r.code).toBe(2);
      expect(errorLine(r)).toContain('--chunk-rows must be a whole number of rows from 1 to 1000000000');
    }
  });
});
