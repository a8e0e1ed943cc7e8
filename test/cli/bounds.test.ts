/**
 * Issue 9: bounded memory on hostile input, measured. Each case runs the CLI engine in a child
 * process (test/support/bounds-child.ts) that reports its own peak RSS
 * (process.resourceUsage().maxRSS): 10M rejected rows (generated as a stream) and a gzip
 * that expands to 10 GB (4 MB of gzip members, streamed again and again) end with the right
 * answer, in memory that does not grow with the input. Measured on the 2-core test machine:
 * 10M rows 176 MB peak, 30 s of CPU; the bomb stops at 4 GiB, 361 MB peak, 23 s of CPU (wall
 * times were 5× longer, with the machine shared).
 */
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CHILD = resolve(dirname(fileURLToPath(import.meta.url)), '../support/bounds-child.ts');
const MB = 1024 * 1024;

function child(...args: string[]): Promise<Record<string, any>> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    p.on('error', fail);
    p.on('close', (code) => (code === 0 ? done(JSON.parse(out.trim().split('\n').at(-1)!)) : fail(new Error(`child exited ${code}: ${out}`))));
  });
}

describe('bounded memory on hostile input (child processes, peak RSS measured)', () => {
  it('10M rejected rows: all counted, the first 1,000 kept, every one listed on disk, in bounded memory', async () => {
    const r = await child('rows', '10000000');
    console.log(`10M bad rows: ${r.seconds.toFixed(1)} s, peak RSS ${(r.maxRssBytes / MB).toFixed(0)} MB`);
    expect(r.rows).toEqual({ read: 10_000_004, used: 4, rejected: 10_000_000 });
    expect(r.kept).toBe(1000);
    expect(r.firstKept).toEqual({ file: 'bad-rows.csv', line: 3, reason: 'on_hand: not a number: "n/a"' });
    expect(r.truncated).toEqual({ rejected: { kept: 1000, total: 10_000_000, full: ['rejected.csv'] } });
    expect(r.spilledBytes).toBeGreaterThan(10_000_000 * 40); // every row listed
    expect(r.matched).toBe(2);
    expect(r.maxRssBytes).toBeLessThan(400 * MB);
  }, 900_000);

  it('a gzip expanding to 10 GB stops at the content limit with E_FILE_TOO_LARGE naming the file, in bounded memory', async () => {
    const r = await child('bomb', '10');
    console.log(`10 GB gzip bomb: ${r.seconds.toFixed(1)} s, peak RSS ${(r.maxRssBytes / MB).toFixed(0)} MB`);
    expect(r.code).toBe('E_FILE_TOO_LARGE');
    expect(r.file).toBe('bomb.csv.gz');
    expect(r.error).toBe('bomb.csv.gz: the file expands to more than 4294967296 bytes when decompressed: it is not read (the limit is limits.fileBytes in the config) [E_FILE_TOO_LARGE]');
    expect(r.maxRssBytes).toBeLessThan(600 * MB);
  }, 900_000);
});
