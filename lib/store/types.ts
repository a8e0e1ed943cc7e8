/**
 * What the pipeline keeps in DynamoDB (docs/data-model.md): keyed records, the per-file
 * manifest and the runs. Everything in lib/store speaks
 * these types; the engine (lib/) produces and consumes them, the handlers (functions/) only
 * pass them through.
 */
import type { BoundaryName, FeedName, SideName } from '../feeds/catalog.ts';
import type { Summary } from '../report/model.ts';

/**
 * One stored row, keyed. One item per boundary + group + side + identity: a record with a
 * higher `version` overwrites the stored one, a lower one never does (conditional PutItem),
 * so ingesting a file twice, or an older file after a newer one, leaves the same state.
 */
export interface KeyedRecord {
  boundary: BoundaryName;
  /**
   * The boundary's group key parts — intake [channel, channel_order_id]; fulfillment
   * [order_id, line_id]; inventory [sku]; financial [order_id]. All records of one group are
   * stored contiguously and read back together. At least one part; no control characters.
   */
  group: string[];
  side: SideName;
  /**
   * The rest of the record's identity inside the group, e.g. inventory [facility_id],
   * fulfillment [location_id, shipment_id or '#'+file id+line], financial [kind, document_id or
   * '#'+file id+line]. May be empty; no control characters.
   */
  identity: string[];
  /**
   * Sortable ASCII text: `[<snapshot time> ]<S3 eventTime> <sequencer> <line>` ({@link recordVersion}).
   * Compared in byte order (DynamoDB's `<` on strings).
   */
  version: string;
  feed: FeedName;
  /** Canonical text values (decimals as canonical decimal text, timestamps ISO). */
  fields: Record<string, string>;
  /** The short id of the source object ({@link fileIdOf}); its manifest holds the S3 key. */
  fileId: string;
  /** Where the row came from (`s3://bucket/key` or a path) — not stored: read back, it is the file id until resolved through the manifests. */
  file: string;
  /** The 1-based line in the source file. */
  line: number;
}

/** One source object, as S3 named it (the manifest's identity). */
export interface FileRef {
  boundary: BoundaryName;
  bucket: string;
  key: string;
  /** The S3 versionId, or the ETag when the bucket is not versioned. */
  objectVersion: string;
}

export type FileStatus = 'processing' | 'done' | 'failed';

/** The manifest item of one source file: the idempotency record of ingestion. */
export interface FileManifest extends FileRef {
  feed: FeedName;
  status: FileStatus;
  /** The token of the current claim (claimFile returns it; complete/fail must present it). */
  claim: string;
  /** ISO time the current claim was taken. */
  startedAt: string;
  /** Epoch ms after which a `processing` claim may be taken over. */
  leaseUntil: number;
  finishedAt?: string;
  /** sha256 (hex) of the object's bytes. */
  checksum?: string;
  rowsRead?: number;
  rowsStored?: number;
  rowsRejected?: number;
  rowsSkipped?: number;
  /** S3 key of the file's rejected rows. */
  rejectedKey?: string;
  /** A small JSON map the engine supplies (channels seen, facilities + as-of…). */
  facts?: Record<string, unknown>;
  /** The first warnings (capped), and how many there were. */
  warnings?: string[];
  warningCount?: number;
  /** Why the file failed (status `failed`). */
  error?: { code: string; message: string };
  /** Epoch seconds (DynamoDB TTL). */
  ttl?: number;
  /** A chunked ingest's progress (lib/pipeline/chunk.ts): what is durably written so far. */
  checkpoint?: FileCheckpoint;
  /** The S3 event record that named the file (JSON), so a stuck ingest can be resumed as it began. */
  source?: string;
  /** Set when an invocation hands the file to its continuation: the continuation presents it to take the claim. */
  handoff?: string;
  /** The file's short id, as its records carry it ({@link fileIdOf}). */
  fileId?: string;
}

/**
 * How far a chunked ingest got, written only after everything it counts is durable: the first
 * `records` records are in the table and the first `rejectedParts` / `warningParts` parts of
 * the rejected-rows and warnings lists are in S3. The row counts are the reader's at that point.
 */
export interface FileCheckpoint {
  /** Records (decoded rows handed to the store) written, in file order. */
  records: number;
  rejectedParts: number;
  warningParts: number;
  read: number;
  used: number;
  rejected: number;
  skipped: number;
  /** The last line read. */
  line: number;
  /** Invocations that worked on the file so far (this one included). */
  invocations: number;
  /** ISO time of the checkpoint. */
  at: string;
  /** The time the reader judges timestamps against (the first invocation's), so every pass reads the rows alike. */
  readAt?: string;
  /** A snapshot file: confirmation-set parts written so far (lib/pipeline/confirm.ts), and the shards they cover. */
  confirmParts?: number;
  confirmed?: number[];
  /** What the write path did with the records before the checkpoint (upsert.ts counts and `olderSnapshot`), summed over the invocations. */
  writes?: Record<string, number>;
}

/** `nothing_compared`: the run finished but compared no key; the next run compares against the last `succeeded` one. */
export type RunStatus = 'running' | 'succeeded' | 'nothing_compared' | 'failed';

/** The report summary plus the run's comparison against the previous run. */
export type RunSummary = Summary & { new?: number; ongoing?: number; resolved?: number };

export interface RunItem {
  boundary: BoundaryName;
  runId: string;
  /** ISO (`toISOString()` form): runs sort by it. */
  startedAt: string;
  status: RunStatus;
  finishedAt?: string;
  summary?: RunSummary;
  /** S3 key of report.json. */
  reportKey?: string;
  /** S3 key of the run's discrepancy identities (for new / ongoing / resolved next time). */
  discrepanciesKey?: string;
  ttl?: number;
}

/** Retry knobs shared by every call in lib/store. */
export interface RetryOptions {
  /** Attempts per request (first try included). Default 10. */
  maxAttempts?: number;
  /** Base of the exponential backoff (full jitter). Default 50 ms. */
  baseDelayMs?: number;
  /** Cap of one backoff sleep. Default 5000 ms. */
  maxDelayMs?: number;
}
