/**
 * The pipeline's side of feed health (lib/report/feed-health.ts is the engine): the run's
 * files with their arrival times (from plan's scope), the previous finished run's health as
 * the baseline, the run's clock for `feed_late`; the result is kept in S3 beside the run for
 * the next one (runs/<boundary>/<runId>/feed-health.json).
 */
import type { BoundaryName } from '../feeds/catalog.ts';
import { feedFiles, feedHealth, type FeedHealth } from '../report/feed-health.ts';
import { latestRun } from '../store/index.ts';
import type { RunItem } from '../store/types.ts';
import type { PipelineDeps } from './deps.ts';
import { getJson, putJson, runKeys } from './objects.ts';
import type { RunScope } from './plan.ts';

/** The latest run before `before` that finished (compared something or not): its health is the baseline. */
async function previousRun(deps: PipelineDeps, boundary: BoundaryName, before: string): Promise<RunItem | undefined> {
  const s = deps.settings();
  const runs = await Promise.all((['succeeded', 'nothing_compared'] as const).map((status) => latestRun(deps.dynamo, s.tableName, boundary, { before, status })));
  return runs.filter((r): r is RunItem => r !== undefined).sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1))[0];
}

/** Computes the run's feed health against the previous run's, and keeps it for the next run. */
export async function runFeedHealth(deps: PipelineDeps, run: RunScope, now: string): Promise<FeedHealth> {
  const s = deps.settings();
  const prev = await previousRun(deps, run.boundary, run.startedAt);
  let previous: FeedHealth | undefined;
  if (prev) {
    try {
      previous = await getJson<FeedHealth>(deps.s3, s.bucketName, runKeys.feedHealth(run.boundary, prev.runId));
    } catch (e) {
      // An older run (before feed health) or an expired object: no baseline, said in the log.
      deps.log?.({ level: 'WARN', message: 'no feed health of the previous run', boundary: run.boundary, runId: prev.runId, error: (e as Error).message });
    }
  }
  // Files that came with no data row failed ingestion (E_NO_ROWS): they are feed_empty, not missing.
  const files = feedFiles(run.files, run.fileTimes);
  for (const e of run.emptyFiles ?? []) files.push({ file: e.file, feed: e.feed, at: e.at, rows: 0 });
  const health = feedHealth({ boundary: run.boundary, files, config: s.config, previous, now });
  await putJson(deps.s3, s.bucketName, runKeys.feedHealth(run.boundary, run.runId), health);
  return health;
}
