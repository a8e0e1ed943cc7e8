/** Summarize: merge the shards, write the report, compare with the last run, build the message. */
import { BOUNDARY } from '../boundaries/index.ts';
import { buildReport, outOfScopeWarnings } from '../engine/reconcile.ts';
import { buildNotification } from '../notify/sns.ts';
import { decideNotify, notifyRule, runFacts, summaryAttributes } from '../notify/decide.ts';
import { runFeedHealth } from './feed-health.ts';
import { compareWithPrevious, type PreviousDiscrepancy } from '../report/merge.ts';
import type { Discrepancy, Rejection, Warning } from '../report/model.ts';
import { pushAll, renderDiscrepanciesCsv, renderJson, renderMarkdown, REPORT_FILES } from '../report/write.ts';
import { renderHtml } from '../report/html.ts';
import { latestRun, putRun } from '../store/index.ts';
import type { SummarizeInput, SummarizeOutput } from './contracts.ts';
import type { PipelineDeps } from './deps.ts';
import { PRESIGN_MAX_SECONDS } from './env.ts';
import { getJson, getLines, presignGet, putJson, putText, runKeys } from './objects.ts';
import { DEFAULT_LIMITS } from '../limits.ts';
import { keptRejected, keptWarnings } from '../report/kept.ts';
import type { RunScope } from './plan.ts';
import type { ShardResult } from './compare.ts';
import { emitRunMetrics } from './metrics.ts';

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
  report.feedHealth = await runFeedHealth(deps, run, now);

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
  // Whether this run is worth a message (config notify.<boundary>), and the attributes subscriptions filter on.
  const facts = runFacts(report);
  const decision = decideNotify(facts, notifyRule(s.config, boundary.name));
  const out: SummarizeOutput = {
    boundary: boundary.name, runId: input.runId, reportKey, discrepancies: report.discrepancies.length, notification,
    publish: decision.publish, attributes: summaryAttributes(boundary.name, facts),
  };
  deps.log?.({ level: 'INFO', message: decision.publish ? 'publishing the summary' : 'not publishing the summary', boundary: boundary.name, runId: input.runId, reason: decision.reason });
  if (Buffer.byteLength(JSON.stringify(out)) > OUTPUT_LIMIT) {
    // Pathological keys: fall back to the counts alone, which always fit.
    notification = buildNotification({ ...report, discrepancies: [], warnings: [], resolved: [], feedHealth: undefined }, { reportUrl, reportKey });
    out.notification = notification;
  }
  if (nothing) deps.log?.({ level: 'WARN', message: 'nothing compared', boundary: boundary.name, runId: input.runId, reason: report.nothingCompared });
  deps.log?.({ level: 'INFO', message: 'summarized', boundary: boundary.name, runId: input.runId, ...counts, discrepancies: report.discrepancies.length });
  emitRunMetrics(deps, report, { runId: input.runId, durationMs: Date.parse(now) - Date.parse(run.startedAt), counts });
  return out;
}

