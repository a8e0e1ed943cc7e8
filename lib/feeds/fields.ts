/**
 * Field codecs: how one cell of a canonical feed is read. Each codec turns trimmed text
 * into a typed value or a reason the row is rejected. The same codecs serve the fast row
 * decoder (lib/feeds/decode.ts) and the zod schemas (lib/feeds/catalog.ts).
 */
import { formatDecimal, parseDecimal, SCALE, SMALL_WHOLE, smallWhole, type Decimal } from '../decimal.ts';
import { HeldText } from '../read/ascii.ts';
import { DEFAULT_LIMITS, quoted } from '../limits.ts';

export type FieldValue = string | Decimal | number;
export type CodecResult = { ok: true; value: FieldValue } | { ok: false; reason: string };

/** A cell that cannot be read, and why. (A class, so a read that works allocates nothing extra.) */
export class Fail {
  constructor(readonly reason: string) {}
}

/** Reads one trimmed, non-empty cell into its typed value, or a Fail. */
export type FieldReader = (text: string) => FieldValue | Fail;

export type FieldKind = 'key' | 'text' | 'money' | 'quantity' | 'currency' | 'timestamp' | 'enum';

export interface FieldSpec {
  kind: FieldKind;
  required: boolean;
  /** key fields: compare case-insensitively (stored lower-case). */
  caseInsensitive?: boolean;
  /** enum fields: accepted spellings (lower-case; matched case-insensitively) → canonical value. Read through a Map (enumReader), never by property. */
  values?: Readonly<Record<string, string>>;
  /** One line for the README / error messages. */
  description: string;
}

const ok = (value: FieldValue): CodecResult => ({ ok: true, value });
const fail = (reason: string): CodecResult => ({ ok: false, reason });

/**
 * ISO 4217 codes: the currencies the runtime's ICU knows, plus the fund, precious-metal and
 * special codes it leaves out. Any case; stored upper-case.
 */
const ISO_4217 = new Set([
  ...Intl.supportedValuesOf('currency'),
  ...['BOV', 'CHE', 'CHW', 'CLF', 'COU', 'MXV', 'USN', 'UYI', 'UYW', 'XAF', 'XAG', 'XAU', 'XBA', 'XBB', 'XBC', 'XBD'],
  ...['XCD', 'XDR', 'XOF', 'XPD', 'XPF', 'XPT', 'XSU', 'XTS', 'XUA', 'XXX'],
]);

/** (One currency repeats over a file: the last answer is remembered.) */
const lastCurrency = new HeldText();
let lastCurrencyResult: CodecResult = fail('');
function readCurrency(text: string): CodecResult {
  if (text === lastCurrency.value) return lastCurrencyResult;
  lastCurrency.value = text;
  const code = text.toUpperCase();
  return (lastCurrencyResult = /^[A-Z]{3}$/.test(code) && ISO_4217.has(code) ? ok(code) : fail(`not an ISO 4217 currency code: ${quoted(text)}`));
}

const TS =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * ISO 8601 (`2026-11-26`, `2026-11-26T10:00:00Z`, `…+01:00`, fractional seconds) or
 * `YYYY-MM-DD HH:MM:SS ±HHMM`. A timestamp without offset is read as UTC. The value is the
 * instant in `toISOString()` form (`2026-11-26T10:00:00.000Z`), so text order is time order.
 */
export function parseTimestamp(text: string): CodecResult {
  // Feeds repeat one timestamp over many rows (a snapshot's as-of): remember the last answer.
  if (text === lastText.value) return lastResult;
  const r = parseTimestampUncached(text);
  lastText.value = text;
  lastResult = r;
  return r;
}

const lastText = new HeldText();
let lastResult: CodecResult = { ok: false, reason: 'not a timestamp: ""' };

