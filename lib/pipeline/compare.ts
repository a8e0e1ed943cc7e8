/**
 * The comparison steps of a run — plan, compare one shard, summarize — as the state machine
 * calls them. Each passes references (S3 keys, shard numbers), never rows.
 */
import type { FileFacts, Scope } from '../boundaries/boundary.ts';
import { BOUNDARY } from '../boundaries/index.ts';
import { buildReport, duplicateFileWarning, duplicateStats, outOfScopeWarnings, SameContent, Tally } from '../engine/reconcile.ts';
import { fromKeyed } from '../engine/keyed.ts';
import type { BoundaryName } from '../feeds/catalog.ts';
import type { CanonRecord } from '../feeds/decode.ts';
import { buildNotification } from '../notify/sns.ts';
import { compareWithPrevious, type PreviousDiscrepancy } from '../report/merge.ts';
import type { Discrepancy, FileStats, Rejection, Warning } from '../report/model.ts';
import { pushAll, renderDiscrepanciesCsv, renderJson, renderMarkdown, REPORT_FILES } from '../report/write.ts';
import { renderHtml } from '../report/html.ts';
import { latestRun, listFiles, putRun, readShard } from '../store/index.ts';
import type { CompareInput, CompareOutput, PlanInput, PlanOutput, SummarizeInput, SummarizeOutput } from './contracts.ts';
import type { PipelineDeps } from './deps.ts';
import { PRESIGN_MAX_SECONDS } from './env.ts';
import type { ManifestFacts } from './ingest.ts';
import { getJson, getLines, presignGet, putJson, putText, runKeys, S3Lines } from './objects.ts';
import { DEFAULT_LIMITS } from '../limits.ts';
import { keptRejected, keptWarnings } from '../report/kept.ts';

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
}

/** What one shard leaves in S3. */
export interface ShardResult {
  shard: number;
  left: number;
  right: number;
  keys: number;
  matched: number;
  outOfScope: number;
  outOfScopeReasons: Array<[string, number]>;
  discrepancies: Discrepancy[];
  /** The first warnings (limits.keptWarnings), how many there were, and the full list's parts when it was cut. */
  warnings: Warning[];
  warningTotal?: number;
  warningParts?: string[];
}

export async function plan(deps: PipelineDeps, input: PlanInput): Promise<PlanOutput> {
  const s = deps.settings();
  const boundary = BOUNDARY[input.boundary];
  const startedAt = (deps.now?.() ?? new Date()).toISOString();
  // The current version of each file: the latest ingested one (a re-upload replaces the file whole).
  const latest = new Map<string, { m: ManifestFacts; rejectedKey?: string; finishedAt: string; checksum?: string }>();
  const failed = new Map<string, { message: string; finishedAt: string }>();
  for await (const f of listFiles(deps.dynamo, s.tableName, boundary.name)) {
    const file = `s3://${f.bucket}/${f.key}`;
    if (f.status === 'failed') {
      const cur = failed.get(file);
      const finishedAt = f.finishedAt ?? f.startedAt;
      if (!cur || finishedAt > cur.finishedAt) failed.set(file, { message: f.error?.message ?? 'unknown error', finishedAt });
    }
    if (f.status !== 'done' || !f.facts) continue;
    const m = f.facts as unknown as ManifestFacts;
    const cur = latest.get(m.facts.file);
    if (!cur || m.facts.version > cur.m.facts.version) latest.set(m.facts.file, { m, rejectedKey: f.rejectedKey, finishedAt: f.finishedAt ?? '', checksum: f.checksum });
  }
  // A file that could not be ingested is said in the report, unless a good version of it came since.
  const failures: Warning[] = [];
  for (const [file, f] of failed) {
    const good = latest.get(file);
    if (good && good.finishedAt > f.finishedAt) continue;
    failures.push({ code: 'file_failed', message: `${file} could not be ingested and is left out: ${f.message}`, file });
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
  };
  const scopeKey = runKeys.scope(boundary.name, input.runId);
  await putJson(deps.s3, s.bucketName, scopeKey, run);
  await putRun(deps.dynamo, s.tableName, { boundary: boundary.name, runId: input.runId, startedAt, status: 'running' });
  return { boundary: boundary.name, runId: input.runId, scopeKey, shards: Array.from({ length: s.shards }, (_, shard) => ({ shard })) };
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
    discrepancies: tally.discrepancies,
    warnings: tally.warnings.kept,
    warningTotal: tally.warnings.total,
  };
  const resultKey = runKeys.shard(boundary.name, input.runId, input.shard);
  if (tally.warnings.omitted > 0) result.warningParts = await fullList.end();
  await putJson(deps.s3, s.bucketName, resultKey, result);
  return { shard: input.shard, resultKey, discrepancies: result.discrepancies.length, left: result.left, right: result.right, matched: result.matched };
}

const OUTPUT_LIMIT = 240_000; // Step Functions passes at most 256 KB between states.

