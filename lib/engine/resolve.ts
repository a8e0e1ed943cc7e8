/**
 * Resolving a group: of the rows that share a side and an identity, the newest version wins
 * (the pipeline's upsert); two rows of one identity are never merged in silence — the
 * loser is named in a `duplicate_key` warning. The survivors come out in a fixed order
 * (side, then identity), the order the pipeline reads them back from the store.
 */
import { groupOf, type Boundary } from '../boundaries/boundary.ts';
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
  // Order by (side, identity), keeping arrival order among equals; equal neighbours are one
  // identity. A boundary that can compare identities directly builds no key strings.
  const compareIdentity = b.compareIdentity;
  const rows = group.slice();
  const keys = compareIdentity === undefined ? rows.map((r) => b.identityKey(r)) : undefined;
  /** Order of rows x and y (with their identity keys, when built) by side, then identity (0: one identity). */
  const order = (x: CanonRecord, kx: string | undefined, y: CanonRecord, ky: string | undefined): number => {
    if (x.side !== y.side) return x.side === left ? -1 : 1;
    if (kx === undefined || ky === undefined) return compareIdentity!(x, y);
    return kx < ky ? -1 : kx > ky ? 1 : 0;
  };
  if (n <= SMALL_GROUP) {
    // Groups are small (a few rows): a stable insertion sort, in place.
    for (let i = 1; i < n; i++) {
      const x = rows[i], kx = keys?.[i];
      let j = i - 1;
      while (j >= 0 && order(rows[j], keys?.[j], x, kx) > 0) {
        rows[j + 1] = rows[j];
        if (keys) keys[j + 1] = keys[j];
        j--;
      }
      rows[j + 1] = x;
      if (keys) keys[j + 1] = kx!;
    }
  } else {
    const at = rows.map((_, i) => i);
    at.sort((i, j) => order(group[i], keys?.[i], group[j], keys?.[j]) || i - j);
    for (let k = 0; k < n; k++) rows[k] = group[at[k]];
    if (keys) {
      const sorted = at.map((i) => keys[i]);
      for (let k = 0; k < n; k++) keys[k] = sorted[k];
    }
  }
  const records: CanonRecord[] = [rows[0]];
  let superseded = NONE;
  for (let k = 1; k < n; k++) {
    const r = rows[k];
    if (order(rows[k - 1], keys?.[k - 1], r, keys?.[k]) !== 0) {
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

/** Up to this many rows, a group is sorted by insertion. */
const SMALL_GROUP = 16;

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
