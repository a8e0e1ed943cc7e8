/** State machine step: merge the shards, write the report, compare with the last run, build the message. */
import { summarize } from '../lib/pipeline/summarize.ts';
import type { SummarizeInput, SummarizeOutput } from '../lib/pipeline/contracts.ts';
import type { PipelineDeps } from '../lib/pipeline/deps.ts';
import { createObservability, lambdaDeps, observe, type Observability } from '../lib/pipeline/observability.ts';
import { buildFailureNotice, isFailureInput, type FailureInput, type FailureNotice } from '../lib/notify/failure.ts';

type Input = SummarizeInput | FailureInput;

export function createHandler(deps: PipelineDeps, obs?: Observability) {
  // Failure mode (the state machine's DescribeFailure state): the short failure notice, no I/O.
  return observe(
    obs,
    (input: Input) => (isFailureInput(input) ? { runId: input.failure.execution, boundary: input.failure.boundary } : { runId: input.runId, boundary: input.boundary }),
    async (input: Input): Promise<SummarizeOutput | FailureNotice> => (isFailureInput(input) ? buildFailureNotice(input) : summarize(deps, input)),
  );
}

const obs = createObservability();
export const handler = createHandler(lambdaDeps(obs), obs);
