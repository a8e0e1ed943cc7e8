/**
 * Snapshot and incremental feeds (docs/data-model.md, "Snapshot and incremental feeds").
 *
 * A **snapshot** feed (inventory counts, both sides; any feed configured
 * `feeds: { <feed>: { mode: 'snapshot' } }`) says the whole state of what it covers: a facility
 * of a side for inventory; for other feeds the partner prefix of its file (the whole side for a
 * file under no partner folder: see partitioner). Its snapshot time is the row's
 * as-of (`as_of` / `counted_at`), or the drop's time when a row has none. Per covered part,
 * the files with the newest snapshot time are the current snapshot, however many files it came
 * split into; a record counts only when a file of the current snapshot holds its identity, so
 * a key absent from the newest snapshot is absent (zero on hand), never its old count.
 *
 * An **incremental** feed (every other) upserts by identity: a later file changes a record
 * only by holding it (e.g. with a `cancelled` status), never by leaving it out.
 *
 * The CLI and the pipeline run these same functions: the CLI over the rows of the files it was
 * given (one drop), the pipeline over the file manifests (facts) and the stored records.
 */
import type { ReconConfig } from '../config.ts';
import { FEEDS, type FeedName, type SideName } from '../feeds/catalog.ts';
import type { CanonRecord } from '../feeds/decode.ts';
import type { Warning } from '../report/model.ts';
import { partnerOfPath, partnersByName, type PartnerBinding } from '../engine/binding.ts';
import { SEP, type Boundary, type FileFacts } from './boundary.ts';

/** The field holding a snapshot feed's snapshot time (inventory), if the feed has one. */
export const SNAPSHOT_TIME_FIELD: Readonly<Partial<Record<FeedName, string>>> = {
  'oms-inventory': 'as_of',
  'warehouse-inventory': 'counted_at',
};

export type FeedMode = 'snapshot' | 'incremental';

/** A feed's mode: inventory feeds are snapshots; others as configured (default incremental). */
export function feedMode(feed: FeedName, config: ReconConfig): FeedMode {
  if (FEEDS[feed].boundary === 'inventory') return 'snapshot';
  const c = config.feeds;
  return c && Object.hasOwn(c, feed) && c[feed]?.mode === 'snapshot' ? 'snapshot' : 'incremental';
}

/** Whether a side of a boundary is fed by a snapshot feed. */
export function isSnapshotSide(b: Boundary, side: SideName, config: ReconConfig): boolean {
  const feed = b.feeds[side];
  return feed !== undefined && feedMode(feed.name, config) === 'snapshot';
}

/**
 * What one snapshot covers inside its side, for a row (or a stored record): the facility for
 * inventory; for other feeds the partner of the row's file — its partner folder
 * (`<feed>/<partner>/…` in an S3 key or a path, lib/engine/binding.ts), so that one partner's
 * snapshot never makes another's records absent — or '' (the whole side) for a file under no
 * partner folder, and always when no partner is configured. The CLI and the pipeline name a
 * file's partner by the same rule. Memoises the last file (rows come file by file).
 */
export function partitioner(b: Boundary, config: Pick<ReconConfig, 'partners'>): (r: PartitionInput) => string {
  if (b.name === 'inventory') return (r) => (r.f.facility_id as string | undefined) ?? '';
  const partners = partnersByName(config);
  if (partners.size === 0) return () => '';
  let lastFile: string | undefined;
  let lastPart = '';
  return (r) => {
    if (r.file !== lastFile) {
      lastFile = r.file;
      lastPart = partnerOfPath(r.file, r.feed, partners)?.name ?? '';
    }
    return lastPart;
  };
}

/** What partitioner reads of a row: its fields, its file and its feed. */
export interface PartitionInput {
  f: Readonly<Record<string, unknown>>;
  file: string;
  feed: FeedName;
}

/** A row's snapshot time: its as-of, or the drop's time when it has none. */
export function snapshotTimeOf(r: CanonRecord, drop: string): string {
  const field = SNAPSHOT_TIME_FIELD[r.feed];
  const t = field === undefined ? undefined : (r.f[field] as string | undefined);
  return t ?? drop;
}

