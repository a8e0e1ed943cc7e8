import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynalite, type LocalDynamo } from '../../lib/pipeline/standins.ts';
import { claimFile, completeFile, failFile, getFile, listFiles } from '../../lib/store/manifest.ts';
import type { FileManifest, FileRef } from '../../lib/store/types.ts';
import { injectErrors, sdkError } from '../support/dynamo-faults.ts';

let db: LocalDynamo;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db.stop();
});

let n = 0;
const fileRef = (over: Partial<FileRef> = {}): FileRef => ({
  boundary: 'inventory', bucket: 'inbox', key: `inbound/warehouse-inventory/2026-11-26/count ${++n}.csv`, objectVersion: 'v-1', ...over,
});
const T0 = new Date('2026-11-26T10:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const counts = { rowsRead: 10, rowsStored: 8, rowsRejected: 2, checksum: 'ab'.repeat(32) };

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('claimFile / completeFile', () => {
  it('claims a new file, records its outcome, and ignores a re-delivered event afterwards', async () => {
    // Prepare
    const f = fileRef();
    // Act
    const claim = await claimFile(db.client, db.tableName, { file: f, feed: 'warehouse-inventory', now: T0, ttlSeconds: 86_400 });
    const done = claim.claimed && (await completeFile(db.client, db.tableName, f, claim.token, {
      ...counts, rejectedKey: 'rejected/inventory/count.csv.json', facts: { facilities: { DAL1: '2026-11-26T05:30:00.000Z' } },
      warnings: Array.from({ length: 25 }, (_, i) => `warning ${i} ${'x'.repeat(i === 0 ? 600 : 1)}`), now: at(1),
    }));
    const redelivered = await claimFile(db.client, db.tableName, { file: f, feed: 'warehouse-inventory', now: at(60 * 24) });
    const stored = await getFile(db.client, db.tableName, f);
    // Assess
    expect(claim).toMatchObject({ claimed: true, manifest: { status: 'processing', startedAt: T0.toISOString() } });
    expect(done).toBe(true);
    expect(redelivered).toMatchObject({ claimed: false, current: { status: 'done' } });
    expect(stored).toMatchObject<Partial<FileManifest>>({
      ...f, feed: 'warehouse-inventory', status: 'done', ...counts, finishedAt: at(1).toISOString(),
      rejectedKey: 'rejected/inventory/count.csv.json', facts: { facilities: { DAL1: '2026-11-26T05:30:00.000Z' } },
      warningCount: 25, ttl: Math.floor(T0.getTime() / 1000) + 86_400,
    });
    expect(stored!.warnings).toHaveLength(20);
    expect(stored!.warnings![0]).toHaveLength(500);
  });

  it('lets exactly one of several simultaneous deliveries claim a file', async () => {
    // Prepare
    const f = fileRef();
    // Act
    const results = await Promise.all(Array.from({ length: 6 }, () => claimFile(db.client, db.tableName, { file: f, feed: 'warehouse-inventory', now: T0 })));
    // Assess
    expect(results.filter((r) => r.claimed)).toHaveLength(1);
    expect(results.filter((r) => !r.claimed).map((r) => !r.claimed && r.current.status)).toEqual(Array(5).fill('processing'));
  });

  it('does not take over a live claim, but takes over one whose lease ran out', async () => {
    // Prepare: a handler claims the file and dies
    const f = fileRef();
    const first = await claimFile(db.client, db.tableName, { file: f, feed: 'warehouse-inventory', now: T0, leaseMs: 15 * 60_000 });
    // Act
    const early = await claimFile(db.client, db.tableName, { file: f, feed: 'warehouse-inventory', now: at(14) });
    const late = await claimFile(db.client, db.tableName, { file: f, feed: 'warehouse-inventory', now: at(16) });
    // Assess
    expect(early.claimed).toBe(false);
    expect(late).toMatchObject({ claimed: true, previous: { status: 'processing', startedAt: T0.toISOString() } });
    // the dead handler's token no longer completes it; the new one does
    expect(first.claimed && (await completeFile(db.client, db.tableName, f, first.token, counts))).toBe(false);
    expect(late.claimed && (await completeFile(db.client, db.tableName, f, late.token, counts))).toBe(true);
    expect((await getFile(db.client, db.tableName, f))?.claim).toBe(late.claimed && late.token);
  });

  it('keeps the total warning count when the caller already capped the list', async () => {
    // Prepare
    const f = fileRef();
    const claim = await claimFile(db.client, db.tableName, { file: f, feed: 'warehouse-inventory', now: T0 });
    // Act
    await completeFile(db.client, db.tableName, f, claim.claimed ? claim.token : '', { ...counts, warnings: ['w1', 'w2'], warningCount: 140 });
    // Assess
    expect(await getFile(db.client, db.tableName, f)).toMatchObject({ warnings: ['w1', 'w2'], warningCount: 140 });
  });

  it('records a failure, and a retried delivery claims the failed file again (unless told not to)', async () => {
    // Prepare
    const f = fileRef();
    const claim = await claimFile(db.client, db.tableName, { file: f, feed: 'warehouse-inventory', now: T0 });
    // Act
    const failed = claim.claimed && (await failFile(db.client, db.tableName, f, claim.token, { error: { code: 'E_STORAGE', message: 'throttled' }, rowsRead: 4, now: at(2) }));
    const afterFail = await getFile(db.client, db.tableName, f);
    const noRetry = await claimFile(db.client, db.tableName, { file: f, feed: 'warehouse-inventory', now: at(3), retryFailed: false });
    const retry = await claimFile(db.client, db.tableName, { file: f, feed: 'warehouse-inventory', now: at(3) });
    // Assess
    expect(failed).toBe(true);
    expect(afterFail).toMatchObject({ status: 'failed', error: { code: 'E_STORAGE', message: 'throttled' }, rowsRead: 4, finishedAt: at(2).toISOString() });
    expect(noRetry).toMatchObject({ claimed: false, current: { status: 'failed' } });
    expect(retry).toMatchObject({ claimed: true, previous: { status: 'failed' } });
    expect((await getFile(db.client, db.tableName, f))).not.toHaveProperty('error');
  });

  it('refuses to complete a file whose rows do not add up', async () => {
    // Prepare
    const f = fileRef();
    const claim = await claimFile(db.client, db.tableName, { file: f, feed: 'warehouse-inventory', now: T0 });
    // Act
    const complete = completeFile(db.client, db.tableName, f, claim.claimed ? claim.token : '', { ...counts, rowsStored: 7 });
    // Assess
    await expect(complete).rejects.toMatchObject({ code: 'E_STORAGE', file: `s3://inbox/${f.key}` });
    expect((await getFile(db.client, db.tableName, f))?.status).toBe('processing');
  });

  it('counts skipped rows (a footer) in the sum: read = stored + rejected + skipped', async () => {
    // Prepare
    const f = fileRef();
    const claim = await claimFile(db.client, db.tableName, { file: f, feed: 'channel-orders', now: T0 });
    const token = claim.claimed ? claim.token : '';
    // Act / Assess
    await expect(completeFile(db.client, db.tableName, f, token, { ...counts, rowsRead: 12 })).rejects.toMatchObject({ code: 'E_STORAGE' });
    expect(await completeFile(db.client, db.tableName, f, token, { ...counts, rowsRead: 12, rowsSkipped: 2 })).toBe(true);
    expect(await getFile(db.client, db.tableName, f)).toMatchObject({ status: 'done', rowsRead: 12, rowsStored: 8, rowsRejected: 2, rowsSkipped: 2 });
  });

  it('tells files apart by object version, and handles keys too long for a sort key', async () => {
    // Prepare
    const key = `inbound/oms-inventory/${'é'.repeat(500)}.csv`;
    const v1 = fileRef({ key, objectVersion: 'v1' });
    const v2 = fileRef({ key, objectVersion: 'v2' });
    // Act
    const a = await claimFile(db.client, db.tableName, { file: v1, feed: 'oms-inventory', now: T0 });
    const b = await claimFile(db.client, db.tableName, { file: v2, feed: 'oms-inventory', now: T0 });
    // Assess
    expect([a.claimed, b.claimed]).toEqual([true, true]);
    expect(await getFile(db.client, db.tableName, v2)).toMatchObject({ key, objectVersion: 'v2' });
  });

  it('retries a throttled claim', async () => {
    // Prepare
    const client = db.newClient();
    injectErrors(client, 'PutItemCommand', () => sdkError('ThrottlingException', 400), { failures: 2 });
    // Act
    const claim = await claimFile(client, db.tableName, { file: fileRef(), feed: 'oms-inventory', baseDelayMs: 1 });
    // Assess
    expect(claim.claimed).toBe(true);
  });
});

describe('listFiles', () => {
  it('lists the manifests of one boundary, optionally by status or finish time', async () => {
    // Prepare
    const done = fileRef({ boundary: 'financial', key: 'inbound/erp-transactions/a.csv' });
    const open = fileRef({ boundary: 'financial', key: 'inbound/erp-transactions/b.csv' });
    await claimFile(db.client, db.tableName, { file: fileRef({ boundary: 'intake' }), feed: 'oms-orders', now: T0 });
    const c = await claimFile(db.client, db.tableName, { file: done, feed: 'erp-transactions', now: T0 });
    await completeFile(db.client, db.tableName, done, c.claimed ? c.token : '', { ...counts, now: at(5) });
    await claimFile(db.client, db.tableName, { file: open, feed: 'erp-transactions', now: T0 });
    // Act
    const all = await collect(listFiles(db.client, db.tableName, 'financial'));
    const finished = await collect(listFiles(db.client, db.tableName, 'financial', { status: 'done' }));
    const recent = await collect(listFiles(db.client, db.tableName, 'financial', { finishedAfter: at(4).toISOString() }));
    const later = await collect(listFiles(db.client, db.tableName, 'financial', { finishedAfter: at(6).toISOString() }));
    // Assess
    expect(all.map((m) => m.key)).toEqual([done.key, open.key]);
    expect(finished.map((m) => m.key)).toEqual([done.key]);
    expect(recent.map((m) => m.key)).toEqual([done.key]);
    expect(later).toEqual([]);
  });

  it('leaves out a manifest past its ttl that DynamoDB has not deleted yet', async () => {
    // Prepare: two files a day apart, each kept one day (DynamoDB deletes expired items days later, not at once)
    const old = fileRef({ boundary: 'fulfillment', key: 'inbound/shipments/old.csv' });
    const fresh = fileRef({ boundary: 'fulfillment', key: 'inbound/shipments/fresh.csv' });
    await claimFile(db.client, db.tableName, { file: old, feed: 'shipments', now: T0, ttlSeconds: 86_400 });
    await claimFile(db.client, db.tableName, { file: fresh, feed: 'shipments', now: at(24 * 60), ttlSeconds: 86_400 });
    // Act: just before the first expires, at its ttl, and after both
    const before = await collect(listFiles(db.client, db.tableName, 'fulfillment', { now: at(24 * 60 - 1) }));
    const at1 = await collect(listFiles(db.client, db.tableName, 'fulfillment', { now: at(24 * 60) }));
    const after = await collect(listFiles(db.client, db.tableName, 'fulfillment', { now: at(48 * 60) }));
    // Assess: the expired one is gone from every read, though still stored
    expect(before.map((m) => m.key)).toEqual([fresh.key, old.key]);
    expect(at1.map((m) => m.key)).toEqual([fresh.key]);
    expect(after).toEqual([]);
    expect(await getFile(db.client, db.tableName, old)).toMatchObject({ key: old.key, ttl: Math.floor(T0.getTime() / 1000) + 86_400 });
  });
});
