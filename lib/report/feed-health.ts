/**
 * Feed health (issue 10, SPEC "Feed health in every run"): per feed and per partner prefix,
 * the last file's time and the rows of the latest drop, and three warnings —
 *
 * - `feed_empty`: a file of the latest drop holds no data row;
 * - `feed_shrunk`: the latest drop's rows are down by more than `feeds.<feed>.shrinkShare`
 *   (default 0.5) from the previous drop's (needs history: the previous run's health); a drop
 *   whose files are all empty is `feed_empty` only;
 * - `feed_late`: no file within `feeds.<feed>.expectEvery` (e.g. `26h`) of the clock
 *   (needs a clock of arrival: the pipeline's run time).
 *
 * Pure: the same engine for the CLI (the files given, no history, no clock — so rows, last
 * file time and `feed_empty` only) and the pipeline (the boundary's file manifests, the
 * previous run's health and the run's clock).
 *
 * A "drop" of a feed and prefix is the files that arrived since the previous run's last file
 * of it (all the files, without history). A run in which no file of it arrived keeps the
 * previous drop (`arrived: false`): it is not judged empty or shrunk again, only late.
 */
import type { ReconConfig } from '../config.ts';
import { partnerOfPath, partnersByName } from '../engine/binding.ts';
import { FEED_NAMES, FEEDS, type BoundaryName, type FeedName, type SideName } from '../feeds/catalog.ts';
import type { FileStats } from './model.ts';

export type FeedFlag = 'feed_late' | 'feed_empty' | 'feed_shrunk';

/** The default share by which a drop's rows may fall from the previous drop's before `feed_shrunk`. */
export const DEFAULT_SHRINK_SHARE = 0.5;

export interface FeedHealthEntry {
  feed: FeedName;
  side: SideName;
  /** The partner prefix (`inbound/<feed>/<partner>/…`, a configured partner); absent: files under no partner folder. */
  partner?: string;
  /** The latest file (by arrival) and when it arrived (pipeline: S3 upload time; CLI: the file's modification time). */
  lastFile?: string;
  lastFileAt?: string;
  /** Data rows in the latest drop, and how many files it has. */
  rows: number;
  files: number;
  /** The previous drop's rows (pipeline, when the previous run saw this feed and prefix). */
  previousRows?: number;
  /** Whether the latest drop arrived in this run (false: the previous run's drop, carried). */
  arrived: boolean;
  /** The configured interval (`feeds.<feed>.expectEvery`). */
  expectEvery?: string;
  flags: FeedFlag[];
}

export interface FeedWarning {
  code: FeedFlag;
  message: string;
  feed: FeedName;
  partner?: string;
  file?: string;
  /** Not raised by the previous run for this feed and prefix (a late feed stays late; alerts count only new ones). */
  new: boolean;
}

export interface FeedHealth {
  /** The clock `feed_late` was judged against; absent when no clock was given (the CLI). */
  asOf?: string;
  feeds: FeedHealthEntry[];
  warnings: FeedWarning[];
}

export interface FeedFile {
  file: string;
  feed: FeedName;
  /** ISO time the file arrived; files without one sort first and never count as newer than the previous drop. */
  at?: string;
  /** Data rows read. */
  rows: number;
  /** The file's bytes equal this earlier file's (its rows are the original's; it is never empty on its own). */
  duplicateOf?: string;
}

export interface FeedHealthInput {
  boundary: BoundaryName;
  files: readonly FeedFile[];
  config: Pick<ReconConfig, 'partners'> & { feeds?: ReconConfig['feeds'] };
  /** The previous run's health (pipeline). */
  previous?: FeedHealth;
  /** The clock for `feed_late` (pipeline: the run's time). Without it no feed is judged late. */
  now?: string;
}

/** The files of a report as feed-health input: data rows read, arrival time when known. */
export function feedFiles(files: readonly FileStats[], times: Readonly<Record<string, string>> = {}): FeedFile[] {
  return files.map((f) => ({
    file: f.file,
    feed: f.feed,
    rows: f.read,
    ...(Object.hasOwn(times, f.file) ? { at: times[f.file] } : {}),
    ...(f.duplicateOf !== undefined ? { duplicateOf: f.duplicateOf } : {}),
  }));
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };
/** `26h`, `1d`, `90m`, `1d12h`: one or more <whole number><m|h|d>. */
export const DURATION_PATTERN = /^(?:\d{1,6}[mhd])+$/;

/** Milliseconds of a duration like `26h` or `1d12h`; undefined when it does not parse. */
export function durationMs(text: string): number | undefined {
  if (!DURATION_PATTERN.test(text)) return undefined;
  let ms = 0;
  for (const m of text.matchAll(/(\d+)([mhd])/g)) ms += Number(m[1]) * UNIT_MS[m[2]];
  return ms;
}

/** `2d 3h`, `5h 20m`, `45m` */
export function ageText(ms: number): string {
  const min = Math.floor(ms / 60_000);
  const d = Math.floor(min / 1440), h = Math.floor((min % 1440) / 60), m = min % 60;
  if (d) return h ? `${d}d ${h}h` : `${d}d`;
  if (h) return m ? `${h}h ${m}m` : `${h}h`;
  return `${m}m`;
}

const entryKey = (feed: string, partner: string | undefined) => `${feed}\u241f${partner ?? ''}`;

