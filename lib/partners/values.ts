/**
 * Partner values → canonical text: the value options of a mapping's field spec (SPEC "The
 * mapping file"), after Frictionless Table Schema's `format`, `decimalChar` and `groupChar`.
 * A partner writes `$19.50`, `1.234,50 €`, `Feb 19, 2025`, `#1001` or `'3336…`; each option
 * here turns such a cell into the text the canonical feed codecs read (a plain decimal, an
 * ISO instant, the bare ID), so the row decoder itself never changes.
 *
 * The steps of one spec run in a fixed order: `strip` → `replace` → `case` → `values` → then
 * either a date (`format`) or a number (`decimal` / `group` / `currencySign`). Compiled once
 * per spec; the function of a spec is called once per cell.
 */

export interface ValueSpec {
  /** A date/time pattern: `%Y %y %m %d %e %b %B %H %I %M %S %p %z` (and `%%`), literal text otherwise. */
  format?: string;
  /** IANA time zone for values without an offset (default UTC). */
  timezone?: string;
  /** The decimal mark (default `.`). */
  decimal?: '.' | ',';
  /**
   * The group (thousands) separator. Default: `,` when the decimal mark is `.`; `.` or a space
   * when it is `,`. Groups must be well formed (three digits, or the Indian 2-2-3).
   */
  group?: ',' | '.' | ' ' | "'";
  /** Accept a currency symbol or ISO code before or after an amount; an ISO code found there is reported. */
  currencySign?: boolean;
  /** Prefixes removed from the value: each at most once, in list order. */
  strip?: string[];
  case?: 'upper' | 'lower';
  /** `["/regex/flags", "replacement"]` pairs, applied in order (`$1` refers to a group). */
  replace?: [string, string][];
  /**
   * Value map to canonical values: an object (exact values first, then `"/regex/"` keys in the
   * order written) or a list of `[from, to]` pairs tried in order. Unmatched values pass unchanged.
   */
  values?: Record<string, string> | [string, string][];
}

export type ValueOutcome = { ok: true; value: string; currency?: string } | { ok: false; reason: string };

/** `"/^C\\d+$/i"` → the RegExp, or undefined when the text is not written as a regex. Throws on a bad one. */
export function regexOf(text: string): RegExp | undefined {
  if (text.length < 2 || text[0] !== '/') return undefined;
  const end = text.lastIndexOf('/');
  if (end <= 0) return undefined;
  const flags = text.slice(end + 1);
  if (!/^[gimsuy]*$/.test(flags)) return undefined;
  return new RegExp(text.slice(1, end), flags);
}

/** Compiles a spec; the function maps a trimmed raw cell to canonical text ('' stays ''). */
export function compileValueSpec(spec: ValueSpec): (raw: string) => ValueOutcome {
  const steps: ((v: string) => string)[] = [];
  if (spec.strip && spec.strip.length > 0) {
    const prefixes = spec.strip.filter((p) => p !== '');
    steps.push((v) => {
      for (const p of prefixes) if (v.startsWith(p)) v = v.slice(p.length);
      return v;
    });
  }
  for (const [pattern, replacement] of spec.replace ?? []) {
    const re = regexOf(pattern) ?? new RegExp(escapeRegex(pattern), 'g');
    const global = re.global ? re : new RegExp(re.source, re.flags + 'g');
    steps.push((v) => v.replace(global, replacement));
  }
  if (spec.case === 'upper') steps.push((v) => v.toUpperCase());
  else if (spec.case === 'lower') steps.push((v) => v.toLowerCase());
  if (spec.values !== undefined) steps.push(compileValueMap(spec.values));

  const date = spec.format !== undefined ? compileDateFormat(spec.format, spec.timezone) : undefined;
  const numeric = spec.decimal !== undefined || spec.group !== undefined || spec.currencySign === true;
  const amountOptions = { decimal: spec.decimal, group: spec.group, currencySign: spec.currencySign };

  return (raw) => {
    let v = raw;
    for (const step of steps) v = step(v);
    v = v.trim();
    if (v === '') return { ok: true, value: '' };
    if (date) {
      const iso = date(v);
      return iso === undefined ? { ok: false, reason: `does not fit the date format "${spec.format}": "${raw}"` } : { ok: true, value: iso };
    }
    if (numeric) {
      const a = readLocalAmount(v, amountOptions);
      return a === undefined ? { ok: false, reason: `not a number as written (${describeNumber(spec)}): "${raw}"` } : { ok: true, ...a };
    }
    return { ok: true, value: v };
  };
}

