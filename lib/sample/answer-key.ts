/**
 * The answer key of a sample set: what a correct engine reports on each boundary, and a
 * checker that compares a report against it as multisets of (type, key[, offsetting]).
 */
import type { BoundaryName } from '../feeds/catalog.ts';
import type { DiscrepancyType } from '../report/model.ts';

export interface ExpectedDiscrepancy {
  type: DiscrepancyType;
  /** The boundary's key, values as the engine reports them (channel lower-case, others trimmed as written). */
  key: Record<string, string>;
  /** inventory only */
  offsetting?: boolean;
}

export interface ExpectedRejection {
  /** Path relative to the sample directory, `<feed>/<file name>`. */
  file: string;
  line: number;
}

export interface BoundaryAnswer {
  discrepancies: ExpectedDiscrepancy[];
  rejected: ExpectedRejection[];
  /** Warning codes the run must raise, each at least once (e.g. `duplicate_key`, `coverage_gap`). */
  warnings: Array<{ code: string }>;
  /** Keys left out of the comparison: OMS orders of channels with no feed; keys of a one-sided facility. */
  outOfScope: number;
}

export type AnswerKey = Record<BoundaryName, BoundaryAnswer>;

/** What a report must offer for the check: its discrepancies (extra fields are ignored). */
export interface ReportLike {
  discrepancies: ReadonlyArray<{ type: string; key: Record<string, unknown>; offsetting?: boolean }>;
}

export interface Found {
  type: string;
  key: Record<string, string>;
  offsetting?: boolean;
}

function keyId(key: Record<string, unknown>): string {
  const entries = Object.entries(key)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => [k, String(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(entries);
}

function reduce(d: ReportLike['discrepancies'][number]): Found {
  const key: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.key)) if (v !== undefined && v !== null) key[k] = String(v);
  const out: Found = { type: d.type, key };
  if (typeof d.offsetting === 'boolean') out.offsetting = d.offsetting;
  return out;
}

/**
 * Compares the report's discrepancies with the answer key's, as multisets. An expected item
 * matches a reported one of the same type and key; when the expected item says `offsetting`,
 * the reported one must say the same. `missing`: expected, not reported; `extra`: reported,
 * not expected. Both empty means the engine got the boundary right.
 */
export function verifyAgainstAnswerKey(report: ReportLike, answer: Pick<BoundaryAnswer, 'discrepancies'>): { missing: ExpectedDiscrepancy[]; extra: Found[] } {
  const pool = new Map<string, Found[]>();
  for (const d of report.discrepancies) {
    const f = reduce(d);
    const id = `${f.type}\u001f${keyId(f.key)}`;
    const list = pool.get(id);
    if (list) list.push(f);
    else pool.set(id, [f]);
  }
  const missing: ExpectedDiscrepancy[] = [];
  for (const e of answer.discrepancies) {
    const list = pool.get(`${e.type}\u001f${keyId(e.key)}`);
    const at = list ? list.findIndex((f) => e.offsetting === undefined || f.offsetting === e.offsetting) : -1;
    if (!list || at < 0) missing.push(e);
    else list.splice(at, 1);
  }
  const extra = [...pool.values()].flat();
  return { missing, extra };
}

/**
 * Compares rejections by line and file; a reported file matches when it ends with the
 * expected relative path (reports name files as given: `/tmp/x/shipments/shipments.csv`,
 * `s3://bucket/inbound/shipments/shipments.csv`).
 */
export function verifyRejections(
  report: { rejected: ReadonlyArray<{ file: string; line: number }> },
  answer: Pick<BoundaryAnswer, 'rejected'>,
): { missing: ExpectedRejection[]; extra: Array<{ file: string; line: number }> } {
  const left = report.rejected.map((r) => ({ file: r.file, line: r.line }));
  const missing: ExpectedRejection[] = [];
  for (const e of answer.rejected) {
    const at = left.findIndex((r) => r.line === e.line && (r.file === e.file || r.file.replace(/\\/g, '/').endsWith('/' + e.file)));
    if (at < 0) missing.push(e);
    else left.splice(at, 1);
  }
  return { missing, extra: left };
}
