/**
 * What a boundary is to the engine: its two sides and feeds, how a record is keyed (the
 * group that is classified together, and the record's identity inside it), what a file
 * tells about the run's scope, and the classification of one group. The CLI and the
 * pipeline's compare step run exactly these functions; only where records come from differs.
 */
import { createHash } from 'node:crypto';
import type { ReconConfig } from '../config.ts';
import type { BoundaryName, FeedDef, SideName } from '../feeds/catalog.ts';
import type { CanonRecord } from '../feeds/decode.ts';
import type { Discrepancy, Warning } from '../report/model.ts';

/** What one file says about the scope of a run (kept in the pipeline's file manifest). */
export interface FileFacts {
  file: string;
  side: SideName;
  version: string;
  /** intake, channel side: the channels the file holds orders of. */
  channels?: string[];
  /** inventory: facilities the file counts → the latest as-of among its rows (ISO), or null. */
  facilities?: Record<string, string | null>;
  /**
   * The time of the drop the file belongs to (ISO): a snapshot row without an as-of has this
   * snapshot time. The CLI: the run's time (its files are one drop); the pipeline: the S3
   * eventTime, floored to the run window.
   */
  drop?: string;
}

/** Run-wide facts every group is classified against. JSON-serialisable (the pipeline stores it in S3). */
export interface Scope {
  boundary: BoundaryName;
  /** intake: channels that sent a feed in the run (lower-case). */
  channels?: string[];
  /** Snapshot feeds: `<side>␟<facility>` (inventory) or `<side>␟` → the current snapshot's time and files (lib/boundaries/snapshot.ts). */
  current?: Record<string, { time: string; files: string[] }>;
  /** Some file holds an older snapshot than the current one of a facility (the CLI then filters rows by `current`). */
  superseded?: boolean;
  /** The drop time of the run's files (the CLI: one drop): the snapshot time of rows without an as-of. */
  drop?: string;
  /** inventory: facilities counted on both sides (the others are coverage gaps). */
  facilities?: string[];
  /** fulfillment: "now" for the SLA check, epoch ms. */
  now?: number;
  /**
   * CLI: the files counted (file → version) when a file with the same content as another was
   * left out; rows of other files do not count. (The pipeline leaves such rows out in compare.)
   */
  files?: Record<string, string>;
}

export interface GroupOutcome {
  discrepancies: Discrepancy[];
  /** Boundary keys present on the left / right side, keys present on both that agree, keys left out. */
  left: number;
  right: number;
  /** Keys present on either side. */
  keys: number;
  matched: number;
  outOfScope: number;
  /** Why the group was left out (one warning per distinct reason, with a count). */
  outOfScopeReason?: string;
}

export interface Boundary {
  name: BoundaryName;
  /** [left, right] as in SPEC. */
  sides: readonly [SideName, SideName];
  feeds: Readonly<Partial<Record<SideName, FeedDef>>>;
  /** The report's key fields (the widest key; some types use a prefix of it). */
  keyFields: readonly string[];
  /** The fields whose values group the records classified together (one or two): intake channel +
   * channel order ID, fulfillment order + line, inventory SKU, financial order. */
  groupFields: readonly [string] | readonly [string, string];
  /** The record's identity within its group and side; two rows with one identity are one thing (the newest wins). */
  identityOf(r: CanonRecord): string[];
  /** `identityOf(r).join(SEP)`, without the array. */
  identityKey(r: CanonRecord): string;
  /**
   * Optional: the order of two records' identity keys (<0, 0, >0), exactly as comparing their
   * `identityKey` strings would give, but without building them (the hot path of resolving).
   */
  compareIdentity?(a: CanonRecord, b: CanonRecord): number;
  /** Adds what a record tells about scope to its file's facts. */
  observe(r: CanonRecord, facts: FileFacts): void;
  /** Combines the facts of every file in the run. */
  scope(facts: readonly FileFacts[], config: ReconConfig): { scope: Scope; warnings: Warning[] };
  /** Classifies one group: the newest record per identity, both sides, in identity order. */
  classify(group: readonly CanonRecord[], scope: Scope, config: ReconConfig): GroupOutcome;
}

export const SEP = '\u001f';

/** The group key parts of a record. */
export function groupOf(b: Boundary, r: CanonRecord): string[] {
  return b.groupFields.map((f) => r.f[f] as string);
}

/** The group key parts joined: one string per group. */
export function groupKey(b: Boundary, r: CanonRecord): string {
  const [a, c] = b.groupFields;
  return c === undefined ? (r.f[a] as string) : (r.f[a] as string) + SEP + (r.f[c] as string);
}

/**
 * Identity of a row that has no natural ID: its file and line. Part of the stored key, so the
 * file is a short hash of its name (12 characters), whatever the length of the S3 key.
 */
export function positional(r: CanonRecord): string {
  return `#${shortName(r.file)}:${r.line}`;
}

let lastLong = '';
let lastShort = '';
function shortName(file: string): string {
  if (file !== lastLong) {
    lastLong = file;
    lastShort = createHash('sha256').update(file).digest('base64url').slice(0, 12);
  }
  return lastShort;
}

export function str(v: unknown): string {
  return v === undefined ? '' : String(v);
}
