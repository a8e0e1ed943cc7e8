/**
 * Reader benchmark: generates feed files in a temp folder, reads each with openTable in a
 * fresh child process (so peak RSS is the reader's own), and prints rows/s and peak RSS.
 *
 *   npx tsx bench/read.bench.ts            # 1M rows per variant
 *   ROWS=35000000 RUNS=1 npx tsx bench/read.bench.ts csv   # ~1 GB CSV: memory must stay flat
 *
 * The machine may be shared: wall time is best of three runs, and CPU time is printed too
 * (a loaded machine inflates wall time, not CPU time much).
 *
 * Variants: csv (4 columns, ~35 bytes/row, the target: >= 1.5M rows/s), csv-crlf,
 * csv-quoted (every field quoted), csv-gz, ndjson, json (array).
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { openTable } from '../lib/read/open.ts';

const VARIANTS = ['csv', 'csv-crlf', 'csv-quoted', 'csv-gz', 'ndjson', 'json'] as const;
type Variant = (typeof VARIANTS)[number];

function row(i: number): string[] {
  return [`SKU-${String(i).padStart(8, '0')}`, `DC${(i % 7) + 1}`, String((i * 7919) % 10000), `${(i % 997) + 1}.${String(i % 100).padStart(2, '0')}`];
}

function render(variant: Variant, i: number): string {
  const [sku, facility, onHand, cost] = row(i);
  switch (variant) {
    case 'csv':
    case 'csv-gz':
      return `${sku},${facility},${onHand},${cost}\n`;
    case 'csv-crlf':
      return `${sku},${facility},${onHand},${cost}\r\n`;
    case 'csv-quoted':
      return `"${sku}","${facility}","${onHand}","${cost}"\n`;
    case 'ndjson':
      return `{"sku":"${sku}","facility_id":"${facility}","on_hand":${onHand},"cost":${cost}}\n`;
    case 'json':
      return `${i === 0 ? '[' : ','}\n{"sku":"${sku}","facility_id":"${facility}","on_hand":${onHand},"cost":${cost}}`;
  }
}

async function generate(variant: Variant, rows: number, path: string): Promise<void> {
  const file = createWriteStream(path);
  const gz = variant === 'csv-gz' ? createGzip({ level: 1 }) : null;
  if (gz) gz.pipe(file);
  const sink = gz ?? file;
  const header = variant === 'csv-crlf' ? 'sku,facility_id,on_hand,cost\r\n' : 'sku,facility_id,on_hand,cost\n';
  let block: string[] = variant.startsWith('csv') ? [header] : [];
  for (let i = 0; i < rows; i++) {
    block.push(render(variant, i));
    if (block.length >= 4096) {
      if (!sink.write(block.join(''))) await once(sink, 'drain');
      block = [];
    }
  }
  if (variant === 'json') block.push('\n]\n');
  sink.end(block.join(''));
  await once(file, 'close');
}

/** Child: read one file, print a JSON line with the measurements. */
async function measure(path: string): Promise<void> {
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const table = await openTable(path);
  let rows = 0;
  let chars = 0;
  for await (const batch of table.rows()) {
    rows += batch.length;
    for (const r of batch) chars += r.values[0].length; // touch the cells
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ rows, seconds, cpuSeconds, peakRssMb, chars, format: table.format }));
}

async function main(): Promise<void> {
  const rows = Number(process.env.ROWS ?? 1_000_000);
  const chosen = process.argv.slice(2).filter((a): a is Variant => (VARIANTS as readonly string[]).includes(a));
  const variants = chosen.length ? chosen : VARIANTS;
  const dir = await mkdtemp(join(tmpdir(), 'oms-recon-read-bench-'));
  const self = fileURLToPath(import.meta.url);
  try {
    console.log(`reader benchmark: ${rows.toLocaleString('en-US')} rows per file, node ${process.version}`);
    for (const variant of variants) {
      const path = join(dir, `inventory.${variant === 'csv-gz' ? 'csv.gz' : variant.startsWith('csv') ? 'csv' : variant}`);
      await generate(variant, rows, path);
      const size = (await stat(path)).size;
      // Best of RUNS runs (default 3), each in a fresh process.
      let best: { rows: number; seconds: number; cpuSeconds: number; peakRssMb: number } | null = null;
      for (let run = 0; run < Number(process.env.RUNS ?? 3); run++) {
        const child = spawnSync(process.execPath, [...process.execArgv, self, '--measure', path], { encoding: 'utf8' });
        if (child.status !== 0) throw new Error(`measure failed: ${child.stderr}`);
        const m = JSON.parse(child.stdout.trim().split('\n').pop()!);
        if (m.rows !== rows) throw new Error(`${variant}: read ${m.rows} rows, expected ${rows}`);
        if (!best || m.seconds < best.seconds) best = m;
      }
      const b = best!;
      console.log(
        `${variant.padEnd(11)} ${(size / 1e6).toFixed(1).padStart(7)} MB  ` +
          `${b.seconds.toFixed(3)} s  ${Math.round(b.rows / b.seconds).toLocaleString('en-US').padStart(10)} rows/s  ` +
          `(cpu ${b.cpuSeconds.toFixed(3)} s)  ` +
          `peak RSS ${b.peakRssMb.toFixed(0)} MB`,
      );
      await rm(path);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--measure') await measure(process.argv[3]);
else await main();
