/**
 * The file index as ingest keeps it (lib/store/file-index.ts, manifest.ts): a claimed file is
 * marked in flight before its claim, a finished file is indexed before its manifest says so,
 * and a crash between any two of those writes leaves no claimed or finished file unseen.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynalite, type LocalDynamo } from '../../lib/pipeline/standins.ts';
import { inFlightPk, indexPk, listUnfinished, markInFlight, pruneFileIndex, readFileIndex } from '../../lib/store/file-index.ts';
import { claimFile, completeFile, failFile, filePk, fileSk, getFile } from '../../lib/store/manifest.ts';
import { resolveRetry } from '../../lib/store/retry.ts';
import type { FileRef } from '../../lib/store/types.ts';
import { injectErrors, sdkError } from '../support/dynamo-faults.ts';

let db: LocalDynamo;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db.stop();
});

let n = 0;
const T0 = new Date('2026-11-26T10:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
/** Each test its own boundary's files: a fresh key under a boundary no other test of this file uses. */
const fileRef = (boundary: FileRef['boundary']): FileRef => ({ boundary, bucket: 'inbox', key: `inbound/oms-orders/file ${++n}.csv`, objectVersion: 'v-1' });
const outcome = { rowsRead: 3, rowsStored: 3, rowsRejected: 0, checksum: 'cd'.repeat(32), facts: { facts: { file: 'x', side: 'oms', version: 'v' }, stats: {} } };

async function raw(pk: string, sk: string) {
  return (await db.client.send(new GetItemCommand({ TableName: db.tableName, Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true }))).Item;
}

describe('in-flight markers', () => {
  it('make a claimed file visible to the runs until it is finished, done or failed', async () => {
    // Prepare
    const done = fileRef('intake');
    const failed = fileRef('intake');
    // Act
    const a = await claimFile(db.client, db.tableName, { file: done, feed: 'oms-orders', now: T0, source: '{"event":1}' });
    const b = await claimFile(db.client, db.tableName, { file: failed, feed: 'oms-orders', now: T0 });
    const during = await listUnfinished(db.client, db.tableName, 'intake', { now: at(1) });
    const finished = [
      a.claimed && (await completeFile(db.client, db.tableName, done, a.token, { ...outcome, now: at(2) })),
      b.claimed && (await failFile(db.client, db.tableName, failed, b.token, { error: { code: 'E_X', message: 'bad' }, now: at(2) })),
    ];
    const afterwards = await listUnfinished(db.client, db.tableName, 'intake', { now: at(3) });
    const index = await readFileIndex(db.client, db.tableName, 'intake', { now: at(3) });
    // Assess
    expect(during.map((m) => m.key).sort()).toEqual([done.key, failed.key].sort());
    expect(finished).toEqual([true, true]);
    expect(afterwards).toEqual([]);
    expect(await raw(inFlightPk('intake'), fileSk(done))).toBeUndefined();
    expect(index.files.map((m) => [m.key, m.status, m.error?.code]).sort()).toEqual([[done.key, 'done', undefined], [failed.key, 'failed', 'E_X']].sort());
    // the facts live in the index only; the manifest of a done file keeps neither facts nor its source event
    const manifest = await raw(filePk('intake'), fileSk(done));
    expect(manifest).not.toHaveProperty('facts');
    expect(manifest).not.toHaveProperty('source');
    expect(manifest).toMatchObject({ status: { S: 'done' }, checksum: { S: outcome.checksum } });
    expect(await getFile(db.client, db.tableName, done)).toMatchObject({ status: 'done', facts: outcome.facts });
  });

  it('a marker left by a crash after the manifest finished is cleared; a fresh one whose claim is on its way stays', async () => {
    // Prepare: a done file whose marker stayed (the crash came before the clear), and a marker just written for a file not claimed yet
    const f = fileRef('fulfillment');
    const claim = await claimFile(db.client, db.tableName, { file: f, feed: 'shipments', now: T0 });
    expect(claim.claimed && (await completeFile(db.client, db.tableName, f, claim.token, { ...outcome, now: at(1) }))).toBe(true);
    await markInFlight(db.client, db.tableName, f, 'a-dead-claim', { now: at(1), retry: resolveRetry() });
    const coming = fileRef('fulfillment');
    await markInFlight(db.client, db.tableName, coming, 'a-claim-on-its-way', { now: at(10), retry: resolveRetry() });
    // Act
    const unfinished = await listUnfinished(db.client, db.tableName, 'fulfillment', { now: at(10) });
    // Assess
    expect(unfinished).toEqual([]);
    expect(await raw(inFlightPk('fulfillment'), fileSk(f))).toBeUndefined();
    expect(await raw(inFlightPk('fulfillment'), fileSk(coming))).toMatchObject({ claim: { S: 'a-claim-on-its-way' } });
  });
});