function describeNumber(spec: ValueSpec): string {
  const parts = [`decimal "${spec.decimal ?? '.'}"`];
  if (spec.group !== undefined) parts.push(`group "${spec.group}"`);
  if (spec.currencySign) parts.push('currency sign allowed');
  return parts.join(', ');
}

/** A regex key for `test`: without `g` / `y`, whose lastIndex would carry from one cell to the next. */
function testerOf(text: string): RegExp | undefined {
  const re = regexOf(text);
  return re && (re.global || re.sticky) ? new RegExp(re.source, re.flags.replace(/[gy]/g, '')) : re;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** The value map: exact matches through a Map (never a prototype lookup), then regexes in order. */
function compileValueMap(values: Record<string, string> | [string, string][]): (v: string) => string {
  if (Array.isArray(values)) {
    // A list is tried strictly in order: exact and regex entries interleaved.
    const ordered = values.map(([from, to]) => [testerOf(from), from, to] as const);
    return (v) => {
      for (const [re, from, to] of ordered) if (re ? re.test(v) : v === from) return to;
      return v;
    };
  }
  const exact = new Map<string, string>();
  const patterns: [RegExp, string][] = [];
  for (const from of Object.keys(values)) {
    const re = testerOf(from);
    if (re) patterns.push([re, values[from]]);
    else exact.set(from, values[from]);
  }
  return (v) => {
    const hit = exact.get(v);
    if (hit !== undefined) return hit;
    for (const [re, to] of patterns) if (re.test(v)) return to;
    return v;
  };
}

// ---------------------------------------------------------------------------------------------
// Numbers

/** Currency symbols and written prefixes accepted beside an amount (besides ISO codes). */
const SYMBOL = String.raw`(?:[A-Z]{1,2}\$|Rs\.?|kr\.?|zł|Fr\.|\p{Sc})`;
const ISO = '[A-Z]{3}';
const LEADING = new RegExp(String.raw`^(${ISO}|${SYMBOL})\s*`, 'u');
const TRAILING = new RegExp(String.raw`\s*(${ISO}|${SYMBOL})$`, 'u');
const SPACES = /[\s\u00a0\u202f]/g;

/**
 * A number written the partner's way → canonical decimal text (`-1234.50`), with the ISO
 * code found beside it when `currencySign` is set. Accepts a leading or trailing sign and
 * accounting parentheses; groups must be well formed. Undefined when it is not such a number.
 */
export function readLocalAmount(
  text: string,
  opts: { decimal?: '.' | ','; group?: string; currencySign?: boolean } = {},
): { value: string; currency?: string } | undefined {
  const decimal = opts.decimal ?? '.';
  const groups = opts.group !== undefined ? [opts.group] : decimal === '.' ? [','] : ['.', ' '];
  if (groups.includes(decimal)) return undefined;
  let s = text.trim();
  let negative = false;
  if (s.startsWith('(') && s.endsWith(')')) {
    negative = true;
    s = s.slice(1, -1).trim();
  }
  let currency: string | undefined;
  const sign = (): void => {
    if (s.startsWith('-') || s.startsWith('+')) {
      if (s[0] === '-') negative = !negative;
      s = s.slice(1).trimStart();
    }
  };
  sign();
  if (opts.currencySign) {
    const lead = LEADING.exec(s);
    if (lead) {
      if (/^[A-Z]{3}$/.test(lead[1])) currency = lead[1];
      s = s.slice(lead[0].length);
    } else {
      const trail = TRAILING.exec(s);
      if (trail) {
        if (/^[A-Z]{3}$/.test(trail[1])) currency = trail[1];
        s = s.slice(0, s.length - trail[0].length);
      }
    }
    sign();
  }
  if (s.endsWith('-') && !negative) {
    negative = true;
    s = s.slice(0, -1).trimEnd();
  }
  const spaceGroups = groups.includes(' ');
  if (spaceGroups) s = s.replace(SPACES, ' ');
  const at = s.lastIndexOf(decimal);
  const intText = at < 0 ? s : s.slice(0, at);
  const frac = at < 0 ? '' : s.slice(at + 1);
  if (!/^\d*$/.test(frac) || (at >= 0 && frac === '' && intText === '')) return undefined;
  const int = ungroup(intText, groups);
  if (int === undefined || (int === '' && frac === '')) return undefined;
  const value = `${negative ? '-' : ''}${int === '' ? '0' : int}${frac !== '' ? '.' + frac : ''}`;
  return currency !== undefined ? { value, currency } : { value };
}

/** The digits of an integer part written with one of `groups`, or undefined when badly grouped. */
function ungroup(text: string, groups: readonly string[]): string | undefined {
  if (/^\d*$/.test(text)) return text;
  const sep = groups.find((g) => text.includes(g));
  if (sep === undefined) return undefined;
  const parts = text.split(sep);
  if (!parts.every((p) => /^\d+$/.test(p))) return undefined;
  const [first, ...rest] = parts;
  if (first.length > 3) return undefined;
  const western = rest.every((p) => p.length === 3);
  // Indian grouping: 1,23,45,678.00 — the last group three digits, the others two.
  const indian = rest.length >= 2 && rest[rest.length - 1].length === 3 && rest.slice(0, -1).every((p) => p.length === 2) && first.length <= 2;
  return western || indian ? parts.join('') : undefined;
}

// ---------------------------------------------------------------------------------------------
// Dates

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const MONTH_BY_NAME = new Map<string, number>();
MONTHS.forEach((m, i) => {
  MONTH_BY_NAME.set(m, i + 1);
  MONTH_BY_NAME.set(m.slice(0, 3), i + 1);
});
MONTH_BY_NAME.set('sept', 9);

type Token = 'Y' | 'y' | 'm' | 'd' | 'e' | 'b' | 'B' | 'H' | 'I' | 'M' | 'S' | 'p' | 'z';
const TOKEN_SOURCE: Record<Token, string> = {
  Y: '(\\d{4})',
  y: '(\\d{2})',
  m: '(\\d{1,2})',
  d: '(\\d{1,2})',
  e: ' ?(\\d{1,2})',
  b: '([A-Za-z]{3,4})\\.?',
  B: '([A-Za-z]{3,9})',
  H: '(\\d{1,2})',
  I: '(\\d{1,2})',
  M: '(\\d{1,2})',
  S: '(\\d{1,2})',
  p: '([AaPp]\\.?[Mm]\\.?)',
  z: '(Z|z|[+-]\\d{2}(?::?\\d{2})?)',
};
const isToken = (c: string): c is Token => Object.prototype.hasOwnProperty.call(TOKEN_SOURCE, c);

interface CompiledPattern {
  re: RegExp;
  tokens: Token[];
}

/** Parses a pattern; throws an Error naming the problem. */
function compilePattern(format: string): CompiledPattern {
  let source = '^';
  const tokens: Token[] = [];
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c === '%') {
      const t = format[++i];
      if (t === '%') source += '%';
      else if (t !== undefined && isToken(t)) {
        if (tokens.includes(t)) throw new Error(`%${t} appears twice in the date format "${format}"`);
        tokens.push(t);
        source += TOKEN_SOURCE[t];
      } else throw new Error(`unknown directive %${t ?? ''} in the date format "${format}" (known: %Y %y %m %d %e %b %B %H %I %M %S %p %z)`);
    } else if (c === ' ') source += '\\s+';
    else source += escapeRegex(c);
  }
  const has = (t: Token) => tokens.includes(t);
  if (!has('Y') && !has('y')) throw new Error(`the date format "${format}" has no year (%Y or %y)`);
  if (!has('m') && !has('b') && !has('B')) throw new Error(`the date format "${format}" has no month (%m, %b or %B)`);
  if (!has('d') && !has('e')) throw new Error(`the date format "${format}" has no day (%d or %e)`);
  if ([has('Y'), has('y')].filter(Boolean).length > 1 || [has('m'), has('b'), has('B')].filter(Boolean).length > 1 || (has('d') && has('e')) || (has('H') && has('I'))) {
    throw new Error(`the date format "${format}" gives one part twice`);
  }
  if (has('I') !== has('p')) throw new Error(`the date format "${format}" needs %I and %p together (a 12-hour clock)`);
  return { re: new RegExp(source + '$'), tokens };
}

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

