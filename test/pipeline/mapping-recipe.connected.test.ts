/**
 * A whole recipe of docs/feeds.md — "A second store of one platform", its mapping file as the
 * page writes it — through `oms-recon reconcile` and through `oms-recon local` (the pipeline on
 * its stand-ins): the same discrepancies, warnings, rejections and row counts, and the same
 * mapping named for each file. `match.files` sees the path on the CLI and the S3 key in the
 * pipeline; both pick the second store's files by name.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../lib/report/model.ts';
import { readReport, run, tempDir, type RunResult } from '../cli/helpers.ts';
import { recipe } from '../partners/mapping-support.ts';
import { counts, discrepancyDetails, feedPath, fileRows, identities, inboxFiles, rejections, warningTexts } from './harness.ts';

const HEADER = 'Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Currency,Subtotal,Shipping,Taxes,Total,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku';

/** A Shopify orders export: one row per line item, the order's fields on its first row only. */
function shopifyExport(currency: string, orders: Array<[string, string, string]>): string {
  const lines = [HEADER];
  for (const [name, total, created] of orders) {
    lines.push(`${name},buyer@example.com,paid,${created},fulfilled,,${currency},${total},0.00,0.00,${total},${created},1,"Tee, classic",${total},TEE-1`);
    lines.push(`${name},buyer@example.com,,,,,,,,,,,2,Mug,0.00,MUG-1`);
  }
  return lines.join('\n') + '\n';
}

describe('the two-Shopify-stores recipe through the CLI and through oms-recon local', () => {
  const dir = tempDir('recipe-');
  const inbox = join(dir, 'inbox');
  let cli: { r: RunResult; report: Report };
  let local: { r: RunResult; report: Report };

  beforeAll(async () => {
    // Prepare: both stores number from #1001; the OMS knows the EU store as `shopify-eu`.
    // Planted: #1002 of the EU store has another total in the OMS; #1003 of the US store never reached the OMS.
    mkdirSync(join(inbox, 'channel-orders'), { recursive: true });
    mkdirSync(join(inbox, 'oms-orders'), { recursive: true });
    const us = join(inbox, 'channel-orders', 'shopify-us-orders.csv');
    const eu = join(inbox, 'channel-orders', 'shopify-eu-orders.csv');
    const oms = join(inbox, 'oms-orders', 'oms-orders.csv');
    writeFileSync(us, shopifyExport('USD', [['#1001', '10.00', '2026-11-20 10:00:00 -0500'], ['#1002', '20.00', '2026-11-20 11:00:00 -0500'], ['#1003', '30.00', '2026-11-20 12:00:00 -0500']]));
    writeFileSync(eu, shopifyExport('EUR', [['#1001', '15.00', '2026-11-20 10:00:00 +0100'], ['#1002', '25.00', '2026-11-20 11:00:00 +0100']]));
    writeFileSync(oms, [
      'channel,channel_order_id,oms_order_id,created_at,total,currency',
      'shopify,#1001,O-1,2026-11-20T15:00:05Z,10,USD',
      'shopify,#1002,O-2,20/11/2026 16:00,20.00,USD', // a date the OMS wrote its own way: not compared, kept
      'shopify-eu,#1001,O-3,2026-11-20T09:00:05Z,15,EUR',
      'shopify-eu,#1002,O-4,2026-11-20T10:00:05Z,25.50,EUR',
    ].join('\n') + '\n');
    // The recipe's mappings, inline in the config: the form the pipeline's deploy context takes.
    const config = join(dir, 'recon.json');
    writeFileSync(config, JSON.stringify({ mappings: recipe('A second store of one platform').mappings }));
    // Act
    const cliOut = join(dir, 'cli-out');
    const r1 = await run(['reconcile', 'intake', '--channel', us, '--channel', eu, '--oms', oms, '--config', config, '--out', cliOut]);
    cli = { r: r1, report: readReport(cliOut) };
    const localOut = join(dir, 'local-out');
    const r2 = await run(['local', '--inbox', inbox, '--out', localOut, '--config', config, '--shards', '2']);
    local = { r: r2, report: readReport(join(localOut, 'intake')) };
  }, 120_000);

  it('both find exactly the planted discrepancies (exit 1), nothing from the shared order numbers', () => {
    expect([cli.r.code, local.r.code], cli.r.err + local.r.err).toEqual([1, 1]);
    expect(identities(cli.report)).toEqual([
      'field_mismatch {channel=shopify-eu channel_order_id=#1002}',
      'missing_in_oms {channel=shopify channel_order_id=#1003}',
    ]);
    expect(identities(local.report)).toEqual(identities(cli.report));
    expect(discrepancyDetails(local.report, inbox)).toEqual(discrepancyDetails(cli.report, inbox));
    expect(counts(local.report)).toEqual(counts(cli.report));
  });

  it('both name the same mapping or preset for each file, and count every row alike', () => {
    const presets = (report: Report) => report.files.map((f) => `${feedPath(f.file)} ${f.preset ?? '-'}`).sort();
    expect(presets(cli.report)).toEqual([
      'channel-orders/shopify-eu-orders.csv shopify-eu',
      'channel-orders/shopify-us-orders.csv shopify-orders',
      'oms-orders/oms-orders.csv -',
    ]);
    expect(presets(local.report)).toEqual(presets(cli.report));
    expect(fileRows(local.report)).toEqual(fileRows(cli.report));
    expect(fileRows(cli.report)).toContain('channel-orders/shopify-us-orders.csv read=6 used=6 rejected=0');
    expect(rejections(local.report)).toEqual(rejections(cli.report));
  });

  it('both keep the OMS row whose date does not parse, with the same unparsed_values warning', () => {
    expect(cli.report.rejected).toEqual([]);
    expect(warningTexts(local.report, inbox)).toEqual(warningTexts(cli.report, inbox));
    const warning = (report: Report) => report.warnings.find((w) => w.code === 'unparsed_values') as Record<string, unknown> | undefined;
    expect(warning(cli.report)).toMatchObject({ column: 'created_at', count: 1, line: 3, example: '20/11/2026 16:00' });
    expect({ ...warning(local.report), file: undefined, message: undefined }).toEqual({ ...warning(cli.report), file: undefined, message: undefined });
    expect(inboxFiles(inbox)).toHaveLength(3);
  });
});
