/**
 * Hostile input through `oms-recon local` (the real handlers on the stand-ins) and the CLI
 * engine on the same files, with the same clock: counts beyond 2^53, timestamps in the far
 * future or in year 0026, a duplicated JSON key, the same content under three names (a copy
 * and a symlink), and a duplicate header column. Both engines must give the same answer.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../lib/config.ts';
import { isReconError } from '../../lib/errors.ts';
import type { BoundaryName } from '../../lib/feeds/catalog.ts';
import { runLocalPipeline, type LocalRunResult } from '../../lib/pipeline/local.ts';
import type { Report } from '../../lib/report/model.ts';
import { cliReport, counts, discrepancyDetails, fileRows, inboxFiles, rejections, warningTexts } from './harness.ts';

const root = mkdtempSync(join(tmpdir(), 'oms-recon-hostile-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const NOW = new Date('2026-11-26T06:00:00.000Z');
const inbox = join(root, 'inbox');
const out = join(root, 'out');

function put(path: string, text: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

describe('hostile input through oms-recon local and the CLI, on the same files', () => {
  let result: LocalRunResult;
  const local = {} as Record<BoundaryName, Report>;
  const cli = {} as Record<BoundaryName, Report>;

  beforeAll(async () => {
    // Prepare
    const tx = 'order_id,type,amount,currency,date\n';
    // OMS transactions without document IDs: a copy or a link of the file would count them twice
    const first = put(join(inbox, 'oms-transactions', 'a.csv'), tx + 'SO-1,sale,10.00,USD,2026-11-20\nSO-2,sale,5.00,USD,2062-01-01\nSO-3,sale,7.00,USD,0026-11-20\n');
    put(join(inbox, 'oms-transactions', 'b.csv'), readFileSync(first, 'utf8'));
    symlinkSync(first, join(inbox, 'oms-transactions', 'c.csv'));
    put(join(inbox, 'erp-transactions', 'erp.json'), '[\n{"order_id": "SO-1", "type": "INV", "amount": "10.00", "currency": "USD"},\n{"order_id": "SO-4", "type": "INV", "amount": "1.00", "amount": "4.00", "currency": "USD"}\n]\n');
    const inv = 'sku,facility_id,on_hand,as_of\n';
    put(join(inbox, 'oms-inventory', 'oms.csv'), inv + 'SKU-1,DAL1,9007199254740993,2026-11-20\nSKU-2,DAL1,9007199254740991,2026-11-20\nSKU-3,DAL1,4,2062-01-01\nSKU-4,DAL1,4,2026-11-20\n');
    put(join(inbox, 'warehouse-inventory', 'wh.csv'), 'sku,facility_id,on_hand\nSKU-2,DAL1,-9007199254740991\nSKU-4,DAL1,4\n');
    put(join(inbox, 'oms-allocations', 'alloc.csv'), 'order_id,line_id,location_id,Quantity,quantity\nSO-1,1,DAL1,2,3\n');
    put(join(inbox, 'shipments', 'ship.csv'), 'order_id,line_id,location_id,quantity\nSO-1,1,DAL1,2\n');
    // Act
    result = await runLocalPipeline({ inbox, out, shards: 3, now: () => NOW });
    for (const b of ['financial', 'inventory', 'fulfillment'] as const) {
      local[b] = JSON.parse(readFileSync(join(out, b, 'report.json'), 'utf8')) as Report;
    }
    for (const b of ['financial', 'inventory'] as const) cli[b] = await cliReport(inboxFiles(inbox), b, DEFAULT_CONFIG, NOW);
  }, 300_000);

  it('gives the same rejections, warnings, discrepancies and row counts in both engines', () => {
    for (const b of ['financial', 'inventory'] as const) {
      expect(rejections(local[b]), b).toEqual(rejections(cli[b]));
      expect(warningTexts(local[b], inbox), b).toEqual(warningTexts(cli[b], inbox));
      expect(discrepancyDetails(local[b], inbox), b).toEqual(discrepancyDetails(cli[b], inbox));
      expect(fileRows(local[b]), b).toEqual(fileRows(cli[b]));
      expect(counts(local[b]), b).toEqual(counts(cli[b]));
    }
  });

  it('keeps a future date and a year 0026 in a date financial does not use (one unparsed_values warning), and reads a copy and a symlink once', () => {
    const r = local.financial;
    // A transaction's date is not compared (SPEC "Values a comparison does not use"): the rows are kept without it.
    expect(rejections(r)).toEqual([]);
    const unparsed = r.warnings.filter((w) => w.code === 'unparsed_values');
    expect(unparsed).toMatchObject([{ column: 'date', count: 2, line: 3, example: '2062-01-01' }]);
    expect(warningTexts(r, inbox).filter((w) => !w.startsWith('unparsed_values'))).toEqual([
      'duplicate_file: oms-transactions/b.csv has the same content as oms-transactions/a.csv (same sha256): its rows are counted once, from oms-transactions/a.csv',
      'duplicate_file: oms-transactions/c.csv has the same content as oms-transactions/a.csv (same sha256): its rows are counted once, from oms-transactions/a.csv',
      'duplicate_json_key: erp-transactions/erp.json:3: an object holds the key "amount" twice: its last value is used',
    ]);
    // SO-1 agrees (counted once, not three times); SO-4's last amount (4.00) is the one booked
    expect(r.discrepancies.map((d) => [d.type, d.key.order_id, d.delta])).toEqual([
      ['not_booked', 'SO-2', '5.00'],
      ['not_booked', 'SO-3', '7.00'],
      ['unexpected_in_erp', 'SO-4', '-4.00'],
    ]);
    expect(fileRows(r)).toEqual([
      'erp-transactions/erp.json read=2 used=2 rejected=0',
      'oms-transactions/a.csv read=3 used=3 rejected=0',
      'oms-transactions/b.csv read=0 used=0 rejected=0',
      'oms-transactions/c.csv read=0 used=0 rejected=0',
    ]);
  });

  it('rejects a count beyond 2^53 − 1 and gives a difference beyond it as exact text', () => {
    const r = local.inventory;
    expect(rejections(r)).toEqual([
      'oms-inventory/oms.csv:2 on_hand: beyond ±9007199254740991 (2^53 − 1), the largest count a report gives exactly: "9007199254740993"',
      'oms-inventory/oms.csv:4 as_of: 2062-01-01T00:00:00.000Z is more than 24 h in the future (after 2026-11-27T06:00:00.000Z; timestamps.futureSkewHours)',
    ]);
    expect(r.discrepancies).toMatchObject([{ type: 'quantity_mismatch', key: { sku: 'SKU-2', facility_id: 'DAL1' }, delta: '18014398509481982', impact: { units: '18014398509481982' } }]);
    expect(r.summary.atRisk.units).toBe('18014398509481982');
  });

  it('stops on a duplicate header column: the CLI with E_DUPLICATE_COLUMN, the pipeline failing the file with it', async () => {
    const failed = local.fulfillment.warnings.filter((w) => w.code === 'file_failed');
    expect(failed.map((w) => w.message)).toEqual([
      expect.stringMatching(/inbound\/oms-allocations\/alloc\.csv could not be ingested and is left out: .*alloc\.csv:1: duplicate column: "Quantity" \(column 4\) and "quantity" \(column 5\) .* \[E_DUPLICATE_COLUMN\]$/),
    ]);
    const error = await cliReport(inboxFiles(inbox), 'fulfillment', DEFAULT_CONFIG, NOW).then(() => undefined, (e: unknown) => e);
    expect(isReconError(error) && error.code).toBe('E_DUPLICATE_COLUMN');
    expect(result.ingested.filter((o) => o.status !== 'ingested').map((o) => o.file)).toEqual([expect.stringMatching(/alloc\.csv$/)]);
  });
});
