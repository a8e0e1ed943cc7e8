/**
 * The report (SPEC: `report.json`, contract). Built by the engine (CLI) and by the
 * pipeline's summarize step; rendered to JSON, CSV, Markdown, the console and SNS messages.
 */
import type { BoundaryName, FeedName, SideName } from '../feeds/catalog.ts';
import type { FeedHealth } from './feed-health.ts';

export type { FeedHealth, FeedHealthEntry, FeedWarning, FeedFlag } from './feed-health.ts';

export type DiscrepancyType =
  | 'missing_in_oms' | 'duplicate_in_oms' | 'unexpected_in_oms' | 'field_mismatch' | 'cancellation_mismatch'
  | 'not_shipped' | 'reassigned' | 'unrecorded_split' | 'quantity_mismatch' | 'shipped_not_allocated'
  | 'missing_in_warehouse'
  | 'not_booked' | 'unexpected_in_erp' | 'return_not_credited' | 'credit_without_return' | 'amount_mismatch';

export interface SourceLine {
  side: SideName;
  file: string;
  line: number;
}

/** What is at stake in one discrepancy: money by currency (exact decimal text), or units. */
export interface Impact {
  money?: { amount: string; currency: string };
  /** A JSON number; exact decimal text when beyond what a JSON number holds exactly (see toUnits). */
  units?: number | string;
}

export interface Discrepancy {
  type: DiscrepancyType;
  /** The boundary's key: intake {channel, channel_order_id}; fulfillment {order_id, line_id[, location_id]}; inventory {sku, facility_id}; financial {order_id}. */
  key: Record<string, string>;
  /** inventory only */
  offsetting?: boolean;
  /** field_mismatch: the fields that differ. */
  fields?: string[];
  /** cancellation_mismatch: the side on which the order is cancelled (live on the other). */
  cancelled_on?: 'channel' | 'oms';
  /** financial: which kind of document the discrepancy is about. */
  kind?: 'sale' | 'return';
  /** left − right in the boundary's unit (inventory/fulfillment: units as a number; financial: money as decimal text). */
  delta?: number | string;
  impact?: Impact;
  /** Rows behind the discrepancy. */
  sources: SourceLine[];
  /** Pipeline only: against the previous run. */
  status?: 'new' | 'ongoing';
  firstSeen?: string;
  /** Each side's view, keyed by side name (`oms`, `warehouse`, …): null when absent on that side. */
  [side: string]: unknown;
}

export interface Rejection {
  file: string;
  line: number;
  reason: string;
}

export interface Warning {
  code: 'duplicate_key' | 'coverage_gap' | 'out_of_scope' | 'superseded_snapshot' | 'unknown_columns' | 'preset' | 'no_rows' | string;
  message: string;
  file?: string;
  lines?: number[];
  key?: Record<string, string>;
}

export interface FileStats {
  file: string;
  feed: FeedName;
  side: SideName;
  format: string;
  /** A partner preset recognised from the header (`shopify-orders`, `amazon-orders`), or a user mapping. */
  preset?: string;
  /** Data rows read (for presets: export rows, several of which may make one record). */
  read: number;
  /** Rows that became records (or were folded into one: preset line items). */
  used: number;
  rejected: number;
  /** Rows that are not data (a footer, lines before the header a mapping skips): read = used + rejected + skipped. */
  skipped?: number;
  /**
   * Set when the file's bytes equal those of an earlier file of its side (this one): none of
   * its rows is counted (read, used and rejected are 0, nothing skipped), and a `duplicate_file` warning says so.
   */
  duplicateOf?: string;
}

/** Rows over a run's files: read = used + rejected + skipped (`skipped` only when a file skipped any). */
export interface RowCounts {
  read: number;
  used: number;
  rejected: number;
  skipped?: number;
}

export interface Summary {
  /** Keys present on the left side, on the right side, on either side (in scope), and keys on both sides that agree. */
  keys: number;
  left: number;
  right: number;
  matched: number;
  discrepancies: number;
  byType: Partial<Record<DiscrepancyType, number>>;
  /** matched / keys (1 when there are none). */
  matchRate: number;
  /** units: a number, or exact decimal text when beyond what a JSON number holds exactly (see toUnits). */
  atRisk: { money: Record<string, string>; units: number | string };
  rows: RowCounts;
  /** Keys left out of the comparison (out-of-scope channels, facilities counted on one side only). */
  outOfScope: number;
}

export interface ListCut {
  kept: number;
  total: number;
  full?: string[];
}

export interface Report {
  boundary: BoundaryName;
  sides: [SideName, SideName];
  generatedAt: string;
  runId?: string;
  summary: Summary;
  /**
   * Present only when the run compared no key: why (every facility a coverage gap, every
   * order out of scope, no usable rows). Such a run is never "all clear": the CLI stops with
   * E_NOTHING_COMPARED, and the pipeline's summary says "nothing was compared".
   */
  nothingCompared?: string;
  files: FileStats[];
  discrepancies: Discrepancy[];
  rejected: Rejection[];
  warnings: Warning[];
  /**
   * Present when the report keeps only the first rejected rows or warnings (limits.keptRejected /
   * keptWarnings): how many it keeps, how many there were, and where the full list is (CLI:
   * files beside report.json; pipeline: S3 keys).
   */
  truncated?: { rejected?: ListCut; warnings?: ListCut };
  /** Pipeline only: discrepancies of the previous run that no longer appear. */
  resolved?: Array<Pick<Discrepancy, 'type' | 'key'> & { firstSeen?: string }>;
  /**
   * Per feed and partner prefix: the last file's time, the latest drop's rows, and the
   * `feed_late` / `feed_empty` / `feed_shrunk` warnings (lib/report/feed-health.ts). The CLI
   * has no history and no arrival clock: rows, last file time (modification time) and `feed_empty`.
   */
  feedHealth?: FeedHealth;
}
