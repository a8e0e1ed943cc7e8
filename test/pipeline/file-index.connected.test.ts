/**
 * The file index (lib/store/file-index.ts) through the real handlers: a run reads the files
 * whose records count now, not every manifest retained for 35 days; what it reports is what
 * the CLI says of the same drop; and a table written before the index is read as it was.
 */
import { DeleteItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { claimFile, filePk, fileSk, inFlightPk, indexPk, listFiles, readFileIndex, retiredPk, type FileManifest } from '../../lib/store/index.ts';
import { unfinishedFiles } from '../../lib/pipeline/trigger.ts';
import type { BoundaryName, FeedName } from '../../lib/feeds/catalog.ts';
import type { Report } from '../../lib/report/model.ts';
import { put, tempDir } from '../cli/helpers.ts';
import { cliReport, counts, discrepancyDetails, identities, startStandIns, type Stage, type StandIns } from './harness.ts';

const DAY = 86_400_000;
const OMS = 'sku,facility_id,on_hand,as_of';
const WH = 'sku,facility_id,on_hand,counted_at';
let standIns: StandIns;

beforeAll(async () => {
  standIns = await startStandIns();
});
afterAll(async () => {
  await standIns?.stop();
});

/** One day's inventory drop: 4 SKUs × 2 facilities a side; on day d the warehouse counts SKU-<d mod 4> at DAL1 one more. */
function drop(day: number, time: string): Record<'oms-inventory' | 'warehouse-inventory', string> {
  const oms: string[] = [], wh: string[] = [];
  for (const fac of ['DAL1', 'RNO1']) {
    for (let i = 0; i < 4; i++) {
      oms.push(`SKU-${i},${fac},${10 + i},${time}`);
      wh.push(`SKU-${i},${fac},${10 + i + (fac === 'DAL1' && i === day % 4 ? 1 : 0)},${time}`);
    }
  }
  return { 'oms-inventory': `${OMS}\n${oms.join('\n')}\n`, 'warehouse-inventory': `${WH}\n${wh.join('\n')}\n` };
}

/** How many items one partition holds (what a Query of it reads). */
async function itemsIn(stage: Stage, pk: string): Promise<number> {
  const out = await stage.db.client.send(new QueryCommand({ TableName: stage.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } }, ConsistentRead: true }));
  return (out.Items ?? []).filter((i) => i.sk?.S !== '#ready').length;
}

async function manifests(stage: Stage, boundary: BoundaryName): Promise<FileManifest[]> {
  const out: FileManifest[] = [];
  for await (const m of listFiles(stage.db.client, stage.tableName, boundary)) out.push(m);
  return out;
}

/** The same files through the CLI engine (written to a temp inbox). */
async function cli(files: Array<{ feed: FeedName; name: string; text: string }>, boundary: BoundaryName): Promise<Report & { inbox: string }> {
  const dir = tempDir('file-index-');
  for (const f of files) put(dir, `${f.feed}/${f.name}`, f.text);
  return { ...(await cliReport(files.map((f) => ({ feed: f.feed, path: join(dir, f.feed, f.name) })), boundary)), inbox: dir };
}

describe('a snapshot feed dropped daily', () => {
  it('each run reads the current files only, and says what the CLI says of the day\'s drop', { timeout: 600_000 }, async () => {
    // Prepare
    const stage = await standIns.stage();
    const DAYS = 6;
    const read: number[] = [];
    const retired: number[] = [];
    for (let day = 1; day <= DAYS; day++) {
      const time = stage.clock.now.toISOString();
      const texts = drop(day, time);
      const names = { 'oms-inventory': `oms-${day}.csv`, 'warehouse-inventory': `wh-${day}.csv` } as const;
      for (const feed of ['oms-inventory', 'warehouse-inventory'] as const) {
        expect(await stage.deliver(`inbound/${feed}/${names[feed]}`, texts[feed])).toMatchObject({ status: 'ingested' });
      }
      // What this day's plan will read: the index's entries and retired ids
      const index = await readFileIndex(stage.db.client, stage.tableName, 'inventory', { now: stage.clock.now });
      read.push(index.files.length);
      retired.push(index.retired.length);
      // Act
      const report = await stage.compare('inventory');
      // Assess: every key of the day's drop compared, as the CLI compares that drop alone
      const expected = await cli((['oms-inventory', 'warehouse-inventory'] as const).map((feed) => ({ feed, name: names[feed], text: texts[feed] })), 'inventory');
      expect(counts(report)).toEqual({ ...counts(expected), left: 8, right: 8 });
      expect(identities(report)).toEqual(identities(expected));
      expect(identities(report)).toEqual([`quantity_mismatch {facility_id=DAL1 sku=SKU-${day % 4}} offsetting=false`]);
      expect(discrepancyDetails(report, expected.inbox)).toEqual(discrepancyDetails(expected, expected.inbox));
      stage.clock.advance(DAY);
    }
    // Assess: the index read stays at the current files (plus the day's new ones); the manifests pile up as before
    expect(read).toEqual([2, 4, 4, 4, 4, 4]);
    expect(retired).toEqual([0, 0, 2, 4, 6, 8]);
    expect(await itemsIn(stage, indexPk('inventory'))).toBe(2);
    expect(await manifests(stage, 'inventory')).toHaveLength(2 * DAYS);
  });
});

