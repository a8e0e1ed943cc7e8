/**
 * `oms-recon local --chunk-rows <n>`: ingest reads each file in invocations of at most n rows,
 * each handing the file to the next from a checkpoint, as a large file is ingested on AWS
 * (lib/pipeline/chunk.ts). The reports must be what `oms-recon reconcile` gives on the same files.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Report } from '../../lib/report/model.ts';
import { errorLine, put, run, tempDir } from '../cli/helpers.ts';
import { cliReport, counts, discrepancyDetails, identities, inboxFiles, warningTexts } from './harness.ts';
import './quiet-sdk.ts';

const root = tempDir('local-chunks-');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const table = (head: string, lines: readonly string[]) => head + '\n' + lines.join('\n') + '\n';
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

  it('refuses a chunk size that is not a whole number of rows from 1', async () => {
    for (const bad of ['0', '-5', '2.5', '1e3', 'ten', '']) {
      const r = await run(['local', '--inbox', root, '--out', join(root, 'x'), `--chunk-rows=${bad}`]);
      expect(r.code).toBe(2);
      expect(errorLine(r)).toContain('--chunk-rows must be a whole number of rows from 1 to 1000000000');
    }
  });
});
