/**
 * Reading a run's feed files, on one thread or two. With two, a worker thread (read-worker.ts)
 * reads every other file into a group index of its own while this thread reads the rest;
 * the indexes are then appended in the order the files were given, so the result is the
 * same as reading them one after another: the same groups, rows in the same order, the same
 * counts, rejections and warnings, and the error of the first file that fails.
 */
import { stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { Boundary, FileFacts } from '../boundaries/boundary.ts';
import type { ReconConfig } from '../config.ts';
import { ReconError, isReconError, type ErrorCode } from '../errors.ts';
import type { BoundaryName, SideName } from '../feeds/catalog.ts';
import type { TableSource } from '../read/table.ts';
import type { FileStats, Rejection, Warning } from '../report/model.ts';
import { GroupIndex, type GroupIndexState } from './groups.ts';
import { readFeedFile } from './read-feed.ts';
import { DEFAULT_LIMITS } from '../limits.ts';
import { keptRejected, keptWarnings, rejectedCsvLine } from '../report/kept.ts';
import { LineFile, spillPaths } from './spill.ts';

/** One file of the run: its place among the files given, its side and its version. */
export interface FileJob {
  at: number;
  side: SideName;
  source: TableSource;
  version: string;
  /** The time of the run (ISO): the future-skew check of timestamps measures from it. */
  now?: string;
  /** Hash the file's bytes as they stream (another file of its side may have the same content). */
  checksum?: boolean;
}

/** What reading one file gave, besides its rows. */
export interface FileRead {
  stats: FileStats;
  facts: FileFacts;
  /** The first rejected rows (limits.keptRejected; stats.rejected counts them all). */
  rejected: Rejection[];
  /** The first warnings (limits.keptWarnings), and how many there were. */
  warnings: Warning[];
  /** sha256 of the file's bytes, when the job asked for it. */
  checksum?: string;
  warningTotal: number;
}

export interface WorkerInput {
  boundary: BoundaryName;
  jobs: FileJob[];
  config: ReconConfig;
  spillDir?: string;
}

/** An error as data (a ReconError keeps its code and location). */
interface ErrorData {
  message: string;
  code?: ErrorCode;
  file?: string;
  line?: number;
  column?: number;
  stack?: string;
}

export type WorkerMessage = { at: number; read: FileRead; state: GroupIndexState } | { at: number; error: ErrorData };

/**
 * Above this many groups a row (in the first file), the worker's index — a key string per
 * group — costs more to hand over than its files cost to read here (measured: intake, a
 * group an order, ran 6% slower on two threads; inventory, ten rows a SKU, 24% faster).
 */
const MAX_GROUPS_PER_ROW = 0.5;

/** Below this many bytes in all, a second thread costs more than it saves. */
export const PARALLEL_MIN_BYTES = 16 * 1024 * 1024;

/**
 * Reads one file into `index`. Rejected rows and warnings: the first N kept, all counted, and
 * with `spillDir`, every one written to the file's lists there (spill.ts).
 */
export async function readFileInto(index: GroupIndex, boundary: Boundary, job: FileJob, config: ReconConfig, spillDir?: string): Promise<FileRead> {
  const limits = config.limits ?? DEFAULT_LIMITS;
  const paths = spillDir === undefined ? undefined : spillPaths(spillDir, job.at);
  const rejectedFile = paths && new LineFile(paths.rejected);
  const warningsFile = paths && new LineFile(paths.warnings);
  const rejected = keptRejected(limits.keptRejected, rejectedFile && ((r) => rejectedFile.write(rejectedCsvLine(r))));
  const warnings = keptWarnings(limits.keptWarnings, warningsFile && ((w) => warningsFile.write(JSON.stringify(w) + '\n')));
  const sink = {
    copies: true, // the group index keeps the values, not the record
    record: (r: Parameters<GroupIndex['add']>[0]) => index.add(r),
    reject: (r: Rejection) => rejected.add(r),
    warn: (w: Warning) => warnings.add(w),
  };
  try {
    const r = await readFeedFile({
      source: job.source, feed: boundary.feeds[job.side]!, boundary, version: job.version, config, sink,
      now: job.now === undefined ? undefined : new Date(job.now), checksum: job.checksum,
    });
    const read: FileRead = { stats: r.stats, facts: r.facts, rejected: rejected.kept, warnings: warnings.kept, warningTotal: warnings.total };
    if (r.checksum !== undefined) read.checksum = r.checksum;
    return read;
  } finally {
    rejectedFile?.close();
    warningsFile?.close();
  }
}

export function errorData(e: unknown): ErrorData {
  if (isReconError(e)) return { message: e.message, code: e.code, file: e.file, line: e.line, column: e.column };
  const err = e instanceof Error ? e : new Error(String(e));
  return { message: err.message, stack: err.stack };
}

function fromErrorData(d: ErrorData): Error {
  if (d.code) return new ReconError(d.code, d.message, { file: d.file, line: d.line, column: d.column });
  const e = new Error(d.message);
  if (d.stack) e.stack = d.stack;
  return e;
}

/** Whether a run can use a second thread: two files or more, all on disk (a stream stays on the thread that opened it). */
export function canUseTwoThreads(jobs: readonly FileJob[]): boolean {
  return jobs.length >= 2 && jobs.every((j) => typeof j.source === 'string');
}

/** Whether it is worth it: the files are large enough. */
export async function worthTwoThreads(jobs: readonly FileJob[]): Promise<boolean> {
  if (!canUseTwoThreads(jobs)) return false;
  let bytes = 0;
  for (const j of jobs) bytes += await stat(j.source as string).then((s) => s.size, () => 0);
  return bytes >= PARALLEL_MIN_BYTES;
}

/**
 * Reads every file into `groups`, in order, and returns what each gave. `onFile` is called
 * for each file in order, once its rows are in `groups`.
 */
export async function readFiles(
  boundary: Boundary,
  jobs: readonly FileJob[],
  config: ReconConfig,
  groups: GroupIndex,
  opts: { twoThreads: boolean; onFile?: (read: FileRead) => void; spillDir?: string },
): Promise<FileRead[]> {
  const spillDir = opts.spillDir;
  const reads: FileRead[] = [];
  const done = (read: FileRead) => {
    reads.push(read);
    opts.onFile?.(read);
  };
  if (!opts.twoThreads) {
    for (const job of jobs) done(await readFileInto(groups, boundary, job, config, spillDir));
    return reads;
  }
  // The worker takes the files at odd places, this thread the others.
  const theirs = jobs.filter((_, k) => k % 2 === 1);
  const worker = startWorker({ boundary: boundary.name, jobs: theirs, config, spillDir });
  try {
    const own = new Map<number, { index: GroupIndex; read: FileRead } | { error: unknown }>();
    for (const job of jobs.filter((_, k) => k % 2 === 0)) {
      // The first file goes straight into `groups`; the others into indexes of their own.
      const index = job.at === 0 ? groups : new GroupIndex(boundary);
      let read: FileRead;
      try {
        read = await readFileInto(index, boundary, job, config, spillDir);
      } catch (error) {
        own.set(job.at, { error });
        break; // as when reading in order: nothing after a file that fails
      }
      own.set(job.at, { index, read });
      if (job.at === 0 && groups.groupTotal > groups.size * MAX_GROUPS_PER_ROW) {
        // A group a row or so (orders): handing the worker's index over (a key string a row)
        // costs more than reading its files here. Read them all here, in order, instead.
        await worker.stop();
        done(read);
        for (const rest of jobs.slice(1)) done(await readFileInto(groups, boundary, rest, config, spillDir));
        return reads;
      }
    }
    for (const job of jobs) {
      if (job.at % 2 === 0) {
        const mine = own.get(job.at);
        if (mine === undefined) break; // (an earlier file failed: its error was thrown)
        if ('error' in mine) throw mine.error;
        if (job.at > 0) groups.append(mine.index.state().state);
        done(mine.read);
      } else {
        const m = await worker.next(job.at);
        if ('error' in m) throw fromErrorData(m.error);
        groups.append(m.state);
        done(m.read);
      }
    }
    return reads;
  } finally {
    await worker.stop();
  }
}

/** The worker thread, and its messages by the place of their file. */
function startWorker(input: WorkerInput): { next(at: number): Promise<WorkerMessage>; stop(): Promise<void> } {
  // Built: dist/read-worker.mjs beside this chunk. From the sources (tests): through tsx.
  const here = import.meta.url;
  const worker = here.endsWith('.ts')
    ? new Worker(
        `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./read-worker.ts', here).href)}); });`,
        { eval: true, workerData: input },
      )
    : new Worker(new URL('./read-worker.mjs', here), { workerData: input });
  const arrived = new Map<number, WorkerMessage>();
  const waiting = new Map<number, (m: WorkerMessage) => void>();
  let failed: WorkerMessage | undefined;
  let stopped = false;
  const deliver = (m: WorkerMessage) => {
    const w = waiting.get(m.at);
    if (w) {
      waiting.delete(m.at);
      w(m);
    } else arrived.set(m.at, m);
  };
  worker.on('message', deliver);
  const fail = (e: unknown) => {
    // The worker itself broke (not a file): every file still awaited fails with it.
    failed = { at: -1, error: errorData(e) };
    for (const [at, w] of waiting) w({ at, error: failed.error });
    waiting.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => {
    if (waiting.size > 0) fail(new Error(`the reading thread stopped (exit code ${code}) before it finished`));
  });
  return {
    next(at) {
      const m = arrived.get(at);
      if (m) {
        arrived.delete(at);
        return Promise.resolve(m);
      }
      if (failed && 'error' in failed) return Promise.resolve({ at, error: failed.error });
      return new Promise((resolve) => waiting.set(at, resolve));
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await worker.terminate();
    },
  };
}
