/**
 * No false all-clear in the pipeline: a boundary whose run compared no key (every facility a
 * coverage gap; every order out of scope because the channel's file failed) gets a report and
 * an SNS summary that say "nothing was compared" and why — never "all clear" — and
 * `oms-recon local` exits 2. Such a run resolves nothing and is no baseline for the next one.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnsPublishInput } from '../../lib/pipeline/local.ts';
import type { Report } from '../../lib/report/model.ts';
import { readReport, run, tempDir, type RunResult } from '../cli/helpers.ts';
import { cliReport, inboxFiles, startStandIns, withFeedPaths, type StandIns } from './harness.ts';

const root = tempDir('nothing-');

function message(n: SnsPublishInput) {
  const m = JSON.parse(n.Message) as { default: string; email: string; https: string };
  const chat = JSON.parse(m.https) as { content: { title: string; description: string; nextSteps?: string[] }; metadata: { eventType: string; additionalContext: Record<string, string> } };
  return { subject: n.Subject ?? '', text: m.default, email: m.email, chat };
}

describe('oms-recon local on an inbox where no key can be compared', () => {
  const inbox = join(root, 'inbox');
  const out = join(root, 'out');
  let r: RunResult;
  let notifications: SnsPublishInput[];
  const reports: Record<string, Report> = {};

  beforeAll(async () => {
    // Prepare: the warehouse writes facility dal1, the OMS DAL1; the channel file lacks channel_order_id
    const files: Record<string, string> = {
      'oms-inventory/oms.csv': 'sku,facility_id,on_hand\nSKU-1,DAL1,5\nSKU-2,DAL1,3\n',
      'warehouse-inventory/dal1.csv': 'sku,facility_id,on_hand\nSKU-1,dal1,5\nSKU-2,dal1,2\n',
      'channel-orders/web.csv': 'channel,order,total\nweb,A1,10.00\n',
      'oms-orders/oms.csv': 'channel,channel_order_id,oms_order_id,total\nweb,A1,O1,10.00\nweb,A2,O2,12.00\n',
    };
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(inbox, name, '..'), { recursive: true });
      writeFileSync(join(inbox, name), text);
    }
    // Act
    r = await run(['local', '--inbox', inbox, '--out', out, '--shards', '2']);
    notifications = (['1', '2'] as const).map((n) => JSON.parse(readFileSync(join(out, 'notifications', `${n}.json`), 'utf8')) as SnsPublishInput);
    for (const b of ['intake', 'inventory']) reports[b] = readReport(join(out, b));
  }, 120_000);

  it('exits 2, naming each boundary and why nothing was compared', () => {
    expect(r.code, r.err).toBe(2);
    const lines = r.err.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^oms-recon: intake: nothing was compared: no channel file was read; 1 file could not be read: s3:\/\/[^/]+\/inbound\/channel-orders\/web\.csv could not be ingested and is left out: .*missing required column channel_order_id.*; every key is out of scope: 2 keys left out of the comparison: channel "web" sent no feed in this run \[E_NOTHING_COMPARED\]$/);
    expect(lines[1]).toMatch(/^oms-recon: inventory: nothing was compared: every facility is a coverage gap, counted on one side only: facility DAL1 has oms rows .*; facility dal1 has warehouse rows .* \(DAL1 and dal1 differ only in case: facility IDs compare exactly as written\) \[E_NOTHING_COMPARED\]$/);
    expect(`${r.out}\n${r.err}`).not.toMatch(/all clear/i);
  });

  it('says "nothing was compared" and why in every part of the SNS message, never "all clear"', () => {
    expect(notifications.map((n) => n.Subject)).toEqual(['[oms-recon] intake: nothing was compared', '[oms-recon] inventory: nothing was compared']);
    for (const n of notifications) {
      const { subject, text, email, chat } = message(n);
      const b = subject.includes('intake') ? 'intake' : 'inventory';
      const reason = reports[b].nothingCompared!;
      expect(n.Message).not.toMatch(/all clear|100\.00%/i);
      expect(email).toContain(`Nothing was compared between ${reports[b].sides.join(' and ')}: ${reason}.`);
      expect(email).toContain('Match rate: none (no key compared) (0 of 0 keys');
      expect(text).toContain('Nothing was compared');
      expect(chat.content.title).toBe(`:warning: oms-recon ${b}: nothing was compared`);
      expect(chat.content.description.split('\n')[0]).toContain('Nothing was compared');
      expect(chat.content.nextSteps?.[0]).toMatch(/^Nothing was compared: check that both sides sent their files/);
      expect(chat.metadata.eventType).toBe('ReconciliationNothingCompared');
      expect(chat.metadata.additionalContext.nothingCompared).toBe(reason);
    }
  });

  it('writes reports that say so, with the reason the CLI engine gives for the same files', async () => {
    const engine = await cliReport(inboxFiles(inbox), 'inventory');
    expect(engine.nothingCompared).toBeDefined();
    expect(withFeedPaths(reports.inventory.nothingCompared!, inbox)).toBe(withFeedPaths(engine.nothingCompared!, inbox));
    for (const b of ['intake', 'inventory']) {
      expect(reports[b].summary).toMatchObject({ keys: 0, matched: 0, discrepancies: 0 });
      const md = readFileSync(join(out, b, 'summary.md'), 'utf8');
      expect(md).toContain('**Nothing was compared:**');
      expect(md).not.toMatch(/all clear/i);
    }
  });
});

describe('a pipeline run that compares nothing between two that compare', () => {
  let standIns: StandIns;
  beforeAll(async () => {
    standIns = await startStandIns();
  }, 60_000);
  afterAll(async () => {
    await standIns?.stop();
  });

  it('resolves nothing, and the next run still knows the open discrepancy and its age', { timeout: 180_000 }, async () => {
    // Prepare: run 1 finds SKU-2 short at DAL1
    const stage = await standIns.stage({ shards: 2 });
    await stage.deliver('inbound/oms-inventory/oms.csv', 'sku,facility_id,on_hand\nSKU-1,DAL1,5\nSKU-2,DAL1,3\n');
    const count = (fac: string) => `sku,facility_id,on_hand\nSKU-1,${fac},5\nSKU-2,${fac},2\n`;
    await stage.deliver('inbound/warehouse-inventory/count.csv', count('DAL1'));
    const first = await stage.runStateMachine('inventory');
    // The count is uploaded again with the facility written dal1, then corrected
    await stage.deliver('inbound/warehouse-inventory/count.csv', count('dal1'));
    const second = await stage.runStateMachine('inventory');
    // (CRLF: other bytes than the first upload, which an unversioned bucket would take for a redelivery of it)
    expect((await stage.deliver('inbound/warehouse-inventory/count.csv', count('DAL1').replace(/\n/g, '\r\n'))).status).toBe('ingested');
    const third = await stage.runStateMachine('inventory');
    // Assess
    expect(first.report!.discrepancies.map((d) => `${d.type} ${d.key.sku} ${d.status}`)).toEqual(['quantity_mismatch SKU-2 new']);
    expect(second.report!.nothingCompared).toMatch(/^every facility is a coverage gap/);
    expect(second.report!.resolved).toEqual([]);
    expect(second.published.map((p) => p.input.Subject)).toEqual(['[oms-recon] inventory: nothing was compared']);
    expect(second.published[0].input.Message).not.toMatch(/resolved|all clear/i);
    expect(third.report!.nothingCompared).toBeUndefined();
    expect(third.report!.discrepancies.map((d) => `${d.type} ${d.key.sku} ${d.status} ${d.firstSeen}`)).toEqual([
      `quantity_mismatch SKU-2 ongoing ${first.report!.discrepancies[0].firstSeen}`,
    ]);
    expect(third.report!.resolved).toEqual([]);
  });
});
