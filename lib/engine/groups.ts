/**
 * The CLI's in-memory grouping of records by the boundary's group key: every row of one
 * group together, for classification once all files are read.
 *
 * Built for millions of rows. Holding a million records as objects until the last file is
 * read costs more in garbage collection (every object is copied as it survives) than the
 * decoding itself, so the index keeps rows in columns instead: each field's values in typed
 * arrays (decimals as exact integer units in BigInt64Arrays), in pages of 65,536 rows that are
 * never copied, a group's rows as a linked list of row numbers, and the group key once per
 * group. `groups()` rebuilds each group's records as it hands them out: short-lived objects,
 * which the collector frees almost for nothing.
 * Groups are found through an open-addressing hash table of group numbers (a JS Map of a
 * million string keys spends most of its time growing and rehashing itself), and two-part
 * keys (channel + order, order + line) are hashed part by part, so no key string is built.
 */
import type { Boundary } from '../boundaries/boundary.ts';
import type { Decimal } from '../decimal.ts';
import { ErrorCodes, ReconError } from '../errors.ts';
import type { FeedDef, FeedName, SideName } from '../feeds/catalog.ts';
import type { CanonRecord } from '../feeds/decode.ts';
import type { FieldValue } from '../feeds/fields.ts';

/** Where rows come from: one feed of one file (file and version shared by its rows). */
interface Source {
  feed: FeedName;
  side: SideName;
  file: string;
  version: string;
  /** The record's field names, in the decoder's order. */
  fields: string[];
  /** Stores a record's fields other than the group key in their columns (generated: see `storer`). */
  store: (f: CanonRecord['f'], row: number) => void;
}

/**
 * Per-row data is kept in pages of PAGE_ROWS rows that are never copied: growing by doubling
 * arrays touched fresh memory for twice the final size (page faults cost dearly on small VMs).
 */
const PAGE_BITS = 16;
const PAGE_ROWS = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_ROWS - 1;

/**
 * Decimal cells hold the Decimal's units as a 64-bit integer (storing and loading a bigint
 * there costs a few ns; converting it to a double costs about 30). The two lowest values mark
 * an absent cell and one whose value is kept in `large` (beyond 64 bits, or a marker itself).
 */
const ABSENT = -(2n ** 63n);
const LARGE = ABSENT + 1n;
const MAX_INT64 = 2n ** 63n - 1n;

/** Puts `page` at index p of a column's pages (pages before it that were never made stay holes). */
function putPage<T>(pages: T[], p: number, page: T): T {
  while (pages.length < p) pages.push(undefined as never);
  return (pages[p] = page);
}

/** A page of absent cells, copied into every new page (made on first use). */
let absentPage: BigInt64Array | undefined;

class DecimalColumn {
  /** Pages of PAGE_ROWS cells, made when a row of them is first set (a missing page is all absent). */
  private readonly pages: BigInt64Array[] = [];
  readonly large = new Map<number, Decimal>();

  set(row: number, v: FieldValue | undefined): void {
    const page = this.pages[row >>> PAGE_BITS] ?? this.newPage(row >>> PAGE_BITS);
    const at = row & PAGE_MASK;
    if (v === undefined) page[at] = ABSENT;
    else if ((v as Decimal) > LARGE && (v as Decimal) <= MAX_INT64) page[at] = v as Decimal; // (comparing allocates nothing)
    else {
      page[at] = LARGE;
      this.large.set(row, v as Decimal);
    }
  }

  get(row: number): Decimal | undefined {
    const page = this.pages[row >>> PAGE_BITS];
    if (page === undefined) return undefined;
    const x = page[row & PAGE_MASK];
    if (x > LARGE) return x;
    return x === ABSENT ? undefined : this.large.get(row);
  }

  state(): DecimalState {
    return { kind: 'decimal', pages: this.pages, large: this.large };
  }

  /** Takes the cells of another index's column whose rows start at page `first` (row `base`). */
  append(st: DecimalState, first: number, base: number): void {
    st.pages.forEach((page, j) => {
      if (page !== undefined) putPage(this.pages, first + j, page);
    });
    for (const [row, v] of st.large) this.large.set(base + row, v);
  }

