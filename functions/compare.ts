/** State machine step (one Map iteration): classify one shard, in key order, in one pass. */
import middy from '@middy/core';
import { awsClients, jsonLog, type PipelineDeps } from '../lib/pipeline/deps.ts';
import { lazySettings } from '../lib/pipeline/env.ts';
import { compareShard } from '../lib/pipeline/compare.ts';
import type { CompareInput } from '../lib/pipeline/contracts.ts';

export function createHandler(deps: PipelineDeps) {
  return middy((input: CompareInput) => compareShard(deps, input));
}

export const handler = createHandler({ ...awsClients(), settings: lazySettings(), log: jsonLog });
