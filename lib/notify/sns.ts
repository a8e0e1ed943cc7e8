/**
 * The SNS Publish parameters for a run's summary (and for a failed run), one message per
 * protocol (`MessageStructure: 'json'`):
 *
 * - `email`: plain text for the email subscriptions (ops and finance).
 * - `https`: the AWS Chatbot (Amazon Q Developer in chat applications) custom notification
 *   for Slack. Chatbot subscribes to the topic with protocol `https` (endpoint
 *   `https://global.sns-api.chatbot.amazonaws.com`, as every Chatbot-managed subscription
 *   shows), and SNS delivers the protocol's own key when present, `default` otherwise, so
 *   the Chatbot JSON goes under `https`. Its schema (Chatbot admin guide, "Custom
 *   notifications"): `version` "1.0" and `source` "custom" required; `content` with
 *   `textType` "client-markdown" (the only one supported), `title`, `description`,
 *   `nextSteps[]`, `keywords[]`; `metadata` with `summary`, `eventType`,
 *   `additionalContext` (string values) … Anything else is dropped silently.
 *   The guide states no field limits that we could find; we keep to Slack's own (a text
 *   block holds at most 3,000 characters): description ≤ 3,000, title ≤ 150, at most 5
 *   next steps of ≤ 300 characters each — except the report link, which is never cut (a
 *   pre-signed URL runs to ~2,000 characters): up to CHAT_LINK_MAX, else left out.
 * - `default`: a short plain-text summary for any other subscriber (SQS, Lambda, …).
 *
 * Bounds (SNS): Subject ASCII, no line breaks, under 100 characters; the whole Message under
 * 256 KB of UTF-8 for any report — lists are truncated ("… and N more"), every value from a
 * partner file is clipped, and the size is verified before returning; JSON is never cut.
 */
import type { Discrepancy, Report } from '../report/model.ts';
import { pushAll } from '../report/write.ts';
import { ALL_TYPES, ListFacts } from '../report/merge.ts';
import {
  clip, feedHealthLines, formatAge, formatInt, formatPercent, impactText, keyText, moneyAtRiskText, oneLine, plural, rowsText, sideText, sidesOf, valueText,
} from '../report/text.ts';

export interface SnsNotification {
  Subject: string;
  Message: string;
  MessageStructure: 'json';
}

export interface NotificationOptions {
  /** A link to the full report (e.g. an S3 console or presigned URL). */
  reportUrl?: string;
  /** The report's S3 key, shown when there is no URL. */
  reportKey?: string;
  /** The product label in the subject and chat title (default `oms-recon`), e.g. a stack name. */
  title?: string;
  /**
   * The whole discrepancy list's facts, when `report.discrepancies` holds only some of them
   * (a streamed report: the first new, ongoing and other ones, in report order, enough for
   * the message's list). Default: gathered from the report.
   */
  list?: ListFacts;
}

/** SNS: a message is at most 256 KiB; we stay below with room for the subject and attributes. */
export const MESSAGE_BUDGET_BYTES = 250_000;
/** SNS: Subject must be under 100 characters. */
export const SUBJECT_MAX = 99;
export const CHAT_TITLE_MAX = 150;
export const CHAT_DESCRIPTION_MAX = 3000;
export const CHAT_NEXT_STEPS_MAX = 5;
export const CHAT_NEXT_STEP_MAX = 300;
/** Discrepancies listed in the email. */
export const EMAIL_LIST_MAX = 20;

const DEFAULT_TITLE = 'oms-recon';

// ---------------------------------------------------------------------------------------
// Subject

const TRANSLIT: Record<string, string> = {
  'ß': 'ss', 'ẞ': 'SS', 'æ': 'ae', 'Æ': 'AE', 'œ': 'oe', 'Œ': 'OE', 'ø': 'o', 'Ø': 'O', 'ł': 'l', 'Ł': 'L',
  'đ': 'd', 'Đ': 'D', 'ð': 'd', 'Ð': 'D', 'þ': 'th', 'Þ': 'Th', 'ı': 'i', 'ħ': 'h', 'Ħ': 'H',
  '‘': "'", '’': "'", '‚': "'", '‛': "'", '“': '"', '”': '"', '„': '"', '‟': '"', '«': '"', '»': '"', '‹': "'", '›': "'",
  '–': '-', '—': '-', '―': '-', '−': '-', '‐': '-', '‑': '-', '…': '...', '•': '*', '·': '.', '×': 'x',
  '€': 'EUR', '£': 'GBP', '¥': 'JPY', '©': '(c)', '®': '(R)', '™': '(TM)', '→': '->', '←': '<-', '↔': '<->',
};

