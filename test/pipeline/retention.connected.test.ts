/**
 * Nothing fails forever: a boundary whose previous run's objects have expired (a 36-day gap
 * between runs, runs/ kept 35 days) or are gone while its run item still names them runs,
 * warns, becomes the new baseline, and the run after it compares with it as usual.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prefix } from '../../lib/pipeline/contracts.ts';
import { writeSample } from '../../lib/sample/index.ts';
import { latestRun } from '../../lib/store/index.ts';
import { identities, inboxFiles, startStandIns, type MachineRun, type Stage, type StandIns } from './harness.ts';

const root = mkdtempSync(join(tmpdir(), 'oms-recon-retention-'));
const DAY = 86_400_000;
let standIns: StandIns;

beforeAll(async () => {
  standIns = await startStandIns();
});
afterAll(async () => {
  await standIns?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** Deletes every object under `prefix` (what the S3 lifecycle does once they expire). */
async function expire(stage: Stage, prefix: string): Promise<string[]> {
  const out = await stage.s3.client.send(new ListObjectsV2Command({ Bucket: stage.bucket, Prefix: prefix }));
  const keys = (out.Contents ?? []).map((o) => o.Key!);
  for (const Key of keys) await stage.s3.client.send(new DeleteObjectCommand({ Bucket: stage.bucket, Key }));
  return keys;
}

describe('the financial boundary over a 36-day gap', () => {
  const inbox = join(root, 'inbox');
  let stage: Stage;
  let files: ReturnType<typeof inboxFiles>;
  let first: MachineRun;
  let afterGap: MachineRun;
  let next: MachineRun;

  const drop = async (day: string) => {
    for (const f of files) await stage.deliver(`${Prefix.inbound}${f.feed}/${day}/${f.name}`, readFileSync(f.path));
  };

  beforeAll(async () => {
    // Prepare: a daily drop and its run; then 36 days without a run: runs/ (and rejected/, inbound/) expired
    writeSample(inbox, { seed: 11 });
    files = inboxFiles(inbox).filter((f) => f.feed === 'oms-transactions' || f.feed === 'erp-transactions');
    stage = await standIns.stage({ shards: 3 });
    await drop('day-0');
    first = await stage.runStateMachine('financial');
    stage.clock.advance(36 * DAY);
    expect((await expire(stage, `${Prefix.runs}financial/`)).length).toBeGreaterThan(0);
    await expire(stage, Prefix.rejected);
    // Act: the next drop and its run, then one more run a day later
    await drop('day-36');
    afterGap = await stage.runStateMachine('financial');
    stage.clock.advance(DAY);
    next = await stage.runStateMachine('financial');
  }, 600_000);

  it('runs after the gap, on the new drop alone, every discrepancy new', () => {
    expect(first.error).toBeUndefined();
    expect(afterGap.error).toBeUndefined();
    const report = afterGap.report!;
    // The day-0 files are past their retention: not in scope (their manifests expired), not counted twice
    expect(report.files.map((f) => f.file).every((f) => f.includes('/day-36/'))).toBe(true);
    expect(identities(report)).toEqual(identities(first.report!));
    expect(report.discrepancies.length).toBeGreaterThan(0);
    expect(report.discrepancies.every((d) => d.status === 'new')).toBe(true);
    expect(report.resolved).toEqual([]);
    expect(afterGap.published.map((p) => p.state)).toEqual(['PublishSummary']);
  });

  it('makes it the baseline of the next run', async () => {
    expect(next.error).toBeUndefined();
    expect(next.report!.discrepancies.every((d) => d.status === 'ongoing' && d.firstSeen === afterGap.report!.generatedAt)).toBe(true);
    expect(next.report!.resolved).toEqual([]);
    expect((await latestRun(stage.db.client, stage.tableName, 'financial', { status: 'succeeded', now: stage.clock.now }))?.runId).toBe(next.runId);
  });
});

describe('a run whose previous run item outlives its objects', () => {
  const inbox = join(root, 'inbox-2');
  let stage: Stage;
  let first: MachineRun;
  let second: MachineRun;
  let third: MachineRun;

  beforeAll(async () => {
    // Prepare: a run; then its identities and the files' rejected rows are deleted (by hand, or an item written without a ttl)
    writeSample(inbox, { seed: 12 });
    stage = await standIns.stage({ shards: 2 });
    for (const f of inboxFiles(inbox).filter((x) => x.feed === 'oms-transactions' || x.feed === 'erp-transactions')) {
      await stage.deliver(`${Prefix.inbound}${f.feed}/${f.name}`, readFileSync(f.path));
    }
    first = await stage.runStateMachine('financial');
    stage.clock.advance(DAY);
    await expire(stage, `${Prefix.runs}financial/${first.runId}/`);
    // Act
    const rejected = await expire(stage, Prefix.rejected);
    expect(rejected.length).toBeGreaterThan(0);
    second = await stage.runStateMachine('financial');
    stage.clock.advance(DAY);
    third = await stage.runStateMachine('financial');
  }, 600_000);

  it('warns previous_run_missing and list_missing, and counts every discrepancy new', () => {
    expect(first.error).toBeUndefined();
    expect(second.error).toBeUndefined();
    const report = second.report!;
    const codes = report.warnings.map((w) => w.code);
    expect(codes).toContain('previous_run_missing');
    expect(codes).toContain('list_missing');
    expect(report.warnings.find((w) => w.code === 'previous_run_missing')!.message).toContain(first.runId);
    expect(report.discrepancies.every((d) => d.status === 'new')).toBe(true);
    expect(report.resolved).toEqual([]);
    // The files' counts stand; only the rejected rows' list is gone
    expect(report.summary.rows).toEqual(first.report!.summary.rows);
    expect(report.rejected).toEqual([]);
    expect(identities(report)).toEqual(identities(first.report!));
  });

  it('compares the next run with it', () => {
    expect(third.error).toBeUndefined();
    expect(third.report!.discrepancies.every((d) => d.status === 'ongoing' && d.firstSeen === second.report!.generatedAt)).toBe(true);
    expect(third.report!.warnings.map((w) => w.code)).not.toContain('previous_run_missing');
  });
});
