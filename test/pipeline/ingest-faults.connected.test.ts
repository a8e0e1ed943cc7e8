/**
 * The ingest handler (functions/ingest.ts) under the faults AWS really produces: partial
 * batches, throttling, a store that fails mid-file, events delivered twice or out of
 * order, corrected re-uploads, objects that are not feeds or not readable. Each test gets
 * its own table and bucket on one dynalite + s3rver, and judges the outcome by what a user
 * sees: the manifests, the stored records and the comparison result.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProvisionedThroughputExceededException, ThrottlingException } from '@aws-sdk/client-dynamodb';
import { SFNClient, StartExecutionCommand, type StartExecutionCommandInput } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoundaryName, FeedName } from '../../lib/feeds/catalog.ts';
import { Prefix } from '../../lib/pipeline/contracts.ts';
import type { IngestOutcome } from '../../lib/pipeline/ingest.ts';
import type { Report } from '../../lib/report/model.ts';
import { writeSample } from '../../lib/sample/index.ts';
import { listFiles } from '../../lib/store/index.ts';
import type { KeyedRecord } from '../../lib/store/types.ts';
import { injectErrors, injectUnprocessed, inTurn, sdkError as serviceError } from '../support/dynamo-faults.ts';
import { cliReport, Clock, counts, feedPath, identities, inboxFiles, rejections, startStandIns, type Stage, type StandIns } from './harness.ts';

const root = mkdtempSync(join(tmpdir(), 'oms-recon-pipeline-faults-'));
let standIns: StandIns;

/** The financial feeds of a sample set (4 files, ~300 rows), in upload order; the largest OMS file is `big`. */
const inbox = join(root, 'inbox');
const files = (() => {
  writeSample(inbox, { seed: 11 });
  return inboxFiles(inbox).filter((f) => f.feed === 'oms-transactions' || f.feed === 'erp-transactions');
})();
const bytes = (f: { path: string }) => readFileSync(f.path);
const big = files.filter((f) => f.feed === 'oms-transactions').sort((a, b) => bytes(b).length - bytes(a).length)[0];
const keyOf = (f: { feed: FeedName; name: string }) => `${Prefix.inbound}${f.feed}/${f.name}`;

/** What was stored, independent of the bucket and upload time: group, side, identity, fields, source line. */
function stored(records: KeyedRecord[], names: Map<string, string>): string[] {
  return records.map((r) => `${r.group.join('/')} ${r.side} ${r.identity.join('/')} ${JSON.stringify(r.fields)} ${feedPath(names.get(r.file) ?? r.file)}:${r.line}`).sort();
}

/** A stage's stored records, each named by its file's key (records carry the file's id, which holds the stage's bucket). */
async function storedOf(stage: Stage, boundary: BoundaryName): Promise<string[]> {
  const names = new Map<string, string>();
  for await (const f of listFiles(stage.db.client, stage.tableName, boundary)) if (f.fileId) names.set(f.fileId, f.key);
  return stored(await stage.records(boundary), names);
}

/** Ingests files in order with the stage's healthy client (or `deps`). */
async function ingestAll(stage: Stage, list: typeof files, deps = stage.deps()): Promise<IngestOutcome[]> {
  const out: IngestOutcome[] = [];
  for (const f of list) out.push(await stage.deliver(keyOf(f), bytes(f), deps));
  return out;
}

function expectSameComparison(actual: Report, expected: Report) {
  expect(identities(actual)).toEqual(identities(expected));
  expect(counts(actual)).toEqual(counts(expected));
  expect(rejections(actual)).toEqual(rejections(expected));
}

/** A fault-free ingestion of the financial files: what every faulty one must end up equal to. */
let baseline: { records: string[]; cli: Report };

beforeAll(async () => {
  standIns = await startStandIns();
  const stage = await standIns.stage();
  const outcomes = await ingestAll(stage, files);
  expect(outcomes.map((o) => o.status)).toEqual(files.map(() => 'ingested'));
  baseline = { records: (await storedOf(stage, 'financial')), cli: await cliReport(files, 'financial') };
  expectSameComparison(await stage.compare('financial'), baseline.cli);
});

