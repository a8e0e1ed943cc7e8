/**
 * The chunked ingest's settings (lib/pipeline/env.ts → chunk.ts): defaults, the environment
 * variables the construct's `ingestChunking` sets, and the values refused at the first
 * invocation with a message naming the variable.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHUNK } from '../../lib/pipeline/chunk.ts';
import { readSettings } from '../../lib/pipeline/env.ts';

const base = { TABLE_NAME: 't', BUCKET_NAME: 'b' };

describe('chunk settings', () => {
  it('default to no row limit, 30 s checkpoints, a 180 s lease and a 120 s margin', () => {
    expect(readSettings(base).chunk).toEqual(DEFAULT_CHUNK);
    expect(DEFAULT_CHUNK).toEqual({ chunkRows: 0, checkpointSeconds: 30, leaseSeconds: 180, marginSeconds: 120 });
  });

  it('are read from INGEST_* variables', () => {
    const env = { ...base, INGEST_CHUNK_ROWS: '500000', INGEST_CHECKPOINT_SECONDS: '20', INGEST_LEASE_SECONDS: '60', INGEST_MARGIN_SECONDS: '90' };
    expect(readSettings(env).chunk).toEqual({ chunkRows: 500_000, checkpointSeconds: 20, leaseSeconds: 60, marginSeconds: 90 });
  });

  it('refuse a lease shorter than two checkpoints, a margin over 10 minutes and a row limit that is not a whole number', () => {
    expect(() => readSettings({ ...base, INGEST_LEASE_SECONDS: '50' })).toThrow(/INGEST_LEASE_SECONDS \(50\) must be at least twice INGEST_CHECKPOINT_SECONDS \(30\)/);
    expect(() => readSettings({ ...base, INGEST_MARGIN_SECONDS: '900' })).toThrow(/INGEST_MARGIN_SECONDS must be at most 600/);
    expect(() => readSettings({ ...base, INGEST_CHUNK_ROWS: '1.5' })).toThrow(/INGEST_CHUNK_ROWS must be a positive integer/);
  });
});
