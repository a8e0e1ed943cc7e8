/**
 * shipstation-shipments: ShipStation's order-items export read as a shipments feed — from the
 * fixture written after ShipStation's own field names (test/fixtures/partners/shipstation-shipments).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectPreset } from '../../lib/partners/presets.ts';
import { readReport, run, tempDir } from '../cli/helpers.ts';
import { tableFrom } from './tables.ts';

const DIR = 'test/fixtures/partners/shipstation-shipments';
const EXPORT = join(DIR, 'shipstation-order-items.csv');
const OMS = join(DIR, 'oms-allocations.csv');
const CONFIG = join(DIR, 'config.json');
const exportText = readFileSync(EXPORT, 'utf8');
const HEADER = exportText.split('\n')[0];

async function read(text: string, options: { shipstationLocation?: string } = {}) {
  const table = await tableFrom(text, 'shipstation.csv');
  const preset = detectPreset('shipments', table.header);
  expect(preset?.name).toBe('shipstation-shipments');
  const out = preset!.apply(table, options);
  return { header: out.header, rows: await collectAll(out) };
}

async function collectAll(table: Awaited<ReturnType<typeof tableFrom>>) {
  const out: Array<{ line: number; skip?: string; reject?: string; row: Record<string, string> }> = [];
  for await (const b of table.rows()) {
    for (const r of b) {
      const row: Record<string, string> = {};
      table.header.forEach((h, i) => (row[h] = r.values[i] ?? ''));
      out.push({ line: r.line, skip: r.skip, reject: r.reject, row });
    }
  }
  return out;
}

describe('shipstation-shipments: recognised from the header alone', () => {
  it('recognises the order-items export as shipments, and offers it for no other feed', () => {
    // Prepare
    const header = HEADER.split(',');
    // Act / Assess
    expect(detectPreset('shipments', header)?.name).toBe('shipstation-shipments');
    expect(detectPreset('oms-allocations', header)).toBeUndefined();
    expect(detectPreset('channel-orders', header)).toBeUndefined();
  });

  it('is not fooled by an order export without shipment columns, or by canonical shipments', () => {
    // Order - Number and items, but no ship date, tracking or status: could be orders awaiting shipment.
    expect(detectPreset('shipments', ['Order - Number', 'Date - Order Date', 'Item - SKU', 'Item - Qty', 'Item - Name'])).toBeUndefined();
    expect(detectPreset('shipments', ['order_id', 'line_id', 'location_id', 'quantity', 'tracking_number'])).toBeUndefined();
  });
});

describe('shipstation-shipments: what each row becomes', () => {
  it('reads a shipment per item row: order number as written (#), SKU as the line, tracking as the package', async () => {
    // Act
    const { header, rows } = await read(exportText);
    // Assess
    expect(header).toEqual(['order_id', 'line_id', 'location_id', 'quantity', 'sku', 'shipment_id', 'tracking_number', 'shipped_at', 'carrier']);
    expect(rows[0]).toEqual({
      line: 2, skip: undefined, reject: undefined,
      row: {
        order_id: '#1001', line_id: 'TEE-BLK-M', location_id: 'shipstation', quantity: '2', sku: 'TEE-BLK-M',
        shipment_id: '1Z9X9X0A0300000001', tracking_number: '1Z9X9X0A0300000001', shipped_at: '2026-11-21T00:00:00.000Z', carrier: 'UPS',
      },
    });
    // Two items of #1001 in one package; #1003 in two packages (two shipment IDs, one line).
    const used = rows.filter((r) => r.skip === undefined);
    expect(used.map((r) => [r.row.order_id, r.row.line_id, r.row.quantity, r.row.shipment_id])).toEqual([
      ['#1001', 'TEE-BLK-M', '2', '1Z9X9X0A0300000001'],
      ['#1001', 'MUG-12', '1', '1Z9X9X0A0300000001'],
      ['#1002', 'CAP-1', '1', '9400000000000000000002'],
      ['#1003', 'SOCK-3', '3', '700000000003'],
      ['#1003', 'SOCK-3', '1', '700000000004'],
      ['#1006', 'TEE-WHT-S', '2', '1Z9X9X0A0300000006'],
      ['#1007', 'HAT-9', '1', '9400000000000000000007'],
      ['#1009', 'PIN-1', '5', ''],
    ]);
  });

  it('skips orders that did not ship, naming their status, and accounts for every raw row once', async () => {
    // Act
    const { rows } = await read(exportText);
    // Assess
    const rawRows = exportText.trim().split('\n').length - 1;
    expect(rows).toHaveLength(rawRows);
    expect(rows.filter((r) => r.skip !== undefined).map((r) => [r.line, r.skip])).toEqual([
      [7, 'order status "Awaiting Shipment": not shipped'],
      [8, 'order status "Cancelled": not shipped'],
    ]);
  });

  it('puts every shipment at the configured location (default `shipstation`)', async () => {
    // Act
    const { rows } = await read(exportText, { shipstationLocation: 'DAL1' });
    // Assess
    expect(new Set(rows.filter((r) => !r.skip).map((r) => r.row.location_id))).toEqual(new Set(['DAL1']));
  });

  it('reads ship dates with a time of day, and passes a date in no ShipStation format as written', async () => {
    // Prepare
    const text = [
      'Order - Number,Date - Ship Date,Shipment - Tracking Number,Item - SKU,Item - Qty',
      '1001,11/21/2026 3:04 PM,T1,A,1',
      '1002,2026-11-21T10:00:00Z,T2,B,1',
      '1003,21.11.2026,T3,C,1',
    ].join('\n');
    // Act
    const { rows } = await read(text);
    // Assess: the third is the decoder's to judge (shipped_at is optional and not compared).
    expect(rows.map((r) => r.row.shipped_at)).toEqual(['2026-11-21T15:04:00.000Z', '2026-11-21T10:00:00Z', '21.11.2026']);
  });

  it('without a status column, skips a row with neither a ship date nor a tracking number', async () => {
    // Prepare
    const text = [
      'Order - Number,Date - Ship Date,Shipment - Tracking Number,Item - SKU,Item - Qty',
      '1001,11/21/2026,,A,1',
      '1002,,,B,1',
      '1003,,T3,C,1',
    ].join('\n');
    // Act
    const { rows } = await read(text);
    // Assess
    expect(rows.map((r) => [r.line, r.skip ?? r.row.order_id])).toEqual([
      [2, '1001'],
      [3, 'no ship date and no tracking number: not shipped'],
      [4, '1003'],
    ]);
  });

  it('reads the other names ShipStation gives these fields (Carrier - Name, Item - Quantity, Shipment - Ship Date)', async () => {
    // Prepare
    const text = ['Order - Number,Shipment - Ship Date,Carrier - Name,Item - SKU,Item - Quantity', '#2001,1/5/2027,USPS,A-1,3'].join('\n');
    // Act
    const { header, rows } = await read(text);
    // Assess
    expect(header).toEqual(['order_id', 'line_id', 'location_id', 'quantity', 'sku', 'shipped_at', 'carrier']);
    expect(rows[0].row).toEqual({ order_id: '#2001', line_id: 'A-1', location_id: 'shipstation', quantity: '3', sku: 'A-1', shipped_at: '2027-01-05T00:00:00.000Z', carrier: 'USPS' });
  });

  it('rejects a row of another width alone, at its line', async () => {
    // Prepare
    const lines = exportText.trim().split('\n');
    lines[2] = `${lines[2]},extra`;
    // Act
    const { rows } = await read(lines.join('\n'));
    // Assess
    expect(rows.filter((r) => r.reject).map((r) => [r.line, r.reject])).toEqual([[3, 'expected 13 fields, found 14']]);
    expect(rows).toHaveLength(lines.length - 1);
  });
});

describe('shipstation-shipments through the CLI', () => {
  it('on the fixture pair, reports only the planted discrepancies, and counts every row', async () => {
    // Prepare
    const out = join(tempDir('shipstation-'), 'out');
    // Act
    const r = await run(['reconcile', 'fulfillment', '--oms', OMS, '--warehouse', EXPORT, '--config', CONFIG, '--out', out]);
    // Assess
    expect(r.code).toBe(1);
    const report = readReport(out);
    expect(report.discrepancies.map((d) => [d.type, d.key])).toEqual(
      expect.arrayContaining([
        ['quantity_mismatch', { order_id: '#1006', line_id: 'TEE-WHT-S', location_id: 'DAL1' }],
        ['shipped_not_allocated', { order_id: '#1007', line_id: 'HAT-9' }],
        ['not_shipped', { order_id: '#1008', line_id: 'CAP-1' }],
      ]),
    );
    expect(report.discrepancies).toHaveLength(3);
    // #1003 shipped 3 + 1 in two packages against 4 allocated: one fulfilment, a match.
    expect(report.discrepancies.some((d) => d.key.order_id === '#1003')).toBe(false);
    const file = report.files.find((f) => f.file === EXPORT)!;
    expect(file).toMatchObject({ preset: 'shipstation-shipments', read: 10, used: 8, rejected: 0, skipped: 2 });
    for (const f of report.files) expect(f.read, f.file).toBe(f.used + f.rejected + (f.skipped ?? 0));
    expect(report.rejected).toEqual([]);
    expect(report.warnings).toEqual([]);
  });

  it('without the location in the config, every shipment is at `shipstation`: reassigned from the OMS location', async () => {
    // Prepare
    const out = join(tempDir('shipstation-'), 'out');
    // Act
    await run(['reconcile', 'fulfillment', '--oms', OMS, '--warehouse', EXPORT, '--out', out]);
    // Assess: the OMS allocates to DAL1 — the config is how the two are told they are one place.
    const report = readReport(out);
    expect(report.discrepancies.filter((d) => d.type === 'reassigned').map((d) => d.key.order_id).sort()).toEqual(['#1001', '#1001', '#1002', '#1003', '#1009']);
  });

  it('refuses a blank or padded location in the config', async () => {
    // Prepare
    const dir = tempDir('shipstation-');
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ presets: { shipstationLocation: ' DAL1' } }));
    // Act
    const r = await run(['reconcile', 'fulfillment', '--oms', OMS, '--warehouse', EXPORT, '--config', config, '--out', join(dir, 'out')]);
    // Assess
    expect(r.code).toBe(2);
    expect(r.err).toContain('presets.shipstationLocation');
    expect(r.err).toContain('E_CONFIG_INVALID');
  });

  it('stops on an export where nothing shipped, saying the rows were skipped and why', async () => {
    // Prepare
    const dir = tempDir('shipstation-');
    const exportFile = join(dir, 'shipstation.csv');
    writeFileSync(exportFile, 'Order - Number,Order - Status,Date - Ship Date,Shipment - Tracking Number,Item - SKU,Item - Qty\n#1,Awaiting Shipment,,,A,1\n#2,On Hold,,,B,1\n');
    // Act
    const r = await run(['reconcile', 'fulfillment', '--oms', OMS, '--warehouse', exportFile, '--out', join(dir, 'out')]);
    // Assess
    expect(r.code).toBe(2);
    expect(r.err).toBe(`oms-recon: ${exportFile}:2: no data rows: all 2 rows were skipped (line 2: order status "Awaiting Shipment": not shipped) [E_NO_ROWS]`);
  });
});
