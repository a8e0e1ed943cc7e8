/** Plan: list the ingested files of a boundary, fix the run's scope in S3, fan out shards. */
import type { FileFacts, Scope } from '../boundaries/boundary.ts';
import { BOUNDARY } from '../boundaries/index.ts';
import { duplicateFileWarning, duplicateStats, runScope, SameContent } from '../engine/reconcile.ts';
import type { BoundaryName, FeedName } from '../feeds/catalog.ts';
import { ErrorCodes } from '../errors.ts';
import type { FileStats, Warning } from '../report/model.ts';
import { isSnapshotSide } from '../boundaries/snapshot.ts';
import { expiresAt, getFile, putRun } from '../store/index.ts';
import { pruneFileIndex, readFileIndex, type IndexPrune } from '../store/file-index.ts';
import type { FileManifest } from '../store/types.ts';
import type { PlanInput, PlanOutput } from './contracts.ts';
import type { PipelineDeps } from './deps.ts';
import type { ManifestFacts } from './ingest.ts';
import { putJson, runKeys } from './objects.ts';
import { unfinishedFiles, type UnfinishedFile } from './trigger.ts';

/** What the planner leaves in S3 for the shards and the summary. */
export interface RunScope {
  boundary: BoundaryName;
  runId: string;
  startedAt: string;
  scope: Scope;
  warnings: Warning[];
  files: FileStats[];
  /** S3 keys of the rejected rows of the files in scope: the first part of each file's list (it holds its first N rows). */
  rejectedKeys: string[];
  /** S3 keys of the files' kept warnings (JSON arrays), and how many warnings the files gave in all (older scopes: absent). */
  warningKeys?: string[];
  fileWarningTotal?: number;
  /** Every part of the files' full lists, for the report to name when it keeps only the first. */
  fullLists?: { rejected: string[]; warnings: string[] };
  /**
   * The files whose records count, by file id → name: the current version of each fully
   * ingested file (not a failed one, not a copy of another's content). A stored record of any
   * other file is left out; compare names sources through this map.
   */
  fileNames?: Record<string, string>;
  /** Snapshot files: name → file id and the shards that have a confirmation set (compare checks current-snapshot keys against them). */
  snapshotFiles?: Record<string, { fileId: string; confirmed: number[]; parts?: number }>;
  /** When each file of `files` arrived (its S3 event time), for feed health. */
  fileTimes?: Record<string, string>;
  /** Files that arrived with no data row (ingestion failed with E_NO_ROWS), for feed health's feed_empty. */
  emptyFiles?: Array<{ file: string; feed: FeedName; at: string }>;
}

/** A file's arrival: the S3 event time its version starts with (ingest.ts), else when its ingestion finished. */
function arrivalOf(version: string, finishedAt: string): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/.exec(version)?.[0] ?? finishedAt;
}

