/**
 * The ingest write path through the real handler:
 * - the sole writer (lib/store/writers.ts): a file ingested alone on its side is written in
 *   batches, and a drop whose files are all ingested at once — the writers of one side taking
 *   the grant from each other — stores and compares exactly as the same files ingested one
 *   after the other, and as the CLI;
 * - a corrected re-upload (same S3 key, a new object version) replaces the file whole: its
 *   rows whose content did not change still count (they are rewritten to name the current
 *   version), and rows the correction dropped no longer do — as the CLI on the corrected file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoundaryName, FeedName } from '../../lib/feeds/catalog.ts';
import { Prefix } from '../../lib/pipeline/contracts.ts';
import type { ManifestFacts } from '../../lib/pipeline/ingest.ts';
import { writeSample } from '../../lib/sample/index.ts';
import { listFiles, writersPk } from '../../lib/store/index.ts';
import { cliReport, counts, feedPath, identities, inboxFiles, rejections, startStandIns, type Stage, type StandIns } from './harness.ts';

const root = mkdtempSync(join(tmpdir(), 'oms-recon-write-path-'));
let standIns: StandIns;

const inbox = join(root, 'inbox');
const files = (() => {
  writeSample(inbox, { seed: 23 });
  return inboxFiles(inbox).filter((f) => f.feed === 'oms-transactions' || f.feed === 'erp-transactions');
})();
const bytes = (f: { path: string }) => readFileSync(f.path);
const keyOf = (f: { feed: FeedName; name: string }) => `${Prefix.inbound}${f.feed}/${f.name}`;

beforeAll(async () => {
  standIns = await startStandIns();
}, 60_000);
afterAll(async () => {
  await standIns?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** A stage's stored records, named by file key, line and content (not by bucket or upload time). */
async function storedOf(stage: Stage, boundary: BoundaryName): Promise<string[]> {
  const names = new Map<string, string>();
  for await (const f of listFiles(stage.db.client, stage.tableName, boundary)) if (f.fileId) names.set(f.fileId, f.key);
  return (await stage.records(boundary)).map((r) => `${r.group.join('/')} ${r.side} ${r.identity.join('/')} ${JSON.stringify(r.fields)} ${feedPath(names.get(r.fileId) ?? r.file)}:${r.line}`).sort();
}

describe('the sole writer in ingest', () => {
  it('writes a file ingested alone on its side in batches: every row it wrote, it wrote alone', async () => {
    // Prepare
    const stage = await standIns.stage();
    const f = [...files].sort((a, b) => bytes(b).length - bytes(a).length)[0];
    const { event } = await stage.put(keyOf(f), bytes(f));
    // Act
    const [outcome] = await stage.ingest(event);
    // Assess
    expect(outcome.status).toBe('ingested');
    const m = (await stage.manifest(event, 'financial'))!;
    const writes = (m.facts as unknown as ManifestFacts).writes!;
    expect(writes.written).toBeGreaterThan(0);
    expect(writes.alone).toBe(writes.written);
    expect(writes.written + writes.older + writes.unchanged).toBe(m.rowsStored);
  }, 120_000);

  it('stores and compares a drop ingested all at once exactly as one file after the other, and as the CLI', async () => {
    // Prepare
    const oneByOne = await standIns.stage();
    const atOnce = await standIns.stage();
    for (const f of files) await oneByOne.deliver(keyOf(f), bytes(f));
    // Act: every file's S3 event handled at the same moment
    await Promise.all(files.map((f) => atOnce.deliver(keyOf(f), bytes(f))));
    // Assess
    expect(await storedOf(atOnce, 'financial')).toEqual(await storedOf(oneByOne, 'financial'));
    const cli = await cliReport(files, 'financial');
    const report = await atOnce.compare('financial');
    expect(identities(report)).toEqual(identities(cli));
    expect(counts(report)).toEqual(counts(cli));
    expect(rejections(report)).toEqual(rejections(cli));
    // Every file done, and no grant left held on either side: the next ingest need not wait.
    const manifests = [];
    for await (const m of listFiles(atOnce.db.client, atOnce.tableName, 'financial')) manifests.push(m);
    expect(manifests.map((m) => m.status)).toEqual(files.map(() => 'done'));
    for (const side of ['oms', 'erp']) {
      const item = await atOnce.db.client.send(new GetItemCommand({ TableName: atOnce.tableName, Key: { pk: { S: writersPk('financial') }, sk: { S: side } }, ConsistentRead: true }));
      expect(item.Item?.sole).toBeUndefined();
    }
  }, 300_000);
});

describe('a corrected re-upload', () => {
  it('counts the unchanged rows of the new version and not the rows it dropped, as the CLI does', async () => {
    // Prepare: the OMS file, then a correction of it: the same key, its last two data rows dropped
    const stage = await standIns.stage();
    const oms = files.find((f) => f.feed === 'oms-transactions' && f.name.endsWith('.csv'))!;
    const original = readFileSync(oms.path, 'utf8');
    const lines = original.trimEnd().split('\n');
    const corrected = lines.slice(0, -2).join('\n') + '\n';
    const correctedPath = join(root, 'corrected.csv');
    writeFileSync(correctedPath, corrected);
    const key = keyOf(oms);
    for (const f of files) await stage.deliver(keyOf(f), bytes(f));
    // Act: the correction comes two hours later (another drop)
    stage.clock.advance(2 * 3_600_000);
    await stage.deliver(key, Buffer.from(corrected));
    const report = await stage.compare('financial');
    // Assess
    const cli = await cliReport([...files.filter((f) => f !== oms), { feed: oms.feed, path: correctedPath }], 'financial');
    expect(counts(report)).toEqual(counts(cli));
    expect(identities(report)).toEqual(identities(cli));
  }, 300_000);
});
