import { describe, expect, it } from 'vitest';
import { compileDateFormat, compileValueSpec, readLocalAmount, valueSpecProblems } from '../../lib/partners/values.ts';

describe('dates written the partner way', () => {
  it('reads the formats of real exports, in the time zone given', () => {
    // Prepare / Act / Assess: each pattern against the value a partner's export writes.
    const cases: [string, string | undefined, string, string][] = [
      ['%b %d, %Y', undefined, 'Feb 19, 2025', '2025-02-19T00:00:00.000Z'],
      ['%m/%d/%Y', undefined, '02/03/2025', '2025-02-03T00:00:00.000Z'],
      ['%d/%m/%Y', undefined, '02/03/2025', '2025-03-02T00:00:00.000Z'],
      ['%m/%d/%y %H:%M', undefined, '12/1/10 8:26', '2010-12-01T08:26:00.000Z'],
      ['%Y-%m-%d %H:%M:%S PST', 'America/Los_Angeles', '2018-11-22 22:23:54 PST', '2018-11-23T06:23:54.000Z'],
      ['%b-%d-%y', undefined, 'Jan-18-16', '2016-01-18T00:00:00.000Z'],
      ['%d %B %Y %I:%M %p', 'Asia/Kolkata', '5 March 2025 1:05 PM', '2025-03-05T07:35:00.000Z'],
      ['%Y-%m-%dT%H:%M:%S%z', undefined, '2025-02-19T10:00:00-05:00', '2025-02-19T15:00:00.000Z'],
      ['%Y-%m-%d %H:%M:%S %z', undefined, '2025-02-19 10:00:00 +0530', '2025-02-19T04:30:00.000Z'],
    ];
    for (const [format, zone, text, iso] of cases) {
      expect(compileDateFormat(format, zone)(text), `${format} ${text}`).toBe(iso);
    }
  });

  it('follows daylight saving time in the zone', () => {
    const ny = compileDateFormat('%Y-%m-%d %H:%M', 'America/New_York');
    expect(ny('2025-01-15 12:00')).toBe('2025-01-15T17:00:00.000Z');
    expect(ny('2025-07-15 12:00')).toBe('2025-07-15T16:00:00.000Z');
  });

  it('reads %y as 1969–2068 and keeps years 0000–0099 in their own century', () => {
    const y = compileDateFormat('%d/%m/%y');
    expect(y('01/01/68')).toBe('2068-01-01T00:00:00.000Z');
    expect(y('01/01/69')).toBe('1969-01-01T00:00:00.000Z');
    expect(compileDateFormat('%Y-%m-%d')('0025-06-01')).toBe('0025-06-01T00:00:00.000Z');
  });

  it('does not read a value that does not fit the pattern whole, or names no real date', () => {
    const f = compileDateFormat('%b %d, %Y');
    for (const bad of ['Feb 19, 2025 extra', 'Feb 30, 2025', 'Foo 19, 2025', '19 Feb 2025', '']) {
      expect(f(bad), bad).toBeUndefined();
    }
    expect(compileDateFormat('%m/%d/%Y')('13/01/2025')).toBeUndefined();
    expect(compileDateFormat('%I:%M %p %m/%d/%Y')('13:00 PM 01/01/2025')).toBeUndefined();
  });

  it('names what is wrong with a bad pattern or zone', () => {
    expect(valueSpecProblems({ format: '%Y-%q' })[0]).toMatch(/unknown directive %q/);
    expect(valueSpecProblems({ format: '%m/%d' })[0]).toMatch(/no year/);
    expect(valueSpecProblems({ format: '%Y-%m-%d %I:%M' })[0]).toMatch(/%I and %p together/);
    expect(valueSpecProblems({ format: '%Y-%m-%d', timezone: 'Mars/Olympus' })[0]).toMatch(/unknown time zone/);
    expect(valueSpecProblems({ format: '%Y-%m-%d', timezone: 'Europe/Paris' })).toEqual([]);
  });
});

