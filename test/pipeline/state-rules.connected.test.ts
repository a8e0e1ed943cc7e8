/**
 * The current-state rules (docs/data-model.md, "Snapshot and incremental feeds"), each held
 * to one answer through the CLI engine (`oms-recon reconcile`) and through `oms-recon local`
 * (the real pipeline on dynalite + s3rver) on the same inbox: a split snapshot, a newer
 * snapshot that drops a SKU, an older file after a newer one, an incremental upsert, and a
 * duplicate across the parts of a split snapshot.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BoundaryName } from '../../lib/feeds/catalog.ts';
import { runLocalPipeline } from '../../lib/pipeline/local.ts';
import type { Report } from '../../lib/report/model.ts';
import { put, tempDir } from '../cli/helpers.ts';
import { cliReport, counts, discrepancyDetails, identities, inboxFiles, startStandIns, warningTexts } from './harness.ts';
import { DEFAULT_CONFIG } from '../../lib/config.ts';
import { parseConfig } from '../../lib/config-file.ts';

const OMS = 'sku,facility_id,on_hand,as_of';
const WH = 'sku,facility_id,on_hand,counted_at';
const D1 = '2026-11-24T06:00:00.000Z';
const D2 = '2026-11-25T06:00:00.000Z';

/** Writes `files` (`<feed>/<name>` → text) into a fresh inbox; returns it. */
function inbox(files: Record<string, string>): string {
  const dir = tempDir('state-rules-');
  for (const [name, text] of Object.entries(files)) put(join(dir, 'inbox'), name, text);
  return join(dir, 'inbox');
}

/** The same inbox through the CLI engine and through `oms-recon local`. */
async function both(box: string, boundary: BoundaryName): Promise<{ cli: Report; local: Report }> {
  const cli = await cliReport(inboxFiles(box), boundary);
  const result = await runLocalPipeline({ inbox: box, out: join(box, '..', 'out'), shards: 3 });
  expect(result.failed).toEqual([]);
  const local = result.reports[boundary]!;
  expect(local).toBeDefined();
  return { cli, local };
}

function sameAnswer(box: string, { cli, local }: { cli: Report; local: Report }): void {
  expect(identities(local)).toEqual(identities(cli));
  expect(counts(local)).toEqual(counts(cli));
  expect(discrepancyDetails(local, box)).toEqual(discrepancyDetails(cli, box));
  expect(warningTexts(local, box)).toEqual(warningTexts(cli, box));
}

const rows = (head: string, ...lines: string[]) => table(head, lines);
/** A CSV text from a header and many lines (no spread: 100,000 arguments overflow the stack). */
const table = (head: string, lines: readonly string[]) => head + '\n' + lines.join('\n') + '\n';

