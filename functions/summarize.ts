/** State machine step: merge the shards, write the report, compare with the last run, build the message. */
import { summarize } from '../lib/pipeline/summarize.ts';
import type { SummarizeInput } from '../lib/pipeline/contracts.ts';
import type { PipelineDeps } from '../lib/pipeline/deps.ts';
import { createObservability, lambdaDeps, observe, type Observability } from '../lib/pipeline/observability.ts';

export function createHandler(deps: PipelineDeps, obs?: Observability) {
  return observe(obs, (input: SummarizeInput) => ({ runId: input.runId, boundary: input.boundary }), (input: SummarizeInput) => summarize(deps, input));
}

const obs = createObservability();
export const handler = createHandler(lambdaDeps(obs), obs);