/**
 * ASCII-only, single-line text: accents dropped (é → e), common letters and punctuation
 * transliterated (ß → ss, — → -, “ ” → "), anything else removed, whitespace collapsed.
 */
export function toAscii(text: string): string {
  let s = text.normalize('NFKD').replace(/\p{M}+/gu, '');
  s = s.replace(/[^\x00-\x7f]/g, (c) => TRANSLIT[c] ?? (/\s/.test(c) ? ' ' : ''));
  return s.replace(/[\x00-\x1f\x7f]+/g, ' ').replace(/ {2,}/g, ' ').trim();
}

/**
 * `head` + `tail` under SUBJECT_MAX characters, ASCII, one line; the head (label and
 * boundary) is shortened first so the verdict in the tail survives.
 */
export function fitSubject(head: string, tail: string): string {
  const t = clip(toAscii(clip(tail, 400, '')), 60, '...');
  const room = SUBJECT_MAX - t.length - 1;
  const h = clip(toAscii(clip(head, 400, '')), room, '...');
  const s = `${h} ${t}`.replace(/ {2,}/g, ' ').trim();
  return s.length ? clip(s, SUBJECT_MAX, '...') : 'oms-recon notification';
}

// ---------------------------------------------------------------------------------------
// Counting

interface Facts {
  total: number;
  /** Discrepancies in the whole list. */
  count: number;
  /** Why the run compared no key (then it is never "all clear"). */
  nothing?: string;
  newCount: number;
  ongoingCount: number;
  hasStatus: boolean;
  oldestOngoing?: string;
  resolved: number;
  byType: Array<[string, number, number]>; // type, count, new
}

function facts(report: Report, list: ListFacts = ListFacts.of(report)): Facts {
  const { newCount, ongoingCount, newByType } = list;
  const oldest = list.oldestOngoing;
  const counts = (report.summary?.byType ?? {}) as Record<string, number>;
  const names = [...ALL_TYPES.filter((t) => counts[t] !== undefined), ...Object.keys(counts).filter((t) => !ALL_TYPES.includes(t as never))];
  return {
    total: report.summary?.discrepancies ?? list.count,
    count: list.count,
    nothing: typeof report.nothingCompared === 'string' ? report.nothingCompared : undefined,
    newCount,
    ongoingCount,
    hasStatus: newCount + ongoingCount > 0,
    oldestOngoing: oldest,
    resolved: list.resolved,
    byType: names.map((n) => [n, counts[n] ?? 0, newByType.get(n) ?? 0]),
  };
}

