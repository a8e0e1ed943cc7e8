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

/** newer: a higher version, or in one version (one file) the later line. */
function newer(a: CanonRecord, b: CanonRecord): boolean {
  return a.version > b.version || (a.version === b.version && a.line > b.line);
}

const NONE: Resolved['superseded'] = [];

export function resolveGroup(b: Boundary, group: readonly CanonRecord[]): Resolved {
  const n = group.length;
  if (n === 1) return { records: [group[0]], superseded: NONE };
  const left = b.sides[0];
  if (n === 2 && group[0].side !== group[1].side) {
    // The common case: one row on each side.
    return { records: group[0].side === left ? [group[0], group[1]] : [group[1], group[0]], superseded: NONE };
  }
  // A boundary that can compare identities directly builds no key strings.
  const compareIdentity = b.compareIdentity;
  if (compareIdentity) return resolveBy(group, (r) => r, left, compareIdentity);
  const keyed = group.map((r) => ({ r, k: b.identityKey(r) }));
  return resolveBy(keyed, (x) => x.r, left, (x, y) => (x.k < y.k ? -1 : x.k > y.k ? 1 : 0));
}

/**
 * Orders the rows by (side, identity), keeping arrival order among equals — the sides split
 * first (rows of one file come together), then each side sorted on its own — and keeps the
 * newest row of each run of equal identities.
 */
function resolveBy<T>(group: readonly T[], recordOf: (t: T) => CanonRecord, left: SideName, order: (x: T, y: T) => number): Resolved {
  const n = group.length;
  const rows: T[] = [];
  for (let i = 0; i < n; i++) if (recordOf(group[i]).side === left) rows.push(group[i]);
  const split = rows.length;
  for (let i = 0; i < n; i++) if (recordOf(group[i]).side !== left) rows.push(group[i]);
  stableSort(rows, 0, split, order);
  stableSort(rows, split, n, order);
  const records: CanonRecord[] = [recordOf(rows[0])];
  let superseded = NONE;
  for (let k = 1; k < n; k++) {
    const r = recordOf(rows[k]);
    if (k === split || order(rows[k - 1], rows[k]) !== 0) {
      records.push(r);
      continue;
    }
    // One identity twice: the newer row wins, and the other is named.
    const cur = records[records.length - 1];
    if (superseded === NONE) superseded = [];
    if (newer(r, cur)) {
      superseded.push({ loser: cur, winner: r });
      records[records.length - 1] = r;
    } else superseded.push({ loser: r, winner: cur });
  }
  return { records, superseded };
}

/** Sorts a[from..to) stably: by insertion when few (a side of a group usually is), else by Array.sort (stable). */
function stableSort<T>(a: T[], from: number, to: number, order: (x: T, y: T) => number): void {
  if (to - from > SMALL_SIDE) {
    const sorted = a.slice(from, to).sort(order);
    for (let k = 0; k < sorted.length; k++) a[from + k] = sorted[k];
    return;
  }
  for (let i = from + 1; i < to; i++) {
    const x = a[i];
    let j = i - 1;
    while (j >= from && order(a[j], x) > 0) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = x;
  }
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
