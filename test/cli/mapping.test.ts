/**
 * Mapping files as a user meets them on the command line: `--config` naming a mapping file,
 * what the summary and report.json say (the mapping used, skipped rows), and the same
 * mappings given to the pipeline in its deploy context.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config-file.ts';
import { Env } from '../../lib/pipeline/contracts.ts';
import { readSettings } from '../../lib/pipeline/env.ts';
import { recipe } from '../partners/mapping-support.ts';
import { errorLine, expectNoStackTrace, put, readReport, run, tempDir } from './helpers.ts';

describe('oms-recon reconcile with a mapping file', () => {
  it('eBay Sales History (blank line, $ amounts, footer lines): exit 0, the footer counted as skipped, the mapping named', async () => {
    // Prepare: the mapping file beside the config, named relative to it
    const dir = tempDir('map-ebay-');
    const mappings = {
      mappings: [{
        name: 'ebay-sales-history', feed: 'channel-orders', match: { headers: ['Sales Record Number', 'User Id'] },
        skip: { footer: '/record\\(s\\) downloaded|^Seller ID:/' },
        columns: { channel_order_id: 'Sales Record Number', total: { column: 'Total Price', currencySign: true }, placed_at: { column: 'Sale Date', format: '%b-%d-%y' } },
        constants: { channel: 'ebay', currency: 'USD' },
      }],
    };
    put(dir, 'conf/ebay-mappings.json', JSON.stringify(mappings));
    const config = put(dir, 'conf/recon.json', JSON.stringify({ mappingFile: 'ebay-mappings.json' }));
    const ebay = put(dir, 'SalesHistory.csv', '\nSales Record Number,User Id,Total Price,Sale Date\n101,ann,$19.50,Jan-18-16\n102,bo,"$1,204.00",Jan-19-16\n\n2, record(s) downloaded,from Jan-18-16,to Jan-19-16\nSeller ID: someseller\n');
    const oms = put(dir, 'oms.csv', 'channel,channel_order_id,total,currency\nebay,101,19.5,USD\nebay,102,1204,USD\n');
    // Act
    const r = await run(['reconcile', 'intake', '--channel', ebay, '--oms', oms, '--config', config, '--out', join(dir, 'out')]);
    // Assess
    expect(r.code, r.err).toBe(0);
    expectNoStackTrace(r);
    const report = readReport(join(dir, 'out'));
    expect(report.files[0]).toMatchObject({ preset: 'ebay-sales-history', read: 4, used: 2, rejected: 0, skipped: 2 });
    expect(report.summary).toMatchObject({ matched: 2, discrepancies: 0 });
    expect(report.summary.rows).toMatchObject({ read: 6, used: 4, rejected: 0, skipped: 2 });
  });

  it('an ERP recipe from docs/feeds.md: identical invoice lines give no discrepancy; one changed quantity gives one', async () => {
    // Prepare
    const dir = tempDir('map-erp-');
    const { mappings, sample } = recipe("An ERP's invoice lines");
    const config = put(dir, 'recon.json', JSON.stringify({ mappings }));
    const oms = put(dir, 'oms-transactions.csv', 'order_id,type,amount,currency\n536365,sale,35.64,GBP\n536379,return,27.50,GBP\n');
    const same = put(dir, 'invoice-lines.csv', sample!);
    const changed = put(dir, 'invoice-lines-changed.csv', sample!.replace(',6,12/1/10 8:26,3.39,', ',5,12/1/10 8:26,3.39,'));
    // Act
    const agree = await run(['reconcile', 'financial', '--oms', oms, '--erp', same, '--config', config, '--out', join(dir, 'a')]);
    const differ = await run(['reconcile', 'financial', '--oms', oms, '--erp', changed, '--config', config, '--out', join(dir, 'b')]);
    // Assess
    expect(agree.code, agree.err).toBe(0);
    expect(differ.code, differ.err).toBe(1);
    expect(readReport(join(dir, 'b')).discrepancies).toEqual([expect.objectContaining({ type: 'amount_mismatch', key: { order_id: '536365' } })]);
  });

  it('a mapping file that does not validate stops before any feed is read, naming the path of each problem', async () => {
    // Prepare
    const dir = tempDir('map-bad-');
    const config = put(dir, 'recon.json', JSON.stringify({
      mappings: [{ name: 'x', extends: 'shopify', constants: { channel: 'y' } }, { name: 'z', feed: 'channel-orders', match: { files: ['a**'] }, constants: { channel: 'z' } }],
    }));
    const oms = put(dir, 'oms.csv', 'channel,channel_order_id\nweb,1\n');
    // Act
    const r = await run(['reconcile', 'intake', '--channel', oms, '--oms', oms, '--config', config, '--out', join(dir, 'out')]);
    // Assess
    expect(r.code).toBe(2);
    expect(errorLine(r)).toMatch(/^oms-recon: .*recon\.json: invalid mapping file: mappings\[0\]\.extends: unknown preset "shopify" .*; mappings\[1\]\.match\.files\[0\]: .* \[E_CONFIG_INVALID\]$/);
  });
});

describe('the pipeline takes the same mapping format in its deploy context', () => {
  it('RECON_CONFIG with a recipe\'s mappings gives the mappings the CLI\'s config gives', () => {
    // Prepare
    const { mappings } = recipe('A second store of one platform');
    // Act
    const settings = readSettings({ [Env.TABLE_NAME]: 't', [Env.BUCKET_NAME]: 'b', [Env.RECON_CONFIG]: JSON.stringify({ mappings }) });
    // Assess
    expect(settings.config.mappings).toEqual(parseConfig({ mappings }).mappings);
    expect(settings.config.mappings[0]).toMatchObject({ name: 'shopify-eu', feed: 'channel-orders', extends: 'shopify-orders', match: { files: ['shopify-eu-*.csv'] } });
  });
});
