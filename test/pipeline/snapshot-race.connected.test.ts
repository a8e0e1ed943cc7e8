/**
 * Two snapshots of one facility ingested at the same moment (docs/data-model.md, "Snapshot
 * pointer"): an older one O, started first, and a newer one N. N's rows whose count equals the
 * stored one are not written, only confirmed — so if O wrote such a key after N read it, the
 * table would hold O's count while N, the current snapshot, confirms the key, and compare would
 * report O's count as current. Each test drives one interleaving deterministically through
 * the real ingest handler, O and N each on its own DynamoDB client (middleware on O's client
 * holds or fails its calls: fault injection only), and asserts what a user sees: the stored
 * count, and the run's report equal to the CLI's on the same files (which takes the newest
 * snapshot whole).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Event } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContinuationQueue, type IngestContinuation } from '../../lib/pipeline/chunk.ts';
import type { IngestOutcome, ManifestFacts } from '../../lib/pipeline/ingest.ts';
import type { Report } from '../../lib/report/model.ts';
import { put, tempDir } from '../cli/helpers.ts';
import { sdkError } from '../support/dynamo-faults.ts';
import { cliReport, counts, discrepancyDetails, identities, inboxFiles, startStandIns, warningTexts, type Stage, type StandIns } from './harness.ts';

const OMS = 'sku,facility_id,on_hand,as_of';
const WH = 'sku,facility_id,on_hand,counted_at';
const D0 = '2026-11-23T06:00:00.000Z';
const D1 = '2026-11-24T06:00:00.000Z';
const D2 = '2026-11-25T06:00:00.000Z';
const LONG = 300_000;

const CHILD = resolve(dirname(fileURLToPath(import.meta.url)), '../support/snapshot-race-child.ts');

const rows = (head: string, ...lines: string[]) => head + '\n' + lines.join('\n') + '\n';

let standIns: StandIns;
beforeAll(async () => {
  standIns = await startStandIns();
}, LONG);
afterAll(async () => {
  await standIns?.stop();
});

/** A one-shot signal. */
function signal() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

type Next = () => Promise<{ output: Record<string, unknown> }>;
/** Middleware on one client: `fn` sees each call's command name and input and calls `next` to send it. */
function hook(client: DynamoDBClient, name: string, step: 'initialize' | 'deserialize', fn: (command: string, input: Record<string, any>, next: Next) => Promise<unknown>) {
  client.middlewareStack.add(
    ((next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: { input: Record<string, any> }) =>
      fn(context.commandName ?? '', args.input, () => next(args) as ReturnType<Next>)) as never,
    { step, name, override: true } as never,
  );
}

/** The raise of a snapshot pointer (lib/store/snapshots.ts raiseSnapshot). */
const isRaise = (command: string, input: Record<string, any>) =>
  command === 'UpdateItemCommand' && String(input.Key?.pk?.S).startsWith('SNAP#') && String(input.UpdateExpression).startsWith('SET t = :t');

/** A write of records: conditional, or in a batch when the ingest writes its side alone (lib/store/writers.ts). */
const isRecordWrite = (command: string) => command === 'PutItemCommand' || command === 'BatchWriteItemCommand';

/** A stage with the files of `files` (`<feed>/<name>` → text) in an inbox, uploaded on demand. */
async function setup(files: Record<string, string>, fenceMs: number) {
  const box = join(tempDir('snapshot-race-'), 'inbox');
  for (const [name, text] of Object.entries(files)) put(box, name, text);
  const stage = await standIns.stage({ shards: 3, snapshotFenceMs: fenceMs });
  const upload = async (name: string): Promise<S3Event> => (await stage.put(`inbound/${name}`, readFileSync(join(box, name)))).event;
  const ingest = async (name: string): Promise<IngestOutcome> => (await stage.ingest(await upload(name)))[0];
  return { stage, box, upload, ingest };
}

/** O's client stalls after its first read of records (BatchGetItem) until `until`; the signal opens once it read. */
function stallAfterRead(client: DynamoDBClient, until: Promise<void>) {
  const read = signal();
  hook(client, 'stall-after-read', 'initialize', async (command, _input, next) => {
    if (command !== 'BatchGetItemCommand') return next();
    const out = await next();
    read.open();
    await until;
    return out;
  });
  return read;
}

async function writesOf(stage: Stage, event: S3Event) {
  const m = (await stage.manifest(event, 'inventory'))!;
  expect(m.status).toBe('done');
  return (m.facts as unknown as ManifestFacts).writes!;
}

/** The OMS side's stored count per SKU at DAL1. */
async function storedCounts(stage: Stage): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const r of await stage.records('inventory')) if (r.side === 'oms') out[r.group[0]] = r.fields.on_hand;
  return out;
}