export function feedHealth(input: FeedHealthInput): FeedHealth {
  const partners = partnersByName(input.config);
  const feedsOfBoundary = FEED_NAMES.filter((f) => FEEDS[f].boundary === input.boundary);
  const settings = (feed: FeedName) => input.config.feeds?.[feed];
  const rowsOf = new Map<string, number>();
  for (const f of input.files) if (!f.duplicateOf) rowsOf.set(f.file, f.rows);

  // Files by feed and prefix.
  const groups = new Map<string, { feed: FeedName; partner?: string; files: FeedFile[] }>();
  for (const f of input.files) {
    if (FEEDS[f.feed]?.boundary !== input.boundary) continue;
    const partner = partnerOfPath(f.file, f.feed, partners)?.name;
    const k = entryKey(f.feed, partner);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { feed: f.feed, partner, files: [] }));
    g.files.push(f);
  }
  const previous = new Map<string, FeedHealthEntry>();
  for (const e of input.previous?.feeds ?? []) {
    if (FEEDS[e.feed]?.boundary === input.boundary) previous.set(entryKey(e.feed, e.partner), e);
  }
  const previousFlags = new Set((input.previous?.warnings ?? []).map((w) => `${entryKey(w.feed, w.partner)}\u241f${w.code}`));
  const keys = new Set<string>([...groups.keys(), ...previous.keys()]);
  // A feed expected on a schedule that no run has ever seen is late from the start.
  for (const feed of feedsOfBoundary) {
    if (settings(feed)?.expectEvery && ![...keys].some((k) => k.startsWith(`${feed}\u241f`))) keys.add(entryKey(feed, undefined));
  }

  const entries: FeedHealthEntry[] = [];
  const warnings: FeedWarning[] = [];
  const nowMs = input.now !== undefined ? Date.parse(input.now) : NaN;
  for (const k of keys) {
    const g = groups.get(k);
    const prev = previous.get(k);
    const feed = (g?.feed ?? prev?.feed ?? k.slice(0, k.indexOf('\u241f'))) as FeedName;
    const partner = g ? g.partner : prev?.partner;
    const cfg = settings(feed);
    const where = partner !== undefined ? `${feed} (partner ${partner})` : feed;
    // Sorted by arrival, then name; the drop: files newer than the previous run's last file.
    const files = [...(g?.files ?? [])].sort((a, b) => ((a.at ?? '') < (b.at ?? '') ? -1 : (a.at ?? '') > (b.at ?? '') ? 1 : a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    const since = prev?.lastFileAt;
    const drop = since === undefined ? files : files.filter((f) => f.at !== undefined && f.at > since);
    const entry: FeedHealthEntry = { feed, side: FEEDS[feed].side, rows: 0, files: 0, arrived: drop.length > 0, flags: [] };
    if (partner !== undefined) entry.partner = partner;
    if (cfg?.expectEvery) entry.expectEvery = cfg.expectEvery;
    const warn = (code: FeedFlag, message: string, file?: string) => {
      if (!entry.flags.includes(code)) entry.flags.push(code);
      const isNew = code === 'feed_late' ? !previousFlags.has(`${k}\u241f${code}`) : true;
      warnings.push({ code, message, feed, ...(partner !== undefined ? { partner } : {}), ...(file !== undefined ? { file } : {}), new: isNew });
    };
    if (drop.length) {
      const last = drop[drop.length - 1];
      entry.lastFile = last.file;
      if (last.at !== undefined) entry.lastFileAt = last.at;
      entry.files = drop.length;
      for (const f of drop) entry.rows += f.duplicateOf ? (rowsOf.get(f.duplicateOf) ?? 0) : f.rows;
      if (prev) entry.previousRows = prev.rows;
      for (const f of drop) if (!f.duplicateOf && f.rows === 0) warn('feed_empty', `${f.file} holds no data rows (${where})`, f.file);
      const share = cfg?.shrinkShare ?? DEFAULT_SHRINK_SHARE;
      // A drop of empty files only is feed_empty already, not also shrunk.
      if (prev && prev.rows > 0 && entry.rows > 0 && prev.rows - entry.rows > share * prev.rows) {
        const down = Math.round(((prev.rows - entry.rows) / prev.rows) * 100);
        warn('feed_shrunk', `${where}: ${entry.rows} rows in the latest drop, down ${down}% from ${prev.rows} in the previous one (more than ${Math.round(share * 100)}%)`, last.file);
      }
    } else if (prev) {
      // Nothing new: the previous drop stands.
      if (prev.lastFile !== undefined) entry.lastFile = prev.lastFile;
      if (prev.lastFileAt !== undefined) entry.lastFileAt = prev.lastFileAt;
      entry.rows = prev.rows;
      entry.files = prev.files;
      if (prev.previousRows !== undefined) entry.previousRows = prev.previousRows;
    } else if (files.length) {
      // Files older than a previous run's last file, in a prefix it did not know: not a new drop.
      const last = files[files.length - 1];
      entry.lastFile = last.file;
      if (last.at !== undefined) entry.lastFileAt = last.at;
    }
    const every = cfg?.expectEvery ? durationMs(cfg.expectEvery) : undefined;
    if (every !== undefined && Number.isFinite(nowMs)) {
      const lastMs = entry.lastFileAt !== undefined ? Date.parse(entry.lastFileAt) : NaN;
      if (!Number.isFinite(lastMs)) warn('feed_late', `no ${where} file has arrived (expected every ${cfg!.expectEvery})`);
      else if (nowMs - lastMs > every) {
        warn('feed_late', `no ${where} file for ${ageText(nowMs - lastMs)} (expected every ${cfg!.expectEvery}; the last arrived ${entry.lastFileAt})`);
      }
    }
    entries.push(entry);
  }
  const order = (e: { feed: FeedName; partner?: string }) => `${String(FEED_NAMES.indexOf(e.feed)).padStart(2, '0')}\u241f${e.partner ?? ''}`;
  entries.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  warnings.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  const out: FeedHealth = { feeds: entries, warnings };
  if (input.now !== undefined) out.asOf = input.now;
  return out;
}
