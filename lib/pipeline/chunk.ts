/**
 * Files of any size: how ingest (ingest.ts) cuts one object into invocations.
 *
 * Every invocation streams the object from its first byte through the same reader, so the
 * header, the mapping or preset, the file facts, the row counts, the warnings tallies and the
 * whole-file sha256 come out exactly as in one pass. It only *writes* what is past the
 * manifest's checkpoint: records after the first `checkpoint.records`, list parts after the
 * first `checkpoint.rejectedParts` / `warningParts` (their cuts depend on the lines only, so a
 * second reading makes the same parts, numbered the same: objects.ts S3Lines).
 *
 * While it writes, the invocation checkpoints every `checkpointSeconds`: it flushes its
 * records, puts the full list parts, and only then records the checkpoint and renews its
 * lease (a heartbeat; a dead invocation's claim is free again after `leaseSeconds`). When
 * fewer than `marginSeconds` of its time are left, or it has read `chunkRows` rows past where
 * it started writing, it checkpoints, leaves a handoff token in the manifest and asks for a
 * continuation (deps.continueIngest: an asynchronous invoke of the ingest function on AWS, the
 * next handler call in the local runner), which claims the file with that token and goes on.
 * The last invocation completes the manifest with the counts and checksum of its full pass.
 *
 * An invocation killed between checkpoints loses nothing: what it wrote after its last
 * checkpoint is written again, the same items and the same parts, by whoever claims the file
 * next — a redelivered event, a continuation, or resumeStuckFile once the lease has run out.
 *
 * The re-read is the price: an invocation that resumes at row n parses rows 1..n again
 * without writing them (see docs/data-model.md "Ingesting large files" for the rate).
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { BOUNDARIES, type BoundaryName } from '../feeds/catalog.ts';
import type { FileStats } from '../report/model.ts';
import { listUnfinished } from '../store/index.ts';
import type { FileCheckpoint, FileManifest } from '../store/types.ts';
import type { PipelineDeps } from './deps.ts';
import type { IngestOutcome, S3ObjectEvent } from './ingest.ts';

export interface ChunkSettings {
  /** Rows an invocation reads past its checkpoint before a continuation takes over; 0: no limit (the time left decides). */
  chunkRows: number;
  /** Seconds between checkpoints while writing (each renews the lease). */
  checkpointSeconds: number;
  /** How long a claim holds without a heartbeat. */
  leaseSeconds: number;
  /** Hand over when fewer than this many seconds of the invocation are left. */
  marginSeconds: number;
  /** Bytes of one part of the rejected-rows and warnings lists (default objects.ts PART_BYTES; small in tests). */
  listPartBytes?: number;
}

export const DEFAULT_CHUNK: ChunkSettings = { chunkRows: 0, checkpointSeconds: 30, leaseSeconds: 180, marginSeconds: 120 };

/** The event ingest sends itself to go on with a file (and resumeStuckFile sends for a stuck one). */
export interface IngestContinuation {
  continueIngest: {
    /** The S3 event record that named the file, as the first invocation received it. */
    record: S3ObjectEvent;
    /** The token the previous invocation left in the manifest (absent: take over once the lease has run out). */
    handoff?: string;
  };
}

export function isContinuation(event: unknown): event is IngestContinuation {
  const c = (event as Partial<IngestContinuation> | null)?.continueIngest;
  return typeof c === 'object' && c !== null && typeof c.record?.s3?.object?.key === 'string';
}

/** Thrown out of the reader when the invocation hands the file over (caught by ingest.ts). */
export class ChunkPause extends Error {
  constructor(
    readonly handoff: string,
    /** Rows read when it paused. */
    readonly read: number,
  ) {
    super('handing the file to a continuation');
  }
}

/** Thrown when a heartbeat finds the claim taken over: someone else owns the file now. */
export class ClaimLost extends Error {
  constructor() {
    super('the claim on the file was taken over (its lease ran out)');
  }
}

export function chunkSettings(s: Partial<ChunkSettings> | undefined): ChunkSettings {
  return { ...DEFAULT_CHUNK, ...s };
}

export type ChunkStep = 'go' | 'renew' | 'checkpoint' | 'pause';

/**
 * One invocation's progress through a file: which records to write (those past the
 * checkpoint), and after each batch whether to go on, renew the lease, checkpoint, or hand over.
 */
export class ChunkProgress {
  /** Records seen so far in this pass (written or not). */
  private seen = 0;
  /** Records written by this invocation. */
  written = 0;
  /** The last line a row came from. */
  line = 0;
  private readonly skip: number;
  private readonly startedAt: number;
  private lastBeat: number;
  /** Rows read when this invocation got past the checkpoint (undefined: not yet). */
  private readFrom: number | undefined;

  constructor(
    readonly settings: ChunkSettings,
    readonly from: FileCheckpoint | undefined,
    private readonly remainingMs: () => number,
    private readonly clock: () => number = Date.now,
  ) {
    this.skip = from?.records ?? 0;
    this.startedAt = this.lastBeat = clock();
    if (this.skip === 0) this.readFrom = 0;
  }

  /** Counts one record; true when it is past the checkpoint and must be written. */
  take(): boolean {
    return this.seen++ >= this.skip;
  }

  /** True once this pass has got past the checkpoint (every record from here on is written). */
  get writing(): boolean {
    return this.seen >= this.skip;
  }

  /** Invocations so far, this one included. */
  get invocation(): number {
    return (this.from?.invocations ?? 0) + 1;
  }

