/** State machine step: list the ingested files of a boundary, fix the run's scope, fan out shards. */
import { plan } from '../lib/pipeline/plan.ts';
import type { PlanInput } from '../lib/pipeline/contracts.ts';
import type { PipelineDeps } from '../lib/pipeline/deps.ts';
import { runStartedMetrics } from '../lib/pipeline/metrics.ts';
import { createObservability, lambdaDeps, observe, type Observability } from '../lib/pipeline/observability.ts';

export function createHandler(deps: PipelineDeps, obs?: Observability) {
  return observe(obs, (input: PlanInput) => ({ runId: input.runId, boundary: input.boundary }), async (input: PlanInput) => {
    const out = await plan(deps, input);
    deps.log?.({ level: 'INFO', message: 'planned', boundary: out.boundary, runId: out.runId, shards: out.shards.length, scopeKey: out.scopeKey });
    deps.metrics?.(runStartedMetrics(out));
    return out;
  });
}

const obs = createObservability();
export const handler = createHandler(lambdaDeps(obs), obs);
