/**
 * The stock and shipment presets through `oms-recon local`: a ShipStation export, a Shopify
 * inventory export in each layout and an Amazon FBA report, dropped in the inbox next to their
 * OMS files, must give the pipeline the answer the CLI gives on the same files — the same
 * discrepancies, the same rows counted (skipped ones included), the same rejections.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config-file.ts';
import type { BoundaryName } from '../../lib/feeds/catalog.ts';
import { runLocalPipeline, type LocalRunResult } from '../../lib/pipeline/local.ts';
import type { Report } from '../../lib/report/model.ts';
import { cliReport, feedPath, identities, inboxFiles, rejections, warningTexts } from './harness.ts';

const FIXTURES = 'test/fixtures/partners';
const root = mkdtempSync(join(tmpdir(), 'oms-recon-presets-stock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** inbox/<feed>/<name> ← fixture */
const DROPS: Array<[feed: string, name: string, fixture: string]> = [
  ['shipments', 'shipstation-order-items.csv', 'shipstation-shipments/shipstation-order-items.csv'],
  ['oms-allocations', 'allocations.csv', 'shipstation-shipments/oms-allocations.csv'],
  ['warehouse-inventory', 'inventory_export_1.csv', 'shopify-inventory/rows/inventory_export_1.csv'],
  ['warehouse-inventory', 'fba-manage-inventory.txt', 'amazon-fba-inventory/fba-manage-inventory.txt'],
  ['oms-inventory', 'oms-shopify-locations.csv', 'shopify-inventory/rows/oms-inventory.csv'],
  ['oms-inventory', 'oms-amazon.csv', 'amazon-fba-inventory/oms-inventory.csv'],
];

/** Per file: `<feed>/<name> preset read used rejected skipped`, sorted. */
function fileCounts(report: Report): string[] {
  return report.files.map((f) => `${feedPath(f.file)} ${f.preset ?? '-'} read=${f.read} used=${f.used} rejected=${f.rejected} skipped=${f.skipped ?? 0}`).sort();
}

describe.each([
  ['a row per variant and location', 'shopify-inventory/rows/inventory_export_1.csv', 'shopify-inventory/rows/oms-inventory.csv'],
  ['a column per location', 'shopify-inventory/columns/inventory_export_legacy.csv', 'shopify-inventory/columns/oms-inventory.csv'],
])('stock and shipment presets through oms-recon local (Shopify inventory: %s)', (_, shopifyExport, shopifyOms) => {
  const dir = join(root, shopifyExport.includes('columns') ? 'columns' : 'rows');
  const store = shopifyExport.includes('columns') ? 'Unit 4, Harbour Road' : 'Downtown Store';
  const inbox = join(dir, 'inbox');
  const out = join(dir, 'out');
  const config = parseConfig(JSON.parse(readFileSync(join(FIXTURES, 'shipstation-shipments/config.json'), 'utf8')));
  let result: LocalRunResult;
  const reports = {} as Record<BoundaryName, Report>;
  const cli = {} as Record<BoundaryName, Report>;

  beforeAll(async () => {
    // Prepare
    for (const [feed, name, fixture] of DROPS) {
      mkdirSync(join(inbox, feed), { recursive: true });
      const from = fixture.startsWith('shopify-inventory/rows/inventory') ? shopifyExport : fixture.startsWith('shopify-inventory/rows/oms') ? shopifyOms : fixture;
      copyFileSync(join(FIXTURES, from), join(inbox, feed, name));
    }
    // Act
    result = await runLocalPipeline({ inbox, out, config, shards: 2 });
    for (const b of ['fulfillment', 'inventory'] as const) {
      reports[b] = JSON.parse(readFileSync(join(out, b, 'report.json'), 'utf8')) as Report;
      cli[b] = await cliReport(inboxFiles(inbox), b, config);
    }
  }, 120_000);

  it('ingests every file with its preset', () => {
    expect(result.failed).toEqual([]);
    expect(result.ingested.map((o) => o.status)).toEqual(DROPS.map(() => 'ingested'));
  });

  it.each(['fulfillment', 'inventory'] as const)('%s: the discrepancies the CLI reports, and only the planted ones', (b) => {
    expect(identities(reports[b])).toEqual(identities(cli[b]));
    const planted =
      b === 'fulfillment'
        ? ['not_shipped {line_id=CAP-1 order_id=#1008}', 'quantity_mismatch {line_id=TEE-WHT-S location_id=DAL1 order_id=#1006}', 'shipped_not_allocated {line_id=HAT-9 order_id=#1007}']
        : [
            `missing_in_oms {facility_id=${store} sku=MUG-12} offsetting=false`,
            'missing_in_oms {facility_id=amazon-fba sku=POSTER-A2} offsetting=false',
            `missing_in_warehouse {facility_id=${store} sku=CAP-1} offsetting=false`,
            'missing_in_warehouse {facility_id=amazon-fba sku=SOAP-1} offsetting=false',
            `quantity_mismatch {facility_id=${shopifyExport.includes('columns') ? store : 'Main Warehouse'} sku=TEE-BLK-M} offsetting=false`,
            'quantity_mismatch {facility_id=amazon-fba sku=MUG-12} offsetting=false',
          ];
    expect(identities(reports[b])).toEqual([...planted].sort());
  });

  it.each(['fulfillment', 'inventory'] as const)('%s: every row counted as the CLI counts it, skipped rows included', (b) => {
    expect(fileCounts(reports[b])).toEqual(fileCounts(cli[b]));
    for (const f of reports[b].files) expect(f.read, f.file).toBe(f.used + f.rejected + (f.skipped ?? 0));
    expect(reports[b].summary.rows).toEqual(cli[b].summary.rows);
    expect(rejections(reports[b])).toEqual(rejections(cli[b]));
  });

  it.each(['fulfillment', 'inventory'] as const)('%s: the warnings the CLI gives (a column per location: Available read as on hand)', (b) => {
    expect(warningTexts(reports[b], inbox)).toEqual(warningTexts(cli[b], inbox));
    const presetWarnings = reports[b].warnings.filter((w) => w.code === 'preset').length;
    expect(presetWarnings).toBe(b === 'inventory' && shopifyExport.includes('columns') ? 1 : 0);
  });
});
