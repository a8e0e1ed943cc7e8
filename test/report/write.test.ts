import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BOM, csvCell, escapeMarkdownCell, jsonChunks, renderDiscrepanciesCsv, renderJson, renderMarkdown, writeReportFiles,
} from '../../lib/report/write.ts';
import { renderHtml } from '../../lib/report/html.ts';
import { isReconError } from '../../lib/errors.ts';
import { cleanReport, financialDiscrepancy, inventoryDiscrepancy, makeCancellationReport, makeFinancialReport, makeReport, nothingComparedReport, parseCsv } from './fixtures.ts';

function csvRecords(text: string): Array<Record<string, string>> {
  const [header, ...rows] = parseCsv(text.slice(BOM.length));
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

describe('renderDiscrepanciesCsv', () => {
  it('starts with a UTF-8 BOM, ends every record with CRLF and has one row per discrepancy', () => {
    // Prepare
    const report = makeReport();
    // Act
    const csv = renderDiscrepanciesCsv(report);
    // Assess
    expect(csv.startsWith('\uFEFF')).toBe(true);
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(parseCsv(csv.slice(1))).toHaveLength(1 + report.discrepancies.length);
  });

  it('has the columns type, key fields, offsetting, fields, kind, delta, side values, impact, status, sources', () => {
    // Prepare
    const report = makeReport();
    // Act
    const [header] = parseCsv(renderDiscrepanciesCsv(report).slice(1));
    // Assess
    expect(header).toEqual([
      'type', 'sku', 'facility_id', 'offsetting', 'fields', 'kind', 'delta',
      'oms.on_hand', 'oms.as_of', 'warehouse.on_hand', 'warehouse.counted_at',
      'impact.money', 'impact.currency', 'impact.units', 'status', 'sources',
    ]);
  });

  it('leaves the cells of an absent side empty and joins sources as file:line; file:line', () => {
    // Prepare
    const report = makeReport();
    // Act
    const rows = csvRecords(renderDiscrepanciesCsv(report));
    // Assess
    expect(rows[0]).toMatchObject({ type: 'quantity_mismatch', sku: 'SKU-1001', facility_id: 'DAL1', offsetting: 'false', delta: '3', 'oms.on_hand': '12', 'warehouse.on_hand': '9', 'impact.units': '3', sources: 'oms-inventory.csv:2; dal1-count.csv:7' });
    expect(rows[1]).toMatchObject({ type: 'missing_in_warehouse', 'warehouse.on_hand': '', 'warehouse.counted_at': '', 'oms.on_hand': '4' });
  });

  it('takes key columns from the union of keys in first-seen order, and omits offsetting when no discrepancy has it', () => {
    // Prepare: fulfillment keys, location_id only on the second
    const report = makeReport({
      boundary: 'fulfillment',
      discrepancies: [
        { type: 'not_shipped', key: { order_id: 'O1', line_id: '1' }, oms: { quantity: 2 }, warehouse: null, sources: [] },
        { type: 'quantity_mismatch', key: { order_id: 'O2', line_id: '1', location_id: 'DAL1' }, oms: { quantity: 2 }, warehouse: { quantity: 1 }, delta: 1, sources: [] },
      ],
    });
    // Act
    const [header, first] = parseCsv(renderDiscrepanciesCsv(report).slice(1));
    // Assess
    expect(header.slice(0, 5)).toEqual(['type', 'order_id', 'line_id', 'location_id', 'fields']);
    expect(header).not.toContain('offsetting');
    expect(first[3]).toBe('');
  });

  it('writes money, currency, kind and mismatched fields of financial discrepancies', () => {
    // Prepare
    const report = makeFinancialReport([
      financialDiscrepancy({ type: 'amount_mismatch', fields: ['amount', 'currency'], erp: { total: '30.00', currency: 'EUR' }, delta: '3.10', impact: { money: { amount: '3.10', currency: 'USD' } } }),
    ]);
    // Act
    const [row] = csvRecords(renderDiscrepanciesCsv(report));
    // Assess
    expect(row).toMatchObject({ order_id: 'SO-5001', kind: 'sale', fields: 'amount;currency', delta: '3.10', 'impact.money': '3.10', 'impact.currency': 'USD', 'erp.total': '30.00', 'erp.currency': 'EUR' });
  });

  it.each([
    ['=HYPERLINK("http://evil","x")', `'=HYPERLINK("http://evil","x")`],
    ['+1+cmd|calc', `'+1+cmd|calc`],
    ['-2+3', `'-2+3`],
    ['@SUM(A1:A2)', `'@SUM(A1:A2)`],
    ['\tTAB', `'\tTAB`],
    ['\rCR', `'\rCR`],
    ['-5', '-5'],
    ['-12.30', '-12.30'],
    ['+7', '+7'],
    ['SKU=1', 'SKU=1'],
  ])('neutralizes formula cell %j', (value, expected) => {
    // Prepare
    const report = makeReport({ discrepancies: [inventoryDiscrepancy({ key: { sku: value, facility_id: 'DAL1' } })] });
    // Act
    const [row] = csvRecords(renderDiscrepanciesCsv(report));
    // Assess
    expect(row.sku).toBe(expected);
  });

  it('keeps negative numeric deltas as numbers', () => {
    // Prepare
    const report = makeReport({ discrepancies: [inventoryDiscrepancy({ delta: -5 })] });
    // Act
    const [row] = csvRecords(renderDiscrepanciesCsv(report));
    // Assess
    expect(row.delta).toBe('-5');
  });

  it('round-trips values with commas, quotes, CR/LF and non-ASCII through RFC 4180 quoting', () => {
    // Prepare
    const nasty = ['a,b', 'say "hi"', 'line1\r\nline2', 'x\ny', '"', ',', 'Ünïcödé 東京 🚚', ' padded '];
    const report = makeReport({
      discrepancies: nasty.map((v, i) => inventoryDiscrepancy({ key: { sku: v, facility_id: `F${i}` }, sources: [{ side: 'oms', file: v, line: i }] })),
    });
    // Act
    const rows = csvRecords(renderDiscrepanciesCsv(report));
    // Assess
    expect(rows.map((r) => r.sku)).toEqual(nasty);
    expect(rows.map((r) => r.sources)).toEqual(nasty.map((v, i) => `${v}:${i}`));
  });

  it('quotes a cell only when it needs it', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('q"q')).toBe('"q""q"');
    expect(csvCell(null)).toBe('');
    expect(csvCell({ a: 1 })).toBe('"{""a"":1}"');
  });

  it('writes a header for the boundary key even with no discrepancies', () => {
    // Act
    const rows = parseCsv(renderDiscrepanciesCsv(cleanReport()).slice(1));
    // Assess
    expect(rows).toHaveLength(1);
    expect(rows[0].slice(0, 3)).toEqual(['type', 'sku', 'facility_id']);
  });

  it('has a cancelled_on column when a cancellation_mismatch is listed', () => {
    // Act
    const text = renderDiscrepanciesCsv(makeCancellationReport());
    const [header] = parseCsv(text.slice(1));
    // Assess
    expect(header.slice(0, 4)).toEqual(['type', 'channel', 'channel_order_id', 'cancelled_on']);
    expect(csvRecords(text)).toEqual([expect.objectContaining({
      type: 'cancellation_mismatch', channel_order_id: '#1001', cancelled_on: 'channel', 'channel.status': 'cancelled', 'oms.status': 'released', 'impact.money': '25.00', 'impact.currency': 'EUR',
    })]);
    expect(parseCsv(renderDiscrepanciesCsv(makeReport()).slice(1))[0]).not.toContain('cancelled_on');
  });

  it('shows nested side values (duplicate captures) as JSON in one column', () => {
    // Prepare
    const report = makeReport({
      boundary: 'intake', sides: ['channel', 'oms'],
      discrepancies: [{ type: 'duplicate_in_oms', key: { channel: 'shopify', channel_order_id: '#1001' }, channel: { total: '10.00' }, oms: { captures: [{ oms_order_id: 'A' }, { oms_order_id: 'B' }] }, sources: [] }],
    });
    // Act
    const [row] = csvRecords(renderDiscrepanciesCsv(report));
    // Assess
    expect(JSON.parse(row['oms.captures'])).toEqual([{ oms_order_id: 'A' }, { oms_order_id: 'B' }]);
    expect(row['channel.total']).toBe('10.00');
  });
});

