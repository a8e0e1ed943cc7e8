/**
 * Confirmation sets of snapshot files (docs/data-model.md, "Snapshot and incremental feeds").
 *
 * A snapshot row whose content did not change costs no write, so the store alone cannot say
 * whether the newest snapshot still holds a key. Ingest therefore puts, per file and shard,
 * the 64-bit hashes of every key the file holds (with its line) to S3:
 *
 *   state/<boundary>/confirmed/<file id>/<shard>.bin   sorted (hash u64 BE, line u32 BE) entries
 *
 * and compare accepts a stored snapshot record iff a file of the current snapshot of its
 * (side, facility) confirms its key. Memory: 12 bytes a row while ingesting; per shard in
 * compare, 12 bytes per key of the current snapshot's files.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ErrorCodes, ReconError } from '../errors.ts';
import { Prefix } from './contracts.ts';

/**
 * A file ingested in chunks (chunk.ts) puts one part per checkpoint: part 0 is `<shard>.bin`,
 * part p `<shard>.<p>.bin`, so no chunk overwrites an earlier chunk's set.
 */
export function confirmedKey(boundary: string, fileId: string, shard: number, part = 0): string {
  return `${confirmedPrefix(boundary, fileId, shard)}${part === 0 ? '' : `.${part}`}.bin`;
}

/** The keys of every part of one file's set for one shard start with this. */
export function confirmedPrefix(boundary: string, fileId: string, shard: number): string {
  return `${Prefix.state}${boundary}/confirmed/${fileId}/${String(shard).padStart(4, '0')}`;
}

/** One shard's entries while ingesting (growing typed arrays). */
class ShardEntries {
  hashes = new BigUint64Array(1024);
  lines = new Uint32Array(1024);
  n = 0;
  add(hash: bigint, line: number): void {
    if (this.n === this.hashes.length) {
      const h = new BigUint64Array(this.n * 2);
      h.set(this.hashes);
      this.hashes = h;
      const l = new Uint32Array(this.n * 2);
      l.set(this.lines);
      this.lines = l;
    }
    this.hashes[this.n] = hash;
    this.lines[this.n] = line;
    this.n++;
  }
  /** Sorted by hash, as bytes. */
  bytes(): Buffer {
    const order = Array.from({ length: this.n }, (_, i) => i).sort((a, b) => (this.hashes[a] < this.hashes[b] ? -1 : this.hashes[a] > this.hashes[b] ? 1 : 0));
    const out = Buffer.alloc(this.n * 12);
    order.forEach((i, k) => {
      out.writeBigUInt64BE(this.hashes[i], k * 12);
      out.writeUInt32BE(this.lines[i], k * 12 + 8);
    });
    return out;
  }
}

/** The keys a snapshot file holds, shard by shard. */
export class ConfirmSets {
  private readonly shards = new Map<number, ShardEntries>();

  add(shard: number, hash: bigint, line: number): void {
    let s = this.shards.get(shard);
    if (!s) this.shards.set(shard, (s = new ShardEntries()));
    s.add(hash, line);
  }

  /** Keys held (all shards). */
  get size(): number {
    let n = 0;
    for (const s of this.shards.values()) n += s.n;
    return n;
  }

  /** Forgets the keys (after they were put as a part). */
  clear(): void {
    this.shards.clear();
  }

  /** Puts one object per shard that has keys (as part `part`); returns those shards. */
  async put(s3: S3Client, bucket: string, boundary: string, fileId: string, part = 0): Promise<number[]> {
    const shards = [...this.shards.keys()].sort((a, b) => a - b);
    for (const shard of shards) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: confirmedKey(boundary, fileId, shard, part), Body: this.shards.get(shard)!.bytes(), ContentType: 'application/octet-stream' }));
    }
    return shards;
  }
}

/** A loaded set: lookup by binary search. */
export class Confirmed {
  constructor(private readonly bytes: Buffer) {}

  /** The line of the key in the file, or undefined when the file does not hold it. */
  line(hash: bigint): number | undefined {
    let lo = 0, hi = this.bytes.length / 12 - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const h = this.bytes.readBigUInt64BE(mid * 12);
      if (h === hash) return this.bytes.readUInt32BE(mid * 12 + 8);
      if (h < hash) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /**
   * One file's set for one shard: its single object, or, for a file confirmed in `parts`
   * parts (chunked ingest), every part holding that shard (listed under its prefix).
   */
  static async loadFile(s3: S3Client, bucket: string, boundary: string, fileId: string, shard: number, parts = 1): Promise<{ line(hash: bigint): number | undefined }> {
    if (parts <= 1) return Confirmed.load(s3, bucket, confirmedKey(boundary, fileId, shard));
    const prefix = confirmedPrefix(boundary, fileId, shard);
    const sets: Confirmed[] = [];
    let token: string | undefined;
    do {
      let out;
      try {
        out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
      } catch (e) {
        throw new ReconError(ErrorCodes.STORAGE, `cannot list s3://${bucket}/${prefix}: ${(e as Error).message}`, { file: `s3://${bucket}/${prefix}` }, { cause: e });
      }
      for (const o of out.Contents ?? []) {
        // `<shard>.bin` or `<shard>.<part>.bin`, not another shard's key with this one's digits in front.
        if (o.Key && /^(\.\d+)?\.bin$/.test(o.Key.slice(prefix.length))) sets.push(await Confirmed.load(s3, bucket, o.Key));
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return {
      line(hash: bigint): number | undefined {
        for (const c of sets) {
          const l = c.line(hash);
          if (l !== undefined) return l;
        }
        return undefined;
      },
    };
  }

  static async load(s3: S3Client, bucket: string, key: string): Promise<Confirmed> {
    try {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return new Confirmed(Buffer.from(await out.Body!.transformToByteArray()));
    } catch (e) {
      throw new ReconError(ErrorCodes.STORAGE, `cannot read s3://${bucket}/${key}: ${(e as Error).message}`, { file: `s3://${bucket}/${key}` }, { cause: e });
    }
  }
}