/** The run's report and the CLI's on the same files: one answer. */
async function sameAsCli(stage: Stage, box: string): Promise<{ local: Report; cli: Report }> {
  const local = await stage.compare('inventory');
  const cli = await cliReport(inboxFiles(box), 'inventory');
  expect(identities(local)).toEqual(identities(cli));
  expect(counts(local)).toEqual(counts(cli));
  expect(discrepancyDetails(local, box)).toEqual(discrepancyDetails(cli, box));
  expect(warningTexts(local, box)).toEqual(warningTexts(cli, box));
  return { local, cli };
}

// Day 0 stored A=5, B=4; the older snapshot O (day 1) moves A to 9; the newer N (day 2) counts
// A=5 again — equal to the stored count, so N writes nothing for A and only confirms it.
const FILES = {
  'oms-inventory/day0.csv': rows(OMS, `A,DAL1,5,${D0}`, `B,DAL1,4,${D0}`),
  'oms-inventory/day1.csv': rows(OMS, `A,DAL1,9,${D1}`, `B,DAL1,4,${D1}`),
  'oms-inventory/day2.csv': rows(OMS, `A,DAL1,5,${D2}`, `B,DAL1,4,${D2}`),
  'warehouse-inventory/wh.csv': rows(WH, `A,DAL1,5,${D2}`, `B,DAL1,4,${D2}`),
};

