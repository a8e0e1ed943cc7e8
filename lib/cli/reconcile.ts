/**
 * `oms-recon reconcile <boundary> --<side> <file> [--<side> <file> …] [--config <file>] [--out <dir>]`
 * (SPEC, contract). Exit 0: no discrepancies; 1: discrepancies found; 2: trouble.
 */
import { resolve } from 'node:path';
import { BOUNDARY, isBoundaryName } from '../boundaries/index.ts';
import { loadConfig } from '../config.ts';
import { FULL_LISTS, reconcileFiles, type FeedInput } from '../engine/reconcile.ts';
import { joinParts, spillPaths } from '../engine/spill.ts';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import type { ReconConfig } from '../config.ts';
import { feedFiles, feedHealth, type FeedHealth } from '../report/feed-health.ts';
import type { Report } from '../report/model.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, ReconError } from '../errors.ts';
import type { SideName } from '../feeds/catalog.ts';
import { BOUNDARIES } from '../feeds/catalog.ts';
import { renderSummaryTable } from '../report/console.ts';
import { writeReportFiles } from '../report/write.ts';
import type { Output } from './output.ts';

export const RECONCILE_USAGE = `usage: oms-recon reconcile <boundary> --<side> <file> [--<side> <file> …] [--config <file>] [--out <dir>]
  boundaries and sides:
${BOUNDARIES.map((b) => `    ${b.padEnd(12)} --${BOUNDARY[b].sides[0]} <file>…  --${BOUNDARY[b].sides[1]} <file>…`).join('\n')}`;

export interface ReconcileArgs {
  boundary: (typeof BOUNDARIES)[number];
  inputs: FeedInput[];
  config?: string;
  out: string;
}

export function parseReconcileArgs(argv: readonly string[]): ReconcileArgs {
  const [boundary, ...rest] = argv;
  if (!boundary || boundary.startsWith('-')) throw usage('missing <boundary>');
  if (!isBoundaryName(boundary)) throw usage(`unknown boundary "${boundary}" (expected one of: ${BOUNDARIES.join(', ')})`);
  const sides = BOUNDARY[boundary].sides;
  const inputs: FeedInput[] = [];
  let config: string | undefined;
  let out = './out';
  let lastSide: SideName | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') ? (eq > 0 ? a.slice(2, eq) : a.slice(2)) : undefined;
    if (!flag) {
      // More files of the side just named (a shell glob: `--warehouse counts/*.csv`).
      if (lastSide === undefined) throw usage(`unexpected argument "${a}"`);
      inputs.push({ side: lastSide, source: a });
      continue;
    }
    lastSide = undefined;
    // `--oms --warehouse b.csv`: the next flag is not --oms's value (a file named `--x` can be given as `--oms=--x`).
    const next = eq > 0 ? undefined : rest[i + 1];
    if (eq < 0 && next !== undefined && next.startsWith('--')) throw usage(`--${flag} needs a value`);
    const value = eq > 0 ? a.slice(eq + 1) : rest[++i];
    if (value === undefined || value === '') throw usage(`--${flag} needs a value`);
    if (flag === 'config') config = value;
    else if (flag === 'out') out = value;
    else if ((sides as readonly string[]).includes(flag)) {
      inputs.push({ side: flag as SideName, source: value });
      lastSide = flag as SideName;
    }
    else throw usage(`unknown option --${flag} for ${boundary} (sides: ${sides.map((s) => '--' + s).join(', ')}; also --config, --out)`);
  }
  for (const s of sides) if (!inputs.some((x) => x.side === s)) throw usage(`no file for side "${s}": give --${s} <file>`);
  return { boundary, inputs, config, out };
}

function usage(message: string): ReconError {
  return new ReconError(ErrorCodes.USAGE, `${message}\n${RECONCILE_USAGE}`);
}

/** `--help` / `-h` anywhere among the arguments (not as a flag's value). */
function wantsHelp(argv: readonly string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') return true;
    if (a.startsWith('--') && !a.includes('=')) i++; // skip the flag's value
  }
  return false;
}

export async function runReconcile(argv: readonly string[], io: Output): Promise<number> {
  if (wantsHelp(argv)) {
    io.out(RECONCILE_USAGE);
    return 0;
  }
  const args = parseReconcileArgs(argv);
  const config = await loadConfig(args.config);
  // Every rejected row and warning is written here as it comes; the report keeps the first N.
  const spillDir = await mkdtemp(join(tmpdir(), 'oms-recon-lists-'));
  try {
    const report = await reconcileFiles({ boundary: args.boundary, inputs: args.inputs, config, spillDir });
    report.feedHealth = await cliFeedHealth(report, config);
    // A run that compared no key has no answer: exit 2, and no report that could read as all clear.
    if (report.nothingCompared !== undefined) throw new ReconError(ErrorCodes.NOTHING_COMPARED, `nothing was compared: ${report.nothingCompared}`);
    const out = resolve(args.out);
    const paths = await writeReportFiles(report, out);
    const lists = await writeFullLists(spillDir, args.inputs.length, out);
    io.out(renderSummaryTable(report));
    io.out(`\nreport: ${[paths.json, paths.csv, paths.markdown, paths.html, ...lists].join('\n        ')}`);
    return report.summary.discrepancies > 0 ? 1 : 0;
  } finally {
    await rm(spillDir, { recursive: true, force: true });
  }
}

/**
 * Feed health of the files given (lib/report/feed-health.ts, the pipeline's engine): per feed
 * and partner prefix, rows and the last file's modification time, and `feed_empty`. No
 * `feed_shrunk` (no previous run) and no `feed_late` (a file's modification time on a laptop is
 * not when the partner sent it): those need the pipeline's history and clock.
 */
async function cliFeedHealth(report: Report, config: ReconConfig): Promise<FeedHealth> {
  const times: Record<string, string> = {};
  for (const f of report.files) {
    const at = await stat(f.file).then((s) => s.mtime.toISOString(), () => undefined);
    if (at !== undefined) times[f.file] = at;
  }
  return feedHealth({ boundary: report.boundary, files: feedFiles(report.files, times), config });
}

/**
 * Puts the full lists of rejected rows and warnings beside the report (rejected.csv,
 * warnings.ndjson), in file order; a list that is empty is not written (an older one is removed).
 */
async function writeFullLists(spillDir: string, files: number, out: string): Promise<string[]> {
  const places = [...Array.from({ length: files }, (_, at) => at), 'run' as const].map((at) => spillPaths(spillDir, at));
  const written: string[] = [];
  const put = async (parts: string[], name: string, header?: string) => {
    const dest = join(out, name);
    try {
      if (await joinParts(parts, dest, header)) written.push(dest);
      else await rm(dest, { force: true });
    } catch (e) {
      throw new ReconError(ErrorCodes.STORAGE, `cannot write ${dest}: ${(e as Error).message}`, { file: dest }, { cause: e });
    }
  };
  await put(places.map((p) => p.rejected), FULL_LISTS.rejected, 'file,line,reason\n');
  await put(places.map((p) => p.warnings), FULL_LISTS.warnings);
  return written;
}
