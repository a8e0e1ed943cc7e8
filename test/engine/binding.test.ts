import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config-file.ts';
import { bindingCheck, partnerOfPath, partnersByName } from '../../lib/engine/binding.ts';
import type { CanonRecord } from '../../lib/feeds/decode.ts';

const config = parseConfig({
  partners: [
    { name: 'acme', facilities: ['PHX1'] },
    { name: 'bigco', facilities: ['DAL1'] },
    { name: 'walmart', channels: ['Walmart'] },
    { name: 'oms-export', channels: ['*'], facilities: ['*'] },
  ],
});
const partners = partnersByName(config);
const row = (f: Record<string, string>): CanonRecord => ({ feed: 'warehouse-inventory', side: 'warehouse', f, file: 'x', line: 2, version: '0' });

describe('the partner of a file', () => {
  it.each([
    ['inbound/warehouse-inventory/acme/counts.csv', 'acme'],
    ['s3://bucket/inbound/warehouse-inventory/acme/2026/11/counts.csv', 'acme'],
    ['/home/ana/warehouse-inventory/inbox/warehouse-inventory/bigco/counts.csv', 'bigco'],
    ['C:\\exports\\warehouse-inventory\\bigco\\counts.csv', 'bigco'],
    // acme's own sub-folders cannot name another partner: the first partner folder decides
    ['inbound/warehouse-inventory/acme/warehouse-inventory/bigco/counts.csv', 'acme'],
    // no partner folder: a file straight in the feed folder, a folder that is no partner, another feed's folder
    ['inbound/warehouse-inventory/counts.csv', undefined],
    ['inbound/warehouse-inventory/nobody/counts.csv', undefined],
    ['inbound/oms-inventory/acme/counts.csv', undefined],
    // the partner name is a folder, never the file itself
    ['inbound/warehouse-inventory/acme', undefined],
  ])('%s → %s', (path, expected) => {
    expect(partnerOfPath(path, 'warehouse-inventory', partners)?.name).toBe(expected);
  });

  it('is no one when the config has no partners', () => {
    expect(partnerOfPath('inbound/warehouse-inventory/acme/counts.csv', 'warehouse-inventory', new Map())).toBeUndefined();
  });
});

