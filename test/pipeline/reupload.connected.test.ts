/**
 * A corrected re-upload of a file (same S3 key, a new object version) replaces the file whole:
 * its rows whose content did not change still count (they are not rewritten: their stored
 * item names the earlier version), and rows the correction dropped no longer do — the same
 * answer as the CLI on the corrected file.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { Prefix } from '../../lib/pipeline/contracts.ts';
import { writeSample } from '../../lib/sample/index.ts';
import { cliReport, counts, identities, inboxFiles, startStandIns, type StandIns } from './harness.ts';

const root = mkdtempSync(join(tmpdir(), 'oms-recon-reupload-'));
let standIns: StandIns;
const inbox = join(root, 'inbox');
const files = (() => {
  writeSample(inbox, { seed: 31 });
  return inboxFiles(inbox).filter((f) => f.feed === 'oms-transactions' || f.feed === 'erp-transactions');
})();

beforeAll(async () => {
  standIns = await startStandIns();
}, 60_000);
afterAll(async () => {
  await standIns?.stop();
  rmSync(root, { recursive: true, force: true });
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
    const key = `${Prefix.inbound}${oms.feed}/${oms.name}`;
    for (const f of files) await stage.deliver(`${Prefix.inbound}${f.feed}/${f.name}`, readFileSync(f.path));
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