describe('snapshot feeds, through the CLI and oms-recon local alike', () => {
  it('a newer snapshot replaces the older: a SKU absent from it is absent (zero on hand), not its old count', { timeout: 300_000 }, async () => {
    // Prepare: day 1 counts A and B at DAL1; day 2 counts only A (A unchanged: no write in the pipeline)
    const box = inbox({
      'oms-inventory/day1.csv': rows(OMS, `A,DAL1,5,${D1}`, `B,DAL1,4,${D1}`),
      'oms-inventory/day2.csv': rows(OMS, `A,DAL1,5,${D2}`),
      'warehouse-inventory/wh.csv': rows(WH, `A,DAL1,6,${D2}`, `B,DAL1,4,${D2}`),
    });
    // Act
    const r = await both(box, 'inventory');
    // Assess
    expect(identities(r.cli)).toEqual([
      'missing_in_oms {facility_id=DAL1 sku=B} offsetting=false',
      'quantity_mismatch {facility_id=DAL1 sku=A} offsetting=false',
    ]);
    const a = r.local.discrepancies.find((d) => d.key.sku === 'A')!;
    expect(a.oms).toEqual({ on_hand: 5, as_of: D2 });
    expect(a.sources.find((s) => s.side === 'oms')).toMatchObject({ file: expect.stringMatching(/day2\.csv$/), line: 2 });
    sameAnswer(box, r);
  });

  it('an older snapshot arriving after the newer one never wins', { timeout: 300_000 }, async () => {
    // Prepare: `a-new.csv` is uploaded (and ingested) before `b-old.csv`
    const box = inbox({
      'oms-inventory/a-new.csv': rows(OMS, `A,DAL1,5,${D2}`, `B,DAL1,1,${D2}`),
      'oms-inventory/b-old.csv': rows(OMS, `A,DAL1,9,${D1}`, `B,DAL1,2,${D1}`, `C,DAL1,3,${D1}`),
      'warehouse-inventory/wh.csv': rows(WH, `A,DAL1,5,${D2}`, `B,DAL1,1,${D2}`),
    });
    // Act
    const r = await both(box, 'inventory');
    // Assess: all clear; C (only in the older snapshot) is not counted
    expect(r.cli.discrepancies).toEqual([]);
    expect(r.cli.summary.matched).toBe(2);
    expect(r.local.warnings.map((w) => w.code)).toContain('superseded_snapshot');
    sameAnswer(box, r);
  });

  it('a duplicate across the parts of a split snapshot: the later part wins, and both rows are named', { timeout: 300_000 }, async () => {
    // Prepare
    const box = inbox({
      'oms-inventory/part-1.csv': rows(OMS, `A,DAL1,5,${D2}`, `B,DAL1,2,${D2}`),
      'oms-inventory/part-2.csv': rows(OMS, `C,DAL1,3,${D2}`, `A,DAL1,7,${D2}`),
      'warehouse-inventory/wh.csv': rows(WH, `A,DAL1,7,${D2}`, `B,DAL1,2,${D2}`, `C,DAL1,3,${D2}`),
    });
    // Act
    const r = await both(box, 'inventory');
    // Assess
    expect(r.cli.discrepancies).toEqual([]);
    expect(r.cli.summary.matched).toBe(3);
    const dup = r.local.warnings.filter((w) => w.code === 'duplicate_key');
    expect(dup).toHaveLength(1);
    expect(dup[0].message).toMatch(/part-2\.csv:3 is used, .*part-1\.csv:2 is ignored/);
    sameAnswer(box, r);
  });

  /** `n` inventory rows (n/4 SKUs × 4 facilities, one count in 1,000 off), the OMS side whole and split in two. */
  function splitInboxes(n: number) {
    const facilities = ['DAL1', 'ATL2', 'RNO1', 'PHL3'];
    const oms: string[] = [];
    const wh: string[] = [];
    for (let i = 0; i < n; i++) {
      const sku = `SKU-${String(Math.floor(i / 4)).padStart(6, '0')}`;
      const fac = facilities[i % 4];
      const q = (i % 97) + 1;
      oms.push(`${sku},${fac},${q},${D2}`);
      wh.push(`${sku},${fac},${i % 1000 === 7 ? q + 1 : q},${D2}`);
    }
    return {
      whole: inbox({ 'oms-inventory/all.csv': table(OMS, oms), 'warehouse-inventory/wh.csv': table(WH, wh) }),
      split: inbox({
        'oms-inventory/part-1.csv': table(OMS, oms.slice(0, n / 2)),
        'oms-inventory/part-2.csv': table(OMS, oms.slice(n / 2)),
        'warehouse-inventory/wh.csv': table(WH, wh),
      }),
    };
  }

  it('a snapshot split in two reconciles exactly as the whole file: 200,000 rows in the CLI', { timeout: 600_000 }, async () => {
    // Prepare
    const { whole, split } = splitInboxes(200_000);
    // Act
    const cliWhole = await cliReport(inboxFiles(whole), 'inventory');
    const cliSplit = await cliReport(inboxFiles(split), 'inventory');
    // Assess: no false missing, the same discrepancies as the whole file
    expect(cliSplit.summary.byType).toEqual({ quantity_mismatch: 200 });
    expect(cliSplit.summary.matched).toBe(199_800);
    expect(identities(cliSplit)).toEqual(identities(cliWhole));
    expect(counts(cliSplit)).toEqual(counts(cliWhole));
  });

  it('a snapshot split in two reconciles exactly as the whole file, through oms-recon local as in the CLI', { timeout: 900_000 }, async () => {
    // Prepare: 4,000 rows (every write is a conditional PutItem: dynalite on a shared machine takes minutes for more)
    const { whole, split } = splitInboxes(4_000);
    // Act
    const cliWhole = await cliReport(inboxFiles(whole), 'inventory');
    const r = await both(split, 'inventory');
    // Assess
    for (const rep of [r.cli, r.local]) {
      expect(rep.summary.byType).toEqual({ quantity_mismatch: 4 });
      expect(rep.summary.matched).toBe(3_996);
    }
    expect(identities(r.cli)).toEqual(identities(cliWhole));
    expect(counts(r.cli)).toEqual(counts(cliWhole));
    sameAnswer(split, r);
  });
});

