/**
 * Summarize: merge the shards, write the report, compare with the last run, build the message.
 *
 * Streaming, so a run of millions of discrepancies fits the function's memory: each shard
 * left its discrepancies sorted (report order) in NDJSON parts; they are merged k ways as
 * streams, twice — a first pass for what the report says before its list (the summary, the
 * CSV's columns, the page's columns), a second that compares them with the previous run's
 * identities (also sorted: a merge, not a map) and writes report.json, discrepancies.csv,
 * report.html and the identities as multipart uploads while the list goes by. What is held
 * is bounded: a group of equal keys, the first rows the page and summary.md show, the first
 * resolved ones. The bytes are those the in-memory renderers give for the same report.
 */
import { BOUNDARY } from '../boundaries/index.ts';
import { buildReport, outOfScopeWarnings } from '../engine/reconcile.ts';
import { buildNotification, EMAIL_LIST_MAX } from '../notify/sns.ts';
import {
  compareSortedWithPrevious, discrepancyOrder, ListFacts, SummaryTotals, type PreviousDiscrepancy, type Ranked, type Resolved,
} from '../report/merge.ts';
import type { Discrepancy, Rejection, Report, Warning } from '../report/model.ts';
import { csvColumns, CsvColumnFacts, csvHeader, csvLine, jsonChunksStreamed, pushAll, renderMarkdown, REPORT_FILES } from '../report/write.ts';
import { HTML_MAX_TABLE, HTML_ROW_BATCH, HtmlFacts, htmlEnd, htmlPage, htmlRows, htmlStart, type DiscrepancyRow } from '../report/html.ts';
import { expiresAt, latestRun, putRun } from '../store/index.ts';
import type { BoundaryName } from '../feeds/catalog.ts';
import { decideNotify, notifyRule, runFacts, summaryAttributes } from '../notify/decide.ts';
import { runFeedHealth } from './feed-health.ts';
import type { SummarizeInput, SummarizeOutput } from './contracts.ts';
import type { PipelineDeps } from './deps.ts';
import { PRESIGN_MAX_SECONDS } from './env.ts';
import { getJson, getLines, isMissing, objectExists, presignGet, putText, readNdjson, runKeys, S3Lines, S3Writer } from './objects.ts';
import { DEFAULT_LIMITS } from '../limits.ts';
import { keptRejected, keptWarnings } from '../report/kept.ts';
import type { RunScope } from './plan.ts';
import type { ShardResult } from './compare.ts';
import { emitRunMetrics } from './metrics.ts';

const OUTPUT_LIMIT = 240_000; // Step Functions passes at most 256 KB between states.
/** Rows summary.md lists (its default). */
const MARKDOWN_ROWS = 50;