  private newPage(p: number): BigInt64Array {
    const page = new BigInt64Array(PAGE_ROWS);
    page.set((absentPage ??= new BigInt64Array(PAGE_ROWS).fill(ABSENT))); // a copy: filling with a bigint goes cell by cell (about 8 ns each)
    return putPage(this.pages, p, page);
  }
}

/**
 * Other cells. Values repeat over a file (a facility, a status, a timestamp shared by a
 * snapshot), so the column starts dictionary-encoded — a code per row, each distinct value
 * once — and turns into a plain array of values if the distinct values grow past DICT_LIMIT.
 */
class ValueColumn {
  /** Pages of PAGE_ROWS codes (a missing page is all 0: absent); codes fit 16 bits (DICT_LIMIT). */
  private codes: Uint16Array[] = [];
  private readonly dict: unknown[] = [undefined];
  private readonly index = new Map<unknown, number>([[undefined, 0]]);
  private plain: unknown[] | null = null;
  private lastValue: unknown = undefined;
  private lastCode = 0;

  set(row: number, v: FieldValue | undefined): void {
    if (this.plain) {
      const data = this.plain;
      // Rows of a feed without this field leave a gap: fill it, so the array stays dense.
      while (data.length < row) data.push(undefined);
      data[row] = v;
      return;
    }
    // The value of the last row again (a snapshot's timestamp): no lookup.
    let c = v === this.lastValue ? this.lastCode : this.index.get(v);
    if (c === undefined) {
      if (this.dict.length === DICT_LIMIT) {
        this.toPlain(row);
        this.set(row, v);
        return;
      }
      c = this.newCode(v);
    }
    const p = row >>> PAGE_BITS;
    (this.codes[p] ?? this.newPage(p))[row & PAGE_MASK] = c;
    this.lastValue = v;
    this.lastCode = c;
  }

  get(row: number): unknown {
    return this.plain ? this.plain[row] : this.dict[this.codes[row >>> PAGE_BITS]?.[row & PAGE_MASK] ?? 0];
  }

  state(): ValueState {
    return { kind: 'value', codes: this.codes, dict: this.dict, plain: this.plain };
  }

  /** Takes the cells of another index's column: its `rows` rows start at page `first` (row `base`). */
  append(st: ValueState, first: number, base: number, rows: number): void {
    if (this.plain === null && st.plain === null && this.dict.length + st.dict.length <= DICT_LIMIT) {
      // Both dictionary-encoded: its codes, translated to this dictionary, page by page.
      const to = Uint16Array.from(st.dict, (v) => this.index.get(v) ?? this.newCode(v));
      st.codes.forEach((page, j) => {
        if (page === undefined) return;
        for (let k = 0; k < page.length; k++) page[k] = to[page[k]];
        putPage(this.codes, first + j, page);
      });
      return;
    }
    // Otherwise value by value (a column this wide is plain, or turns plain on the way).
    for (let k = 0; k < rows; k++) {
      const v = st.plain !== null ? st.plain[k] : st.dict[st.codes[k >>> PAGE_BITS]?.[k & PAGE_MASK] ?? 0];
      this.set(base + k, v as FieldValue | undefined);
    }
  }

  /** The code of a value new to the dictionary. */
  private newCode(v: unknown): number {
    const c = this.dict.push(v) - 1;
    this.index.set(v, c);
    return c;
  }

  private newPage(p: number): Uint16Array {
    return putPage(this.codes, p, new Uint16Array(PAGE_ROWS));
  }

  private toPlain(rows: number): void {
    const data: unknown[] = [];
    for (let i = 0; i < rows; i++) data.push(this.get(i));
    this.plain = data;
    this.codes = [];
    this.index.clear();
  }
}

/** Distinct values a dictionary-encoded column holds before it turns plain (codes are 16 bits). */
const DICT_LIMIT = 1 << 16;

type Column = DecimalColumn | ValueColumn;

interface DecimalState {
  kind: 'decimal';
  pages: BigInt64Array[];
  large: Map<number, Decimal>;
}

interface ValueState {
  kind: 'value';
  codes: Uint16Array[];
  dict: unknown[];
  plain: unknown[] | null;
}

/**
 * What a GroupIndex holds, as data that can go to another thread (typed arrays transferred,
 * the rest cloned): a worker reads files into its own index and the CLI appends it to its own.
 */
