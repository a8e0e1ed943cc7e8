/**
 * Small helpers between plain values and DynamoDB AttributeValues (the store writes the
 * low-level wire shape itself: it is faster than a generic marshaller on the hot path), and
 * DynamoDB's item-size rule (what a write or read is billed on).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ReconError, ErrorCodes } from '../errors.ts';

export type Item = Record<string, AttributeValue>;

export const S = (s: string): AttributeValue => ({ S: s });
export const N = (n: number): AttributeValue => ({ N: String(n) });

/** A JSON value (object, array, string, finite number, boolean, null) as an AttributeValue. */
export function jsonToAttr(v: unknown, path = '$'): AttributeValue {
  if (v === null) return { NULL: true };
  switch (typeof v) {
    case 'string':
      return { S: v };
    case 'boolean':
      return { BOOL: v };
    case 'number':
      if (!Number.isFinite(v)) throw new ReconError(ErrorCodes.STORAGE, `${path}: ${v} cannot be stored`);
      return { N: String(v) };
    case 'object': {
      if (Array.isArray(v)) return { L: v.map((x, i) => jsonToAttr(x, `${path}[${i}]`)) };
      const m: Record<string, AttributeValue> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (x !== undefined) setOwn(m, k, jsonToAttr(x, `${path}.${k}`));
      }
      return { M: m };
    }
    default:
      throw new ReconError(ErrorCodes.STORAGE, `${path}: a ${typeof v} cannot be stored`);
  }
}

/** o[k] = v as an own property, also for k = `__proto__` (a map key is data: a facility may be called so), as JSON.parse makes it. */
function setOwn<T>(o: Record<string, T>, k: string, v: T): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

export function attrToJson(a: AttributeValue): unknown {
  if (a.S !== undefined) return a.S;
  if (a.N !== undefined) return Number(a.N);
  if (a.BOOL !== undefined) return a.BOOL;
  if (a.NULL !== undefined) return null;
  if (a.L !== undefined) return a.L.map(attrToJson);
  if (a.M !== undefined) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(a.M)) {
      setOwn(o, k, attrToJson(x));
    }
    return o;
  }
  throw new ReconError(ErrorCodes.STORAGE, `unexpected attribute type ${Object.keys(a).join(',')}`);
}

export function str(item: Item, name: string): string | undefined {
  return item[name]?.S;
}
export function num(item: Item, name: string): number | undefined {
  const n = item[name]?.N;
  return n === undefined ? undefined : Number(n);
}

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

function numberSize(n: string): number {
  const digits = n.replace(/^[-+]/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

function valueSize(a: AttributeValue): number {
  if (a.S !== undefined) return utf8(a.S);
  if (a.N !== undefined) return numberSize(a.N);
  if (a.B !== undefined) return a.B.byteLength;
  if (a.BOOL !== undefined || a.NULL !== undefined) return 1;
  if (a.SS !== undefined) return a.SS.reduce((t, s) => t + utf8(s), 0);
  if (a.NS !== undefined) return a.NS.reduce((t, s) => t + numberSize(s), 0);
  if (a.BS !== undefined) return a.BS.reduce((t, b) => t + b.byteLength, 0);
  if (a.L !== undefined) return 3 + a.L.reduce((t, x) => t + valueSize(x) + 1, 0);
  if (a.M !== undefined) return 3 + Object.entries(a.M).reduce((t, [k, x]) => t + utf8(k) + valueSize(x) + 1, 0);
  return 0;
}

/**
 * An item's size as DynamoDB bills it: attribute names + values (strings as UTF-8, numbers
 * ≈ 1 byte per 2 significant digits + 1, maps/lists 3 bytes + 1 per element).
 */
export function itemSize(item: Item): number {
  let t = 0;
  for (const [k, v] of Object.entries(item)) t += utf8(k) + valueSize(v);
  return t;
}