afterAll(async () => {
  await standIns?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('DynamoDB pushing back', () => {
  it('writes every record when BatchGetItem returns part of each batch as UnprocessedKeys', async () => {
    // Prepare
    const stage = await standIns.stage();
    const client = standIns.db.newClient();
    const fault = injectUnprocessed(client, 8, 1 / 3, 'BatchGetItemCommand');
    // Act
    const outcomes = await ingestAll(stage, files, stage.deps({ dynamo: client }));
    // Assess
    expect(fault.injected).toBe(8);
    expect(fault.itemsHeldBack).toBeGreaterThanOrEqual(fault.injected); // every partial call held items back
    for (const o of outcomes) {
      expect(o).toMatchObject({ status: 'ingested' });
      if (o.status === 'ingested') expect(o.read).toBe(o.stored + o.rejected);
    }
    expect((await storedOf(stage, 'financial'))).toEqual(baseline.records);
    expectSameComparison(await stage.compare('financial'), baseline.cli);
  });

  it('retries throttled writes and claims until everything is stored', async () => {
    // Prepare
    const stage = await standIns.stage();
    const client = standIns.db.newClient();
    const throttled = () => new ProvisionedThroughputExceededException({ message: 'The level of configured provisioned throughput for the table was exceeded', $metadata: { httpStatusCode: 400 } });
    const throttling = () => new ThrottlingException({ message: 'Rate of requests exceeds the allowed throughput', $metadata: { httpStatusCode: 400 } });
    const writes = injectErrors(client, 'PutItemCommand', inTurn(throttled, throttled, throttling, throttled), { passes: 1, failures: 4 });
    const claims = injectErrors(client, 'UpdateItemCommand', inTurn(throttling, throttled), { failures: 2 });
    // Act
    const outcomes = await ingestAll(stage, files, stage.deps({ dynamo: client }));
    // Assess
    expect(writes.thrown).toBe(4);
    expect(claims.thrown).toBe(2);
    expect(outcomes.map((o) => o.status)).toEqual(files.map(() => 'ingested'));
    expect((await storedOf(stage, 'financial'))).toEqual(baseline.records);
    expectSameComparison(await stage.compare('financial'), baseline.cli);
  });

  it('fails a file the store gives up on mid-way, leaves its rows out of comparisons, and ingests it whole when redelivered', async () => {
    // Prepare: everything but the big OMS file is in; the store denies writes after two batches
    const stage = await standIns.stage();
    const others = files.filter((f) => f !== big);
    await ingestAll(stage, others);
    const before = (await storedOf(stage, 'financial'));
    const client = standIns.db.newClient();
    const fault = injectErrors(client, 'PutItemCommand', () => serviceError('AccessDeniedException', 400, 'User is not authorized to perform: dynamodb:PutItem'), { passes: 60 });
    const { event } = await stage.put(keyOf(big), bytes(big));
    // Act 1: the first delivery
    const failure = await stage.ingest(event, stage.deps({ dynamo: client })).then(() => undefined, (e: unknown) => e as Error);
    // Assess 1: the invocation fails (Lambda retries it, then the DLQ), the manifest says why
    expect(failure).toBeInstanceOf(Error);
    expect(failure!.message).toContain('AccessDeniedException');
    expect(fault.thrown).toBeGreaterThan(0);
    const failed = await stage.manifest(event, 'financial');
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'E_STORAGE' } });
    expect(failed!.error!.message).toContain('AccessDeniedException');
    // some rows of the file did reach the table…
    const partial = (await storedOf(stage, 'financial')).filter((r) => !before.includes(r));
    expect(partial.length).toBeGreaterThanOrEqual(50);
    expect(partial.every((r) => r.includes(` ${big.feed}/${big.name}:`))).toBe(true);
    // …but a comparison only counts files that are done
    expectSameComparison(await stage.compare('financial'), await cliReport(others, 'financial'));

    // Act 2: the retried delivery of the same event, the store healthy again
    const [retried] = await stage.ingest(event);
    // Assess 2
    expect(retried).toMatchObject({ status: 'ingested' });
    const done = await stage.manifest(event, 'financial');
    expect(done).toMatchObject({ status: 'done' });
    expect(done!.rowsRead).toBe(done!.rowsStored! + done!.rowsRejected!);
    expect(done!.rowsStored).toBeGreaterThan(50);
    expect((await storedOf(stage, 'financial'))).toEqual(baseline.records);
    expectSameComparison(await stage.compare('financial'), baseline.cli);
  });
});

