/**
 * Resolving a group: of the rows that share a side and an identity, the newest version wins
 * (the pipeline's upsert); two rows of one identity are never merged in silence — the
 * loser is named in a `duplicate_key` warning. The survivors come out in a fixed order
 * (side, then identity), the order the pipeline reads them back from the store.
 */
import { groupOf, type Boundary } from '../boundaries/boundary.ts';
import type { SideName } from '../feeds/catalog.ts';
import type { CanonRecord } from '../feeds/decode.ts';
import type { Warning } from '../report/model.ts';

export interface Resolved {
  records: CanonRecord[];
  /** rows that lost to a newer row of the same identity */
  superseded: Array<{ loser: CanonRecord; winner: CanonRecord }>;
}

/**
 * newer: a later snapshot time (snapshot feeds: `rank`), then a higher version, or in one
 * version (one file) the later line — the order of the pipeline's stored versions.
 */
function newer(a: CanonRecord, b: CanonRecord, rank?: (r: CanonRecord) => string): boolean {
  if (rank) {
    const ra = rank(a), rb = rank(b);
    if (ra !== rb) return ra > rb;
  }
  return a.version > b.version || (a.version === b.version && a.line > b.line);
}

const NONE: Resolved['superseded'] = [];

/**
 * Resolves the groups of one boundary, one after another. Files usually list the rows of
 * every group in one order (a SKU's facilities, always in the same sequence): a side whose
 * identities come in exactly the order of the same side of the group before is put in order
 * by the permutation found then — one comparison a row instead of a sort.
 */
export class Resolver {
  private readonly memo = [new SideMemo(), new SideMemo()];

  /** `rank`: a row's snapshot time (snapshot feeds), compared before the version. */
  constructor(readonly boundary: Boundary, private readonly rank?: (r: CanonRecord) => string) {}

  resolve(group: readonly CanonRecord[]): Resolved {
    const b = this.boundary;
    const n = group.length;
    if (n === 1) return { records: [group[0]], superseded: NONE };
    const left = b.sides[0];
    if (n === 2 && group[0].side !== group[1].side) {
      // The common case: one row on each side.
      return { records: group[0].side === left ? [group[0], group[1]] : [group[1], group[0]], superseded: NONE };
    }
    // A boundary that can compare identities directly builds no key strings.
    const compareIdentity = b.compareIdentity;
    if (compareIdentity) return this.resolveBy(group, (r) => r, left, compareIdentity);
    const keyed = group.map((r) => ({ r, k: b.identityKey(r) }));
    return this.resolveBy(keyed, (x) => x.r, left, (x, y) => (x.k < y.k ? -1 : x.k > y.k ? 1 : 0));
  }

  /**
   * Orders the rows by (side, identity), keeping arrival order among equals, and keeps the
   * newest row of each run of equal identities.
   */
  private resolveBy<T>(group: readonly T[], recordOf: (t: T) => CanonRecord, left: SideName, order: (x: T, y: T) => number): Resolved {
    const n = group.length;
    const lefts: T[] = [];
    const rights: T[] = [];
    for (let i = 0; i < n; i++) (recordOf(group[i]).side === left ? lefts : rights).push(group[i]);
    const records: CanonRecord[] = [];
    let superseded = NONE;
    for (let s = 0; s < 2; s++) {
      const rows = s === 0 ? lefts : rights;
      if (rows.length === 0) continue;
      const { perm, newRun } = this.memo[s].order(rows, order);
      for (let k = 0; k < rows.length; k++) {
        const r = recordOf(rows[perm[k]]);
        if (newRun[k]) {
          records.push(r);
          continue;
        }
        // One identity twice: the newer row wins, and the other is named.
        const cur = records[records.length - 1];
        if (superseded === NONE) superseded = [];
        if (newer(r, cur, this.rank)) {
          superseded.push({ loser: cur, winner: r });
          records[records.length - 1] = r;
        } else superseded.push({ loser: r, winner: cur });
      }
    }
    return { records, superseded };
  }
}

/** Resolves one group on its own. */
export function resolveGroup(b: Boundary, group: readonly CanonRecord[]): Resolved {
  return new Resolver(b).resolve(group);
}

/** The order of one side of the last group: its rows as they came, their sorted order and runs. */
class SideMemo {
  private rows: readonly unknown[] = [];
  /** Sorted position k holds rows[perm[k]]. */
  private perm: number[] = [];
  /** Whether sorted position k starts a new identity (k = 0 always does). */
  private newRun: boolean[] = [];

  /** The stable sorted order of `rows` and where identities change, reusing the last answer when it applies. */
  order<T>(rows: readonly T[], order: (x: T, y: T) => number): { perm: number[]; newRun: boolean[] } {
    const m = rows.length;
    const last = this.rows as readonly T[];
    let same = last.length === m;
    for (let i = 0; same && i < m; i++) same = order(rows[i], last[i]) === 0;
    if (!same) {
      const perm = sortedIndexes(rows, order);
      const newRun: boolean[] = [true];
      for (let k = 1; k < m; k++) newRun.push(order(rows[perm[k - 1]], rows[perm[k]]) !== 0);
      this.perm = perm;
      this.newRun = newRun;
    }
    this.rows = rows;
    return { perm: this.perm, newRun: this.newRun };
  }
}

/** The indexes of rows in stable sorted order: by insertion when few (a side of a group usually is), else by Array.sort (stable). */
function sortedIndexes<T>(rows: readonly T[], order: (x: T, y: T) => number): number[] {
  const m = rows.length;
  const a: number[] = [];
  for (let i = 0; i < m; i++) a.push(i);
  if (m > SMALL_SIDE) return a.sort((x, y) => order(rows[x], rows[y]));
  for (let i = 1; i < m; i++) {
    const x = a[i];
    let j = i - 1;
    while (j >= 0 && order(rows[a[j]], rows[x]) > 0) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = x;
  }
  return a;
}

/** Up to this many rows on a side of a group, the side is sorted by insertion. */
const SMALL_SIDE = 32;

export function duplicateWarning(b: Boundary, loser: CanonRecord, winner: CanonRecord): Warning {
  const key: Record<string, string> = {};
  const parts = groupOf(b, winner);
  b.keyFields.forEach((f, i) => {
    const v = i < parts.length ? parts[i] : winner.f[f];
    if (v !== undefined) key[f] = String(v);
  });
  const where = (r: CanonRecord) => `${r.file}:${r.line}`;
  return {
    code: 'duplicate_key',
    message: `${winner.side} has two rows for ${Object.entries(key).map(([k, v]) => `${k}=${v}`).join(' ')}${describeIdentity(b, winner, key)}: ` +
      `${where(winner)} is used, ${where(loser)} is ignored`,
    file: winner.file,
    lines: winner.file === loser.file ? [loser.line, winner.line].sort((a, c) => a - c) : [winner.line],
    key,
  };
}

function describeIdentity(b: Boundary, r: CanonRecord, key: Record<string, string>): string {
  const shown = new Set(Object.values(key));
  // Positional identities (`#file:line`) and the file's version (inventory snapshots) mean nothing to a reader.
  const id = b.identityOf(r).filter((p) => !p.startsWith('#') && p !== r.version && !shown.has(p));
  return id.length ? ` (${id.join(', ')})` : '';
}
