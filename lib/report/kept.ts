/**
 * Lists that partner files make as long as they like — rejected rows, warnings — are kept in
 * memory only up to a limit (limits.keptRejected / keptWarnings), with an exact count of all.
 * What is kept does not depend on the order things arrive in: the `limit` least by a fixed
 * order (rejected rows by file and line; warnings by code, then message), so the CLI and the
 * pipeline, which meet them in different orders and pieces, keep the same ones. Every item
 * also goes to `spill`, where the full list is written (a file under --out, or S3).
 */
import type { Rejection, Warning } from './model.ts';

export class Kept<T> {
  private items: T[] = [];
  /** Whether the list was ever cut (until then the items keep their order of arrival). */
  private wasCut = false;
  /** Once `limit` are kept: the last of them (anything not before it is left out at once). */
  private worst: T | undefined;
  /** How many were added in all. */
  total = 0;

  constructor(
    readonly limit: number,
    private readonly order: (a: T, b: T) => number,
    private readonly spill?: (item: T) => void,
  ) {}

  add(item: T): void {
    this.total++;
    this.spill?.(item);
    // After a cut, an item not before the last one kept can never be kept (the usual case: rows come in line order).
    if (this.worst !== undefined && this.order(item, this.worst) >= 0) return;
    this.items.push(item);
    // Sorted and cut back to `limit` each time twice as many are held: O(log n) an item, 2 × limit held at most.
    if (this.items.length >= 2 * this.limit) this.cut();
  }

  /** Adds what another list kept, and its count (its spill is its own). */
  merge(other: { items: readonly T[]; total: number }): void {
    if (other.total > other.items.length) this.wasCut = true;
    for (const x of other.items) {
      if (this.worst !== undefined && this.order(x, this.worst) >= 0) continue;
      this.items.push(x);
      if (this.items.length >= 2 * this.limit) this.cut();
    }
    this.total += other.total;
  }

  /** The kept items: all of them in their order of arrival, or when there were more, the `limit` least, in order. */
  get kept(): T[] {
    if (this.wasCut || this.items.length > this.limit || this.total > this.items.length) this.cut();
    return this.items;
  }

  /** How many were left out. */
  get omitted(): number {
    return this.total - this.kept.length;
  }

  private cut(): void {
    this.wasCut = true;
    this.items.sort(this.order);
    if (this.items.length >= this.limit) {
      this.items.length = this.limit;
      this.worst = this.items[this.limit - 1];
    }
  }
}

export const byFileLine = (a: Rejection, b: Rejection): number => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line);

export const byCodeMessage = (a: Warning, b: Warning): number =>
  a.code < b.code ? -1 : a.code > b.code ? 1 : a.message < b.message ? -1 : a.message > b.message ? 1 : 0;

export const keptRejected = (limit: number, spill?: (r: Rejection) => void) => new Kept<Rejection>(limit, byFileLine, spill);
export const keptWarnings = (limit: number, spill?: (w: Warning) => void) => new Kept<Warning>(limit, byCodeMessage, spill);

/** One rejected row as a line of rejected.csv (`file,line,reason`, RFC 4180 quoting). */
export function rejectedCsvLine(r: Rejection): string {
  // Rows of a file repeat its name, and often their reason: the last of each is quoted once.
  if (r.file !== last.file) last.fileCell = csvText((last.file = r.file));
  if (r.reason !== last.reason) last.reasonCell = csvText((last.reason = r.reason));
  return `${last.fileCell},${r.line},${last.reasonCell}\n`;
}

const last = { file: '', fileCell: '', reason: '', reasonCell: '' };

const NEEDS_QUOTES = /[",\r\n]/;

function csvText(s: string): string {
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
