/**
 * The engine's whole run over files: read every feed of a boundary, group the records by
 * the boundary's group key, resolve identities, classify each group against the run's
 * scope and build the report. The pipeline does the same steps, spread over Lambdas.
 */
import type { Boundary, FileFacts, GroupOutcome, Scope } from '../boundaries/boundary.ts';
import { BOUNDARY } from '../boundaries/index.ts';
import type { ReconConfig } from '../config.ts';
import { ErrorCodes, ReconError } from '../errors.ts';
import type { BoundaryName, SideName } from '../feeds/catalog.ts';
import type { CanonRecord } from '../feeds/decode.ts';
import type { TableSource } from '../read/table.ts';
import { buildSummary, sortDiscrepancies } from '../report/merge.ts';
import type { Discrepancy, FileStats, Rejection, Report, Warning } from '../report/model.ts';
import { nothingCompared } from '../report/verdict.ts';
import { GroupIndex } from './groups.ts';
import { canUseTwoThreads, readFiles, worthTwoThreads, type FileJob } from './parallel.ts';
import { duplicateWarning, Resolver } from './resolve.ts';

export interface FeedInput {
  side: SideName;
  source: TableSource;
}

export interface ReconcileOptions {
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
  readonly warnings: Warning[] = [];
  /** Keys left out of scope, counted per reason. */
  readonly outOfScopeReasons = new Map<string, number>();

  private readonly resolver: Resolver;

  constructor(
    readonly boundary: Boundary,
    readonly scope: Scope,
    readonly config: ReconConfig,
  ) {
    this.resolver = new Resolver(boundary);
  }

  /** Classifies one group (all rows of one group key, both sides, any order). */
  group(rows: readonly CanonRecord[]): GroupOutcome {
    const files = this.scope.files;
    // Pipeline: only rows of files fully ingested, in their current version, count.
    const current = files ? rows.filter((r) => Object.hasOwn(files, r.file) && files[r.file] === r.version) : rows;
    if (current.length === 0) return { discrepancies: [], left: 0, right: 0, keys: 0, matched: 0, outOfScope: 0 };
    const { records, superseded } = this.resolver.resolve(current);
    for (const s of superseded) this.warnings.push(duplicateWarning(this.boundary, s.loser, s.winner));
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

export function outOfScopeWarnings(reasons: Iterable<[string, number]>): Warning[] {
  return [...reasons].map(([reason, n]) => ({
    code: 'out_of_scope',
    message: `${n} ${n === 1 ? 'key' : 'keys'} left out of the comparison: ${reason}`,
  }));
}

export async function reconcileFiles(opts: ReconcileOptions): Promise<Report> {
  const boundary = BOUNDARY[opts.boundary];
  const { config } = opts;
  const groups = new GroupIndex(boundary);
  const rejected: Rejection[] = [];
  const warnings: Warning[] = [];
  const files: FileStats[] = [];
  const facts: FileFacts[] = [];
  const usedBySide = new Map<SideName, number>();

  const jobs: FileJob[] = opts.inputs.map((input, at) => {
    if (!boundary.feeds[input.side]) {
      throw new ReconError(ErrorCodes.USAGE, `boundary ${boundary.name} has no side "${input.side}" (sides: ${boundary.sides.join(', ')})`);
    }
    return { at, side: input.side, source: input.source, version: String(at).padStart(6, '0') };
  });
  const twoThreads = opts.parallel === undefined ? await worthTwoThreads(jobs) : opts.parallel && canUseTwoThreads(jobs);
  await readFiles(boundary, jobs, config, groups, {
    twoThreads,
    onFile(r) {
      files.push(r.stats);
      facts.push(r.facts);
      rejected.push(...r.rejected);
      warnings.push(...r.warnings);
      usedBySide.set(r.stats.side, (usedBySide.get(r.stats.side) ?? 0) + r.stats.used);
      opts.onFile?.(r.stats);
    },
  });
  for (const side of boundary.sides) {
    if (!opts.inputs.some((i) => i.side === side)) {
      throw new ReconError(ErrorCodes.USAGE, `no file given for side "${side}" of ${boundary.name} (use --${side} <file>)`);
    }
    if ((usedBySide.get(side) ?? 0) === 0) {
      const sideFiles = new Set(files.filter((f) => f.side === side).map((f) => f.file));
      const names = [...sideFiles].join(', ');
      // No report is written on this failure: show why, with the first rejected row.
      const first = rejected.find((r) => sideFiles.has(r.file));
      const reason = first && first.reason.length > 200 ? first.reason.slice(0, 200) + '…' : first?.reason;
      const why = first ? ` (first: ${first.file}:${first.line}: ${reason})` : '';
      throw new ReconError(ErrorCodes.NO_USABLE_ROWS, `no usable rows on side "${side}": every row was rejected${why}`, { file: names });
    }
  }

  const scoped = boundary.scope(facts, config);
  warnings.push(...scoped.warnings);
  const tally = new Tally(boundary, scoped.scope, config);
  for (const g of groups.groups()) tally.group(g);
  warnings.push(...tally.warnings, ...tally.scopeWarnings());

  return buildReport({
    boundary,
    generatedAt: (opts.now ?? new Date()).toISOString(),
    tally,
    files,
    rejected,
    warnings,
  });
}

export function buildReport(p: {
  boundary: Boundary;
  generatedAt: string;
  tally: Pick<Tally, 'left' | 'right' | 'keys' | 'matched' | 'outOfScope' | 'discrepancies'>;
  files: FileStats[];
  rejected: Rejection[];
  warnings: Warning[];
  runId?: string;
}): Report {
  const rows = { read: 0, used: 0, rejected: 0, skipped: 0 };
  for (const f of p.files) {
    rows.read += f.read;
    rows.used += f.used;
    rows.rejected += f.rejected;
    rows.skipped += f.skipped ?? 0;
  }
  const discrepancies = sortDiscrepancies(p.tally.discrepancies, p.boundary.name);
  const report: Report = {
    boundary: p.boundary.name,
    sides: [p.boundary.sides[0], p.boundary.sides[1]],
    generatedAt: p.generatedAt,
    summary: buildSummary({ ...p.tally, discrepancies, rows }),
    files: p.files,
    discrepancies,
    rejected: [...p.rejected].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line)),
    warnings: p.warnings,
  };
  if (p.runId) report.runId = p.runId;
  const nothing = nothingCompared(report);
  if (nothing !== undefined) report.nothingCompared = nothing;
  return report;
}
