/**
 * The engine's whole run over files: read every feed of a boundary, group the records by
 * the boundary's group key, resolve identities, classify each group against the run's
 * scope and build the report. The pipeline does the same steps, spread over Lambdas.
 */
import { stat } from 'node:fs/promises';
import type { Boundary, FileFacts, GroupOutcome, Scope } from '../boundaries/boundary.ts';
import { BOUNDARY } from '../boundaries/index.ts';
import type { ReconConfig } from '../config.ts';
import { ErrorCodes, ReconError } from '../errors.ts';
import type { BoundaryName, SideName } from '../feeds/catalog.ts';
import type { CanonRecord } from '../feeds/decode.ts';
import type { TableSource } from '../read/table.ts';
import { buildSummary, sortDiscrepancies, type SummaryTotals } from '../report/merge.ts';
import type { Discrepancy, FileStats, Rejection, Report, Warning } from '../report/model.ts';
import { nothingCompared } from '../report/verdict.ts';
import { GroupIndex } from './groups.ts';
import { DEFAULT_LIMITS } from '../limits.ts';
import { byFileLine, keptRejected, keptWarnings, type Kept } from '../report/kept.ts';
import { LineFile, spillPaths } from './spill.ts';
import { canUseTwoThreads, readFiles, worthTwoThreads, type FileJob } from './parallel.ts';
import { duplicateWarning, Resolver } from './resolve.ts';
import { currentSnapshots, isSnapshotSide, liveRows, partitioner, snapshotTimeOf } from '../boundaries/snapshot.ts';

export interface FeedInput {
  side: SideName;
  source: TableSource;
}

export interface ReconcileOptions {
  /**
   * A folder where every rejected row and warning is written as it comes (the report keeps
   * the first N: limits.keptRejected / keptWarnings); `writeFullLists` puts them beside the report.
   */
  spillDir?: string;
  boundary: BoundaryName;
  inputs: readonly FeedInput[];
  config: ReconConfig;
  /** Called after each file, e.g. for progress lines. */
  onFile?: (stats: FileStats) => void;
  /**
   * Read every other file on a second thread (files on disk only): by default when there are
   * two files or more, of 16 MB or more in all. The result is the same either way.
   */
  parallel?: boolean;
  now?: Date;
}

/** Accumulates group outcomes into report parts; shared by the CLI run and the pipeline's compare. */
export class Tally {
  left = 0;
  right = 0;
  keys = 0;
  matched = 0;
  outOfScope = 0;
  readonly discrepancies: Discrepancy[] = [];
  /** The first warnings (limits.keptWarnings) and their count; each one also goes to `spill`. */
  readonly warnings: Kept<Warning>;
  /** Keys left out of scope, counted per reason. */
  readonly outOfScopeReasons = new Map<string, number>();

  private readonly resolver: Resolver;
  private readonly snapshotSide: (side: SideName) => boolean;
  /** What a snapshot row's snapshot covers (its facility, or its file's partner). */
  private readonly partition: (r: CanonRecord) => string;
  /** A row's snapshot time (snapshot sides), when the boundary has any. */
  private readonly rank: ((r: CanonRecord) => string) | undefined;

  constructor(
    readonly boundary: Boundary,
    readonly scope: Scope,
    readonly config: ReconConfig,
    spill?: (w: Warning) => void,
  ) {
    const snapshot = new Map(boundary.sides.map((side) => [side, isSnapshotSide(boundary, side, config)] as const));
    this.snapshotSide = (side) => snapshot.get(side) === true;
    this.partition = partitioner(boundary, config);
    const drop = scope.drop ?? '';
    this.rank = [...snapshot.values()].some(Boolean) ? (r) => (this.snapshotSide(r.side) ? snapshotTimeOf(r, drop) : '') : undefined;
    this.resolver = new Resolver(boundary, this.rank);
    this.warnings = keptWarnings((config.limits ?? DEFAULT_LIMITS).keptWarnings, spill);
  }

