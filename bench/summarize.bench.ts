/**
 * `npm run bench:summarize [-- 200000 1000000] [--in-memory]`: peak memory of the summarize
 * step on runs of N inventory discrepancies (16 shards, a previous run sharing three quarters
 * of them and a tenth more it resolves), laid out in s3rver and dynalite as plan and compare
 * leave them (test/support/summarize-fixture.ts).
 *
 * The step runs in a child process of its own (the stand-ins stay in this one), with the V8
 * heap capped at the summarize Lambda's memory (cdk FUNCTION_SPECS), and reports its peak
 * heap and RSS — what the Lambda would need. `--in-memory` runs instead what summarize did
 * before it streamed: every discrepancy held, sorted, compared and rendered whole.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FUNCTION_SPECS } from '../cdk/oms-reconciliation.ts';
import { startDynalite, startS3rver } from '../lib/pipeline/standins.ts';
import { layOutRun } from '../test/support/summarize-fixture.ts';

const SHARDS = 16;
const args = process.argv.slice(2);
const inMemory = args.includes('--in-memory');
const counts = args.filter((a) => /^\d+$/.test(a)).map(Number);
const memoryMb = FUNCTION_SPECS.summarize.memorySize;

interface ChildResult { ok: boolean; error?: string; ms: number; cpuMs?: number; peakHeapMb: number; peakRssMb: number; discrepancies?: number }

async function measure(count: number): Promise<ChildResult> {
  const db = await startDynalite({ tableName: 'bench-summarize' });
  const s3 = await startS3rver({ bucket: 'bench-summarize' });
  try {
    const t0 = Date.now();
    const fixture = await layOutRun({ s3: s3.client, dynamo: db.client }, s3.bucket, db.tableName, { count, shards: SHARDS });
    process.stdout.write(`  laid out ${count.toLocaleString('en')} discrepancies in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
    const child = fork(fileURLToPath(new URL('./summarize.child.ts', import.meta.url)), [], {
      execArgv: ['--expose-gc', `--max-old-space-size=${memoryMb}`, '--import', 'tsx'],
      env: { ...process.env, BENCH_S3: s3.endpoint, BENCH_DDB: db.endpoint, BENCH_BUCKET: s3.bucket, BENCH_TABLE: db.tableName, BENCH_INPUT: JSON.stringify({ fixture, count, shards: SHARDS, inMemory }) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return await new Promise<ChildResult>((resolve) => {
      let result: ChildResult | undefined;
      child.on('message', (m) => (result = m as ChildResult));
      child.on('exit', (code, signal) => resolve(result ?? { ok: false, error: `exited ${code ?? signal} (out of memory?)`, ms: 0, peakHeapMb: NaN, peakRssMb: NaN }));
    });
  } finally {
    await Promise.all([db.stop(), s3.stop()]);
  }
}

process.stdout.write(`summarize ${inMemory ? 'in memory (before streaming)' : 'streamed'}; heap capped at the Lambda's ${memoryMb} MB; ${SHARDS} shards\n`);
for (const count of counts.length ? counts : [200_000, 1_000_000]) {
  const r = await measure(count);
  process.stdout.write(
    r.ok
      ? `${count.toLocaleString('en').padStart(10)} discrepancies: ${(r.ms / 1000).toFixed(1)} s (CPU of the step: ${((r.cpuMs ?? NaN) / 1000).toFixed(1)} s), peak heap ${r.peakHeapMb.toFixed(0)} MB, peak RSS ${r.peakRssMb.toFixed(0)} MB\n`
      : `${count.toLocaleString('en').padStart(10)} discrepancies: FAILED ${r.error}\n`,
  );
}