describe('the row check', () => {
  it('allows only the partner’s facilities, exactly, and names the partner otherwise', () => {
    const check = bindingCheck(config, 'warehouse-inventory', 'inbound/warehouse-inventory/acme/c.csv')!;
    expect(check(row({ facility_id: 'PHX1' }))).toBeUndefined();
    expect(check(row({ facility_id: 'phx1' }))).toBe('partner acme may not report facility "phx1" (acme\'s facilities: PHX1)');
    expect(check(row({ facility_id: '__proto__' }))).toMatch(/^partner acme may not report facility "__proto__"/);
    expect(check(row({ facility_id: 'x'.repeat(5000) }))!.length).toBeLessThan(200);
  });

  it('compares channels case-insensitively, as the engine keys them (the decoder lower-cases them)', () => {
    const check = bindingCheck(config, 'channel-orders', 'inbound/channel-orders/walmart/o.csv')!;
    expect(check(row({ channel: 'walmart' }))).toBeUndefined();
    expect(check(row({ channel: 'shopify' }))).toBe('partner walmart may not report channel "shopify" (walmart\'s channels: Walmart)');
  });

  it('binds allocations and shipments by location, and a partner without a list may report none', () => {
    const check = bindingCheck(config, 'shipments', 'inbound/shipments/walmart/s.csv')!;
    expect(check(row({ location_id: 'DAL1' }))).toBe('partner walmart may not report location "DAL1" (walmart has no facilities in the config)');
    expect(bindingCheck(config, 'shipments', 'inbound/shipments/bigco/s.csv')!(row({ location_id: 'DAL1' }))).toBeUndefined();
  });

  it('needs no check for "*", for the transactions feeds, or for unbound files by default', () => {
    expect(bindingCheck(config, 'oms-inventory', 'inbound/oms-inventory/oms-export/o.csv')).toBeUndefined();
    expect(bindingCheck(config, 'erp-transactions', 'inbound/erp-transactions/acme/e.csv')).toBeUndefined();
    expect(bindingCheck(config, 'oms-inventory', 'inbound/oms-inventory/o.csv')).toBeUndefined();
    expect(bindingCheck(parseConfig({}), 'oms-inventory', 'inbound/oms-inventory/acme/o.csv')).toBeUndefined();
  });

  it('rejects every row of an unbound file with unboundFiles "reject"', () => {
    const check = bindingCheck({ ...config, unboundFiles: 'reject' }, 'erp-transactions', 'inbound/erp-transactions/e.csv')!;
    expect(check(row({ order_id: 'SO-1' }))).toMatch(/in no partner's folder .* unboundFiles is "reject"/);
  });
});

describe('partners in the config', () => {
  it.each([
    [{ partners: [{ name: 'Bad Name', facilities: ['X'] }] }, /invalid config at partners\[0\]\.name: must be 1-48 of a-z/],
    [{ partners: [{ name: 'a', facilities: ['X'] }, { name: 'a', channels: ['y'] }] }, /invalid config at partners\[1\]\.name: partner a is listed twice/],
    [{ partners: [{ name: 'a', feeds: ['shipments'] }] }, /invalid config at partners\[0\]/],
    [{ partners: [{ name: 'a', facilities: [''] }] }, /invalid config at partners\[0\]\.facilities\[0\]: must not be empty/],
    [{ unboundFiles: 'ignore' }, /invalid config at unboundFiles/],
  ])('refuses %j', (input, message) => {
    expect(() => parseConfig(input)).toThrow(message);
  });
});

describe('a raw row read as several rows (a column of quantities per location)', () => {
  it('rejects the parts at facilities the partner may not report, and uses the rest of the row', async () => {
    // Prepare: Shopify's legacy inventory export (one column per location) in partner acme's folder
    const { mkdtempSync, copyFileSync, mkdirSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { reconcileFiles } = await import('../../lib/engine/reconcile.ts');
    const dir = mkdtempSync(join(tmpdir(), 'oms-recon-binding-parts-'));
    try {
      const counts = join(dir, 'warehouse-inventory', 'acme', 'inventory_export_legacy.csv');
      mkdirSync(join(dir, 'warehouse-inventory', 'acme'), { recursive: true });
      copyFileSync('test/fixtures/partners/shopify-inventory/columns/inventory_export_legacy.csv', counts);
      const bound = parseConfig({ partners: [{ name: 'acme', facilities: ['Main Warehouse'] }] });
      const inputs = [
        { side: 'oms' as const, source: 'test/fixtures/partners/shopify-inventory/columns/oms-inventory.csv' },
        { side: 'warehouse' as const, source: counts },
      ];
      // Act
      const report = await reconcileFiles({ boundary: 'inventory', inputs, config: bound });
      const free = await reconcileFiles({ boundary: 'inventory', inputs, config: parseConfig({}) });
      // Assess: every "Unit 4, Harbour Road" part is rejected naming acme; Main Warehouse is compared
      const harbour = report.rejected.filter((r) => r.reason.includes('partner acme may not report facility "Unit 4, Harbour Road"'));
      expect(harbour.length).toBeGreaterThan(0);
      // …so no warehouse count of it arrived: a coverage gap, where without the binding it is compared
      const gap = (r: typeof report) => r.warnings.some((w) => w.code === 'coverage_gap' && w.message.includes('Unit 4, Harbour Road'));
      expect(gap(report)).toBe(true);
      expect(gap(free)).toBe(false);
      expect(report.discrepancies.filter((d) => d.key.facility_id === 'Unit 4, Harbour Road')).toEqual([]);
      expect(report.summary.matched).toBeGreaterThan(0);
      for (const f of report.files) expect(f.read, f.file).toBe(f.used + f.rejected + (f.skipped ?? 0));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
