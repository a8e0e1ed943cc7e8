/**
 * `oms-recon reconcile` as a user sees it: exit codes like diff (0 agree, 1 discrepancies,
 * 2 trouble), the files in --out, the printed summary, and usage errors. Runs `main` in-process;
 * a few tests spawn the real bin to check what the shell sees.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BoundaryName } from '../../lib/feeds/catalog.ts';
import { csv, errorLine, expectNoStackTrace, put, readReport, reportExists, run, spawnCli, tempDir } from './helpers.ts';

interface Pair {
  sides: [string, string];
  left: string;
  rightAgree: string;
  rightDiffer: string;
  /** What the differing pair must report. */
  expected: { type: string; key: Record<string, string> };
}

const PAIRS: Record<BoundaryName, Pair> = {
  intake: {
    sides: ['channel', 'oms'],
    left: csv(['channel', 'channel_order_id', 'total', 'currency'], ['shop', '1001', '10.00', 'USD'], ['shop', '1002', '25.50', 'USD']),
    // Same orders; totals written differently, channel in another case: still a match.
    rightAgree: csv(['Channel', 'Channel Order ID', 'OMS Order ID', 'Total', 'Currency'], ['SHOP', '1001', 'O-1', '10', 'USD'], ['Shop', '1002', 'O-2', '25.5', 'usd']),
    rightDiffer: csv(['channel', 'channel_order_id', 'oms_order_id', 'total', 'currency'], ['shop', '1001', 'O-1', '10.00', 'USD']),
    expected: { type: 'missing_in_oms', key: { channel: 'shop', channel_order_id: '1002' } },
  },
  fulfillment: {
    sides: ['oms', 'warehouse'],
    left: csv(['order_id', 'line_id', 'location_id', 'quantity', 'status'], ['SO-1', '1', 'DAL1', '2', 'fulfilled'], ['SO-1', '2', 'DAL1', '1', 'fulfilled']),
    rightAgree: csv(['order_id', 'line_id', 'location_id', 'quantity', 'shipment_id'], ['SO-1', '1', 'DAL1', '2', 'PK-1'], ['SO-1', '2', 'DAL1', '1', 'PK-1']),
    rightDiffer: csv(['order_id', 'line_id', 'location_id', 'quantity', 'shipment_id'], ['SO-1', '1', 'DAL1', '2', 'PK-1']),
    expected: { type: 'not_shipped', key: { order_id: 'SO-1', line_id: '2' } },
  },
  inventory: {
    sides: ['oms', 'warehouse'],
    left: csv(['sku', 'facility_id', 'on_hand'], ['SKU-1', 'DAL1', '5'], ['SKU-2', 'DAL1', '3']),
    rightAgree: csv(['sku', 'facility_id', 'on_hand'], ['SKU-1', 'DAL1', '5'], ['SKU-2', 'DAL1', '3.0']),
    rightDiffer: csv(['sku', 'facility_id', 'on_hand'], ['SKU-1', 'DAL1', '5'], ['SKU-2', 'DAL1', '4']),
    expected: { type: 'quantity_mismatch', key: { sku: 'SKU-2', facility_id: 'DAL1' } },
  },
  financial: {
    sides: ['oms', 'erp'],
    left: csv(['order_id', 'type', 'amount', 'currency'], ['SO-1', 'sale', '10.00', 'USD'], ['SO-2', 'sale', '5.00', 'USD']),
    rightAgree: csv(['order_id', 'type', 'amount', 'currency', 'document_id'], ['SO-1', 'INV', '10', 'USD', 'INV-1'], ['SO-2', 'invoice', '5.0', 'USD', 'INV-2']),
    rightDiffer: csv(['order_id', 'type', 'amount', 'currency', 'document_id'], ['SO-1', 'INV', '10', 'USD', 'INV-1']),
    expected: { type: 'not_booked', key: { order_id: 'SO-2' } },
  },
};