  /** Classifies one group (all rows of one group key, both sides, any order). */
  group(rows: readonly CanonRecord[]): GroupOutcome {
    const files = this.scope.files;
    // CLI: rows of a file with the same content as another are left out.
    const counted = files ? rows.filter((r) => Object.hasOwn(files, r.file) && files[r.file] === r.version) : rows;
    // Snapshot feeds: identities that no file of the current snapshot holds are absent.
    const snapshots = this.scope.current;
    const current = snapshots && this.scope.superseded ? liveRows(this.boundary, counted, snapshots, this.snapshotSide, this.partition) : counted;
    if (current.length === 0) return { discrepancies: [], left: 0, right: 0, keys: 0, matched: 0, outOfScope: 0 };
    const { records, superseded } = this.resolver.resolve(current);
    for (const s of superseded) {
      // Rows of two snapshots are not duplicates (the older is superseded, and said once per file).
      if (this.rank && this.rank(s.loser) !== this.rank(s.winner)) continue;
      this.warnings.add(duplicateWarning(this.boundary, s.loser, s.winner));
    }
    const o = this.boundary.classify(records, this.scope, this.config);
    this.left += o.left;
    this.right += o.right;
    this.keys += o.keys;
    this.matched += o.matched;
    this.outOfScope += o.outOfScope;
    for (const d of o.discrepancies) this.discrepancies.push(d);
    if (o.outOfScopeReason) this.outOfScopeReasons.set(o.outOfScopeReason, (this.outOfScopeReasons.get(o.outOfScopeReason) ?? 0) + o.outOfScope);
    return o;
  }

  /** Warnings for groups left out of scope, one per reason. Call once, after the last group. */
  scopeWarnings(): Warning[] {
    return outOfScopeWarnings(this.outOfScopeReasons);
  }
}

/**
 * The run's scope: the boundary's own (channels, facilities, …) plus the current snapshot of
 * each snapshot side (lib/boundaries/snapshot.ts). `drop`: the CLI's run time (its files are
 * one drop); the pipeline gives each file's drop in its facts.
 */
export function runScope(boundary: Boundary, facts: readonly FileFacts[], config: ReconConfig, drop?: string): { scope: Scope; warnings: Warning[] } {
  const withDrop = drop === undefined ? facts : facts.map((f) => (f.drop === undefined ? { ...f, drop } : f));
  const scoped = boundary.scope(withDrop, config);
  const snap = currentSnapshots(boundary, withDrop, config);
  const scope: Scope = { ...scoped.scope };
  if (Object.keys(snap.current).length > 0) scope.current = snap.current;
  if (snap.superseded) scope.superseded = true;
  if (drop !== undefined) scope.drop = drop;
  return { scope, warnings: [...snap.warnings, ...scoped.warnings] };
}

export function outOfScopeWarnings(reasons: Iterable<[string, number]>): Warning[] {
  return [...reasons].map(([reason, n]) => ({
    code: 'out_of_scope',
    message: `${n} ${n === 1 ? 'key' : 'keys'} left out of the comparison: ${reason}`,
  }));
}

/**
 * Files of one side whose bytes are the same (a file uploaded under a second name, a symlink,
 * the same path given twice) are counted once — the first, in file order; the others are
 * left out with a warning naming both. Without this, rows with no document ID (inventory
 * counts, shipments without a shipment ID) would count twice. Shared by the CLI run and the
 * pipeline's plan (which keeps the first upload).
 */
export class SameContent {
  private readonly first = new Map<string, string>();

  /** The earlier file of `side` with this checksum, or undefined (and this one is remembered). */
  original(side: SideName, file: string, checksum: string | undefined): string | undefined {
    if (checksum === undefined) return undefined;
    const k = side + '\u001f' + checksum;
    const before = this.first.get(k);
    if (before === undefined) this.first.set(k, file);
    return before;
  }
}

export function duplicateFileWarning(file: string, original: string): Warning {
  return {
    code: 'duplicate_file',
    message: `${file} has the same content as ${original} (same sha256): its rows are counted once, from ${original}`,
    file,
  };
}

/** A left-out duplicate's row counts: none of its rows is counted (read = used + rejected + skipped still holds). */
export function duplicateStats(stats: FileStats, original: string): FileStats {
  const { skipped: _skipped, ...rest } = stats;
  return { ...rest, read: 0, used: 0, rejected: 0, duplicateOf: original };
}

