/**
 * `oms-recon local --inbox <dir> --out <dir>` (SPEC, contract): the whole pipeline on this machine.
 * `--state <dir>` keeps the stand-ins' data there between runs (SPEC). `--chunk-rows <n>`
 * ingests each file in invocations of at most n rows (chunked ingest, as on AWS).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { ErrorCodes, ReconError } from '../errors.ts';
import { PRESIGN_MAX_SECONDS } from '../pipeline/env.ts';
import { runLocalPipeline, type LocalRunResult } from '../pipeline/local.ts';
import { renderSummaryTable } from '../report/console.ts';
import type { Output } from './output.ts';

export const LOCAL_USAGE = 'usage: oms-recon local --inbox <dir> --out <dir> [--state <dir>] [--config <file>] [--shards <n>] [--link-expires <seconds>] [--chunk-rows <n>]';

/** The most rows `--chunk-rows` takes (more is one invocation for any file a laptop holds). */
export const MAX_CHUNK_ROWS = 1_000_000_000;

export async function runLocal(argv: readonly string[], io: Output): Promise<number> {
  let values: { inbox?: string; out?: string; state?: string; config?: string; shards?: string; 'link-expires'?: string; 'chunk-rows'?: string };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { inbox: { type: 'string' }, out: { type: 'string' }, state: { type: 'string' }, config: { type: 'string' }, shards: { type: 'string' }, 'link-expires': { type: 'string' }, 'chunk-rows': { type: 'string' } },
      strict: true,
    }));
  } catch (e) {
    throw new ReconError(ErrorCodes.USAGE, `${(e as Error).message}\n${LOCAL_USAGE}`);
  }
  if (!values.inbox || !values.out) throw new ReconError(ErrorCodes.USAGE, `--inbox and --out are required\n${LOCAL_USAGE}`);
  const shards = values.shards === undefined ? undefined : Number(values.shards);
  if (shards !== undefined && (!Number.isInteger(shards) || shards < 1 || shards > 1000)) {
    throw new ReconError(ErrorCodes.USAGE, `--shards must be a whole number from 1 to 1000\n${LOCAL_USAGE}`);
  }
  const expires = values['link-expires'] === undefined ? undefined : Number(values['link-expires']);
  if (expires !== undefined && (!Number.isInteger(expires) || expires < 1 || expires > PRESIGN_MAX_SECONDS)) {
    throw new ReconError(ErrorCodes.USAGE, `--link-expires must be a whole number of seconds from 1 to ${PRESIGN_MAX_SECONDS} (7 days)\n${LOCAL_USAGE}`);
  }
  // Ingest reads a file in invocations of at most this many rows, each handing over to the next as on AWS (lib/pipeline/chunk.ts).
  const chunkRows = values['chunk-rows'] === undefined ? undefined : Number(values['chunk-rows']);
  if (chunkRows !== undefined && (!/^\d+$/.test(values['chunk-rows']!) || !Number.isSafeInteger(chunkRows) || chunkRows < 1 || chunkRows > MAX_CHUNK_ROWS)) {
    throw new ReconError(ErrorCodes.USAGE, `--chunk-rows must be a whole number of rows from 1 to ${MAX_CHUNK_ROWS}\n${LOCAL_USAGE}`);
  }
  const config = await loadConfig(values.config);
  if (values.state !== undefined && values.state.trim() === '') throw new ReconError(ErrorCodes.USAGE, `--state needs a folder\n${LOCAL_USAGE}`);
  const state = values.state === undefined ? undefined : resolve(values.state);
  const result = await runLocalPipeline({ inbox: resolve(values.inbox), out: resolve(values.out), state, config, shards, reportLinkExpiresSeconds: expires, chunkRows, progress: (l) => io.out(l) });
  return printLocalResult(result, io);
}

export function printLocalResult(result: LocalRunResult, io: Output): number {
  for (const report of Object.values(result.reports)) {
    io.out('');
    io.out(renderSummaryTable(report));
  }
  for (const f of result.failed) io.err(`oms-recon: ${f.boundary}: ${f.error}`);
  // A boundary that compared no key: its report and message say why; the run is trouble (exit 2).
  const nothing = Object.values(result.reports).filter((r) => r.nothingCompared !== undefined);
  for (const r of nothing) io.err(`oms-recon: ${r.boundary}: ${new ReconError(ErrorCodes.NOTHING_COMPARED, `nothing was compared: ${r.nothingCompared}`).describe()}`);
  if (result.failed.length > 0 || nothing.length > 0) return 2;
  return Object.values(result.reports).some((r) => r.summary.discrepancies > 0) ? 1 : 0;
}
