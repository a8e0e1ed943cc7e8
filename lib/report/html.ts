/**
 * `report.html`: the report as one self-contained page a person opens in a browser — the
 * summary, charts of discrepancies by type and of money and units at risk, new / ongoing /
 * resolved, the files, feed health (or any other section the report carries), rejected rows,
 * warnings and the full discrepancy table (sortable, filterable, paged).
 *
 * Safety: every value from a partner file (keys, values, file names, reasons) travels as
 * JSON inside `<script type="application/json">`, with `<`, `>`, `&`, U+2028 and U+2029
 * written as `\uXXXX` (so `</script>` and `<!--` cannot end or alter the block), and the
 * page's script puts it on screen with `textContent` / `createTextNode` only — never as
 * markup. A Content-Security-Policy allows no network at all (`default-src 'none'`) and only
 * this page's own script and style (by hash), so not even an injected handler could run.
 *
 * Formatting is done here, in Node, with the helpers of text.ts (the same text as
 * summary.md and the console); the page only formats row counts, with text.ts's
 * `formatInt` itself (its source is embedded).
 */
import { createHash } from 'node:crypto';
import type { Discrepancy, Report } from './model.ts';
import { ALL_TYPES, ListFacts, SummaryTotals } from './merge.ts';
import { BOUNDARY } from '../boundaries/index.ts';
import {
  formatAge, formatInt, formatPercent, impactText, moneyAtRiskText, plural, rowsText, sidesOf, valueText,
} from './text.ts';

/** Discrepancies embedded in the page; a larger report says how many more the CSV holds. */
export const HTML_MAX_ROWS = 250_000;
/** Rejected rows embedded in the page (report.json holds all of them). */
export const HTML_MAX_REJECTED = 100_000;
/** Rows of any other table (warnings, resolved, files, feed health…). */
export const HTML_MAX_TABLE = 100_000;
/** Rows stringified at a time. */
export const HTML_ROW_BATCH = 1000;

type Cell = string | number | boolean | null;

/** A small table for the page: column labels (numeric columns sort as numbers) and rows. */
interface TableData {
  columns: Array<{ label: string; num?: boolean }>;
  rows: Cell[][];
  /** Rows the report had beyond those embedded. */
  more?: number;
}

/** Row of the discrepancy table (positional, to keep a 100k-row page small). */
export type DiscrepancyRow = [
  type: number,
  key: Cell[],
  left: Cell[] | string | null,
  right: Cell[] | string | null,
  delta: Cell,
  risk: string,
  riskValue: number | null,
  status: 0 | 1 | 2,
  firstSeen: string | null,
  details: Array<[string, string]> | null,
  /** side index, file index, line — repeated */
  sources: number[],
];

const STANDARD_FIELDS = new Set(['type', 'key', 'sources', 'impact', 'delta', 'status', 'firstSeen']);
const KNOWN_SECTIONS = new Set(['boundary', 'sides', 'generatedAt', 'runId', 'summary', 'files', 'discrepancies', 'rejected', 'warnings', 'resolved']);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A JSON primitive for a cell: numbers and booleans stay, anything else as text. */
function cellOf(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  return valueText(v);
}

function trimNulls(a: Cell[]): Cell[] {
  let n = a.length;
  while (n > 0 && a[n - 1] === null) n--;
  return n === a.length ? a : a.slice(0, n);
}

/** `camelCase` / `snake_case` section names as a heading: `feedHealth` → `Feed health`. */
export function sectionTitle(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').trim().toLowerCase();
  return words ? words[0].toUpperCase() + words.slice(1) : name;
}

/** Any array of objects (or object) as a table: one column per field, in first-seen order. */
function genericTable(value: unknown): TableData {
  const items: unknown[] = Array.isArray(value) ? value : isPlainObject(value) ? Object.entries(value).map(([k, v]) => (isPlainObject(v) ? { name: k, ...v } : { name: k, value: v })) : [value];
  const fields: string[] = [];
  const seen = new Set<string>();
  const shown = items.slice(0, HTML_MAX_TABLE);
  for (const it of shown) {
    if (!isPlainObject(it)) { if (!seen.has('value')) { seen.add('value'); fields.push('value'); } continue; }
    for (const k of Object.keys(it)) if (!seen.has(k)) { seen.add(k); fields.push(k); }
  }
  const rows = shown.map((it) => fields.map((f) => (isPlainObject(it) ? cellOf(Object.hasOwn(it, f) ? it[f] : null) : f === 'value' ? cellOf(it) : null)));
  const num = fields.map((_, j) => rows.length > 0 && rows.every((r) => r[j] === null || typeof r[j] === 'number'));
  return { columns: fields.map((f, j) => ({ label: f, num: num[j] || undefined })), rows, more: items.length > shown.length ? items.length - shown.length : undefined };
}

/** Feed health (feed-health.ts) as one row per feed and partner prefix, its warnings' messages in the last column. */
function feedHealthRows(value: unknown): unknown {
  if (!isPlainObject(value) || !Array.isArray(value.feeds)) return value;
  const warnings = Array.isArray(value.warnings) ? (value.warnings as Array<Record<string, unknown>>) : [];
  return (value.feeds as Array<Record<string, unknown>>).map((e) => ({
    feed: e.feed, partner: e.partner ?? null, lastFileAt: e.lastFileAt ?? null, lastFile: e.lastFile ?? null, rows: e.rows,
    previousRows: e.previousRows ?? null, newThisRun: e.arrived !== false,
    warnings: warnings.filter((w) => w.feed === e.feed && w.partner === e.partner).map((w) => `${String(w.code)}: ${String(w.message)}`).join('; ') || null,
  }));
}

