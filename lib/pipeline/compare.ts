/** Compare one shard: read its records in key order, one group at a time, classify them. */
import { BOUNDARY } from '../boundaries/index.ts';
import { Tally } from '../engine/reconcile.ts';
import { fromKeyed } from '../engine/keyed.ts';
import type { CanonRecord } from '../feeds/decode.ts';
import type { Discrepancy, Warning } from '../report/model.ts';
import { encodeRecordSk, keyHash, readShard, recordPk } from '../store/index.ts';
import type { KeyedRecord } from '../store/types.ts';
import type { Boundary } from '../boundaries/boundary.ts';
import { isSnapshotSide, partitioner, SNAPSHOT_TIME_FIELD, snapshotKey } from '../boundaries/snapshot.ts';
import type { SideName } from '../feeds/catalog.ts';
import { Confirmed } from './confirm.ts';
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
  // The snapshot rule is applied below, against the stored records (the CLI applies it to rows).
  const tally = new Tally(boundary, { ...run.scope, current: undefined }, s.config, (w) => fullList.add(w));
  const names = run.fileNames ?? {};
  const live = await liveSnapshots(deps, boundary, run, input.shard);
  const unreadable = new Map<string, { count: number; first: string }>();
  for await (const group of readShard(deps.dynamo, s.tableName, boundary.name, input.shard)) {
    const rows: CanonRecord[] = [];
    for (const k of group) {
      // Only records of files in scope count (fully ingested, current version, not a copy of another file).
      if (!Object.hasOwn(names, k.fileId)) continue;
      k.file = names[k.fileId];
      // Snapshot sides: only keys a file of the current snapshot holds.
      if (live.snapshotSide(k.side) && !live.accept(k)) continue;
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


/**
 * The snapshot rule on stored records: a record of a snapshot side counts iff a file of the
 * current snapshot of its (side, facility or partner) holds its key (its confirmation set says so). It is
 * then shown as that file's row: its source file and line, and the snapshot's time as its
 * as-of (an unchanged row was not rewritten, so the item may name an older file).
 */
async function liveSnapshots(deps: PipelineDeps, boundary: Boundary, run: RunScope, shard: number) {
  const s = deps.settings();
  const current = run.scope.current ?? {};
  const files = run.snapshotFiles ?? {};
  const sets = new Map<string, { line(hash: bigint): number | undefined }>();
  for (const c of Object.values(current)) {
    for (const name of c.files) {
      const f = Object.hasOwn(files, name) ? files[name] : undefined;
      if (!f || sets.has(f.fileId) || !f.confirmed.includes(shard)) continue;
      sets.set(f.fileId, await Confirmed.loadFile(deps.s3, s.bucketName, boundary.name, f.fileId, shard, f.parts));
    }
  }
  const snapshot = new Map(boundary.sides.map((side) => [side, isSnapshotSide(boundary, side, s.config)] as const));
  const pk = recordPk(boundary.name, shard);
  const partition = partitioner(boundary, s.config);
  return {
    snapshotSide: (side: SideName) => snapshot.get(side) === true,
    accept(k: KeyedRecord): boolean {
      const key = snapshotKey(k.side, partition({ f: k.fields, file: k.file, feed: k.feed }));
      const c = Object.hasOwn(current, key) ? current[key] : undefined;
      if (!c) return false;
      const hash = keyHash(pk, encodeRecordSk(k));
      // The file that wrote the record first (of two parts holding a key, the stored one is the winner).
      if (c.files.includes(k.file) && sets.get(k.fileId)?.line(hash) !== undefined) return true;
      for (const name of c.files) {
        const f = Object.hasOwn(files, name) ? files[name] : undefined;
        const line = f && sets.get(f.fileId)?.line(hash);
        if (line === undefined) continue;
        if (f!.fileId !== k.fileId) {
          k.file = name;
          k.line = line;
          const field = SNAPSHOT_TIME_FIELD[k.feed];
          if (field !== undefined && Object.hasOwn(k.fields, field)) k.fields[field] = c.time;
        }
        return true;
      }
      return false;
    },
  };
}