describe('S3 delivering events at least once and out of order', () => {
  it('skips a second delivery of an ingested file and leaves the stored state unchanged', async () => {
    // Prepare
    const stage = await standIns.stage();
    await ingestAll(stage, files.filter((f) => f !== big));
    const { event } = await stage.put(keyOf(big), bytes(big));
    const [first] = await stage.ingest(event);
    const recordsBefore = (await storedOf(stage, 'financial'));
    const reportBefore = await stage.compare('financial');
    // Act
    const [second] = await stage.ingest(event);
    // Assess
    expect(first).toMatchObject({ status: 'ingested' });
    expect(second).toEqual({ status: 'skipped', file: first.file, reason: 'already ingested' });
    expect((await stage.manifest(event, 'financial'))?.status).toBe('done');
    expect((await storedOf(stage, 'financial'))).toEqual(recordsBefore);
    const reportAfter = await stage.compare('financial');
    expectSameComparison(reportAfter, reportBefore);
    expect(reportAfter.summary.rows).toEqual(reportBefore.summary.rows);
    expectSameComparison(reportAfter, baseline.cli);
  });

  it('uses the newer count of a facility when the older count file arrives after it', async () => {
    // Prepare: the evening count (20:00) lands before the morning one (08:00)
    const oms = 'sku,facility_id,on_hand,as_of\nSKU-1,DAL1,10,2026-11-26T20:30:00Z\nSKU-2,DAL1,5,2026-11-26T20:30:00Z\n';
    const morning = 'sku,facility_id,on_hand,counted_at\nSKU-1,DAL1,7,2026-11-26T08:00:00Z\nSKU-2,DAL1,5,2026-11-26T08:00:00Z\nSKU-3,DAL1,2,2026-11-26T08:00:00Z\n';
    const evening = 'sku,facility_id,on_hand,counted_at\nSKU-1,DAL1,10,2026-11-26T20:00:00Z\nSKU-2,DAL1,4,2026-11-26T20:00:00Z\n';
    const outOfOrder = await standIns.stage();
    const inOrder = await standIns.stage();
    // Act
    const late: IngestOutcome[] = [];
    for (const [key, body] of [['inbound/oms-inventory/oms.csv', oms], ['inbound/warehouse-inventory/dal1-evening.csv', evening], ['inbound/warehouse-inventory/dal1-morning.csv', morning]]) {
      late.push(await outOfOrder.deliver(key, body));
    }
    for (const [key, body] of [['inbound/oms-inventory/oms.csv', oms], ['inbound/warehouse-inventory/dal1-morning.csv', morning], ['inbound/warehouse-inventory/dal1-evening.csv', evening]]) {
      await inOrder.deliver(key, body);
    }
    const got = await outOfOrder.compare('inventory');
    const expected = await inOrder.compare('inventory');
    // Assess: only the evening count is compared (SKU-1 agrees, SKU-2 is one short, SKU-3 was not counted in the evening)
    expect(late.map((o) => o.status)).toEqual(['ingested', 'ingested', 'ingested']);
    expect(got.discrepancies.map((d) => [d.type, d.key.sku, d.key.facility_id, d.delta])).toEqual([['quantity_mismatch', 'SKU-2', 'DAL1', 1]]);
    expect(got.discrepancies[0].sources.map((s) => feedPath(s.file)).sort()).toEqual(['oms-inventory/oms.csv', 'warehouse-inventory/dal1-evening.csv']);
    expectSameComparison(got, expected);
    expect(counts(got)).toMatchObject({ keys: 2, matched: 1, discrepancies: 1 });
  });

  it('drops the rows a corrected re-upload of the same key no longer has', async () => {
    // Prepare: a sale booked twice by mistake in the first upload
    const stage = await standIns.stage();
    await stage.deliver('inbound/erp-transactions/erp.csv', 'order_id,type,amount,currency,document_id\nSO-1,invoice,10.00,USD,INV-1\nSO-2,invoice,20.00,USD,INV-2\n');
    await stage.deliver('inbound/oms-transactions/day.csv', 'order_id,type,amount,currency,document_id\nSO-1,sale,10.00,USD,ORD-1\nSO-2,sale,20.00,USD,ORD-2\nSO-3,sale,30.00,USD,ORD-3\nSO-1,sale,10.00,USD,ORD-1b\n');
    const first = await stage.compare('financial');
    // Act: the partner uploads the corrected file under the same key
    const again = await stage.deliver('inbound/oms-transactions/day.csv', 'order_id,type,amount,currency,document_id\nSO-1,sale,10.00,USD,ORD-1\nSO-2,sale,20.00,USD,ORD-2\n');
    const second = await stage.compare('financial');
    // Assess
    expect(identities(first)).toEqual(['amount_mismatch {order_id=SO-1}', 'not_booked {order_id=SO-3}']);
    expect(again).toMatchObject({ status: 'ingested', read: 2, stored: 2 });
    expect(second.discrepancies).toEqual([]);
    expect(counts(second)).toEqual({ left: 2, right: 2, keys: 2, matched: 2, outOfScope: 0, discrepancies: 0 });
    expect(second.files.map((f) => `${feedPath(f.file)} ${f.read}`).sort()).toEqual(['erp-transactions/erp.csv 2', 'oms-transactions/day.csv 2']);
  });

  it('keeps the corrected upload when the event of the replaced one arrives last', async () => {
    // Prepare: two uploads of one key; S3 delivers the second upload's event first
    const stage = await standIns.stage();
    await stage.deliver('inbound/erp-transactions/erp.csv', 'order_id,type,amount,currency\nSO-1,invoice,10.00,USD\n');
    const v1 = await stage.put('inbound/oms-transactions/day.csv', 'order_id,type,amount,currency\nSO-1,sale,10.00,USD\nSO-9,sale,90.00,USD\n');
    const v2 = await stage.put('inbound/oms-transactions/day.csv', 'order_id,type,amount,currency\nSO-1,sale,10.00,USD\n');
    // Act
    const [newer] = await stage.ingest(v2.event);
    const [older] = await stage.ingest(v1.event);
    const report = await stage.compare('financial');
    // Assess
    expect(newer).toMatchObject({ status: 'ingested' });
    expect(['ingested', 'skipped']).toContain(older.status); // either is fine, as long as it does not win
    expect(report.discrepancies).toEqual([]);
    expect(counts(report)).toMatchObject({ left: 1, right: 1, matched: 1 });
  });
});

