/** State machine step: merge the shards, write the report, compare with the last run, build the message. */
import middy from '@middy/core';
import { awsClients, jsonLog, type PipelineDeps } from '../lib/pipeline/deps.ts';
import { lazySettings } from '../lib/pipeline/env.ts';
import { summarize } from '../lib/pipeline/summarize.ts';
import type { SummarizeInput } from '../lib/pipeline/contracts.ts';

export function createHandler(deps: PipelineDeps) {
  return middy((input: SummarizeInput) => summarize(deps, input));
}

export const handler = createHandler({ ...awsClients(), settings: lazySettings(), log: jsonLog });
