/**
 * Field codecs: how one cell of a canonical feed is read. Each codec turns trimmed text
 * into a typed value or a reason the row is rejected. The same codecs serve the fast row
 * decoder (lib/feeds/decode.ts) and the zod schemas (lib/feeds/catalog.ts).
 */
import { parseDecimalFast, type Decimal } from '../decimal.ts';

export type FieldValue = string | Decimal | number;
export type CodecResult = { ok: true; value: FieldValue } | { ok: false; reason: string };

export type FieldKind = 'key' | 'text' | 'money' | 'quantity' | 'currency' | 'timestamp' | 'enum';

export interface FieldSpec {
  kind: FieldKind;
  required: boolean;
  /** key fields: compare case-insensitively (stored lower-case). */
  caseInsensitive?: boolean;
  /** enum fields: accepted spellings (case-insensitive) → canonical value. */
  values?: Readonly<Record<string, string>>;
  /** One line for the README / error messages. */
  description: string;
}

const ok = (value: FieldValue): CodecResult => ({ ok: true, value });
const fail = (reason: string): CodecResult => ({ ok: false, reason });

/** ISO 4217: three letters. Stored upper-case. */
function readCurrency(text: string): CodecResult {
  if (/^[A-Za-z]{3}$/.test(text)) return ok(text.toUpperCase());
  return fail(`not an ISO 4217 currency code: "${text}"`);
}

const TS =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * ISO 8601 (`2026-11-26`, `2026-11-26T10:00:00Z`, `…+01:00`, fractional seconds) or
 * `YYYY-MM-DD HH:MM:SS ±HHMM`. A timestamp without offset is read as UTC. Returns epoch ms.
 */
export function parseTimestamp(text: string): CodecResult {
  const m = TS.exec(text);
  if (!m) return fail(`not a timestamp: "${text}"`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const year = +y, month = +mo, day = +d, hour = +h, minute = +mi, second = +s;
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
  return ok(t);
}

function readDecimal(text: string): CodecResult {
  const r = parseDecimalFast(text);
  return r.ok ? ok(r.value) : fail(r.reason);
}

function readEnum(spec: FieldSpec, text: string): CodecResult {
  const v = spec.values![text.toLowerCase()];
  if (v !== undefined) return ok(v);
  const allowed = [...new Set(Object.keys(spec.values!))].join(', ');
  return fail(`unknown value "${text}" (expected one of: ${allowed})`);
}

/** Reads one trimmed, non-empty cell. (Empty cells are handled by the caller: required or absent.) */
export function readField(spec: FieldSpec, text: string): CodecResult {
  switch (spec.kind) {
    case 'key':
      return ok(spec.caseInsensitive ? text.toLowerCase() : text);
    case 'text':
      return ok(text);
    case 'money':
    case 'quantity':
      return readDecimal(text);
    case 'currency':
      return readCurrency(text);
    case 'timestamp':
      return parseTimestamp(text);
    case 'enum':
      return readEnum(spec, text);
  }
}

export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}