/**
 * Which files to hash while reading: those that may have the content of another file of their
 * side. A file on disk whose size no other file of its side has cannot, and is not hashed
 * (the usual run, one file a side, hashes nothing); a stream's size is not known: hashed
 * when its side has another file.
 *
 * Why hash while reading rather than before: the bytes then pass once. The cost is that a
 * duplicate is known only once it has been read: its rows go into the group index and are
 * left out of the comparison (as the pipeline leaves out rows of files not in scope).
 */
async function markPossibleDuplicates(jobs: FileJob[]): Promise<void> {
  const bySide = new Map<SideName, FileJob[]>();
  for (const j of jobs) {
    const side = bySide.get(j.side);
    if (side) side.push(j);
    else bySide.set(j.side, [j]);
  }
  for (const side of bySide.values()) {
    if (side.length < 2) continue;
    const sizes = await Promise.all(side.map((j) => (typeof j.source === 'string' ? stat(j.source).then((s) => s.size, () => -1) : Promise.resolve(-1))));
    const count = new Map<number, number>();
    for (const n of sizes) count.set(n, (count.get(n) ?? 0) + 1);
    side.forEach((j, k) => {
      if (typeof j.source !== 'string' || (sizes[k] >= 0 && count.get(sizes[k])! > 1)) j.checksum = true;
    });
  }
}

export async function reconcileFiles(opts: ReconcileOptions): Promise<Report> {
  const boundary = BOUNDARY[opts.boundary];
  const { config } = opts;
  const groups = new GroupIndex(boundary);
  const limits = config.limits ?? DEFAULT_LIMITS;
  const rejected = keptRejected(limits.keptRejected);
  const runSpill = opts.spillDir === undefined ? undefined : new LineFile(spillPaths(opts.spillDir, 'run').warnings);
  const runWarnings = keptWarnings(limits.keptWarnings, runSpill && ((w) => runSpill.write(JSON.stringify(w) + '\n')));
  const warnings = keptWarnings(limits.keptWarnings);
  const files: FileStats[] = [];
  const facts: FileFacts[] = [];
  const usedBySide = new Map<SideName, number>();

  const now = (opts.now ?? new Date()).toISOString();
  const jobs: FileJob[] = opts.inputs.map((input, at) => {
    if (!boundary.feeds[input.side]) {
      throw new ReconError(ErrorCodes.USAGE, `boundary ${boundary.name} has no side "${input.side}" (sides: ${boundary.sides.join(', ')})`);
    }
    return { at, side: input.side, source: input.source, version: String(at).padStart(6, '0'), now };
  });
  await markPossibleDuplicates(jobs);
  const twoThreads = opts.parallel === undefined ? await worthTwoThreads(jobs) : opts.parallel && canUseTwoThreads(jobs);
  const same = new SameContent();
  /** Pipeline-style scope of files (file → version), set only when a duplicate is left out. */
  let counted: Record<string, string> | undefined;
  const kept: Array<{ file: string; version: string }> = [];
  try {
  await readFiles(boundary, jobs, config, groups, {
    twoThreads,
    spillDir: opts.spillDir,
    onFile(r) {
      const original = same.original(r.stats.side, r.stats.file, r.checksum);
      if (original !== undefined) {
        // Read once: its rows (already in the index) are left out of every group, and its
        // rejections, warnings and scope facts with them; the warning names both files.
        files.push(duplicateStats(r.stats, original));
        runWarnings.add(duplicateFileWarning(r.stats.file, original));
        counted ??= Object.create(null) as Record<string, string>; // (keyed by file names: no prototype)
        opts.onFile?.(files[files.length - 1]);
        return;
      }
      kept.push({ file: r.stats.file, version: r.facts.version });
      files.push(r.stats);
      facts.push(r.facts);
      rejected.merge({ items: r.rejected, total: r.stats.rejected });
      warnings.merge({ items: r.warnings, total: r.warningTotal });
      usedBySide.set(r.stats.side, (usedBySide.get(r.stats.side) ?? 0) + r.stats.used);
      opts.onFile?.(r.stats);
    },
  });
  if (counted) for (const k of kept) counted[k.file] ??= k.version;
  for (const side of boundary.sides) {
    if (!opts.inputs.some((i) => i.side === side)) {
      throw new ReconError(ErrorCodes.USAGE, `no file given for side "${side}" of ${boundary.name} (use --${side} <file>)`);
    }
    if ((usedBySide.get(side) ?? 0) === 0) {
      const sideFiles = new Set(files.filter((f) => f.side === side).map((f) => f.file));
      const names = [...sideFiles].join(', ');
      // No report is written on this failure: show why, with the first rejected row.
      const first = rejected.kept.find((r) => sideFiles.has(r.file));
      const reason = first && first.reason.length > 200 ? first.reason.slice(0, 200) + '…' : first?.reason;
      const why = first ? ` (first: ${first.file}:${first.line}: ${reason})` : '';
      throw new ReconError(ErrorCodes.NO_USABLE_ROWS, `no usable rows on side "${side}": every row was rejected${why}`, { file: names });
    }
  }

  const scoped = runScope(boundary, facts, config, now);
  for (const w of scoped.warnings) runWarnings.add(w);
  const tally = new Tally(boundary, counted ? { ...scoped.scope, files: counted } : scoped.scope, config, (w) => runWarnings.add(w));
  for (const g of groups.groups()) tally.group(g);
  for (const w of tally.scopeWarnings()) runWarnings.add(w);
  warnings.merge({ items: runWarnings.kept, total: runWarnings.total });

  return buildReport({
    boundary,
    generatedAt: (opts.now ?? new Date()).toISOString(),
    tally,
    files,
    rejected: rejected.kept,
    warnings: warnings.kept,
    warningTotal: warnings.total,
    full: opts.spillDir === undefined ? undefined : { rejected: [FULL_LISTS.rejected], warnings: [FULL_LISTS.warnings] },
  });
  } finally {
    runSpill?.close();
  }
}