/** Writes one pair into a fresh directory; returns the argv of `reconcile` for it and the out dir. */
function preparePair(boundary: BoundaryName, agree: boolean): { argv: string[]; out: string; dir: string } {
  const p = PAIRS[boundary];
  const dir = tempDir(`${boundary}-`);
  const left = put(dir, `${p.sides[0]}.csv`, p.left);
  const right = put(dir, `${p.sides[1]}.csv`, agree ? p.rightAgree : p.rightDiffer);
  const out = join(dir, 'out');
  return { argv: ['reconcile', boundary, `--${p.sides[0]}`, left, `--${p.sides[1]}`, right, '--out', out], out, dir };
}

describe('reconcile: exit codes per boundary', () => {
  it.each(Object.keys(PAIRS) as BoundaryName[])('%s: exit 1 with the discrepancy when the sides differ', async (boundary) => {
    // Prepare
    const { argv, out } = preparePair(boundary, false);
    // Act
    const r = await run(argv);
    // Assess
    expect(r.code, r.err).toBe(1);
    const report = readReport(out);
    expect(report.boundary).toBe(boundary);
    expect(report.discrepancies).toEqual([
      expect.objectContaining({ type: PAIRS[boundary].expected.type, key: expect.objectContaining(PAIRS[boundary].expected.key) }),
    ]);
    expect(report.summary.discrepancies).toBe(1);
    expect(r.out).toContain(PAIRS[boundary].expected.type);
    expectNoStackTrace(r);
  });

  it.each(Object.keys(PAIRS) as BoundaryName[])('%s: exit 0 and no discrepancies when the sides agree', async (boundary) => {
    // Prepare
    const { argv, out } = preparePair(boundary, true);
    // Act
    const r = await run(argv);
    // Assess
    expect(r.code, r.err).toBe(0);
    const report = readReport(out);
    expect(report.discrepancies).toEqual([]);
    expect(report.summary).toMatchObject({ discrepancies: 0, matched: 2, left: 2, right: 2 });
    expect(r.out).toContain('all clear');
    expect(r.err).toBe('');
  });
});

