/**
 * Feed health and alerts through the real pipeline: the state machine synthesized from the
 * CDK app, the real handlers, dynalite and s3rver, and a clock. Two runs of one boundary tell
 * a late partner, an empty file and a shrunk drop apart, per partner prefix; the notify modes
 * decide which runs publish; every publish carries the SNS message attributes; a failed run's
 * notice is short whatever the Cause. The CLI and `oms-recon local` give the same feed_empty.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type ReconConfig } from '../../lib/config.ts';
import { parseConfig } from '../../lib/config-file.ts';
import { runLocalPipeline } from '../../lib/pipeline/local.ts';
import type { FeedHealth } from '../../lib/report/feed-health.ts';
import { put, readReport, run as cli, tempDir } from '../cli/helpers.ts';
import { startStandIns, type MachineRun, type Stage, type StandIns } from './harness.ts';

const HOUR = 3_600_000;
const root = mkdtempSync(join(tmpdir(), 'oms-recon-feed-health-'));
let standIns: StandIns;

beforeAll(async () => {
  standIns = await startStandIns();
}, 60_000);
afterAll(async () => {
  await standIns?.stop();
  rmSync(root, { recursive: true, force: true });
});

const HEADER = 'sku,facility_id,on_hand';
function counts(facility: string, n: number, onHand = 5): string {
  const rows = Array.from({ length: n }, (_, i) => `SKU-${String(i + 1).padStart(3, '0')},${facility},${onHand}`);
  return [HEADER, ...rows].join('\n') + '\n';
}

function config(extra: Record<string, unknown> = {}): ReconConfig {
  return parseConfig({
    partners: [{ name: 'acme', facilities: ['DAL1'] }, { name: 'beta', facilities: ['RNO1'] }],
    feeds: { 'warehouse-inventory': { expectEvery: '26h' } },
    ...extra,
  });
}

function codes(h: FeedHealth | undefined): string[] {
  return (h?.warnings ?? []).map((w) => `${w.code} ${w.feed}${w.partner ? `/${w.partner}` : ''}`).sort();
}

function attributes(run: MachineRun): Record<string, string | undefined> {
  const a = (run.published[0]?.input as { MessageAttributes?: Record<string, { DataType: string; StringValue?: string }> }).MessageAttributes ?? {};
  return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, `${v.DataType}:${v.StringValue}`]));
}

describe('feed health over two runs of the inventory boundary, per partner prefix', () => {
  let stage: Stage;
  let first: MachineRun;
  let second: MachineRun;

  beforeAll(async () => {
    // Prepare: day 1 — the OMS counts both facilities; partner acme counts DAL1, beta RNO1
    stage = await standIns.stage({ shards: 2, config: config() });
    await stage.deliver('inbound/oms-inventory/oms-day1.csv', counts('DAL1', 6) + counts('RNO1', 4).split('\n').slice(1).join('\n'));
    await stage.deliver('inbound/warehouse-inventory/acme/dal-day1.csv', counts('DAL1', 6));
    await stage.deliver('inbound/warehouse-inventory/beta/rno-day1.csv', counts('RNO1', 4));
    first = await stage.runStateMachine('inventory');
    // Day 2, 30 h later: acme sends a third of its rows, the OMS an empty file, beta nothing
    stage.clock.advance(30 * HOUR);
    await stage.deliver('inbound/warehouse-inventory/acme/dal-day2.csv', counts('DAL1', 2));
    await stage.deliver('inbound/oms-inventory/oms-day2.csv', HEADER + '\n');
    // Act
    second = await stage.runStateMachine('inventory');
  }, 180_000);

  it('reports each feed and partner prefix with its last file and rows, and no warning on the first run', () => {
    expect(first.error).toBeUndefined();
    const h = first.report!.feedHealth!;
    expect(h.asOf).toBeDefined();
    expect(h.feeds.map((e) => [e.feed, e.partner ?? null, e.rows, basename(e.lastFile ?? '')])).toEqual([
      ['oms-inventory', null, 10, 'oms-day1.csv'],
      ['warehouse-inventory', 'acme', 6, 'dal-day1.csv'],
      ['warehouse-inventory', 'beta', 4, 'rno-day1.csv'],
    ]);
    for (const e of h.feeds) expect(Date.parse(e.lastFileAt!)).toBeGreaterThanOrEqual(Date.parse('2026-11-26T06:00:00.000Z'));
    expect(h.warnings).toEqual([]);
  });

  it('tells the empty file, the shrunk drop and the late partner apart on the second run', () => {
    expect(second.error).toBeUndefined();
    const h = second.report!.feedHealth!;
    expect(codes(h)).toEqual(['feed_empty oms-inventory', 'feed_late warehouse-inventory/beta', 'feed_shrunk warehouse-inventory/acme']);
    const acme = h.feeds.find((e) => e.partner === 'acme')!;
    expect([acme.rows, acme.previousRows, acme.arrived, basename(acme.lastFile!)]).toEqual([2, 6, true, 'dal-day2.csv']);
    const beta = h.feeds.find((e) => e.partner === 'beta')!;
    expect([beta.rows, beta.arrived, basename(beta.lastFile!)]).toEqual([4, false, 'rno-day1.csv']);
    expect(h.warnings.find((w) => w.code === 'feed_late')!.message).toMatch(/^no warehouse-inventory \(partner beta\) file for 1d 6h \(expected every 26h/);
    expect(h.warnings.find((w) => w.code === 'feed_empty')!.file).toMatch(/oms-day2\.csv$/);
  });

  it('puts feed health in report.md, report.html and the SNS summary', async () => {
    const md = await stage.text(second.output!.reportKey.replace(/report\.json$/, 'summary.md'));
    expect(md).toContain('## Feed health');
    expect(md).toMatch(/`feed_late` no warehouse-inventory \(partner beta\) file for 1d 6h/);
    const html = await stage.text(second.output!.reportKey.replace(/report\.json$/, 'report.html'));
    expect(html).toContain('feed_shrunk: warehouse-inventory (partner acme): 2 rows in the latest drop, down 67% from 6');
    const message = JSON.parse(second.published[0].input.Message) as { default: string; email: string; https: string };
    expect(message.email).toContain('Feed health:');
    expect(message.email).toMatch(/! feed_empty: .*oms-day2\.csv holds no data rows/);
    expect(message.default).toContain('Feed health: feed_late');
    expect(JSON.parse(message.https).content.description).toContain('Feed health: `feed_empty`');
  });

  it('keeps a late feed late on the next run, without counting it as news', async () => {
    stage.clock.advance(HOUR);
    const third = await stage.runStateMachine('inventory');
    expect(codes(third.report!.feedHealth)).toEqual(['feed_late warehouse-inventory/beta']);
    expect(third.report!.feedHealth!.warnings[0].new).toBe(false);
    // Nothing new, nothing resolved, no new feed warning: the default notify mode (changes) stays quiet.
    expect(third.output!.publish).toBe(false);
    expect(third.published).toEqual([]);
  }, 60_000);
});

describe('notify modes: which runs publish', () => {
  async function twoRuns(notify: Record<string, unknown> | undefined, second?: (s: Stage) => Promise<void>) {
    const stage = await standIns.stage({ shards: 2, config: notify ? parseConfig({ notify: { inventory: notify } }) : DEFAULT_CONFIG });
    await stage.deliver('inbound/oms-inventory/oms.csv', counts('DAL1', 5, 7));
    await stage.deliver('inbound/warehouse-inventory/dal.csv', counts('DAL1', 5, 5)); // 5 quantity_mismatch
    const a = await stage.runStateMachine('inventory');
    stage.clock.advance(HOUR);
    await second?.(stage);
    const b = await stage.runStateMachine('inventory');
    return [a, b];
  }

  it('changes (the default): the first run (all new) publishes, an unchanged run does not, a fix does', async () => {
    const [a, b] = await twoRuns(undefined);
    expect([a.published.length, b.published.length]).toEqual([1, 0]);
    expect(b.output!.publish).toBe(false);
    expect(b.report!.discrepancies.every((d) => d.status === 'ongoing')).toBe(true);
    const [, fixed] = await twoRuns(undefined, (s) => s.deliver('inbound/warehouse-inventory/dal-recount.csv', counts('DAL1', 5, 7)).then(() => {}));
    expect(fixed.report!.resolved).toHaveLength(5);
    expect(fixed.published.map((p) => p.state)).toEqual(['PublishSummary']);
    expect(attributes(fixed)).toMatchObject({ severity: 'String:notice', new: 'Number:0', discrepancies: 'Number:0' });
  }, 180_000);

  it('always: every run publishes', async () => {
    const [a, b] = await twoRuns({ mode: 'always' });
    expect([a.published.length, b.published.length]).toEqual([1, 1]);
    expect(attributes(b)).toEqual({
      event: 'String:summary', boundary: 'String:inventory', severity: 'String:notice', new: 'Number:0', discrepancies: 'Number:5',
    });
  }, 180_000);

  it('threshold: only a run with at least minNew new discrepancies publishes', async () => {
    const [below] = await twoRuns({ mode: 'threshold', minNew: 6 });
    expect(below.report!.discrepancies.filter((d) => d.status === 'new')).toHaveLength(5);
    expect(below.published).toEqual([]);
    const [at] = await twoRuns({ mode: 'threshold', minNew: 5 });
    expect(at.published).toHaveLength(1);
    expect(attributes(at)).toMatchObject({ boundary: 'String:inventory', severity: 'String:warning', new: 'Number:5' });
  }, 180_000);

  it('a run that compared nothing always publishes, whatever the mode', async () => {
    const stage = await standIns.stage({ shards: 2, config: parseConfig({ notify: { inventory: { mode: 'threshold', minNew: 1000 } } }) });
    await stage.deliver('inbound/oms-inventory/oms.csv', counts('DAL1', 3));
    await stage.deliver('inbound/warehouse-inventory/rno.csv', counts('RNO1', 3)); // no facility on both sides
    const r = await stage.runStateMachine('inventory');
    expect(r.report!.nothingCompared).toBeDefined();
    expect(r.published).toHaveLength(1);
    expect(attributes(r)).toMatchObject({ severity: 'String:warning' });
  }, 120_000);
});

describe('a failed run', () => {
  it('sends a short notice naming the run, the state and the reason, never the 10 KB Cause', async () => {
    // Prepare: compare dies with a 10 KB stack trace
    const stage = await standIns.stage({ shards: 2 });
    await stage.deliver('inbound/oms-inventory/oms.csv', counts('DAL1', 3));
    await stage.deliver('inbound/warehouse-inventory/dal.csv', counts('DAL1', 3));
    const trace = Array.from({ length: 200 }, (_, i) => `    at frame${i} (/var/task/compare.mjs:${i + 1}:17)`).join('\n');
    const cause = `shard 1 could not be read: ProvisionedThroughputExceeded\n${trace}`;
    expect(cause.length).toBeGreaterThan(9_000);
    const broken = async () => {
      throw Object.assign(new Error(cause), { name: 'ReconError' });
    };
    // Act
    const r = await stage.runStateMachine('inventory', { overrides: { compare: broken }, runId: 'inventory-broken-7' });
    // Assess
    expect(r.error).toBeDefined();
    expect(r.published.map((p) => p.state)).toEqual(['PublishFailure']);
    const notice = r.published[0].input as { Subject: string; Message: string; MessageAttributes: Record<string, { StringValue: string }> };
    expect(notice.Subject).toBe('oms-recon: inventory run failed');
    expect(notice.Message.length).toBeLessThan(3000);
    expect(notice.Message).toContain('The oms-recon inventory run inventory-broken-7 failed.');
    expect(notice.Message).toContain('Failed: CompareShards');
    expect(notice.Message).toContain('Reason: shard 1 could not be read: ProvisionedThroughputExceeded');
    expect(notice.Message).toContain('https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/');
    expect(notice.Message).not.toContain('frame1 ');
    expect(Object.fromEntries(Object.entries(notice.MessageAttributes).map(([k, v]) => [k, v.StringValue]))).toEqual({ event: 'failure', boundary: 'inventory', severity: 'error' });
  }, 120_000);
});

describe('the CLI and oms-recon local on the same files', () => {
  const empties = (h: FeedHealth) => h.warnings.filter((w) => w.code === 'feed_empty').map((w) => `${w.feed} ${basename(w.file!)}`);

  it('count the same rows per feed, and a file whose rows are all rejected is not empty in either', async () => {
    // Prepare: the warehouse feed holds a file whose every row is rejected beside a full one
    const inbox = join(root, 'inbox-rejected');
    const oms = put(join(inbox, 'oms-inventory'), 'oms.csv', counts('DAL1', 4));
    const full = put(join(inbox, 'warehouse-inventory'), 'dal.csv', counts('DAL1', 4, 4));
    const bad = put(join(inbox, 'warehouse-inventory'), 'bad.csv', `${HEADER}\nSKU-9,DAL1,lots\n`);
    const out = tempDir('feed-health-');
    // Act
    const res = await cli(['reconcile', 'inventory', '--oms', oms, '--warehouse', full, bad, '--out', out]);
    const local = await runLocalPipeline({ inbox, out: join(root, 'local-out-rejected'), shards: 2 });
    // Assess
    expect(res.code).toBe(1);
    const viaCli = readReport(out).feedHealth!;
    const viaLocal = local.reports.inventory!.feedHealth!;
    expect(empties(viaCli)).toEqual([]);
    expect(empties(viaLocal)).toEqual([]);
    expect(viaCli.feeds.map((e) => [e.feed, e.rows, e.files])).toEqual([['oms-inventory', 4, 1], ['warehouse-inventory', 5, 2]]);
    expect(viaLocal.feeds.map((e) => [e.feed, e.rows, e.files])).toEqual(viaCli.feeds.map((e) => [e.feed, e.rows, e.files]));
    // The CLI has no history and no arrival clock: no feed_late, no feed_shrunk, no asOf; it prints the feeds.
    expect(viaCli.asOf).toBeUndefined();
    expect(viaCli.feeds.every((e) => e.lastFileAt !== undefined)).toBe(true);
    expect(res.out).toContain('feed health');
  }, 180_000);

  it('name the same header-only file: the CLI stops on it (E_NO_ROWS), the pipeline reports it feed_empty', async () => {
    const inbox = join(root, 'inbox-empty');
    const oms = put(join(inbox, 'oms-inventory'), 'oms.csv', counts('DAL1', 4));
    const full = put(join(inbox, 'warehouse-inventory'), 'dal.csv', counts('DAL1', 4, 4));
    const empty = put(join(inbox, 'warehouse-inventory'), 'empty.csv', HEADER + '\n');
    // Act
    const res = await cli(['reconcile', 'inventory', '--oms', oms, '--warehouse', full, empty, '--out', tempDir('feed-health-')]);
    const local = await runLocalPipeline({ inbox, out: join(root, 'local-out-empty'), shards: 2 });
    // Assess
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/empty\.csv:2: no data rows \(the file has a header only\) \[E_NO_ROWS\]/);
    expect(empties(local.reports.inventory!.feedHealth!)).toEqual(['warehouse-inventory empty.csv']);
    // The captured publish carries the message attributes subscriptions filter on.
    expect(local.notifications.map((n) => n.MessageAttributes?.boundary?.StringValue)).toEqual(['inventory']);
    expect(local.notifications[0].MessageAttributes?.severity).toEqual({ DataType: 'String', StringValue: 'warning' });
  }, 180_000);
});