  /** What to do after a batch, given the reader's counts so far. */
  after(stats: Readonly<FileStats>): ChunkStep {
    const now = this.clock();
    if (!this.writing) {
      // Re-reading what is done: keep the lease alive, write nothing.
      if (now - this.lastBeat < this.settings.checkpointSeconds * 1000) return 'go';
      this.lastBeat = now;
      return 'renew';
    }
    this.readFrom ??= stats.read;
    const rows = stats.read - this.readFrom;
    if (rows > 0 && ((this.settings.chunkRows > 0 && rows >= this.settings.chunkRows) || this.remainingMs() < this.settings.marginSeconds * 1000)) return 'pause';
    if (now - this.lastBeat < this.settings.checkpointSeconds * 1000) return 'go';
    this.lastBeat = now;
    return 'checkpoint';
  }

  /** The checkpoint to record once everything counted in it is durable. */
  checkpoint(stats: Readonly<FileStats>, rejectedParts: number, warningParts: number): FileCheckpoint {
    return {
      records: this.seen,
      rejectedParts,
      warningParts,
      read: stats.read,
      used: stats.used,
      rejected: stats.rejected,
      skipped: stats.skipped ?? 0,
      line: this.line,
      invocations: this.invocation,
      at: new Date().toISOString(),
    };
  }

  /** Milliseconds since this invocation started. */
  elapsedMs(): number {
    return this.clock() - this.startedAt;
  }
}

/** The S3 event record as kept in a manifest (`source`): only what ingest reads. */
export function sourceOf(event: S3ObjectEvent): string {
  const o = event.s3.object;
  return JSON.stringify({
    eventTime: event.eventTime,
    s3: { bucket: { name: event.s3.bucket.name }, object: { key: o.key, versionId: o.versionId, eTag: o.eTag, sequencer: o.sequencer, size: o.size } },
  });
}

/** `deps.continueIngest` on AWS: an asynchronous invoke (InvocationType Event) of the ingest function. */
export function lambdaContinuer(functionName: string | undefined, client: Pick<LambdaClient, 'send'> = new LambdaClient({})): (event: IngestContinuation) => Promise<void> {
  return async (event) => {
    if (!functionName) throw new Error('cannot continue the ingest: the ingest function name is not known (AWS_LAMBDA_FUNCTION_NAME)');
    await client.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(event)) }));
  };
}

/**
 * `deps.continueIngest` for one process (the local runner, tests): continuations wait in a
 * queue and `drain` hands each to the ingest handler in turn, as Lambda would, after the
 * invocation that asked for it has returned.
 */
export class ContinuationQueue {
  private readonly queue: IngestContinuation[] = [];
  /** How many continuations were asked for. */
  asked = 0;

  readonly continueIngest = async (event: IngestContinuation): Promise<void> => {
    this.asked++;
    this.queue.push(structuredClone(event));
  };

  /** Runs the queued continuations (and those they queue) through `handler`; their outcomes in order. */
  async drain(handler: (event: IngestContinuation) => Promise<IngestOutcome[]>): Promise<IngestOutcome[]> {
    const out: IngestOutcome[] = [];
    for (let next = this.queue.shift(); next; next = this.queue.shift()) for (const o of await handler(next)) out.push(o);
    return out;
  }
}

/**
 * Files whose ingest is stuck: `processing` with a lease that ran out (the invocation died and
 * nothing took the file over). Every boundary, or the one given.
 */
export async function findStuckFiles(deps: Pick<PipelineDeps, 'dynamo' | 'settings' | 'now'>, boundary?: BoundaryName): Promise<FileManifest[]> {
  const now = (deps.now?.() ?? new Date()).getTime();
  const table = deps.settings().tableName;
  const out: FileManifest[] = [];
  for (const b of boundary ? [boundary] : BOUNDARIES) {
    for (const m of await listUnfinished(deps.dynamo, table, b, { now: new Date(now) })) if (m.leaseUntil < now) out.push(m);
  }
  return out;
}

export type ResumeResult = { resumed: true; file: string } | { resumed: false; file: string; reason: string };

/**
 * Resumes a stuck file (from findStuckFiles) from its checkpoint: sends the continuation event
 * to deps.continueIngest (asynchronous on AWS), or, without one, ingests it here and now.
 * The ingest takes the file over only if its lease has still run out when it gets there.
 */
export async function resumeStuckFile(deps: PipelineDeps, stuck: FileManifest): Promise<ResumeResult> {
  const file = `s3://${stuck.bucket}/${stuck.key}`;
  if (!stuck.source) return { resumed: false, file, reason: 'its manifest predates resumable ingests (no source event): upload the file again' };
  const event: IngestContinuation = { continueIngest: { record: JSON.parse(stuck.source) as S3ObjectEvent } };
  if (deps.continueIngest) await deps.continueIngest(event);
  else {
    const { ingestObject } = await import('./ingest.ts');
    await ingestObject(deps, event.continueIngest.record);
  }
  return { resumed: true, file };
}

/**
 * Resumes every stuck file of a boundary (of every boundary when none is given), each logged:
 * the ResumeStuckIngests sweep, and the end of a run (trigger.ts onExecutionEnd) for the files
 * its plan found stuck. A file that cannot be handed on is reported, not thrown: the others go on.
 */
export async function resumeStuckFiles(deps: PipelineDeps, boundary?: BoundaryName): Promise<ResumeResult[]> {
  const log = deps.log ?? (() => {});
  const results: ResumeResult[] = [];
  for (const stuck of await findStuckFiles(deps, boundary)) {
    let r: ResumeResult;
    try {
      r = await resumeStuckFile(deps, stuck);
    } catch (e) {
      r = { resumed: false, file: `s3://${stuck.bucket}/${stuck.key}`, reason: (e as Error).message };
    }
    log({ level: r.resumed ? 'WARN' : 'ERROR', message: r.resumed ? 'resuming a stuck ingest' : 'cannot resume a stuck ingest', ...r });
    results.push(r);
  }
  return results;
}
