/** Compare one shard: read its records in key order, one group at a time, classify them. */
import { BOUNDARY } from '../boundaries/index.ts';
import { Tally } from '../engine/reconcile.ts';
import { fromKeyed } from '../engine/keyed.ts';
import type { CanonRecord } from '../feeds/decode.ts';
import type { Discrepancy, Warning } from '../report/model.ts';
import { readShard } from '../store/index.ts';
import type { CompareInput, CompareOutput } from './contracts.ts';
import type { PipelineDeps } from './deps.ts';
import { getJson, putJson, runKeys, S3Lines } from './objects.ts';
import { DEFAULT_LIMITS } from '../limits.ts';
import { keptWarnings } from '../report/kept.ts';
import { sortDiscrepancies } from '../report/merge.ts';
import type { RunScope } from './plan.ts';

export interface ShardResult {
  shard: number;
  left: number;
  right: number;
  keys: number;
  matched: number;
  outOfScope: number;
  outOfScopeReasons: Array<[string, number]>;
  /** Older results: the discrepancies inline, in any order. */
  discrepancies?: Discrepancy[];
  /** The shard's discrepancies in report order (sortDiscrepancies), NDJSON parts, and how many: summarize merges the shards' streams. */
  discrepancyParts?: string[];
  discrepancyCount?: number;
  /** The first warnings (limits.keptWarnings), how many there were, and the full list's parts when it was cut. */
  warnings: Warning[];
  warningTotal?: number;
  warningParts?: string[];
}

export async function compareShard(deps: PipelineDeps, input: CompareInput): Promise<CompareOutput> {
  const s = deps.settings();
  const boundary = BOUNDARY[input.boundary];
  const run = await getJson<RunScope>(deps.s3, s.bucketName, input.scopeKey);
  // The shard's warnings: the first N kept, the full list put to S3 beside its result.
  const fullList = new S3Lines(deps.s3, s.bucketName, runKeys.shard(boundary.name, input.runId, input.shard).replace(/\.json$/, '.warnings.ndjson'), (s.config.limits ?? DEFAULT_LIMITS).keptWarnings);
  const tally = new Tally(boundary, run.scope, s.config, (w) => fullList.add(w));
  const files = run.scope.files;
  const unreadable = new Map<string, { count: number; first: string }>();
  for await (const group of readShard(deps.dynamo, s.tableName, boundary.name, input.shard)) {
    // Only rows of the current version of a file count: a stored row of a replaced version is
    // never read back (so a corrected re-upload restores the boundary, whatever the old one held).
    const rows: CanonRecord[] = [];
    for (const k of group) {
      if (files && (!Object.hasOwn(files, k.file) || files[k.file] !== k.version)) continue;
      try {
        rows.push(fromKeyed(k));
      } catch (e) {
        // A stored row this code cannot read (written by another version of it): left out and said, never the whole run.
        const u = unreadable.get(k.file);
        if (u) u.count++;
        else unreadable.set(k.file, { count: 1, first: `line ${k.line}: ${(e as Error).message}` });
      }
    }
    if (rows.length > 0) tally.group(rows);
    await fullList.drain();
  }
  for (const [file, u] of unreadable) {
    tally.warnings.add({ code: 'unreadable_record', message: `${u.count} stored ${u.count === 1 ? 'row' : 'rows'} of ${file} cannot be read and ${u.count === 1 ? 'is' : 'are'} left out (first: ${u.first}): upload the file again`, file });
  }
  const result: ShardResult = {
    shard: input.shard,
    left: tally.left,
    right: tally.right,
    keys: tally.keys,
    matched: tally.matched,
    outOfScope: tally.outOfScope,
    outOfScopeReasons: [...tally.outOfScopeReasons],
    discrepancyParts: [],
    discrepancyCount: tally.discrepancies.length,
    warnings: tally.warnings.kept,
    warningTotal: tally.warnings.total,
  };
  const resultKey = runKeys.shard(boundary.name, input.runId, input.shard);
  if (tally.warnings.omitted > 0) result.warningParts = await fullList.end();
  // Sorted here, where a shard's list fits: summarize only merges the shards' sorted streams.
  const sorted = new S3Lines(deps.s3, s.bucketName, runKeys.shardDiscrepancies(boundary.name, input.runId, input.shard), 0);
  for (const d of sortDiscrepancies(tally.discrepancies, boundary.name)) {
    sorted.add(d);
    await sorted.drain();
  }
  result.discrepancyParts = await sorted.end();
  await putJson(deps.s3, s.bucketName, resultKey, result);
  return { shard: input.shard, resultKey, discrepancies: tally.discrepancies.length, left: result.left, right: result.right, matched: result.matched };
}