describe('incremental feeds, through the CLI and oms-recon local alike', () => {
  it('upserts by identity, and a key absent from a later file keeps its state', { timeout: 300_000 }, async () => {
    // Prepare: day 2's ERP file corrects INV-1 and does not list INV-2 again
    const box = inbox({
      'oms-transactions/oms.csv': rows('order_id,type,amount', 'O1,sale,12', 'O2,sale,5'),
      'erp-transactions/day1.csv': rows('order_id,type,amount,document_id', 'O1,sale,10,INV-1', 'O2,sale,5,INV-2'),
      'erp-transactions/day2.csv': rows('order_id,type,amount,document_id', 'O1,sale,12,INV-1'),
    });
    // Act
    const r = await both(box, 'financial');
    // Assess: O1 is 12 (not 10, not 22); O2 is still booked
    expect(r.cli.discrepancies).toEqual([]);
    expect(r.cli.summary.matched).toBe(2);
    sameAnswer(box, r);
  });
});

describe('a feed configured as a snapshot (`feeds: { "oms-orders": { mode: "snapshot" } }`)', () => {
  it('leaves out an order absent from the next drop, as the CLI does on that drop; incremental (the default) keeps it', { timeout: 300_000 }, async () => {
    // Prepare: two drops a day apart (the pipeline's drop: the files of one run window)
    const channel = rows('channel,channel_order_id', 'shopify,#1', 'shopify,#2');
    const day1 = rows('channel,channel_order_id,oms_order_id', 'shopify,#1,O-1', 'shopify,#2,O-2');
    const day2 = rows('channel,channel_order_id,oms_order_id', 'shopify,#1,O-1');
    const snapshot = parseConfig({ feeds: { 'oms-orders': { mode: 'snapshot' } } });
    const standIns = await startStandIns();
    try {
      const reports: Report[] = [];
      for (const config of [snapshot, DEFAULT_CONFIG]) {
        const stage = await standIns.stage({ shards: 2, config });
        await stage.deliver('inbound/channel-orders/ch.csv', channel);
        await stage.deliver('inbound/oms-orders/day1.csv', day1);
        stage.clock.advance(86_400_000);
        await stage.deliver('inbound/oms-orders/day2.csv', day2);
        // Act
        reports.push(await stage.compare('intake'));
      }
      const box = inbox({ 'channel-orders/ch.csv': channel, 'oms-orders/day2.csv': day2 });
      const cli = await cliReport(inboxFiles(box), 'intake', snapshot);
      // Assess
      expect(identities(reports[0])).toEqual(['missing_in_oms {channel=shopify channel_order_id=#2}']);
      expect(identities(reports[0])).toEqual(identities(cli));
      expect(counts(reports[0])).toEqual(counts(cli));
      expect(identities(reports[1])).toEqual([]);
    } finally {
      await standIns.stop();
    }
  });

  it('is refused for an inventory feed set to incremental (counts are always snapshots)', () => {
    expect(() => parseConfig({ feeds: { 'oms-inventory': { mode: 'incremental' } } })).toThrow(/oms-inventory holds inventory counts: it is always a snapshot feed/);
    expect(() => parseConfig({ feeds: { 'oms-stuff': { mode: 'snapshot' } } })).toThrow(/invalid config at feeds/);
  });
});
