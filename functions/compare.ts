/** State machine step (one Map iteration): classify one shard, in key order, in one pass. */
import { compareShard } from '../lib/pipeline/compare.ts';
import type { CompareInput } from '../lib/pipeline/contracts.ts';
import type { PipelineDeps } from '../lib/pipeline/deps.ts';
import { shardMetrics } from '../lib/pipeline/metrics.ts';
import { createObservability, lambdaDeps, observe, type Observability } from '../lib/pipeline/observability.ts';

export function createHandler(deps: PipelineDeps, obs?: Observability) {
  return observe(obs, (input: CompareInput) => ({ runId: input.runId, boundary: input.boundary, shard: input.shard }), async (input: CompareInput) => {
    const out = await compareShard(deps, input);
    deps.log?.({ level: 'INFO', message: 'compared', boundary: input.boundary, runId: input.runId, shard: out.shard, left: out.left, right: out.right, matched: out.matched, discrepancies: out.discrepancies });
    deps.metrics?.(shardMetrics({ boundary: input.boundary, runId: input.runId, left: out.left, right: out.right }));
    return out;
  });
}

const obs = createObservability();
export const handler = createHandler(lambdaDeps(obs), obs);
