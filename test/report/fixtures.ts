/**
 * Small, realistic Report fixtures. Each factory takes overrides; the summary is computed
 * from the discrepancies (through the real buildSummary) unless given.
 */
import type { Discrepancy, FileStats, Report } from '../../lib/report/model.ts';
import { buildSummary } from '../../lib/report/merge.ts';

export function inventoryDiscrepancy(overrides: Partial<Discrepancy> = {}): Discrepancy {
  return {
    type: 'quantity_mismatch',
    key: { sku: 'SKU-1001', facility_id: 'DAL1' },
    offsetting: false,
    oms: { on_hand: 12, as_of: '2026-11-26T06:00:00.000Z' },
    warehouse: { on_hand: 9, counted_at: '2026-11-26T05:30:00.000Z' },
    delta: 3,
    impact: { units: 3 },
    sources: [
      { side: 'oms', file: 'oms-inventory.csv', line: 2 },
      { side: 'warehouse', file: 'dal1-count.csv', line: 7 },
    ],
    ...overrides,
  };
}

export function financialDiscrepancy(overrides: Partial<Discrepancy> = {}): Discrepancy {
  return {
    type: 'not_booked',
    key: { order_id: 'SO-5001' },
    kind: 'sale',
    oms: { total: '33.10', currency: 'USD', documents: 1 },
    erp: null,
    delta: '33.10',
    impact: { money: { amount: '33.10', currency: 'USD' } },
    sources: [{ side: 'oms', file: 'oms-transactions.csv', line: 4 }],
    ...overrides,
  };
}

/** An intake report (channel vs oms) with one order cancelled on the channel and live in the OMS. */
export function makeCancellationReport(): Report {
  const discrepancies: Discrepancy[] = [{
    type: 'cancellation_mismatch',
    key: { channel: 'web', channel_order_id: '#1001' },
    cancelled_on: 'channel',
    channel: { total: '25.00', currency: 'EUR', status: 'cancelled' },
    oms: { oms_order_id: 'O-1', total: '25.00', currency: 'EUR', status: 'released' },
    impact: { money: { amount: '25.00', currency: 'EUR' } },
    sources: [{ side: 'channel', file: 'web-orders.csv', line: 2 }, { side: 'oms', file: 'oms-orders.csv', line: 5 }],
  }];
  return makeReport({
    boundary: 'intake',
    sides: ['channel', 'oms'],
    files: [
      { file: 'web-orders.csv', feed: 'channel-orders', side: 'channel', format: 'csv', read: 3, used: 3, rejected: 0 },
      { file: 'oms-orders.csv', feed: 'oms-orders', side: 'oms', format: 'csv', read: 4, used: 4, rejected: 0 },
    ],
    rejected: [],
    warnings: [],
    summary: buildSummary({ left: 3, right: 3, keys: 3, matched: 2, outOfScope: 0, discrepancies, rows: { read: 7, used: 7, rejected: 0 } }),
    discrepancies,
  });
}

const inventoryFiles: FileStats[] = [
  { file: 'oms-inventory.csv', feed: 'oms-inventory', side: 'oms', format: 'csv', read: 120, used: 118, rejected: 2 },
  { file: 'dal1-count.csv', feed: 'warehouse-inventory', side: 'warehouse', format: 'csv', read: 80, used: 80, rejected: 0 },
];