/** New ones first, then ongoing, then the rest; report order within each; at most `limit`. */
function topDiscrepancies(ds: readonly Discrepancy[], limit: number): Discrepancy[] {
  const out: Discrepancy[] = [];
  for (const pass of ['new', 'ongoing', undefined] as const) {
    for (const d of ds) {
      if (out.length >= limit) return out;
      const st = d.status === 'new' || d.status === 'ongoing' ? d.status : undefined;
      if (st === pass) out.push(d);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Texts

interface Limits {
  list: number;
  value: number;
  line: number;
}

function subjectFor(report: Report, label: string, f: Facts): string {
  const head = `[${label}] ${valueText(report.boundary)}:`;
  if (f.nothing !== undefined) return fitSubject(head, 'nothing was compared');
  if (f.total === 0) return fitSubject(head, f.resolved ? `all clear (${formatInt(f.resolved)} resolved)` : 'all clear');
  let tail = plural(f.total, 'discrepancy', 'discrepancies');
  if (f.hasStatus) tail += f.newCount ? ` (${formatInt(f.newCount)} new)` : ' (none new)';
  return fitSubject(head, tail);
}

function headline(report: Report, f: Facts): string {
  const [left, right] = sidesOf(report).map((s) => oneLine(s, 30));
  if (f.nothing !== undefined) return `Nothing was compared between ${left} and ${right}: ${oneLine(f.nothing, 1500)}.`;
  if (f.total === 0) {
    let s = `All clear: ${left} and ${right} reconcile, no discrepancies.`;
    if (f.resolved) s += ` ${plural(f.resolved, 'discrepancy', 'discrepancies')} of the previous run resolved.`;
    return s;
  }
  if (!f.hasStatus) return `${plural(f.total, 'discrepancy', 'discrepancies')} between ${left} and ${right}.`;
  const parts: string[] = [];
  parts.push(f.newCount ? `${plural(f.newCount, 'NEW discrepancy', 'NEW discrepancies')}` : 'No new discrepancies');
  if (f.ongoingCount) {
    const age = formatAge(f.oldestOngoing, report.generatedAt);
    parts.push(`${formatInt(f.ongoingCount)} ongoing${age ? ` (oldest open ${age}, since ${oneLine(f.oldestOngoing!, 40)})` : ''}`);
  }
  if (f.resolved) parts.push(`${formatInt(f.resolved)} resolved since the last run`);
  return parts.join('; ') + '.';
}

function figureLines(report: Report): string[] {
  const s = report.summary;
  if (!s) return [];
  const [left, right] = sidesOf(report).map((x) => oneLine(x, 30));
  const keys = s.keys;
  const rate = typeof report.nothingCompared === 'string' ? 'none (no key compared)' : formatPercent(s.matchRate);
  const lines = [
    `Match rate: ${rate} (${formatInt(s.matched)} of ${formatInt(keys)} keys; ${left} ${formatInt(s.left)}, ${right} ${formatInt(s.right)})`,
    `Rows: ${rowsText(s.rows)}`,
  ];
  // Money for money boundaries, units for unit boundaries; both when both are at stake.
  const hasMoney = Object.keys(s.atRisk?.money ?? {}).length > 0;
  const units = s.atRisk?.units ?? 0;
  if (hasMoney || units === 0) lines.splice(1, 0, `Money at risk: ${oneLine(moneyAtRiskText(report), 300)}`);
  if (units !== 0 || !hasMoney) lines.splice(hasMoney || units === 0 ? 2 : 1, 0, `Units at risk: ${formatInt(units)}`);
  if (s.outOfScope) lines.push(`Out of scope (not compared): ${formatInt(s.outOfScope)} keys`);
  return lines;
}

/** A link is never cut (a clipped URL is a broken one): longer than this, it is left out and the key shown. */
export const LINK_MAX = 4096;
/** Slack: a text block holds 3,000 characters; the chat link step may use most of one. */
export const CHAT_LINK_MAX = 2900;

/** The URL when it is whole within `max` characters and holds no whitespace or control character. */
function usableUrl(url: string | undefined, max: number): string | undefined {
  return url && url.length <= max && !/[\s\u0000-\u001f\u007f-\u009f]/.test(url) ? url : undefined;
}

function linkLine(opts: NotificationOptions): string | undefined {
  const url = usableUrl(opts.reportUrl, LINK_MAX);
  if (url) return `Full report: ${url}`;
  if (opts.reportKey) return `Full report: ${oneLine(opts.reportKey, 1000)}`;
  return undefined;
}

function discrepancyLine(report: Report, d: Discrepancy, lim: Limits): string {
  const [left, right] = sidesOf(report);
  const parts: string[] = [];
  const tag = d.status === 'new' ? '[NEW] ' : d.status === 'ongoing' ? '[ongoing] ' : '';
  parts.push(`${tag}${oneLine(valueText(d.type), 40)}${d.kind ? ` (${oneLine(valueText(d.kind), 10)})` : ''} ${keyText(d.key, lim.value)}`);
  if (d.offsetting) parts.push('offsetting');
  if (d.cancelled_on) parts.push(`cancelled on ${oneLine(valueText(d.cancelled_on), 20)}`);
  if (d.delta !== undefined) parts.push(`delta ${oneLine(valueText(d.delta), 40)}`);
  if (d.fields?.length) parts.push(`fields ${oneLine(d.fields.join(', '), lim.value)}`);
  parts.push(`${oneLine(left, 20)}: ${sideText(d[left], lim.value, 4)}`);
  parts.push(`${oneLine(right, 20)}: ${sideText(d[right], lim.value, 4)}`);
  const imp = impactText(d);
  if (imp) parts.push(`at risk ${imp}`);
  if (d.status === 'ongoing' && typeof d.firstSeen === 'string') parts.push(`open since ${oneLine(d.firstSeen, 40)}`);
  return `- ${oneLine(parts.join(' | '), lim.line)}`;
}

function emailText(report: Report, opts: NotificationOptions, label: string, f: Facts, lim: Limits): string {
  const [left, right] = sidesOf(report).map((s) => oneLine(s, 30));
  const out: string[] = [];
  out.push(`${oneLine(label, 60)}: ${oneLine(valueText(report.boundary), 60)} reconciliation (${left} vs ${right})`);
  const meta = [`Generated ${oneLine(valueText(report.generatedAt), 40)}`];
  if (report.runId) meta.push(`run ${oneLine(report.runId, 120)}`);
  out.push(meta.join(', '), '');
  out.push(headline(report, f), '');
  if (f.byType.length) {
    out.push('By type:');
    const w = Math.max(...f.byType.map(([t]) => oneLine(t, 40).length));
    for (const [t, n, nw] of f.byType) {
      out.push(`  ${oneLine(t, 40).padEnd(w)}  ${formatInt(n).padStart(7)}${f.hasStatus && nw ? `  (${formatInt(nw)} new)` : ''}`);
    }
    out.push('');
  }
  pushAll(out, figureLines(report));
  const warnings = report.warnings ?? [];
  const warningTotal = report.truncated?.warnings?.total ?? warnings.length;
  out.push(`Warnings: ${formatInt(warningTotal)}`);
  for (const w of warnings.slice(0, 5)) out.push(`  - ${oneLine(valueText(w.code), 30)}: ${oneLine(valueText(w.message), 200)}`);
  if (warningTotal > 5) out.push(`  - ... and ${formatInt(warningTotal - Math.min(5, warnings.length))} more`);
  const health = feedHealthLines(report, lim.list > 0 ? 12 : 3, lim.value + 40);
  if (health.length) {
    out.push('', 'Feed health:');
    for (const l of health) out.push(`  ${l}`);
  }
  const ds = report.discrepancies ?? [];
  if (f.count && lim.list > 0) {
    const top = topDiscrepancies(ds, lim.list);
    out.push('', f.hasStatus && f.newCount ? `Discrepancies (new first, ${formatInt(top.length)} of ${formatInt(f.count)}):` : `Discrepancies (${formatInt(top.length)} of ${formatInt(f.count)}):`);
    for (const d of top) out.push(discrepancyLine(report, d, lim));
    if (f.count > top.length) out.push(`… and ${formatInt(f.count - top.length)} more (see the full report)`);
  } else if (f.count) {
    out.push('', `${plural(f.count, 'discrepancy', 'discrepancies')} listed in the full report.`);
  }
  const link = linkLine(opts);
  if (link) out.push('', link);
  return out.join('\n') + '\n';
}

function defaultText(report: Report, opts: NotificationOptions, label: string, f: Facts): string {
  const out = [`${oneLine(label, 60)} ${oneLine(valueText(report.boundary), 60)}: ${headline(report, f)}`, ...figureLines(report)];
  for (const w of (report.feedHealth?.warnings ?? []).slice(0, 3)) out.push(`Feed health: ${oneLine(String(w.code), 20)}: ${oneLine(String(w.message), 200)}`);
  const link = linkLine(opts);
  if (link) out.push(link);
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------
// Chatbot

/** Partner data inside a chat code span: one line, bounded, no backticks, no `<…>` control sequences. */
function chatCode(text: string, max: number): string {
  return '`' + oneLine(text, max).replace(/`/g, "'").replace(/</g, '‹').replace(/>/g, '›') + '`';
}

function chatPlain(text: string, max: number): string {
  return oneLine(text, max).replace(/</g, '‹').replace(/>/g, '›');
}

/** Appends lines while the text stays within `max`; returns how many fit. */
function appendWithin(lines: string[], more: string[], max: number): number {
  let size = lines.join('\n').length;
  let n = 0;
  for (const l of more) {
    if (size + 1 + l.length > max) break;
    lines.push(l);
    size += 1 + l.length;
    n++;
  }
  return n;
}

export interface ChatbotNotification {
  version: '1.0';
  source: 'custom';
  id?: string;
  content: {
    textType: 'client-markdown';
    title: string;
    description: string;
    nextSteps?: string[];
    keywords?: string[];
  };
  metadata?: {
    summary?: string;
    eventType?: string;
    additionalContext?: Record<string, string>;
  };
}

function chatId(label: string, boundary: string, runId?: string): string | undefined {
  if (!runId) return undefined;
  return clip(toAscii(`${label}-${boundary}-${runId}`).replace(/[^A-Za-z0-9._:-]+/g, '-'), 128, '');
}

function chatbotMessage(report: Report, opts: NotificationOptions, label: string, f: Facts, subject: string): ChatbotNotification {
  const boundary = oneLine(valueText(report.boundary), 60);
  const [left, right] = sidesOf(report);
  let title: string;
  if (f.nothing !== undefined) title = `:warning: ${label} ${boundary}: nothing was compared`;
  else if (f.total === 0) title = `:white_check_mark: ${label} ${boundary}: all clear`;
  else if (f.hasStatus && f.newCount) title = `:rotating_light: ${label} ${boundary}: ${plural(f.newCount, 'new discrepancy', 'new discrepancies')} (${formatInt(f.total)} open)`;
  else if (f.hasStatus) title = `:warning: ${label} ${boundary}: ${plural(f.total, 'discrepancy', 'discrepancies')} open, none new`;
  else title = `:warning: ${label} ${boundary}: ${plural(f.total, 'discrepancy', 'discrepancies')}`;

  const lines: string[] = [chatPlain(headline(report, f), 600)];
  const s = report.summary;
  if (s) {
    lines.push(`Match rate ${f.nothing !== undefined ? 'none (no key compared)' : formatPercent(s.matchRate)} · at risk ${chatPlain(moneyAtRiskText(report), 300)}${s.atRisk?.units ? ` and ${plural(s.atRisk.units, 'unit')}` : ''}`);
    lines.push(`Rows ${rowsText(s.rows)} · ${plural(report.truncated?.warnings?.total ?? (report.warnings ?? []).length, 'warning')}`);
  }
  const feedWarnings = report.feedHealth?.warnings ?? [];
  if (feedWarnings.length) {
    lines.push(`Feed health: ${feedWarnings.slice(0, 3).map((w) => `${chatCode(w.code, 20)} ${chatPlain(w.message, 200)}`).join('; ')}${feedWarnings.length > 3 ? `; … and ${formatInt(feedWarnings.length - 3)} more` : ''}`);
  }
  if (f.byType.length) {
    lines.push('By type: ' + f.byType.map(([t, n, nw]) => `${chatCode(t, 40)} ${formatInt(n)}${f.hasStatus && nw ? ` (${formatInt(nw)} new)` : ''}`).join(', '));
  }
  const ds = report.discrepancies ?? [];
  const reserve = 80; // room for the "… and N more" line
  if (f.count) {
    const top = topDiscrepancies(ds, 15);
    const items = top.map((d) => {
      const tag = d.status === 'new' ? 'NEW ' : '';
      const delta = d.delta !== undefined ? ` delta ${chatCode(valueText(d.delta), 30)}` : '';
      const cancelled = d.cancelled_on ? ` cancelled on ${chatPlain(valueText(d.cancelled_on), 20)}` : '';
      const imp = impactText(d);
      return `• ${tag}${chatCode(d.type, 40)} ${chatCode(keyText(d.key, 60), 140)}${cancelled}${delta}${imp ? ` at risk ${chatPlain(imp, 60)}` : ''}` +
        ` (${chatPlain(left, 20)}: ${chatCode(sideText(d[left], 30, 3), 100)}, ${chatPlain(right, 20)}: ${chatCode(sideText(d[right], 30, 3), 100)})`;
    });
    lines.push('');
    const shown = appendWithin(lines, items, CHAT_DESCRIPTION_MAX - reserve);
    if (f.count > shown) lines.push(`… and ${formatInt(f.count - shown)} more in the full report`);
  }
  const description = clip(lines.join('\n'), CHAT_DESCRIPTION_MAX);

  const nextSteps: string[] = [];
  if (f.nothing !== undefined) nextSteps.push('Nothing was compared: check that both sides sent their files, and that facility IDs and channel names are written alike on both sides.');
  const chatUrl = usableUrl(opts.reportUrl, CHAT_LINK_MAX - 13);
  const linkStep = chatUrl ? `Full report: ${chatUrl}` : undefined;
  if (linkStep) nextSteps.push(linkStep);
  else if (opts.reportKey) nextSteps.push(`Full report: ${chatCode(opts.reportKey, CHAT_NEXT_STEP_MAX - 15)}`);
  if (f.hasStatus && f.newCount) nextSteps.push('Investigate the new discrepancies first (discrepancies.csv has every row with its source lines).');
  if ((s?.rows.rejected ?? 0) > 0) nextSteps.push(`Fix ${plural(s!.rows.rejected, 'rejected row')}: the report names each file, line and reason.`);
  if (feedWarnings.length) nextSteps.push('Check the feed health: a partner feed is late, empty or much smaller than before (the report lists each feed and partner).');
  if ((report.warnings ?? []).some((w) => w.code === 'coverage_gap')) nextSteps.push('Some facilities sent a count on one side only: check the coverage warnings.');

  const ctx: Record<string, string> = {
    boundary,
    discrepancies: String(f.total),
    matchRate: f.nothing !== undefined ? 'none' : s ? formatPercent(s.matchRate) : '',
  };
  if (f.nothing !== undefined) ctx.nothingCompared = oneLine(f.nothing, 1000);
  if (f.hasStatus) { ctx.new = String(f.newCount); ctx.ongoing = String(f.ongoingCount); }
  if (f.resolved) ctx.resolved = String(f.resolved);
  if (report.runId) ctx.runId = oneLine(report.runId, 200);
  if (opts.reportKey) ctx.reportKey = oneLine(opts.reportKey, 1000);

  const msg: ChatbotNotification = {
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title: clip(chatPlain(title, CHAT_TITLE_MAX * 2), CHAT_TITLE_MAX),
      description,
      nextSteps: nextSteps.slice(0, CHAT_NEXT_STEPS_MAX).map((n) => (n === linkStep ? n : clip(n, CHAT_NEXT_STEP_MAX))),
      keywords: [clip(toAscii(label), 50), clip(toAscii(boundary), 50)].filter(Boolean),
    },
    metadata: {
      summary: clip(subject, 200),
      eventType: f.nothing !== undefined ? 'ReconciliationNothingCompared' : f.total === 0 ? 'ReconciliationClear' : 'ReconciliationDiscrepancies',
      additionalContext: ctx,
    },
  };
  const id = chatId(label, boundary, report.runId);
  if (id) msg.id = id;
  return msg;
}

// ---------------------------------------------------------------------------------------
// Assembly

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

function assemble(parts: { default: string; email: string; https: ChatbotNotification }): string {
  return JSON.stringify({ default: parts.default, email: parts.email, https: JSON.stringify(parts.https) });
}

/** The SNS Publish parameters for a run's report. */
export function buildNotification(report: Report, opts: NotificationOptions = {}): SnsNotification {
  const label = oneLine(opts.title ?? DEFAULT_TITLE, 60) || DEFAULT_TITLE;
  const f = facts(report, opts.list);
  const Subject = subjectFor(report, label, f);
  const https = chatbotMessage(report, opts, label, f, Subject);
  const dflt = defaultText(report, opts, label, f);
  // Every piece is bounded by construction; shrink the list anyway if an extreme report
  // (multi-byte text everywhere) would still go over the budget.
  const attempts: Limits[] = [
    { list: EMAIL_LIST_MAX, value: 80, line: 400 },
    { list: EMAIL_LIST_MAX, value: 40, line: 200 },
    { list: 5, value: 40, line: 200 },
    { list: 0, value: 20, line: 100 },
  ];
  let Message = '';
  for (const lim of attempts) {
    Message = assemble({ default: dflt, email: emailText(report, opts, label, f, lim), https });
    if (byteLength(Message) <= MESSAGE_BUDGET_BYTES) return { Subject, Message, MessageStructure: 'json' };
  }
  // Unreachable with the bounds above; a last resort that still yields valid JSON.
  Message = assemble({ default: clip(dflt, 20_000), email: clip(dflt, 20_000), https });
  return { Subject, Message, MessageStructure: 'json' };
}