/** What one shard leaves in S3. */
export async function plan(deps: PipelineDeps, input: PlanInput): Promise<PlanOutput> {
  const s = deps.settings();
  const boundary = BOUNDARY[input.boundary];
  const now = deps.now?.() ?? new Date();
  const startedAt = now.toISOString();
  // Files of the boundary not ingested yet: named in the report (and so in the message), never skipped in silence.
  const unfinished = await unfinishedFiles(deps, boundary.name);
  const pendingWarnings = [...inFlightWarnings(boundary.name, unfinished.inFlight, input), ...unfinished.stuck.map(stuckWarning)];
  // The boundary's file index (lib/store/file-index.ts): the finished files still current or
  // still said, and the ids of retired snapshot files. Its size follows the current files.
  const index = await readFileIndex(deps.dynamo, s.tableName, boundary.name, { now });
  const unfinishedNames = new Set([...unfinished.inFlight, ...unfinished.stuck].map((f) => f.file));
  const prune: IndexPrune = { drop: [], retire: [], dropRetired: [] };
  // The current version of each file: the latest ingested one (a re-upload replaces the file whole).
  const latest = new Map<string, { m: ManifestFacts; rejectedKey?: string; finishedAt: string; checksum?: string; fileId?: string; entry: FileManifest }>();
  const failed = new Map<string, { message: string; finishedAt: string; code?: string; feed: FeedName; startedAt: string; entry: FileManifest }>();
  for (const f of index.files) {
    const file = `s3://${f.bucket}/${f.key}`;
    if (f.status === 'failed') {
      // Being ingested again right now: its manifest says processing (the index keeps the last outcome until then).
      if (unfinishedNames.has(file) && (await getFile(deps.dynamo, s.tableName, f, { facts: false }))?.status !== 'failed') continue;
      const cur = failed.get(file);
      const finishedAt = f.finishedAt ?? f.startedAt;
      if (!cur || finishedAt > cur.finishedAt) {
        if (cur) prune.drop.push(cur.entry);
        failed.set(file, { message: f.error?.message ?? 'unknown error', finishedAt, code: f.error?.code, feed: f.feed, startedAt: f.startedAt, entry: f });
      } else prune.drop.push(f);
    }
    if (f.status !== 'done' || !f.facts) continue;
    const m = f.facts as unknown as ManifestFacts;
    const cur = latest.get(m.facts.file);
    if (!cur || m.facts.version > cur.m.facts.version) {
      if (cur) prune.drop.push(cur.entry);
      latest.set(m.facts.file, { m, rejectedKey: f.rejectedKey, finishedAt: f.finishedAt ?? '', checksum: f.checksum, fileId: f.fileId ?? m.fileId, entry: f });
    } else prune.drop.push(f);
  }
  // A file that could not be ingested is said in the report, unless a good version of it came since.
  const failures: Warning[] = [];
  const emptyFiles: NonNullable<RunScope['emptyFiles']> = [];
  for (const [file, f] of failed) {
    const good = latest.get(file);
    if (good && good.finishedAt > f.finishedAt) {
      prune.drop.push(f.entry);
      continue;
    }
    failures.push({ code: 'file_failed', message: `${file} could not be ingested and is left out: ${f.message}`, file });
    if (f.code === ErrorCodes.NO_ROWS) emptyFiles.push({ file, feed: f.feed, at: f.startedAt });
  }
  // Retired snapshot files, older than every file above: their records count only where a
  // current snapshot confirms them (compare), and their bytes can still be an original's. One
  // whose file was uploaded again is replaced by that upload.
  const retired = index.retired.filter((r) => {
    if (!latest.has(r.file)) return true;
    prune.dropRetired.push(r);
    return false;
  });
  const all = [...latest.values()].sort((a, b) => (a.m.facts.version < b.m.facts.version ? -1 : 1));
  // A file whose bytes equal an earlier upload's on its side is counted once, from the first
  // (its records stay stored, out of scope, and count again if the first file changes).
  const same = new SameContent();
  const fileNames: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const r of retired) if (same.original(r.side, r.file, r.checksum) === undefined) fileNames[r.fileId] = r.file;
  const files: FileStats[] = [];
  const fileWarnings: Warning[] = [];
  const entries = all.filter((e) => {
    const original = same.original(e.m.facts.side, e.m.facts.file, e.checksum);
    if (original === undefined) {
      files.push(e.m.stats);
      for (const w of e.m.warnings ?? []) fileWarnings.push(w);
      return true;
    }
    files.push(duplicateStats(e.m.stats, original));
    fileWarnings.push(duplicateFileWarning(e.m.facts.file, original));
    return false;
  });
  const facts: FileFacts[] = entries.map((e) => e.m.facts);
  const scoped = runScope(boundary, facts, s.config);
  const scope: Scope = scoped.scope;
  // A retired file is a snapshot superseded in every facility it counts (as a file read here would be).
  if (retired.length > 0) scope.superseded = true;
  const snapshotFiles: Record<string, { fileId: string; confirmed: number[]; parts?: number }> = Object.create(null) as Record<string, { fileId: string; confirmed: number[]; parts?: number }>;
  for (const e of entries) {
    if (e.fileId === undefined) continue;
    fileNames[e.fileId] = e.m.facts.file;
    if (e.m.confirmed) snapshotFiles[e.m.facts.file] = { fileId: e.fileId, confirmed: e.m.confirmed, ...(e.m.confirmParts && e.m.confirmParts > 1 ? { parts: e.m.confirmParts } : {}) };
  }
  const run: RunScope = {
    boundary: boundary.name,
    runId: input.runId,
    startedAt,
    scope,
    // Warnings of older manifests (kept in the manifest itself) come along as they are.
    warnings: [...pendingWarnings, ...failures, ...fileWarnings, ...scoped.warnings],
    files,
    rejectedKeys: entries.flatMap((e) => (e.rejectedKey ? [e.rejectedKey] : [])),
    warningKeys: entries.flatMap((e) => (e.m.keptWarningsKey ? [e.m.keptWarningsKey] : [])),
    fileWarningTotal: entries.reduce((t, e) => t + (e.m.warningTotal ?? 0), 0),
    fullLists: {
      rejected: entries.flatMap((e) => e.m.rejectedParts ?? (e.rejectedKey ? [e.rejectedKey] : [])),
      warnings: entries.flatMap((e) => e.m.warningParts ?? (e.m.keptWarningsKey ? [e.m.keptWarningsKey] : [])),
    },
    fileNames,
    snapshotFiles,
    emptyFiles,
    fileTimes: Object.fromEntries(all.map((e) => [e.m.stats.file, arrivalOf(e.m.facts.version, e.finishedAt)])),
  };
  const scopeKey = runKeys.scope(boundary.name, input.runId);
  await putJson(deps.s3, s.bucketName, scopeKey, run);
  await putRun(deps.dynamo, s.tableName, { boundary: boundary.name, runId: input.runId, startedAt, status: 'running', ttl: expiresAt(startedAt, s.retentionDays) });
  // Snapshot files that this run found superseded in every facility they count, without a
  // warning: no later run lists them (their ids stay known, for their unchanged records).
  const currentFiles = new Set(Object.values(scope.current ?? {}).flatMap((c) => c.files));
  const warned = new Set(scoped.warnings.flatMap((w) => (w.code === 'superseded_snapshot' && w.file !== undefined ? [w.file] : [])));
  for (const e of entries) {
    const f = e.m.facts;
    const counts = boundary.name === 'inventory' ? Object.keys(f.facilities ?? {}).length > 0 : true;
    if (counts && isSnapshotSide(boundary, f.side, s.config) && !currentFiles.has(f.file) && !warned.has(f.file)) prune.retire.push({ entry: e.entry, side: f.side, file: f.file });
  }
  try {
    await pruneFileIndex(deps.dynamo, s.tableName, boundary.name, prune);
  } catch (e) {
    // Only the next run's reads depend on it: it prunes again.
    deps.log?.({ level: 'WARN', message: 'file index not pruned', boundary: boundary.name, runId: input.runId, error: (e as Error).message });
  }
  return { boundary: boundary.name, runId: input.runId, scopeKey, shards: Array.from({ length: s.shards }, (_, shard) => ({ shard })) };
}


