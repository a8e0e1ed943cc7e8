/** The local Lambda context counts its remaining time down, as Lambda's does (ingest pauses a chunk on it). */
import { describe, expect, it } from 'vitest';
import { lambdaContext } from '../../lib/pipeline/local.ts';
import { ChunkProgress, DEFAULT_CHUNK } from '../../lib/pipeline/chunk.ts';

describe('lambdaContext', () => {
  it('counts the remaining time down from the timeout, never below zero', async () => {
    // Prepare
    const ctx = lambdaContext('ingest', 300);
    const first = ctx.getRemainingTimeInMillis();
    // Act
    await new Promise((r) => setTimeout(r, 120));
    const later = ctx.getRemainingTimeInMillis();
    await new Promise((r) => setTimeout(r, 300));
    // Assess
    expect(first).toBeLessThanOrEqual(300);
    expect(later).toBeLessThan(first - 100);
    expect(ctx.getRemainingTimeInMillis()).toBe(0);
  });

  it('makes an ingest chunk pause once less than the margin is left, with no row limit', async () => {
    // Prepare: a 15-minute invocation with 50 ms left of its margin's allowance
    const ctx = lambdaContext('ingest', DEFAULT_CHUNK.marginSeconds * 1000 + 50);
    const progress = new ChunkProgress({ ...DEFAULT_CHUNK, chunkRows: 0 }, undefined, () => ctx.getRemainingTimeInMillis());
    progress.take();
    const stats = { read: 1, used: 1, rejected: 0, skipped: 0 } as never;
    // Act
    const before = progress.after(stats);
    await new Promise((r) => setTimeout(r, 80));
    const after = progress.after({ read: 2, used: 2, rejected: 0, skipped: 0 } as never);
    // Assess
    expect(before).not.toBe('pause');
    expect(after).toBe('pause');
  });
});
