/**
 * The CLI's full lists of rejected rows and warnings, written as they come (the report keeps
 * the first N: lib/report/kept.ts): one file per feed file (a reading thread writes its own),
 * put together in file order beside report.json at the end.
 */
import { closeSync, createReadStream, createWriteStream, existsSync, openSync, rmSync, writeSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';

/** Lines appended to a file through a buffer (synchronous: the CLI has nothing else to do meanwhile). */
export class LineFile {
  private fd: number | undefined;
  private buffer: string[] = [];
  private size = 0;

  constructor(readonly path: string) {
    rmSync(path, { force: true }); // a file read again (two threads falling back to one) starts its lists afresh
  }

  write(line: string): void {
    this.buffer.push(line);
    this.size += line.length;
    if (this.size >= 1 << 18) this.flush();
  }

  flush(): void {
    if (this.buffer.length === 0) return;
    this.fd ??= openSync(this.path, 'a');
    writeSync(this.fd, this.buffer.join(''));
    this.buffer = [];
    this.size = 0;
  }

  close(): void {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Where the lists of the file at place `at` (or of the run: 'run') are spilled in `dir`. */
export function spillPaths(dir: string, at: number | 'run'): { rejected: string; warnings: string } {
  return { rejected: join(dir, `${at}.rejected.csv`), warnings: join(dir, `${at}.warnings.ndjson`) };
}

/** Concatenates the parts that exist, in order, after `header`, into `dest` (streamed). Returns false when there was nothing. */
export async function joinParts(parts: readonly string[], dest: string, header = ''): Promise<boolean> {
  const present = parts.filter((p) => existsSync(p));
  if (present.length === 0) return false;
  const out = createWriteStream(dest);
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined);
  if (header && !out.write(header)) await Promise.race([once(out, 'drain'), failed]);
  for (const p of present) {
    for await (const chunk of createReadStream(p)) {
      if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed]);
    }
  }
  out.end();
  await Promise.race([once(out, 'finish'), failed]);
  return true;
}
