/**
 * Partner binding through `oms-recon local` (inbox `<feed>/<partner>/<file>`, partners from
 * the config): a partner cannot vouch for another partner's facility or report another
 * channel's orders, and the CLI on the same files gives the same answer.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config-file.ts';
import { runLocalPipeline, type LocalRunResult } from '../../lib/pipeline/local.ts';
import type { Report } from '../../lib/report/model.ts';
import { run, type RunResult } from '../cli/helpers.ts';
import { cliReport, counts, discrepancyDetails, fileRows, identities, inboxFiles, rejections } from './harness.ts';

const root = mkdtempSync(join(tmpdir(), 'oms-recon-binding-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function put(inbox: string, name: string, text: string): void {
  const path = join(inbox, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

const SHOPIFY_HEADER =
  'Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,' +
  'Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,' +
  'Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Id';

/** The spoofing inbox: bigco counts DAL1 (7 units short), acme uploads a newer, matching DAL1 count; walmart's folder holds a Shopify export. */
function writeSpoofInbox(inbox: string): void {
  put(inbox, 'oms-inventory/oms.csv', 'sku,facility_id,on_hand,as_of\nSKU-1,DAL1,100,2026-11-26T05:00:00Z\nSKU-2,DAL1,5,2026-11-26T05:00:00Z\nSKU-1,PHX1,3,2026-11-26T05:00:00Z\n');
  put(inbox, 'warehouse-inventory/bigco/dal1.csv', 'sku,facility_id,on_hand,counted_at\nSKU-1,DAL1,93,2026-11-25T06:00:00Z\nSKU-2,DAL1,5,2026-11-25T06:00:00Z\n');
  put(inbox, 'warehouse-inventory/acme/phx1.csv', 'sku,facility_id,on_hand,counted_at\nSKU-1,PHX1,3,2026-11-25T06:00:00Z\n');
  put(inbox, 'warehouse-inventory/acme/zz-dal1-newer.csv', 'sku,facility_id,on_hand,counted_at\nSKU-1,DAL1,100,2026-11-26T06:00:00Z\nSKU-2,DAL1,5,2026-11-26T06:00:00Z\n');
  put(inbox, 'channel-orders/walmart/orders.csv', 'channel,channel_order_id,total,currency\nwalmart,W-1,10.00,USD\nWalmart,W-2,20.00,USD\n');
  put(inbox, 'channel-orders/walmart/orders_export_1.csv', [
    SHOPIFY_HEADER,
    '#1001,ana@example.com,paid,,fulfilled,,yes,USD,30.00,0.00,0.00,30.00,,0.00,Standard,2026-11-20 10:00:00 -0500,1,Tee,30.00,,TEE-1,5551001',
    '#1002,bo@example.com,paid,,fulfilled,,yes,USD,40.00,0.00,0.00,40.00,,0.00,Standard,2026-11-20 11:00:00 -0500,1,Cap,40.00,,CAP-1,5551002',
  ].join('\n') + '\n');
  put(inbox, 'oms-orders/oms.csv', 'channel,channel_order_id,total,currency\nwalmart,W-1,10.00,USD\nwalmart,W-2,20.00,USD\n');
}

const CONFIG = {
  partners: [
    { name: 'acme', facilities: ['PHX1'] },
    { name: 'bigco', facilities: ['DAL1'] },
    { name: 'walmart', channels: ['WALMART'] },
  ],
};