/** `<side>␟<partition>` → the current snapshot: its time, and the files (names) that make it up. */
export type CurrentSnapshots = Record<string, { time: string; files: string[] }>;

export function snapshotKey(side: SideName, partition: string): string {
  return side + SEP + partition;
}

/** The parts a file covers, with the newest snapshot time of its rows in each (null: none had one → the drop's time). */
function partsOf(b: Boundary, f: FileFacts, partners: ReadonlyMap<string, PartnerBinding>): Record<string, string | null> {
  if (b.name === 'inventory') return f.facilities ?? {};
  const feed = b.feeds[f.side]?.name;
  const partner = feed === undefined ? undefined : partnerOfPath(f.file, feed, partners)?.name;
  return { [partner ?? '']: null };
}

/**
 * The current snapshot of every (side, part) from the files' facts: the newest snapshot time
 * wins, and every file with that time belongs to it (a split snapshot is one snapshot). A
 * file left out of a part's current snapshot is named in a `superseded_snapshot` warning when
 * it is of the same drop as the current one, or arrived after it (a late older count).
 */
export function currentSnapshots(b: Boundary, facts: readonly FileFacts[], config: ReconConfig): { current: CurrentSnapshots; warnings: Warning[]; superseded: boolean } {
  const best = new Map<string, { time: string; files: FileFacts[] }>();
  const lost = new Map<string, FileFacts[]>();
  const partners = partnersByName(config);
  for (const f of facts) {
    if (!isSnapshotSide(b, f.side, config)) continue;
    for (const [part, t] of Object.entries(partsOf(b, f, partners))) {
      const k = snapshotKey(f.side, part);
      const time = t ?? f.drop ?? '';
      const cur = best.get(k);
      if (!cur || time > cur.time) {
        if (cur) for (const x of cur.files) push(lost, k, x);
        best.set(k, { time, files: [f] });
      } else if (time === cur.time) cur.files.push(f);
      else push(lost, k, f);
    }
  }
  const current: CurrentSnapshots = Object.create(null) as CurrentSnapshots;
  const warnings: Warning[] = [];
  for (const [k, v] of best) {
    current[k] = { time: v.time, files: v.files.map((f) => f.file) };
    const win = v.files[v.files.length - 1];
    for (const f of lost.get(k) ?? []) {
      if (f.drop !== win.drop && !v.files.some((w) => f.version > w.version)) continue;
      const [side, part] = k.split(SEP);
      const what = b.name === 'inventory' ? `${side} count of facility ${part}` : part ? `${side} snapshot of partner ${part}` : `${side} snapshot`;
      warnings.push({ code: 'superseded_snapshot', message: `${what} in ${f.file} is superseded by the newer one in ${win.file}`, file: f.file });
    }
  }
  return { current, warnings, superseded: lost.size > 0 };
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}

/**
 * The CLI's side of the rule, for one group: drops every identity of a snapshot side that no
 * file of its current snapshot holds (rows of older snapshots only), keeping the rest as they
 * are (the resolver then keeps the newest row of each identity). Returns `rows` itself when
 * nothing is dropped (the usual case: one drop, one snapshot).
 */
export function liveRows(b: Boundary, rows: readonly CanonRecord[], current: CurrentSnapshots, snapshotSide: (side: SideName) => boolean, partition: (r: CanonRecord) => string): readonly CanonRecord[] {
  let stale = false;
  for (const r of rows) {
    if (!snapshotSide(r.side)) continue;
    if (!isCurrent(r, current, partition)) {
      stale = true;
      break;
    }
  }
  if (!stale) return rows;
  const held = new Set<string>();
  for (const r of rows) if (snapshotSide(r.side) && isCurrent(r, current, partition)) held.add(r.side + SEP + b.identityKey(r));
  return rows.filter((r) => !snapshotSide(r.side) || held.has(r.side + SEP + b.identityKey(r)));
}

function isCurrent(r: CanonRecord, current: CurrentSnapshots, partition: (r: CanonRecord) => string): boolean {
  const k = snapshotKey(r.side, partition(r));
  const c = Object.hasOwn(current, k) ? current[k] : undefined;
  return c !== undefined && c.files.includes(r.file);
}
