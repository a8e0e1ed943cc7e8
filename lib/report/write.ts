/**
 * The report's files: `report.json` (contract), `discrepancies.csv`, `summary.md` and
 * `report.html` (rendered by html.ts).
 * The renderers are pure so that the pipeline can put the very same bytes in S3 that the
 * CLI writes to disk.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, ReconError } from '../errors.ts';
import type { Discrepancy, Report } from './model.ts';
import { BOUNDARY } from '../boundaries/index.ts';
import { ALL_TYPES, ListFacts } from './merge.ts';
import {
  clip, formatAge, formatInt, formatPercent, impactText, keyText, moneyAtRiskText, oneLine, plural, rowsText, sideText, sidesOf, valueText,
} from './text.ts';
import { htmlChunks } from './html.ts';

export const REPORT_FILES = { json: 'report.json', csv: 'discrepancies.csv', markdown: 'summary.md', html: 'report.html' } as const;

// ---------------------------------------------------------------------------------------
// report.json

/**
 * `report.json` in pieces, byte for byte `JSON.stringify(report, null, 2) + '\n'`, but with
 * the top level's arrays (discrepancies, rejected rows, warnings…) stringified 1,000
 * elements at a time: a report of millions of discrepancies never has to fit in one string (V8
 * caps a string at ~512 M characters), and a writer can stream it to disk or S3.
 */
const JSON_BATCH = 1000;

