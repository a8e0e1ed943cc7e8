/**
 * Exact decimals for money and quantities. A Decimal is a bigint counting units of
 * 10^-SCALE, so addition and comparison are exact integer operations: 33.10 + 33.10 + 34.10
 * is exactly 100.30. Inputs with more than SCALE decimal places are rejected, never rounded.
 */
import { DEFAULT_LIMITS, quoted } from './limits.ts';

export type Decimal = bigint;

export const SCALE = 6;
const FACTOR = 10n ** BigInt(SCALE);
export const ZERO: Decimal = 0n;

/** Whole numbers below this are shared bigints (bigints are immutable, so sharing is invisible). */
export const SMALL_WHOLE = 4096;
const SMALL: readonly Decimal[] = Array.from({ length: SMALL_WHOLE }, (_, n) => BigInt(n) * FACTOR);

/** The shared Decimal of a whole number n, 0 ≤ n < SMALL_WHOLE. */
export function smallWhole(n: number): Decimal {
  return SMALL[n];
}

export type DecimalResult = { ok: true; value: Decimal } | { ok: false; reason: string };

const SIMPLE = /^[+-]?\d+(\.\d*)?$|^[+-]?\.\d+$/;
const GROUPED = /^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$/;

const EXPONENT = /^([+-]?)(\d*)(?:\.(\d*))?[eE]([+-]?\d{1,3})$/;

/** `1.5e2` → `150`, `25E-3` → `0.025` (JSON numbers may be written so): the same digits, the point moved. */
function withoutExponent(s: string): string | undefined {
  const m = EXPONENT.exec(s);
  if (!m || (m[2] === '' && !m[3])) return undefined;
  const [, sign, int, frac = '', exp] = m;
  const digits = int + frac;
  const point = int.length + Number(exp);
  if (point > 40 || point < -40) return undefined;
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/**
 * Parses `12.3`, `12.30`, `-5`, `1.5e2` (exponent notation, as JSON may write numbers), `1,234.50` (comma thousands, properly grouped), `+.5`,
 * and accounting negatives `(12.30)`. Whitespace around the number is ignored.
 */
export function parseDecimal(text: string, maxDigits = DEFAULT_LIMITS.numberDigits): DecimalResult {
  let s = text.trim();
  if (s === '') return { ok: false, reason: 'empty number' };
  // BigInt of n digits costs O(n²): count the digits only when the text is long enough to hold too many.
  if (s.length > maxDigits) {
    let digits = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 48 && c <= 57) digits++;
    }
    if (digits > maxDigits) return { ok: false, reason: `a number of ${digits} digits (at most ${maxDigits}: limits.numberDigits)` };
  }
  let negate = false;
  if (s.charCodeAt(0) === 40 /* ( */ && s.charCodeAt(s.length - 1) === 41 /* ) */) {
    s = s.slice(1, -1).trim();
    negate = true;
    if (s.startsWith('-') || s.startsWith('+')) return { ok: false, reason: `not a number: ${quoted(text)}` };
  }
  if (!SIMPLE.test(s)) {
    const plain = GROUPED.test(s) ? s.replace(/,/g, '') : withoutExponent(s);
    if (plain === undefined) return { ok: false, reason: `not a number: ${quoted(text)}` };
    s = plain;
  }
  let sign = 1n;
  if (s[0] === '-') { sign = -1n; s = s.slice(1); } else if (s[0] === '+') s = s.slice(1);
  const dot = s.indexOf('.');
  let intPart = dot < 0 ? s : s.slice(0, dot);
  let frac = dot < 0 ? '' : s.slice(dot + 1);
  frac = frac.replace(/0+$/, '');
  if (frac.length > SCALE) return { ok: false, reason: `more than ${SCALE} decimal places: ${quoted(text)}` };
  if (intPart === '') intPart = '0';
  const units = BigInt(intPart) * FACTOR + (frac === '' ? 0n : BigInt(frac.padEnd(SCALE, '0')));
  let value = sign * units;
  if (negate) value = -value;
  return { ok: true, value };
}

export function abs(d: Decimal): Decimal {
  return d < 0n ? -d : d;
}

export function sum(values: Iterable<Decimal>): Decimal {
  let t = 0n;
  for (const v of values) t += v;
  return t;
}

/** Canonical text: no trailing zeros, at least `minDecimals` places (`12.3` → `12.30` with 2). */
export function formatDecimal(d: Decimal, minDecimals = 0): string {
  const neg = d < 0n;
  const a = neg ? -d : d;
  const int = a / FACTOR;
  let frac = (a % FACTOR).toString().padStart(SCALE, '0').replace(/0+$/, '');
  if (frac.length < minDecimals) frac = frac.padEnd(minDecimals, '0');
  return `${neg ? '-' : ''}${int}${frac ? '.' + frac : ''}`;
}

/** Money as text with at least two decimals: `1234.5` → `1234.50`. */
export function formatMoney(d: Decimal): string {
  return formatDecimal(d, 2);
}

/** A JSON number for quantities (units); exact for any realistic count. */
export function toNumber(d: Decimal): number {
  return Number(formatDecimal(d));
}

/**
 * Units as the report gives them: a JSON number when it is within ±(2^53 − 1) and exact as one
 * (every row's quantity is: the codec rejects any other), else exact decimal text, like money.
 * Only a sum or a difference of counts near ±2^53 can be text: a count is never rounded.
 */
export function toUnits(d: Decimal): number | string {
  const n = toNumber(d);
  if (d % FACTOR === 0n && Number.isSafeInteger(n)) return n; // the usual whole count
  const back = Math.abs(n) <= Number.MAX_SAFE_INTEGER ? parseDecimal(String(n)) : undefined;
  return back?.ok && back.value === d ? n : formatDecimal(d);
}
