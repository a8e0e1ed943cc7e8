/**
 * ASCII text as bytes: comparing a short cell of a chunk (a key, a timestamp) with a value
 * held from before. When a chunk is all ASCII its bytes are its characters, and comparing
 * bytes four at a time through a DataView costs a fraction of `String.prototype.startsWith`
 * (about 11 ns against 73 ns for a 20-character timestamp on the benchmark machine).
 */

/** Whether a[as..as+n) and b[bs..bs+n) hold the same bytes. */
export function sameBytes(a: DataView, as: number, b: DataView, bs: number, n: number): boolean {
  if (n < 4) {
    for (let i = 0; i < n; i++) if (a.getUint8(as + i) !== b.getUint8(bs + i)) return false;
    return true;
  }
  // Whole words, then the last word (which may overlap the one before).
  const last = n - 4;
  for (let i = 0; i < last; i += 4) if (a.getInt32(as + i) !== b.getInt32(bs + i)) return false;
  return a.getInt32(as + last) === b.getInt32(bs + last);
}

/**
 * Writes the characters of `s` as bytes into to[at..at+s.length) when they are all ASCII and
 * fit in `room` bytes; returns whether it did (otherwise the bytes written mean nothing).
 */
export function putAscii(to: DataView, at: number, s: string, room: number): boolean {
  if (s.length > room) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 127) return false;
    to.setUint8(at + i, c);
  }
  return true;
}

/** The bytes of `s` when it is all ASCII, else undefined. */
export function asciiBytes(s: string): Buffer | undefined {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return undefined;
  return Buffer.from(s, 'latin1');
}

/**
 * One value held for comparison with cells of ASCII chunks: its text, and its bytes when it
 * is ASCII and short (otherwise `matches` compares the strings).
 */
export class HeldText {
  private text = '';
  private ascii = false;
  private readonly bytes: DataView;

  constructor(private readonly room = 64) {
    this.bytes = new DataView(new ArrayBuffer(room));
  }

  get value(): string {
    return this.text;
  }

  set value(s: string) {
    this.text = s;
    this.ascii = putAscii(this.bytes, 0, s, this.room);
  }

  /** Whether text[s..e) (its bytes in `bytes` when the text is ASCII) equals the value held. */
  matches(text: string, s: number, e: number, bytes: DataView | undefined): boolean {
    const n = e - s;
    if (n !== this.text.length) return false;
    return bytes !== undefined && this.ascii ? sameBytes(bytes, s, this.bytes, 0, n) : text.startsWith(this.text, s);
  }
}
