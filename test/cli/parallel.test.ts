/**
 * The built CLI on a run large enough to read on two threads (16 MB or more): the bundled
 * worker loads, and the report is the one the engine gives reading the files in order.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inventoryPair } from '../../bench/generate.ts';
import { DEFAULT_CONFIG } from '../../lib/config.ts';
import { reconcileFiles } from '../../lib/engine/reconcile.ts';
import { PARALLEL_MIN_BYTES } from '../../lib/engine/parallel.ts';
import { spawnCli, tempDir } from './helpers.ts';

describe('a large run through the built CLI', () => {
  it('reads on two threads and reports what reading in order gives', async () => {
    // Prepare: 220,000 inventory rows a side, about 18 MB in all
    const dir = tempDir();
    const { oms, warehouse, differing } = await inventoryPair(dir, 220_000);
    expect(statSync(oms).size + statSync(warehouse).size).toBeGreaterThanOrEqual(PARALLEL_MIN_BYTES);
    // Act
    const cli = await spawnCli(['reconcile', 'inventory', '--oms', oms, '--warehouse', warehouse, '--out', join(dir, 'out')], dir);
    const inOrder = await reconcileFiles({ boundary: 'inventory', inputs: [{ side: 'oms', source: oms }, { side: 'warehouse', source: warehouse }], config: DEFAULT_CONFIG, parallel: false });
    // Assess
    expect(cli.err).toBe('');
    expect(cli.code).toBe(1);
    const report = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8'));
    expect(report.summary.discrepancies).toBeGreaterThan(differing * 0.9);
    // Feed health is the CLI's own section (the files' times and rows), not the engine's answer.
    expect(report.feedHealth.feeds.map((f: { feed: string }) => f.feed)).toEqual(['oms-inventory', 'warehouse-inventory']);
    for (const f of report.feedHealth.feeds) expect(f.rows).toBeGreaterThan(200_000);
    expect({ ...report, feedHealth: undefined, generatedAt: '' }).toEqual(JSON.parse(JSON.stringify({ ...inOrder, generatedAt: '' })));
  }, 60_000);
});