/** An inventory report: two discrepancies, two rejected rows, one warning. */
export function makeReport(overrides: Partial<Report> = {}): Report {
  const discrepancies = overrides.discrepancies ?? [
    inventoryDiscrepancy(),
    inventoryDiscrepancy({
      type: 'missing_in_warehouse',
      key: { sku: 'SKU-1002', facility_id: 'RNO2' },
      oms: { on_hand: 4, as_of: '2026-11-26T06:00:00.000Z' },
      warehouse: null,
      delta: 4,
      impact: { units: 4 },
      sources: [{ side: 'oms', file: 'oms-inventory.csv', line: 3 }],
    }),
  ];
  const base: Report = {
    boundary: 'inventory',
    sides: ['oms', 'warehouse'],
    generatedAt: '2026-11-26T10:00:00.000Z',
    summary: buildSummary({
      left: 118, right: 80, keys: 122, matched: 76, outOfScope: 0, discrepancies,
      rows: { read: 200, used: 198, rejected: 2 },
    }),
    files: inventoryFiles,
    discrepancies,
    rejected: [
      { file: 'oms-inventory.csv', line: 40, reason: 'on_hand: not a number: "twelve"' },
      { file: 'oms-inventory.csv', line: 41, reason: 'sku: required value is empty' },
    ],
    warnings: [{ code: 'coverage_gap', message: 'facility PHX3 has rows on the oms side only: no count arrived; left out of the comparison', file: 'oms-inventory.csv' }],
  };
  return { ...base, ...overrides, discrepancies };
}

/** A financial report (oms vs erp) with the given discrepancies. */
export function makeFinancialReport(discrepancies: Discrepancy[], overrides: Partial<Report> = {}): Report {
  return makeReport({
    boundary: 'financial',
    sides: ['oms', 'erp'],
    files: [
      { file: 'oms-transactions.csv', feed: 'oms-transactions', side: 'oms', format: 'csv', read: 10, used: 10, rejected: 0 },
      { file: 'erp-export.csv', feed: 'erp-transactions', side: 'erp', format: 'csv', read: 9, used: 9, rejected: 0 },
    ],
    rejected: [],
    warnings: [],
    summary: buildSummary({ left: 10, right: 9, keys: 11, matched: 8, outOfScope: 0, discrepancies, rows: { read: 19, used: 19, rejected: 0 } }),
    discrepancies,
    ...overrides,
  });
}

/** A report with no discrepancies. */
export function cleanReport(overrides: Partial<Report> = {}): Report {
  return makeReport({
    discrepancies: [],
    rejected: [],
    warnings: [],
    summary: buildSummary({ left: 50, right: 50, keys: 50, matched: 50, outOfScope: 0, discrepancies: [], rows: { read: 100, used: 100, rejected: 0 } }),
    ...overrides,
  });
}

/** An inventory report of a run that compared no key: every facility a coverage gap. */
export function nothingComparedReport(): Report {
  const warnings = [
    { code: 'coverage_gap', message: 'facility DAL1 has oms rows but no warehouse count arrived: left out of the comparison', key: { facility_id: 'DAL1' } },
    { code: 'coverage_gap', message: 'facility dal1 has warehouse rows but no oms count arrived: left out of the comparison', key: { facility_id: 'dal1' } },
  ];
  return makeReport({
    discrepancies: [],
    rejected: [],
    warnings,
    summary: buildSummary({ left: 0, right: 0, keys: 0, matched: 0, outOfScope: 4, discrepancies: [], rows: { read: 4, used: 4, rejected: 0 } }),
    nothingCompared: 'every facility is a coverage gap, counted on one side only: facility DAL1 … (DAL1 and dal1 differ only in case: facility IDs compare exactly as written)',
  });
}

/** A tiny RFC 4180 parser for assessing CSV output (quotes, doubled quotes, CRLF inside quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { cell += '"'; i += 2; continue; }
        quoted = false; i++; continue;
      }
      cell += c; i++; continue;
    }
    if (c === '"' && cell === '') { quoted = true; i++; continue; }
    if (c === ',') { row.push(cell); cell = ''; i++; continue; }
    if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i += 2; continue; }
    if (c === '"' || c === '\r' || c === '\n') throw new Error(`not RFC 4180 at offset ${i}: ${JSON.stringify(text.slice(i, i + 20))}`);
    cell += c; i++;
  }
  if (quoted) throw new Error('unclosed quote');
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}
