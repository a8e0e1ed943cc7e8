/**
 * The metric values and dimensions the steps emit (lib/pipeline/metrics.ts), on values a
 * partner controls: dimensions stay bounded (a partner's folder text never becomes a
 * dimension), and a value CloudWatch would refuse is left out and said, not sent.
 */
import { describe, expect, it } from 'vitest';
import { MAX_CURRENCIES, MetricName, UNBOUND_PARTNER, emitRunMetrics, metricValue, partnerDimension, runMetrics, type MetricGroup } from '../../lib/pipeline/metrics.ts';
import type { Report } from '../../lib/report/model.ts';

const CONFIG = { partners: [{ name: 'bigco', facilities: ['DAL1'] }] };

function report(summary: Partial<Report['summary']>): Pick<Report, 'boundary' | 'summary'> {
  return {
    boundary: 'financial',
    summary: { keys: 3, left: 3, right: 3, matched: 1, discrepancies: 2, byType: { not_booked: 1, amount_mismatch: 1 }, matchRate: 1 / 3, atRisk: { money: {}, units: 0 }, rows: { read: 6, used: 6, rejected: 0 }, outOfScope: 0, ...summary },
  };
}

describe('metric dimensions and values', () => {
  it('names a configured partner, and anything else "unbound" (folder text never becomes a dimension)', () => {
    expect(partnerDimension('inbound/warehouse-inventory/bigco/dal1.csv', 'warehouse-inventory', CONFIG)).toBe('bigco');
    expect(partnerDimension('inbound/warehouse-inventory/dal1.csv', 'warehouse-inventory', CONFIG)).toBe(UNBOUND_PARTNER);
    for (const folder of ['__proto__', 'constructor', 'x'.repeat(5000), 'Bigco', 'evil"} MetricName="x']) {
      expect(partnerDimension(`inbound/warehouse-inventory/${folder}/f.csv`, 'warehouse-inventory', CONFIG)).toBe(UNBOUND_PARTNER);
    }
    expect(partnerDimension('inbound/warehouse-inventory/bigco/f.csv', 'warehouse-inventory', { partners: [] })).toBe(UNBOUND_PARTNER);
  });

  it('takes finite values CloudWatch accepts and nothing else', () => {
    expect(metricValue('12345.67')).toBe(12345.67);
    expect(metricValue(-3)).toBe(-3);
    expect(metricValue('9'.repeat(5000))).toBeUndefined();
    expect(metricValue('1e101')).toBeUndefined();
    expect(metricValue('not a number')).toBeUndefined();
    expect(metricValue(undefined)).toBeUndefined();
  });

  it('emits money at risk per currency, the largest MAX_CURRENCIES, and says what it left out', () => {
    const money: Record<string, string> = { XXX: '9'.repeat(400) };
    for (let i = 0; i < MAX_CURRENCIES + 2; i++) money[`C${String.fromCharCode(65 + i)}A`] = String((i + 1) * 100);
    const { groups, leftOut } = runMetrics(report({ atRisk: { money, units: '1' + '0'.repeat(200) } }), { runId: 'r1', durationMs: 1500, counts: { new: 2, resolved: 1 } });
    const perCurrency = groups.filter((g) => g.points[0].name === MetricName.moneyAtRisk);
    expect(perCurrency).toHaveLength(MAX_CURRENCIES);
    // The largest amounts are kept: the two smallest (CAA 100, CBA 200) and the unmeasurable XXX are left out
    expect(perCurrency.map((g) => g.dimensions.currency).sort()).not.toContain('CAA');
    expect(perCurrency.map((g) => g.dimensions.currency)).not.toContain('XXX');
    expect(leftOut.map((l) => l.split(' ').slice(0, 2).join(' ')).sort()).toEqual(['MoneyAtRisk CAA', 'MoneyAtRisk CBA', 'MoneyAtRisk XXX', 'UnitsAtRisk 1' + '0'.repeat(200)].sort());
    expect(leftOut.every((l) => l.length < 260)).toBe(true);
    // The run's totals, per boundary; one group per discrepancy type
    expect(groups[0]).toEqual({
      dimensions: { boundary: 'financial' },
      points: [
        { name: 'Discrepancies', unit: 'Count', value: 2 },
        { name: 'NewDiscrepancies', unit: 'Count', value: 2 },
        { name: 'ResolvedDiscrepancies', unit: 'Count', value: 1 },
        { name: 'RunDuration', unit: 'Milliseconds', value: 1500 },
      ],
      properties: { runId: 'r1' },
    });
    expect(groups.filter((g) => g.dimensions.type).map((g) => [g.dimensions.type, g.points[0].value])).toEqual([
      ['not_booked', 1],
      ['amount_mismatch', 1],
    ]);
  });

  it('logs the values it left out, and emits nothing without a hook', () => {
    const seen: MetricGroup[] = [];
    const logs: Array<Record<string, unknown>> = [];
    const r = report({ atRisk: { money: { USD: '1e200' }, units: 4 } });
    emitRunMetrics({ metrics: (g) => seen.push(...[g].flat()), log: (e) => logs.push(e) }, r, { runId: 'r2', durationMs: 10, counts: { new: 0, resolved: 0 } });
    expect(seen.some((g) => g.points.some((p) => p.name === MetricName.unitsAtRisk && p.value === 4))).toBe(true);
    expect(seen.some((g) => g.points.some((p) => p.name === MetricName.moneyAtRisk))).toBe(false);
    expect(logs).toEqual([expect.objectContaining({ level: 'WARN', runId: 'r2', leftOut: ['MoneyAtRisk USD 1e200'] })]);
    const quiet: Array<Record<string, unknown>> = [];
    emitRunMetrics({ log: (e) => quiet.push(e) }, r, { runId: 'r3', durationMs: 10, counts: { new: 0, resolved: 0 } });
    expect(quiet).toEqual([]);
  });
});
