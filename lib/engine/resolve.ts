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
  // Sort positions by (side, identity); equal neighbours are one identity. Groups are small
  // (a few rows), so this beats a Map per group.
  const keys: string[] = new Array(n);
  const order: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const r = group[i];
    keys[i] = (r.side === left ? '0' : '1') + b.identityKey(r);
    order[i] = i;
  }
  order.sort((x, y) => (keys[x] < keys[y] ? -1 : keys[x] > keys[y] ? 1 : x - y));
  const records: CanonRecord[] = [];
  let superseded = NONE;
  let prevKey: string | undefined;
  for (const i of order) {
    const r = group[i];
    if (keys[i] === prevKey) {
      const cur = records[records.length - 1];
      if (superseded === NONE) superseded = [];
      if (newer(r, cur)) {
        superseded.push({ loser: cur, winner: r });
        records[records.length - 1] = r;
      } else superseded.push({ loser: r, winner: cur });
      continue;
    }
    prevKey = keys[i];
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