export async function summarize(deps: PipelineDeps, input: SummarizeInput): Promise<SummarizeOutput> {
  const s = deps.settings();
  const boundary = BOUNDARY[input.boundary];
  const bucket = s.bucketName;
  const run = await getJson<RunScope>(deps.s3, bucket, input.scopeKey);
  const now = (deps.now?.() ?? new Date()).toISOString();

  const limits = s.config.limits ?? DEFAULT_LIMITS;
  // The same first N the CLI keeps (kept.ts): from each file's and each shard's kept lists.
  const warnings = keptWarnings(limits.keptWarnings);
  const fullWarnings = [...(run.fullLists?.warnings ?? []), input.scopeKey];
  for (const w of run.warnings) warnings.add(w);
  const gone: string[] = [];
  for (const key of run.warningKeys ?? []) {
    const kept = await orMissing(() => getJson<Warning[]>(deps.s3, bucket, key), key, gone);
    if (kept) warnings.merge({ items: kept, total: 0 });
  }
  warnings.total += run.fileWarningTotal ?? 0;
  const tally = { left: 0, right: 0, keys: 0, matched: 0, outOfScope: 0, discrepancies: [] as Discrepancy[] };
  const reasons = new Map<string, number>();
  const shards: ShardResult[] = [];
  for (const ref of [...input.results].sort((a, b) => a.shard - b.shard)) {
    const r = await getJson<ShardResult>(deps.s3, bucket, ref.resultKey);
    shards.push(r);
    tally.left += r.left;
    tally.right += r.right;
    tally.keys += r.keys;
    tally.matched += r.matched;
    tally.outOfScope += r.outOfScope;
    warnings.merge({ items: r.warnings, total: r.warningTotal ?? r.warnings.length });
    pushAll(fullWarnings, r.warningParts ?? [ref.resultKey]);
    for (const [reason, n] of r.outOfScopeReasons) reasons.set(reason, (reasons.get(reason) ?? 0) + n);
  }
  for (const w of outOfScopeWarnings(reasons)) warnings.add(w);
  const rejected = keptRejected(limits.keptRejected);
  for (const key of run.rejectedKeys) {
    const first = await orMissing(() => getLines<Rejection>(deps.s3, bucket, key, limits.keptRejected), key, gone);
    if (first) rejected.merge({ items: first, total: 0 });
  }
  // An object of the run's files that has expired (or was deleted) is said, never the end of the run.
  if (gone.length) warnings.add(listMissing(gone, bucket));

  // Pass 1: what the report says before its list — the summary — and the columns of the CSV
  // and of the page, which depend on every row.
  const totals = new SummaryTotals();
  const csvFacts = new CsvColumnFacts(boundary.sides);
  const htmlFacts = new HtmlFacts({ boundary: boundary.name, sides: boundary.sides } as Report);
  const merged = () => mergeShards(deps, bucket, boundary.name, shards);
  for await (const d of merged()) {
    totals.add(d);
    csvFacts.add(d);
    htmlFacts.add(d);
  }
  // Every discrepancy gets a firstSeen when compared with the previous run (new ones: now).
  if (totals.count > 0) csvFacts.hasFirstSeen = true;

  // The previous finished run, unless this one compared nothing (it knows nothing, and is no
  // baseline). Its identities may have expired: then every discrepancy is new, and that is said.
  // (As nothingCompared decides: no key and no discrepancy.)
  const nothing = !(tally.keys > 0 || totals.count > 0);
  const previous = nothing ? undefined : await latestRun(deps.dynamo, s.tableName, boundary.name, { before: run.startedAt, status: 'succeeded', now: deps.now?.() });
  let previousKey = previous?.discrepanciesKey;
  if (previous && previousKey && !(await objectExists(deps.s3, bucket, previousKey))) {
    warnings.add({
      code: 'previous_run_missing',
      message: `the discrepancy list of the previous run ${previous.runId} (${previous.startedAt}) is gone (s3://${bucket}/${previousKey}, expired or deleted): every discrepancy of this run counts as new, none as resolved, and this run is the new baseline`,
    });
    previousKey = undefined;
  }
  const report: Report = buildReport({
    boundary, generatedAt: now, tally, files: run.files, rejected: rejected.kept, warnings: warnings.kept, warningTotal: warnings.total, runId: input.runId,
    full: { rejected: run.fullLists?.rejected ?? run.rejectedKeys, warnings: fullWarnings }, totals,
  });
  report.feedHealth = await runFeedHealth(deps, run, now);

  // Pass 2: compare and write.
  const keys = {
    json: runKeys.report(boundary.name, input.runId, REPORT_FILES.json),
    csv: runKeys.report(boundary.name, input.runId, REPORT_FILES.csv),
    markdown: runKeys.report(boundary.name, input.runId, REPORT_FILES.markdown),
    html: runKeys.report(boundary.name, input.runId, REPORT_FILES.html),
    identities: runKeys.identities(boundary.name, input.runId),
  };
  const out = {
    json: new S3Writer(deps.s3, bucket, keys.json, 'application/json'),
    csv: new S3Writer(deps.s3, bucket, keys.csv, 'text/csv; charset=utf-8'),
    html: new S3Writer(deps.s3, bucket, keys.html, 'text/html; charset=utf-8'),
    identities: new S3Writer(deps.s3, bucket, keys.identities, 'application/x-ndjson'),
  };
  const list = new ListFacts();
  const shown: Discrepancy[] = []; // summary.md's rows
  const tops = { new: [] as Discrepancy[], ongoing: [] as Discrepancy[], other: [] as Discrepancy[] }; // the message's
  const resolved: Resolved[] = []; // the first HTML_MAX_TABLE (the page's; summary.md's are among them)
  const resolvedSpill = new S3Lines(deps.s3, bucket, runKeys.resolved(boundary.name, input.runId), 0);
  try {
    const cols = csvColumns(report, csvFacts);
    const page = htmlPage(report, htmlFacts);
    await out.csv.write(csvHeader(cols));
    await out.html.write(htmlStart());
    let rows: DiscrepancyRow[] = [];
    const compared = compareSortedWithPrevious(merged(), previousIdentities(deps, bucket, boundary.name, previousKey), boundary.name, now, async (r) => {
      list.resolved++;
      if (resolved.length < HTML_MAX_TABLE) resolved.push(r);
      resolvedSpill.add(r);
      await resolvedSpill.drain();
    });
    async function* discrepancies(): AsyncGenerator<Discrepancy> {
      for await (const d of compared) {
        list.add(d);
        if (shown.length < MARKDOWN_ROWS) shown.push(d);
        const top = d.status === 'new' ? tops.new : d.status === 'ongoing' ? tops.ongoing : tops.other;
        if (top.length < EMAIL_LIST_MAX) top.push(d);
        await out.csv.write(csvLine(cols, d));
        await out.identities.write(JSON.stringify({ type: d.type, key: d.key, firstSeen: d.firstSeen }) + '\n');
        if (list.count <= page.shown) {
          rows.push(page.row(d));
          if (rows.length === HTML_ROW_BATCH || list.count === page.shown) {
            await out.html.write(htmlRows(rows, list.count <= HTML_ROW_BATCH));
            rows = [];
          }
        }
        yield d;
      }
    }
    async function* resolvedList(): AsyncGenerator<Resolved> {
      // Held whole when few; otherwise read back from where they were put as they came.
      if (list.resolved <= resolved.length) yield* resolved;
      else yield* readNdjson<Resolved>(deps.s3, bucket, await resolvedSpill.end());
    }
    report.resolved = [];
    for await (const chunk of jsonChunksStreamed(report, { discrepancies: discrepancies(), resolved: resolvedList() })) await out.json.write(chunk);
    report.resolved = resolved;
    await out.html.write(htmlEnd(page.head(list)));
    await Promise.all(Object.values(out).map((w) => w.end()));
  } catch (e) {
    await Promise.all(Object.values(out).map((w) => w.abort()));
    throw e;
  }
  // summary.md lists the first rows; the facts say how many there are in all.
  const view: Report = { ...report, discrepancies: shown, resolved: resolved.slice(0, MARKDOWN_ROWS) };
  await putText(deps.s3, bucket, keys.markdown, renderMarkdown(view, { maxRows: MARKDOWN_ROWS }, list), 'text/markdown; charset=utf-8');

  const counts = { new: list.newCount, ongoing: list.ongoingCount, resolved: list.resolved };
  await putRun(deps.dynamo, s.tableName, {
    boundary: boundary.name, runId: input.runId, startedAt: run.startedAt, finishedAt: now, status: nothing ? 'nothing_compared' : 'succeeded',
    summary: { ...report.summary, ...counts }, reportKey: keys.json, discrepanciesKey: keys.identities, ttl: expiresAt(run.startedAt, s.retentionDays),
  });

  // The message links to the page people open: a pre-signed URL, or the configured base + key.
  const reportUrl = s.reportLinkBase ? `${s.reportLinkBase}${keys.html}` : await presignGet(deps.s3, bucket, keys.html, s.reportLinkExpiresSeconds ?? PRESIGN_MAX_SECONDS);
  // The message lists new ones first, then ongoing, then the rest (report order within each): the first of each are enough.
  const message: Report = { ...report, discrepancies: [...tops.new, ...tops.ongoing, ...tops.other], resolved };
  let notification = buildNotification(message, { reportUrl, reportKey: keys.json, list });
  // Whether this run is worth a message (config notify.<boundary>), and the attributes subscriptions filter on.
  const facts = { ...runFacts(report), new: list.newCount, resolved: list.resolved };
  const decision = decideNotify(facts, notifyRule(s.config, boundary.name));
  const result: SummarizeOutput = {
    boundary: boundary.name, runId: input.runId, reportKey: keys.json, discrepancies: list.count, notification,
    publish: decision.publish, attributes: summaryAttributes(boundary.name, facts),
  };
  deps.log?.({ level: 'INFO', message: decision.publish ? 'publishing the summary' : 'not publishing the summary', boundary: boundary.name, runId: input.runId, reason: decision.reason });
  if (Buffer.byteLength(JSON.stringify(result)) > OUTPUT_LIMIT) {
    // Pathological keys: fall back to the counts alone, which always fit.
    notification = buildNotification({ ...report, discrepancies: [], warnings: [], resolved: [], feedHealth: undefined }, { reportUrl, reportKey: keys.json });
    result.notification = notification;
  }
  if (nothing) deps.log?.({ level: 'WARN', message: 'nothing compared', boundary: boundary.name, runId: input.runId, reason: report.nothingCompared });
  deps.log?.({ level: 'INFO', message: 'summarized', boundary: boundary.name, runId: input.runId, ...counts, discrepancies: list.count });
  emitRunMetrics(deps, report, { runId: input.runId, durationMs: Date.parse(now) - Date.parse(run.startedAt), counts });
  return result;
}