describe('objects ingestion cannot use', () => {
  it('does not route an object outside inbound/<feed>/ and leaves a note saying why', async () => {
    // Prepare
    const stage = await standIns.stage();
    // Act
    const unknownFeed = await stage.deliver('inbound/oms-orderz/orders.csv', 'channel,channel_order_id\nweb,1\n');
    const outside = await stage.deliver('uploads/orders.csv', 'channel,channel_order_id\nweb,1\n');
    // Assess
    expect(unknownFeed).toMatchObject({ status: 'unrouted', file: `s3://${stage.bucket}/inbound/oms-orderz/orders.csv` });
    expect(outside).toMatchObject({ status: 'unrouted', file: `s3://${stage.bucket}/uploads/orders.csv` });
    const note = await stage.text('rejected/_unrouted/oms-orderz/orders.csv.txt');
    expect(note).toContain('no feed for key inbound/oms-orderz/orders.csv');
    expect(note).toContain('oms-orders');
    expect(await stage.text('rejected/_unrouted/uploads/orders.csv.txt')).toContain('no feed for key uploads/orders.csv');
    expect(await stage.records('intake')).toEqual([]);
  });

  it('records an unreadable file as failed with the reason, without failing the invocation', async () => {
    // Prepare: a PNG where a CSV should be
    const stage = await standIns.stage();
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]), Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37 + 11) % 256))]);
    const { event } = await stage.put('inbound/warehouse-inventory/count.csv', png);
    // Act
    const [outcome] = await stage.ingest(event);
    // Assess
    expect(outcome).toMatchObject({ status: 'skipped', file: `s3://${stage.bucket}/inbound/warehouse-inventory/count.csv` });
    const manifest = await stage.manifest(event, 'inventory');
    expect(manifest).toMatchObject({ status: 'failed' });
    expect(manifest!.error!.code).toBe('E_NOT_TEXT');
    expect(manifest!.error!.message).toContain(`s3://${stage.bucket}/inbound/warehouse-inventory/count.csv:1`);
    expect(manifest!.error!.message).toContain('not UTF-8');
    expect(outcome.status === 'skipped' && outcome.reason).toBe(manifest!.error!.message);
    expect(await stage.records('inventory')).toEqual([]);
  });

  it('names a file that could not be ingested in the next report, until a good version of it arrives', async () => {
    // Prepare: one good file per side, and a count file that is not text
    const stage = await standIns.stage();
    await stage.deliver('inbound/oms-inventory/oms.csv', 'sku,facility_id,on_hand\nSKU-1,DAL1,1\n');
    await stage.deliver('inbound/warehouse-inventory/dal1.csv', 'sku,facility_id,on_hand\nSKU-1,DAL1,1\n');
    await stage.deliver('inbound/warehouse-inventory/atl1.csv', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1, 2]));
    // Act
    const before = await stage.compare('inventory');
    await stage.deliver('inbound/warehouse-inventory/atl1.csv', 'sku,facility_id,on_hand\nSKU-2,DAL1,0\n');
    const after = await stage.compare('inventory');
    // Assess
    const failed = (r: Report) => r.warnings.filter((w) => w.code === 'file_failed');
    expect(failed(before)).toEqual([expect.objectContaining({ file: `s3://${stage.bucket}/inbound/warehouse-inventory/atl1.csv`, message: expect.stringContaining('E_NOT_TEXT') })]);
    expect(failed(after)).toEqual([]);
  });
});

