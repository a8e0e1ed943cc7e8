/**
 * Helpers for the CLI tests: run `main` in-process with a capturing Output, or spawn the real
 * `bin/oms-recon.js`; write small feed files into a fresh temp directory; read what the run wrote.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect } from 'vitest';
import { main } from '../../lib/cli/main.ts';
import type { Output } from '../../lib/cli/output.ts';
import type { Report } from '../../lib/report/model.ts';

export const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/oms-recon.js');

export interface RunResult {
  code: number;
  /** Everything written to stdout / stderr, lines joined with '\n'. */
  out: string;
  err: string;
}

/** `oms-recon <argv…>` in this process, capturing what a user would see. */
export async function run(argv: readonly string[]): Promise<RunResult> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Output = { out: (l) => void out.push(l), err: (l) => void err.push(l) };
  const code = await main(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** `node bin/oms-recon.js <argv…>` as a child process (exit code as the shell sees it). */
export function spawnCli(argv: readonly string[], cwd: string): Promise<RunResult> {
  return new Promise((done, fail) => {
    const env = { ...process.env };
    delete env.OMS_RECON_DEBUG;
    const child = spawn(process.execPath, [BIN, ...argv], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code: code ?? (signal ? 128 : -1), out, err }));
  });
}

const made: string[] = [];
// Each test file that imports these helpers removes its temp dirs when it is done.
afterAll(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh directory under the OS temp dir (removed after the test file). */
export function tempDir(prefix = 'cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), `oms-recon-${prefix}`));
  made.push(dir);
  return dir;
}

/** Writes `content` to `dir/name` (creating folders) and returns the absolute path. */
export function put(dir: string, name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  return path;
}

/** CSV text from rows of cells (LF line ends, no quoting: test data is chosen not to need it). */
export function csv(...rows: string[][]): string {
  return rows.map((r) => r.join(',')).join('\n') + '\n';
}

export function readReport(outDir: string): Report {
  return JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8')) as Report;
}

export function reportExists(outDir: string): boolean {
  return existsSync(join(outDir, 'report.json'));
}

/** A Node stack frame line (`    at fn (file:1:2)`), as an uncaught error would print. */
const STACK_FRAME = /^\s+at\s.*:\d+:\d+\)?\s*$/m;

/** Nothing the user sees looks like a stack trace or an internal error. */
export function expectNoStackTrace(r: Pick<RunResult, 'out' | 'err'>): void {
  const all = `${r.out}\n${r.err}`;
  expect(all).not.toMatch(STACK_FRAME);
  expect(all).not.toMatch(/internal error/);
}

/**
 * The one error line the CLI prints for trouble: `oms-recon: <file>[:line[:col]]: <message> [<code>]`.
 * Returns its first line (usage errors go on with the usage text).
 */
export function errorLine(r: RunResult): string {
  return r.err.split('\n')[0];
}