export interface GroupIndexState {
  rows: number;
  groupCount: number;
  keyA: string[];
  keyB: string[];
  head: Int32Array;
  tail: Int32Array;
  source: Uint16Array[];
  line: Float64Array[];
  next: Int32Array[];
  sources: Array<Omit<Source, 'store'>>;
  columns: Array<[string, DecimalState | ValueState]>;
}

export class GroupIndex {
  private readonly first: string;
  private readonly second: string | undefined;
  /** The hash table: slot → group number (-1: empty), linear probing, at most half full. */
  private slots = new Int32Array(1 << 12).fill(-1);

  // Per group: its key parts and the first and last of its rows.
  private keyA: string[] = [];
  private keyB: string[] = [];
  private head = new Int32Array(1024);
  private tail = new Int32Array(1024);
  private hash = new Int32Array(1024);
  /** The group of the last row added, and its key. */
  private lastA: string | undefined;
  private lastB: string | undefined;
  private lastGroup = -1;
  private probe = 0;
  private probeHash = 0;
  private groupCount = 0;

  // Per row: its source, line, the next row of its group (-1: none), and its field values.
  private rows = 0;
  private capacity = 0;
  private readonly source: Uint16Array[] = [];
  private readonly line: Float64Array[] = [];
  private readonly next: Int32Array[] = [];
  private readonly columns = new Map<string, Column>();
  private readonly decimalFields = new Set<string>();

  private readonly sources: Source[] = [];
  private last: Source | undefined;
  private lastIndex = -1;

  constructor(boundary: Boundary) {
    [this.first, this.second] = boundary.groupFields;
    for (const feed of Object.values(boundary.feeds) as FeedDef[]) {
      for (const [name, spec] of Object.entries(feed.fields)) {
        if (spec.kind === 'money' || spec.kind === 'quantity') this.decimalFields.add(name);
      }
    }
  }

  /** Rows held. */
  get size(): number {
    return this.rows;
  }

  /** Groups held. */
  get groupTotal(): number {
    return this.groupCount;
  }

  add(r: CanonRecord): void {
    const f = r.f;
    const a = f[this.first] as string;
    const b = this.second === undefined ? undefined : (f[this.second] as string);
    const row = this.rows;
    if (row === this.capacity) this.addPage();
    this.rows++;
    const p = row >>> PAGE_BITS, at = row & PAGE_MASK;
    this.source[p][at] = this.sourceOf(r);
    this.line[p][at] = r.line;
    this.next[p][at] = -1;
    // The group: the last row's when the key is the same (rows of a group often come
    // together), or the next group's (files often list their keys in one order), else the
    // one the hash table finds, else a new one.
    if (a === this.lastA && b === this.lastB) this.link(this.lastGroup, row, row);
    else this.join(a, b, row, row);
    this.lastA = a;
    this.lastB = b;
    this.last!.store(f, row);
  }

  /**
   * Puts rows head…tail (already linked to each other) at the end of the group of key (a, b):
   * the group after the last one joined when its key is that (files often list their keys in
   * one order), else the one the hash table finds, else a new group.
   */
  private join(a: string, b: string | undefined, head: number, tail: number): void {
    const next = this.lastGroup + 1;
    const g = next < this.groupCount && this.keyA[next] === a && this.keyB[next] === b ? next : this.find(a, b);
    if (g < 0) this.lastGroup = this.newGroup(a, b, head, tail);
    else {
      this.link(g, head, tail);
      this.lastGroup = g;
    }
  }

  /** Rows head…tail at the end of group g. */
  private link(g: number, head: number, tail: number): void {
    const t = this.tail[g];
    this.next[t >>> PAGE_BITS][t & PAGE_MASK] = head;
    this.tail[g] = tail;
  }

  /** The group of a key, or -1 (then `probe` is the empty slot for it, and `probeHash` its hash). */
  private find(a: string, b: string | undefined): number {
    const h = hashKey(a, b);
    const slots = this.slots;
    const mask = slots.length - 1;
    let at = h & mask;
    let g = slots[at];
    while (g >= 0 && !(this.hash[g] === h && this.keyA[g] === a && (b === undefined || this.keyB[g] === b))) {
      at = (at + 1) & mask;
      g = slots[at];
    }
    this.probe = at;
    this.probeHash = h;
    return g;
  }

