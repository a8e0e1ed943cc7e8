/**
 * `npm run bench`: oms-recon's CLI against DuckDB on the same files doing the same full
 * outer join — inventory at 250k, 500k and 1M rows per side, and 1M intake orders. Prints
 * wall time, rows/s and peak RSS of each (each run is its own process), and the ratio.
 * DuckDB is installed here, by the benchmark, into .bench/peers — not a product dependency.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { intakePair, inventoryPair } from './generate.ts';

const root = resolve(import.meta.dirname, '..');
const work = join(root, '.bench');
const data = join(work, 'data');
const peers = join(work, 'peers');
mkdirSync(data, { recursive: true });

function ensureDuckDb(): string {
  const dir = join(peers, 'node_modules');
  if (!existsSync(join(dir, '@duckdb/node-api'))) {
    console.log('installing @duckdb/node-api into .bench/peers (benchmark only) …');
    mkdirSync(peers, { recursive: true });
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', peers, '@duckdb/node-api@latest'], { stdio: 'inherit' });
  }
  return dir;
}

interface Run { wall: number; rssMb: number; out: string; code: number | null }

function measure(args: string[]): Run {
  const t = performance.now();
  const p = spawnSync(process.execPath, ['--import', join(root, 'bench/rss-probe.mjs'), ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = (performance.now() - t) / 1000;
  const m = /__maxrss_kb (\d+)/.exec(p.stderr);
  if (p.status !== 0 && p.status !== 1) throw new Error(`${args.join(' ')} exited ${p.status}: ${p.stderr}`);
  return { wall, rssMb: m ? Number(m[1]) / 1024 : NaN, out: p.stdout, code: p.status };
}

const fmt = (n: number, d = 2) => n.toFixed(d);

/** Median and fastest wall time of some runs, and the peak RSS of the median run. */
function summary(runs: Run[]): { median: number; min: number; rssMb: number } {
  const sorted = [...runs].sort((a, b) => a.wall - b.wall);
  const mid = sorted[(sorted.length - 1) >> 1];
  return { median: mid.wall, min: sorted[0].wall, rssMb: mid.rssMb };
}
const rate = (rows: number, s: number) => `${Math.round(rows / s).toLocaleString('en-US')}`;

async function main() {
  const duckDir = ensureDuckDb();
  const sizes = (process.env.BENCH_SIZES ?? '250000,500000,1000000').split(',').map(Number);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const cli = join(root, 'bin/oms-recon.js');
  // Build the CLI bundle once before timing (it is rebuilt only when the sources change).
  measure([cli, '--help']);

  const rows: string[][] = [];
  const cases: Array<{ name: string; rowsPerSide: number; make: () => Promise<[string, string]>; boundary: string; sides: [string, string]; kind: string }> = [
    ...sizes.map((n) => ({
      name: `inventory ${n.toLocaleString('en-US')}/side`, rowsPerSide: n, boundary: 'inventory', sides: ['oms', 'warehouse'] as [string, string], kind: 'inventory',
      make: async (): Promise<[string, string]> => { const p = await inventoryPair(data, n); return [p.oms, p.warehouse]; },
    })),
    {
      name: 'intake 1,000,000/side', rowsPerSide: 1_000_000, boundary: 'intake', sides: ['channel', 'oms'], kind: 'intake',
      make: async (): Promise<[string, string]> => { const p = await intakePair(data, 1_000_000); return [p.channel, p.oms]; },
    },
  ];
  for (const c of cases) {
    const [left, right] = await c.make();
    // Rounds alternate the two tools, so a slower spell of a shared machine hits both alike;
    // the table shows the median of each (and the fastest run), and the ratio of the medians.
    const ours: Run[] = [];
    const duck: Run[] = [];
    let found = '';
    let duckFound = '';
    for (let r = 0; r < rounds; r++) {
      ours.push(measure([cli, 'reconcile', c.boundary, `--${c.sides[0]}`, left, `--${c.sides[1]}`, right, '--out', join(work, 'out', c.kind)]));
      duck.push(measure([join(root, 'bench/duckdb-peer.mjs'), duckDir, c.kind, left, right, join(work, `duck-${c.kind}.csv`)]));
      const report = JSON.parse(readFileSync(join(work, 'out', c.kind, 'report.json'), 'utf8'));
      found = String(report.summary.discrepancies);
      duckFound = duck[duck.length - 1].out.trim();
    }
    const o = summary(ours), d = summary(duck);
    const total = c.rowsPerSide * 2;
    rows.push([
      c.name, `${fmt(o.median)} (${fmt(o.min)})`, rate(total, o.median), fmt(o.rssMb, 0),
      `${fmt(d.median)} (${fmt(d.min)})`, rate(total, d.median), fmt(d.rssMb, 0),
      `${fmt(o.median / d.median)} (${fmt(o.min / d.min)})`, `${found} / ${duckFound}`,
    ]);
    console.log(`done: ${c.name}`);
  }
  const head = ['case', 'oms-recon s (min)', 'rows/s', 'RSS MB', 'DuckDB s (min)', 'rows/s', 'RSS MB', 'ratio (of mins)', 'found (ours / DuckDB)'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  console.log(`\n${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(line).join('\n')}`);
  console.log(`\nmedian wall time of ${rounds} alternating rounds (fastest in brackets); rows/s counts both sides, at the median;`);
  console.log('RSS = peak of the median run; ratio = oms-recon / DuckDB (target ≤ 2.5 at 1M/side; peak RSS ≤ 1 GB).');
  console.log('DuckDB counts differing rows of the join; oms-recon counts discrepancies (the same rows for these feeds).');
}

await main();