function parseTimestampUncached(text: string): CodecResult {
  const m = TS.exec(text);
  if (!m) return fail(`not a timestamp: ${quoted(text)}`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const year = +y, month = +mo, day = +d, hour = +h, minute = +mi, second = +s;
  // Date.UTC reads years 0–99 as 1900–1999: a year 0026 would silently become 1926. Such a
  // year is a two-digit year padded with zeros far more often than a date of the first
  // century: it is rejected, never moved to another century.
  if (year < 100) return fail(`not a timestamp (year ${y}: a two-digit year? years 0000–0099 are not read): "${text}"`);
  if (month < 1 || month > 12) return fail(`not a timestamp (month ${mo}): "${text}"`);
  const dim = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > dim) return fail(`not a timestamp (day ${d}): "${text}"`);
  if (hour > 23 || minute > 59 || second > 60) return fail(`not a timestamp (time): "${text}"`);
  let offsetMin = 0;
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = +digits.slice(0, 2), om = digits.length > 2 ? +digits.slice(2, 4) : 0;
    if (oh > 23 || om > 59) return fail(`not a timestamp (offset): "${text}"`);
    offsetMin = sign * (oh * 60 + om);
  }
  const ms = frac ? Math.floor(+frac.padEnd(3, '0').slice(0, 3)) : 0;
  const t = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59), ms) - offsetMin * 60_000;
  const iso = new Date(t).toISOString();
  // An offset can carry 9999-12-31 into year 10000 (`+010000-…`), whose text would no longer
  // sort as time: the value is always `YYYY-…` (the future-skew check compares it as text).
  if (iso.charCodeAt(0) > 57 || iso.charCodeAt(0) < 48) return fail(`not a timestamp (beyond year 9999): "${text}"`);
  return ok(iso);
}

/**
 * The reason a timestamp (as the codec gives it: `toISOString()` text) is refused when it is
 * after `notAfter` — more than the configured skew after the time of the run. A count dated
 * 2062 would otherwise win over every later one, forever.
 */
export function futureReason(name: string, iso: string, notAfter: string, hours: number): string {
  return `${name}: ${iso} is more than ${hours} h in the future (after ${notAfter}; timestamps.futureSkewHours)`;
}

const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000];


/**
 * Decimals. Plain `-123.45` with at most 15 digits (most money and every count) is read with
 * integer arithmetic that is exact in a double; everything else goes through parseDecimal.
 */
function readDecimal(text: string, maxDigits = DEFAULT_LIMITS.numberDigits): Decimal | Fail {
  const x = readPlainDecimal(text, 0, text.length);
  if (x !== DECLINE) return x;
  const r = parseDecimal(text, maxDigits);
  return r.ok ? r.value : new Fail(r.reason);
}

/** The largest count a report gives exactly: quantities and deltas of units are JSON numbers. */
export const MAX_UNITS = BigInt(Number.MAX_SAFE_INTEGER) * 10n ** BigInt(SCALE);

/**
 * Quantities: decimals that a report writes as JSON numbers, so each must be exact as one —
 * at most ±(2^53 − 1), and no more significant digits than a double holds. (A plain value of
 * at most 15 digits always is: only the slow path checks, so the hot path costs nothing more.)
 */
function readQuantity(text: string, maxDigits = DEFAULT_LIMITS.numberDigits): Decimal | Fail {
  const x = readPlainDecimal(text, 0, text.length);
  if (x !== DECLINE) return x;
  const r = parseDecimal(text, maxDigits);
  if (!r.ok) return new Fail(r.reason);
  return unitsProblem(r.value, text) ?? r.value;
}

/** Why a count cannot be given exactly as a JSON number, or undefined when it can. */
export function unitsProblem(d: Decimal, text: string): Fail | undefined {
  if (d > MAX_UNITS || d < -MAX_UNITS) return new Fail(`beyond ±${Number.MAX_SAFE_INTEGER} (2^53 − 1), the largest count a report gives exactly: "${text}"`);
  const n = Number(formatDecimal(d));
  const back = parseDecimal(String(n));
  if (!back.ok || back.value !== d) return new Fail(`more significant digits than a report gives exactly (a JSON number holds about 15): "${text}"`);
  return undefined;
}

/**
 * What a cell reader over a range of text answers when the cell is not the plain case it
 * reads: the caller then reads the cell as a string, the usual way (decode.ts).
 */
export const DECLINE: unique symbol = Symbol('read the cell as a string');