/** The full lists beside report.json (CLI), when the report keeps only the first of them. */
export const FULL_LISTS = { rejected: 'rejected.csv', warnings: 'warnings.ndjson' } as const;

export function buildReport(p: {
  boundary: Boundary;
  generatedAt: string;
  tally: Pick<Tally, 'left' | 'right' | 'keys' | 'matched' | 'outOfScope' | 'discrepancies'>;
  files: FileStats[];
  /** The first rejected rows (all of them, when there are at most limits.keptRejected): the files' counts say how many in all. */
  rejected: Rejection[];
  /** The first warnings, and how many there were (default: as many as given). */
  warnings: Warning[];
  warningTotal?: number;
  /** Where the full lists are (files beside the report, or S3 keys), named in `truncated` when a list was cut. */
  full?: { rejected?: string[]; warnings?: string[] };
  runId?: string;
  /** The discrepancies' totals, when they are not in `tally` (a streamed report: `discrepancies` is left empty, to be written from the stream). */
  totals?: SummaryTotals;
}): Report {
  const rows = { read: 0, used: 0, rejected: 0, skipped: 0 };
  for (const f of p.files) {
    rows.read += f.read;
    rows.used += f.used;
    rows.rejected += f.rejected;
    rows.skipped += f.skipped ?? 0;
  }
  const discrepancies = p.totals ? [] : sortDiscrepancies(p.tally.discrepancies, p.boundary.name);
  const report: Report = {
    boundary: p.boundary.name,
    sides: [p.boundary.sides[0], p.boundary.sides[1]],
    generatedAt: p.generatedAt,
    summary: p.totals ? p.totals.summary({ ...p.tally, rows }) : buildSummary({ ...p.tally, discrepancies, rows }),
    files: p.files,
    discrepancies,
    rejected: [...p.rejected].sort(byFileLine),
    warnings: p.warnings,
  };
  const warningTotal = p.warningTotal ?? p.warnings.length;
  if (rows.rejected > p.rejected.length || warningTotal > p.warnings.length) {
    const truncated: NonNullable<Report['truncated']> = {};
    if (rows.rejected > p.rejected.length) truncated.rejected = { kept: p.rejected.length, total: rows.rejected, ...(p.full?.rejected ? { full: p.full.rejected } : {}) };
    if (warningTotal > p.warnings.length) truncated.warnings = { kept: p.warnings.length, total: warningTotal, ...(p.full?.warnings ? { full: p.full.warnings } : {}) };
    report.truncated = truncated;
  }
  if (p.runId) report.runId = p.runId;
  const nothing = nothingCompared(report);
  if (nothing !== undefined) report.nothingCompared = nothing;
  return report;
}