describe('a crash between the index entry and the manifest', () => {
  it('leaves the file indexed and still in flight, and the resumed claim finishes it once', async () => {
    // Prepare: the invocation dies right after the index entry (the manifest update never happens)
    const f = fileRef('financial');
    const first = await claimFile(db.client, db.tableName, { file: f, feed: 'oms-transactions', now: T0, leaseMs: 60_000 });
    const dying = db.newClient();
    injectErrors(dying, 'UpdateItemCommand', () => sdkError('InvocationKilled', 400, 'the invocation was killed'), { passes: 1 });
    // Act
    const crash = await (first.claimed ? completeFile(dying, db.tableName, f, first.token, { ...outcome, now: at(0.5) }) : Promise.resolve(false)).then(() => undefined, (e: Error) => e);
    const indexed = await readFileIndex(db.client, db.tableName, 'financial', { now: at(0.5) });
    const inFlight = await listUnfinished(db.client, db.tableName, 'financial', { now: at(0.5) });
    const again = await claimFile(db.client, db.tableName, { file: f, feed: 'oms-transactions', now: at(2) });
    const finished = again.claimed && (await completeFile(db.client, db.tableName, f, again.token, { ...outcome, now: at(3) }));
    // Assess
    expect(crash).toBeInstanceOf(Error);
    expect(indexed.files.map((m) => [m.key, m.status])).toEqual([[f.key, 'done']]);
    expect(inFlight.map((m) => [m.key, m.status])).toEqual([[f.key, 'processing']]);
    expect(finished).toBe(true);
    expect(await listUnfinished(db.client, db.tableName, 'financial', { now: at(3) })).toEqual([]);
    expect((await readFileIndex(db.client, db.tableName, 'financial', { now: at(3) })).files.map((m) => [m.key, m.status, m.claim])).toEqual([[f.key, 'done', again.claimed && again.token]]);
  });
});

describe('pruning', () => {
  it('leaves an entry that changed since the plan read it', async () => {
    // Prepare: a plan reads a failed file, which a retried delivery then ingests
    const f = fileRef('inventory');
    const first = await claimFile(db.client, db.tableName, { file: f, feed: 'oms-inventory', now: T0 });
    expect(first.claimed && (await failFile(db.client, db.tableName, f, first.token, { error: { code: 'E_X', message: 'bad' }, now: at(1) }))).toBe(true);
    const read = (await readFileIndex(db.client, db.tableName, 'inventory', { now: at(2) })).files;
    const retry = await claimFile(db.client, db.tableName, { file: f, feed: 'oms-inventory', now: at(3) });
    expect(retry.claimed && (await completeFile(db.client, db.tableName, f, retry.token, { ...outcome, now: at(4) }))).toBe(true);
    // Act: the plan drops the failure it read
    await pruneFileIndex(db.client, db.tableName, 'inventory', { drop: read, retire: [], dropRetired: [] });
    // Assess
    expect(await raw(indexPk('inventory'), fileSk(f))).toMatchObject({ status: { S: 'done' } });
  });
});

describe('index entries', () => {
  it('give back the facts exactly as ingest wrote them, though stored without what the entry says already', async () => {
    // Prepare: facts as ingest writes them, for a key with spaces and a facility called __proto__
    const f: FileRef = { boundary: 'intake', bucket: 'inbox', key: 'inbound/oms-inventory/a b/day 1.csv', objectVersion: 'v 7' };
    const name = `s3://${f.bucket}/${f.key}`;
    const facilities = JSON.parse('{"__proto__":"2026-11-26T05:30:00.000Z","DAL1":null}') as Record<string, string | null>;
    const facts = {
      facts: { file: name, side: 'oms', version: `2026-11-26T06:00:00.000Z ${f.bucket}/${f.key} ${f.objectVersion}`, facilities, drop: '2026-11-26T06:00:00.000Z' },
      stats: { file: name, feed: 'oms-inventory', side: 'oms', format: 'csv', read: 2, used: 2, rejected: 0 },
      warnings: [], warningTotal: 0, fileId: 'LhGt9OGtdD0SXigK', confirmed: [0, 2],
    };
    const claim = await claimFile(db.client, db.tableName, { file: f, feed: 'oms-inventory', now: T0 });
    // Act
    expect(claim.claimed && (await completeFile(db.client, db.tableName, f, claim.token, { ...outcome, facts, now: at(1) }))).toBe(true);
    const entry = await raw(indexPk('intake'), fileSk(f));
    const got = (await readFileIndex(db.client, db.tableName, 'intake', { now: at(2) })).files.find((m) => m.key === f.key);
    // Assess
    expect(got!.facts).toEqual(facts);
    expect(Object.keys((got!.facts as typeof facts).facts.facilities)).toEqual(['__proto__', 'DAL1']);
    expect(entry!.facts.S!.length).toBeLessThan(JSON.stringify(facts).length - 2 * name.length);
  });
});
