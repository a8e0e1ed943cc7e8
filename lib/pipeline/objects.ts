/** Small S3 helpers for the pipeline: JSON and text in and out, and key routing. */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { PassThrough, type Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ErrorCodes, ReconError } from '../errors.ts';
import { isFeedName, type FeedName } from '../feeds/catalog.ts';
import { Prefix } from './contracts.ts';

export async function putText(s3: S3Client, bucket: string, key: string, body: string, contentType = 'text/plain; charset=utf-8'): Promise<void> {
  if (key.startsWith(Prefix.inbound)) throw new Error(`refusing to write ${key} under ${Prefix.inbound} (it would trigger ingestion)`);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
}

export async function putJson(s3: S3Client, bucket: string, key: string, value: unknown): Promise<void> {
  await putText(s3, bucket, key, JSON.stringify(value), 'application/json');
}

export async function getText(s3: S3Client, bucket: string, key: string): Promise<string> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await out.Body!.transformToString('utf-8');
  } catch (e) {
    throw new ReconError(ErrorCodes.STORAGE, `cannot read s3://${bucket}/${key}: ${(e as Error).message}`, { file: `s3://${bucket}/${key}` }, { cause: e });
  }
}

export async function getJson<T>(s3: S3Client, bucket: string, key: string): Promise<T> {
  return JSON.parse(await getText(s3, bucket, key)) as T;
}

/**
 * A pre-signed GET URL for an object, valid `expiresIn` seconds (SigV4: at most 7 days) — or
 * until the signing credentials expire, whichever comes first (docs/deploy.md). Local signing:
 * no request is made.
 */
export async function presignGet(s3: S3Client, bucket: string, key: string, expiresIn: number): Promise<string> {
  return getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn });
}

/** S3 event keys are URL-encoded with `+` for spaces. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/** `inbound/<feed>/…` (also partner prefixes `inbound/<feed>/<partner>/…`) → the feed. */
export function feedOfKey(key: string): FeedName | undefined {
  if (!key.startsWith(Prefix.inbound)) return undefined;
  const feed = key.slice(Prefix.inbound.length).split('/')[0];
  return isFeedName(feed) ? feed : undefined;
}

/** Where a run keeps its working files. */
export const runKeys = {
  scope: (boundary: string, runId: string) => `${Prefix.runs}${boundary}/${runId}/scope.json`,
  shard: (boundary: string, runId: string, shard: number) => `${Prefix.runs}${boundary}/${runId}/shard-${String(shard).padStart(4, '0')}.json`,
  /** The run's discrepancy identities, NDJSON in report order (older runs: a JSON array, `….json`). */
  identities: (boundary: string, runId: string) => `${Prefix.runs}${boundary}/${runId}/discrepancies.ndjson`,
  /** A shard's discrepancies, NDJSON in report order (parts `….2.ndjson`…). */
  shardDiscrepancies: (boundary: string, runId: string, shard: number) => `${Prefix.runs}${boundary}/${runId}/shard-${String(shard).padStart(4, '0')}.discrepancies.ndjson`,
  /** Resolved identities of a run, when there are too many to hold (NDJSON parts). */
  resolved: (boundary: string, runId: string) => `${Prefix.runs}${boundary}/${runId}/resolved.ndjson`,
  /** The run's feed health, the next run's baseline (lib/pipeline/feed-health.ts). */
  feedHealth: (boundary: string, runId: string) => `${Prefix.runs}${boundary}/${runId}/feed-health.json`,
  report: (boundary: string, runId: string, name: string) => `${Prefix.reports}${boundary}/${runId}/${name}`,
};

/** `rejected/<the key below inbound/>.rejected.ndjson` */
export function rejectedKeyFor(key: string): string {
  return `${Prefix.rejected}${key.slice(Prefix.inbound.length)}.rejected.ndjson`;
}

/** `rejected/<the key below inbound/>.warnings.ndjson` (the full list) */
export function warningsKeyFor(key: string): string {
  return `${Prefix.rejected}${key.slice(Prefix.inbound.length)}.warnings.ndjson`;
}

/** Bytes of one part of a list put by S3Lines. */
export const PART_BYTES = 8 * 1024 * 1024;

/**
 * A list of NDJSON lines put to S3 as it grows, so a list of millions never sits in memory:
 * `key` holds at least the first `first` lines (or all of them), later parts `….2.ndjson`,
 * `….3.ndjson`… about PART_BYTES each. `add` buffers (it is called inside the row loop) and
 * closes a part when it is full; `drain` puts the closed parts; `end` puts the rest.
 *
 * Where a part ends depends on the lines only (not on when `drain` runs), so reading a file
 * again gives the same parts, numbered the same: a chunked ingest that resumes (chunk.ts)
 * passes `putFrom` = 1 + the parts its checkpoint says are durably put, and the parts before
 * it are counted, not put again.
 */