describe('an older and a newer snapshot of one facility ingested at once', () => {
  it('the older one stalls between its read and its write: it writes nothing once the newer one has raised the pointer', async () => {
    // Prepare: O reads A (5, to be changed to 9) and then stalls until N is done
    const { stage, box, upload, ingest } = await setup(FILES, 1_500);
    expect((await ingest('oms-inventory/day0.csv')).status).toBe('ingested');
    const o = stage.db.newClient();
    const release = signal();
    const read = stallAfterRead(o, release.opened);
    const oEvent = await upload('oms-inventory/day1.csv');
    const nEvent = await upload('oms-inventory/day2.csv');
    // Act
    const oDone = stage.ingest(oEvent, stage.deps({ dynamo: o }));
    await read.opened;
    const [n] = await stage.ingest(nEvent);
    release.open();
    const [oOut] = await oDone;
    expect((await ingest('warehouse-inventory/wh.csv')).status).toBe('ingested');
    // Assess: N confirmed A unchanged; O's write of A was refused; the table and the report hold N's counts
    expect(n.status).toBe('ingested');
    expect(oOut.status).toBe('ingested');
    expect(await writesOf(stage, nEvent)).toMatchObject({ written: 0, unchanged: 2 });
    expect(await writesOf(stage, oEvent)).toMatchObject({ written: 0, olderSnapshot: 1 });
    expect(await storedCounts(stage)).toEqual({ A: '5', B: '4' });
    const { local } = await sameAsCli(stage, box);
    expect(local.discrepancies).toEqual([]);
    expect(local.summary.matched).toBe(2);
  }, LONG);

  it('the older one writes its side alone (a batch) and stalls after its read: its batch is refused once the newer one has raised the pointer', async () => {
    // Prepare: O is the side's only writer (no quiet time after day 0), so it would write A=9
    // with one unconditional BatchWriteItem (lib/store/writers.ts); it stalls after its read
    // until N has raised the pointer — N then waits for O's grant before it writes anything.
    const { stage, box, upload, ingest } = await setup(FILES, 1_500);
    stage.settings.writers = { quietMs: 0 };
    expect((await ingest('oms-inventory/day0.csv')).status).toBe('ingested');
    const o = stage.db.newClient();
    const n = stage.db.newClient();
    const raised = signal();
    const read = stallAfterRead(o, raised.opened);
    let batchesSent = 0;
    hook(o, 'count-batches', 'deserialize', async (command, _input, next) => {
      if (command === 'BatchWriteItemCommand') batchesSent++;
      return next();
    });
    hook(n, 'watch-raise', 'initialize', async (command, input, next) => {
      const out = await next();
      if (isRaise(command, input)) raised.open();
      return out;
    });
    const oEvent = await upload('oms-inventory/day1.csv');
    const nEvent = await upload('oms-inventory/day2.csv');
    // Act
    const oDone = stage.ingest(oEvent, stage.deps({ dynamo: o }));
    await read.opened;
    const nDone = stage.ingest(nEvent, stage.deps({ dynamo: n }));
    const [[oOut], [nOut]] = await Promise.all([oDone, nDone]);
    expect((await ingest('warehouse-inventory/wh.csv')).status).toBe('ingested');
    // Assess: O's batch never went out, its rows were counted older-snapshot; the table and the report hold N's counts
    expect([oOut.status, nOut.status]).toEqual(['ingested', 'ingested']);
    expect(batchesSent).toBe(0);
    expect(await writesOf(stage, oEvent)).toMatchObject({ written: 0, olderSnapshot: 1 });
    expect(await storedCounts(stage)).toEqual({ A: '5', B: '4' });
    const { local } = await sameAsCli(stage, box);
    expect(local.discrepancies).toEqual([]);
  }, LONG);

  it('the older one\'s write is in flight when the newer one raises the pointer: the newer one reads only after it has landed', async () => {
    // Prepare: O takes its write leave and sends A=9, which is held on the way until N has
    // raised the pointer (network latency, well within the fence)
    const FENCE = 6_000;
    const { stage, box, upload, ingest } = await setup(FILES, FENCE);
    expect((await ingest('oms-inventory/day0.csv')).status).toBe('ingested');
    const o = stage.db.newClient();
    const n = stage.db.newClient();
    const sent = signal();
    const raised = signal();
    let landedAt = 0;
    let nReadAt = 0;
    let held = false;
    // `deserialize`: after the write leave was checked (finalizeRequest), just before the request goes out.
    hook(o, 'in-flight', 'deserialize', async (command, _input, next) => {
      if (!isRecordWrite(command) || held) return next();
      held = true;
      sent.open();
      await raised.opened;
      await new Promise((r) => setTimeout(r, 300));
      const out = await next();
      landedAt = Date.now();
      return out;
    });
    hook(n, 'watch', 'initialize', async (command, input, next) => {
      if (command === 'BatchGetItemCommand' && nReadAt === 0) nReadAt = Date.now();
      const out = await next();
      if (isRaise(command, input)) raised.open();
      return out;
    });
    const oEvent = await upload('oms-inventory/day1.csv');
    const nEvent = await upload('oms-inventory/day2.csv');
    // Act
    const oDone = stage.ingest(oEvent, stage.deps({ dynamo: o }));
    await sent.opened;
    const [nOut] = await stage.ingest(nEvent, stage.deps({ dynamo: n }));
    const [oOut] = await oDone;
    expect((await ingest('warehouse-inventory/wh.csv')).status).toBe('ingested');
    // Assess: O's A=9 landed before N read A, so N saw a changed count and wrote its own
    expect(nOut.status).toBe('ingested');
    expect(oOut.status).toBe('ingested');
    expect(landedAt).toBeGreaterThan(0);
    expect(nReadAt).toBeGreaterThan(landedAt);
    expect(await writesOf(stage, oEvent)).toMatchObject({ written: 1 });
    expect(await writesOf(stage, nEvent)).toMatchObject({ written: 1, unchanged: 1 });
    expect(await storedCounts(stage)).toEqual({ A: '5', B: '4' });
    const { local } = await sameAsCli(stage, box);
    expect(local.discrepancies).toEqual([]);
  }, LONG);

  it('the older one\'s write is throttled and retried after the newer one is done: the retry is not sent', async () => {
    // Prepare: O's first attempt at A=9 waits for N to finish, then fails with throttling; the
    // SDK retries it
    const { stage, box, upload, ingest } = await setup(FILES, 1_500);
    expect((await ingest('oms-inventory/day0.csv')).status).toBe('ingested');
    const o = stage.db.newClient();
    const sent = signal();
    const nDone = signal();
    let attempts = 0;
    hook(o, 'throttle-once', 'deserialize', async (command, _input, next) => {
      if (!isRecordWrite(command)) return next();
      attempts++;
      if (attempts > 1) return next();
      sent.open();
      await nDone.opened;
      throw sdkError('ThrottlingException', 400, 'Rate of requests exceeds the allowed throughput.');
    });
    const oEvent = await upload('oms-inventory/day1.csv');
    const nEvent = await upload('oms-inventory/day2.csv');
    // Act
    const oDone = stage.ingest(oEvent, stage.deps({ dynamo: o }));
    await sent.opened;
    const [nOut] = await stage.ingest(nEvent);
    nDone.open();
    const [oOut] = await oDone;
    expect((await ingest('warehouse-inventory/wh.csv')).status).toBe('ingested');
    // Assess: one attempt went out (throttled); the retry found the leave gone and was not sent
    expect(nOut.status).toBe('ingested');
    expect(oOut.status).toBe('ingested');
    expect(attempts).toBe(1);
    expect(await writesOf(stage, oEvent)).toMatchObject({ written: 0, olderSnapshot: 1 });
    expect(await writesOf(stage, nEvent)).toMatchObject({ written: 0, unchanged: 2 });
    expect(await storedCounts(stage)).toEqual({ A: '5', B: '4' });
    const { local } = await sameAsCli(stage, box);
    expect(local.discrepancies).toEqual([]);
  }, LONG);

  it('a chunked older file: its second invocation stalls after its read while the newer one is ingested', async () => {
    // Prepare: O in chunks of 2 rows — A changes in its first chunk, C in its second; N counts
    // every key as day 0 did
    const files = {
      'oms-inventory/day0.csv': rows(OMS, `A,DAL1,5,${D0}`, `B,DAL1,4,${D0}`, `C,DAL1,3,${D0}`, `D,DAL1,2,${D0}`),
      'oms-inventory/day1.csv': rows(OMS, `A,DAL1,6,${D1}`, `B,DAL1,4,${D1}`, `C,DAL1,9,${D1}`, `D,DAL1,2,${D1}`),
      'oms-inventory/day2.csv': rows(OMS, `A,DAL1,5,${D2}`, `B,DAL1,4,${D2}`, `C,DAL1,3,${D2}`, `D,DAL1,2,${D2}`),
      'warehouse-inventory/wh.csv': rows(WH, `A,DAL1,5,${D2}`, `B,DAL1,4,${D2}`, `C,DAL1,3,${D2}`, `D,DAL1,2,${D2}`),
    };
    const { stage, box, upload, ingest } = await setup(files, 1_500);
    expect((await ingest('oms-inventory/day0.csv')).status).toBe('ingested');
    const o = stage.db.newClient();
    const read = signal();
    const release = signal();
    let reads = 0;
    hook(o, 'stall-second-read', 'initialize', async (command, _input, next) => {
      if (command !== 'BatchGetItemCommand') return next();
      const out = await next();
      if (++reads === 2) {
        read.open();
        await release.opened;
      }
      return out;
    });
    const queue = new ContinuationQueue();
    const continued: IngestContinuation[] = [];
    const oDeps = stage.deps({
      dynamo: o,
      settings: () => ({ ...stage.settings, chunk: { chunkRows: 2 } }),
      continueIngest: async (e) => {
        continued.push(e);
        await queue.continueIngest(e);
      },
    });
    const oEvent = await upload('oms-inventory/day1.csv');
    const nEvent = await upload('oms-inventory/day2.csv');
    // Act: O's first invocation, then its continuation (which stalls), N meanwhile
    const [first] = await stage.ingest(oEvent, oDeps);
    expect(first.status).toBe('continued');
    // The continuation goes to the handler as Lambda's asynchronous invoke gives it.
    const oDone = queue.drain((e) => stage.ingest(e as unknown as S3Event, oDeps));
    await read.opened;
    const [nOut] = await stage.ingest(nEvent);
    release.open();
    const after = await oDone;
    expect(after.at(-1)?.status).toBe('ingested');
    expect((await ingest('warehouse-inventory/wh.csv')).status).toBe('ingested');
    // Assess: N rewrote A (O's first chunk had landed), confirmed C unchanged; O's C=9 was refused
    expect(nOut.status).toBe('ingested');
    expect(continued.length).toBeGreaterThanOrEqual(1);
    // (O's manifest counts the writes of its last invocation only, so its refusal is not asserted there.)
    expect(await writesOf(stage, nEvent)).toMatchObject({ written: 1, unchanged: 3 });
    expect(await storedCounts(stage)).toEqual({ A: '5', B: '4', C: '3', D: '2' });
    const { local } = await sameAsCli(stage, box);
    expect(local.discrepancies).toEqual([]);
    expect(local.summary.matched).toBe(4);
  }, LONG);

  it('in two processes: the older one, in a child process, stalls after its read while the newer one is ingested here', async () => {
    // Prepare
    const { stage, box, upload, ingest } = await setup(FILES, 1_500);
    expect((await ingest('oms-inventory/day0.csv')).status).toBe('ingested');
    const oEvent = await upload('oms-inventory/day1.csv');
    const nEvent = await upload('oms-inventory/day2.csv');
    const gate = join(box, '..', 'gate');
    const arg = { dynamo: stage.db.endpoint, s3: stage.s3.endpoint, table: stage.tableName, bucket: stage.bucket, event: oEvent, now: stage.clock.now.toISOString(), fenceMs: 1_500, shards: stage.settings.shards, gate };
    // Act: O in its own process until it has read A; N here; then O goes on
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(arg)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((r) => child.on('close', r));
    while (!existsSync(`${gate}.read`)) {
      if (child.exitCode !== null) throw new Error(`the child ended before its read: ${stdout}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const [nOut] = await stage.ingest(nEvent);
    writeFileSync(`${gate}.go`, '');
    expect(await exited).toBe(0);
    const [oOut] = JSON.parse(stdout) as IngestOutcome[];
    expect((await ingest('warehouse-inventory/wh.csv')).status).toBe('ingested');
    // Assess
    expect(nOut.status).toBe('ingested');
    expect(oOut.status).toBe('ingested');
    expect(await writesOf(stage, oEvent)).toMatchObject({ written: 0, olderSnapshot: 1 });
    expect(await storedCounts(stage)).toEqual({ A: '5', B: '4' });
    const { local } = await sameAsCli(stage, box);
    expect(local.discrepancies).toEqual([]);
  }, LONG);
});