describe('numbers written the partner way', () => {
  it('reads currency signs, local marks and groups into plain decimals', () => {
    const cases: [string, Parameters<typeof readLocalAmount>[1], string, string?][] = [
      ['$19.50', { currencySign: true }, '19.50'],
      ['-$1,234.50', { currencySign: true }, '-1234.50'],
      ['($12.30)', { currencySign: true }, '-12.30'],
      ['USD 19.50', { currencySign: true }, '19.50', 'USD'],
      ['19,50 €', { decimal: ',', currencySign: true }, '19.50'],
      ['1.234,50 EUR', { decimal: ',', currencySign: true }, '1234.50', 'EUR'],
      ['1 234,50', { decimal: ',' }, '1234.50'],
      ["1'234.50", { group: "'" }, '1234.50'],
      ['₹1,23,456.00', { currencySign: true }, '123456.00'],
      ['12.5', {}, '12.5'],
      ['.5', {}, '0.5'],
    ];
    for (const [text, opts, value, currency] of cases) {
      const r = readLocalAmount(text, opts);
      expect(r, text).toEqual(currency ? { value, currency } : { value });
    }
  });

  it('refuses what is not such a number', () => {
    for (const [text, opts] of [
      ['$19.50', {}],
      ['1,23.45', {}],
      ['1.234,50', {}],
      ['12.3456,5', { decimal: ',' as const, group: '.' as const }],
      ['19.50 dollars', { currencySign: true }],
      ['', {}],
      ['-', {}],
      ['1,2,3', { decimal: ',' as const }],
    ] as const) {
      expect(readLocalAmount(text, opts), text).toBeUndefined();
    }
  });
});

describe('a field spec', () => {
  it('strips prefixes once each, in order', () => {
    const id = compileValueSpec({ strip: ['#', "'"] });
    expect(id('#1001')).toEqual({ ok: true, value: '1001' });
    expect(id("'3336012345")).toEqual({ ok: true, value: '3336012345' });
    expect(id('##1001')).toEqual({ ok: true, value: '#1001' });
  });

  it('replaces by regex, changes case, then maps values (exact first, then regexes in order)', () => {
    const type = compileValueSpec({ values: { 'C-MEMO': 'credit', '/^C/': 'credit', '/./': 'invoice' } });
    expect(type('C536379')).toEqual({ ok: true, value: 'credit' });
    expect(type('536365')).toEqual({ ok: true, value: 'invoice' });
    const sku = compileValueSpec({ replace: [['/_\\d+$/', ''], ['/-BF$/i', '']], case: 'upper' });
    expect(sku('abc-12_1')).toEqual({ ok: true, value: 'ABC-12' });
    expect(sku('abc-12-bf')).toEqual({ ok: true, value: 'ABC-12' });
    const status = compileValueSpec({ case: 'lower', values: [['/^void/', 'cancelled'], ['2', 'shipped']] });
    expect(status('VOIDED')).toEqual({ ok: true, value: 'cancelled' });
    expect(status('2')).toEqual({ ok: true, value: 'shipped' });
    expect(status('open')).toEqual({ ok: true, value: 'open' });
  });

  it('never looks a value up on a prototype', () => {
    const map = compileValueSpec({ values: { paid: 'sale' } });
    for (const v of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) expect(map(v)).toEqual({ ok: true, value: v });
  });

  it('gives a date or a number, or says why not', () => {
    expect(compileValueSpec({ format: '%b %d, %Y', timezone: 'America/New_York' })('Feb 19, 2025')).toEqual({ ok: true, value: '2025-02-19T05:00:00.000Z' });
    expect(compileValueSpec({ format: '%b %d, %Y' })('2025-02-19')).toEqual({ ok: false, reason: 'does not fit the date format "%b %d, %Y": "2025-02-19"' });
    expect(compileValueSpec({ currencySign: true })('EUR 5')).toEqual({ ok: true, value: '5', currency: 'EUR' });
    expect(compileValueSpec({ currencySign: true })('five').ok).toBe(false);
  });

  it('names a bad regex and conflicting options', () => {
    expect(valueSpecProblems({ replace: [['/(/', '']] })[0]).toMatch(/bad regular expression/);
    expect(valueSpecProblems({ values: { '/[/': 'x' } })[0]).toMatch(/bad regular expression/);
    expect(valueSpecProblems({ format: '%Y-%m-%d', decimal: ',' })[0]).toMatch(/not both/);
    expect(valueSpecProblems({ decimal: ',', group: ',' })[0]).toMatch(/cannot both/);
  });
});