/** `read()`, or undefined (its key noted in `gone`) when the object is missing. */
async function orMissing<T>(read: () => Promise<T>, key: string, gone: string[]): Promise<T | undefined> {
  try {
    return await read();
  } catch (e) {
    if (!isMissing(e)) throw e;
    gone.push(key);
    return undefined;
  }
}

function listMissing(keys: string[], bucket: string): Warning {
  const named = keys.slice(0, 3).map((k) => `s3://${bucket}/${k}`).join(', ') + (keys.length > 3 ? ` and ${keys.length - 3} more` : '');
  return {
    code: 'list_missing',
    message: `${keys.length === 1 ? 'a list' : `${keys.length} lists`} of rejected rows or warnings of the files in scope ${keys.length === 1 ? 'is' : 'are'} gone (expired or deleted): ${named}. The files' counts stand; the report lists none of ${keys.length === 1 ? 'its' : 'their'} rows`,
  };
}

/** Each shard's discrepancies, in report order: its NDJSON parts, or (older results) its inline list sorted. */
function shardStream(deps: PipelineDeps, bucket: string, b: BoundaryName, r: ShardResult): AsyncIterable<Discrepancy> {
  if (r.discrepancyParts) return readNdjson<Discrepancy>(deps.s3, bucket, r.discrepancyParts);
  const o = discrepancyOrder(b);
  const sorted = (r.discrepancies ?? []).map((d, i) => ({ ...o.rank(d), i })).sort((x, y) => o.compare(x, y) || o.kind(x, y) || x.i - y.i).map((e) => e.d);
  return (async function* () { yield* sorted; })();
}

