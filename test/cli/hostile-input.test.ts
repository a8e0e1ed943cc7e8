/**
 * Hostile input beyond the README's bad-input table (issue 9): duplicate columns that a
 * preset or a mapping reads (and duplicates nothing reads, which are harmless), the
 * configurable future skew, NDJSON's duplicated keys, and files of equal content read on
 * two threads.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../lib/config.ts';
import { reconcileFiles } from '../../lib/engine/reconcile.ts';
import { csv, errorLine, put, readReport, run, tempDir } from './helpers.ts';

const INVENTORY = ['sku', 'facility_id', 'on_hand'];

describe('duplicate columns', () => {
  it('stops on a column a preset reads twice (Shopify `Total` and `total`), naming both and the preset', async () => {
    // Prepare
    const dir = tempDir('dupcol-preset-');
    const header = ['Name', 'Financial Status', 'Fulfillment Status', 'Lineitem name', 'Total', 'Currency', 'total'];
    const channel = put(dir, 'shopify.csv', csv(header, ['#1001', 'paid', 'fulfilled', 'Cap', '10.00', 'USD', '12.00']));
    const oms = put(dir, 'oms.csv', csv(['channel', 'channel_order_id', 'total', 'currency'], ['shopify', '#1001', '10.00', 'USD']));
    // Act
    const r = await run(['reconcile', 'intake', '--channel', channel, '--oms', oms, '--out', join(dir, 'out')]);
    // Assess
    expect(r.code).toBe(2);
    expect(errorLine(r)).toBe(
      `oms-recon: ${channel}:1: duplicate column: "Total" (column 5) and "total" (column 7) are the same column once case, spaces, "-" and "_" are ignored, ` +
        `and both would be read as "Total" by preset shopify-orders: remove or rename one [E_DUPLICATE_COLUMN]`,
    );
  });

  it('stops on a column a mapping reads twice, naming both and the mapping', async () => {
    // Prepare
    const dir = tempDir('dupcol-mapping-');
    const config = put(dir, 'recon.json', JSON.stringify({ mappings: [{ name: 'acme-stock', feed: 'oms-inventory', match: { headers: ['Item', 'Site'] }, columns: { sku: 'Item', facility_id: 'Site', on_hand: 'Qty' } }] }));
    const oms = put(dir, 'acme.csv', csv(['Item', 'Site', 'Qty', 'QTY'], ['SKU-1', 'DAL1', '5', '6']));
    const wh = put(dir, 'wh.csv', csv(INVENTORY, ['SKU-1', 'DAL1', '5']));
    // Act
    const r = await run(['reconcile', 'inventory', '--oms', oms, '--warehouse', wh, '--config', config, '--out', join(dir, 'out')]);
    // Assess
    expect(r.code).toBe(2);
    expect(errorLine(r)).toMatch(/^oms-recon: .*acme\.csv:1: duplicate column: "Qty" \(column 3\) and "QTY" \(column 4\) .* both would be read as on_hand by mapping acme-stock: remove or rename one \[E_DUPLICATE_COLUMN\]$/);
  });

  it('ignores a duplicate among the columns nothing reads, as it ignores those columns', async () => {
    // Prepare: a partner export with two `Notes` columns
    const dir = tempDir('dupcol-harmless-');
    const oms = put(dir, 'oms.csv', csv([...INVENTORY, 'Notes', 'notes'], ['SKU-1', 'DAL1', '5', 'a', 'b']));
    const wh = put(dir, 'wh.csv', csv(INVENTORY, ['SKU-1', 'DAL1', '5']));
    // Act
    const r = await run(['reconcile', 'inventory', '--oms', oms, '--warehouse', wh, '--out', join(dir, 'out')]);
    // Assess
    expect(r.code, r.err).toBe(0);
    expect(readReport(join(dir, 'out')).summary.matched).toBe(1);
  });
});

describe('the future skew (timestamps.futureSkewHours)', () => {
  const hoursAhead = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();

  async function inventoryAsOf(asOf: string, futureSkewHours?: number) {
    const dir = tempDir('skew-');
    const oms = put(dir, 'oms.csv', csv([...INVENTORY, 'as_of'], ['SKU-1', 'DAL1', '5', '2026-11-01'], ['SKU-2', 'DAL1', '3', asOf]));
    const wh = put(dir, 'wh.csv', csv(INVENTORY, ['SKU-1', 'DAL1', '5'], ['SKU-2', 'DAL1', '3']));
    const args = ['reconcile', 'inventory', '--oms', oms, '--warehouse', wh, '--out', join(dir, 'out')];
    if (futureSkewHours !== undefined) args.push('--config', put(dir, 'recon.json', JSON.stringify({ timestamps: { futureSkewHours } })));
    const r = await run(args);
    return { r, report: r.code === 2 ? undefined : readReport(join(dir, 'out')) };
  }

  it('takes a timestamp within the skew, and rejects one beyond it, with the hours configured', async () => {
    // Act
    const within = await inventoryAsOf(hoursAhead(20));
    const beyond = await inventoryAsOf(hoursAhead(48));
    const widened = await inventoryAsOf(hoursAhead(48), 72);
    const none = await inventoryAsOf(hoursAhead(0.1), 0);
    // Assess
    expect(within.report!.rejected).toEqual([]);
    expect(beyond.report!.rejected).toEqual([expect.objectContaining({ line: 3, reason: expect.stringMatching(/^as_of: .* is more than 24 h in the future/) })]);
    expect(widened.report!.rejected).toEqual([]);
    expect(none.report!.rejected).toEqual([expect.objectContaining({ line: 3, reason: expect.stringMatching(/^as_of: .* is more than 0 h in the future/) })]);
  });

  it('refuses a negative skew in the config', async () => {
    const { r } = await inventoryAsOf('2026-11-01', -1);
    expect(r.code).toBe(2);
    expect(errorLine(r)).toMatch(/invalid config at timestamps\.futureSkewHours: .* \[E_CONFIG_INVALID\]$/);
  });
});

describe('duplicated JSON keys', () => {
  it('warns once per key and file in NDJSON, with the first line and how many objects', async () => {
    // Prepare: lines 2 and 3 repeat facility_id; the last value is read
    const dir = tempDir('ndjson-dupkey-');
    const oms = put(dir, 'oms.ndjson', [
      '{"sku": "SKU-1", "facility_id": "DAL1", "on_hand": 5}',
      '{"sku": "SKU-2", "facility_id": "X", "on_hand": 3, "facility_id": "DAL1"}',
      '{"sku": "SKU-3", "facility_id": "Y", "facility_id": "DAL1", "on_hand": 4}',
    ].join('\n') + '\n');
    const wh = put(dir, 'wh.csv', csv(INVENTORY, ['SKU-1', 'DAL1', '5'], ['SKU-2', 'DAL1', '3'], ['SKU-3', 'DAL1', '4']));
    // Act
    const r = await run(['reconcile', 'inventory', '--oms', oms, '--warehouse', wh, '--out', join(dir, 'out')]);
    // Assess
    expect(r.code, r.err).toBe(0);
    expect(readReport(join(dir, 'out')).warnings).toEqual([
      { code: 'duplicate_json_key', message: `${oms}:2: an object holds the key "facility_id" twice: its last value is used (2 objects in all)`, file: oms, lines: [2] },
    ]);
  });
});

describe('files of equal content', () => {
  it('are counted once whether read on one thread or two, and files of one size only are never taken for copies', async () => {
    // Prepare: shipments without shipment IDs (each row its own package): a copy would double them
    const dir = tempDir('samecontent-');
    const header = ['order_id', 'line_id', 'location_id', 'quantity'];
    const alloc = put(dir, 'alloc.csv', csv([...header, 'status'], ['SO-1', '1', 'DAL1', '2', 'fulfilled'], ['SO-2', '1', 'DAL1', '1', 'fulfilled']));
    const a = put(dir, 'ship-a.csv', csv(header, ['SO-1', '1', 'DAL1', '2']));
    const copy = put(dir, 'ship-copy.csv', csv(header, ['SO-1', '1', 'DAL1', '2']));
    const other = put(dir, 'ship-b.csv', csv(header, ['SO-2', '1', 'DAL1', '1']));
    const sameSize = put(dir, 'ship-c.csv', csv(header, ['SO-9', '1', 'DAL1', '2']));
    const inputs = [{ side: 'oms' as const, source: alloc }, ...[a, other, copy, sameSize].map((source) => ({ side: 'warehouse' as const, source }))];
    // Act
    const one = await reconcileFiles({ boundary: 'fulfillment', inputs, config: DEFAULT_CONFIG, parallel: false });
    const two = await reconcileFiles({ boundary: 'fulfillment', inputs, config: DEFAULT_CONFIG, parallel: true });
    // Assess: SO-1 matches (2 shipped, not 4); SO-9 is a shipment the OMS never allocated
    expect({ ...two, generatedAt: '' }).toEqual({ ...one, generatedAt: '' });
    expect(one.discrepancies.map((d) => [d.type, d.key.order_id])).toEqual([['shipped_not_allocated', 'SO-9']]);
    expect(one.warnings.map((w) => w.message)).toEqual([`${copy} has the same content as ${a} (same sha256): its rows are counted once, from ${a}`]);
    expect(one.files.map((f) => f.duplicateOf)).toEqual([undefined, undefined, undefined, a, undefined]);
  });
});