  /** A new group of rows head…tail, in the slot `find` left. */
  private newGroup(a: string, b: string | undefined, head: number, tail: number): number {
    const g = this.groupCount++;
    if (g === this.head.length) this.growGroups();
    this.slots[this.probe] = g;
    this.hash[g] = this.probeHash;
    this.keyA[g] = a;
    if (b !== undefined) this.keyB[g] = b;
    this.head[g] = head;
    this.tail[g] = tail;
    if (this.groupCount * 2 > this.slots.length) this.growSlots();
    return g;
  }

  /** The index as data (see GroupIndexState), and the buffers to transfer with it. It is not to be used after. */
  state(): { state: GroupIndexState; transfer: ArrayBuffer[] } {
    const n = this.groupCount;
    const state: GroupIndexState = {
      rows: this.rows,
      groupCount: n,
      keyA: this.keyA,
      keyB: this.keyB,
      head: this.head.slice(0, n),
      tail: this.tail.slice(0, n),
      source: this.source,
      line: this.line,
      next: this.next,
      sources: this.sources.map(({ feed, side, file, version, fields }) => ({ feed, side, file, version, fields })),
      columns: [...this.columns].map(([name, c]) => [name, c.state()]),
    };
    const transfer = [state.head.buffer, state.tail.buffer] as ArrayBuffer[];
    for (const pages of [state.source, state.line, state.next]) for (const p of pages) transfer.push(p.buffer as ArrayBuffer);
    for (const [, c] of state.columns) for (const p of c.kind === 'decimal' ? c.pages : c.codes) if (p) transfer.push(p.buffer as ArrayBuffer);
    return { state, transfer };
  }

  /**
   * Appends the rows of another index (its state), as if they had been added here after the
   * rows already held: they start on the next page, and each of its groups joins the group
   * of the same key here, after that group's rows, or is a new group.
   */
  append(st: GroupIndexState): void {
    const base = this.capacity; // whole pages: the rows here end on the last page made
    const first = base >>> PAGE_BITS;
    // Its sources → sources here.
    const to = new Uint16Array(st.sources.length);
    st.sources.forEach((src, k) => {
      let i = this.sources.findIndex((x) => x.file === src.file && x.version === src.version && x.feed === src.feed);
      if (i < 0) {
        i = this.sources.length;
        if (i > 0xffff) throw new ReconError(ErrorCodes.USAGE, `more than ${0xffff + 1} files in one run: reconcile them in parts`);
        this.sources.push({ ...src, store: this.storer(src.fields) });
      }
      to[k] = i;
    });
    for (let j = 0; j < st.source.length; j++) {
      const src = st.source[j], next = st.next[j];
      for (let k = 0; k < PAGE_ROWS; k++) {
        src[k] = to[src[k]];
        if (next[k] >= 0) next[k] += base;
      }
      this.source.push(src);
      this.line.push(st.line[j]);
      this.next.push(next);
    }
    this.capacity += st.source.length * PAGE_ROWS;
    this.rows = base + st.rows;
    for (const [name, c] of st.columns) {
      const own = this.column(name);
      if (c.kind === 'decimal') (own as DecimalColumn).append(c, first, base);
      else (own as ValueColumn).append(c, first, base, st.rows);
    }
    // Its groups, in their order.
    for (let g = 0; g < st.groupCount; g++) {
      this.join(st.keyA[g], this.second === undefined ? undefined : st.keyB[g], st.head[g] + base, st.tail[g] + base);
    }
    this.lastA = undefined;
    this.lastB = undefined;
    this.lastGroup = -1;
    this.last = undefined;
    this.lastIndex = -1;
  }

  /** Every group, as an array of its rows (records) in the order they were added. */
  *groups(): IterableIterator<readonly CanonRecord[]> {
    const builders = this.sources.map((s) => this.builder(s));
    for (let g = 0; g < this.groupCount; g++) {
      const a = this.keyA[g], b = this.keyB[g];
      const out: CanonRecord[] = [];
      for (let i = this.head[g]; i >= 0; i = this.next[i >>> PAGE_BITS][i & PAGE_MASK]) out.push(builders[this.source[i >>> PAGE_BITS][i & PAGE_MASK]](i, a, b));
      yield out;
    }
  }

