/**
 * The byte layer: opens a table source (a path, or a named stream such as an S3 body) and
 * yields its bytes in chunks, transparently gunzipped when the content starts with the gzip
 * magic number (1f 8b) — whatever the file is called.
 *
 * Every failure here is a ReconError naming the file: FILE_UNREADABLE for a missing file, a
 * directory, a stream that fails mid-way, or corrupt/truncated gzip data.
 */
import { createHash } from 'node:crypto';
import { open as openFile, type FileHandle } from 'node:fs/promises';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ErrorCodes, ReconError, isReconError } from '../errors.ts';
import { DEFAULT_LIMITS } from '../limits.ts';
import type { TableSource } from './table.ts';

/**
 * Bytes read from disk per chunk: large enough to amortise per-chunk work, and small enough
 * that a chunk's text (and the pump's joined text) stays an ordinary young-generation string:
 * V8 gives strings over 128 KiB pages of their own, fresh memory for every chunk. At 2M rows,
 * 64 KiB chunks take 92k page faults where 256 KiB chunks took 134k.
 */
export const READ_CHUNK_BYTES = 64 * 1024;

export interface ByteSource {
  /** The name used in messages: the path, or the stream's name. */
  file: string;
  /** True when the content was gzip (detected by magic number). */
  compressed: boolean;
  /** The (decompressed) content. Breaking out of the iteration releases the file or stream. */
  chunks: AsyncIterable<Buffer>;
  /**
   * With `checksum`: the sha256 (hex) of the bytes as stored (before gunzip), once they have
   * all been read; undefined before (or when the reading stopped early).
   */
  checksum(): string | undefined;
}

export interface OpenBytesOptions {
  /**
   * Hash the bytes while they stream (sha256, the pipeline manifest's checksum), so a file
   * whose content equals another's is known without reading it twice. About 2 ms a MB on a
   * small VM: asked for only when a duplicate is possible.
   */
  checksum?: boolean;
  /** Content bytes (after decompression) the file may hold: more is FILE_TOO_LARGE (default DEFAULT_LIMITS.fileBytes). */
  maxBytes?: number;
}

export function sourceName(source: TableSource): string {
  return typeof source === 'string' ? source : source.name;
}

/**
 * Opens the source, sniffs the first bytes for gzip and returns the content as chunks: at
 * most `maxBytes` of content (after decompression), else FILE_TOO_LARGE naming the file —
 * a gzip bomb stops there, having held one chunk at a time.
 */
export async function openBytes(source: TableSource, options: OpenBytesOptions = {}): Promise<ByteSource> {
  const maxBytes = options.maxBytes ?? DEFAULT_LIMITS.fileBytes;
  const file = sourceName(source);
  const stored = typeof source === 'string' ? await readPath(source) : readStream(source);
  let digest: string | undefined;
  const raw = options.checksum ? hashed(stored, (d) => (digest = d)) : stored;
  const it = raw[Symbol.asyncIterator]();

  // Collect at least two bytes (a stream may hand them over one at a time) to look for 1f 8b.
  const head: Buffer[] = [];
  let headBytes = 0;
  while (headBytes < 2) {
    const r = await it.next();
    if (r.done) break;
    head.push(r.value);
    headBytes += r.value.length;
  }
  const first = head.length === 1 ? head[0] : Buffer.concat(head);
  const content = prepend(first, it);
  const gzip = first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
  return { file, compressed: gzip, chunks: bounded(gzip ? gunzip(content, file) : content, file, maxBytes, gzip), checksum: () => digest };
}

/** The chunks as they come, hashed on the way; `done` gets the hex digest after the last one. */
async function* hashed(chunks: AsyncIterable<Buffer>, done: (digest: string) => void): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  for await (const chunk of chunks) {
    hash.update(chunk);
    yield chunk;
  }
  done(hash.digest('hex'));
}

/** The chunks, counted: more than `maxBytes` in all is FILE_TOO_LARGE (one addition a 64 KiB chunk). */
async function* bounded(chunks: AsyncGenerator<Buffer>, file: string, maxBytes: number, gzip: boolean): AsyncGenerator<Buffer> {
  let total = 0;
  try {
    for (;;) {
      const r = await chunks.next();
      if (r.done) return;
      total += r.value.length;
      if (total > maxBytes) {
        throw new ReconError(
          ErrorCodes.FILE_TOO_LARGE,
          `the file ${gzip ? 'expands to' : 'holds'} more than ${maxBytes} bytes${gzip ? ' when decompressed' : ''}: it is not read (the limit is limits.fileBytes in the config)`,
          { file },
        );
      }
      yield r.value;
    }
  } finally {
    await chunks.return(undefined);
  }
}

