/**
 * Cancelled orders (SPEC "Cancelled orders") through both front doors: `oms-recon reconcile
 * intake` and `oms-recon local` give the same answer on one inbox, and the pipeline's stored
 * records keep `status`, so its compare step sees what the CLI sees.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../lib/report/model.ts';
import { readReport, run, tempDir, type RunResult } from '../cli/helpers.ts';
import { counts, discrepancyDetails, fileRows, identities, startStandIns, warningTexts, type StandIns } from './harness.ts';

const CHANNEL = [
  'channel,channel_order_id,placed_at,total,currency,status',
  'web,A1,2026-11-25T10:00:00Z,10.00,EUR,paid', // matches
  'web,A2,2026-11-25T10:01:00Z,11.00,EUR,paid', // missing_in_oms
  'web,K1,2026-11-25T10:02:00Z,12.00,EUR,Cancelled', // cancelled, never captured: agrees
  'web,L1,2026-11-25T10:03:00Z,13.00,EUR,canceled', // cancelled on both sides, totals differ: a match
  'web,M1,2026-11-25T10:04:00Z,14.00,EUR,VOID', // cancelled here, live in the OMS
  'web,N1,2026-11-25T10:05:00Z,15.00,EUR,paid', // live here, cancelled in the OMS
  'web,P1,2026-11-25T10:06:00Z,16.00,EUR,paid', // one capture voided, one live: no duplicate
  'web,R3,2026-11-25T10:07:00Z,17.00,EUR,cancelled', // cancelled here, captured live twice
].join('\n') + '\n';

const OMS = [
  'channel,channel_order_id,oms_order_id,created_at,total,currency,status',
  'web,A1,O-A1,2026-11-25T10:00:05Z,10.00,EUR,captured',
  'web,L1,O-L1,2026-11-25T10:03:05Z,0.00,EUR,cancelled',
  'web,M1,O-M1,2026-11-25T10:04:05Z,14.00,EUR,released',
  'web,N1,O-N1,2026-11-25T10:05:05Z,15.00,EUR,Voided',
  'web,P1,O-P1,2026-11-25T10:06:05Z,99.00,EUR,cancelled',
  'web,P1,O-P1b,2026-11-25T10:06:09Z,16.00,EUR,captured',
  'web,Q1,O-Q1,2026-11-25T10:08:05Z,18.00,EUR,void', // cancelled, no channel placed it: not unexpected
  'web,Q2,O-Q2,2026-11-25T10:09:05Z,19.00,EUR,cancelled', // …but its live twin is
  'web,Q2,O-Q2b,2026-11-25T10:09:09Z,19.00,EUR,captured',
  'web,R3,O-R3,2026-11-25T10:07:05Z,17.00,EUR,captured',
  'web,R3,O-R3b,2026-11-25T10:07:09Z,17.00,EUR,captured',
].join('\n') + '\n';

const root = tempDir('cancelled-');
const inbox = join(root, 'inbox');
mkdirSync(join(inbox, 'channel-orders'), { recursive: true });
mkdirSync(join(inbox, 'oms-orders'), { recursive: true });
writeFileSync(join(inbox, 'channel-orders', 'web.csv'), CHANNEL);
writeFileSync(join(inbox, 'oms-orders', 'oms.csv'), OMS);

describe('cancelled orders: oms-recon reconcile and oms-recon local on one inbox', () => {
  let cli: RunResult, local: RunResult;
  let cliReport: Report, localReport: Report;

  beforeAll(async () => {
    // Act: both commands, as a user runs them
    cli = await run(['reconcile', 'intake', '--channel', join(inbox, 'channel-orders', 'web.csv'), '--oms', join(inbox, 'oms-orders', 'oms.csv'), '--out', join(root, 'cli')]);
    local = await run(['local', '--inbox', inbox, '--out', join(root, 'local'), '--shards', '3']);
    cliReport = readReport(join(root, 'cli'));
    localReport = readReport(join(root, 'local', 'intake'));
  }, 120_000);

  it('finds the cancellation mismatches, and nothing for orders cancelled where nothing disagrees', () => {
    expect(cli.code, cli.err).toBe(1);
    expect(cliReport.discrepancies.map((d) => `${d.type} ${d.key.channel_order_id}${d.cancelled_on ? ` cancelled_on=${d.cancelled_on}` : ''}`)).toEqual([
      'missing_in_oms A2',
      'duplicate_in_oms R3',
      'unexpected_in_oms Q2',
      'cancellation_mismatch M1 cancelled_on=channel',
      'cancellation_mismatch N1 cancelled_on=oms',
      'cancellation_mismatch R3 cancelled_on=channel',
    ]);
    // A1, K1, L1, P1 and Q1 agree
    expect(cliReport.summary).toMatchObject({ keys: 10, matched: 5, discrepancies: 6, atRisk: { money: { EUR: '93.00' } } });
  });

  it('gives the same answer through the pipeline: discrepancies in full, counts, rows and warnings', () => {
    expect(local.code, local.err).toBe(1);
    expect(identities(localReport)).toEqual(identities(cliReport));
    expect(discrepancyDetails(localReport, inbox)).toEqual(discrepancyDetails(cliReport, inbox));
    expect(counts(localReport)).toEqual(counts(cliReport));
    expect(localReport.summary.atRisk).toEqual(cliReport.summary.atRisk);
    expect(fileRows(localReport)).toEqual(fileRows(cliReport));
    expect(warningTexts(localReport, inbox)).toEqual(warningTexts(cliReport, inbox));
  });

  it('shows each side\'s status, read back from DynamoDB in the pipeline', () => {
    const m1 = localReport.discrepancies.find((d) => d.key.channel_order_id === 'M1')!;
    expect(m1).toMatchObject({ channel: { status: 'VOID' }, oms: { status: 'released' } });
    const n1 = localReport.discrepancies.find((d) => d.key.channel_order_id === 'N1')!;
    expect(n1).toMatchObject({ channel: { status: 'paid' }, oms: { status: 'Voided' } });
  });
});

describe('cancelled orders: the stored intake records', () => {
  let standIns: StandIns;
  beforeAll(async () => {
    standIns = await startStandIns();
  }, 60_000);
  afterAll(async () => {
    await standIns?.stop();
  });

  it('keep each row\'s status as the file wrote it', async () => {
    // Prepare
    const stage = await standIns.stage({ shards: 3 });
    // Act
    const uploads = await stage.ingestInbox(inbox);
    const records = await stage.records('intake');
    // Assess
    expect(uploads.flatMap((u) => u.outcomes.map((o) => o.status))).toEqual(['ingested', 'ingested']);
    const stored = records.map((r) => `${r.side} ${r.fields.channel_order_id} ${r.fields.oms_order_id ?? '-'} ${r.fields.status}`).sort();
    const written = [
      ...CHANNEL.trim().split('\n').slice(1).map((l) => l.split(',')).map((c) => `channel ${c[1]} - ${c[5]}`),
      ...OMS.trim().split('\n').slice(1).map((l) => l.split(',')).map((c) => `oms ${c[1]} ${c[2]} ${c[6]}`),
    ].sort();
    expect(stored).toEqual(written);
  });
});
