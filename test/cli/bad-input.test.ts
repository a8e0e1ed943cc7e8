/**
 * The README's bad-input table: exactly one test per row,
 * named like the row's "situation" cell (test/cli/bad-input-doc.test.ts holds the two together).
 * Each test runs `oms-recon reconcile` in-process and checks what the user sees: the exit code,
 * the error code, a message naming the file (and line/column where there is one), and no
 * stack trace. Rejected rows: the run goes on, and report.json lists file, line and reason.
 */
import { readFileSync, symlinkSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../lib/report/model.ts';
import { csv, errorLine, expectNoStackTrace, put, readReport, reportExists, run, tempDir, type RunResult } from './helpers.ts';

const INVENTORY_HEADER = ['sku', 'facility_id', 'on_hand'];
/** A warehouse count that agrees with the OMS files below (SKU-1: 5, SKU-3: 4 at DAL1). */
const COUNTS = csv(INVENTORY_HEADER, ['SKU-1', 'DAL1', '5'], ['SKU-3', 'DAL1', '4']);

interface Setup {
  dir: string;
  out: string;
}

function setup(prefix: string): Setup {
  const dir = tempDir(`bad-${prefix}-`);
  return { dir, out: join(dir, 'out') };
}

/** `reconcile inventory --oms <oms> --warehouse <counts>` with the agreeing warehouse count. */
async function inventory(s: Setup, oms: string, counts = put(s.dir, 'counts.csv', COUNTS)): Promise<RunResult> {
  return run(['reconcile', 'inventory', '--oms', oms, '--warehouse', counts, '--out', s.out]);
}

/** One CSV line's cells, split on `separator` as a spreadsheet in that locale would (RFC 4180 quotes). */
function splitCsvLine(line: string, separator: string): string[] {
  const cells: string[] = [];
  let cell = '', quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === separator) cells.push(cell), (cell = '');
    else cell += c;
  }
  cells.push(cell);
  return cells;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Exit 2, one line `oms-recon: <file>[:line[:column]]: <message> [<code>]`, no stack trace,
 * nothing on stdout and no report written.
 */
function expectTrouble(
  r: RunResult,
  s: Setup,
  e: { code: string; file: string; line?: number; column?: number; message: RegExp },
): void {
  expect(r.code, r.err).toBe(2);
  let where = escapeRe(e.file);
  if (e.line !== undefined) where += `:${e.line}`;
  if (e.column !== undefined) where += `:${e.column}`;
  const line = errorLine(r);
  expect(line).toMatch(new RegExp(`^oms-recon: ${where}: .+ \\[${e.code}\\]$`));
  expect(line).toMatch(e.message);
  expect(r.out).toBe('');
  expect(reportExists(s.out)).toBe(false);
  expectNoStackTrace(r);
}

/**
 * The run went on: exit 0 (the rest agrees), the bad row listed in `rejected` with file, line
 * and reason, the summary counting it, and every file's rows accounted for.
 */
function expectRejectedRow(r: RunResult, s: Setup, e: { file: string; line: number; reason: RegExp }): Report {
  expect(r.code, r.err).toBe(0);
  expectNoStackTrace(r);
  const report = readReport(s.out);
  expect(report.rejected).toEqual([{ file: e.file, line: e.line, reason: expect.stringMatching(e.reason) }]);
  expect(report.summary.rows.rejected).toBe(1);
  expect(r.out).toMatch(/rows\s+read \d+, used \d+, rejected 1$/m);
  for (const f of report.files) expect(f.read, f.file).toBe(f.used + f.rejected);
  return report;
}

