/** Feed health, the engine (lib/report/feed-health.ts): pure, on file lists as the CLI and the pipeline give them. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config-file.ts';
import { DEFAULT_CONFIG } from '../../lib/config.ts';
import { ageText, durationMs, feedHealth, type FeedFile, type FeedHealth } from '../../lib/report/feed-health.ts';

const T0 = '2026-11-26T06:00:00.000Z';
const at = (hours: number) => new Date(Date.parse(T0) + hours * 3_600_000).toISOString();
const config = parseConfig({ partners: [{ name: 'acme', facilities: ['*'] }, { name: 'beta', facilities: ['*'] }], feeds: { shipments: { expectEvery: '26h', shrinkShare: 0.25 } } });
const file = (name: string, rows: number, hours: number, extra: Partial<FeedFile> = {}): FeedFile => ({ file: `s3://b/inbound/shipments/${name}`, feed: 'shipments', rows, at: at(hours), ...extra });
const flags = (h: FeedHealth) => h.warnings.map((w) => `${w.code} ${w.partner ?? '-'}${w.new ? '' : ' (not new)'}`);

describe('feed health', () => {
  it('groups files by feed and partner prefix, with the last file and the rows of the drop', () => {
    const h = feedHealth({ boundary: 'fulfillment', config, files: [file('acme/a.csv', 10, 0), file('acme/b.csv', 5, 1), file('beta/c.csv', 7, 0), file('loose.csv', 3, 0), { file: 'x.csv', feed: 'oms-allocations', rows: 4 }] });
    expect(h.feeds.map((e) => [e.feed, e.partner ?? null, e.rows, e.files, e.lastFile, e.lastFileAt ?? null])).toEqual([
      ['oms-allocations', null, 4, 1, 'x.csv', null],
      ['shipments', null, 3, 1, 's3://b/inbound/shipments/loose.csv', at(0)],
      ['shipments', 'acme', 15, 2, 's3://b/inbound/shipments/acme/b.csv', at(1)],
      ['shipments', 'beta', 7, 1, 's3://b/inbound/shipments/beta/c.csv', at(0)],
    ]);
    expect(h.warnings).toEqual([]);
    expect(h.asOf).toBeUndefined();
  });

  it('leaves out files of other boundaries', () => {
    const h = feedHealth({ boundary: 'inventory', config, files: [file('acme/a.csv', 10, 0)] });
    expect(h.feeds).toEqual([]);
  });

  it('flags each file with no data row feed_empty, but not a copy of a full file', () => {
    const h = feedHealth({ boundary: 'fulfillment', config, files: [file('acme/a.csv', 10, 0), file('acme/empty.csv', 0, 1), file('acme/again.csv', 0, 2, { duplicateOf: 's3://b/inbound/shipments/acme/a.csv' })] });
    expect(flags(h)).toEqual(['feed_empty acme']);
    expect(h.warnings[0].file).toBe('s3://b/inbound/shipments/acme/empty.csv');
    expect(h.feeds[0].rows).toBe(20); // the copy counts the original's rows
  });

  it('flags a drop down by more than the configured share from the previous one, per prefix', () => {
    const previous = feedHealth({ boundary: 'fulfillment', config, files: [file('acme/a.csv', 100, 0), file('beta/b.csv', 100, 0)] });
    const h = feedHealth({ boundary: 'fulfillment', config, previous, now: at(24), files: [file('acme/a.csv', 100, 0), file('beta/b.csv', 100, 0), file('acme/a2.csv', 74, 23), file('beta/b2.csv', 76, 23)] });
    expect(flags(h)).toEqual(['feed_shrunk acme']);
    expect(h.warnings[0].message).toBe('shipments (partner acme): 74 rows in the latest drop, down 26% from 100 in the previous one (more than 25%)');
    expect(h.feeds.find((e) => e.partner === 'beta')).toMatchObject({ rows: 76, previousRows: 100, arrived: true });
  });

  it('uses 50% when the feed sets no share', () => {
    const previous = feedHealth({ boundary: 'fulfillment', config: DEFAULT_CONFIG, files: [{ file: 'a.csv', feed: 'oms-allocations', rows: 100, at: at(0) }] });
    const run = (rows: number) => feedHealth({ boundary: 'fulfillment', config: DEFAULT_CONFIG, previous, files: [{ file: 'b.csv', feed: 'oms-allocations', rows, at: at(1) }] });
    expect(flags(run(50))).toEqual([]);
    expect(flags(run(49))).toEqual(['feed_shrunk -']);
  });

  it('keeps the previous drop when nothing new arrived: not empty or shrunk again, late once the interval passes', () => {
    const previous = feedHealth({ boundary: 'fulfillment', config, now: at(0), files: [file('acme/a.csv', 0, 0)] });
    expect(flags(previous)).toEqual(['feed_empty acme']);
    const onTime = feedHealth({ boundary: 'fulfillment', config, previous, now: at(26), files: [file('acme/a.csv', 0, 0)] });
    expect(flags(onTime)).toEqual([]);
    expect(onTime.feeds[0]).toMatchObject({ arrived: false, rows: 0, lastFileAt: at(0) });
    const late = feedHealth({ boundary: 'fulfillment', config, previous: onTime, now: at(27), files: [] });
    expect(flags(late)).toEqual(['feed_late acme']);
    expect(late.warnings[0].message).toBe(`no shipments (partner acme) file for 1d 3h (expected every 26h; the last arrived ${at(0)})`);
    const still = feedHealth({ boundary: 'fulfillment', config, previous: late, now: at(30), files: [] });
    expect(flags(still)).toEqual(['feed_late acme (not new)']);
  });

  it('says a feed expected on a schedule that never sent a file is late, and judges nothing late without a clock', () => {
    expect(flags(feedHealth({ boundary: 'fulfillment', config, now: at(0), files: [] }))).toEqual(['feed_late -']);
    expect(feedHealth({ boundary: 'fulfillment', config, files: [] }).warnings).toEqual([]);
  });

  it('reads durations and writes ages', () => {
    expect(durationMs('26h')).toBe(26 * 3_600_000);
    expect(durationMs('1d12h')).toBe(36 * 3_600_000);
    expect(durationMs('90m')).toBe(90 * 60_000);
    expect(durationMs('26 hours')).toBeUndefined();
    expect(ageText(27 * 3_600_000)).toBe('1d 3h');
    expect(ageText(90 * 60_000)).toBe('1h 30m');
  });
});

describe('the feeds and notify config', () => {
  it('validates expectEvery, shrinkShare and the notify modes', () => {
    expect(() => parseConfig({ feeds: { shipments: { expectEvery: 'daily' } } })).toThrow(/feeds\.shipments\.expectEvery/);
    expect(() => parseConfig({ feeds: { 'not-a-feed': { expectEvery: '1d' } } })).toThrow(/E_CONFIG_INVALID|invalid config/);
    expect(() => parseConfig({ feeds: { shipments: { shrinkShare: 1.5 } } })).toThrow(/shrinkShare/);
    expect(() => parseConfig({ notify: { financial: { mode: 'threshold' } } })).toThrow(/needs minNew or minMoneyAtRisk/);
    expect(() => parseConfig({ notify: { financial: { mode: 'changes', minNew: 3 } } })).toThrow(/apply to mode "threshold" only/);
    expect(() => parseConfig({ notify: { financial: { mode: 'threshold', minMoneyAtRisk: 'lots' } } })).toThrow(/minMoneyAtRisk/);
    expect(parseConfig({ notify: { financial: { mode: 'threshold', minMoneyAtRisk: '1,000.00' } } }).notify.financial).toEqual({ mode: 'threshold', minMoneyAtRisk: '1,000.00' });
  });
});
