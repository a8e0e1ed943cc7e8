/**
 * Key layout of the store (docs/data-model.md). Separators are control characters, which key
 * values never contain (the row decoder rejects them; {@link encodeRecordSk} checks again):
 *
 *   record  pk = REC#<boundary>#<shard>
 *           sk = <g1>␟<g2>␟…<gn>␟ ␞ <side> ␞ <i1>␟…<im>␟ ␞
 *
 * (␟ = U+001F, ␞ = U+001E; spaces above only for reading). Every group part and identity part
 * is *terminated* by ␟, and the group section by ␞, so the group prefix `<g1>␟…<gn>␟␞` is
 * prefix-free: no other group's keys start with it. Hence all records of one group are
 * contiguous in the partition, ["A"] / ["A","B"] / ["AB"] never interleave, and [] vs [""]
 * stay distinct. One item per record identity: the version is an attribute (`v`), never part
 * of the key, so a newer version overwrites the item (docs/data-model.md).
 */
import { ReconError, ErrorCodes } from '../errors.ts';
import type { BoundaryName, SideName } from '../feeds/catalog.ts';
import type { KeyedRecord } from './types.ts';
import { createHash } from 'node:crypto';

export const PART_END = '\u001f';
export const SECTION_END = '\u001e';

/** DynamoDB's limit on a sort key, in UTF-8 bytes. */
export const MAX_SK_BYTES = 1024;

const CONTROL = /[\u0000-\u001f]/;

export function recordPk(boundary: BoundaryName, shard: number): string {
  return `REC#${boundary}#${shard}`;
}

function encodeParts(parts: readonly string[], what: string, r: Pick<KeyedRecord, 'file' | 'line'>): string {
  let s = '';
  for (const p of parts) {
    if (CONTROL.test(p)) {
      throw new ReconError(
        ErrorCodes.STORAGE,
        `${what} value ${JSON.stringify(p)} contains a control character and cannot be stored as a key`,
        { file: r.file, line: r.line },
      );
    }
    s += p + PART_END;
  }
  return s;
}

function decodeParts(s: string): string[] {
  if (s === '') return [];
  const parts = s.split(PART_END);
  parts.pop(); // every part is terminated: the last element is the empty tail
  return parts;
}

/** The prefix every record of a group starts its sk with (prefix-free across groups). */
export function groupPrefix(group: readonly string[], where: Pick<KeyedRecord, 'file' | 'line'> = { file: '', line: 0 }): string {
  return encodeParts(group, 'group key', where) + SECTION_END;
}

/** The record's sort key. Throws ReconError STORAGE (naming file and line) for an unstorable key. */
export function encodeRecordSk(r: KeyedRecord): string {
  if (r.group.length === 0) {
    throw new ReconError(ErrorCodes.STORAGE, 'a record needs at least one group key part', { file: r.file, line: r.line });
  }
  if (CONTROL.test(r.side)) {
    throw new ReconError(ErrorCodes.STORAGE, `side ${JSON.stringify(r.side)} contains a control character`, { file: r.file, line: r.line });
  }
  const sk =
    encodeParts(r.group, 'group key', r) + SECTION_END +
    r.side + SECTION_END +
    encodeParts(r.identity, 'identity', r) + SECTION_END;
  if (sk.length * 3 > MAX_SK_BYTES && Buffer.byteLength(sk, 'utf8') > MAX_SK_BYTES) {
    throw new ReconError(
      ErrorCodes.STORAGE,
      `the record's key is ${Buffer.byteLength(sk, 'utf8')} bytes, over DynamoDB's ${MAX_SK_BYTES}-byte sort key limit`,
      { file: r.file, line: r.line },
    );
  }
  return sk;
}

export interface DecodedSk {
  /** The group prefix, up to and including the first ␞ (equal for all records of a group). */
  prefix: string;
  group: string[];
  side: SideName;
  identity: string[];
}

/** Inverse of {@link encodeRecordSk}; undefined if the text is not a record sort key. */
export function decodeRecordSk(sk: string): DecodedSk | undefined {
  const a = sk.indexOf(SECTION_END);
  if (a < 0) return undefined;
  const b = sk.indexOf(SECTION_END, a + 1);
  if (b < 0) return undefined;
  const c = sk.indexOf(SECTION_END, b + 1);
  if (c < 0) return undefined;
  return {
    prefix: sk.slice(0, a + 1),
    group: decodeParts(sk.slice(0, a)),
    side: sk.slice(a + 1, b) as SideName,
    identity: decodeParts(sk.slice(b + 1, c)),
  };
}

