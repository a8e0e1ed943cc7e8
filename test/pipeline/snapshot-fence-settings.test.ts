/**
 * The snapshot fence (lib/pipeline/env.ts → pointers.ts; docs/data-model.md, "Two snapshots of
 * one facility ingested at the same moment"): its default on AWS, the environment variable,
 * the values refused at the first invocation, and the write leave it implies.
 */
import { describe, expect, it } from 'vitest';
import { readSettings } from '../../lib/pipeline/env.ts';
import { DEFAULT_SNAPSHOT_FENCE_MS } from '../../lib/pipeline/pointers.ts';
import { leaveMs } from '../../lib/store/snapshots.ts';

const base = { TABLE_NAME: 't', BUCKET_NAME: 'b' };

describe('the snapshot fence', () => {
  it('is 5 s by default, with a write leave of 2 s, and SNAPSHOT_FENCE_MS sets it', () => {
    expect(readSettings(base).snapshotFenceMs).toBe(5_000);
    expect(DEFAULT_SNAPSHOT_FENCE_MS).toBe(5_000);
    expect(leaveMs(5_000)).toBe(2_000);
    expect(readSettings({ ...base, SNAPSHOT_FENCE_MS: '800' }).snapshotFenceMs).toBe(800);
  });

  it('refuses a fence that is not a positive whole number of milliseconds, or over a minute', () => {
    expect(() => readSettings({ ...base, SNAPSHOT_FENCE_MS: '0' })).toThrow(/SNAPSHOT_FENCE_MS must be a positive integer/);
    expect(() => readSettings({ ...base, SNAPSHOT_FENCE_MS: '2.5' })).toThrow(/SNAPSHOT_FENCE_MS must be a positive integer/);
    expect(() => readSettings({ ...base, SNAPSHOT_FENCE_MS: '120000' })).toThrow(/SNAPSHOT_FENCE_MS must be at most 60000/);
  });
});
