/**
 * The CLI's in-memory grouping of records by the boundary's group key: every row of one
 * group together, for classification once all files are read. Built for millions of rows:
 * two-part keys (channel + order, order + line) use nested maps, so no key string is built
 * per row, and a group of one row holds the row itself, not an array.
 */
import type { Boundary } from '../boundaries/boundary.ts';
import type { CanonRecord } from '../feeds/decode.ts';

type Slot = CanonRecord | CanonRecord[];

export class GroupIndex {
  private readonly first: string;
  private readonly second: string | undefined;
  private readonly single = new Map<string, Slot>();
  private readonly nested = new Map<string, Map<string, Slot>>();

  constructor(b: Boundary) {
    [this.first, this.second] = b.groupFields;
  }

  add(r: CanonRecord): void {
    const f = r.f;
    const a = f[this.first] as string;
    let m = this.single;
    if (this.second !== undefined) {
      let inner = this.nested.get(a);
      if (!inner) this.nested.set(a, (inner = new Map()));
      m = inner;
    }
    const k = this.second === undefined ? a : (f[this.second] as string);
    const cur = m.get(k);
    if (cur === undefined) {
      m.set(k, r);
      return;
    }
    // Rows of one group share its key strings (the same text): millions of rows keep one
    // copy per group rather than one per row, which spares memory and garbage collection.
    const head = Array.isArray(cur) ? cur[0] : cur;
    f[this.first] = head.f[this.first];
    if (this.second !== undefined) f[this.second] = head.f[this.second];
    if (Array.isArray(cur)) cur.push(r);
    else m.set(k, [cur, r]);
  }

  /** Every group, as an array of its rows in the order they were added. */
  *groups(): IterableIterator<readonly CanonRecord[]> {
    const maps = this.second === undefined ? [this.single] : this.nested.values();
    for (const m of maps) for (const slot of m.values()) yield Array.isArray(slot) ? slot : [slot];
  }
}