function zoneFormat(timezone: string): Intl.DateTimeFormat {
  let f = zoneFormats.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone, hourCycle: 'h23',
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    zoneFormats.set(timezone, f);
  }
  return f;
}

/** The zone's offset from UTC at instant `t` (ms): local wall time − UTC. */
function zoneOffset(f: Intl.DateTimeFormat, t: number): number {
  const p: Record<string, number> = Object.create(null);
  for (const part of f.formatToParts(new Date(t))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = utc(p.year, p.month, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(t / 1000) * 1000;
}

/** Date.UTC without its mapping of years 0–99 to 1900–1999. */
function utc(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

/**
 * A date pattern → a function from text to the ISO instant (`2025-02-19T05:00:00.000Z`), or
 * undefined when the text does not fit the pattern whole or names no real date. `%d %m %H
 * %I %M %S` take one or two digits; `%y` is 1969–2068 (POSIX). Without `%z`, the wall time is
 * read in `timezone` (default UTC). Throws on a bad pattern or time zone (see valueSpecProblems).
 */
export function compileDateFormat(format: string, timezone?: string): (text: string) => string | undefined {
  const { re, tokens } = compilePattern(format);
  const zone = timezone !== undefined && timezone !== 'UTC' ? zoneFormat(timezone) : undefined;
  const slot = (t: Token) => tokens.indexOf(t) + 1;
  const at = { Y: slot('Y'), y: slot('y'), m: slot('m'), d: slot('d'), e: slot('e'), b: slot('b'), B: slot('B'), H: slot('H'), I: slot('I'), M: slot('M'), S: slot('S'), p: slot('p'), z: slot('z') };
  let lastText: string | undefined;
  let lastValue: string | undefined;
  return (text) => {
    if (text === lastText) return lastValue;
    lastText = text;
    return (lastValue = read(text));
  };

  function read(text: string): string | undefined {
    const g = re.exec(text.trim());
    if (!g) return undefined;
    const year = at.Y ? +g[at.Y] : at.y ? (+g[at.y] < 69 ? 2000 : 1900) + +g[at.y] : NaN;
    const month = at.m ? +g[at.m] : MONTH_BY_NAME.get(g[at.b || at.B].toLowerCase()) ?? NaN;
    const day = at.d ? +g[at.d] : +g[at.e];
    let hour = at.H ? +g[at.H] : 0;
    if (at.I) {
      hour = +g[at.I];
      if (hour < 1 || hour > 12) return undefined;
      const pm = g[at.p].toLowerCase().startsWith('p');
      hour = (hour % 12) + (pm ? 12 : 0);
    }
    const minute = at.M ? +g[at.M] : 0;
    const second = at.S ? +g[at.S] : 0;
    if (!(month >= 1 && month <= 12) || hour > 23 || minute > 59 || second > 59) return undefined;
    if (day < 1 || day > daysInMonth(year, month)) return undefined;
    let t = utc(year, month, day, hour, minute, second);
    if (at.z) {
      const z = g[at.z];
      if (z !== 'Z' && z !== 'z') {
        const digits = z.slice(1).replace(':', '');
        const oh = +digits.slice(0, 2), om = digits.length > 2 ? +digits.slice(2) : 0;
        if (oh > 23 || om > 59) return undefined;
        t -= (z[0] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
      }
    } else if (zone) {
      // The instant whose wall time in the zone is t: two passes settle a DST change between them.
      const first = t - zoneOffset(zone, t);
      t = t - zoneOffset(zone, first);
    }
    return new Date(t).toISOString();
  }
}

/** The problems of a spec, as messages (empty when it compiles): bad pattern, time zone or regex, conflicting options. */
export function valueSpecProblems(spec: ValueSpec): string[] {
  const problems: string[] = [];
  if (spec.format !== undefined) {
    try {
      compilePattern(spec.format);
    } catch (e) {
      problems.push((e as Error).message);
    }
    if (spec.decimal !== undefined || spec.group !== undefined || spec.currencySign) problems.push('a field is a date (format) or a number (decimal, group, currencySign), not both');
  } else if (spec.timezone !== undefined) problems.push('timezone needs a date format');
  if (spec.timezone !== undefined) {
    try {
      zoneFormat(spec.timezone);
    } catch {
      problems.push(`unknown time zone "${spec.timezone}" (an IANA name such as "America/New_York")`);
    }
  }
  if (spec.decimal !== undefined && spec.group !== undefined && spec.decimal === spec.group) problems.push(`decimal and group cannot both be "${spec.decimal}"`);
  const regexes = [...(spec.replace ?? []).map(([p]) => p), ...(Array.isArray(spec.values) ? spec.values.map(([k]) => k) : Object.keys(spec.values ?? {}))];
  for (const r of regexes) {
    try {
      regexOf(r);
    } catch (e) {
      problems.push(`bad regular expression ${r}: ${(e as Error).message}`);
    }
  }
  return problems;
}