describe('bad input: trouble with a whole file (exit 2)', () => {
  it('file missing', async () => {
    // Prepare
    const s = setup('missing');
    const oms = join(s.dir, 'oms-inventory.csv');
    // Act
    const r = await inventory(s, oms);
    // Assess
    expectTrouble(r, s, { code: 'E_FILE_UNREADABLE', file: oms, message: /cannot open file: no such file/ });
  });

  it('a directory instead of a file', async () => {
    // Prepare
    const s = setup('dir');
    const oms = join(s.dir, 'exports');
    put(s.dir, 'exports/oms-inventory.csv', COUNTS);
    // Act
    const r = await inventory(s, oms);
    // Assess
    expectTrouble(r, s, { code: 'E_FILE_UNREADABLE', file: oms, message: /cannot open file: it is a directory/ });
  });

  it('empty file (0 bytes)', async () => {
    // Prepare
    const s = setup('empty');
    const oms = put(s.dir, 'oms-inventory.csv', '');
    // Act
    const r = await inventory(s, oms);
    // Assess
    expectTrouble(r, s, { code: 'E_FILE_EMPTY', file: oms, message: /the file is empty \(no header row, no JSON value\)/ });
  });

  it('only a BOM and whitespace', async () => {
    // Prepare
    const s = setup('bom');
    const oms = put(s.dir, 'oms-inventory.csv', '\uFEFF  \r\n\t\n   ');
    // Act
    const r = await inventory(s, oms);
    // Assess
    expectTrouble(r, s, { code: 'E_FILE_EMPTY', file: oms, message: /the file is empty/ });
  });

  it('header only', async () => {
    // Prepare
    const s = setup('header');
    const oms = put(s.dir, 'oms-inventory.csv', csv(INVENTORY_HEADER));
    // Act
    const r = await inventory(s, oms);
    // Assess
    expectTrouble(r, s, { code: 'E_NO_ROWS', file: oms, line: 2, message: /no data rows \(the file has a header only\)/ });
  });

  it('JSON with no rows (an empty array)', async () => {
    // Prepare
    const s = setup('emptyjson');
    const oms = put(s.dir, 'oms-inventory.json', '{ "rows": [] }\n');
    // Act
    const r = await inventory(s, oms);
    // Assess
    expectTrouble(r, s, { code: 'E_NO_ROWS', file: oms, message: /no data rows \(the JSON holds no row objects\)/ });
  });

  it('missing required column', async () => {
    // Prepare: `facility` is not `facility_id`
    const s = setup('column');
    const oms = put(s.dir, 'oms-inventory.csv', csv(['sku', 'facility', 'on_hand'], ['SKU-1', 'DAL1', '5']));
    // Act
    const r = await inventory(s, oms);
    // Assess
    expectTrouble(r, s, {
      code: 'E_MISSING_COLUMN',
      file: oms,
      line: 1,
      message: /missing required column facility_id for feed oms-inventory \(header: "sku", "facility", "on_hand"\)/,
    });
  });

  it('a column a mapping reads is not in the file', async () => {
    // Prepare: the mapping reads "Qty On Hand"; this export calls it "On Hand"
    const s = setup('mapped');
    const mappings = [{ name: 'wms', feed: 'warehouse-inventory', match: { headers: ['Item', 'Site'] }, columns: { sku: 'Item', facility_id: 'Site', on_hand: 'Qty On Hand' } }];
    const config = put(s.dir, 'recon.json', JSON.stringify({ mappings }));
    const counts = put(s.dir, 'wms-counts.csv', csv(['Item', 'Site', 'On Hand'], ['SKU-1', 'DAL1', '5']));
    const oms = put(s.dir, 'oms-inventory.csv', COUNTS);
    // Act
    const r = await run(['reconcile', 'inventory', '--oms', oms, '--warehouse', counts, '--config', config, '--out', s.out]);
    // Assess
    expectTrouble(r, s, {
      code: 'E_MISSING_COLUMN',
      file: counts,
      line: 1,
      message: /mapping "wms" reads column "Qty On Hand", which the file does not have \(header: "Item", "Site", "On Hand"\)/,
    });
  });

  it('a duplicate column (`On Hand` and `on-hand`)', async () => {
    // Prepare: two columns that both read as on_hand, with different values
    const s = setup('dupcolumn');
    const oms = put(s.dir, 'oms-inventory.csv', csv(['sku', 'facility_id', 'On Hand', 'on-hand'], ['SKU-1', 'DAL1', '5', '7'], ['SKU-3', 'DAL1', '4', '4']));
    // Act
    const r = await inventory(s, oms);
    // Assess: stops naming both columns, rather than silently reading the first
    expectTrouble(r, s, {
      code: 'E_DUPLICATE_COLUMN',
      file: oms,
      line: 1,
      message: /duplicate column: "On Hand" \(column 3\) and "on-hand" \(column 4\) are the same column .* both would be read as on_hand of feed oms-inventory/,
    });
  });

  it('unclosed quote at end of file', async () => {
    // Prepare: the quote opened on line 3 swallows the rest of the file
    const s = setup('quote');
    const oms = put(s.dir, 'oms-inventory.csv', 'sku,facility_id,on_hand\nSKU-1,DAL1,5\n"SKU-2,DAL1,3\nSKU-3,DAL1,4\n');
    // Act
    const r = await inventory(s, oms);
    // Assess
    expectTrouble(r, s, {
      code: 'E_CSV_SYNTAX',
      file: oms,
      line: 3,
      column: 1,
      message: /unclosed quote: the quoted field opened on line 3 is never closed before the end of the file/,
    });
  });

  it('not UTF-8 (Latin-1 bytes)', async () => {
    // Prepare: "Café" exported as Windows-1252 on line 3
    const s = setup('latin1');
    const oms = put(
      s.dir,
      'oms-inventory.csv',
      Buffer.concat([Buffer.from('sku,facility_id,on_hand\nSKU-1,DAL1,5\nCAF'), Buffer.from([0xc9]), Buffer.from(',DAL1,3\n')]),
    );
    // Act
    const r = await inventory(s, oms);
    // Assess
    expectTrouble(r, s, {
      code: 'E_NOT_TEXT',
      file: oms,
      line: 3,
      message: /invalid UTF-8 \(byte 0xC9\): the file is not UTF-8 text .* export it again as UTF-8/,
    });
  });

  it('binary data (NUL bytes)', async () => {
    // Prepare
    const s = setup('nul');
    const oms = put(s.dir, 'oms-inventory.csv', Buffer.from('sku,facility_id,on_hand\nSKU-1,DAL1,5\nSKU-2\0\0\0,DAL1,3\n', 'latin1'));
    // Act
    const r = await inventory(s, oms);
    // Assess
    expectTrouble(r, s, { code: 'E_NOT_TEXT', file: oms, line: 3, message: /the file contains a NUL byte: it looks like binary data, not text/ });
  });

  it('UTF-16 text', async () => {
    // Prepare: what "Unicode text" export in Excel writes
    const s = setup('utf16');
    const oms = put(s.dir, 'oms-inventory.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('sku\tfacility_id\ton_hand\r\nSKU-1\tDAL1\t5\r\n', 'utf16le')]));
    // Act
    const r = await inventory(s, oms);
    // Assess
    expectTrouble(r, s, { code: 'E_NOT_TEXT', file: oms, line: 1, message: /the file is UTF-16 text, not UTF-8: export it as UTF-8/ });
  });

  it('corrupt or truncated gzip', async () => {
    // Prepare: a gzip cut short in transfer
    const s = setup('gzip');
    const whole = gzipSync(Buffer.from(csv(INVENTORY_HEADER, ...Array.from({ length: 200 }, (_, i) => [`SKU-${i}`, 'DAL1', String(i)]))));
    const oms = put(s.dir, 'oms-inventory.csv.gz', whole.subarray(0, Math.floor(whole.length / 2)));
    // Act
    const r = await inventory(s, oms);
    // Assess
    expectTrouble(r, s, { code: 'E_FILE_UNREADABLE', file: oms, message: /cannot decompress: the gzip data is corrupt or truncated/ });
  });

  it('JSON syntax error', async () => {
    // Prepare: a missing comma on line 3
    const s = setup('jsonsyntax');
    const oms = put(
      s.dir,
      'oms-inventory.json',
      '[\n  {"sku": "SKU-1", "facility_id": "DAL1", "on_hand": 5},\n  {"sku": "SKU-2" "facility_id": "DAL1", "on_hand": 3}\n]\n',
    );
    // Act
    const r = await inventory(s, oms);
    // Assess
    expectTrouble(r, s, { code: 'E_JSON_SYNTAX', file: oms, line: 3, column: 19, message: /JSON syntax error: expected ',' or '}' after an object member, found '"'/ });
  });

  it('JSON that holds no array of rows', async () => {
    // Prepare: an object with only scalars and objects in it
    const s = setup('jsonnorows');
    const oms = put(s.dir, 'oms-inventory.json', '{\n  "exported_at": "2026-11-26T06:00:00Z",\n  "totals": { "skus": 2 }\n}\n');
    // Act
    const r = await inventory(s, oms);
    // Assess
    expectTrouble(r, s, { code: 'E_JSON_SYNTAX', file: oms, line: 1, message: /the JSON object holds no array of row objects/ });
  });

  it('JSON array of values that are not objects', async () => {
    // Prepare: rows as arrays, not objects
    const s = setup('jsonarrays');
    const oms = put(s.dir, 'oms-inventory.json', '[\n  ["SKU-1", "DAL1", 5],\n  ["SKU-3", "DAL1", 4]\n]\n');
    // Act
    const r = await inventory(s, oms);
    // Assess
    expectTrouble(r, s, { code: 'E_JSON_SYNTAX', file: oms, line: 2, column: 3, message: /an element of the array is an array, not an object: each row must be a JSON object/ });
  });

  it('every row of a side rejected', async () => {
    // Prepare: no usable on-hand anywhere on the OMS side
    const s = setup('allrejected');
    const oms = put(s.dir, 'oms-inventory.csv', csv(INVENTORY_HEADER, ['SKU-1', 'DAL1', 'five'], ['SKU-3', 'DAL1', '']));
    // Act
    const r = await inventory(s, oms);
    // Assess
    expectTrouble(r, s, {
      code: 'E_NO_USABLE_ROWS',
      file: oms,
      message: new RegExp(`no usable rows on side "oms": every row was rejected \\(first: ${escapeRe(oms)}:2: on_hand: not a number: "five"\\)`),
    });
  });

  it('nothing compared (every facility counted on one side only)', async () => {
    // Prepare: the warehouse writes the facility dal1, the OMS DAL1
    const s = setup('nothing');
    const oms = put(s.dir, 'oms-inventory.csv', COUNTS);
    const counts = put(s.dir, 'counts.csv', COUNTS.replace(/DAL1/g, 'dal1'));
    // Act
    const r = await inventory(s, oms, counts);
    // Assess: exit 2 and why, never "all clear"; no report to misread
    expect(r.code, r.err).toBe(2);
    expect(errorLine(r)).toBe(
      'oms-recon: nothing was compared: every facility is a coverage gap, counted on one side only: ' +
        'facility DAL1 has oms rows but no warehouse count arrived: left out of the comparison; ' +
        'facility dal1 has warehouse rows but no oms count arrived: left out of the comparison ' +
        '(DAL1 and dal1 differ only in case: facility IDs compare exactly as written) [E_NOTHING_COMPARED]',
    );
    expect(r.out).toBe('');
    expect(reportExists(s.out)).toBe(false);
    expectNoStackTrace(r);
  });

  it('invalid config file', async () => {
    // Prepare
    const s = setup('config');
    const oms = put(s.dir, 'oms-inventory.csv', COUNTS);
    const counts = put(s.dir, 'counts.csv', COUNTS);
    const config = put(s.dir, 'recon.json', JSON.stringify({ tolerances: { inventory: '-1' } }));
    // Act
    const r = await run(['reconcile', 'inventory', '--oms', oms, '--warehouse', counts, '--config', config, '--out', s.out]);
    // Assess
    expectTrouble(r, s, { code: 'E_CONFIG_INVALID', file: config, message: /invalid config at tolerances\.inventory: a tolerance cannot be negative/ });
  });

  it('output directory cannot be created', async () => {
    // Prepare: --out names an existing file
    const s = setup('outdir');
    const oms = put(s.dir, 'oms-inventory.csv', COUNTS);
    const counts = put(s.dir, 'counts.csv', COUNTS);
    const blocker = put(s.dir, 'out', 'not a directory');
    // Act
    const r = await run(['reconcile', 'inventory', '--oms', oms, '--warehouse', counts, '--out', blocker]);
    // Assess
    expect(r.code).toBe(2);
    expect(errorLine(r)).toMatch(new RegExp(`^oms-recon: ${escapeRe(blocker)}: cannot create output directory ${escapeRe(blocker)}: .+ \\[E_STORAGE\\]$`));
    expect(r.out).toBe('');
    expectNoStackTrace(r);
  });

  it('bad command-line arguments', async () => {
    // Act: --erp is no side of inventory
    const r = await run(['reconcile', 'inventory', '--oms', 'oms-inventory.csv', '--erp', 'counts.csv']);
    // Assess
    expect(r.code).toBe(2);
    expect(errorLine(r)).toBe('oms-recon: unknown option --erp for inventory (sides: --oms, --warehouse; also --config, --out)');
    expect(r.err).toMatch(/usage: oms-recon reconcile <boundary>[\s\S]*\[E_USAGE\]$/);
    expect(r.out).toBe('');
    expectNoStackTrace(r);
  });

  it('a gzip that expands beyond the content limit (a gzip bomb)', async () => {
    // Prepare: 100 KB of gzip that expands to 24 MB of rows, over a 4 MB limit
    const s = setup('bomb');
    const rows = Buffer.from('SKU-1,DAL1,5\n'.repeat(2 * 1024 * 1024));
    const oms = put(s.dir, 'oms-inventory.csv.gz', Buffer.concat([gzipSync(csv(INVENTORY_HEADER)), gzipSync(rows)]));
    const counts = put(s.dir, 'counts.csv', COUNTS);
    const config = put(s.dir, 'recon.json', JSON.stringify({ limits: { fileBytes: 4 * 1024 * 1024 } }));
    // Act
    const r = await run(['reconcile', 'inventory', '--oms', oms, '--warehouse', counts, '--config', config, '--out', s.out]);
    // Assess
    expectTrouble(r, s, { code: 'E_FILE_TOO_LARGE', file: oms, message: /the file expands to more than 4194304 bytes when decompressed: it is not read \(the limit is limits\.fileBytes/ });
  });

  it('a line longer than the line limit', async () => {
    // Prepare: a 5,000-character SKU, over a 2,048-character line limit
    const s = setup('longline');
    const oms = put(s.dir, 'oms-inventory.csv', csv(INVENTORY_HEADER, ['SKU-1', 'DAL1', '5'], ['X'.repeat(5000), 'DAL1', '1']));
    const counts = put(s.dir, 'counts.csv', COUNTS);
    const config = put(s.dir, 'recon.json', JSON.stringify({ limits: { lineChars: 2048 } }));
    // Act
    const r = await run(['reconcile', 'inventory', '--oms', oms, '--warehouse', counts, '--config', config, '--out', s.out]);
    // Assess
    expectTrouble(r, s, { code: 'E_CSV_SYNTAX', file: oms, line: 3, message: /the row starting on line 3 is longer than 2048 characters \(limits\.lineChars\)/ });
  });

  it('a mapping file with a __proto__ key', async () => {
    // Prepare: JSON.parse keeps "__proto__" as a key; it must not vanish into a prototype
    const s = setup('protomap');
    const oms = put(s.dir, 'oms-inventory.csv', COUNTS);
    const counts = put(s.dir, 'counts.csv', COUNTS);
    const mappings = put(s.dir, 'mappings.json', '{"mappings":[{"name":"m","feed":"oms-inventory","match":{"headers":["sku"]},"columns":{"__proto__":"x","sku":"sku"}}]}');
    const config = put(s.dir, 'recon.json', JSON.stringify({ mappingFile: 'mappings.json' }));
    // Act
    const r = await run(['reconcile', 'inventory', '--oms', oms, '--warehouse', counts, '--config', config, '--out', s.out]);
    // Assess
    expectTrouble(r, s, { code: 'E_CONFIG_INVALID', file: mappings, message: /invalid mapping file: mappings\[0\]\.columns\.__proto__: "__proto__" cannot be a key/ });
  });
});

describe('bad input: a bad row is rejected, the run goes on', () => {
  it('a row with a bad number', async () => {
    // Prepare
    const s = setup('number');
    const oms = put(s.dir, 'oms-inventory.csv', csv(INVENTORY_HEADER, ['SKU-1', 'DAL1', '5'], ['SKU-2', 'DAL1', '5 pcs'], ['SKU-3', 'DAL1', '4']));
    // Act
    const r = await inventory(s, oms);
    // Assess
    expectRejectedRow(r, s, { file: oms, line: 3, reason: /^on_hand: not a number: "5 pcs"$/ });
  });

  /** financial: SO-1 and SO-3 agree on both sides; SO-2 is only in the OMS file, on the bad row. */
  async function financialWithBadRow(prefix: string, header: string[], bad: string[], good: [string[], string[]]): Promise<{ r: RunResult; s: Setup; oms: string }> {
    const s = setup(prefix);
    const oms = put(s.dir, 'oms-transactions.csv', csv(header, good[0], bad, good[1]));
    const erp = put(s.dir, 'erp-transactions.csv', csv(['order_id', 'type', 'amount', 'currency'], ['SO-1', 'INV', '10.00', 'USD'], ['SO-3', 'INV', '7.50', 'USD']));
    const r = await run(['reconcile', 'financial', '--oms', oms, '--erp', erp, '--out', s.out]);
    return { r, s, oms };
  }

  it('a row with a bad amount', async () => {
    // Prepare / Act: thousands grouped wrongly (quoted, so the comma is inside the cell)
    const { r, s, oms } = await financialWithBadRow('amount', ['order_id', 'type', 'amount', 'currency'], ['SO-2', 'sale', '"1,23.45"', 'USD'], [
      ['SO-1', 'sale', '10.00', 'USD'],
      ['SO-3', 'sale', '7.5', 'USD'],
    ]);
    // Assess
    expectRejectedRow(r, s, { file: oms, line: 3, reason: /^amount: not a number: "1,23\.45"$/ });
  });

  it('a row with a bad date', async () => {
    // Prepare: 30 February, in the time of a count (it orders snapshots: the comparison uses it)
    const s = setup('date');
    const header = [...INVENTORY_HEADER, 'as_of'];
    const oms = put(s.dir, 'oms-inventory.csv', csv(header, ['SKU-1', 'DAL1', '5', '2026-02-01'], ['SKU-2', 'DAL1', '3', '2026-02-30'], ['SKU-3', 'DAL1', '4', '2026-02-01']));
    // Act
    const r = await inventory(s, oms);
    // Assess
    expectRejectedRow(r, s, { file: oms, line: 3, reason: /^as_of: not a timestamp \(day 30\): "2026-02-30"$/ });
  });

  it('a quantity beyond ±(2^53 − 1)', async () => {
    // Prepare: 2^53 + 1 would come out of report.json as 2^53 (a JSON number holds no more)
    const s = setup('bigquantity');
    const oms = put(s.dir, 'oms-inventory.csv', csv(INVENTORY_HEADER, ['SKU-1', 'DAL1', '5'], ['SKU-2', 'DAL1', '9007199254740993'], ['SKU-3', 'DAL1', '4']));
    // Act
    const r = await inventory(s, oms);
    // Assess
    expectRejectedRow(r, s, { file: oms, line: 3, reason: /^on_hand: beyond ±9007199254740991 \(2\^53 − 1\), the largest count a report gives exactly: "9007199254740993"$/ });
  });

  it('a timestamp more than 24 h in the future', async () => {
    // Prepare: a count dated 2062 would be the newest snapshot until 2062
    const s = setup('future');
    const header = [...INVENTORY_HEADER, 'as_of'];
    const oms = put(s.dir, 'oms-inventory.csv', csv(header, ['SKU-1', 'DAL1', '5', '2026-11-12'], ['SKU-2', 'DAL1', '9', '2062-01-01T00:00:00Z'], ['SKU-3', 'DAL1', '4', '2026-11-12']));
    // Act
    const r = await inventory(s, oms);
    // Assess
    expectRejectedRow(r, s, { file: oms, line: 3, reason: /^as_of: 2062-01-01T00:00:00\.000Z is more than 24 h in the future \(after \d{4}-\d\d-\d\dT[\d:.]+Z; timestamps\.futureSkewHours\)$/ });
  });

  it('a year 0000–0099 or a two-digit year', async () => {
    // Prepare: 0026 must not become 1926 (nor 2026), in the time of a count (the comparison uses it)
    const s = setup('year');
    const header = [...INVENTORY_HEADER, 'as_of'];
    const oms = put(s.dir, 'oms-inventory.csv', csv(header, ['SKU-1', 'DAL1', '5', '2026-02-01'], ['SKU-2', 'DAL1', '3', '0026-02-01'], ['SKU-3', 'DAL1', '4', '2026-02-01']));
    // Act
    const r = await inventory(s, oms);
    // Assess
    expectRejectedRow(r, s, { file: oms, line: 3, reason: /^as_of: not a timestamp \(year 0026: a two-digit year\? years 0000–0099 are not read\): "0026-02-01"$/ });
  });

  it('a row with the wrong field count', async () => {
    // Prepare: an unquoted comma in the amount splits it in two
    const { r, s, oms } = await financialWithBadRow('width', ['order_id', 'type', 'amount', 'currency'], ['SO-2', 'sale', '1', '234.50', 'USD'], [
      ['SO-1', 'sale', '10.00', 'USD'],
      ['SO-3', 'sale', '7.50', 'USD'],
    ]);
    // Assess
    expectRejectedRow(r, s, { file: oms, line: 3, reason: /^expected 4 fields, found 5$/ });
  });

  it('a row with an empty required value', async () => {
    // Prepare / Act
    const { r, s, oms } = await financialWithBadRow('emptyvalue', ['order_id', 'type', 'amount', 'currency'], ['SO-2', 'sale', '', 'USD'], [
      ['SO-1', 'sale', '10.00', 'USD'],
      ['SO-3', 'sale', '7.50', 'USD'],
    ]);
    // Assess
    expectRejectedRow(r, s, { file: oms, line: 3, reason: /^amount: required value is empty$/ });
  });

  it('a JSON row without a required key', async () => {
    // Prepare: the exporter left out a null on_hand — in the FIRST object, which must not sink the file
    const s = setup('jsonkey');
    const oms = put(
      s.dir,
      'oms-inventory.ndjson',
      '{"sku": "SKU-2", "facility_id": "DAL1"}\n{"sku": "SKU-1", "facility_id": "DAL1", "on_hand": 5}\n{"sku": "SKU-3", "facility_id": "DAL1", "on_hand": 4}\n',
    );
    // Act
    const r = await inventory(s, oms);
    // Assess
    expectRejectedRow(r, s, { file: oms, line: 1, reason: /^on_hand: required value is empty$/ });
  });

  it('a row with an unknown transaction type', async () => {
    // Prepare / Act
    const { r, s, oms } = await financialWithBadRow('txtype', ['order_id', 'type', 'amount', 'currency'], ['SO-2', 'chargeback', '3.00', 'USD'], [
      ['SO-1', 'sale', '10.00', 'USD'],
      ['SO-3', 'INV', '7.50', 'USD'],
    ]);
    // Assess
    expectRejectedRow(r, s, { file: oms, line: 3, reason: /^type: unknown value "chargeback" \(expected one of: sale, invoice, inv, return, refund, credit, credit_memo, cm, rma\)$/ });
  });

  it('a row with an unknown allocation status', async () => {
    // Prepare: "shipped" is a shipment word, not an allocation status
    const s = setup('status');
    const header = ['order_id', 'line_id', 'location_id', 'quantity', 'status'];
    const oms = put(s.dir, 'oms-allocations.csv', csv(header, ['SO-1', '1', 'DAL1', '2', 'fulfilled'], ['SO-1', '2', 'DAL1', '1', 'shipped'], ['SO-2', '1', 'DAL1', '1', 'allocated']));
    const wh = put(s.dir, 'shipments.csv', csv(['order_id', 'line_id', 'location_id', 'quantity'], ['SO-1', '1', 'DAL1', '2']));
    // Act
    const r = await run(['reconcile', 'fulfillment', '--oms', oms, '--warehouse', wh, '--out', s.out]);
    // Assess
    expectRejectedRow(r, s, { file: oms, line: 3, reason: /^status: unknown value "shipped" \(expected one of: allocated, fulfilled, cancelled, canceled\)$/ });
  });

  it('a row with a currency that is not ISO 4217', async () => {
    // Prepare / Act
    const { r, s, oms } = await financialWithBadRow('currency', ['order_id', 'type', 'amount', 'currency'], ['SO-2', 'sale', '3.00', 'US$'], [
      ['SO-1', 'sale', '10.00', 'USD'],
      ['SO-3', 'sale', '7.50', 'usd'],
    ]);
    // Assess
    expectRejectedRow(r, s, { file: oms, line: 3, reason: /^currency: not an ISO 4217 currency code: "US\$"$/ });
  });

  it('a row whose type or status is the name of an object property', async () => {
    // Prepare / Act: `constructor` is a property of every JavaScript object, not a transaction type
    const { r, s, oms } = await financialWithBadRow('proto', ['order_id', 'type', 'amount', 'currency'], ['SO-2', 'constructor', '20', 'USD'], [
      ['SO-1', 'sale', '10.00', 'USD'],
      ['SO-3', 'sale', '7.50', 'USD'],
    ]);
    // Assess: rejected with its line, and not counted as used
    const report = expectRejectedRow(r, s, { file: oms, line: 3, reason: /^type: unknown value "constructor" \(expected one of: sale, invoice, inv, return, refund, credit, credit_memo, cm, rma\)$/ });
    expect(report.files[0]).toMatchObject({ read: 3, used: 2, rejected: 1 });
  });

  it('a row whose key is longer than the store holds', async () => {
    // Prepare / Act: a 600-byte order ID (the key values may take 512 bytes: a DynamoDB sort key holds 1,024)
    const { r, s, oms } = await financialWithBadRow('longkey', ['order_id', 'type', 'amount', 'currency'], ['O'.repeat(600), 'sale', '20', 'USD'], [
      ['SO-1', 'sale', '10.00', 'USD'],
      ['SO-3', 'sale', '7.50', 'USD'],
    ]);
    // Assess
    expectRejectedRow(r, s, { file: oms, line: 3, reason: /^key too long: order_id, document_id take 600 bytes together \(at most 512: limits\.keyBytes\)$/ });
  });

  it('a row larger than the store holds', async () => {
    // Prepare: a 450 KB carrier name (a DynamoDB item holds 400 KB; a row's values may take 64 KiB)
    const s = setup('bigrow');
    const header = ['order_id', 'line_id', 'location_id', 'quantity', 'carrier'];
    const oms = put(s.dir, 'oms-allocations.csv', csv(['order_id', 'line_id', 'location_id', 'quantity'], ['SO-1', '1', 'DAL1', '2'], ['SO-2', '1', 'DAL1', '1']));
    const wh = put(s.dir, 'shipments.csv', csv(header, ['SO-1', '1', 'DAL1', '2', 'UPS'], ['SO-2', '1', 'DAL1', '1', 'C'.repeat(450 * 1024)], ['SO-2', '1', 'DAL1', '1', 'UPS']));
    // Act
    const r = await run(['reconcile', 'fulfillment', '--oms', oms, '--warehouse', wh, '--out', s.out]);
    // Assess
    expectRejectedRow(r, s, { file: wh, line: 3, reason: /^row too large: its values take 460810 bytes \(at most 65536: limits\.rowBytes\)$/ });
  });

  it('a row with a number of too many digits', async () => {
    // Prepare / Act: a 100,000-digit amount (reading it whole would cost seconds; more digits, minutes)
    const { r, s, oms } = await financialWithBadRow('digits', ['order_id', 'type', 'amount', 'currency'], ['SO-2', 'sale', '9'.repeat(100_000), 'USD'], [
      ['SO-1', 'sale', '10.00', 'USD'],
      ['SO-3', 'sale', '7.50', 'USD'],
    ]);
    // Assess
    expectRejectedRow(r, s, { file: oms, line: 3, reason: /^amount: a number of 100000 digits \(at most 40: limits\.numberDigits\)$/ });
  });

  it('a row a partner may not report', async () => {
    // Prepare: partner acme may report DAL1 only; its count file also carries DAL9
    const s = setup('partner');
    const oms = put(s.dir, 'oms-inventory.csv', COUNTS);
    const counts = put(s.dir, 'warehouse-inventory/acme/counts.csv', csv(INVENTORY_HEADER, ['SKU-1', 'DAL1', '5'], ['SKU-3', 'DAL1', '4'], ['SKU-1', 'DAL9', '3']));
    const config = put(s.dir, 'recon.json', JSON.stringify({ partners: [{ name: 'acme', facilities: ['DAL1'] }] }));
    // Act
    const r = await run(['reconcile', 'inventory', '--oms', oms, '--warehouse', counts, '--config', config, '--out', s.out]);
    // Assess
    expectRejectedRow(r, s, { file: counts, line: 4, reason: /^partner acme may not report facility "DAL9" \(acme's facilities: DAL1\)$/ });
  });
});

describe('bad input: warnings and accounting', () => {
  it('a value that does not parse in a field the comparison does not use', async () => {
    // Prepare: a transaction date the ERP wrote its own way (financial compares amounts, not dates)
    const s = setup('unparsed');
    const oms = put(s.dir, 'oms-transactions.csv', csv(['order_id', 'type', 'amount', 'date'], ['SO-1', 'sale', '10.00', '01/02/2026'], ['SO-3', 'sale', '7.50', '2026-02-01']));
    const erp = put(s.dir, 'erp-transactions.csv', csv(['order_id', 'type', 'amount'], ['SO-1', 'INV', '10.00'], ['SO-3', 'INV', '7.50']));
    // Act
    const r = await run(['reconcile', 'financial', '--oms', oms, '--erp', erp, '--out', s.out]);
    // Assess: the row is used without its date; one warning for the column
    expect(r.code, r.err).toBe(0);
    expectNoStackTrace(r);
    const report = readReport(s.out);
    expect(report.rejected).toEqual([]);
    expect(report.summary.matched).toBe(2);
    expect(report.warnings).toEqual([expect.objectContaining({ code: 'unparsed_values', file: oms, column: 'date', count: 1, line: 2, example: '01/02/2026' })]);
    expect(r.out).toMatch(/- unparsed_values: 1 value of column "date" could not be read and was left out/);
  });

  it('every row of a file rejected, other files of the side usable', async () => {
    // Prepare: the OMS side has a good file and a file of nothing but bad rows
    const s = setup('filerejected');
    const good = put(s.dir, 'oms-inventory.csv', COUNTS);
    const bad = put(s.dir, 'oms-inventory-late.csv', csv(INVENTORY_HEADER, ['SKU-1', 'DAL1', 'n/a'], ['SKU-3', 'DAL1', 'n/a']));
    const counts = put(s.dir, 'counts.csv', COUNTS);
    // Act
    const r = await run(['reconcile', 'inventory', '--oms', good, '--oms', bad, '--warehouse', counts, '--out', s.out]);
    // Assess
    expect(r.code, r.err).toBe(0);
    expectNoStackTrace(r);
    const report = readReport(s.out);
    expect(report.warnings).toContainEqual({ code: 'no_rows', message: `every row of ${bad} was rejected`, file: bad });
    expect(report.rejected.map((x) => [x.file, x.line])).toEqual([[bad, 2], [bad, 3]]);
    expect(r.out).toMatch(/warnings\s+1\n\s+- no_rows: every row of .*oms-inventory-late\.csv was rejected/);
  });

  it('two rows for one key that the boundary does not count as a discrepancy', async () => {
    // Prepare: the OMS lists SKU-1 at DAL1 twice (inventory has no duplicate type)
    const s = setup('duplicate');
    const oms = put(s.dir, 'oms-inventory.csv', csv(INVENTORY_HEADER, ['SKU-1', 'DAL1', '2'], ['SKU-3', 'DAL1', '4'], ['SKU-1', 'DAL1', '5']));
    // Act
    const r = await inventory(s, oms);
    // Assess: the later row wins (5 = the count), both lines named
    expect(r.code, r.err).toBe(0);
    expectNoStackTrace(r);
    const report = readReport(s.out);
    expect(report.warnings).toEqual([
      {
        code: 'duplicate_key',
        message: `oms has two rows for sku=SKU-1 facility_id=DAL1: ${oms}:4 is used, ${oms}:2 is ignored`,
        file: oms,
        lines: [2, 4],
        key: { sku: 'SKU-1', facility_id: 'DAL1' },
      },
    ]);
    expect(report.discrepancies).toEqual([]);
    expect(r.out).toMatch(/warnings\s+1\n\s+- duplicate_key: oms has two rows for sku=SKU-1 facility_id=DAL1: /);
  });

  it('a JSON object with a duplicated key', async () => {
    // Prepare: the second object says on_hand twice; the last value (4) is the one read, as JSON.parse does
    const s = setup('jsondupkey');
    const oms = put(s.dir, 'oms-inventory.json', '[\n{"sku": "SKU-1", "facility_id": "DAL1", "on_hand": 5},\n{"sku": "SKU-3", "facility_id": "DAL1", "on_hand": 9, "on_hand": 4}\n]\n');
    // Act
    const r = await inventory(s, oms);
    // Assess
    expect(r.code, r.err).toBe(0);
    expectNoStackTrace(r);
    const report = readReport(s.out);
    expect(report.discrepancies).toEqual([]);
    expect(report.warnings).toEqual([
      { code: 'duplicate_json_key', message: `${oms}:3: an object holds the key "on_hand" twice: its last value is used`, file: oms, lines: [3] },
    ]);
  });

  it('two files of one side with the same content (a copy, a symlink)', async () => {
    // Prepare: an OMS export of transactions without document IDs, given again as a copy and
    // through a symlink: counted three times, SO-1 would be a 20.00 amount_mismatch
    const s = setup('samefile');
    const header = ['order_id', 'type', 'amount', 'currency'];
    const first = put(s.dir, 'oms-transactions.csv', csv(header, ['SO-1', 'sale', '10.00', 'USD']));
    const copy = put(s.dir, 'oms-transactions (1).csv', csv(header, ['SO-1', 'sale', '10.00', 'USD']));
    const link = join(s.dir, 'latest.csv');
    symlinkSync(first, link);
    const erp = put(s.dir, 'erp-transactions.csv', csv(header, ['SO-1', 'INV', '10.00', 'USD']));
    // Act
    const r = await run(['reconcile', 'financial', '--oms', first, copy, link, '--erp', erp, '--out', s.out]);
    // Assess
    expect(r.code, r.err).toBe(0);
    expectNoStackTrace(r);
    const report = readReport(s.out);
    expect(report.discrepancies).toEqual([]);
    expect(report.warnings).toEqual([copy, link].map((f) => ({
      code: 'duplicate_file',
      message: `${f} has the same content as ${first} (same sha256): its rows are counted once, from ${first}`,
      file: f,
    })));
    expect(report.files.map((f) => [f.file, f.read, f.used, f.duplicateOf])).toEqual([
      [first, 1, 1, undefined], [copy, 0, 0, first], [link, 0, 0, first], [erp, 1, 1, undefined],
    ]);
    expect(report.summary.rows).toEqual({ read: 2, used: 2, rejected: 0 });
  });

  it('two counts whose difference is beyond ±(2^53 − 1)', async () => {
    // Prepare: each count is within range; their difference is 2^54 − 2, which a JSON number would round
    const s = setup('bigdelta');
    const oms = put(s.dir, 'oms-inventory.csv', csv(INVENTORY_HEADER, ['SKU-1', 'DAL1', '5'], ['SKU-3', 'DAL1', '9007199254740991']));
    const counts = put(s.dir, 'counts.csv', csv(INVENTORY_HEADER, ['SKU-1', 'DAL1', '5'], ['SKU-3', 'DAL1', '-9007199254740991']));
    // Act
    const r = await inventory(s, oms, counts);
    // Assess: the discrepancy is reported, its delta and units exact, as text
    expect(r.code, r.err).toBe(1);
    expectNoStackTrace(r);
    const report = readReport(s.out);
    expect(report.discrepancies).toMatchObject([
      { type: 'quantity_mismatch', key: { sku: 'SKU-3' }, oms: { on_hand: 9007199254740991 }, warehouse: { on_hand: -9007199254740991 }, delta: '18014398509481982', impact: { units: '18014398509481982' } },
    ]);
    expect(report.summary.atRisk.units).toBe('18014398509481982');
    expect(r.out).toMatch(/units at risk\s+18,014,398,509,481,982$/m);
  });

  it('a value a spreadsheet would run as a formula (`=1+1`, `A;=1+1`)', async () => {
    // Prepare: SKUs that Excel would run, whether it splits cells on `,` or on `;` (European locales)
    const s = setup('formula');
    const oms = put(s.dir, 'oms-inventory.csv', csv(INVENTORY_HEADER, ['=1+1', 'DAL1', '5'], ['A;=1+1', 'DAL1', '4'], ['B;@SUM(A1)', 'DAL1', '1']));
    const counts = put(s.dir, 'counts.csv', csv(INVENTORY_HEADER, ['=1+1', 'DAL1', '6'], ['A;=1+1', 'DAL1', '5'], ['B;@SUM(A1)', 'DAL1', '2']));
    // Act
    const r = await inventory(s, oms, counts);
    // Assess: read with `,` or with `;` as the separator, no cell starts a formula
    expect(r.code, r.err).toBe(1);
    const text = readFileSync(join(s.out, 'discrepancies.csv'), 'utf8').replace(/^\uFEFF/, '');
    const rows = text.trimEnd().split('\r\n').slice(1);
    expect(rows.map((l) => splitCsvLine(l, ',')[1])).toEqual(["'=1+1", "A;'=1+1", "B;'@SUM(A1)"]);
    for (const separator of [',', ';']) {
      for (const cell of rows.flatMap((l) => splitCsvLine(l, separator))) expect(cell, `${separator}: ${cell}`).not.toMatch(/^[=+@\t\r]|^-\D/);
    }
  });

  it('an empty "folder" object in S3 (a key ending in `/`)', async () => {
    // Prepare: the pipeline on its stand-ins; the S3 console's "Create folder" under a partner prefix
    const { startStandIns } = await import('../pipeline/harness.ts');
    const standIns = await startStandIns();
    try {
      const p = await standIns.stage();
      const folder = await p.deliver('inbound/oms-inventory/acme/', '');
      await p.deliver('inbound/oms-inventory/acme/oms.csv', COUNTS);
      await p.deliver('inbound/warehouse-inventory/counts.csv', COUNTS);
      // Act
      const run = await p.runStateMachine('inventory');
      // Assess: ignored (not claimed, not failed), and the run is all clear with no warning
      expect(folder).toMatchObject({ status: 'ignored' });
      expect(run.error).toBeUndefined();
      expect(run.report!.warnings).toEqual([]);
      expect(run.report!.files.map((f) => f.file)).toEqual([`s3://${p.bucket}/inbound/oms-inventory/acme/oms.csv`, `s3://${p.bucket}/inbound/warehouse-inventory/counts.csv`]);
      expect(run.report!.summary.discrepancies).toBe(0);
    } finally {
      await standIns.stop();
    }
  }, 180_000); // (stand-ins and the state machine: slow on a busy machine)

  it('rows read = used + rejected, for every file', async () => {
    // Prepare: one side in three files and three formats, with bad rows in two of them
    const s = setup('accounting');
    const a = put(s.dir, 'dal1.csv', csv(INVENTORY_HEADER, ['SKU-1', 'DAL1', '5'], ['SKU-2', 'DAL1', 'x'], ['SKU-3', 'DAL1', '4']));
    const b = put(s.dir, 'atl1.json', JSON.stringify({ rows: [{ sku: 'SKU-1', facility_id: 'ATL1', on_hand: 1 }, { sku: 'SKU-9', facility_id: 'ATL1', on_hand: 'lots' }] }));
    const c = put(s.dir, 'phx2.ndjson.gz', gzipSync('{"sku":"SKU-1","facility_id":"PHX2","on_hand":7}\n'));
    const counts = put(
      s.dir,
      'counts.csv',
      csv(INVENTORY_HEADER, ['SKU-1', 'DAL1', '5'], ['SKU-3', 'DAL1', '4'], ['SKU-1', 'ATL1', '1'], ['SKU-1', 'PHX2', '7']),
    );
    // Act
    const r = await run(['reconcile', 'inventory', '--oms', a, '--oms', b, '--oms', c, '--warehouse', counts, '--out', s.out]);
    // Assess
    expect(r.code, r.err).toBe(0);
    expectNoStackTrace(r);
    const report = readReport(s.out);
    expect(report.files.map((f) => ({ file: f.file, format: f.format, read: f.read, used: f.used, rejected: f.rejected }))).toEqual([
      { file: a, format: 'csv', read: 3, used: 2, rejected: 1 },
      { file: b, format: 'json', read: 2, used: 1, rejected: 1 },
      { file: c, format: 'ndjson', read: 1, used: 1, rejected: 0 },
      { file: counts, format: 'csv', read: 4, used: 4, rejected: 0 },
    ]);
    expect(report.summary.rows).toEqual({ read: 10, used: 8, rejected: 2 });
    // sorted by file, then line: atl1.json before dal1.csv
    expect(report.rejected.map((x) => [x.file, x.line])).toEqual([[b, 1], [a, 3]]);
    expect(r.out).toMatch(/rows\s+read 10, used 8, rejected 2$/m);
  });

  it('more rejected rows or warnings than the report keeps', async () => {
    // Prepare: 30 bad rows and 12 duplicate rows, with 5 of each kept
    const s = setup('kept');
    const bad = Array.from({ length: 30 }, (_, i) => [`BAD-${i}`, 'DAL1', 'n/a']);
    const dup = Array.from({ length: 12 }, (_, i) => [`SKU-${100 + i}`, 'DAL1', '1']);
    const oms = put(s.dir, 'oms-inventory.csv', csv(INVENTORY_HEADER, ['SKU-1', 'DAL1', '5'], ['SKU-3', 'DAL1', '4'], ...bad, ...dup, ...dup));
    const counts = put(s.dir, 'counts.csv', csv(INVENTORY_HEADER, ['SKU-1', 'DAL1', '5'], ['SKU-3', 'DAL1', '4'], ...dup));
    const config = put(s.dir, 'recon.json', JSON.stringify({ limits: { keptRejected: 5, keptWarnings: 5 } }));
    // Act
    const r = await run(['reconcile', 'inventory', '--oms', oms, '--warehouse', counts, '--config', config, '--out', s.out]);
    // Assess: the first 5 of each in the report, the exact counts, and every one in the full lists
    expect(r.code, r.err).toBe(0);
    expectNoStackTrace(r);
    const report = readReport(s.out);
    expect(report.rejected.map((x) => x.line)).toEqual([4, 5, 6, 7, 8]);
    expect(report.summary.rows).toEqual({ read: 70, used: 40, rejected: 30 });
    expect(report.warnings).toHaveLength(5);
    expect(report.warnings.every((w) => w.code === 'duplicate_key')).toBe(true);
    expect(report.truncated).toEqual({
      rejected: { kept: 5, total: 30, full: ['rejected.csv'] },
      warnings: { kept: 5, total: 12, full: ['warnings.ndjson'] },
    });
    const full = readFileSync(join(s.out, 'rejected.csv'), 'utf8').trimEnd().split('\n');
    expect(full[0]).toBe('file,line,reason');
    expect(full.slice(1).map((l) => Number(l.split(',').at(-2)))).toEqual(Array.from({ length: 30 }, (_, i) => i + 4));
    const warnings = readFileSync(join(s.out, 'warnings.ndjson'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { code: string });
    expect(warnings.map((w) => w.code)).toEqual(Array(12).fill('duplicate_key'));
    expect(r.out).toMatch(/rows\s+read 70, used 40, rejected 30$/m);
    expect(r.out).toMatch(/warnings\s+12\n/);
  });
});
