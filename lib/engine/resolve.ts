/**
 * Resolving a group: of the rows that share a side and an identity, the newest version wins
 * (the pipeline's upsert); two rows of one identity are never merged in silence — the
 * loser is named in a `duplicate_key` warning. The survivors come out in a fixed order
 * (side, then identity), the order the pipeline reads them back from the store.
 */
import type { Boundary } from '../boundaries/boundary.ts';
import { SEP } from '../boundaries/boundary.ts';
import type { CanonRecord } from '../feeds/decode.ts';
import type { Warning } from '../report/model.ts';

export interface Resolved {
  records: CanonRecord[];
  /** rows that lost to a newer row of the same identity */
  superseded: Array<{ loser: CanonRecord; winner: CanonRecord }>;
}

function identityKey(b: Boundary, r: CanonRecord): string {
  return r.side + SEP + b.identityOf(r).join(SEP);
}

/** newer: a higher version, or in one version (one file) the later line. */
function newer(a: CanonRecord, b: CanonRecord): boolean {
  return a.version > b.version || (a.version === b.version && a.line > b.line);
}

export function resolveGroup(b: Boundary, group: readonly CanonRecord[]): Resolved {
  const [left] = b.sides;
  if (group.length === 1) return { records: [group[0]], superseded: [] };
  const keyed = group.map((r) => ({ r, k: identityKey(b, r) }));
  const byKey = new Map<string, { r: CanonRecord; k: string }>();
  const superseded: Resolved['superseded'] = [];
  for (const e of keyed) {
    const cur = byKey.get(e.k);
    if (!cur) byKey.set(e.k, e);
    else if (newer(e.r, cur.r)) {
      superseded.push({ loser: cur.r, winner: e.r });
      byKey.set(e.k, e);
    } else superseded.push({ loser: e.r, winner: cur.r });
  }
  const out = [...byKey.values()].sort((x, y) => {
    const sx = x.r.side === left ? 0 : 1, sy = y.r.side === left ? 0 : 1;
    if (sx !== sy) return sx - sy;
    return x.k < y.k ? -1 : x.k > y.k ? 1 : 0;
  });
  return { records: out.map((e) => e.r), superseded };
}

export function duplicateWarning(b: Boundary, loser: CanonRecord, winner: CanonRecord): Warning {
  const key: Record<string, string> = {};
  const parts = b.groupOf(winner);
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
  const id = b.identityOf(r).filter((p) => !p.startsWith('#') && !shown.has(p));
  return id.length ? ` (${id.join(', ')})` : '';
}
