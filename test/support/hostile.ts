/**
 * Hostile values for the tests of issue 9: the names of Object.prototype's properties (and a
 * few of Function's and Array's), which a lookup by partner text on a plain object finds, and
 * files of every feed that agree, into which one of them can be put.
 */
import { BOUNDARY } from '../../lib/boundaries/index.ts';
import { FEEDS, type BoundaryName, type FeedName } from '../../lib/feeds/catalog.ts';

export const PROTO_NAMES: readonly string[] = [
  ...new Set([
    ...Object.getOwnPropertyNames(Object.prototype),
    '__proto__', 'prototype', 'then', 'length', 'name', 'call', 'apply', 'bind', 'map', 'push', 'toJSON',
  ]),
];

/** A row of `feed` that agrees with the row of the other side built with the same `i`: canonical field → text. */
export function baseRow(feed: FeedName, i: number): Record<string, string> {
  const row: Record<string, string> = Object.create(null);
  for (const [name, spec] of Object.entries(FEEDS[feed].fields)) {
    switch (spec.kind) {
      case 'key': row[name] = name === 'channel' ? 'shop' : `${name.slice(0, 3).toUpperCase()}-${i}`; break;
      case 'text': row[name] = `text-${i}`; break;
      case 'money': row[name] = '10.50'; break;
      case 'quantity': row[name] = '2'; break;
      case 'currency': row[name] = 'USD'; break;
      case 'timestamp': row[name] = '2026-11-20T10:00:00Z'; break;
      case 'enum': row[name] = feed === 'oms-allocations' ? 'allocated' : 'sale'; break;
    }
  }
  return row;
}

/** CSV text of rows (cells never need quoting here), with the feed's fields as header and `extra` columns after them. */
export function feedCsv(feed: FeedName, rows: ReadonlyArray<Record<string, string>>, extra: readonly string[] = []): string {
  const fields = Object.keys(FEEDS[feed].fields);
  const lines = [[...fields, ...extra].join(',')];
  for (const r of rows) lines.push([...fields.map((f) => r[f] ?? ''), ...extra.map((e) => r[e] ?? '')].join(','));
  return lines.join('\n') + '\n';
}

/** The boundary's two feeds, left side first. */
export function feedsOf(boundary: BoundaryName): [FeedName, FeedName] {
  const b = BOUNDARY[boundary];
  return [b.feeds[b.sides[0]]!.name, b.feeds[b.sides[1]]!.name];
}

/**
 * Two files of a boundary (text per feed) where row `k` of the feed `on` carries `value` in
 * `field` (and so does the other side's row when its feed has a key field of that name), every
 * other cell agreeing between the sides.
 */
export function boundaryFiles(
  boundary: BoundaryName,
  mutations: ReadonlyArray<{ on: FeedName; field: string; value: string }>,
  extraColumn?: string,
): Record<FeedName, string> {
  const [a, b] = feedsOf(boundary);
  const rows: Record<string, Array<Record<string, string>>> = { [a]: [], [b]: [] };
  const count = mutations.length + 1; // and one row that agrees, so no side is left without rows
  for (let i = 0; i < count; i++) {
    const ra = baseRow(a, i), rb = baseRow(b, i);
    const m = mutations[i];
    if (m) {
      const [mine, other, otherFeed] = m.on === a ? [ra, rb, b] : [rb, ra, a];
      mine[m.field] = m.value;
      if (FEEDS[otherFeed].fields[m.field]?.kind === 'key' && FEEDS[m.on].fields[m.field].kind === 'key') other[m.field] = m.value;
    }
    if (extraColumn !== undefined) ra[extraColumn] = rb[extraColumn] = `x-${i}`;
    rows[a].push(ra);
    rows[b].push(rb);
  }
  const extra = extraColumn === undefined ? [] : [extraColumn];
  return { [a]: feedCsv(a, rows[a], extra), [b]: feedCsv(b, rows[b], extra) } as Record<FeedName, string>;
}