describe('reconcile: what --out receives', () => {
  it('report.json carries the contract keys: boundary, summary, discrepancies, rejected, warnings', async () => {
    // Prepare: one discrepancy, one rejected row, one duplicate warning
    const dir = tempDir('contract-');
    const oms = put(dir, 'oms.csv', csv(['sku', 'facility_id', 'on_hand'], ['SKU-1', 'DAL1', '5'], ['SKU-2', 'DAL1', 'lots'], ['SKU-3', 'DAL1', '1'], ['SKU-3', 'DAL1', '1']));
    const wh = put(dir, 'wh.csv', csv(['sku', 'facility_id', 'on_hand'], ['SKU-1', 'DAL1', '7'], ['SKU-3', 'DAL1', '1']));
    const out = join(dir, 'out');
    // Act
    const r = await run(['reconcile', 'inventory', '--oms', oms, '--warehouse', wh, '--out', out]);
    // Assess
    expect(r.code, r.err).toBe(1);
    const report = readReport(out);
    expect(report).toMatchObject({
      boundary: 'inventory',
      summary: { left: 2, right: 2, matched: 1, discrepancies: 1, byType: { quantity_mismatch: 1 } },
      discrepancies: [{ type: 'quantity_mismatch', key: { sku: 'SKU-1', facility_id: 'DAL1' }, offsetting: false, oms: { on_hand: 5 }, warehouse: { on_hand: 7 }, delta: -2 }],
      rejected: [{ file: oms, line: 3, reason: expect.stringContaining('on_hand') }],
      warnings: [expect.objectContaining({ code: 'duplicate_key', file: oms, lines: [4, 5] })],
    });
  });

  it('discrepancies.csv neutralises formula-like keys with a leading quote, plain negative numbers stay numbers', async () => {
    // Prepare: SKUs a spreadsheet would run as formulas, counted only by the OMS
    const dir = tempDir('formula-');
    const oms = put(
      dir,
      'oms.csv',
      'sku,facility_id,on_hand\n' +
        '"=HYPERLINK(""http://evil.example"",""click"")",DAL1,5\n' +
        '+SUM(A1:A2),DAL1,2\n' +
        '@cmd,DAL1,1\n' +
        'SKU-OK,DAL1,1\n',
    );
    const wh = put(dir, 'wh.csv', csv(['sku', 'facility_id', 'on_hand'], ['SKU-OK', 'DAL1', '1'], ['SKU-WH', 'DAL1', '3']));
    const out = join(dir, 'out');
    // Act
    const r = await run(['reconcile', 'inventory', '--oms', oms, '--warehouse', wh, '--out', out]);
    // Assess
    expect(r.code, r.err).toBe(1);
    const text = readFileSync(join(out, 'discrepancies.csv'), 'utf8');
    const lines = text.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toMatch(/^type,sku,facility_id,/);
    const bySku = (start: string) => lines.find((l) => l.startsWith(`missing_in_warehouse,${start}`) || l.startsWith(`missing_in_oms,${start}`));
    expect(bySku(`"'=HYPERLINK(""http://evil.example"",""click"")",DAL1,`)).toBeDefined();
    expect(bySku(`'+SUM(A1:A2),DAL1,`)).toBeDefined();
    expect(bySku(`'@cmd,DAL1,`)).toBeDefined();
    // SKU-WH: counted by the warehouse only, delta −3 is a number, not a formula
    expect(bySku('SKU-WH,DAL1,')).toMatch(/,-3,/);
    // no cell of any record starts a formula unquoted
    for (const l of lines.slice(1)) expect(l).not.toMatch(/(^|,)"?[=+@]/);
  });

  it('summary.md is written, with the counts per type and the rejected rows', async () => {
    // Prepare
    const dir = tempDir('md-');
    const oms = put(dir, 'oms.csv', csv(['order_id', 'type', 'amount'], ['SO-1', 'sale', '10.00'], ['SO-2', 'sale', 'ten']));
    const erp = put(dir, 'erp.csv', csv(['order_id', 'type', 'amount'], ['SO-1', 'INV', '12.00']));
    const out = join(dir, 'out');
    // Act
    const r = await run(['reconcile', 'financial', '--oms', oms, '--erp', erp, '--out', out]);
    // Assess
    expect(r.code, r.err).toBe(1);
    const md = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(md).toContain('# Reconciliation: financial (oms vs erp)');
    expect(md).toContain('| `amount_mismatch` | 1 |');
    expect(md).toContain('## Rejected rows (1)');
  });

  it('stdout shows counts per type, match rate, money and units at risk, rejected rows, warnings and the output paths', async () => {
    // Prepare: a not_booked sale of 5.00 USD, a rejected row, a duplicate document (warning)
    const dir = tempDir('stdout-');
    const oms = put(
      dir,
      'oms.csv',
      csv(
        ['order_id', 'type', 'amount', 'currency', 'document_id'],
        ['SO-1', 'sale', '10.00', 'USD', 'S-1'],
        ['SO-2', 'sale', '5.00', 'USD', 'S-2'],
        ['SO-3', 'sale', '1O.00', 'USD', 'S-3'],
        ['SO-1', 'sale', '10.00', 'USD', 'S-1'],
      ),
    );
    const erp = put(dir, 'erp.csv', csv(['order_id', 'type', 'amount', 'currency', 'document_id'], ['SO-1', 'INV', '10', 'USD', 'INV-1']));
    const out = join(dir, 'out');
    // Act
    const r = await run(['reconcile', 'financial', '--oms', oms, '--erp', erp, '--out', out]);
    // Assess
    expect(r.code, r.err).toBe(1);
    expect(r.out).toContain('financial: oms vs erp - 1 discrepancy');
    expect(r.out).toMatch(/^\s+not_booked\s+1$/m);
    expect(r.out).toMatch(/^\s+total\s+1$/m);
    expect(r.out).toMatch(/match rate\s+50\.00% \(1 of 2 keys matched/);
    expect(r.out).toMatch(/money at risk\s+USD 5\.00/);
    expect(r.out).toMatch(/units at risk\s+0/);
    expect(r.out).toMatch(/rows\s+read 5, used 4, rejected 1/);
    expect(r.out).toMatch(/warnings\s+1\n\s+- duplicate_key: /);
    expect(r.out).toContain(`report: ${join(out, 'report.json')}`);
    expect(r.out).toContain(join(out, 'discrepancies.csv'));
    expect(r.out).toContain(join(out, 'summary.md'));
    expect(r.out).toContain(join(out, 'report.html'));
  });
});

describe('reconcile: options', () => {
  it('--channel repeated: every channel file is read, and each channel is in scope', async () => {
    // Prepare: two channel exports; the OMS misses one order of each channel
    const dir = tempDir('channels-');
    const shop = put(dir, 'shop.csv', csv(['channel', 'channel_order_id'], ['shop', '#1001'], ['shop', '#1002']));
    const web = put(dir, 'web.json', JSON.stringify([{ channel: 'web', channel_order_id: 'W-1' }, { channel: 'web', channel_order_id: 'W-2' }]));
    const oms = put(dir, 'oms.csv', csv(['channel', 'channel_order_id'], ['shop', '#1001'], ['web', 'W-1']));
    const out = join(dir, 'out');
    // Act
    const r = await run(['reconcile', 'intake', '--channel', shop, '--channel', web, '--oms', oms, '--out', out]);
    // Assess
    expect(r.code, r.err).toBe(1);
    const report = readReport(out);
    expect(report.files.map((f) => [f.file, f.side, f.read])).toEqual([[shop, 'channel', 2], [web, 'channel', 2], [oms, 'oms', 2]]);
    expect(report.discrepancies.map((d) => [d.type, d.key.channel_order_id])).toEqual([
      ['missing_in_oms', '#1002'],
      ['missing_in_oms', 'W-2'],
    ]);
    expect(report.summary.outOfScope).toBe(0);
  });

  it('files after a side flag all belong to that side (a shell glob: --channel exports/*)', async () => {
    // Prepare
    const dir = tempDir('glob-');
    const shop = put(dir, 'shop.csv', csv(['channel', 'channel_order_id'], ['shop', '#1001']));
    const web = put(dir, 'web.csv', csv(['channel', 'channel_order_id'], ['web', 'W-1']));
    const oms = put(dir, 'oms.csv', csv(['channel', 'channel_order_id'], ['shop', '#1001']));
    const out = join(dir, 'out');
    // Act
    const r = await run(['reconcile', 'intake', '--channel', shop, web, '--oms', oms, '--out', out]);
    // Assess
    expect(r.code, r.err).toBe(1);
    const report = readReport(out);
    expect(report.files.map((f) => [f.file, f.side])).toEqual([[shop, 'channel'], [web, 'channel'], [oms, 'oms']]);
    expect(report.discrepancies.map((d) => [d.type, d.key.channel_order_id])).toEqual([['missing_in_oms', 'W-1']]);
  });

  it('--config with a tolerance turns a difference within it into a match', async () => {
    // Prepare: on-hand differs by 1; a config allowing 1 unit
    const dir = tempDir('config-');
    const oms = put(dir, 'oms.csv', PAIRS.inventory.left);
    const wh = put(dir, 'wh.csv', PAIRS.inventory.rightDiffer);
    const config = put(dir, 'recon.json', JSON.stringify({ tolerances: { inventory: '1' } }));
    // Act
    const without = await run(['reconcile', 'inventory', '--oms', oms, '--warehouse', wh, '--out', join(dir, 'a')]);
    const withConfig = await run(['reconcile', 'inventory', '--oms', oms, '--warehouse', wh, '--config', config, '--out', join(dir, 'b')]);
    // Assess
    expect(without.code).toBe(1);
    expect(withConfig.code, withConfig.err).toBe(0);
    expect(readReport(join(dir, 'b')).summary).toMatchObject({ discrepancies: 0, matched: 2 });
  });

  it.each([
    ['a value out of range', JSON.stringify({ tolerances: { money: '-1' } }), /invalid config at tolerances\.money: a tolerance cannot be negative/],
    ['an unknown key', JSON.stringify({ tolerance: { money: '1' } }), /invalid config at \(top level\): .*"tolerance"/],
    ['broken JSON', '{ "tolerances": ', /config is not valid JSON/],
  ])('a bad config (%s) → exit 2 naming the config file, nothing written', async (_what, text, message) => {
    // Prepare
    const dir = tempDir('badconfig-');
    const oms = put(dir, 'oms.csv', PAIRS.inventory.left);
    const wh = put(dir, 'wh.csv', PAIRS.inventory.rightAgree);
    const config = put(dir, 'recon.json', text);
    const out = join(dir, 'out');
    // Act
    const r = await run(['reconcile', 'inventory', '--oms', oms, '--warehouse', wh, '--config', config, '--out', out]);
    // Assess
    expect(r.code).toBe(2);
    expect(errorLine(r)).toMatch(new RegExp(`^oms-recon: ${escape(config)}: .*\\[E_CONFIG_INVALID\\]$`));
    expect(errorLine(r)).toMatch(message);
    expect(reportExists(out)).toBe(false);
    expectNoStackTrace(r);
  });

  it('a config file that does not exist → exit 2 naming it', async () => {
    // Prepare
    const dir = tempDir('noconfig-');
    const oms = put(dir, 'oms.csv', PAIRS.inventory.left);
    const wh = put(dir, 'wh.csv', PAIRS.inventory.rightAgree);
    const config = join(dir, 'missing.json');
    // Act
    const r = await run(['reconcile', 'inventory', '--oms', oms, '--warehouse', wh, '--config', config, '--out', join(dir, 'out')]);
    // Assess
    expect(r.code).toBe(2);
    expect(errorLine(r)).toMatch(new RegExp(`^oms-recon: ${escape(config)}: cannot read config file: .*\\[E_FILE_UNREADABLE\\]$`));
    expectNoStackTrace(r);
  });
});

describe('reconcile: usage errors → exit 2 with one clear line', () => {
  it.each([
    ['no boundary', ['reconcile'], /^oms-recon: missing <boundary>$/],
    ['an unknown boundary', ['reconcile', 'shipping', '--oms', 'a.csv', '--warehouse', 'b.csv'], /^oms-recon: unknown boundary "shipping" \(expected one of: intake, fulfillment, inventory, financial\)$/],
    ['a side flag of another boundary', ['reconcile', 'inventory', '--oms', 'a.csv', '--erp', 'b.csv'], /^oms-recon: unknown option --erp for inventory \(sides: --oms, --warehouse; also --config, --out\)$/],
    ['a missing side', ['reconcile', 'financial', '--oms', 'a.csv'], /^oms-recon: no file for side "erp": give --erp <file>$/],
    ['a flag without a value at the end', ['reconcile', 'inventory', '--oms', 'a.csv', '--warehouse'], /^oms-recon: --warehouse needs a value$/],
    ['a flag followed by another flag', ['reconcile', 'inventory', '--oms', '--warehouse', 'b.csv'], /^oms-recon: --oms needs a value$/],
    ['an empty --out=', ['reconcile', 'inventory', '--oms', 'a.csv', '--warehouse', 'b.csv', '--out='], /^oms-recon: --out needs a value$/],
    ['a stray argument', ['reconcile', 'inventory', 'a.csv'], /^oms-recon: unexpected argument "a.csv"$/],
    ['an unknown command', ['reconcil', 'inventory'], /^oms-recon: unknown command "reconcil"$/],
  ])('%s', async (_what, argv, line) => {
    // Act
    const r = await run(argv);
    // Assess
    expect(r.code).toBe(2);
    expect(errorLine(r)).toMatch(line);
    expect(r.err).toContain('usage: oms-recon reconcile <boundary>');
    expect(r.out).toBe('');
    expectNoStackTrace(r);
  });

  it.each([[['--help']], [['-h']], [['reconcile', '--help']], [['reconcile', 'inventory', '--oms', 'a.csv', '--help']], [['sample', '--help']], [['local', '-h']], [['demo', '--help']]])(
    '%j prints the usage and exits 0',
    async (argv) => {
      // Act
      const r = await run(argv);
      // Assess
      expect(r.code).toBe(0);
      expect(r.out).toContain('usage: oms-recon reconcile <boundary> --<side> <file>');
      expect(r.out).toContain('financial    --oms <file>…  --erp <file>…');
      expect(r.err).toBe('');
    },
  );
});

describe('the real bin (spawned)', () => {
  it('default out dir ./out in the working directory; exit 1 on discrepancies', async () => {
    // Prepare: relative file names, cwd = a temp dir
    const dir = realpathSync(tempDir('bin-'));
    put(dir, 'oms.csv', PAIRS.inventory.left);
    put(dir, 'wh.csv', PAIRS.inventory.rightDiffer);
    // Act
    const r = await spawnCli(['reconcile', 'inventory', '--oms', 'oms.csv', '--warehouse', 'wh.csv'], dir);
    // Assess
    expect(r.code, r.err).toBe(1);
    expect(existsSync(join(dir, 'out', 'report.json'))).toBe(true);
    expect(existsSync(join(dir, 'out', 'discrepancies.csv'))).toBe(true);
    expect(existsSync(join(dir, 'out', 'summary.md'))).toBe(true);
    expect(readFileSync(join(dir, 'out', 'report.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/);
    expect(r.out).toContain(`report: ${join(dir, 'out', 'report.json')}`);
    expect(readReport(join(dir, 'out')).rejected).toEqual([]);
    expect(r.err).toBe('');
  });

  it('exit 0 when the sides agree', async () => {
    // Prepare
    const dir = realpathSync(tempDir('bin-'));
    put(dir, 'oms.csv', PAIRS.financial.left);
    put(dir, 'erp.csv', PAIRS.financial.rightAgree);
    // Act
    const r = await spawnCli(['reconcile', 'financial', '--oms', 'oms.csv', '--erp', 'erp.csv', '--out', 'reports'], dir);
    // Assess
    expect(r.code, r.err).toBe(0);
    expect(existsSync(join(dir, 'reports', 'report.json'))).toBe(true);
    expect(r.out).toContain('all clear, no discrepancies');
  });

  it('exit 2 on a missing file: one line on stderr naming it, no stack trace, nothing written', async () => {
    // Prepare
    const dir = realpathSync(tempDir('bin-'));
    put(dir, 'oms.csv', PAIRS.inventory.left);
    // Act
    const r = await spawnCli(['reconcile', 'inventory', '--oms', 'oms.csv', '--warehouse', 'counts.csv'], dir);
    // Assess
    expect(r.code).toBe(2);
    expect(r.err).toBe('oms-recon: counts.csv: cannot open file: no such file [E_FILE_UNREADABLE]\n');
    expect(r.out).toBe('');
    expect(existsSync(join(dir, 'out'))).toBe(false);
    expectNoStackTrace(r);
  });

  it('exit 2 on bad arguments, exit 0 on --help', async () => {
    // Prepare
    const dir = realpathSync(tempDir('bin-'));
    // Act
    const bad = await spawnCli(['reconcile', 'inventory', '--oms'], dir);
    const help = await spawnCli(['reconcile', '--help'], dir);
    // Assess
    expect(bad.code).toBe(2);
    expect(bad.err.split('\n')[0]).toBe('oms-recon: --oms needs a value');
    expectNoStackTrace(bad);
    expect(help.code).toBe(0);
    expect(help.out).toContain('usage: oms-recon reconcile');
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
