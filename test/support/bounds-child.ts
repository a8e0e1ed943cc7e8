/**
 * Run as a child process by test/cli/bounds.test.ts, so that its peak RSS is its own:
 *   node --import tsx test/support/bounds-child.ts rows <n> | bomb <gigabytes>
 * `rows`: the CLI engine on a stream of n bad rows (and a few good ones), listing every
 * rejected row in a spill folder as the CLI does; `bomb`: the CLI engine on a gzip stream that
 * expands to that many gigabytes, with the default limits. Prints one JSON line: the answer,
 * the time and process.resourceUsage().maxRSS.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { DEFAULT_CONFIG } from '../../lib/config.ts';
import { reconcileFiles } from '../../lib/engine/reconcile.ts';
import { spillPaths } from '../../lib/engine/spill.ts';
import { isReconError } from '../../lib/errors.ts';

const [what, arg] = process.argv.slice(2);
const started = performance.now();
const spill = mkdtempSync(join(tmpdir(), 'oms-recon-bounds-'));
const counts = { name: 'counts.csv', open: () => Readable.from(['sku,facility_id,on_hand\nSKU-1,DAL1,5\nSKU-2,DAL1,3\n']) };

async function* badRows(n: number): AsyncGenerator<string> {
  yield 'sku,facility_id,on_hand\nSKU-1,DAL1,5\n';
  const per = 10_000;
  for (let done = 0; done < n; done += per) {
    let chunk = '';
    for (let i = done; i < Math.min(n, done + per); i++) chunk += `SKU-${i},DAL1,n/a\n`;
    yield chunk;
  }
  yield 'SKU-2,DAL1,3\n';
}

/** Gzip members, each 64 MiB of rows with a 4 KB ignored note, repeated until `gigabytes` of content. */
function* bomb(gigabytes: number): Generator<Buffer> {
  const row = `SKU-1,DAL1,5,${'x'.repeat(4000)}\n`;
  const member = gzipSync(Buffer.from(row.repeat(Math.floor((64 * 1024 * 1024) / row.length))), { level: 9 });
  yield gzipSync('sku,facility_id,on_hand,note\n');
  const times = Math.ceil((gigabytes * 1024) / 64);
  for (let i = 0; i < times; i++) yield member;
}

let answer: Record<string, unknown>;
try {
  const source = what === 'rows'
    ? { name: 'bad-rows.csv', open: () => Readable.from(badRows(Number(arg))) }
    : { name: 'bomb.csv.gz', open: () => Readable.from(bomb(Number(arg))) };
  const report = await reconcileFiles({ boundary: 'inventory', inputs: [{ side: 'oms', source }, { side: 'warehouse', source: counts }], config: DEFAULT_CONFIG, spillDir: spill });
  answer = {
    rows: report.summary.rows,
    kept: report.rejected.length,
    firstKept: report.rejected[0],
    truncated: report.truncated,
    matched: report.summary.matched,
    spilledBytes: statSync(spillPaths(spill, 0).rejected).size,
  };
} catch (e) {
  answer = isReconError(e) ? { error: e.describe(), code: e.code, file: e.file } : { crash: String((e as Error).stack) };
} finally {
  rmSync(spill, { recursive: true, force: true });
}
const rss = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify({ ...answer, seconds: (performance.now() - started) / 1000, maxRssBytes: rss }));