/** The plain decimal `-123.45` (at most 15 digits, at most SCALE decimals) in text[s..e), or DECLINE. */
export function readPlainDecimal(text: string, s: number, e: number): Decimal | typeof DECLINE {
  // The usual count, one to three digits: its shared bigint. (Small, so it inlines where it is read.)
  const n = e - s;
  if (n > 0 && n < 4) {
    let v = 0;
    for (let i = s; i < e; i++) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return readAnyPlainDecimal(text, s, e);
      v = v * 10 + d;
    }
    return smallWhole(v);
  }
  return readAnyPlainDecimal(text, s, e);
}

function readAnyPlainDecimal(text: string, s: number, e: number): Decimal | typeof DECLINE {
  const n = e - s;
  if (n >= 18 || n === 0) return DECLINE;
  let i = text.charCodeAt(s) === 45 /* - */ ? s + 1 : s;
  const neg = i > s;
  let int = 0, frac = 0, fracDigits = -1, digits = 0;
  for (; i < e; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (fracDigits < 0) int = int * 10 + (c - 48);
      else {
        frac = frac * 10 + (c - 48);
        fracDigits++;
      }
      digits++;
    } else if (c === 46 /* . */ && fracDigits < 0) fracDigits = 0;
    else return DECLINE;
  }
  if (digits === 0 || digits > 15 || fracDigits === 0 || fracDigits > SCALE) return DECLINE;
  // Counts and quantities repeat over a file: a small whole number is one shared bigint.
  if (!neg && int < SMALL_WHOLE && (fracDigits < 0 || frac === 0)) return smallWhole(int);
  // int · 10^6 + frac stays below 2^53 for 15 digits: exact.
  const units = int * 1_000_000 + (fracDigits < 0 ? 0 : frac * POW10[SCALE - fracDigits]);
  return BigInt(neg ? -units : units);
}

/**
 * The timestamp in text[s..e) when it is the one read last (a snapshot repeats it), or
 * DECLINE. `bytes`: the text's bytes when it is ASCII (see RawRow.bytes).
 */
export function lastTimestamp(text: string, s: number, e: number, bytes: DataView | undefined): FieldValue | Fail | typeof DECLINE {
  return e > s && lastText.matches(text, s, e, bytes) ? fromResult(lastResult) : DECLINE;
}

/** The currency in text[s..e) when it is the one read last, or DECLINE. */
export function lastCurrencyCode(text: string, s: number, e: number, bytes: DataView | undefined): FieldValue | Fail | typeof DECLINE {
  return e > s && lastCurrency.matches(text, s, e, bytes) ? fromResult(lastCurrencyResult) : DECLINE;
}

const fromResult = (r: CodecResult): FieldValue | Fail => (r.ok ? r.value : new Fail(r.reason));

/**
 * An enum's reader. The vocabulary is a Map of its own entries: a partner's `constructor`,
 * `__proto__` or `toString` is a value like any other, not in the vocabulary (a property
 * lookup on the catalog's object would find Object.prototype's).
 */
function enumReader(spec: FieldSpec): FieldReader {
  const values = new Map(Object.entries(spec.values ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const allowed = [...values.keys()].join(', ');
  return (text) => values.get(text.toLowerCase()) ?? new Fail(`unknown value ${quoted(text)} (expected one of: ${allowed})`);
}

const readers = new WeakMap<FieldSpec, FieldReader>();

/** The reader of one field kind. (Empty cells are handled by the caller: required or absent.) */
export function fieldReader(spec: FieldSpec, limits: { numberDigits: number } = DEFAULT_LIMITS): FieldReader {
  switch (spec.kind) {
    case 'key':
      return spec.caseInsensitive ? (t) => t.toLowerCase() : (t) => t;
    case 'text':
      return (t) => t;
    case 'money':
      return readDecimal;
    case 'quantity': {
      const digits = limits.numberDigits;
      return digits === DEFAULT_LIMITS.numberDigits ? readQuantity : (t) => readQuantity(t, digits);
    }
    case 'currency':
      return (t) => fromResult(readCurrency(t));
    case 'timestamp':
      return (t) => fromResult(parseTimestamp(t));
    case 'enum': {
      let r = readers.get(spec);
      if (r === undefined) readers.set(spec, (r = enumReader(spec)));
      return r;
    }
  }
}

/** Reads one trimmed, non-empty cell. */
export function readField(spec: FieldSpec, text: string): FieldValue | Fail {
  return fieldReader(spec)(text);
}

