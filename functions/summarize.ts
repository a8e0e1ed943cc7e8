/** State machine step: merge the shards, write the report, compare with the last run, build the message. */
import middy from '@middy/core';
import { awsClients, jsonLog, type PipelineDeps } from '../lib/pipeline/deps.ts';
import { lazySettings } from '../lib/pipeline/env.ts';
import { summarize } from '../lib/pipeline/summarize.ts';
import type { SummarizeInput, SummarizeOutput } from '../lib/pipeline/contracts.ts';
import { buildFailureNotice, isFailureInput, type FailureInput, type FailureNotice } from '../lib/notify/failure.ts';

export function createHandler(deps: PipelineDeps) {
  // Failure mode (the state machine's DescribeFailure state): the short failure notice, no I/O.
  return middy(async (input: SummarizeInput | FailureInput): Promise<SummarizeOutput | FailureNotice> => (isFailureInput(input) ? buildFailureNotice(input) : summarize(deps, input)));
}

export const handler = createHandler({ ...awsClients(), settings: lazySettings(), log: jsonLog });
