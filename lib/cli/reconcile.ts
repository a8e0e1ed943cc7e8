/**
 * `oms-recon reconcile <boundary> --<side> <file> [--<side> <file> …] [--config <file>] [--out <dir>]`
 * (SPEC, contract). Exit 0: no discrepancies; 1: discrepancies found; 2: trouble.
 */
import { resolve } from 'node:path';
import { BOUNDARY, isBoundaryName } from '../boundaries/index.ts';
import { loadConfig } from '../config.ts';
import { reconcileFiles, type FeedInput } from '../engine/reconcile.ts';
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
  const report = await reconcileFiles({ boundary: args.boundary, inputs: args.inputs, config });
  // A run that compared no key has no answer: exit 2, and no report that could read as all clear.
  if (report.nothingCompared !== undefined) throw new ReconError(ErrorCodes.NOTHING_COMPARED, `nothing was compared: ${report.nothingCompared}`);
  const paths = await writeReportFiles(report, resolve(args.out));
  io.out(renderSummaryTable(report));
  io.out(`\nreport: ${paths.json}\n        ${paths.csv}\n        ${paths.markdown}\n        ${paths.html}`);
  return report.summary.discrepancies > 0 ? 1 : 0;
}
