/**
 * report.html as bytes: the data block is the report's data and cannot be broken out of,
 * the page fetches nothing and runs only its own script, and the view model carries every
 * section (a new discrepancy type and an unknown report section included). What the page
 * does in a browser: html.browser.test.ts.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { htmlData as viewModel, renderHtml, scriptSafeJson, sectionTitle } from '../../lib/report/html.ts';
import { buildSummary, compareWithPrevious } from '../../lib/report/merge.ts';
import type { Discrepancy, Report } from '../../lib/report/model.ts';
import { formatInt } from '../../lib/report/text.ts';
import { financialDiscrepancy, inventoryDiscrepancy, makeFinancialReport, makeReport } from './fixtures.ts';

/** The JSON of `<script type="application/json" id="report-data">`, parsed. */
function pageData(html: string): { head: Record<string, any>; rows: any[] } {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  expect(m, 'data block').not.toBeNull();
  return JSON.parse(m![1]);
}

function scripts(html: string): string[] {
  return [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
}

/** The view model, loosely typed for assertions. */
const htmlData = (report: Report) => viewModel(report) as { head: Record<string, any>; rows: any[] };

const HOSTILE = '</script><script>window.__xss=1</script><!-- <img src=x onerror=alert(1)> \u2028\u2029 & "q" \'s\'';

describe('scriptSafeJson', () => {
  it('escapes what could end or alter a script block, and parses back to the same value', () => {
    // Prepare
    const value = { sku: HOSTILE, nested: ['<!--', '-->', '</SCRIPT >'] };
    // Act
    const text = scriptSafeJson(JSON.stringify(value));
    // Assess
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe('renderHtml', () => {
  it('puts partner text only inside the escaped data block: one </script> per script, no markup from values', () => {
    // Prepare
    const d = inventoryDiscrepancy({ key: { sku: HOSTILE, facility_id: '<b>DAL1</b>' }, sources: [{ side: 'oms', file: '<img src=x>.csv', line: 2 }] });
    const report = makeReport({ discrepancies: [d], rejected: [{ file: '<svg onload=alert(1)>', line: 3, reason: HOSTILE }], warnings: [{ code: 'x', message: HOSTILE }] });
    // Act
    const html = renderHtml(report);
    // Assess
    expect(html.match(/<\/script>/g)).toHaveLength(2); // the data block's and the script's own
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<svg onload');
    expect(html).not.toContain('<b>DAL1');
    expect(html).not.toContain('__xss=1</script>');
    const data = pageData(html);
    expect(data.rows[0][1]).toEqual([HOSTILE, '<b>DAL1</b>']);
    expect(data.head.rejected.rows[0]).toEqual(['<svg onload=alert(1)>', 3, HOSTILE]);
  });

  it('fetches nothing and runs only its own script and style (CSP by hash), with no HTML sink in the script', () => {
    // Act
    const html = renderHtml(makeReport());
    // Assess
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
    expect(csp).toContain("default-src 'none'");
    const [script] = scripts(html);
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1];
    const hash = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;
    expect(csp).toContain(`script-src ${hash(script)};`);
    expect(csp).toContain(`style-src ${hash(style)};`);
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
    // No address a browser would load: no src/href attributes, no url(), no @import.
    expect(html).not.toMatch(/\s(src|href)=["']?[a-z]+:/i);
    expect(html).not.toMatch(/url\(|@import/i);
  });

  it('formats counts in the page with text.ts formatInt itself', () => {
    // Act
    const [script] = scripts(renderHtml(makeReport()));
    // Assess: the embedded function is text.ts's, and behaves the same
    expect(script).toContain(formatInt.toString());
    const m = /var formatInt = \(([\s\S]*?)\);\nvar data/.exec(script);
    const embedded = new Function(`return (${m![1]});`)() as (n: number) => string;
    for (const n of [0, 7, 1234, 100_000, -1234567]) expect(embedded(n)).toBe(formatInt(n));
  });
});

describe('htmlData', () => {
  it('carries the summary figures, the types in SPEC order and money and units at risk per type, exactly', () => {
    // Prepare
    const ds: Discrepancy[] = [
      financialDiscrepancy({ key: { order_id: 'A' }, impact: { money: { amount: '33.10', currency: 'USD' } } }),
      financialDiscrepancy({ key: { order_id: 'B' }, impact: { money: { amount: '0.20', currency: 'USD' } } }),
      financialDiscrepancy({ type: 'amount_mismatch', key: { order_id: 'C' }, impact: { money: { amount: '-5.05', currency: 'EUR' } } }),
    ];
    // Act
    const { head } = htmlData(makeFinancialReport(ds));
    // Assess
    expect(head.types).toEqual(['not_booked', 'amount_mismatch']);
    expect(head.risk).toEqual([
      { type: 'not_booked', count: 2, money: { USD: '33.30' }, units: 0 },
      { type: 'amount_mismatch', count: 1, money: { EUR: '5.05' }, units: 0 },
    ]);
    expect(head.figures).toContainEqual(['Money at risk', 'EUR 5.05, USD 33.30']);
    expect(head.headline).toBe('3 discrepancies.');
  });

  it('shows a type and a field it does not know, and any other report section as a table', () => {
    // Prepare: a type added later, with a field of its own, and a section added later
    const d = { ...inventoryDiscrepancy(), type: 'late_count', counted_late_by: '3 days' } as unknown as Discrepancy;
    const report = {
      ...makeReport({ discrepancies: [inventoryDiscrepancy(), d] }),
      partnerNotes: [{ feed: 'oms-inventory', partner: 'acme', lastFile: 'a.csv', rows: 10 }, { feed: 'warehouse-inventory', partner: 'dal', rows: 0, warning: 'feed_empty' }],
    } as unknown as Report;
    // Act
    const { head, rows } = htmlData(report);
    // Assess
    expect(head.types).toEqual(['quantity_mismatch', 'late_count']);
    expect(rows[1][0]).toBe(1);
    expect(rows[1][9]).toEqual([['offsetting', 'false'], ['counted_late_by', '3 days']]);
    expect(head.extra).toEqual([{
      name: 'partnerNotes', title: 'Partner notes',
      table: {
        columns: [{ label: 'feed' }, { label: 'partner' }, { label: 'lastFile' }, { label: 'rows', num: true }, { label: 'warning' }],
        rows: [['oms-inventory', 'acme', 'a.csv', 10, null], ['warehouse-inventory', 'dal', null, 0, 'feed_empty']],
      },
    }]);
    expect(sectionTitle('feed_health')).toBe('Feed health');
  });

  it('shows feed health as one row per feed and partner prefix, with its warnings', () => {
    // Prepare
    const report: Report = {
      ...makeReport({ discrepancies: [inventoryDiscrepancy()] }),
      feedHealth: {
        asOf: '2026-11-27T06:00:00.000Z',
        feeds: [
          { feed: 'oms-inventory', side: 'oms', rows: 10, files: 1, arrived: true, lastFile: 'a.csv', lastFileAt: '2026-11-27T05:00:00.000Z', flags: [] },
          { feed: 'warehouse-inventory', side: 'warehouse', partner: 'dal', rows: 0, files: 1, arrived: true, lastFile: 'b.csv', lastFileAt: '2026-11-27T05:00:00.000Z', previousRows: 40, flags: ['feed_empty', 'feed_shrunk'] },
        ],
        warnings: [
          { code: 'feed_empty', feed: 'warehouse-inventory', partner: 'dal', file: 'b.csv', message: 'b.csv holds no data rows', new: true },
          { code: 'feed_shrunk', feed: 'warehouse-inventory', partner: 'dal', file: 'b.csv', message: 'down 100%', new: true },
        ],
      },
    };
    // Act
    const { head } = htmlData(report);
    // Assess
    expect(head.extra).toEqual([{
      name: 'feedHealth', title: 'Feed health',
      table: {
        columns: [{ label: 'feed' }, { label: 'partner' }, { label: 'lastFileAt' }, { label: 'lastFile' }, { label: 'rows', num: true }, { label: 'previousRows', num: true }, { label: 'newThisRun' }, { label: 'warnings' }],
        rows: [
          ['oms-inventory', null, '2026-11-27T05:00:00.000Z', 'a.csv', 10, null, true, null],
          ['warehouse-inventory', 'dal', '2026-11-27T05:00:00.000Z', 'b.csv', 0, 40, true, 'feed_empty: b.csv holds no data rows; feed_shrunk: down 100%'],
        ],
      },
    }]);
  });

  it('carries new / ongoing / resolved of a pipeline run', () => {
    // Prepare
    const before = [inventoryDiscrepancy({ key: { sku: 'OLD', facility_id: 'DAL1' } }), inventoryDiscrepancy({ key: { sku: 'KEEP', facility_id: 'DAL1' } })];
    const cmp = compareWithPrevious(
      compareWithPrevious(before, [], '2026-11-20T10:00:00.000Z').discrepancies.filter((d) => d.key.sku === 'KEEP').concat(inventoryDiscrepancy({ key: { sku: 'NEW', facility_id: 'DAL1' } })),
      before.map((d) => ({ type: d.type, key: d.key, firstSeen: '2026-11-20T10:00:00.000Z' })),
      '2026-11-26T10:00:00.000Z',
    );
    const report = makeReport({ discrepancies: cmp.discrepancies, resolved: cmp.resolved });
    // Act
    const { head, rows } = htmlData(report);
    // Assess
    expect(head.status).toEqual({ new: 1, ongoing: 1, resolved: 1, oldest: '2026-11-20T10:00:00.000Z' });
    expect(head.headline).toBe('2 discrepancies — 1 new, 1 ongoing (oldest open since 2026-11-20T10:00:00.000Z, 6 days).');
    expect(head.resolved.rows).toEqual([['quantity_mismatch', 'OLD', 'DAL1', '2026-11-20T10:00:00.000Z']]);
    expect(rows.map((r) => r[7])).toEqual([2, 1]);
  });

  it('embeds every row of a large report, with each side\u2019s values and file:line, in a page of sane size', () => {
    // Prepare (100k rows: html.browser.test.ts)
    const ds = Array.from({ length: 20_000 }, (_, i) => inventoryDiscrepancy({ key: { sku: `SKU-${i}`, facility_id: `F${i % 7}` }, delta: -(i % 5) }));
    const report = makeReport({ discrepancies: ds, summary: buildSummary({ left: 1, right: 1, keys: 1, matched: 0, outOfScope: 0, discrepancies: ds, rows: { read: 1, used: 1, rejected: 0 } }) });
    // Act
    const html = renderHtml(report);
    const json = JSON.stringify(report, null, 2);
    // Assess
    const data = pageData(html);
    expect(data.rows).toHaveLength(20_000);
    expect(data.head.table.sideFields).toEqual([['on_hand', 'as_of'], ['on_hand', 'counted_at']]);
    expect(data.rows[19_999][1]).toEqual(['SKU-19999', 'F0']);
    expect(data.rows[19_999][2]).toEqual([12, '2026-11-26T06:00:00.000Z']);
    expect(data.head.table.files[data.rows[19_999][10][4]]).toBe('dal1-count.csv');
    expect(data.rows[19_999][10][5]).toBe(7);
    // Measured: about a third of report.json.
    expect(html.length).toBeLessThan(json.length / 2);
  });
});