  private sourceOf(r: CanonRecord): number {
    const s = this.last;
    if (s !== undefined && s.file === r.file && s.version === r.version && s.feed === r.feed) return this.lastIndex;
    let i = this.sources.findIndex((x) => x.file === r.file && x.version === r.version && x.feed === r.feed);
    if (i < 0) {
      i = this.sources.length;
      if (i > 0xffff) throw new ReconError(ErrorCodes.USAGE, `more than ${0xffff + 1} files in one run: reconcile them in parts`);
      const fields = Object.keys(r.f);
      this.sources.push({ feed: r.feed, side: r.side, file: r.file, version: r.version, fields, store: this.storer(fields) });
    }
    this.last = this.sources[i];
    this.lastIndex = i;
    return i;
  }

  private column(name: string): Column {
    let c = this.columns.get(name);
    if (!c) this.columns.set(name, (c = this.decimalFields.has(name) ? new DecimalColumn() : new ValueColumn()));
    return c;
  }

  /** A source's field storer, generated like `builder`: one monomorphic store per field. */
  private storer(fields: readonly string[]): Source['store'] {
    const own = fields.filter((n) => n !== this.first && n !== this.second);
    for (const name of own) if (!/^[a-z_]+$/.test(name)) throw new Error(`field name ${name} cannot be compiled`);
    const body = `
      const [${own.map((_, k) => `c${k}`).join(', ')}] = cols;
      return (f, row) => { ${own.map((n, k) => `c${k}.set(row, f.${n});`).join(' ')} };`;
    return new Function('cols', body)(own.map((n) => this.column(n)));
  }

  /**
   * Rebuilds a source's records: generated (`new Function`) with its field names written out,
   * so rebuilt records have the shape the decoder gives them. Only field names from the feed
   * catalog go into the source text.
   */
  private builder(s: Source): (i: number, a: string, b: string | undefined) => CanonRecord {
    const cols: Column[] = [];
    const cells = s.fields.map((name) => {
      if (!/^[a-z_]+$/.test(name)) throw new Error(`field name ${name} cannot be compiled`);
      if (name === this.first) return `${name}: a`;
      if (name === this.second) return `${name}: b`;
      cols.push(this.columns.get(name)!);
      return `${name}: c${cols.length - 1}.get(i)`;
    });
    const body = `
      const [${cols.map((_, k) => `c${k}`).join(', ')}] = cols;
      return (i, a, b) => {
        const line = lines[i >>> ${PAGE_BITS}][i & ${PAGE_MASK}];
        // A small line number as an integer, not a boxed double (16 bytes less a record).
        return { feed, side, f: { ${cells.join(', ')} }, file, line: line <= 0x3fffffff ? line | 0 : line, version };
      };`;
    return new Function('cols', 'lines', 'feed', 'side', 'file', 'version', body)(cols, this.line, s.feed, s.side, s.file, s.version);
  }

  /** Room for PAGE_ROWS more rows. */
  private addPage(): void {
    this.source.push(new Uint16Array(PAGE_ROWS));
    this.line.push(new Float64Array(PAGE_ROWS));
    this.next.push(new Int32Array(PAGE_ROWS));
    this.capacity += PAGE_ROWS;
  }

  private growGroups(): void {
    const n = this.head.length * 2;
    const head = new Int32Array(n), tail = new Int32Array(n), hash = new Int32Array(n);
    head.set(this.head);
    tail.set(this.tail);
    hash.set(this.hash);
    this.head = head;
    this.tail = tail;
    this.hash = hash;
  }

  /** Doubles the hash table and places every group again (by its kept hash). */
  private growSlots(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    for (let g = 0; g < this.groupCount; g++) {
      let at = this.hash[g] & mask;
      while (slots[at] >= 0) at = (at + 1) & mask;
      slots[at] = g;
    }
    this.slots = slots;
  }
}

/** FNV-1a over the key parts' UTF-16 code units, with a separator between parts, mixed at the end. */
function hashKey(a: string, b: string | undefined): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < a.length; i++) h = Math.imul(h ^ a.charCodeAt(i), 0x01000193);
  if (b !== undefined) {
    h = Math.imul(h ^ 0x1f, 0x01000193);
    for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b.charCodeAt(i), 0x01000193);
  }
  // Spread the low bits (the table is indexed by them).
  h ^= h >>> 16;
  h = Math.imul(h, 0x45d9f3b);
  return (h ^ (h >>> 16)) | 0;
}
