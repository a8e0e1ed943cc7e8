/**
 * `oms-recon demo` (`npm start`): writes the sample feeds and runs them through the local
 * pipeline, exactly as `oms-recon local --inbox <samples> --out <dir>` would.
 */
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ErrorCodes, ReconError } from '../errors.ts';
import { runLocalPipeline } from '../pipeline/local.ts';
import { writeSample } from '../sample/index.ts';
import { printLocalResult } from './local.ts';
import type { Output } from './output.ts';

export async function runDemo(argv: readonly string[], io: Output): Promise<number> {
  let values: { out?: string; seed?: string };
  try {
    ({ values } = parseArgs({ args: [...argv], options: { out: { type: 'string' }, seed: { type: 'string' } }, strict: true }));
  } catch (e) {
    throw new ReconError(ErrorCodes.USAGE, `${(e as Error).message}\nusage: oms-recon demo [--out <dir>] [--seed <n>]`);
  }
  const out = resolve(values.out ?? 'out/demo');
  const inbox = join(out, 'inbox');
  const set = writeSample(inbox, { seed: Number(values.seed ?? 1) });
  io.out(`sample   ${set.files.length} feed files with planted discrepancies → ${inbox} (answer key: ${join(inbox, 'answer-key.json')})`);
  const result = await runLocalPipeline({ inbox, out, progress: (l) => io.out(l) });
  const code = printLocalResult(result, io);
  const rel = relative(process.cwd(), inbox) || '.';
  io.out(`\nThe same feeds through the CLI, e.g.: npx oms-recon reconcile inventory --oms ${join(rel, 'oms-inventory')}/* --warehouse ${join(rel, 'warehouse-inventory')}/*`);
  // Discrepancies are the point of the demo: finding them is success.
  return code === 2 ? 2 : 0;
}