describe('starting the comparison after a file lands (Step Functions, mocked)', () => {
  it('starts one execution per boundary for a drop, with a unique name, and none while it waits', async () => {
    // Prepare
    const sfnClient = new SFNClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const sfn = mockClient(sfnClient);
    sfn.on(StartExecutionCommand).callsFake((input: StartExecutionCommandInput) => ({ executionArn: `arn:aws:states:us-east-1:123456789012:execution:recon:${input.name}`, startDate: new Date() }));
    const arn = 'arn:aws:states:us-east-1:123456789012:stateMachine:recon';
    const stage = await standIns.stage({ stateMachineArn: arn, clock: new Clock(new Date('2026-11-26T06:00:00.000Z')) });
    const deps = stage.deps({ sfn: sfnClient });
    const erp = 'order_id,type,amount\nSO-1,invoice,10\n';
    // Act: three files; the executions never run here (mocked), so each stays the waiter of its drop
    const outcomes = [
      await stage.deliver('inbound/erp-transactions/a.csv', erp, deps),
      await stage.deliver('inbound/oms-transactions/b.csv', 'order_id,type,amount\nSO-1,sale,10\n', deps),
      await stage.deliver('inbound/oms-inventory/c.csv', 'sku,facility_id,on_hand\nSKU-1,DAL1,1\n', deps),
    ];
    const calls = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
    sfn.restore();
    // Assess
    expect(outcomes.map((o) => o.status)).toEqual(['ingested', 'ingested', 'ingested']);
    expect(calls.map((c) => c.name)).toEqual([expect.stringMatching(/^financial-20261126T0600\d\dZ-ingest-[0-9a-f]{8}$/), expect.stringMatching(/^inventory-20261126T0600\d\dZ-ingest-[0-9a-f]{8}$/)]);
    for (const c of calls) {
      expect(c.stateMachineArn).toBe(arn);
      expect(c.name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
      expect(JSON.parse(c.input!)).toEqual({ boundary: c.name!.split('-')[0] as BoundaryName, trigger: 'ingest' });
    }
  });

  it('starts the run on a redelivery when StartExecution failed the first time', async () => {
    // Prepare: StartExecution is throttled once, then works
    const sfnClient = new SFNClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const sfn = mockClient(sfnClient);
    sfn.on(StartExecutionCommand)
      .rejectsOnce(serviceError('ThrottlingException', 400))
      .resolves({ executionArn: 'arn:aws:states:us-east-1:123456789012:execution:recon:x', startDate: new Date() });
    const arn = 'arn:aws:states:us-east-1:123456789012:stateMachine:recon';
    const stage = await standIns.stage({ stateMachineArn: arn, clock: new Clock(new Date('2026-11-26T06:00:00.000Z')) });
    const deps = stage.deps({ sfn: sfnClient });
    const { event } = await stage.put('inbound/erp-transactions/a.csv', 'order_id,type,amount\nSO-1,invoice,10\n');
    // Act: the first delivery stores the file but fails to start the run; Lambda redelivers
    const first = await stage.ingest(event, deps).then(() => 'resolved', (e: Error) => e.name);
    const second = await stage.ingest(event, deps);
    const calls = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    sfn.restore();
    // Assess
    expect(first).toBe('ThrottlingException');
    expect(second).toEqual([expect.objectContaining({ status: 'skipped', reason: 'already ingested' })]);
    // The failed start freed the waiter slot, so the redelivery started the run.
    expect(calls).toEqual([expect.stringMatching(/^financial-20261126T0600\d\dZ-ingest-[0-9a-f]{8}$/), expect.stringMatching(/^financial-20261126T0600\d\dZ-ingest-[0-9a-f]{8}$/)]);
    expect(new Set(calls).size).toBe(2);
  });
});
