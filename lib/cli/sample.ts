/** `oms-recon sample --out <dir> [--seed <n>] [--scale <n>]`: sample feeds with planted discrepancies and an answer key. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ErrorCodes, ReconError } from '../errors.ts';
import { writeSample } from '../sample/index.ts';
import type { Output } from './output.ts';

export const SAMPLE_USAGE = 'usage: oms-recon sample --out <dir> [--seed <n>] [--scale <n>]';

function number(name: string, v: string | undefined, fallback: number, integer: boolean): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new ReconError(ErrorCodes.USAGE, `--${name} must be a positive ${integer ? 'whole ' : ''}number, got "${v}"\n${SAMPLE_USAGE}`);
  }
  return n;
}

export async function runSample(argv: readonly string[], io: Output): Promise<number> {
  let values: { out?: string; seed?: string; scale?: string };
  try {
    ({ values } = parseArgs({ args: [...argv], options: { out: { type: 'string' }, seed: { type: 'string' }, scale: { type: 'string' } }, strict: true }));
  } catch (e) {
    throw new ReconError(ErrorCodes.USAGE, `${(e as Error).message}\n${SAMPLE_USAGE}`);
  }
  if (!values.out) throw new ReconError(ErrorCodes.USAGE, `--out is required\n${SAMPLE_USAGE}`);
  const dir = resolve(values.out);
  const set = writeSample(dir, { seed: number('seed', values.seed, 1, true), scale: number('scale', values.scale, 1, false) });
  io.out(`wrote ${set.files.length} feed files and answer-key.json to ${dir}`);
  for (const f of set.files) io.out(`  ${f.feed}/${f.name}`);
  return 0;
}