/** The most files one files_in_flight warning names (the rest are counted). */
const NAMED_IN_FLIGHT = 20;

/** One warning listing the files still being ingested as the run planned: left out of it, taken by the follow-up run. */
export function inFlightWarnings(boundary: BoundaryName, files: UnfinishedFile[], input: PlanInput): Warning[] {
  if (files.length === 0) return input.drop?.waitedOut ? [keptLandingWarning(boundary, input.drop.waitedSeconds)] : [];
  const waited = input.drop?.waitedOut ? ` after waiting ${input.drop.waitedSeconds} s, the longest allowed` : '';
  const names = files.slice(0, NAMED_IN_FLIGHT).map((f) => `${f.file} (since ${f.startedAt})`);
  if (files.length > NAMED_IN_FLIGHT) names.push(`and ${files.length - NAMED_IN_FLIGHT} more`);
  const one = files.length === 1;
  return [
    {
      code: 'files_in_flight',
      // The names first: a message shows the start of a warning.
      message: `${names.join(', ')}: still being ingested when this ${boundary} run planned${waited}; not in this run (a follow-up run takes ${one ? 'it' : 'them'})`,
      file: files[0].file,
    },
  ];
}

/** The drop never settled: files kept landing until the longest wait, and the run planned on what had landed (none in flight). */
export function keptLandingWarning(boundary: BoundaryName, waitedSeconds: number): Warning {
  return {
    code: 'files_kept_landing',
    message: `files of ${boundary} kept landing: this run planned after waiting ${waitedSeconds} s, the longest allowed, without a quiet spell; it has every file that had landed, and a file that landed after it is taken by a follow-up run`,
  };
}

/** A file whose ingest stopped without finishing (its lease ran out while it was still processing). */
export function stuckWarning(f: UnfinishedFile): Warning {
  return {
    code: 'ingest_stuck',
    message: `${f.file} has been ingesting since ${f.startedAt} and its lease ran out at ${f.leaseUntil}: its ingest stopped without finishing, so its rows are not in this run; it is resumed from its checkpoint when this run ends, and the run after it takes it`,
    file: f.file,
  };
}