describe('renderJson', () => {
  it.each([
    ['a typical report', makeReport({ runId: 'r1' })],
    ['a clean report (empty arrays)', cleanReport()],
    ['undefined fields and odd values', { ...makeReport(), runId: undefined, resolved: [], extra: { nested: [1, { a: null }], s: 'line\nbreak "q" \u2028' } } as never],
    ['undefined array elements', makeReport({ warnings: [undefined as never, { code: 'x', message: 'y' }] })],
  ])('streams exactly the bytes of JSON.stringify(report, null, 2) for %s', (_name, report) => {
    // Act
    const chunks = [...jsonChunks(report)];
    // Assess
    expect(chunks.join('')).toBe(JSON.stringify(report, null, 2) + '\n');
    expect(renderJson(report)).toBe(chunks.join(''));
  });

  it('is the report as is, 2-space JSON, with the contract keys', () => {
    // Prepare
    const report = makeReport();
    // Act
    const text = renderJson(report);
    // Assess
    expect(JSON.parse(text)).toEqual(report);
    expect(text).toContain('\n  "boundary": "inventory"');
    expect(Object.keys(JSON.parse(text))).toEqual(expect.arrayContaining(['boundary', 'summary', 'discrepancies', 'rejected', 'warnings']));
  });
});

/** Splits a GFM table row on unescaped pipes. */
function cellsOf(row: string): string[] {
  const inner = row.trim().replace(/^\|/, '').replace(/\|$/, '');
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < inner.length; i++) {
    if (inner[i] === '\\') { cur += inner[i] + (inner[i + 1] ?? ''); i++; continue; }
    if (inner[i] === '|') { out.push(cur.trim()); cur = ''; continue; }
    cur += inner[i];
  }
  out.push(cur.trim());
  return out;
}

