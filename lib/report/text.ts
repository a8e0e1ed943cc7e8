/**
 * Small text helpers shared by the renderers (Markdown, console, notifications): bounded,
 * single-line, surrogate-safe views of values that come from partner files and can be
 * arbitrarily long or contain control characters.
 */
import type { Discrepancy, Report, RowCounts } from './model.ts';

export const ELLIPSIS = '…';

/** At most `max` UTF-16 units, never splitting a surrogate pair; `…` marks a cut. */
export function clip(s: string, max: number, mark = ELLIPSIS): string {
  if (s.length <= max) return s;
  const room = Math.max(0, max - mark.length);
  let cut = s.slice(0, room);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return cut + mark;
}

/** One line: control characters (newlines, tabs, C1, bidi overrides) become spaces, runs collapse. */
export function oneLine(s: string, max = Infinity): string {
  // Clip generously first so that megabyte values cost nothing more.
  const head = Number.isFinite(max) ? clip(s, max * 2 + 16, '') : s;
  const flat = head
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
  return Number.isFinite(max) ? clip(flat, max) : flat;
}

/** `1234567` → `1,234,567` (locale-independent). */
/** `read 10, used 8, rejected 1, skipped 1` (skipped only when there were any). */
export function rowsText(rows: RowCounts): string {
  const skipped = rows.skipped ? `, skipped ${formatInt(rows.skipped)}` : '';
  return `read ${formatInt(rows.read)}, used ${formatInt(rows.used)}, rejected ${formatInt(rows.rejected)}${skipped}`;
}

export function formatInt(n: number | string): string {
  // Exact decimal text (units beyond what a JSON number holds: see toUnits): its digits grouped.
  if (typeof n === 'string') return n.replace(/^(-?)(\d+)/, (_, sign: string, d: string) => sign + d.replace(/\B(?=(\d{3})+(?!\d))/g, ','));
  if (!Number.isFinite(n)) return String(n);
  const neg = n < 0;
  const digits = Math.trunc(Math.abs(n)).toString();
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (neg ? '-' : '') + grouped;
}

/** A ratio as a percentage with two decimals: `0.985` → `98.50%`. */
export function formatPercent(ratio: number): string {
  return `${(Math.round(ratio * 1_000_000) / 10_000).toFixed(2)}%`;
}

/** Text of any JSON-ish value: strings as is, objects/arrays as JSON, null/undefined empty. */
export function valueText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)) ?? '';
  } catch {
    return String(v);
  }
}

/** `sku=SKU-1 facility_id=DAL1`, each value bounded. */
export function keyText(key: Record<string, string> | undefined, maxValue = 80): string {
  return Object.entries(key ?? {})
    .map(([k, v]) => `${oneLine(k, 40)}=${oneLine(valueText(v), maxValue)}`)
    .join(' ');
}

/** One side's view as `field=value, field=value`; `(absent)` when the side has nothing. */
export function sideText(view: unknown, maxValue = 60, maxFields = 8): string {
  if (view === null || view === undefined) return '(absent)';
  if (typeof view !== 'object' || Array.isArray(view)) return oneLine(valueText(view), maxValue);
  const entries = Object.entries(view as Record<string, unknown>);
  const parts = entries.slice(0, maxFields).map(([k, v]) => `${oneLine(k, 40)}=${oneLine(valueText(v), maxValue)}`);
  if (entries.length > maxFields) parts.push(`+${entries.length - maxFields} more`);
  return parts.join(', ') || '(empty)';
}

/** `USD 12.30` / `5 units` / empty. */
export function impactText(d: Discrepancy): string {
  const parts: string[] = [];
  if (d.impact?.money) parts.push(`${oneLine(valueText(d.impact.money.currency), 8)} ${oneLine(valueText(d.impact.money.amount), 30)}`.trim());
  if (typeof d.impact?.units === 'number') parts.push(`${d.impact.units} units`);
  return parts.join(', ');
}

/** `USD 100.30, EUR 5.00` or `none`. */
export function moneyAtRiskText(report: Report, sep = ', '): string {
  const m = report.summary?.atRisk?.money ?? {};
  const parts = Object.entries(m).map(([cur, amount]) => `${oneLine(cur || '(no currency)', 16)} ${oneLine(amount, 40)}`);
  return parts.length ? parts.join(sep) : 'none';
}

/** The sides of a report, with a safe fallback for partial objects. */
export function sidesOf(report: Report): [string, string] {
  const s = report.sides ?? (['left', 'right'] as const);
  return [String(s[0] ?? 'left'), String(s[1] ?? 'right')];
}

/** Age between two ISO instants: `45 min`, `5 hours`, `3 days`; undefined if unparsable. */
export function formatAge(fromIso: string | undefined, toIso: string | undefined): string | undefined {
  if (!fromIso || !toIso) return undefined;
  const a = Date.parse(fromIso), b = Date.parse(toIso);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return undefined;
  const ms = Math.max(0, b - a);
  const min = Math.floor(ms / 60_000);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} hour${h === 1 ? '' : 's'}`;
  const days = Math.floor(h / 24);
  return `${days} days`;
}

export function plural(n: number | string, one: string, many = `${one}s`): string {
  return `${formatInt(n)} ${n === 1 ? one : many}`;
}

/** Feed-health entries shown in a message or the console; the report holds all of them. */
export const FEED_HEALTH_LINES_MAX = 12;

/**
 * Feed health as short lines, warnings first: `! feed_late: no shipments (partner acme) file for 2d 3h …`,
 * then one line per feed and prefix: `shipments (partner acme): 1,200 rows, last file 2026-11-26T06:00:00.000Z (a.csv)`.
 */
export function feedHealthLines(report: Pick<Report, 'feedHealth'>, max = FEED_HEALTH_LINES_MAX, value = 120): string[] {
  const h = report.feedHealth;
  if (!h || typeof h !== 'object' || !Array.isArray(h.feeds)) return [];
  const out: string[] = [];
  const warnings = Array.isArray(h.warnings) ? h.warnings : [];
  for (const w of warnings.slice(0, max)) out.push(`! ${oneLine(String(w.code), 20)}: ${oneLine(String(w.message), value * 2)}`);
  if (warnings.length > max) out.push(`! … and ${formatInt(warnings.length - max)} more feed warnings`);
  for (const e of h.feeds.slice(0, max)) out.push(feedEntryText(e, value));
  if (h.feeds.length > max) out.push(`… and ${formatInt(h.feeds.length - max)} more feeds`);
  return out;
}

/** One feed-health entry as text. */
export function feedEntryText(e: NonNullable<Report['feedHealth']>['feeds'][number], value = 120): string {
  const where = `${oneLine(String(e.feed), 40)}${e.partner !== undefined ? ` (partner ${oneLine(String(e.partner), 60)})` : ''}`;
  const parts = [`${plural(e.rows ?? 0, 'row')}${e.files ? ` in ${plural(e.files, 'file')}` : ''}`];
  if (e.previousRows !== undefined) parts.push(`previous drop ${formatInt(e.previousRows)}`);
  if (e.lastFileAt || e.lastFile) parts.push(`last file ${e.lastFileAt ? oneLine(e.lastFileAt, 40) : ''}${e.lastFile ? ` (${oneLine(e.lastFile, value)})` : ''}`.replace('file  (', 'file ('));
  else parts.push('no file');
  if (e.arrived === false) parts.push('nothing new this run');
  if (e.flags?.length) parts.push(e.flags.map((f) => oneLine(String(f), 20)).join(', '));
  return `${where}: ${parts.join(', ')}`;
}