/**
 * What the page needs from every discrepancy beyond the rows it shows: the types, money and
 * units at risk per type (the summary's own exact arithmetic), and the columns of the rows it
 * embeds (the first HTML_MAX_ROWS). Gathered one at a time, so a streamed report gives the
 * same page as one held in memory. Nothing here depends on new / ongoing (see ListFacts).
 */
export class HtmlFacts {
  count = 0;
  readonly types = new Set<string>();
  readonly risk = new Map<string, SummaryTotals>();
  readonly keyFields: string[] = [];
  private readonly seenKey = new Set<string>();
  readonly sideFields: [string[], string[]] = [[], []];
  private readonly seenSide = [new Set<string>(), new Set<string>()];
  private readonly sides: [string, string];

  constructor(report: Report) {
    this.sides = sidesOf(report);
    for (const k of BOUNDARY[report.boundary]?.keyFields ?? []) { this.seenKey.add(k); this.keyFields.push(k); }
  }

  add(d: Discrepancy): void {
    this.count++;
    this.types.add(d.type);
    let totals = this.risk.get(d.type);
    if (!totals) this.risk.set(d.type, (totals = new SummaryTotals()));
    totals.add(d);
    if (this.count > HTML_MAX_ROWS) return;
    for (const k of Object.keys(d.key ?? {})) if (!this.seenKey.has(k)) { this.seenKey.add(k); this.keyFields.push(k); }
    for (const j of [0, 1] as const) {
      const v = d[this.sides[j]];
      if (isPlainObject(v)) for (const f of Object.keys(v)) if (!this.seenSide[j].has(f)) { this.seenSide[j].add(f); this.sideFields[j].push(f); }
    }
  }

  static of(report: Report): HtmlFacts {
    const f = new HtmlFacts(report);
    for (const d of report.discrepancies ?? []) f.add(d);
    return f;
  }
}

export interface HtmlPage {
  /** Rows to embed: the first `shown` discrepancies (at most HTML_MAX_ROWS). */
  shown: number;
  /** A discrepancy's row; file names are added to the head's file list as rows are made, so make the rows first. */
  row: (d: Discrepancy) => DiscrepancyRow;
  /** The head, once the rows are made; `list` tells new / ongoing / resolved of the whole list. */
  head: (list: ListFacts) => Record<string, unknown>;
}

/** The page's data (head and rows): everything formatted here, with text.ts. */
export function htmlData(report: Report): { head: Record<string, unknown>; rows: DiscrepancyRow[] } {
  const page = htmlPage(report);
  const rows = (report.discrepancies ?? []).slice(0, page.shown).map(page.row);
  return { head: page.head(ListFacts.of(report)), rows };
}

/**
 * The page's parts for `report`, whose `discrepancies` need only hold the rows shown when
 * `facts` are given (a streamed report), and whose `resolved` need only hold the first
 * HTML_MAX_TABLE.
 */