export function* jsonChunks(report: Report): Generator<string> {
  const entries = Object.entries(report).filter(([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol');
  if (entries.length === 0) { yield '{}\n'; return; }
  yield '{';
  let first = true;
  for (const [k, v] of entries) {
    yield `${first ? '' : ','}\n  ${JSON.stringify(k)}: `;
    first = false;
    yield* valueChunks(v);
  }
  yield '\n}\n';
}

/** One top-level value: an array in batches of elements, anything else whole. */
function* valueChunks(v: unknown): Generator<string> {
  if (Array.isArray(v) && v.length > 0) {
    yield '[\n';
    for (let i = 0; i < v.length; i += JSON_BATCH) yield jsonBatch(v.slice(i, i + JSON_BATCH), i === 0);
    yield '\n  ]';
  } else {
    yield JSON.stringify(v, null, 2).split('\n').join('\n  ');
  }
}

/**
 * Elements of a top-level array, stringified nested one level deeper than the report's own
 * arrays so the indentation comes out right: `[[a, b]]` → "[\n  [\n    a,\n    b\n  ]\n]".
 */
function jsonBatch(items: readonly unknown[], first: boolean): string {
  return (first ? '' : ',\n') + JSON.stringify([items], null, 2).slice(6, -6);
}

/**
 * {@link jsonChunks} with some top-level arrays given as streams (their place in `report`
 * holds anything: only its key's position counts): the same bytes, with no list held whole.
 */
export async function* jsonChunksStreamed(report: Report, streamed: Partial<Record<keyof Report, AsyncIterable<unknown>>>): AsyncGenerator<string> {
  const entries = Object.entries(report).filter(([k, v]) => Object.hasOwn(streamed, k) || (v !== undefined && typeof v !== 'function' && typeof v !== 'symbol'));
  if (entries.length === 0) { yield '{}\n'; return; }
  yield '{';
  let first = true;
  for (const [k, v] of entries) {
    yield `${first ? '' : ','}\n  ${JSON.stringify(k)}: `;
    first = false;
    const stream = streamed[k as keyof Report];
    if (!stream) {
      yield* valueChunks(v);
      continue;
    }
    let batch: unknown[] = [];
    let n = 0;
    for await (const item of stream) {
      batch.push(item);
      if (batch.length === JSON_BATCH) {
        yield (n === 0 ? '[\n' : '') + jsonBatch(batch, n === 0);
        n += batch.length;
        batch = [];
      }
    }
    if (batch.length) { yield (n === 0 ? '[\n' : '') + jsonBatch(batch, n === 0); n += batch.length; }
    yield n === 0 ? '[]' : '\n  ]';
  }
  yield '\n}\n';
}

/** The Report object as is, 2-space JSON, trailing newline. Keys are the contract. */
export function renderJson(report: Report): string {
  return [...jsonChunks(report)].join('');
}

// ---------------------------------------------------------------------------------------
// discrepancies.csv

/** UTF-8 byte order mark: without it Excel opens a UTF-8 CSV as the ANSI code page (mojibake). */
export const BOM = '\uFEFF';
const CRLF = '\r\n';
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A formula character after a `;` or `,` (spaces between): where a cell would start in a
 * locale that splits there. Excel in a locale whose list separator is `;` reads this
 * comma-separated file line by line split at every `;` — quotes only count at the start of
 * such a cell — so `A;=1+1` (quoted or not) would hand it a cell `=1+1`.
 */
const FORMULA_AFTER_SEPARATOR = /([;,] *)([=+\-@\t\r][^;,]*)/g;

/**
 * Spreadsheet-safe text: a cell a spreadsheet would read as a formula (starting with `=`,
 * `+`, `-`, `@`, tab or CR) gets a leading `'`, except a plain number (`-5`, `-12.30`). So does
 * each part after a `;` or `,` that would start with one, in the locales that split there
 * (`A;=1+1` → `A;'=1+1`).
 */
export function neutralizeFormula(text: string): string {
  if (text.indexOf(';') >= 0 || text.indexOf(',') >= 0) {
    text = text.replace(FORMULA_AFTER_SEPARATOR, (all, sep: string, part: string) => (PLAIN_NUMBER.test(part) ? all : `${sep}'${part}`));
  }
  const c = text.charCodeAt(0);
  // Fast path: only = + - @ TAB CR can start a formula.
  if (c !== 61 && c !== 43 && c !== 45 && c !== 64 && c !== 9 && c !== 13) return text;
  if (FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) return `'${text}`;
  return text;
}

const NEEDS_QUOTES = /[",\r\n]/;

/** RFC 4180 field: quoted when it holds `,` `"` CR or LF, quotes doubled. */
export function quoteCsv(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One cell: value → text → formula-neutralized → quoted. */
export function csvCell(value: unknown): string {
  return quoteCsv(neutralizeFormula(valueText(value)));
}

export interface Column {
  name: string;
  get: (d: Discrepancy) => unknown;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The CSV's columns depend on every discrepancy (key fields, each side's fields…): gathered one at a time. */
export class CsvColumnFacts {
  readonly keyFields: string[] = [];
  private readonly seenKey = new Set<string>();
  hasOffsetting = false;
  hasCancelledOn = false;
  hasFirstSeen = false;
  readonly sides: Array<{ side: string; fields: string[]; seen: Set<string>; scalar: boolean }>;

  constructor(sides: readonly string[]) {
    this.sides = sides.map((side) => ({ side, fields: [], seen: new Set<string>(), scalar: false }));
  }

  add(d: Discrepancy): void {
    for (const k of Object.keys(d.key ?? {})) if (!this.seenKey.has(k)) { this.seenKey.add(k); this.keyFields.push(k); }
    if (d.offsetting !== undefined) this.hasOffsetting = true;
    if (d.cancelled_on !== undefined) this.hasCancelledOn = true;
    if (d.firstSeen !== undefined) this.hasFirstSeen = true;
    for (const s of this.sides) {
      const view = d[s.side];
      if (view === null || view === undefined) continue;
      if (!isPlainObject(view)) { s.scalar = true; continue; }
      for (const f of Object.keys(view)) if (!s.seen.has(f)) { s.seen.add(f); s.fields.push(f); }
    }
  }

  static of(report: Report): CsvColumnFacts {
    const f = new CsvColumnFacts(sidesOf(report));
    for (const d of report.discrepancies ?? []) f.add(d);
    return f;
  }
}

export function csvColumns(report: Report, facts: CsvColumnFacts = CsvColumnFacts.of(report)): Column[] {
  const keyFields = [...facts.keyFields];
  if (keyFields.length === 0) pushAll(keyFields, BOUNDARY[report.boundary]?.keyFields ?? []);
  const { hasOffsetting, hasCancelledOn, hasFirstSeen } = facts;

  const cols: Column[] = [{ name: 'type', get: (d) => d.type }];
  for (const k of keyFields) cols.push({ name: k, get: (d) => d.key?.[k] });
  if (hasOffsetting) cols.push({ name: 'offsetting', get: (d) => d.offsetting });
  if (hasCancelledOn) cols.push({ name: 'cancelled_on', get: (d) => d.cancelled_on });
  cols.push(
    { name: 'fields', get: (d) => (Array.isArray(d.fields) ? d.fields.join(';') : d.fields) },
    { name: 'kind', get: (d) => d.kind },
    { name: 'delta', get: (d) => d.delta },
  );
  // Each side's view, flattened one level: `<side>.<field>`; deeper values as JSON.
  for (const { side, fields, scalar } of facts.sides) {
    if (scalar) cols.push({ name: side, get: (d) => (isPlainObject(d[side]) ? undefined : d[side]) });
    for (const f of fields) {
      cols.push({ name: `${side}.${f}`, get: (d) => { const v = d[side]; return isPlainObject(v) ? v[f] : undefined; } });
    }
  }
  cols.push(
    { name: 'impact.money', get: (d) => d.impact?.money?.amount },
    { name: 'impact.currency', get: (d) => d.impact?.money?.currency },
    { name: 'impact.units', get: (d) => d.impact?.units },
    { name: 'status', get: (d) => d.status },
  );
  if (hasFirstSeen) cols.push({ name: 'first_seen', get: (d) => d.firstSeen });
  cols.push({ name: 'sources', get: (d) => (d.sources ?? []).map((s) => `${s.file}:${s.line}`).join('; ') });
  return cols;
}

/** The CSV's first line: BOM and header. */
export function csvHeader(cols: readonly Column[]): string {
  return BOM + cols.map((c) => csvCell(c.name)).join(',') + CRLF;
}

/** One discrepancy's CSV record. */
export function csvLine(cols: readonly Column[], d: Discrepancy): string {
  let line = csvCell(cols[0].get(d));
  for (let k = 1; k < cols.length; k++) line += ',' + csvCell(cols[k].get(d));
  return line + CRLF;
}

/**
 * One row per discrepancy, RFC 4180 (CRLF, quotes doubled), spreadsheet-safe cells,
 * UTF-8 with a BOM so Excel detects the encoding.
 */
export function renderDiscrepanciesCsv(report: Report): string {
  return [...csvChunks(report)].join('');
}

/** `discrepancies.csv` in pieces (BOM + header, then one record per discrepancy), for streaming. */
export function* csvChunks(report: Report): Generator<string> {
  const cols = csvColumns(report);
  yield csvHeader(cols);
  for (const d of report.discrepancies ?? []) yield csvLine(cols, d);
}

// ---------------------------------------------------------------------------------------
// summary.md

/**
 * Inline Markdown text that renders as itself in a GFM table cell: backslash and markdown
 * punctuation escaped, `|` escaped, `<` `>` as entities (no raw HTML), newlines as `<br>`.
 * `_` between two letters/digits stays (GFM never reads it as emphasis).
 */
export function escapeMarkdownCell(text: string): string {
  return text
    .replace(/\r\n|\r|\n|\u2028|\u2029/g, '\n')
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, ' ')
    .replace(/[\\`*[\]|#~]|_(?![A-Za-z0-9])|(?<![A-Za-z0-9])_/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\n/g, '<br>');
}

/** A bounded cell: at most `max` characters of the value, escaped. */
function cell(value: unknown, max = 200): string {
  return escapeMarkdownCell(clip(valueText(value), max));
}

function code(text: string): string {
  // Type names and codes are identifiers; a code span shows them as is.
  return '`' + text.replace(/[`|\r\n]/g, ' ') + '`';
}

function table(header: string[], rows: string[][], align?: Array<'l' | 'r'>): string[] {
  const sep = header.map((_, i) => (align?.[i] === 'r' ? '---:' : '---'));
  return [`| ${header.join(' | ')} |`, `| ${sep.join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

export interface MarkdownOptions {
  /** Discrepancies listed in full (default 50); the CSV holds all of them. */
  maxRows?: number;
}

/**
 * `summary.md`. `facts` describe the whole discrepancy list (default: gathered from the
 * report); given, `report.discrepancies` and `report.resolved` need only hold their first
 * `maxRows` (a streamed report's first rows).
 */
export function renderMarkdown(report: Report, opts: MarkdownOptions = {}, facts: ListFacts = ListFacts.of(report)): string {
  const maxRows = Math.max(0, Math.floor(opts.maxRows ?? 50));
  const [left, right] = sidesOf(report);
  const s = report.summary;
  const ds = report.discrepancies ?? [];
  const total = s?.discrepancies ?? facts.count;
  const out: string[] = [];

  out.push(`# Reconciliation: ${cell(report.boundary, 60)} (${cell(left, 30)} vs ${cell(right, 30)})`, '');
  const meta = [`Generated ${cell(report.generatedAt, 40)}`];
  if (report.runId) meta.push(`run ${cell(report.runId, 80)}`);
  out.push(meta.join(' · '), '');

  // Result
  const newCount = facts.newCount;
  const ongoingCount = facts.ongoingCount;
  if (report.nothingCompared !== undefined) {
    out.push(`**Nothing was compared:** ${cell(report.nothingCompared, 2000)}. No key of ${cell(left)} and ${cell(right)} was compared, so this run cannot tell whether they agree.`, '');
  } else if (total === 0) {
    out.push(`**All clear:** ${cell(left)} and ${cell(right)} reconcile — no discrepancies.`, '');
  } else {
    let line = `**${plural(total, 'discrepancy', 'discrepancies')}**`;
    if (newCount || ongoingCount) {
      line += ` — ${formatInt(newCount)} new, ${formatInt(ongoingCount)} ongoing`;
      const oldest = facts.oldestOngoing;
      const age = formatAge(oldest, report.generatedAt);
      if (oldest && age) line += ` (oldest open since ${cell(oldest, 40)}, ${age})`;
    }
    out.push(line + '.', '');
  }
  if (facts.resolved) out.push(`${plural(facts.resolved, 'discrepancy', 'discrepancies')} of the previous run resolved.`, '');

  // Counts per type (SPEC order first)
  out.push('## Discrepancies by type', '');
  const byType = s?.byType ?? {};
  const typeNames = [...ALL_TYPES.filter((t) => byType[t] !== undefined), ...Object.keys(byType).filter((t) => !ALL_TYPES.includes(t as never))];
  const typeRows = typeNames.map((t) => [code(t), formatInt((byType as Record<string, number>)[t] ?? 0)]);
  typeRows.push(['**Total**', `**${formatInt(total)}**`]);
  pushAll(out, table(['Type', 'Count'], typeRows, ['l', 'r']), '');

  // Figures
  out.push('## Figures', '');
  if (s) {
    const keys = s.keys;
    out.push(
      `- Match rate: **${report.nothingCompared !== undefined ? 'none (no key compared)' : formatPercent(s.matchRate)}** (${formatInt(s.matched)} of ${formatInt(Math.max(keys, 0))} keys matched)`,
      `- Keys: ${cell(left)} ${formatInt(s.left)}, ${cell(right)} ${formatInt(s.right)}`,
      `- Money at risk: ${escapeMarkdownCell(moneyAtRiskText(report))}`,
      `- Units at risk: ${formatInt(s.atRisk?.units ?? 0)}`,
    );
    if (s.outOfScope) out.push(`- Out of scope (not compared): ${formatInt(s.outOfScope)} keys`);
    out.push(`- Rows: ${rowsText(s.rows)}`);
  }
  out.push('');

  // Files
  const files = report.files ?? [];
  if (files.length) {
    out.push('## Files', '');
    // A Skipped column only when some file skipped rows (footers, lines before the header).
    const skipped = files.some((f) => f.skipped);
    const rows = files.map((f) => [
      cell(f.file, 120), cell(f.feed, 30), cell(f.side, 20), cell(f.format, 20), cell(f.preset ?? '', 40),
      formatInt(f.read), formatInt(f.used), formatInt(f.rejected), ...(skipped ? [formatInt(f.skipped ?? 0)] : []),
    ]);
    const head = ['File', 'Feed', 'Side', 'Format', 'Preset', 'Read', 'Used', 'Rejected', ...(skipped ? ['Skipped'] : [])];
    pushAll(out, table(head, rows, ['l', 'l', 'l', 'l', 'l', 'r', 'r', 'r', 'r']), '');
  }

  // Feed health
  const health = report.feedHealth;
  if (health && Array.isArray(health.feeds) && health.feeds.length) {
    out.push('## Feed health', '');
    if (health.asOf) out.push(`As of ${cell(health.asOf, 40)}.`, '');
    const shown = health.feeds.slice(0, maxRows);
    const rows = shown.map((e) => [
      cell(e.feed, 30), cell(e.partner ?? '', 60), cell(e.lastFileAt ?? '', 40), cell(e.lastFile ?? '', 120),
      formatInt(e.rows ?? 0), e.previousRows !== undefined ? formatInt(e.previousRows) : '', e.arrived === false ? 'no' : 'yes',
      cell((e.flags ?? []).join(', '), 60),
    ]);
    pushAll(out, table(['Feed', 'Partner', 'Last file at', 'Last file', 'Rows', 'Previous drop', 'New this run', 'Warnings'], rows, ['l', 'l', 'l', 'l', 'r', 'r', 'l', 'l']), '');
    if (health.feeds.length > shown.length) out.push(`… and ${formatInt(health.feeds.length - shown.length)} more (see report.json)`, '');
    for (const w of (health.warnings ?? []).slice(0, maxRows)) out.push(`- ${code(oneLine(String(w.code), 20))} ${cell(w.message, 500)}`);
    if ((health.warnings ?? []).length) out.push('');
  }

  // Rejected rows
  const rejected = report.rejected ?? [];
  if (rejected.length) {
    const shown = rejected.slice(0, maxRows);
    const total = report.truncated?.rejected?.total ?? rejected.length;
    out.push(`## Rejected rows (${formatInt(total)})`, '');
    pushAll(out, table(['File', 'Line', 'Reason'], shown.map((r) => [cell(r.file, 120), formatInt(r.line), cell(r.reason, 200)]), ['l', 'r', 'l']), '');
    if (total > shown.length) out.push(`… and ${formatInt(total - shown.length)} more (see ${fullListName(report.truncated?.rejected?.full, 'report.json')})`, '');
  }

  // Warnings
  const warnings = report.warnings ?? [];
  const warningTotal = report.truncated?.warnings?.total ?? warnings.length;
  out.push(`## Warnings (${formatInt(warningTotal)})`, '');
  if (warnings.length === 0) out.push('None.');
  const shownWarnings = warnings.slice(0, maxRows);
  for (const w of shownWarnings) {
    const where = w.file ? ` (${cell(w.file, 120)}${w.lines?.length ? `: line${w.lines.length > 1 ? 's' : ''} ${cell(w.lines.slice(0, 10).join(', '))}${w.lines.length > 10 ? ', …' : ''}` : ''})` : '';
    out.push(`- ${code(oneLine(String(w.code), 40))} ${cell(w.message, 500)}${where}`);
  }
  if (warningTotal > shownWarnings.length) out.push(`- … and ${formatInt(warningTotal - shownWarnings.length)} more (see ${fullListName(report.truncated?.warnings?.full, 'report.json')})`);
  out.push('');

  // First N discrepancies
  if (facts.count) {
    const shown = ds.slice(0, maxRows);
    out.push(shown.length < facts.count ? `## Discrepancies (first ${formatInt(shown.length)} of ${formatInt(facts.count)})` : `## Discrepancies (${formatInt(facts.count)})`, '');
    const hasStatus = facts.anyTruthyStatus;
    const header = ['#', 'Type', 'Key', 'Delta', cell(left), cell(right), 'At risk'];
    if (hasStatus) header.push('Status');
    header.push('Sources');
    const rows = shown.map((d, i) => {
      const r = [
        String(i + 1),
        code(d.type) + (d.kind ? ` (${cell(d.kind)})` : '') + (d.offsetting ? ' offsetting' : '') +
          (d.cancelled_on ? ` (cancelled on ${cell(d.cancelled_on, 20)})` : ''),
        cell(keyText(d.key, 80), 300),
        cell(d.delta, 40) + (d.fields?.length ? ` ${cell(d.fields.join(', '), 80)}` : ''),
        cell(sideText(d[left]), 300),
        cell(sideText(d[right]), 300),
        cell(impactText(d), 60),
      ];
      if (hasStatus) r.push(cell(d.status ?? '') + (d.firstSeen ? ` since ${cell(d.firstSeen, 40)}` : ''));
      const srcs = d.sources ?? [];
      r.push(cell(srcs.slice(0, 3).map((x) => `${x.file}:${x.line}`).join('; ') + (srcs.length > 3 ? `; +${srcs.length - 3} more` : ''), 300));
      return r;
    });
    pushAll(out, table(header, rows), '');
    if (facts.count > shown.length) out.push(`… and ${formatInt(facts.count - shown.length)} more (see discrepancies.csv)`, '');
  }

  // Resolved
  if (facts.resolved && report.resolved) {
    const shown = report.resolved.slice(0, maxRows);
    out.push(`## Resolved since the previous run (${formatInt(facts.resolved)})`, '');
    pushAll(out, table(['Type', 'Key', 'First seen'], shown.map((r) => [code(r.type), cell(keyText(r.key, 80), 300), cell(r.firstSeen ?? '', 40)])), '');
    if (facts.resolved > shown.length) out.push(`… and ${formatInt(facts.resolved - shown.length)} more (see report.json)`, '');
  }

  return out.join('\n');
}

/** Appends `items`, then `more` (a loop: never `push(...items)`, whose arguments the stack holds). */
export function pushAll<T>(to: T[], items: readonly T[], ...more: T[]): void {
  for (const x of items) to.push(x);
  for (const x of more) to.push(x);
}

/** Where a full list is, for "see …": the one file, or the first part and how many more. */
function fullListName(full: string[] | undefined, fallback: string): string {
  if (!full || full.length === 0) return fallback;
  return full.length === 1 ? full[0] : `${full[0]} and ${full.length - 1} more parts`;
}

// ---------------------------------------------------------------------------------------
// Files

/** Writes the chunks to `path` through a stream (with backpressure), batching small pieces. */
async function writeChunks(path: string, chunks: Iterable<string>): Promise<void> {
  const out = createWriteStream(path, { encoding: 'utf8' });
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined);
  const write = async (text: string) => {
    if (!out.write(text)) await Promise.race([once(out, 'drain'), failed]);
  };
  let batch: string[] = [];
  let size = 0;
  for (const c of chunks) {
    batch.push(c);
    size += c.length;
    if (size >= 1 << 20) { await write(batch.join('')); batch = []; size = 0; }
  }
  if (batch.length) await write(batch.join(''));
  out.end();
  await Promise.race([once(out, 'finish'), failed]);
}

async function writeAtomically(path: string, chunks: Iterable<string>): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeChunks(tmp, chunks);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new ReconError(ErrorCodes.STORAGE, `cannot write ${path}: ${(e as Error).message}`, { file: path }, { cause: e });
  }
}

/**
 * Writes `report.json`, `discrepancies.csv`, `summary.md` and `report.html` into `dir` (created
 * if needed); each file appears whole or not at all (written to a temporary name, then renamed).
 */
export async function writeReportFiles(report: Report, dir: string): Promise<Record<keyof typeof REPORT_FILES, string>> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new ReconError(ErrorCodes.STORAGE, `cannot create output directory ${dir}: ${(e as Error).message}`, { file: dir }, { cause: e });
  }
  const paths = { json: join(dir, REPORT_FILES.json), csv: join(dir, REPORT_FILES.csv), markdown: join(dir, REPORT_FILES.markdown), html: join(dir, REPORT_FILES.html) };
  await writeAtomically(paths.json, jsonChunks(report));
  await writeAtomically(paths.csv, csvChunks(report));
  await writeAtomically(paths.markdown, [renderMarkdown(report)]);
  await writeAtomically(paths.html, htmlChunks(report));
  return paths;
}
