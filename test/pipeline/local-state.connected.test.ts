/**
 * `oms-recon local --state <dir>`: the stand-ins keep their data in <dir>, so a second run
 * sees the first — a fixed discrepancy is resolved, a new one is new, the rest ongoing —
 * exactly as two runs of the deployed pipeline would.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../lib/report/model.ts';
import { run, tempDir, type RunResult } from '../cli/helpers.ts';
import './quiet-sdk.ts';

const root = tempDir('local-state-');
const state = join(root, 'state');

function inbox(name: string, oms: string, erp: string): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'oms-transactions'), { recursive: true });
  mkdirSync(join(dir, 'erp-transactions'), { recursive: true });
  writeFileSync(join(dir, 'oms-transactions', 'oms.csv'), `order_id,type,amount,currency\n${oms}`);
  writeFileSync(join(dir, 'erp-transactions', 'erp.csv'), `order_id,type,amount,currency\n${erp}`);
  return dir;
}

const keys = (r: Report) => r.discrepancies.map((d) => `${d.type} ${d.key.order_id} ${d.status}`).sort();
const report = (out: string) => JSON.parse(readFileSync(join(out, 'financial', 'report.json'), 'utf8')) as Report;

describe('two runs of oms-recon local on one --state folder', () => {
  let first: RunResult;
  let second: RunResult;
  let fresh: RunResult;
  beforeAll(async () => {
    // Prepare: SO-2 booked at the wrong amount, SO-3 not booked
    const day1 = inbox('day1', 'SO-1,sale,10,USD\nSO-2,sale,20,USD\nSO-3,sale,30,USD\n', 'SO-1,invoice,10,USD\nSO-2,invoice,25,USD\n');
    // …the next day the ERP books SO-3, and the OMS sells SO-4, which the ERP does not book
    const day2 = inbox('day2', 'SO-1,sale,10,USD\nSO-2,sale,20,USD\nSO-3,sale,30,USD\nSO-4,sale,40,USD\n', 'SO-1,invoice,10,USD\nSO-2,invoice,25,USD\nSO-3,invoice,30,USD\n');
    // Act
    first = await run(['local', '--inbox', day1, '--out', join(root, 'out1'), '--state', state, '--shards', '2']);
    second = await run(['local', '--inbox', day2, '--out', join(root, 'out2'), '--state', state, '--shards', '2']);
    fresh = await run(['local', '--inbox', day2, '--out', join(root, 'out3'), '--shards', '2']);
  }, 300_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reports the first day as new', () => {
    expect(first.code, first.err).toBe(1);
    expect(keys(report(join(root, 'out1')))).toEqual(['amount_mismatch SO-2 new', 'not_booked SO-3 new']);
    expect(first.out).toContain(`their data kept in ${state}`);
  });

  it('sees the first run in the second: one resolved, one new, one ongoing since the first', () => {
    expect(second.code, second.err).toBe(1);
    const r1 = report(join(root, 'out1'));
    const r2 = report(join(root, 'out2'));
    expect(keys(r2)).toEqual(['amount_mismatch SO-2 ongoing', 'not_booked SO-4 new']);
    expect(r2.resolved).toEqual([{ type: 'not_booked', key: { order_id: 'SO-3' }, firstSeen: r1.generatedAt }]);
    expect(r2.discrepancies.find((d) => d.key.order_id === 'SO-2')!.firstSeen).toBe(r1.generatedAt);
    const message = JSON.parse(JSON.parse(readFileSync(join(root, 'out2', 'notifications', '1.json'), 'utf8')).Message) as { email: string };
    expect(message.email).toContain('1 resolved since the last run');
    expect(message.email).toContain('1 NEW discrepancy; 1 ongoing');
  });

  it('keeps the data in the folder, and a run without --state starts from nothing', () => {
    expect(existsSync(join(state, 'dynamodb'))).toBe(true);
    expect(existsSync(join(state, 's3'))).toBe(true);
    expect(fresh.code, fresh.err).toBe(1);
    const r3 = report(join(root, 'out3'));
    expect(keys(r3)).toEqual(['amount_mismatch SO-2 new', 'not_booked SO-4 new']);
    expect(r3.resolved ?? []).toEqual([]);
  });

  it('refuses another shard count on the same folder, saying why', async () => {
    const r = await run(['local', '--inbox', join(root, 'day2'), '--out', join(root, 'out4'), '--state', state, '--shards', '3']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('stored with --shards 2');
    expect(r.err).toContain('[E_USAGE]');
  });
});