export function htmlPage(report: Report, facts: HtmlFacts = HtmlFacts.of(report)): HtmlPage {
  const [left, right] = sidesOf(report);
  const s = report.summary;
  const total = s?.discrepancies ?? facts.count;
  const shown = Math.min(facts.count, HTML_MAX_ROWS);

  // Types: SPEC order first, then any other type the report has (a new type shows as is).
  const byType = (s?.byType ?? {}) as Record<string, number>;
  const present = new Set<string>([...Object.keys(byType), ...facts.types]);
  const types = [...ALL_TYPES.filter((t) => present.has(t)), ...[...present].filter((t) => !ALL_TYPES.includes(t as never)).sort()];
  const typeIndex = new Map(types.map((t, i) => [t, i]));

  // Discrepancy rows.
  const { keyFields, sideFields } = facts;
  const files: string[] = [];
  const fileIndex = new Map<string, number>();
  const fileOf = (f: unknown): number => {
    const name = valueText(f);
    let i = fileIndex.get(name);
    if (i === undefined) { i = files.length; files.push(name); fileIndex.set(name, i); }
    return i;
  };
  const sideNames = [left, right];
  const sideView = (v: unknown, j: 0 | 1): Cell[] | string | null => {
    if (v === null || v === undefined) return null;
    if (!isPlainObject(v)) return valueText(v); // a side that is a plain value, not fields: its text
    return trimNulls(sideFields[j].map((f) => (Object.hasOwn(v, f) ? cellOf(v[f]) : null)));
  };
  const keyCells = (key: Record<string, string> | undefined): Cell[] => {
    const out: Cell[] = [];
    if (!key) return out;
    for (const k of keyFields) out.push(Object.hasOwn(key, k) ? cellOf(key[k]) : null);
    return trimNulls(out);
  };
  const rowOf = (d: Discrepancy): DiscrepancyRow => {
    let details: Array<[string, string]> | null = null;
    for (const k in d) {
      if (!Object.hasOwn(d, k) || STANDARD_FIELDS.has(k) || k === left || k === right) continue;
      const v = d[k];
      if (v !== undefined) (details ??= []).push([k, Array.isArray(v) ? v.map(valueText).join(', ') : valueText(v)]);
    }
    const sources: number[] = [];
    for (const src of d.sources ?? []) {
      const side = sideNames.indexOf(String(src.side));
      sources.push(side < 0 ? 2 : side, fileOf(src.file), Number(src.line) || 0);
    }
    const money = d.impact?.money ? Number(d.impact.money.amount) : NaN;
    const units = typeof d.impact?.units === 'number' ? d.impact.units : NaN;
    const riskValue = Number.isFinite(money) ? Math.abs(money) : Number.isFinite(units) ? Math.abs(units) : null;
    return [
      typeIndex.get(d.type) ?? 0,
      keyCells(d.key),
      sideView(d[left], 0),
      sideView(d[right], 1),
      cellOf(d.delta),
      impactText(d),
      riskValue,
      d.status === 'new' ? 1 : d.status === 'ongoing' ? 2 : 0,
      d.firstSeen ?? null,
      details,
      sources,
    ];
  };

  const head = (list: ListFacts): Record<string, unknown> => {
    // Headline, as summary.md says it.
    const newCount = list.newCount;
    const ongoingCount = list.ongoingCount;
    const hasStatus = newCount + ongoingCount > 0 || report.resolved !== undefined;
    let headline: string;
    let oldest: string | undefined;
    if (total === 0) headline = `All clear: ${left} and ${right} reconcile — no discrepancies.`;
    else {
      headline = plural(total, 'discrepancy', 'discrepancies');
      if (newCount || ongoingCount) {
        headline += ` — ${formatInt(newCount)} new, ${formatInt(ongoingCount)} ongoing`;
        oldest = list.oldestOngoing;
        const age = formatAge(oldest, report.generatedAt);
        if (oldest && age) headline += ` (oldest open since ${oldest}, ${age})`;
      }
      headline += '.';
    }

    const figures: Array<[string, string]> = [];
    if (s) {
      figures.push(
        ['Match rate', `${formatPercent(s.matchRate)} (${formatInt(s.matched)} of ${formatInt(Math.max(s.keys, 0))} keys matched)`],
        ['Keys', `${left} ${formatInt(s.left)}, ${right} ${formatInt(s.right)}`],
        ['Money at risk', moneyAtRiskText(report)],
        ['Units at risk', formatInt(s.atRisk?.units ?? 0)],
        ['Rows', rowsText(s.rows)],
      );
      if (s.outOfScope) figures.push(['Out of scope (not compared)', `${formatInt(s.outOfScope)} keys`]);
    }
    figures.push(['Rejected rows', formatInt((report.rejected ?? []).length)], ['Warnings', formatInt((report.warnings ?? []).length)]);

    // At risk per type: the summary's own exact arithmetic (SummaryTotals) on each type's discrepancies.
    const currencies = Object.keys(s?.atRisk?.money ?? {});
    const risk = types.map((t) => {
      const totals = facts.risk.get(t) ?? new SummaryTotals();
      const sum = totals.summary({ left: 0, right: 0, keys: 0, matched: 0, outOfScope: 0, rows: { read: 0, used: 0, rejected: 0 } });
      for (const c of Object.keys(sum.atRisk.money)) if (!currencies.includes(c)) currencies.push(c);
      return { type: t, count: byType[t] ?? totals.count, money: sum.atRisk.money, units: sum.atRisk.units };
    });

    const fileStats = report.files ?? [];
    const skipped = fileStats.some((f) => f.skipped);
    const filesTable: TableData = {
      columns: [{ label: 'File' }, { label: 'Feed' }, { label: 'Side' }, { label: 'Format' }, { label: 'Preset' }, { label: 'Read', num: true }, { label: 'Used', num: true }, { label: 'Rejected', num: true }, ...(skipped ? [{ label: 'Skipped', num: true }] : [])],
      rows: fileStats.slice(0, HTML_MAX_TABLE).map((f) => [f.file, f.feed, f.side, f.format, f.preset ?? '', f.read, f.used, f.rejected, ...(skipped ? [f.skipped ?? 0] : [])]),
      more: fileStats.length > HTML_MAX_TABLE ? fileStats.length - HTML_MAX_TABLE : undefined,
    };
    const rejectedAll = report.rejected ?? [];
    const rejected: TableData = {
      columns: [{ label: 'File' }, { label: 'Line', num: true }, { label: 'Reason' }],
      rows: rejectedAll.slice(0, HTML_MAX_REJECTED).map((r) => [valueText(r.file), r.line, valueText(r.reason)]),
      more: rejectedAll.length > HTML_MAX_REJECTED ? rejectedAll.length - HTML_MAX_REJECTED : undefined,
    };
    const warningsAll = report.warnings ?? [];
    const warnings: TableData = {
      columns: [{ label: 'Code' }, { label: 'Message' }, { label: 'File' }, { label: 'Lines' }],
      rows: warningsAll.slice(0, HTML_MAX_TABLE).map((w) => [valueText(w.code), valueText(w.message), valueText(w.file), (w.lines ?? []).slice(0, 20).join(', ') + ((w.lines?.length ?? 0) > 20 ? ', …' : '')]),
      more: warningsAll.length > HTML_MAX_TABLE ? warningsAll.length - HTML_MAX_TABLE : undefined,
    };
    const resolvedAll = report.resolved ?? [];
    const resolvedCount = list.resolved;
    const resolved: TableData | undefined = report.resolved === undefined ? undefined : {
      columns: [{ label: 'Type' }, ...keyFields.map((k) => ({ label: k })), { label: 'First seen' }],
      rows: resolvedAll.slice(0, HTML_MAX_TABLE).map((r) => [valueText(r.type), ...keyFields.map((k) => cellOf(r.key?.[k])), r.firstSeen ?? null]),
      more: resolvedCount > HTML_MAX_TABLE ? resolvedCount - HTML_MAX_TABLE : undefined,
    };

    // Anything else the report carries (feed health, say): a section of its own, as a table.
    const extra: Array<{ name: string; title: string; table: TableData }> = [];
    for (const [name, value] of Object.entries(report)) {
      if (KNOWN_SECTIONS.has(name) || value === undefined || value === null || typeof value !== 'object') continue;
      extra.push({ name, title: sectionTitle(name), table: genericTable(name === 'feedHealth' ? feedHealthRows(value) : value) });
    }

    const title = `Reconciliation: ${report.boundary} (${left} vs ${right})`;
    const meta = [`Generated ${report.generatedAt ?? ''}`];
    if (report.runId) meta.push(`run ${report.runId}`);

    const result: Record<string, unknown> = {
      title, meta, headline, clear: total === 0, figures, sides: [left, right], types, risk, currencies,
      units: s?.atRisk?.units ?? 0,
      status: hasStatus ? { new: newCount, ongoing: ongoingCount, resolved: resolvedCount, oldest: oldest ?? null } : null,
      resolved, files: filesTable, rejected, warnings, extra,
      table: { keyFields, sideFields, files, total: facts.count, shown, hasStatus: list.anyStatus, hasFirstSeen: list.anyFirstSeen },
    };
    return result;
  };
  return { shown, row: rowOf, head };
}