describe('an incremental feed', () => {
  it('keeps every file of its retention current: their records are live', { timeout: 300_000 }, async () => {
    // Prepare
    const stage = await standIns.stage();
    const head = 'order_id,type,amount,currency,document_id';
    const files: Array<{ feed: FeedName; name: string; text: string }> = [];
    const sizes: number[] = [];
    let report: Report | undefined;
    // Act: three days, one new order a day on each side (day 3's ERP amount is off)
    for (let day = 1; day <= 3; day++) {
      const oms = { feed: 'oms-transactions' as const, name: `oms-${day}.csv`, text: `${head}\nSO-${day},sale,${day}0.00,USD,ORD-${day}\n` };
      const erp = { feed: 'erp-transactions' as const, name: `erp-${day}.csv`, text: `${head}\nSO-${day},invoice,${day}${day === 3 ? 1 : 0}.00,USD,INV-${day}\n` };
      for (const f of [oms, erp]) {
        files.push(f);
        await stage.deliver(`inbound/${f.feed}/${f.name}`, f.text);
      }
      report = await stage.compare('financial');
      sizes.push(await itemsIn(stage, indexPk('financial')));
      stage.clock.advance(DAY);
    }
    // Assess
    expect(sizes).toEqual([2, 4, 6]);
    expect(await itemsIn(stage, retiredPk('financial'))).toBe(0);
    const expected = await cli(files, 'financial');
    expect(counts(report!)).toEqual(counts(expected));
    expect(identities(report!)).toEqual(['amount_mismatch {order_id=SO-3}']);
    expect(report!.files.map((f) => f.file.split('/').pop()).sort()).toEqual(files.map((f) => f.name).sort());
  });
});

describe('a table written before the file index', () => {
  it('is indexed from its manifests by the first run, which reports what the index reported', { timeout: 300_000 }, async () => {
    // Prepare: two daily inventory drops and a header-only file, ingested (and indexed) as today
    const stage = await standIns.stage();
    const client = stage.db.client;
    const table = stage.tableName;
    for (const day of [1, 2]) {
      const texts = drop(day, stage.clock.now.toISOString());
      await stage.deliver(`inbound/oms-inventory/oms-${day}.csv`, texts['oms-inventory']);
      await stage.deliver(`inbound/warehouse-inventory/wh-${day}.csv`, texts['warehouse-inventory']);
      stage.clock.advance(DAY);
    }
    await stage.deliver('inbound/warehouse-inventory/empty.csv', `${WH}\n`);
    const query = async (pk: string) =>
      (await client.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } }, ConsistentRead: true }))).Items ?? [];
    const entries = (await query(indexPk('inventory'))).filter((e) => e.sk?.S !== '#ready');
    expect(entries).toHaveLength(5);
    const before = await stage.compare('inventory');
    // …then the table as the code before the index left it: each file's facts in its manifest, no index
    for (const e of entries) {
      if (e.facts) await client.send(new UpdateItemCommand({ TableName: table, Key: { pk: { S: filePk('inventory') }, sk: e.sk }, UpdateExpression: 'SET facts = :f', ExpressionAttributeValues: { ':f': e.facts } }));
    }
    for (const pk of [indexPk('inventory'), retiredPk('inventory'), inFlightPk('inventory')]) {
      for (const e of await query(pk)) await client.send(new DeleteItemCommand({ TableName: table, Key: { pk: e.pk, sk: e.sk } }));
    }
    // …and a file an old ingest claimed and is still reading (no in-flight marker)
    const late = { boundary: 'inventory' as const, bucket: stage.bucket, key: 'inbound/oms-inventory/late.csv', objectVersion: 'v1' };
    expect((await claimFile(client, table, { file: late, feed: 'oms-inventory', now: stage.clock.now })).claimed).toBe(true);
    await client.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: inFlightPk('inventory') }, sk: { S: fileSk(late) } } }));
    expect(await itemsIn(stage, indexPk('inventory'))).toBe(0);
    expect(await itemsIn(stage, inFlightPk('inventory'))).toBe(0);
    // Act
    const inFlight = await unfinishedFiles(stage.deps(), 'inventory');
    const after = await stage.compare('inventory');
    // Assess: the old manifests give the same report (and the old claim is named in flight)
    expect(inFlight.inFlight.map((f) => f.file)).toEqual([`s3://${stage.bucket}/inbound/oms-inventory/late.csv`]);
    expect(identities(after)).toEqual(identities(before));
    expect(counts(after)).toEqual(counts(before));
    expect(after.files).toEqual(before.files);
    expect(after.files).toHaveLength(4);
    const planned = (r: Report) => r.warnings.filter((w) => ['file_failed', 'superseded_snapshot', 'duplicate_file', 'files_in_flight'].includes(w.code));
    expect(planned(before).map((w) => w.code)).toEqual(['file_failed']);
    expect(planned(after)).toEqual([expect.objectContaining({ code: 'files_in_flight' }), ...planned(before)]);
    // …and the table is indexed now: day 1 retired by this run, day 2 and the failure current
    expect(await itemsIn(stage, indexPk('inventory'))).toBe(3);
    expect(await itemsIn(stage, retiredPk('inventory'))).toBe(2);
  });
});