/** Opens a file eagerly (so a missing file fails here, not on first read) and reads it in chunks. */
async function readPath(path: string): Promise<AsyncIterable<Buffer>> {
  let handle: FileHandle;
  try {
    handle = await openFile(path, 'r');
  } catch (e) {
    throw unreadable(path, 'cannot open file', e);
  }
  try {
    if ((await handle.stat()).isDirectory()) throw unreadable(path, 'cannot open file', { code: 'EISDIR' });
  } catch (e) {
    await handle.close();
    throw isReconError(e) ? e : unreadable(path, 'cannot open file', e);
  }
  return readHandle(handle, path);
}

async function* readHandle(handle: FileHandle, path: string): AsyncGenerator<Buffer> {
  // One read ahead: the next chunk is on its way from the disk while this one is parsed.
  const next = async (): Promise<Buffer> => {
    const buf = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    try {
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      return bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
    } catch (e) {
      throw unreadable(path, 'cannot read file', e);
    }
  };
  const ahead = () => {
    const p = next();
    p.catch(() => {}); // its error is thrown where it is awaited, not as an unhandled rejection
    return p;
  };
  let pending = ahead();
  try {
    for (;;) {
      const chunk = await pending;
      if (chunk.length === 0) return;
      pending = ahead();
      yield chunk;
    }
  } finally {
    await pending.catch(() => {}); // a read still in flight ends before the file is closed
    await handle.close();
  }
}

/** Reads a named stream; `open()` failing, or the stream erroring, is FILE_UNREADABLE. */
async function* readStream(source: Exclude<TableSource, string>): AsyncGenerator<Buffer> {
  let stream: Readable | AsyncIterable<Uint8Array>;
  try {
    stream = source.open();
  } catch (e) {
    throw isReconError(e) ? e : unreadable(source.name, 'cannot open file', e);
  }
  try {
    for await (const chunk of stream as AsyncIterable<Uint8Array | string>) {
      if (typeof chunk === 'string') yield Buffer.from(chunk, 'utf8');
      else if (Buffer.isBuffer(chunk)) yield chunk;
      else yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    }
  } catch (e) {
    throw isReconError(e) ? e : unreadable(source.name, 'cannot read file', e);
  }
}

/** Yields `first` (when not empty), then the rest of an already-started iterator. */
async function* prepend(first: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  try {
    if (first.length > 0) yield first;
    for (;;) {
      const r = await rest.next();
      if (r.done) return;
      yield r.value;
    }
  } finally {
    // Also when the consumer stops while we are still at `first`: release the file / stream.
    await rest.return?.();
  }
}

/** Streams the content through zlib's gunzip (which also handles concatenated gzip members). */
async function* gunzip(input: AsyncGenerator<Buffer>, file: string): AsyncGenerator<Buffer> {
  const src = Readable.from(input, { objectMode: false });
  const z = createGunzip({ chunkSize: 64 * 1024 });
  // pipeline forwards a source error into z, so it surfaces from the iteration below.
  pipeline(src, z, () => {});
  try {
    for await (const chunk of z as AsyncIterable<Buffer>) yield chunk;
  } catch (e) {
    if (isReconError(e)) throw e;
    const detail = e instanceof Error ? e.message : String(e);
    throw new ReconError(
      ErrorCodes.FILE_UNREADABLE,
      `cannot decompress: the gzip data is corrupt or truncated (${detail})`,
      { file },
      { cause: e },
    );
  } finally {
    src.destroy();
    z.destroy();
    await input.return(undefined); // wait until the file / stream underneath is released
  }
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a parent of the path is not a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the path is too long',
  EMFILE: 'too many open files',
};

function unreadable(file: string, what: string, cause: unknown): ReconError {
  const code = (cause as { code?: unknown } | null)?.code;
  const reason =
    (typeof code === 'string' && REASONS[code]) ||
    (cause instanceof Error ? cause.message : String(cause));
  return new ReconError(ErrorCodes.FILE_UNREADABLE, `${what}: ${reason}`, { file }, { cause });
}
