/**
 * No false all-clear (issue 9): a run that compared no key has no answer to give, and must
 * never read as "all clear". `nothingCompared` says why such a run compared nothing, from the
 * report alone, so that the CLI (which stops with E_NOTHING_COMPARED) and the pipeline (whose
 * summary says "nothing was compared") give the same reason for the same files.
 */
import type { Report } from './model.ts';
import { oneLine, plural } from './text.ts';

/** Warning messages quoted in the reason, at most. */
const QUOTED = 3;

/**
 * Why nothing was compared, or undefined when the run compared at least one key. A run
 * compared nothing when no key was in scope on either side: every facility a coverage gap
 * (`DAL1` vs `dal1`), every order of a channel that sent no feed, or no usable rows at all.
 */
export function nothingCompared(report: Pick<Report, 'sides' | 'summary' | 'files' | 'warnings'>): string | undefined {
  const s = report.summary;
  if (s.keys > 0 || s.discrepancies > 0) return undefined;
  const reasons: string[] = [];
  const warnings = report.warnings ?? [];
  const quote = (ws: typeof warnings) =>
    ws.slice(0, QUOTED).map((w) => oneLine(w.message, 200)).join('; ') + (ws.length > QUOTED ? `; and ${ws.length - QUOTED} more` : '');

  for (const side of report.sides) {
    const files = (report.files ?? []).filter((f) => f.side === side);
    if (files.length === 0) reasons.push(`no ${side} file was read`);
    else if (files.every((f) => f.used === 0)) reasons.push(`no usable ${side} rows in ${plural(files.length, 'file')}`);
  }
  const failed = warnings.filter((w) => w.code === 'file_failed');
  if (failed.length) reasons.push(`${plural(failed.length, 'file')} could not be read: ${quote(failed)}`);

  const gaps = warnings.filter((w) => w.code === 'coverage_gap');
  if (gaps.length) {
    let text = `every facility is a coverage gap, counted on one side only: ${quote(gaps)}`;
    // The usual cause: one facility written two ways. Say so when the IDs differ only in case.
    const ids = gaps.map((w) => w.key?.facility_id).filter((id): id is string => typeof id === 'string');
    const byFold = new Map<string, string[]>();
    for (const id of ids) {
      const k = id.toLowerCase();
      const list = byFold.get(k);
      if (list) list.push(id);
      else byFold.set(k, [id]);
    }
    const twins = [...byFold.values()].find((l) => l.length > 1);
    if (twins) text += ` (${twins.slice(0, 2).map((id) => oneLine(id, 40)).join(' and ')} differ only in case: facility IDs compare exactly as written)`;
    reasons.push(text);
  }
  const outOfScope = warnings.filter((w) => w.code === 'out_of_scope');
  if (outOfScope.length) reasons.push(`every key is out of scope: ${quote(outOfScope)}`);
  if (reasons.length === 0) reasons.push('neither side holds a key to compare');
  return reasons.join('; ');
}
