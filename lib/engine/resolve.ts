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
  // Order positions by (side, identity); equal neighbours are one identity. Groups are small
  // (a few rows), so this beats a Map per group. A boundary that can compare identities
  // directly builds no key strings; a group already in order is not sorted.
  const compareIdentity = b.compareIdentity;
  let keys: string[] | undefined;
  if (compareIdentity === undefined) {
    keys = new Array<string>(n);
    for (let i = 0; i < n; i++) keys[i] = b.identityKey(group[i]);
  }
  /** Order of positions x and y by side, then identity (0: one identity). */
  const same = (x: number, y: number): number => {
    const rx = group[x], ry = group[y];
    if (rx.side !== ry.side) return rx.side === left ? -1 : 1;
    if (keys === undefined) return compareIdentity!(rx, ry);
    const kx = keys[x], ky = keys[y];
    return kx < ky ? -1 : kx > ky ? 1 : 0;
  };
  const cmp = (x: number, y: number): number => same(x, y) || x - y;
  const order: number[] = new Array<number>(n);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    order[i] = i;
    if (sorted && i > 0 && same(i - 1, i) > 0) sorted = false;
  }
  if (!sorted) order.sort(cmp);
  const records: CanonRecord[] = [];
  let superseded = NONE;
  let prev = -1;
  for (let k = 0; k < n; k++) {
    const i = order[k];
    const r = group[i];
    if (prev >= 0 && same(prev, i) === 0) {
      const cur = records[records.length - 1];
      if (superseded === NONE) superseded = [];
      if (newer(r, cur)) {
        superseded.push({ loser: cur, winner: r });
        records[records.length - 1] = r;
      } else superseded.push({ loser: r, winner: cur });
      continue;
    }
    prev = i;
    records.push(r);
  }
  return { records, superseded };
}

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
