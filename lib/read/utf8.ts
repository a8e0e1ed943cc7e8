/**
 * The text layer: turns byte chunks into UTF-8 text chunks, strictly. A chunk may end in
 * the middle of a multi-byte character: those bytes are carried over to the next chunk.
 * Invalid UTF-8 or a NUL byte (binary data) stops the stream: the valid text before it is
 * yielded first, then a NotTextFault is thrown, so the parser — which knows the line it
 * reached — can name the line.
 */
import { isAscii, isUtf8 } from 'node:buffer';

/**
 * A chunk of text. When the chunk is all ASCII its bytes come along: byte i is then
 * character i, so a consumer may compare or scan the bytes instead of the string (cheaper
 * for short comparisons than String methods).
 */
export interface TextChunk {
  text: string;
  /** The chunk's bytes, aligned with `text`, when every one is ASCII; otherwise undefined. */
  ascii: Buffer | undefined;
}

/** Internal: the bytes are not UTF-8 text. Converted to a NOT_TEXT ReconError with a line by the pump. */
export class NotTextFault extends Error {
  override readonly name = 'NotTextFault';
}

/** Decodes chunks as UTF-8, dropping a leading byte-order mark. */
export async function* decodeUtf8(chunks: AsyncIterable<Buffer>): AsyncGenerator<TextChunk> {
  let carry: Buffer | null = null;
  let atStart = true;
  for await (const raw of chunks) {
    let chunk = raw;
    if (carry) {
      chunk = Buffer.concat([carry, chunk]);
      carry = null;
    }
    if (atStart && chunk.length >= 2 && isUtf16Bom(chunk)) {
      throw new NotTextFault('the file is UTF-16 text, not UTF-8: export it as UTF-8');
    }
    let cut = completeLength(chunk);
    // A chunk that has a line break ends with one: the rest goes with the next chunk, so a
    // parser rarely holds half a line to join with the next text (a copy of every chunk).
    const lf = cut > 0 ? chunk.lastIndexOf(LF, cut - 1) : -1;
    if (lf >= 0) cut = lf + 1;
    if (cut < chunk.length) carry = Buffer.from(chunk.subarray(cut)); // copy: a line's end at most
    const body = cut < chunk.length ? chunk.subarray(0, cut) : chunk;
    yield* decoded(body);
  }
  if (carry) {
    // The last line, with no line break after it.
    if (completeLength(carry) < carry.length) throw new NotTextFault('the file ends in the middle of a UTF-8 character: it is truncated or not UTF-8 text');
    yield* decoded(carry);
  }

  /** The text of whole characters `body`, then a NotTextFault at its first bad byte if any. */
  function* decoded(body: Buffer): Generator<TextChunk> {
    const bad = firstBadByte(body);
    let good = bad < 0 ? body : body.subarray(0, bad);
    let text = good.toString('utf8');
    if (atStart && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) {
        text = text.slice(1);
        good = good.subarray(3);
      }
      atStart = false;
    }
    if (text.length > 0) yield { text, ascii: text.length === good.length && isAscii(good) ? good : undefined };
    if (bad >= 0) throw new NotTextFault(describeBadByte(body, bad));
  }
}

const LF = 10;

function isUtf16Bom(b: Buffer): boolean {
  return (b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff);
}

function describeBadByte(body: Buffer, at: number): string {
  const byte = body[at];
  if (byte === 0) return 'the file contains a NUL byte: it looks like binary data, not text';
  const hex = byte.toString(16).toUpperCase().padStart(2, '0');
  return (
    `invalid UTF-8 (byte 0x${hex}): the file is not UTF-8 text — ` +
    'if it was exported as Windows-1252/Latin-1, export it again as UTF-8'
  );
}

/**
 * The length of the prefix of `b` that does not end inside a multi-byte character: when the
 * last character's lead byte announces more bytes than the chunk holds, cut before it.
 */
export function completeLength(b: Buffer): number {
  const n = b.length;
  // Walk back over at most 3 continuation bytes (10xxxxxx) to the lead byte.
  let i = n - 1;
  while (i >= 0 && i > n - 4 && (b[i] & 0xc0) === 0x80) i--;
  if (i < 0) return n;
  const need = sequenceLength(b[i]);
  return need > 1 && i + need > n ? i : n;
}

/** Bytes in the sequence a lead byte starts (0 for a byte that cannot start one). */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** Offset of the first NUL or invalid UTF-8 byte, or -1. Fast (native) when the chunk is fine. */
export function firstBadByte(b: Buffer): number {
  const nul = b.indexOf(0);
  if (nul < 0 && isUtf8(b)) return -1;
  const invalid = firstInvalidUtf8(b, nul < 0 ? b.length : nul);
  return invalid >= 0 ? invalid : nul;
}

/** Slow path: offset of the first ill-formed sequence in b[0..end) (Unicode table 3-7), or -1. */
function firstInvalidUtf8(b: Buffer, end: number): number {
  let i = 0;
  while (i < end) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    const need = sequenceLength(c);
    if (need === 0 || i + need > end) return i;
    // The second byte's allowed range depends on the lead (no overlongs, surrogates or > U+10FFFF).
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    if (b[i + 1] < lo || b[i + 1] > hi) return i;
    for (let k = 2; k < need; k++) if ((b[i + k] & 0xc0) !== 0x80) return i;
    i += need;
  }
  return -1;
}