/**
 * The shards' sorted streams merged into one, in report order: ties between shards go to
 * the lower shard, so the result is what sorting the shards' lists, concatenated in shard
 * order, gives (a stable sort). A binary heap of one head per shard.
 */
async function* mergeShards(deps: PipelineDeps, bucket: string, b: BoundaryName, shards: readonly ShardResult[]): AsyncGenerator<Discrepancy> {
  const o = discrepancyOrder(b);
  type Head = Ranked<Discrepancy> & { i: number; it: AsyncIterator<Discrepancy> };
  const less = (x: Head, y: Head) => (o.compare(x, y) || o.kind(x, y) || x.i - y.i) < 0;
  const heap: Head[] = [];
  const push = (h: Head) => {
    heap.push(h);
    for (let j = heap.length - 1; j > 0; ) {
      const p = (j - 1) >> 1;
      if (!less(heap[j], heap[p])) break;
      [heap[j], heap[p]] = [heap[p], heap[j]];
      j = p;
    }
  };
  const pop = (): Head => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let j = 0; ; ) {
        const l = 2 * j + 1, r = l + 1;
        let m = j;
        if (l < heap.length && less(heap[l], heap[m])) m = l;
        if (r < heap.length && less(heap[r], heap[m])) m = r;
        if (m === j) break;
        [heap[j], heap[m]] = [heap[m], heap[j]];
        j = m;
      }
    }
    return top;
  };
  for (const [i, r] of shards.entries()) {
    const it = shardStream(deps, bucket, b, r)[Symbol.asyncIterator]();
    const n = await it.next();
    if (!n.done) push({ ...o.rank(n.value), i, it });
  }
  while (heap.length > 0) {
    const h = pop();
    yield h.d;
    const n = await h.it.next();
    if (!n.done) push({ ...o.rank(n.value), i: h.i, it: h.it });
  }
}

/** The previous run's identities in report order: NDJSON streamed, or (older runs) a JSON array, sorted here. */
async function* previousIdentities(deps: PipelineDeps, bucket: string, b: BoundaryName, key: string | undefined): AsyncGenerator<PreviousDiscrepancy> {
  if (!key) return;
  if (!key.endsWith('.json')) {
    yield* readNdjson<PreviousDiscrepancy>(deps.s3, bucket, [key]);
    return;
  }
  const o = discrepancyOrder(b);
  const all = await getJson<PreviousDiscrepancy[]>(deps.s3, bucket, key);
  yield* all.map((d, i) => ({ ...o.rank(d), i })).sort((x, y) => o.compare(x, y) || x.i - y.i).map((e) => e.d);
}
