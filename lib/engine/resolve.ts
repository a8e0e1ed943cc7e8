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
  // identity. The sides are split first (rows of one file come together), then each side is
  // sorted on its own. A boundary that can compare identities directly builds no key strings.
  const compareIdentity = b.compareIdentity;
  const rows: CanonRecord[] = [];
  for (let i = 0; i < n; i++) if (group[i].side === left) rows.push(group[i]);
  const split = rows.length;
  for (let i = 0; i < n; i++) if (group[i].side !== left) rows.push(group[i]);
  const keys = compareIdentity === undefined ? rows.map((r) => b.identityKey(r)) : undefined;
  /** Order of the identities of rows x and y (with their keys, when built); 0: one identity. */
  const order = (x: CanonRecord, kx: string | undefined, y: CanonRecord, ky: string | undefined): number => {
    if (kx === undefined || ky === undefined) return compareIdentity!(x, y);
    return kx < ky ? -1 : kx > ky ? 1 : 0;
  };
  sortSide(rows, keys, 0, split, order);
  sortSide(rows, keys, split, n, order);
  const records: CanonRecord[] = [rows[0]];
  let superseded = NONE;
  for (let k = 1; k < n; k++) {
    const r = rows[k];
    if (k === split || order(rows[k - 1], keys?.[k - 1], r, keys?.[k]) !== 0) {
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

type IdentityOrder = (x: CanonRecord, kx: string | undefined, y: CanonRecord, ky: string | undefined) => number;

/** Sorts rows[from..to) (and their keys) by identity, stably: by insertion when few, else by index. */
function sortSide(rows: CanonRecord[], keys: string[] | undefined, from: number, to: number, order: IdentityOrder): void {
  if (to - from <= SMALL_SIDE) {
    for (let i = from + 1; i < to; i++) {
      const x = rows[i], kx = keys?.[i];
      let j = i - 1;
      while (j >= from && order(rows[j], keys?.[j], x, kx) > 0) {
        rows[j + 1] = rows[j];
        if (keys) keys[j + 1] = keys[j];
        j--;
      }
      rows[j + 1] = x;
      if (keys) keys[j + 1] = kx!;
    }
    return;
  }
  const at: number[] = [];
  for (let i = from; i < to; i++) at.push(i);
  at.sort((i, j) => order(rows[i], keys?.[i], rows[j], keys?.[j]) || i - j);
  const sortedRows = at.map((i) => rows[i]);
  const sortedKeys = keys && at.map((i) => keys[i]);
  for (let k = 0; k < at.length; k++) {
    rows[from + k] = sortedRows[k];
    if (keys) keys[from + k] = sortedKeys![k];
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