export class S3Lines {
  private buffer: string[] = [];
  private size = 0;
  /** Parts closed but not put yet (drain puts them). */
  private closed: string[][] = [];
  /** Lines added in all. */
  count = 0;
  /** The keys of the parts closed so far, in order (put, or durably put by an earlier invocation). */
  readonly keys: string[] = [];

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    readonly key: string,
    private readonly first: number,
    /** The first part number to put: the parts before it are already in S3 (a resumed ingest). */
    private readonly putFrom = 1,
    private readonly partBytes = PART_BYTES,
  ) {}

  add(value: unknown): void {
    const line = JSON.stringify(value) + '\n';
    this.buffer.push(line);
    this.size += line.length;
    this.count++;
    if (this.size >= this.partBytes && (this.keys.length + this.closed.length > 0 || this.count >= this.first)) {
      this.closed.push(this.buffer);
      this.buffer = [];
      this.size = 0;
    }
  }

  /** Parts closed so far (put, or waiting for `drain`). */
  get parts(): number {
    return this.keys.length + this.closed.length;
  }

  async drain(): Promise<void> {
    while (this.closed.length > 0) await this.put(this.closed.shift()!);
  }

  /** Puts what is left (nothing when nothing was ever added). */
  async end(): Promise<string[]> {
    await this.drain();
    if (this.buffer.length > 0) {
      const lines = this.buffer;
      this.buffer = [];
      this.size = 0;
      await this.put(lines);
    }
    return this.keys;
  }

  private async put(lines: string[]): Promise<void> {
    const n = this.keys.length + 1;
    const key = n === 1 ? this.key : this.key.replace(/(\.ndjson)?$/, `.${n}$1`);
    if (n >= this.putFrom) await putText(this.s3, this.bucket, key, lines.join(''), 'application/x-ndjson');
    this.keys.push(key);
  }
}

/** The NDJSON lines of an object, parsed (at most `max`). */
export async function getLines<T>(s3: S3Client, bucket: string, key: string, max = Infinity): Promise<T[]> {
  const out: T[] = [];
  for (const line of (await getText(s3, bucket, key)).split('\n')) {
    if (out.length >= max) break;
    if (line) out.push(JSON.parse(line) as T);
  }
  return out;
}

/**
 * True when a read failed because the object is not there (404: expired by the lifecycle, or
 * deleted). S3 says 404 only to a caller allowed to list the prefix; otherwise 403, which is
 * a permission problem, not this (the construct lets summarize list what it reads).
 */
export function isMissing(e: unknown): boolean {
  const c = (e instanceof ReconError ? (e as { cause?: unknown }).cause : e) as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return c?.name === 'NoSuchKey' || c?.name === 'NotFound' || c?.$metadata?.httpStatusCode === 404;
}

/** Whether an object exists (HeadObject; a missing one is false, any other failure throws E_STORAGE). */
export async function objectExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (e) {
    if (isMissing(e)) return false;
    throw new ReconError(ErrorCodes.STORAGE, `cannot read s3://${bucket}/${key}: ${(e as Error).message}`, { file: `s3://${bucket}/${key}` }, { cause: e });
  }
}

/** The lines of an object, read as a stream (an object of any size; blank lines skipped). */
export async function* readLines(s3: S3Client, bucket: string, key: string): AsyncGenerator<string> {
  let body: Readable;
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    body = out.Body as Readable;
  } catch (e) {
    throw new ReconError(ErrorCodes.STORAGE, `cannot read s3://${bucket}/${key}: ${(e as Error).message}`, { file: `s3://${bucket}/${key}` }, { cause: e });
  }
  try {
    for await (const line of createInterface({ input: body, crlfDelay: Infinity })) if (line) yield line;
  } catch (e) {
    throw new ReconError(ErrorCodes.STORAGE, `cannot read s3://${bucket}/${key}: ${(e as Error).message}`, { file: `s3://${bucket}/${key}` }, { cause: e });
  } finally {
    body.destroy();
  }
}

/** The parsed NDJSON lines of several objects in turn, streamed. */
export async function* readNdjson<T>(s3: S3Client, bucket: string, keys: readonly string[]): AsyncGenerator<T> {
  for (const key of keys) for await (const line of readLines(s3, bucket, key)) yield JSON.parse(line) as T;
}

/**
 * An object written as it is made: text goes out in multipart-upload parts (lib-storage
 * `Upload`, 8 MB parts, two in flight), so an object of any size is never held whole, and
 * it appears whole or not at all (a failed upload is aborted). Small writes are batched.
 */
export class S3Writer {
  private readonly body = new PassThrough();
  private readonly upload: Upload;
  private readonly done: Promise<unknown>;
  private pending: string[] = [];
  private size = 0;

  constructor(s3: S3Client, bucket: string, readonly key: string, contentType: string) {
    if (key.startsWith(Prefix.inbound)) throw new Error(`refusing to write ${key} under ${Prefix.inbound} (it would trigger ingestion)`);
    this.upload = new Upload({ client: s3, params: { Bucket: bucket, Key: key, Body: this.body, ContentType: contentType }, partSize: 8 * 1024 * 1024, queueSize: 2 });
    this.done = this.upload.done().catch((e: unknown) => {
      throw new ReconError(ErrorCodes.STORAGE, `cannot write s3://${bucket}/${key}: ${(e as Error).message}`, { file: `s3://${bucket}/${key}` }, { cause: e });
    });
    this.done.catch(() => undefined);
  }

  async write(text: string): Promise<void> {
    this.pending.push(text);
    this.size += text.length;
    if (this.size >= 256 * 1024) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const chunk = this.pending.join('');
    this.pending = [];
    this.size = 0;
    if (!this.body.write(chunk)) await Promise.race([once(this.body, 'drain'), this.done]);
  }

  /** Writes what is left and waits until the object is stored. */
  async end(): Promise<void> {
    await this.flush();
    this.body.end();
    await this.done;
  }

  /** Gives up: the upload is aborted (nothing is stored). */
  async abort(): Promise<void> {
    this.body.destroy();
    await this.upload.abort().catch(() => undefined);
    await this.done.catch(() => undefined);
  }
}
