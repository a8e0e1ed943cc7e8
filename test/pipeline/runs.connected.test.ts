/**
 * Runs over time: the state machine synthesized from the CDK app, run twice on one store
 * with a change in between, tells new from ongoing discrepancies and lists the resolved
 * ones; a run that fails tells the subscribers so and does not disturb the history.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prefix } from '../../lib/pipeline/contracts.ts';
import type { Discrepancy, Report } from '../../lib/report/model.ts';
import { verifyAgainstAnswerKey, writeSample, type SampleSet } from '../../lib/sample/index.ts';
import { injectErrors, sdkError as serviceError } from '../support/dynamo-faults.ts';
import { cliReport, identities, identity, inboxFiles, startStandIns, type MachineRun, type Stage, type StandIns } from './harness.ts';

const root = mkdtempSync(join(tmpdir(), 'oms-recon-pipeline-runs-'));
const DAY = 86_400_000;
let standIns: StandIns;

beforeAll(async () => {
  standIns = await startStandIns();
});
afterAll(async () => {
  await standIns?.stop();
  rmSync(root, { recursive: true, force: true });
});

function parseMessage(run: MachineRun) {
  const message = JSON.parse(run.published[0].input.Message) as { default: string; email: string; https: string };
  return { ...message, chat: JSON.parse(message.https) as { content: { title: string; description: string } } };
}

function expectValidSubject(subject: string | undefined) {
  expect(subject).toMatch(/^[\x20-\x7e]{1,99}$/);
}

describe('two runs of the financial boundary with a fix and a new problem in between', () => {
  const inbox = join(root, 'inbox');
  let sample: SampleSet;
  let stage: Stage;
  let first: MachineRun;
  let second: MachineRun;
  let fixed: Discrepancy;
  let firstReport: Report;
  let secondReport: Report;
  let allFiles: Array<{ feed: 'oms-transactions' | 'erp-transactions'; path: string }>;

  beforeAll(async () => {
    // Prepare: the sample's financial feeds, ingested; the first run
    sample = writeSample(inbox, { seed: 5 });
    stage = await standIns.stage({ shards: 3 });
    const files = inboxFiles(inbox).filter((f) => f.feed === 'oms-transactions' || f.feed === 'erp-transactions');
    for (const f of files) await stage.deliver(`${Prefix.inbound}${f.feed}/${f.name}`, readFileSync(f.path));
    first = await stage.runStateMachine('financial');
    firstReport = first.report!;

    // The ERP books the missing invoice of one order; the OMS sells an order the ERP does not book.
    fixed = firstReport.discrepancies.find((d) => d.type === 'not_booked')!;
    const oms = fixed.oms as { amount: string; currency: string };
    const invoice = `order_id,type,amount,currency,document_id\n${fixed.key.order_id},invoice,${oms.amount},${oms.currency},INV-LATE-1\n`;
    const sale = `order_id,type,amount,currency,document_id\nSO-LATE-1,sale,49.90,${oms.currency},ORD-LATE-1\n`;
    writeFileSync(join(root, 'late-invoices.csv'), invoice);
    writeFileSync(join(root, 'late-sales.csv'), sale);
    stage.clock.advance(DAY);
    await stage.deliver('inbound/erp-transactions/late-invoices.csv', invoice);
    await stage.deliver('inbound/oms-transactions/late-sales.csv', sale);
    allFiles = [
      ...files.filter((f) => f.feed === 'oms-transactions'),
      { feed: 'oms-transactions', path: join(root, 'late-sales.csv') },
      ...files.filter((f) => f.feed === 'erp-transactions'),
      { feed: 'erp-transactions', path: join(root, 'late-invoices.csv') },
    ] as typeof allFiles;

    // Act: the second run
    second = await stage.runStateMachine('financial');
    secondReport = second.report!;
  });

  it('reports the planted discrepancies in the first run, all new', () => {
    expect(first.error).toBeUndefined();
    const check = verifyAgainstAnswerKey(firstReport, sample.answerKey.financial);
    expect(check).toEqual({ missing: [], extra: [] });
    expect(firstReport.discrepancies.map((d) => d.status)).toEqual(firstReport.discrepancies.map(() => 'new'));
    expect(firstReport.resolved ?? []).toEqual([]);
    expect(fixed).toBeDefined();
  });

  it('marks the new discrepancy new and the others ongoing since the first run, and lists the fixed one as resolved', async () => {
    expect(second.error).toBeUndefined();
    const expected = [...identities(firstReport).filter((id) => id !== identity(fixed)), 'not_booked {order_id=SO-LATE-1}'].sort();
    expect(identities(secondReport)).toEqual(expected);
    expect(identities(secondReport)).toEqual(identities(await cliReport(allFiles, 'financial')));

    const firstSeen = new Map(firstReport.discrepancies.map((d) => [identity(d), d.firstSeen]));
    for (const d of secondReport.discrepancies) {
      if (d.key.order_id === 'SO-LATE-1') {
        expect(d).toMatchObject({ status: 'new', firstSeen: secondReport.generatedAt });
      } else {
        expect(d.status, identity(d)).toBe('ongoing');
        expect(d.firstSeen, identity(d)).toBe(firstSeen.get(identity(d)));
        expect(d.firstSeen! < secondReport.generatedAt).toBe(true);
      }
    }
    expect(secondReport.resolved).toEqual([{ type: 'not_booked', key: fixed.key, firstSeen: fixed.firstSeen }]);
  });

  it('says in the notifications how many are new, ongoing and resolved', () => {
    const total1 = firstReport.discrepancies.length;
    const total2 = secondReport.discrepancies.length;
    expect(first.published.map((p) => p.state)).toEqual(['PublishSummary']);
    expect(second.published.map((p) => p.state)).toEqual(['PublishSummary']);
    const subject1 = first.published[0].input.Subject;
    const subject2 = second.published[0].input.Subject;
    expectValidSubject(subject1);
    expectValidSubject(subject2);
    expect(subject1).toBe(`[oms-recon] financial: ${total1} discrepancies (${total1} new)`);
    expect(subject2).toBe(`[oms-recon] financial: ${total2} discrepancies (1 new)`);

    const m = parseMessage(second);
    expect(m.email).toContain(`1 NEW discrepancy; ${total2 - 1} ongoing`);
    expect(m.email).toContain('1 resolved since the last run');
    expect(m.email).toMatch(/^- \[NEW\] not_booked \(sale\) order_id=SO-LATE-1/m);
    expect(m.email).toMatch(/^- \[ongoing\] /m);
    expect(m.chat.content.title).toContain('1 new discrepancy');
  });

  it('tells the subscribers when a run fails, and the next run still compares with the last good one', async () => {
    // Prepare: compare cannot read the table (access revoked)
    const client = standIns.db.newClient();
    injectErrors(client, 'QueryCommand', () => serviceError('AccessDeniedException', 400, 'User is not authorized to perform: dynamodb:Query'));
    const broken = stage.handlers(stage.deps({ dynamo: client })).compare;
    stage.clock.advance(DAY);
    // Act
    const failed = await stage.runStateMachine('financial', { overrides: { compare: broken }, runId: 'financial-broken' });
    stage.clock.advance(DAY);
    const next = await stage.runStateMachine('financial');
    // Assess: the failed run
    expect(failed.error).toBeDefined();
    expect(failed.output).toBeUndefined();
    expect(failed.published.map((p) => p.state)).toEqual(['PublishFailure']);
    const notice = failed.published[0].input;
    expectValidSubject(notice.Subject);
    expect(notice.Subject).toBe('oms-recon: financial run failed');
    expect(notice.TopicArn).toMatch(/^arn:aws:sns:/);
    expect(notice.MessageStructure).toBe('json');
    expect(notice.Message).toContain('financial-broken');
    expect(notice.Message).toContain('AccessDeniedException');
    expect(notice.Message).toContain('"source":"custom"');
    // …and the run after it: nothing changed since the last good run
    expect(next.error).toBeUndefined();
    expect(identities(next.report!)).toEqual(identities(secondReport));
    expect(next.report!.discrepancies.every((d) => d.status === 'ongoing')).toBe(true);
    expect(next.report!.resolved).toEqual([]);
    // Nothing new and nothing resolved: the default notify mode (changes) publishes nothing.
    expect(next.output!.publish).toBe(false);
    expect(next.published).toEqual([]);
  });
});
