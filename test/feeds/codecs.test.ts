import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDecimal, parseDecimal } from '../../lib/decimal.ts';
import { DECLINE, Fail, readField, readPlainDecimal, type FieldSpec } from '../../lib/feeds/fields.ts';

const money: FieldSpec = { kind: 'money', required: true, description: '' };
const currency: FieldSpec = { kind: 'currency', required: false, description: '' };
const read = (spec: FieldSpec, t: string) => {
  const v = readField(spec, t);
  return v instanceof Fail ? `fail: ${v.reason}` : typeof v === 'bigint' ? formatDecimal(v) : v;
};

describe('money', () => {
  it('the fast reader of plain decimals agrees with the full parser, and takes every plain decimal', () => {
    const text = fc.string({ unit: fc.constantFrom('0', '1', '7', '9', '.', '-', '+', ',', 'e', ' ', 'x', '/', ':', 'A'), maxLength: 20 });
    const plain = fc.tuple(fc.boolean(), fc.stringMatching(/^\d{1,9}$/), fc.option(fc.stringMatching(/^\d{1,6}$/))).map(([neg, i, f]) => `${neg ? '-' : ''}${i}${f === null ? '' : `.${f}`}`);
    fc.assert(
      fc.property(fc.oneof(text, plain), fc.string({ maxLength: 3 }), (t, around) => {
        // Prepare: the cell inside other text, as in a CSV line
        const line = `${around}${t}${around}`;
        // Act
        const fast = readPlainDecimal(line, around.length, around.length + t.length);
        const full = parseDecimal(t);
        // Assess: the same value whenever the fast reader answers; it answers for any plain decimal
        if (fast !== DECLINE) expect(full).toEqual({ ok: true, value: fast });
        if (/^-?\d{1,9}(\.\d{1,6})?$/.test(t)) expect(fast).not.toBe(DECLINE);
      }),
      { numRuns: 3000 },
    );
  });

  it('adds exactly: 33.10 + 33.10 + 34.10 is 100.30', () => {
    const sum = ['33.10', '33.10', '34.10'].map((t) => readField(money, t) as bigint).reduce((a, b) => a + b, 0n);
    expect(sum).toBe(readField(money, '100.30'));
    expect(formatDecimal(sum, 2)).toBe('100.30');
  });

  it('reads every way an amount is written, and nothing else', () => {
    expect(['12.3', '12.30', '1,234.50', '1234.5', '(12.30)', '-12.3', '+7', '.5', '1.5e2', '25E-3', '100.30e0'].map((t) => read(money, t))).toEqual([
      '12.3', '12.3', '1234.5', '1234.5', '-12.3', '-12.3', '7', '0.5', '150', '0.025', '100.3',
    ]);
    for (const bad of ['1,23', '12.34.56', 'USD 20', 'e5', '1e', '1,000e2', '1e-7', '12 units']) expect(read(money, bad), bad).toMatch(/^fail: /);
    expect(parseDecimal('1e-7')).toEqual({ ok: false, reason: 'more than 6 decimal places: "1e-7"' });
  });
});

describe('currency', () => {
  it('takes ISO 4217 codes in any case, including fund and metal codes', () => {
    expect(['usd', 'EUR', 'Jpy', 'CLF', 'XAU', 'XXX'].map((t) => read(currency, t))).toEqual(['USD', 'EUR', 'JPY', 'CLF', 'XAU', 'XXX']);
  });

  it('rejects three letters that are not a currency, and other spellings', () => {
    for (const bad of ['ABC', 'RMB', 'US$', 'euro', 'US']) expect(read(currency, bad), bad).toBe(`fail: not an ISO 4217 currency code: "${bad}"`);
  });
});

describe('quantities: exact as the JSON numbers a report writes', () => {
  const quantity: FieldSpec = { kind: 'quantity', required: true, description: '' };

  it('takes counts up to ±(2^53 − 1), and rejects larger ones and digits a double cannot hold, never rounding', () => {
    expect(['9007199254740991', '-9007199254740991', '1,234', '12.5', '1e3', '123456789.123456'].map((t) => read(quantity, t))).toEqual([
      '9007199254740991', '-9007199254740991', '1234', '12.5', '1000', '123456789.123456',
    ]);
    expect(read(quantity, '9007199254740992')).toMatch(/^fail: beyond ±9007199254740991 \(2\^53 − 1\)/);
    expect(read(quantity, '-1e30')).toMatch(/^fail: beyond ±9007199254740991/);
    expect(read(quantity, '1234567890123.123456')).toMatch(/^fail: more significant digits than a report gives exactly/);
  });

  it('leaves money as it was: exact decimal text of any size', () => {
    expect(read(money, '9007199254740993.01')).toBe('9007199254740993.01');
  });
});

describe('timestamps: never moved to another century', () => {
  const timestamp: FieldSpec = { kind: 'timestamp', required: false, description: '' };

  it('rejects years 0000–0099 and two-digit years, and reads 0100 on as written', () => {
    expect(read(timestamp, '0026-11-12')).toBe('fail: not a timestamp (year 0026: a two-digit year? years 0000–0099 are not read): "0026-11-12"');
    expect(read(timestamp, '0000-01-01T00:00:00Z')).toMatch(/^fail: not a timestamp \(year 0000/);
    expect(read(timestamp, '26-11-12')).toBe('fail: not a timestamp: "26-11-12"');
    expect(read(timestamp, '0100-03-01')).toBe('0100-03-01T00:00:00.000Z');
    expect(read(timestamp, '1926-11-12')).toBe('1926-11-12T00:00:00.000Z');
  });

  it('rejects a time an offset carries past 9999 (its text would sort before every other)', () => {
    expect(read(timestamp, '9999-12-31T23:00:00-05:00')).toMatch(/^fail: not a timestamp \(beyond year 9999\)/);
    expect(read(timestamp, '9999-12-31T23:00:00+05:00')).toBe('9999-12-31T18:00:00.000Z');
  });
});
