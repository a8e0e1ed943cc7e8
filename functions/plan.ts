/**
 * State machine steps of the plan function: CheckDrop (`step: "check"`, one turn of the wait
 * loop), Plan (list the ingested files of a boundary, fix the run's scope, fan out shards) and
 * ReleaseRun / ReleaseAfterFailure (`step: "release"`).
 */
import middy from '@middy/core';
import { awsClients, jsonLog, type PipelineDeps } from '../lib/pipeline/deps.ts';
import { lazySettings } from '../lib/pipeline/env.ts';
import { plan } from '../lib/pipeline/plan.ts';
import { checkDrop, releaseRun } from '../lib/pipeline/trigger.ts';
import type { DropCheck, DropCheckInput, PlanInput, PlanOutput, ReleaseInput, ReleaseOutput } from '../lib/pipeline/contracts.ts';

export function createHandler(deps: PipelineDeps) {
  return middy(async (input: PlanInput | DropCheckInput | ReleaseInput): Promise<PlanOutput | DropCheck | ReleaseOutput> => {
    if ('step' in input && input.step === 'check') return checkDrop(deps, input);
    if ('step' in input && input.step === 'release') return releaseRun(deps, input);
    return plan(deps, input as PlanInput);
  });
}

export const handler = createHandler({ ...awsClients(), settings: lazySettings(), log: jsonLog });
