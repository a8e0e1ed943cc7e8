/**
 * amazon-fba-inventory: Amazon's "Manage FBA Inventory" report (tab-separated flat file) as a
 * warehouse-inventory feed — test/fixtures/partners/amazon-fba-inventory.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectPreset } from '../../lib/partners/presets.ts';
import { readReport, run, tempDir } from '../cli/helpers.ts';
import { collect, tableFrom } from './tables.ts';

const DIR = 'test/fixtures/partners/amazon-fba-inventory';
const REPORT = join(DIR, 'fba-manage-inventory.txt');
const OMS = join(DIR, 'oms-inventory.csv');
const reportText = readFileSync(REPORT, 'utf8');
const HEADER = reportText.split('\n')[0].split('\t');

async function apply(text: string, amazonFbaFacility?: string) {
  const table = await tableFrom(text, 'fba.txt');
  expect(table.delimiter).toBe('\t');
  const preset = detectPreset('warehouse-inventory', table.header);
  expect(preset?.name).toBe('amazon-fba-inventory');
  const out = preset!.apply(table, { amazonFbaFacility });
  return { header: out.header, rows: await collect(out) };
}

describe('amazon-fba-inventory: recognised from the header alone', () => {
  it.each([
    ['the report as documented', HEADER],
    ['a newer report with more afn- columns at the end', [...HEADER, 'afn-researching-quantity', 'afn-reserved-future-supply', 'afn-future-supply-buyable']],
    ['the report in upper case', HEADER.map((h) => h.toUpperCase())],
  ])('%s', (_, header) => {
    expect(detectPreset('warehouse-inventory', header)?.name).toBe('amazon-fba-inventory');
    // Amazon is the facility here: not offered as the OMS's stock.
    expect(detectPreset('oms-inventory', header)).toBeUndefined();
  });

  it('not the Amazon order report, nor canonical inventory', () => {
    expect(detectPreset('warehouse-inventory', ['amazon-order-id', 'purchase-date', 'sku', 'asin', 'quantity'])).toBeUndefined();
    expect(detectPreset('warehouse-inventory', ['sku', 'facility_id', 'on_hand'])).toBeUndefined();
  });
});

describe('amazon-fba-inventory: what each row becomes', () => {
  it('reads sku and afn-warehouse-quantity (not fulfillable, not total) at the facility amazon-fba', async () => {
    // Act
    const { header, rows } = await apply(reportText);
    // Assess
    expect(header).toEqual(['sku', 'facility_id', 'on_hand']);
    expect(rows.filter((r) => !r.skip).map((r) => r.values)).toEqual([
      ['TEE-BLK-M', 'amazon-fba', '35'], // fulfillable 20 + unsellable 5 + reserved 10; total 55 counts inbound
      ['MUG-12', 'amazon-fba', '14'],
      ['RULER-12', 'amazon-fba', '9'], // product-name `12" Ruler, steel`: an unquoted quote, a comma
      ['POSTER-A2', 'amazon-fba', '2'], // not listed for FBA any more, yet 2 units sit at Amazon
      ['CAP-1', 'amazon-fba', '0'], // all 3 units inbound: none on hand yet
    ]);
  });

  it('skips a merchant-fulfilled listing with no units at Amazon', async () => {
    // Act
    const { rows } = await apply(reportText);
    // Assess
    expect(rows.filter((r) => r.skip).map((r) => [r.line, r.skip])).toEqual([[5, 'merchant-fulfilled listing (afn-listing-exists "No") with no units at Amazon']]);
    expect(rows.map((r) => r.line)).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it('puts the stock at the configured facility', async () => {
    // Act
    const { rows } = await apply(reportText, 'FBA-US');
    // Assess
    expect(new Set(rows.filter((r) => !r.skip).map((r) => r.values[1]))).toEqual(new Set(['FBA-US']));
  });

  it('reads a report saved with CRLF line ends, and rejects a row of another width alone', async () => {
    // Prepare
    const lines = reportText.trim().split('\n');
    lines[2] = lines[2].split('\t').slice(0, 10).join('\t');
    // Act
    const { rows } = await apply(lines.join('\r\n') + '\r\n');
    // Assess
    expect(rows.filter((r) => r.reject).map((r) => [r.line, r.reject])).toEqual([[3, 'expected 18 fields, found 10']]);
    expect(rows.filter((r) => !r.reject && !r.skip).map((r) => r.values[0])).toEqual(['TEE-BLK-M', 'RULER-12', 'POSTER-A2', 'CAP-1']);
  });
});

describe('amazon-fba-inventory through the CLI', () => {
  it('on the fixture pair, reports only the planted discrepancies, and counts every row', async () => {
    // Prepare
    const out = join(tempDir('fba-'), 'out');
    // Act
    const r = await run(['reconcile', 'inventory', '--oms', OMS, '--warehouse', REPORT, '--out', out]);
    // Assess
    expect(r.code).toBe(1);
    const report = readReport(out);
    expect(report.discrepancies.map((d) => [d.type, d.key]).sort()).toEqual(
      [
        ['missing_in_oms', { sku: 'POSTER-A2', facility_id: 'amazon-fba' }],
        ['missing_in_warehouse', { sku: 'SOAP-1', facility_id: 'amazon-fba' }],
        ['quantity_mismatch', { sku: 'MUG-12', facility_id: 'amazon-fba' }],
      ].sort(),
    );
    expect(report.files.find((f) => f.file === REPORT)).toMatchObject({ preset: 'amazon-fba-inventory', format: 'csv', read: 6, used: 5, rejected: 0, skipped: 1 });
    for (const f of report.files) expect(f.read, f.file).toBe(f.used + f.rejected + (f.skipped ?? 0));
    expect(report.rejected).toEqual([]);
    expect(report.warnings).toEqual([]);
  });

  it('with `presets.amazonFbaFacility`, compares against the OMS facility of that name', async () => {
    // Prepare
    const dir = tempDir('fba-');
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ presets: { amazonFbaFacility: 'FBA-US' } }));
    const oms = join(dir, 'oms.csv');
    writeFileSync(oms, readFileSync(OMS, 'utf8').replaceAll('amazon-fba', 'FBA-US'));
    // Act
    const r = await run(['reconcile', 'inventory', '--oms', oms, '--warehouse', REPORT, '--config', config, '--out', join(dir, 'out')]);
    // Assess
    expect(r.code).toBe(1);
    expect(readReport(join(dir, 'out')).discrepancies.map((d) => d.key.facility_id)).toEqual(['FBA-US', 'FBA-US', 'FBA-US']);
  });

  it('refuses an empty facility in the config', async () => {
    // Prepare
    const dir = tempDir('fba-');
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ presets: { amazonFbaFacility: '' } }));
    // Act
    const r = await run(['reconcile', 'inventory', '--oms', OMS, '--warehouse', REPORT, '--config', config, '--out', join(dir, 'out')]);
    // Assess
    expect(r.code).toBe(2);
    expect(r.err).toContain('E_CONFIG_INVALID');
    expect(r.err).toContain('presets.amazonFbaFacility');
  });
});
