/** Plan: list the ingested files of a boundary, fix the run's scope in S3, fan out shards. */
import type { FileFacts, Scope } from '../boundaries/boundary.ts';
import { BOUNDARY } from '../boundaries/index.ts';
import { duplicateFileWarning, duplicateStats, SameContent } from '../engine/reconcile.ts';
import type { BoundaryName, FeedName } from '../feeds/catalog.ts';
import { ErrorCodes } from '../errors.ts';
import type { FileStats, Warning } from '../report/model.ts';
import { listFiles, putRun } from '../store/index.ts';
import type { PlanInput, PlanOutput } from './contracts.ts';
import type { PipelineDeps } from './deps.ts';
import type { ManifestFacts } from './ingest.ts';
import { putJson, runKeys } from './objects.ts';

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
  const startedAt = (deps.now?.() ?? new Date()).toISOString();
  // The current version of each file: the latest ingested one (a re-upload replaces the file whole).
  const latest = new Map<string, { m: ManifestFacts; rejectedKey?: string; finishedAt: string; checksum?: string }>();
  const failed = new Map<string, { message: string; finishedAt: string; code?: string; feed: FeedName; startedAt: string }>();
  for await (const f of listFiles(deps.dynamo, s.tableName, boundary.name)) {
    const file = `s3://${f.bucket}/${f.key}`;
    if (f.status === 'failed') {
      const cur = failed.get(file);
      const finishedAt = f.finishedAt ?? f.startedAt;
      if (!cur || finishedAt > cur.finishedAt) failed.set(file, { message: f.error?.message ?? 'unknown error', finishedAt, code: f.error?.code, feed: f.feed, startedAt: f.startedAt });
    }
    if (f.status !== 'done' || !f.facts) continue;
    const m = f.facts as unknown as ManifestFacts;
    const cur = latest.get(m.facts.file);
    if (!cur || m.facts.version > cur.m.facts.version) latest.set(m.facts.file, { m, rejectedKey: f.rejectedKey, finishedAt: f.finishedAt ?? '', checksum: f.checksum });
  }
  // A file that could not be ingested is said in the report, unless a good version of it came since.
  const failures: Warning[] = [];
  const emptyFiles: NonNullable<RunScope['emptyFiles']> = [];
  for (const [file, f] of failed) {
    const good = latest.get(file);
    if (good && good.finishedAt > f.finishedAt) continue;
    failures.push({ code: 'file_failed', message: `${file} could not be ingested and is left out: ${f.message}`, file });
    if (f.code === ErrorCodes.NO_ROWS) emptyFiles.push({ file, feed: f.feed, at: f.startedAt });
  }
  const all = [...latest.values()].sort((a, b) => (a.m.facts.version < b.m.facts.version ? -1 : 1));
  // A file whose bytes equal an earlier upload's on its side is counted once, from the first
  // (its records stay stored, out of scope, and count again if the first file changes).
  const same = new SameContent();
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
  const scoped = boundary.scope(facts, s.config);
  const scope: Scope = { ...scoped.scope, files: Object.fromEntries(facts.map((f) => [f.file, f.version])) };
  const run: RunScope = {
    boundary: boundary.name,
    runId: input.runId,
    startedAt,
    scope,
    // Warnings of older manifests (kept in the manifest itself) come along as they are.
    warnings: [...failures, ...fileWarnings, ...scoped.warnings],
    files,
    rejectedKeys: entries.flatMap((e) => (e.rejectedKey ? [e.rejectedKey] : [])),
    warningKeys: entries.flatMap((e) => (e.m.keptWarningsKey ? [e.m.keptWarningsKey] : [])),
    fileWarningTotal: entries.reduce((t, e) => t + (e.m.warningTotal ?? 0), 0),
    fullLists: {
      rejected: entries.flatMap((e) => e.m.rejectedParts ?? (e.rejectedKey ? [e.rejectedKey] : [])),
      warnings: entries.flatMap((e) => e.m.warningParts ?? (e.m.keptWarningsKey ? [e.m.keptWarningsKey] : [])),
    },
    emptyFiles,
    fileTimes: Object.fromEntries(all.map((e) => [e.m.stats.file, arrivalOf(e.m.facts.version, e.finishedAt)])),
  };
  const scopeKey = runKeys.scope(boundary.name, input.runId);
  await putJson(deps.s3, s.bucketName, scopeKey, run);
  await putRun(deps.dynamo, s.tableName, { boundary: boundary.name, runId: input.runId, startedAt, status: 'running' });
  return { boundary: boundary.name, runId: input.runId, scopeKey, shards: Array.from({ length: s.shards }, (_, shard) => ({ shard })) };
}

