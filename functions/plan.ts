/**
 * State machine steps of the plan function: CheckDrop (`step: "check"`, one turn of the wait
 * loop), Plan (list the ingested files of a boundary, fix the run's scope, fan out shards) and
 * ReleaseRun / ReleaseAfterFailure (`step: "release"`).
 */
import { plan } from '../lib/pipeline/plan.ts';
import type { DropCheck, DropCheckInput, PlanInput, PlanOutput, ReleaseInput, ReleaseOutput } from '../lib/pipeline/contracts.ts';
import type { PipelineDeps } from '../lib/pipeline/deps.ts';
import { runStartedMetrics } from '../lib/pipeline/metrics.ts';
import { createObservability, lambdaDeps, observe, type Observability } from '../lib/pipeline/observability.ts';
import { checkDrop, releaseRun } from '../lib/pipeline/trigger.ts';

type PlanEvent = PlanInput | DropCheckInput | ReleaseInput;

export function createHandler(deps: PipelineDeps, obs?: Observability) {
  return observe(obs, (input: PlanEvent) => ({ runId: input.runId, boundary: input.boundary }), async (input: PlanEvent): Promise<PlanOutput | DropCheck | ReleaseOutput> => {
    if ('step' in input && input.step === 'check') return checkDrop(deps, input);
    if ('step' in input && input.step === 'release') return releaseRun(deps, input);
    const out = await plan(deps, input as PlanInput);
    deps.log?.({ level: 'INFO', message: 'planned', boundary: out.boundary, runId: out.runId, shards: out.shards.length, scopeKey: out.scopeKey });
    deps.metrics?.(runStartedMetrics(out));
    return out;
  });
}

const obs = createObservability();
export const handler = createHandler(lambdaDeps(obs), obs);
