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
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ErrorCodes, ReconError } from '../errors.ts';
import { Prefix } from './contracts.ts';

export function confirmedKey(boundary: string, fileId: string, shard: number): string {
  return `${Prefix.state}${boundary}/confirmed/${fileId}/${String(shard).padStart(4, '0')}.bin`;
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

  /** Puts one object per shard that has keys; returns those shards. */
  async put(s3: S3Client, bucket: string, boundary: string, fileId: string): Promise<number[]> {
    const shards = [...this.shards.keys()].sort((a, b) => a - b);
    for (const shard of shards) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: confirmedKey(boundary, fileId, shard), Body: this.shards.get(shard)!.bytes(), ContentType: 'application/octet-stream' }));
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

  static async load(s3: S3Client, bucket: string, key: string): Promise<Confirmed> {
    try {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return new Confirmed(Buffer.from(await out.Body!.transformToByteArray()));
    } catch (e) {
      throw new ReconError(ErrorCodes.STORAGE, `cannot read s3://${bucket}/${key}: ${(e as Error).message}`, { file: `s3://${bucket}/${key}` }, { cause: e });
    }
  }
}
