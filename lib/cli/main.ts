/**
 * The `oms-recon` command. Every failure a user can cause ends as one clear line naming the
 * file and line, and exit code 2 — never a stack trace (set OMS_RECON_DEBUG=1 to see one).
 */
import { isReconError } from '../errors.ts';
import { processOutput, type Output } from './output.ts';
import { RECONCILE_USAGE, runReconcile } from './reconcile.ts';

const USAGE = `oms-recon — reconcile an OMS against its channels, warehouses and ERP

${RECONCILE_USAGE}

  oms-recon sample --out <dir> [--seed <n>] [--scale <n>]
      write sample feeds for all four boundaries, with planted discrepancies and answer-key.json
  oms-recon local --inbox <dir> --out <dir> [--state <dir>] [--config <file>] [--shards <n>] [--link-expires <seconds>] [--chunk-rows <n>]
      run the whole pipeline on this machine (DynamoDB, S3 and Step Functions stand-ins);
      --state keeps their data in <dir>, so the next run sees this one (new / ongoing / resolved);
      --chunk-rows ingests each file in invocations of at most <n> rows, each resuming from a checkpoint
  oms-recon demo [--out <dir>]
      write the sample feeds and run them through \`oms-recon local\` (this is \`npm start\`)

exit codes: 0 no discrepancies, 1 discrepancies found, 2 trouble (bad file, no usable rows, bad arguments, nothing compared)`;

type Command = (argv: readonly string[], io: Output) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  reconcile: async () => runReconcile,
  sample: async () => (await import('./sample.ts')).runSample,
  local: async () => (await import('./local.ts')).runLocal,
  demo: async () => (await import('./demo.ts')).runDemo,
};

export async function main(argv: readonly string[], io: Output = processOutput): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE);
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    io.err(`oms-recon: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  if (name !== 'reconcile' && rest.some((a) => a === '--help' || a === '-h')) {
    io.out(USAGE);
    return 0;
  }
  try {
    return await (await load())(rest, io);
  } catch (e) {
    if (isReconError(e)) io.err(`oms-recon: ${e.describe()}`);
    else {
      io.err(`oms-recon: internal error: ${(e as Error)?.message ?? String(e)} (please report it; OMS_RECON_DEBUG=1 shows the stack)`);
    }
    if (process.env.OMS_RECON_DEBUG) io.err(String((e as Error)?.stack ?? e));
    return 2;
  }
}