/**
 * FNV-1a (32-bit) over the UTF-8 bytes of `s` (lone surrogates encoded as U+FFFD, as
 * TextEncoder does). Stable across runtimes: the shard of a key never changes.
 */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  const byte = (b: number) => {
    h ^= b;
    h = Math.imul(h, 0x01000193);
  };
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      byte(c);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else {
        c = 0xfffd;
      }
    }
    if (c < 0x800) {
      byte(0xc0 | (c >> 6));
      byte(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
      byte(0xe0 | (c >> 12));
      byte(0x80 | ((c >> 6) & 0x3f));
      byte(0x80 | (c & 0x3f));
    } else {
      byte(0xf0 | (c >> 18));
      byte(0x80 | ((c >> 12) & 0x3f));
      byte(0x80 | ((c >> 6) & 0x3f));
      byte(0x80 | (c & 0x3f));
    }
  }
  return h >>> 0;
}

/** The shard of a group: FNV-1a of its parts joined with ␟, mod `shards`. */
export function shardOf(group: readonly string[], shards: number): number {
  if (!Number.isInteger(shards) || shards < 1) {
    throw new ReconError(ErrorCodes.STORAGE, `shard count must be a positive integer, got ${shards}`);
  }
  return fnv1a32(group.join(PART_END)) % shards;
}

/**
 * Compares two strings in Unicode code-point order — the order of their UTF-8 bytes, which
 * is how DynamoDB orders and compares strings. (JavaScript's `<` compares UTF-16 code units
 * and puts U+10000… before U+E000…U+FFFF.)
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x += x >= 0xe000 ? -0x800 : 0x2000;
    if (y >= 0xd800) y += y >= 0xe000 ? -0x800 : 0x2000;
    return x - y;
  }
  return a.length - b.length;
}

/**
 * A record's version as compact, sortable ASCII text (compared in byte order by DynamoDB's
 * `v < :v` and by JavaScript's `<` alike):
 *
 *   [<snapshot time> ]<S3 eventTime> <S3 sequencer, 32 hex digits> <line, 10 digits>
 *
 * S3's sequencer is hexadecimal text of varying length: AWS documents that two sequencers
 * compare by padding the shorter with leading zeros, then comparing lexicographically (and
 * only events of one object key are so ordered) — hence the padding. Snapshot feeds put the
 * snapshot time first, so an older snapshot never wins over a newer one, whenever it lands.
 */
export function recordVersion(v: { snapshot?: string; eventTime: string; sequencer?: string; line: number }): string {
  const seq = (v.sequencer ?? '').toUpperCase().replace(/[^0-9A-F]/g, '');
  const head = v.snapshot === undefined ? '' : v.snapshot + ' ';
  return `${head}${v.eventTime} ${seq.padStart(32, '0').slice(-32)} ${String(v.line).padStart(10, '0')}`;
}

/** The version's upload part (`<eventTime> <sequencer>`, without the snapshot time and line): equal for the rows of one file. */
export function versionUpload(version: string): string {
  const parts = version.split(' ');
  return parts.slice(-3, -1).join(' ');
}

/**
 * A short, stable id of one source object (bucket, key, object version): 16 characters of
 * base64url sha256. Records carry it instead of the S3 key, so an item's size (and its write
 * cost) does not grow with the key; the file manifest maps it back to the key.
 */
export function fileIdOf(f: { bucket: string; key: string; objectVersion: string }): string {
  return createHash('sha256').update(`${f.bucket}/${f.key}${PART_END}${f.objectVersion}`).digest('base64url').slice(0, 16);
}

/**
 * 64 bits of a record's key (pk + sk; md5, first 8 bytes): what a snapshot file's
 * confirmation set holds (docs/data-model.md). With n keys in a shard, a key absent from a
 * snapshot is taken for present with probability ≈ n / 2^64.
 */
export function keyHash(pk: string, sk: string): bigint {
  return createHash('md5').update(pk).update(SECTION_END).update(sk).digest().readBigUInt64BE(0);
}
