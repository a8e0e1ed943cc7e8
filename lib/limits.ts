/**
 * Resource limits: every value in a file is partner-controlled, so what one file, one line,
 * one number or one row may cost is bounded, and each bound is configurable (config file
 * `limits`, README "Config"; the pipeline takes the same config from the deploy context).
 * Kept apart from the config schema so that the readers and the decoder, which apply them,
 * do not load zod.
 */
export interface Limits {
  /** Content bytes read from one file, after decompression: a gzip bomb stops here (E_FILE_TOO_LARGE). */
  fileBytes: number;
  /** The longest line (CSV record, JSON row object) in characters: longer stops the file. */
  lineChars: number;
  /** Digits in one number (money, quantity): more rejects the row (a 20M-digit amount would cost minutes). */
  numberDigits: number;
  /** UTF-8 bytes of a row's key values together: more rejects the row (a DynamoDB sort key holds 1,024 bytes). */
  keyBytes: number;
  /** UTF-8 bytes of a row's values together: more rejects the row (a DynamoDB item holds 400 KB). */
  rowBytes: number;
  /** Rejected rows kept in memory and in report.json; the rest are counted and listed in full beside it. */
  keptRejected: number;
  /** Warnings kept in memory and in report.json; the rest are counted and listed in full beside it. */
  keptWarnings: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  fileBytes: 4 * 1024 ** 3,
  lineChars: 8 * 1024 * 1024,
  numberDigits: 40,
  keyBytes: 512,
  rowBytes: 64 * 1024,
  keptRejected: 1000,
  keptWarnings: 1000,
});

/**
 * The most the store can hold, for the config's checks: the key values share a 1,024-byte
 * sort key with the side, the separators and the file's version (twice, for inventory, at
 * most 200 bytes each: lib/pipeline/ingest.ts); the values share a 400 KB item with the key,
 * the file name and the attribute names.
 */
export const MAX_KEY_BYTES = 512;
export const MAX_ROW_BYTES = 384 * 1024;

/** A value quoted in a message: long ones cut, so a reason never carries megabytes. */
export function quoted(text: string, max = 60): string {
  if (text.length <= max) return `"${text}"`;
  return `"${text.slice(0, max)}…" (${text.length} characters)`;
}