export async function summarize(deps: PipelineDeps, input: SummarizeInput): Promise<SummarizeOutput> {
  const s = deps.settings();
  const boundary = BOUNDARY[input.boundary];
  const run = await getJson<RunScope>(deps.s3, s.bucketName, input.scopeKey);
  const now = (deps.now?.() ?? new Date()).toISOString();

  const limits = s.config.limits ?? DEFAULT_LIMITS;
  const tally = { left: 0, right: 0, keys: 0, matched: 0, outOfScope: 0, discrepancies: [] as Discrepancy[] };
  // The same first N the CLI keeps (kept.ts): from each file's and each shard's kept lists.
  const warnings = keptWarnings(limits.keptWarnings);
  const fullWarnings = [...(run.fullLists?.warnings ?? []), input.scopeKey];
  for (const w of run.warnings) warnings.add(w);
  for (const key of run.warningKeys ?? []) {
    const kept = await getJson<Warning[]>(deps.s3, s.bucketName, key);
    warnings.merge({ items: kept, total: 0 });
  }
  warnings.total += run.fileWarningTotal ?? 0;
  const reasons = new Map<string, number>();
  for (const ref of [...input.results].sort((a, b) => a.shard - b.shard)) {
    const r = await getJson<ShardResult>(deps.s3, s.bucketName, ref.resultKey);
    tally.left += r.left;
    tally.right += r.right;
    tally.keys += r.keys;
    tally.matched += r.matched;
    tally.outOfScope += r.outOfScope;
    for (const d of r.discrepancies) tally.discrepancies.push(d);
    warnings.merge({ items: r.warnings, total: r.warningTotal ?? r.warnings.length });
    pushAll(fullWarnings, r.warningParts ?? [ref.resultKey]);
    for (const [reason, n] of r.outOfScopeReasons) reasons.set(reason, (reasons.get(reason) ?? 0) + n);
  }
  for (const w of outOfScopeWarnings(reasons)) warnings.add(w);
  const rejected = keptRejected(limits.keptRejected);
  for (const key of run.rejectedKeys) {
    const first = await getLines<Rejection>(deps.s3, s.bucketName, key, limits.keptRejected);
    rejected.merge({ items: first, total: 0 });
  }

  const report = buildReport({
    boundary, generatedAt: now, tally, files: run.files, rejected: rejected.kept, warnings: warnings.kept, warningTotal: warnings.total, runId: input.runId,
    full: { rejected: run.fullLists?.rejected ?? run.rejectedKeys, warnings: fullWarnings },
  });

  // New, ongoing (with age) or resolved, against the previous finished run. A run that compared
  // nothing resolves nothing (it knows nothing), and is no baseline for the next run.
  const nothing = report.nothingCompared !== undefined;
  const previous = nothing ? undefined : await latestRun(deps.dynamo, s.tableName, boundary.name, { before: run.startedAt, status: 'succeeded' });
  const before: PreviousDiscrepancy[] = previous?.discrepanciesKey ? await getJson<PreviousDiscrepancy[]>(deps.s3, s.bucketName, previous.discrepanciesKey) : [];
  const cmp = compareWithPrevious(report.discrepancies, before, now);
  report.discrepancies = cmp.discrepancies;
  report.resolved = cmp.resolved;

  const reportKey = runKeys.report(boundary.name, input.runId, REPORT_FILES.json);
  await putText(deps.s3, s.bucketName, reportKey, renderJson(report), 'application/json');
  await putText(deps.s3, s.bucketName, runKeys.report(boundary.name, input.runId, REPORT_FILES.csv), renderDiscrepanciesCsv(report), 'text/csv; charset=utf-8');
  await putText(deps.s3, s.bucketName, runKeys.report(boundary.name, input.runId, REPORT_FILES.markdown), renderMarkdown(report), 'text/markdown; charset=utf-8');
  const htmlKey = runKeys.report(boundary.name, input.runId, REPORT_FILES.html);
  await putText(deps.s3, s.bucketName, htmlKey, renderHtml(report), 'text/html; charset=utf-8');
  const discrepanciesKey = runKeys.identities(boundary.name, input.runId);
  await putJson(deps.s3, s.bucketName, discrepanciesKey, report.discrepancies.map((d) => ({ type: d.type, key: d.key, firstSeen: d.firstSeen })));
  const counts = {
    new: report.discrepancies.filter((d) => d.status === 'new').length,
    ongoing: report.discrepancies.filter((d) => d.status === 'ongoing').length,
    resolved: cmp.resolved.length,
  };
  await putRun(deps.dynamo, s.tableName, {
    boundary: boundary.name, runId: input.runId, startedAt: run.startedAt, finishedAt: now, status: nothing ? 'nothing_compared' : 'succeeded',
    summary: { ...report.summary, ...counts }, reportKey, discrepanciesKey,
  });

  // The message links to the page people open: a pre-signed URL, or the configured base + key.
  const reportUrl = s.reportLinkBase ? `${s.reportLinkBase}${htmlKey}` : await presignGet(deps.s3, s.bucketName, htmlKey, s.reportLinkExpiresSeconds ?? PRESIGN_MAX_SECONDS);
  let notification = buildNotification(report, { reportUrl, reportKey });
  const out: SummarizeOutput = { boundary: boundary.name, runId: input.runId, reportKey, discrepancies: report.discrepancies.length, notification };
  if (Buffer.byteLength(JSON.stringify(out)) > OUTPUT_LIMIT) {
    // Pathological keys: fall back to the counts alone, which always fit.
    notification = buildNotification({ ...report, discrepancies: [], warnings: [], resolved: [] }, { reportUrl, reportKey });
    out.notification = notification;
  }
  if (nothing) deps.log?.({ level: 'WARN', message: 'nothing compared', boundary: boundary.name, runId: input.runId, reason: report.nothingCompared });
  deps.log?.({ level: 'INFO', message: 'summarized', boundary: boundary.name, runId: input.runId, ...counts, discrepancies: report.discrepancies.length });
  return out;
}
