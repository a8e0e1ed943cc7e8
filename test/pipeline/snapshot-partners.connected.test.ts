/**
 * A feed configured as a snapshot (`feeds.<feed>.mode: "snapshot"`) and fed by two partners
 * (`<feed>/<partner>/…`): one partner's snapshot covers that partner's prefix, not the whole
 * side, so a newer snapshot from partner A never makes partner B's records absent
 * (lib/boundaries/snapshot.ts partitioner). The pipeline (`oms-recon local`, two drops a day
 * apart on one --state folder) gives the answer the CLI gives on the current files.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config-file.ts';
import { runLocalPipeline } from '../../lib/pipeline/local.ts';
import { put, tempDir } from '../cli/helpers.ts';
import { cliReport, counts, discrepancyDetails, identities, inboxFiles, warningTexts } from './harness.ts';
import './quiet-sdk.ts';

const root = tempDir('snapshot-partners-');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const OMS = 'channel,channel_order_id,oms_order_id';
const CHANNEL = 'channel,channel_order_id';
const rows = (head: string, ...lines: string[]) => head + '\n' + lines.join('\n') + '\n';

/** Writes `files` (`<feed>/…` → text) into `<root>/<name>`; returns the folder. */
function inbox(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  for (const [file, text] of Object.entries(files)) put(dir, file, text);
  return dir;
}

describe('a snapshot feed fed by two partners', () => {
  it('a newer snapshot from one partner replaces only that partner\'s: the other\'s orders stay, in the pipeline as in the CLI', { timeout: 300_000 }, async () => {
    // Prepare: oms-orders is a snapshot feed; partner north sends the shopify orders, south the ebay ones
    const config = parseConfig({
      feeds: { 'oms-orders': { mode: 'snapshot' } },
      partners: [
        { name: 'north', channels: ['shopify'] },
        { name: 'south', channels: ['ebay'] },
      ],
    });
    const channel = rows(CHANNEL, 'shopify,#1', 'shopify,#2', 'ebay,E-1', 'ebay,E-2');
    const north1 = rows(OMS, 'shopify,#1,O-1', 'shopify,#2,O-2');
    const south1 = rows(OMS, 'ebay,E-1,O-3', 'ebay,E-2,O-4');
    // …a day later north's snapshot no longer holds #2; south sends nothing
    const north2 = rows(OMS, 'shopify,#1,O-1');
    const day1 = inbox('day1', { 'channel-orders/ch.csv': channel, 'oms-orders/north/day1.csv': north1, 'oms-orders/south/day1.csv': south1 });
    const day2 = inbox('day2', { 'oms-orders/north/day2.csv': north2 });
    const state = join(root, 'state');
    const D1 = new Date('2026-11-25T06:00:00.000Z');
    const D2 = new Date('2026-11-26T06:00:00.000Z');
    // Act: two drops a day apart through the pipeline; the CLI on the files current after them
    const first = await runLocalPipeline({ inbox: day1, out: join(root, 'out1'), state, shards: 2, config, now: () => D1 });
    const second = await runLocalPipeline({ inbox: day2, out: join(root, 'out2'), state, shards: 2, config, now: () => D2 });
    const current = inbox('current', { 'channel-orders/ch.csv': channel, 'oms-orders/north/day2.csv': north2, 'oms-orders/south/day1.csv': south1 });
    const cli = await cliReport(inboxFiles(current), 'intake', config);
    // Assess: day 1 all clear; day 2 misses only north's #2 — south's ebay orders are not absent
    expect(first.failed).toEqual([]);
    expect(second.failed).toEqual([]);
    expect(identities(first.reports.intake!)).toEqual([]);
    const local = second.reports.intake!;
    expect(identities(local)).toEqual(['missing_in_oms {channel=shopify channel_order_id=#2}']);
    expect(local.summary.matched).toBe(3);
    // Assess: the CLI's answer on the current files
    expect(identities(local)).toEqual(identities(cli));
    expect(counts(local)).toEqual(counts(cli));
    expect(discrepancyDetails(local, current).map(stripFile)).toEqual(discrepancyDetails(cli, current).map(stripFile));
    expect(warningTexts(cli, current)).toEqual([]);
  });
});

/** A discrepancy's details without the inbox names (the pipeline's files are under day1/day2, the CLI's under current/). */
function stripFile(d: string): string {
  return d.replace(/"file":"[^"]*"/g, '"file":"…"');
}