describe('renderMarkdown', () => {
  it('has a title with boundary and time, counts per type, match rate, money and units at risk, files, warnings', () => {
    // Prepare
    const report = makeReport({ runId: 'run-42' });
    // Act
    const md = renderMarkdown(report);
    // Assess
    expect(md).toMatch(/^# Reconciliation: inventory \(oms vs warehouse\)/);
    expect(md).toContain('Generated 2026-11-26T10:00:00.000Z · run run-42');
    expect(md).toContain('| `quantity_mismatch` | 1 |');
    expect(md).toContain('| `missing_in_warehouse` | 1 |');
    expect(md).toContain('| **Total** | **2** |');
    expect(md).toContain(`Match rate: **${(report.summary.matchRate * 100).toFixed(2)}%**`);
    expect(md).toContain('Units at risk: 7');
    expect(md).toContain('Money at risk: none');
    expect(md).toContain('| oms-inventory.csv | oms-inventory | oms | csv |  | 120 | 118 | 2 |');
    expect(md).toContain('## Warnings (1)');
    expect(md).toContain('`coverage_gap` facility PHX3');
  });

  it('lists the first N discrepancies and says how many more are in the CSV', () => {
    // Prepare
    const ds = Array.from({ length: 7 }, (_, i) => inventoryDiscrepancy({ key: { sku: `SKU-${i}`, facility_id: 'DAL1' } }));
    const report = makeReport({ discrepancies: ds });
    // Act
    const md = renderMarkdown(report, { maxRows: 3 });
    // Assess
    expect(md).toContain('## Discrepancies (first 3 of 7)');
    expect(md).toContain('SKU-2');
    expect(md).not.toContain('SKU-3');
    expect(md).toContain('… and 4 more (see discrepancies.csv)');
  });

  it('defaults to 50 rows', () => {
    // Prepare
    const ds = Array.from({ length: 60 }, (_, i) => inventoryDiscrepancy({ key: { sku: `SKU-${String(i).padStart(2, '0')}`, facility_id: 'DAL1' } }));
    // Act
    const md = renderMarkdown(makeReport({ discrepancies: ds }));
    // Assess
    expect(md).toContain('… and 10 more (see discrepancies.csv)');
  });

  it('escapes pipes, newlines and HTML so every table row keeps its column count', () => {
    // Prepare
    const report = makeReport({
      discrepancies: [inventoryDiscrepancy({ key: { sku: 'A|B\nC<script>x</script>\\|', facility_id: '*bold* `tick`' } })],
      rejected: [{ file: 'a|b.csv', line: 3, reason: 'bad value "x|y"\nsecond line' }],
    });
    // Act
    const md = renderMarkdown(report);
    const lines = md.split('\n');
    const headerIdx = lines.findIndex((l) => l.startsWith('| # |'));
    const header = cellsOf(lines[headerIdx]);
    const row = lines[headerIdx + 2];
    const rejIdx = lines.findIndex((l) => l.startsWith('| File | Line | Reason |'));
    const rejRow = lines[rejIdx + 2];
    // Assess: keys are shown on one line, other cells keep line breaks as <br>
    expect(cellsOf(row)).toHaveLength(header.length);
    expect(row).toContain('A\\|B C&lt;script&gt;x&lt;/script&gt;\\\\\\|');
    expect(row).toContain('\\*bold\\* \\`tick\\`');
    expect(md).not.toContain('<script>');
    expect(cellsOf(rejRow)).toEqual(['a\\|b.csv', '3', 'bad value "x\\|y"<br>second line']);
  });

  it('names the side a cancellation_mismatch is cancelled on, and counts the type', () => {
    // Act
    const md = renderMarkdown(makeCancellationReport());
    // Assess
    expect(md).toContain('| `cancellation_mismatch` | 1 |');
    expect(md).toMatch(/^\| 1 \| `cancellation_mismatch` \(cancelled on channel\) \| channel=web channel_order_id=\\#1001 \|/m);
  });

  it('says nothing was compared, and why, when no key was compared: never all clear or 100%', () => {
    // Act
    const md = renderMarkdown(nothingComparedReport());
    // Assess
    expect(md).toContain('**Nothing was compared:** every facility is a coverage gap, counted on one side only: facility DAL1');
    expect(md).toContain('- Match rate: **none (no key compared)** (0 of 0 keys matched)');
    expect(md).not.toMatch(/all clear|100\.00%/i);
  });

  it('says all clear when there is nothing to report', () => {
    // Act
    const md = renderMarkdown(cleanReport());
    // Assess
    expect(md).toContain('**All clear:** oms and warehouse reconcile');
    expect(md).not.toContain('## Discrepancies (');
  });

  it('shows money at risk per currency and new / ongoing status', () => {
    // Prepare
    const report = makeFinancialReport([
      financialDiscrepancy({ status: 'new', firstSeen: '2026-11-26T10:00:00.000Z' }),
      financialDiscrepancy({ key: { order_id: 'SO-5002' }, status: 'ongoing', firstSeen: '2026-11-20T10:00:00.000Z', impact: { money: { amount: '5.00', currency: 'EUR' } } }),
    ]);
    // Act
    const md = renderMarkdown(report);
    // Assess
    expect(md).toContain('Money at risk: EUR 5.00, USD 33.10');
    expect(md).toContain('1 new, 1 ongoing (oldest open since 2026-11-20T10:00:00.000Z, 6 days)');
    expect(md).toContain('ongoing since 2026-11-20T10:00:00.000Z');
  });

  it('bounds huge cells', () => {
    // Prepare
    const huge = 'x'.repeat(1_000_000);
    const report = makeReport({ discrepancies: [inventoryDiscrepancy({ key: { sku: huge, facility_id: 'DAL1' } })] });
    // Act
    const md = renderMarkdown(report);
    // Assess
    expect(md.length).toBeLessThan(20_000);
  });

  it('escapes a cell', () => {
    expect(escapeMarkdownCell('a|b')).toBe('a\\|b');
    expect(escapeMarkdownCell('l1\r\nl2')).toBe('l1<br>l2');
    expect(escapeMarkdownCell('snake_case _x_')).toBe('snake_case \\_x\\_');
  });
});

describe('writeReportFiles', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('creates the directory and writes report.json, discrepancies.csv, summary.md and report.html with the renderers\u2019 bytes', async () => {
    // Prepare
    dir = await mkdtemp(join(tmpdir(), 'oms-recon-report-'));
    const out = join(dir, 'nested', 'out');
    const report = makeReport();
    // Act
    const paths = await writeReportFiles(report, out);
    // Assess
    expect(paths).toEqual({ json: join(out, 'report.json'), csv: join(out, 'discrepancies.csv'), markdown: join(out, 'summary.md'), html: join(out, 'report.html') });
    expect(await readFile(paths.json, 'utf8')).toBe(renderJson(report));
    expect(await readFile(paths.csv, 'utf8')).toBe(renderDiscrepanciesCsv(report));
    expect(await readFile(paths.markdown, 'utf8')).toBe(renderMarkdown(report));
    expect((await readFile(paths.csv)).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(await readFile(paths.html, 'utf8')).toBe(renderHtml(report));
    expect((await readdir(out)).sort()).toEqual(['discrepancies.csv', 'report.html', 'report.json', 'summary.md']);
  });

  it('streams a large report to the same bytes as the renderers', async () => {
    // Prepare
    dir = await mkdtemp(join(tmpdir(), 'oms-recon-report-'));
    const ds = Array.from({ length: 20_000 }, (_, i) => inventoryDiscrepancy({ key: { sku: `SKU-${i}`, facility_id: `F${i % 7}` }, delta: -(i % 5) }));
    const report = makeReport({ discrepancies: ds });
    // Act
    const paths = await writeReportFiles(report, dir);
    // Assess
    expect(await readFile(paths.json, 'utf8')).toBe(JSON.stringify(report, null, 2) + '\n');
    expect(await readFile(paths.csv, 'utf8')).toBe(renderDiscrepanciesCsv(report));
    expect(parseCsv((await readFile(paths.csv, 'utf8')).slice(1))).toHaveLength(20_001);
    expect(await readFile(paths.html, 'utf8')).toBe(renderHtml(report));
  });

  it('fails with a ReconError naming the path when the directory cannot be created', async () => {
    // Prepare: a file where the directory should be
    dir = await mkdtemp(join(tmpdir(), 'oms-recon-report-'));
    const blocker = join(dir, 'file');
    await writeReportFiles(makeReport(), dir);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(blocker, 'x');
    // Act
    const err = await writeReportFiles(makeReport(), join(blocker, 'out')).catch((e: unknown) => e);
    // Assess
    expect(isReconError(err)).toBe(true);
    expect((err as Error).message).toContain(join(blocker, 'out'));
  });
});
