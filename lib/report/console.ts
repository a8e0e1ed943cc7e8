/**
 * The short summary the CLI prints after a run. Plain text, no colour, one value per line,
 * every partner-supplied value single-line and bounded (a 1 MB key cannot flood a
 * terminal). The CLI prints the output paths itself.
 */
import type { Report } from './model.ts';
import { ALL_TYPES } from './merge.ts';
import { feedHealthLines, formatAge, formatInt, formatPercent, moneyAtRiskText, oneLine, plural, rowsText, sidesOf } from './text.ts';

export interface ConsoleOptions {
  /** Warning messages shown (default 3). */
  maxWarnings?: number;
}

export function renderSummaryTable(report: Report, opts: ConsoleOptions = {}): string {
  const maxWarnings = Math.max(0, opts.maxWarnings ?? 3);
  const [left, right] = sidesOf(report).map((s) => oneLine(s, 30));
  const s = report.summary;
  const ds = report.discrepancies ?? [];
  const total = s?.discrepancies ?? ds.length;
  const lines: string[] = [];

  const nothing = report.nothingCompared;
  const result = nothing !== undefined ? 'nothing was compared' : total === 0 ? 'all clear, no discrepancies' : plural(total, 'discrepancy', 'discrepancies');
  const newCount = ds.filter((d) => d.status === 'new').length;
  const ongoing = ds.filter((d) => d.status === 'ongoing');
  let status = '';
  if (total > 0 && (newCount || ongoing.length)) {
    status = ` (${formatInt(newCount)} new, ${formatInt(ongoing.length)} ongoing`;
    const oldest = ongoing.reduce<string | undefined>((m, d) => (d.firstSeen && (!m || d.firstSeen < m) ? d.firstSeen : m), undefined);
    const age = formatAge(oldest, report.generatedAt);
    status += age ? `, oldest open ${age})` : ')';
  }
  lines.push(`${oneLine(String(report.boundary), 60)}: ${left} vs ${right} - ${result}${status}`);
  lines.push('');
  if (nothing !== undefined) lines.push(`  ${oneLine(`no key was compared: ${nothing}`, 600)}`, '');

  // type → count, aligned
  const byType = (s?.byType ?? {}) as Record<string, number>;
  const names = [...ALL_TYPES.filter((t) => byType[t] !== undefined), ...Object.keys(byType).filter((t) => !ALL_TYPES.includes(t as never))];
  if (names.length) {
    const shown = names.map((n) => oneLine(n, 40));
    const counts = names.map((n) => formatInt(byType[n] ?? 0));
    const totalText = formatInt(total);
    const w1 = Math.max(4, ...shown.map((n) => n.length), 'total'.length);
    const w2 = Math.max(5, ...counts.map((c) => c.length), totalText.length);
    lines.push(`  ${'type'.padEnd(w1)}  ${'count'.padStart(w2)}`);
    shown.forEach((n, i) => lines.push(`  ${n.padEnd(w1)}  ${counts[i].padStart(w2)}`));
    lines.push(`  ${'-'.repeat(w1)}  ${'-'.repeat(w2)}`);
    lines.push(`  ${'total'.padEnd(w1)}  ${totalText.padStart(w2)}`);
    lines.push('');
  }

  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(15)}${value}`);
  if (s) {
    const keys = s.keys;
    const rate = nothing !== undefined ? 'none (no key compared)' : formatPercent(s.matchRate);
    row('match rate', `${rate} (${formatInt(s.matched)} of ${formatInt(keys)} keys matched; ${left} ${formatInt(s.left)}, ${right} ${formatInt(s.right)})`);
    row('money at risk', oneLine(moneyAtRiskText(report), 200));
    row('units at risk', formatInt(s.atRisk?.units ?? 0));
    row('rows', rowsText(s.rows));
    if (s.outOfScope) row('out of scope', `${plural(s.outOfScope, 'key')} (not compared)`);
  }
  if (report.resolved?.length) row('resolved', `${formatInt(report.resolved.length)} since the previous run`);
  const warnings = report.warnings ?? [];
  const warningTotal = report.truncated?.warnings?.total ?? warnings.length;
  row('warnings', formatInt(warningTotal));
  for (const w of warnings.slice(0, maxWarnings)) lines.push(`    - ${oneLine(String(w.code), 30)}: ${oneLine(w.message ?? '', 160)}`);
  if (warningTotal > maxWarnings) lines.push(`    - ... and ${formatInt(warningTotal - Math.min(maxWarnings, warnings.length))} more (see ${report.truncated?.warnings ? 'warnings.ndjson' : 'report.json'})`);
  const health = feedHealthLines(report, 6, 100);
  if (health.length) {
    row('feed health', '');
    for (const l of health) lines.push(`    ${l}`);
  }
  return lines.join('\n') + '\n';
}