// ---------------------------------------------------------------------------------------
// The page

/** JSON that is safe inside `<script type="application/json">`: `<`, `>`, `&`, U+2028/9 escaped. */
export function scriptSafeJson(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const STYLE = `
:root{--fg:#1d2430;--muted:#5b6675;--line:#d9dee5;--bg:#fff;--soft:#f4f6f9;--accent:#1f5fbf;--bad:#b42318;--ok:#1a7f37;--warn:#9a6700}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:20px 28px 12px;border-bottom:1px solid var(--line)}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:28px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
main{padding:0 28px 40px;max-width:1600px}
.meta{color:var(--muted);font-size:13px}
nav{margin-top:8px;font-size:13px}
nav a{color:var(--accent);margin-right:14px;text-decoration:none}
.headline{font-size:17px;font-weight:600;margin:18px 0 6px}
.headline.bad{color:var(--bad)}.headline.ok{color:var(--ok)}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:8px;margin:10px 0}
.figure{background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:8px 10px}
.figure .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.03em}
.figure .value{font-weight:600;overflow-wrap:anywhere}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(380px,1fr));gap:16px}
.chart{border:1px solid var(--line);border-radius:6px;padding:8px 12px;break-inside:avoid;max-width:760px}
.chart h3{font-size:14px;margin:2px 0 6px}
.chart svg{width:100%;height:auto;display:block}
.chart svg text{font:12px system-ui,sans-serif;fill:var(--fg)}
.chart svg text.v{fill:var(--muted)}
.none{color:var(--muted);font-style:italic}
.controls{display:flex;flex-wrap:wrap;gap:8px;align-items:end;margin:6px 0 8px}
.controls label{display:flex;flex-direction:column;font-size:12px;color:var(--muted)}
.controls input,.controls select{font:inherit;padding:4px 6px;border:1px solid var(--line);border-radius:4px;min-width:150px}
.pager{display:flex;gap:6px;align-items:center;margin:6px 0;font-size:13px;color:var(--muted)}
button{font:inherit;padding:3px 10px;border:1px solid var(--line);border-radius:4px;background:var(--soft);cursor:pointer}
button:disabled{opacity:.45;cursor:default}
.scroll{overflow-x:auto;border:1px solid var(--line);border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:var(--soft);position:sticky;top:0;white-space:nowrap;cursor:pointer;user-select:none}
th[aria-sort=ascending]::after{content:" \\25B2";font-size:10px}
th[aria-sort=descending]::after{content:" \\25BC";font-size:10px}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td{overflow-wrap:anywhere;max-width:420px}
code,.type{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.type{font-weight:600}
.muted{color:var(--muted)}
.absent{color:var(--muted);font-style:italic}
.kv{display:block;white-space:pre-wrap}
.kv .k{color:var(--muted)}
.tag{display:inline-block;font-size:11px;padding:0 6px;border-radius:9px;border:1px solid var(--line);margin:2px 4px 0 0;background:var(--soft)}
.tag.new{border-color:var(--bad);color:var(--bad)}
.status-grid{display:flex;gap:10px;flex-wrap:wrap}
.status-grid .figure{min-width:160px}
.note{color:var(--muted);font-size:12px;margin:4px 0}
.print-only{display:none}
[hidden]{display:none!important}
td.key{white-space:nowrap}
@media print{
  @page{margin:12mm}
  body{font-size:10.5px}
  header{padding:0 0 6px}
  main{padding:0;max-width:none}
  nav,.controls,.pager,noscript{display:none!important}
  .print-only{display:block}
  .scroll{overflow:visible;border:0}
  table{font-size:9.5px}
  th{position:static;background:#eee!important;-webkit-print-color-adjust:exact;print-color-adjust:exact}
  thead{display:table-header-group}
  tr,.figure,.chart{break-inside:avoid}
  td{max-width:none}
  h2{break-after:avoid}
  a{color:inherit;text-decoration:none}
}
`;

/* The page's script. Runs on the embedded data only; partner text is set with textContent
   (never innerHTML). FORMAT_INT is replaced by text.ts's formatInt. */
const SCRIPT = String.raw`(function () {
"use strict";
var formatInt = (FORMAT_INT);
var data = JSON.parse(document.getElementById("report-data").textContent);
var head = data.head, rows = data.rows;
var PALETTE = ["#1f5fbf","#c2410c","#15803d","#7c3aed","#b42318","#0e7490","#a16207","#be185d","#4d7c0f","#475569","#9333ea","#0369a1","#b45309","#047857","#6d28d9","#dc2626"];

function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
function svg(tag, attrs, text) {
  var e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, String(attrs[k]));
  if (text !== undefined) e.textContent = String(text);
  return e;
}
function txt(v) { return v === null || v === undefined ? "" : String(v); }
function section(id, title) {
  var s = el("section"); s.id = id;
  s.appendChild(el("h2", null, title));
  document.getElementById("content").appendChild(s);
  var a = el("a", null, title); a.href = "#" + id;
  document.getElementById("nav").appendChild(a);
  return s;
}

/* ---- header ---- */
document.title = head.title;
document.getElementById("title").textContent = head.title;
document.getElementById("meta").textContent = head.meta.join(" · ");

/* ---- summary ---- */
var sum = section("summary", "Summary");
sum.appendChild(el("p", "headline " + (head.clear ? "ok" : "bad"), head.headline));
var figs = el("div", "figures");
head.figures.forEach(function (f) {
  var box = el("div", "figure");
  box.appendChild(el("div", "label", f[0]));
  box.appendChild(el("div", "value", f[1]));
  figs.appendChild(box);
});
sum.appendChild(figs);

/* ---- charts ---- */
function barChart(title, items) {
  var box = el("div", "chart");
  box.appendChild(el("h3", null, title));
  if (!items.length) { box.appendChild(el("p", "none", "None.")); return box; }
  var max = 0;
  items.forEach(function (it) { if (it.value > max) max = it.value; });
  var labelW = 190, barW = 300, valueW = 130, rowH = 24, W = labelW + barW + valueW;
  var s = svg("svg", { viewBox: "0 0 " + W + " " + (items.length * rowH + 4), role: "img" });
  s.appendChild(svg("title", {}, title));
  items.forEach(function (it, i) {
    var y = i * rowH + 2;
    var w = max > 0 ? Math.max(it.value > 0 ? 2 : 0, Math.round(barW * it.value / max)) : 0;
    s.appendChild(svg("text", { x: labelW - 8, y: y + 16, "text-anchor": "end" }, it.label.length > 28 ? it.label.slice(0, 27) + "\u2026" : it.label));
    s.appendChild(svg("rect", { x: labelW, y: y + 3, width: w, height: rowH - 8, rx: 2, fill: it.color }));
    s.appendChild(svg("text", { x: labelW + w + 6, y: y + 16, "class": "v" }, it.text));
  });
  box.appendChild(s);
  return box;
}
var typeColor = function (i) { return PALETTE[i % PALETTE.length]; };
var ch = section("charts", "Charts");
var grid = el("div", "charts");
grid.appendChild(barChart("Discrepancies by type", head.risk.filter(function (r) { return r.count > 0; }).map(function (r) {
  return { label: r.type, value: r.count, text: formatInt(r.count), color: typeColor(head.types.indexOf(r.type)) };
})));
head.currencies.forEach(function (cur) {
  grid.appendChild(barChart("Money at risk (" + (cur || "no currency") + ") by type", head.risk.filter(function (r) { return Object.prototype.hasOwnProperty.call(r.money, cur); }).map(function (r) {
    return { label: r.type, value: Number(r.money[cur]) || 0, text: (cur ? cur + " " : "") + r.money[cur], color: typeColor(head.types.indexOf(r.type)) };
  })));
});
if (head.units > 0 || !head.currencies.length) {
  grid.appendChild(barChart("Units at risk by type", head.risk.filter(function (r) { return r.units > 0; }).map(function (r) {
    return { label: r.type, value: r.units, text: formatInt(r.units), color: typeColor(head.types.indexOf(r.type)) };
  })));
}
ch.appendChild(grid);

/* ---- a sortable, filterable, paged table ---- */
function Grid(opts) {
  var self = this;
  self.opts = opts;
  self.order = null; self.filtered = null; self.page = 0; self.size = opts.pageSize || 100;
  self.sortCol = -1; self.sortDir = 1;
  var wrap = el("div");
  self.pagerTop = el("div", "pager");
  self.printNote = el("p", "note print-only");
  self.table = el("table");
  var thead = el("thead"), tr = el("tr");
  self.ths = opts.columns.map(function (c, j) {
    var th = el("th", c.num ? "num" : null, c.label);
    if (c.sort) {
      th.tabIndex = 0;
      th.title = "Sort by " + c.label;
      var go = function () { self.sortBy(j); };
      th.addEventListener("click", go);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(); } });
    } else th.style.cursor = "default";
    tr.appendChild(th);
    return th;
  });
  thead.appendChild(tr);
  self.table.appendChild(thead);
  self.tbody = el("tbody");
  self.table.appendChild(self.tbody);
  var scroll = el("div", "scroll");
  scroll.appendChild(self.table);
  wrap.appendChild(self.pagerTop);
  wrap.appendChild(self.printNote);
  wrap.appendChild(scroll);
  self.pagerBottom = el("div", "pager");
  wrap.appendChild(self.pagerBottom);
  opts.parent.appendChild(wrap);
  self.applyFilter();
}
Grid.prototype.applyFilter = function () {
  var n = this.opts.count, keep = this.opts.keep, out = [];
  for (var i = 0; i < n; i++) if (!keep || keep(i)) out.push(i);
  this.filtered = out;
  this.sortRows();
  this.page = 0;
  this.render();
};
Grid.prototype.sortBy = function (j) {
  if (this.sortCol === j) this.sortDir = -this.sortDir; else { this.sortCol = j; this.sortDir = 1; }
  this.ths.forEach(function (th, k) { if (k === j) th.setAttribute("aria-sort", this.sortDir > 0 ? "ascending" : "descending"); else th.removeAttribute("aria-sort"); }, this);
  this.sortRows();
  this.page = 0;
  this.render();
};
Grid.prototype.sortRows = function () {
  if (this.sortCol < 0) return;
  var key = this.opts.columns[this.sortCol].sort, dir = this.sortDir;
  var keys = new Array(this.opts.count);
  this.filtered.forEach(function (i) { keys[i] = key(i); });
  this.filtered.sort(function (a, b) {
    var x = keys[a], y = keys[b];
    var xe = x === null || x === undefined || x === "", ye = y === null || y === undefined || y === "";
    if (xe || ye) return xe === ye ? a - b : xe ? 1 : -1; /* blanks last either way */
    var c;
    if (typeof x === "number" && typeof y === "number") c = x - y;
    else { x = String(x); y = String(y); c = x < y ? -1 : x > y ? 1 : 0; }
    return c ? c * dir : a - b;
  });
};
Grid.prototype.pages = function () { return Math.max(1, Math.ceil(this.filtered.length / this.size)); };
Grid.prototype.render = function (all) {
  var self = this, f = self.filtered, from = all ? 0 : self.page * self.size, to = all ? f.length : Math.min(f.length, from + self.size);
  var body = el("tbody");
  for (var r = from; r < to; r++) {
    var i = f[r], tr = el("tr");
    self.opts.columns.forEach(function (c) {
      var td = el("td", c.num ? "num" : null);
      c.cell(td, i);
      tr.appendChild(td);
    });
    body.appendChild(tr);
  }
  if (to === from) {
    var tr0 = el("tr"), td0 = el("td", "none", self.opts.count ? "No rows match the filter." : "None.");
    td0.colSpan = self.opts.columns.length;
    tr0.appendChild(td0);
    body.appendChild(tr0);
  }
  self.table.replaceChild(body, self.tbody);
  self.tbody = body;
  var status = f.length ? "Rows " + formatInt(from + 1) + "\u2013" + formatInt(to) + " of " + formatInt(f.length) : "0 rows";
  if (f.length !== self.opts.count) status += " (filtered from " + formatInt(self.opts.count) + ")";
  self.printNote.textContent = "Printed: " + status + (self.opts.more ? "; " + self.opts.more : "") + ".";
  [self.pagerTop, self.pagerBottom].forEach(function (p, k) {
    /* A short table needs no pager; the discrepancy table always shows its count. */
    p.hidden = self.opts.compact && self.opts.count <= self.size || k === 1 && f.length <= self.size;
    self.fillPager(p, status, k === 0);
  });
};
Grid.prototype.fillPager = function (p, status, top) {
  var self = this;
  while (p.firstChild) p.removeChild(p.firstChild);
  var btn = function (label, page, disabled) {
    var b = el("button", null, label);
    b.type = "button";
    b.disabled = disabled;
    b.addEventListener("click", function () { self.page = page; self.render(); });
    p.appendChild(b);
  };
  var last = self.pages() - 1;
  btn("\u00ab First", 0, self.page === 0);
  btn("\u2039 Prev", Math.max(0, self.page - 1), self.page === 0);
  p.appendChild(el("span", "status", status + " \u00b7 page " + formatInt(self.page + 1) + " of " + formatInt(last + 1)));
  btn("Next \u203a", Math.min(last, self.page + 1), self.page >= last);
  btn("Last \u00bb", last, self.page >= last);
  if (top) {
    var sel = el("select");
    sel.title = "Rows per page";
    [25, 100, 250, 1000].forEach(function (n) { var o = el("option", null, n + " per page"); o.value = String(n); if (n === self.size) o.selected = true; sel.appendChild(o); });
    sel.addEventListener("change", function () { self.size = Number(sel.value); self.page = 0; self.render(); });
    p.appendChild(sel);
    if (self.opts.more) p.appendChild(el("span", "note", self.opts.more));
  }
};

function debounce(fn) { var t; return function () { clearTimeout(t); t = setTimeout(fn, 120); }; }
function textInput(controls, label, placeholder, onChange) {
  var l = el("label", null, label), inp = el("input");
  inp.type = "search"; inp.placeholder = placeholder;
  inp.addEventListener("input", debounce(onChange));
  l.appendChild(inp); controls.appendChild(l);
  return inp;
}

/** A table of plain cells (files, rejected rows, warnings, resolved, feed health…), with one text filter. */
function simpleTable(parent, name, t) {
  if (!t.rows.length) { parent.appendChild(el("p", "none", "None.")); return; }
  var controls = el("div", "controls");
  controls.hidden = t.rows.length <= 10; /* a filter box for a longer table only */
  parent.appendChild(controls);
  var lower = null, query = "";
  var inp = textInput(controls, "Filter", "any text", function () { query = inp.value.trim().toLowerCase(); grid.applyFilter(); });
  inp.name = name + "-filter";
  var grid = new Grid({
    parent: parent, count: t.rows.length, pageSize: 25, compact: true,
    more: t.more ? formatInt(t.more) + " more in report.json" : "",
    keep: function (i) {
      if (!query) return true;
      if (!lower) lower = t.rows.map(function (r) { return r.map(txt).join("\u0000").toLowerCase(); });
      return lower[i].indexOf(query) >= 0;
    },
    columns: t.columns.map(function (c, j) {
      return { label: c.label, num: c.num, sort: function (i) { return t.rows[i][j]; }, cell: function (td, i) { td.textContent = txt(t.rows[i][j]); } };
    })
  });
  parent.lastChild.setAttribute("data-table", name);
}

/* ---- new / ongoing / resolved ---- */
if (head.status) {
  var st = section("changes", "Since the previous run");
  var g = el("div", "status-grid");
  [["New", head.status.new], ["Ongoing", head.status.ongoing], ["Resolved", head.status.resolved]].forEach(function (p) {
    var box = el("div", "figure");
    box.appendChild(el("div", "label", p[0]));
    box.appendChild(el("div", "value", formatInt(p[1])));
    g.appendChild(box);
  });
  st.appendChild(g);
  var sg = el("div", "charts");
  st.appendChild(sg);
  sg.appendChild(barChart("New, ongoing and resolved", [
    { label: "new", value: head.status.new, text: formatInt(head.status.new), color: "#b42318" },
    { label: "ongoing", value: head.status.ongoing, text: formatInt(head.status.ongoing), color: "#a16207" },
    { label: "resolved", value: head.status.resolved, text: formatInt(head.status.resolved), color: "#1a7f37" }
  ]));
  if (head.resolved && head.resolved.rows.length) {
    st.appendChild(el("h3", null, "Resolved since the previous run"));
    simpleTable(st, "resolved", head.resolved);
  }
}

/* ---- other sections of the report (feed health…) ---- */
head.extra.forEach(function (x) {
  var s = section("extra-" + x.name.replace(/[^A-Za-z0-9_-]/g, "_"), x.title);
  simpleTable(s, x.name, x.table);
});

var fs = section("files", "Files");
simpleTable(fs, "files", head.files);
var rj = section("rejected", "Rejected rows (" + formatInt(head.rejected.rows.length + (head.rejected.more || 0)) + ")");
simpleTable(rj, "rejected", head.rejected);
var ws = section("warnings", "Warnings (" + formatInt(head.warnings.rows.length + (head.warnings.more || 0)) + ")");
simpleTable(ws, "warnings", head.warnings);

/* ---- discrepancies ---- */
var T = head.table, sides = head.sides;
var ds = section("discrepancies", "Discrepancies (" + formatInt(T.total) + ")");
if (T.shown < T.total) ds.appendChild(el("p", "note", "This page holds the first " + formatInt(T.shown) + " of " + formatInt(T.total) + " discrepancies; discrepancies.csv and report.json hold all of them."));
var controls = el("div", "controls");
ds.appendChild(controls);
var typeSel = el("select"); typeSel.name = "type";
var tl = el("label", null, "Type");
var optAll = el("option", null, "all types"); optAll.value = ""; typeSel.appendChild(optAll);
head.types.forEach(function (t, i) { var o = el("option", null, t); o.value = String(i); typeSel.appendChild(o); });
tl.appendChild(typeSel); controls.appendChild(tl);
var statusSel = null;
if (T.hasStatus) {
  statusSel = el("select"); statusSel.name = "status";
  var sl = el("label", null, "Status");
  [["", "any"], ["1", "new"], ["2", "ongoing"]].forEach(function (p) { var o = el("option", null, p[1]); o.value = p[0]; statusSel.appendChild(o); });
  sl.appendChild(statusSel); controls.appendChild(sl);
}
var q = { type: -1, status: 0, key: "", values: "", source: "" };
var cache = { key: null, values: null, source: null };
function refilter() {
  q.type = typeSel.value === "" ? -1 : Number(typeSel.value);
  q.status = statusSel && statusSel.value ? Number(statusSel.value) : 0;
  q.key = keyIn.value.trim().toLowerCase();
  q.values = valIn.value.trim().toLowerCase();
  q.source = srcIn.value.trim().toLowerCase();
  dgrid.applyFilter();
}
var keyIn = textInput(controls, "Key contains", T.keyFields.join(", "), refilter); keyIn.name = "key";
var valIn = textInput(controls, "Values contain", sides[0] + " or " + sides[1] + " value", refilter); valIn.name = "values";
var srcIn = textInput(controls, "Source contains", "file name or :line", refilter); srcIn.name = "source";
typeSel.addEventListener("change", refilter);
if (statusSel) statusSel.addEventListener("change", refilter);
var reset = el("button", null, "Clear filters"); reset.type = "button";
reset.addEventListener("click", function () { typeSel.value = ""; if (statusSel) statusSel.value = ""; keyIn.value = valIn.value = srcIn.value = ""; refilter(); });
controls.appendChild(reset);

function sideText(view, j) {
  if (view === null) return "";
  if (typeof view === "string") return view;
  var f = T.sideFields[j], parts = [];
  for (var k = 0; k < view.length; k++) if (view[k] !== null) parts.push(f[k] + "=" + txt(view[k]));
  return parts.join(" ");
}
function lazyText(name, make) {
  return function (i) {
    if (!cache[name]) { cache[name] = new Array(rows.length); }
    var c = cache[name], v = c[i];
    if (v === undefined) v = c[i] = make(rows[i]).toLowerCase();
    return v;
  };
}
var keyTextOf = lazyText("key", function (r) { return T.keyFields.map(function (k, j) { return k + "=" + txt(r[1][j]); }).join(" "); });
var valTextOf = lazyText("values", function (r) { return sideText(r[2], 0) + "\u0000" + sideText(r[3], 1) + "\u0000" + txt(r[4]) + "\u0000" + (r[9] || []).map(function (d) { return d[0] + "=" + d[1]; }).join(" "); });
var srcTextOf = lazyText("source", function (r) { var s = r[10], out = []; for (var k = 0; k < s.length; k += 3) out.push(T.files[s[k + 1]] + ":" + s[k + 2]); return out.join("\u0000"); });

function sideCell(td, view, j) {
  if (view === null) { td.appendChild(el("span", "absent", "(absent)")); return; }
  if (typeof view === "string") { td.textContent = view; return; }
  var f = T.sideFields[j];
  for (var k = 0; k < view.length; k++) {
    if (view[k] === null) continue;
    var line = el("span", "kv");
    if (f[k]) { line.appendChild(el("span", "k", f[k] + ": ")); }
    line.appendChild(document.createTextNode(txt(view[k])));
    td.appendChild(line);
  }
}
var cols = [];
cols.push({ label: "#", num: true, sort: function (i) { return i; }, cell: function (td, i) { td.textContent = formatInt(i + 1); } });
cols.push({ label: "Type", sort: function (i) { return head.types[rows[i][0]]; }, cell: function (td, i) {
  var r = rows[i];
  td.appendChild(el("span", "type", head.types[r[0]]));
  (r[9] || []).forEach(function (d) { td.appendChild(el("span", "tag", d[0] + ": " + d[1])); });
} });
T.keyFields.forEach(function (k, j) {
  cols.push({ label: k, sort: function (i) { var v = rows[i][1][j]; return v === undefined ? null : v; }, cell: function (td, i) { td.className = "key"; td.textContent = txt(rows[i][1][j]); } });
});
cols.push({ label: "Delta", num: true, sort: function (i) { var v = rows[i][4]; return typeof v === "string" && v !== "" && !isNaN(Number(v)) ? Number(v) : v; }, cell: function (td, i) { td.textContent = txt(rows[i][4]); } });
[0, 1].forEach(function (j) {
  cols.push({ label: sides[j], sort: function (i) { return sideText(rows[i][2 + j], j); }, cell: function (td, i) { sideCell(td, rows[i][2 + j], j); } });
});
cols.push({ label: "At risk", num: true, sort: function (i) { return rows[i][6]; }, cell: function (td, i) { td.textContent = rows[i][5]; } });
if (T.hasStatus || T.hasFirstSeen) {
  cols.push({ label: "Status", sort: function (i) { return (rows[i][7] || 9) + "|" + txt(rows[i][8]); }, cell: function (td, i) {
    var r = rows[i];
    if (r[7]) td.appendChild(el("span", "tag" + (r[7] === 1 ? " new" : ""), r[7] === 1 ? "new" : "ongoing"));
    if (r[8]) td.appendChild(el("span", "kv muted", "since " + r[8]));
  } });
}
cols.push({ label: "Sources", sort: function (i) { return srcTextOf(i); }, cell: function (td, i) {
  var s = rows[i][10];
  for (var k = 0; k < s.length; k += 3) {
    var line = el("span", "kv");
    line.appendChild(el("span", "k", (s[k] < 2 ? sides[s[k]] : "?") + " "));
    line.appendChild(document.createTextNode(T.files[s[k + 1]] + ":" + s[k + 2]));
    td.appendChild(line);
  }
} });
var dgrid = new Grid({
  parent: ds, count: rows.length, pageSize: 100, columns: cols,
  more: T.shown < T.total ? formatInt(T.total - T.shown) + " more in discrepancies.csv" : "",
  keep: function (i) {
    var r = rows[i];
    if (q.type >= 0 && r[0] !== q.type) return false;
    if (q.status && r[7] !== q.status) return false;
    if (q.key && keyTextOf(i).indexOf(q.key) < 0) return false;
    if (q.values && valTextOf(i).indexOf(q.values) < 0) return false;
    if (q.source && srcTextOf(i).indexOf(q.source) < 0) return false;
    return true;
  }
});
ds.lastChild.setAttribute("data-table", "discrepancies");

/* The table right after the charts (and the changes): what most readers open the report for. */
var after = document.getElementById("changes") || document.getElementById("charts");
after.after(ds);
var nav = document.getElementById("nav"), link = nav.querySelector('a[href="#discrepancies"]');
nav.querySelector('a[href="#' + after.id + '"]').after(link);

/* Printing: the filtered rows in full when there are not too many, else the current page. */
var PRINT_ALL = 2000;
window.addEventListener("beforeprint", function () { if (dgrid.filtered.length <= PRINT_ALL) dgrid.render(true); });
window.addEventListener("afterprint", function () { dgrid.render(); });
document.body.setAttribute("data-ready", "1");
})();
`;

function pageScript(): string {
  return SCRIPT.replace('FORMAT_INT', formatInt.toString());
}

let cached: { script: string; csp: string } | undefined;
function assets(): { script: string; csp: string } {
  if (cached) return cached;
  const script = pageScript();
  const hash = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;
  const csp = `default-src 'none'; script-src ${hash(script)}; style-src ${hash(STYLE)}; img-src data:; base-uri 'none'; form-action 'none'`;
  cached = { script, csp };
  return cached;
}

/** The page up to its rows' data. */
export function htmlStart(): string {
  const { csp } = assets();
  return '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
    + `<meta http-equiv="Content-Security-Policy" content="${csp}">\n`
    + '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    + '<meta name="generator" content="oms-recon">\n<title>oms-recon report</title>\n'
    + `<style>${STYLE}</style>\n</head>\n<body>\n`
    + '<header><h1 id="title">oms-recon report</h1><div class="meta" id="meta"></div><nav id="nav"></nav></header>\n'
    + '<main id="content"><noscript><p>This report needs JavaScript to show its tables; report.json, discrepancies.csv and summary.md hold the same data.</p></noscript></main>\n'
    + '<script type="application/json" id="report-data">'
    + '{"rows":[';
}

/** One batch of rows (`first`: the page's first batch). */
export function htmlRows(rows: readonly DiscrepancyRow[], first: boolean): string {
  return (first ? '' : ',') + scriptSafeJson(JSON.stringify(rows).slice(1, -1));
}

/** The rest of the page after its rows: the head (made after the rows, whose file list they filled) and the script. */
export function htmlEnd(head: Record<string, unknown>): string {
  const { script } = assets();
  return `],"head":${scriptSafeJson(JSON.stringify(head))}}</script>\n` + `<script>${script}</script>\n</body>\n</html>\n`;
}

/** `report.html` in pieces (the data in batches of rows), for streaming to disk or S3. */
export function* htmlChunks(report: Report): Generator<string> {
  const page = htmlPage(report);
  const ds = report.discrepancies ?? [];
  yield htmlStart();
  // Rows first, made a batch at a time (never all held at once), then the head.
  for (let i = 0; i < page.shown; i += HTML_ROW_BATCH) {
    const batch: DiscrepancyRow[] = [];
    for (let j = i; j < Math.min(page.shown, i + HTML_ROW_BATCH); j++) batch.push(page.row(ds[j]));
    yield htmlRows(batch, i === 0);
  }
  yield htmlEnd(page.head(ListFacts.of(report)));
}

export function renderHtml(report: Report): string {
  return [...htmlChunks(report)].join('');
}