describe('partner binding through oms-recon local', () => {
  const inbox = join(root, 'spoof', 'inbox');
  const out = join(root, 'spoof', 'out');
  let local: RunResult;
  const bound: { reports: Partial<Record<'inventory' | 'intake', Report>>; failed: unknown[] } = { reports: {}, failed: [] };
  let unbound: LocalRunResult;
  const config = parseConfig(CONFIG, 'test config');
  const cli: Record<'inventory' | 'intake', Report> = {} as never;

  beforeAll(async () => {
    // Prepare
    writeSpoofInbox(inbox);
    const configFile = join(root, 'spoof', 'recon.json');
    writeFileSync(configFile, JSON.stringify(CONFIG));
    // Act: `oms-recon local` with the partners configured, and the same inbox without them
    local = await run(['local', '--inbox', inbox, '--out', out, '--config', configFile, '--shards', '3']);
    for (const b of ['inventory', 'intake'] as const) bound.reports[b] = JSON.parse(readFileSync(join(out, b, 'report.json'), 'utf8')) as Report;
    unbound = await runLocalPipeline({ inbox, out: join(root, 'spoof', 'out-unbound'), shards: 3 });
    const files = inboxFiles(inbox);
    cli.inventory = await cliReport(files, 'inventory', config);
    cli.intake = await cliReport(files, 'intake', config);
  }, 120_000);

  it('uploads a partner folder under inbound/<feed>/<partner>/', () => {
    expect(local.code, local.err).toBe(1); // discrepancies found
    expect(local.out).toMatch(/ingest {3}warehouse-inventory\/acme\/zz-dal1-newer\.csv: 2 rows read, 0 stored, 2 rejected/);
    const files = [...bound.reports.inventory!.files, ...bound.reports.intake!.files].map((f) => f.file.replace(/^s3:\/\/[^/]+\//, ''));
    expect(files.sort()).toEqual([
      'inbound/channel-orders/walmart/orders.csv',
      'inbound/channel-orders/walmart/orders_export_1.csv',
      'inbound/oms-inventory/oms.csv',
      'inbound/oms-orders/oms.csv',
      'inbound/warehouse-inventory/acme/phx1.csv',
      'inbound/warehouse-inventory/acme/zz-dal1-newer.csv',
      'inbound/warehouse-inventory/bigco/dal1.csv',
    ]);
  });

  it("rejects acme's newer count of bigco's DAL1, naming acme, and keeps the real 7-unit discrepancy", () => {
    // Assess
    const report = bound.reports.inventory!;
    expect(bound.failed).toEqual([]);
    expect(report.discrepancies.map((d) => [d.type, d.key.sku, d.key.facility_id, d.delta])).toEqual([['quantity_mismatch', 'SKU-1', 'DAL1', 7]]);
    expect(report.rejected.map((r) => `${r.file.replace(/^.*\/inbound\//, '')}:${r.line} ${r.reason}`)).toEqual([
      'warehouse-inventory/acme/zz-dal1-newer.csv:2 partner acme may not report facility "DAL1" (acme\'s facilities: PHX1)',
      'warehouse-inventory/acme/zz-dal1-newer.csv:3 partner acme may not report facility "DAL1" (acme\'s facilities: PHX1)',
    ]);
    // Nothing lost: the rejected rows are counted, and acme's own facility is used
    expect(report.summary.rows).toEqual({ read: 8, used: 6, rejected: 2 });
    expect(report.summary.matched).toBe(2);
  });

  it('is all clear for DAL1 without the binding (the spoof this guards against)', () => {
    const report = unbound.reports.inventory!;
    expect(report.discrepancies).toEqual([]);
    expect(report.rejected).toEqual([]);
  });

  it("rejects the Shopify orders in walmart's folder, row by row, and uses walmart's own", () => {
    const report = bound.reports.intake!;
    expect(report.rejected.map((r) => `${r.file.replace(/^.*\/inbound\//, '')}:${r.line} ${r.reason}`)).toEqual([
      'channel-orders/walmart/orders_export_1.csv:2 partner walmart may not report channel "shopify" (walmart\'s channels: WALMART)',
      'channel-orders/walmart/orders_export_1.csv:3 partner walmart may not report channel "shopify" (walmart\'s channels: WALMART)',
    ]);
    expect(report.summary).toMatchObject({ matched: 2, discrepancies: 0, rows: { read: 6, used: 4, rejected: 2 } });
    // Without the binding, the Shopify orders are compared (and missing in the OMS)
    expect(identities(unbound.reports.intake!)).toEqual([
      'missing_in_oms {channel=shopify channel_order_id=#1001}',
      'missing_in_oms {channel=shopify channel_order_id=#1002}',
    ]);
  });

  it('gives the same answer through oms-recon reconcile on the same files and config', () => {
    for (const b of ['inventory', 'intake'] as const) {
      const pipeline = bound.reports[b]!;
      expect(identities(cli[b]), b).toEqual(identities(pipeline));
      expect(discrepancyDetails(cli[b], inbox), b).toEqual(discrepancyDetails(pipeline, inbox));
      expect(rejections(cli[b]), b).toEqual(rejections(pipeline));
      expect(fileRows(cli[b]), b).toEqual(fileRows(pipeline));
      expect(counts(cli[b]), b).toEqual(counts(pipeline));
    }
  });
});

describe('unboundFiles: reject', () => {
  it('rejects every row of a file in no partner folder, in oms-recon local and the CLI alike; "*" allows any facility', async () => {
    // Prepare: a loose, newer count outside any partner folder would hide bigco's 1-unit difference
    const inbox = join(root, 'unbound', 'inbox');
    put(inbox, 'oms-inventory/oms/oms.csv', 'sku,facility_id,on_hand\nSKU-1,DAL1,10\nSKU-2,ATL1,4\n');
    put(inbox, 'warehouse-inventory/bigco/dal1.csv', 'sku,facility_id,on_hand,counted_at\nSKU-1,DAL1,9,2026-11-25T06:00:00Z\nSKU-2,ATL1,4,2026-11-25T06:00:00Z\n');
    put(inbox, 'warehouse-inventory/loose.csv', 'sku,facility_id,on_hand,counted_at\nSKU-1,DAL1,10,2026-11-26T06:00:00Z\n');
    const config = parseConfig({ partners: [{ name: 'bigco', facilities: ['DAL1', 'ATL1'] }, { name: 'oms', facilities: ['*'] }], unboundFiles: 'reject' }, 'test config');
    // Act
    const local = await runLocalPipeline({ inbox, out: join(root, 'unbound', 'out'), config, shards: 2 });
    const cli = await cliReport(inboxFiles(inbox), 'inventory', config);
    // Assess
    expect(local.failed).toEqual([]);
    const report = local.reports.inventory!;
    expect(identities(report)).toEqual(['quantity_mismatch {facility_id=DAL1 sku=SKU-1} offsetting=false']);
    expect(rejections(report)).toEqual([
      'warehouse-inventory/loose.csv:2 the file is in no partner\'s folder (<feed>/<partner>/…) and the config\'s unboundFiles is "reject"',
    ]);
    expect(report.summary.rows).toEqual({ read: 5, used: 4, rejected: 1 });
    expect(identities(cli)).toEqual(identities(report));
    expect(rejections(cli)).toEqual(rejections(report));
    expect(counts(cli)).toEqual(counts(report));
  }, 120_000);
});
