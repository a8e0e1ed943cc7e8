/** State machine step: list the ingested files of a boundary, fix the run's scope, fan out shards. */
import middy from '@middy/core';
import { awsClients, jsonLog, type PipelineDeps } from '../lib/pipeline/deps.ts';
import { lazySettings } from '../lib/pipeline/env.ts';
import { plan } from '../lib/pipeline/plan.ts';
import type { PlanInput } from '../lib/pipeline/contracts.ts';

export function createHandler(deps: PipelineDeps) {
  return middy((input: PlanInput) => plan(deps, input));
}

export const handler = createHandler({ ...awsClients(), settings: lazySettings(), log: jsonLog });
