/**
 * The error catalogue. Every failure the product reports to a user carries a stable code
 * (documented in the README), a message that names the file and line where one exists,
 * and the underlying cause. Anything that is not a ReconError is a bug.
 */
export const ErrorCodes = {
  /** Bad command-line arguments. */
  USAGE: 'E_USAGE',
  /** The file does not exist or cannot be opened. */
  FILE_UNREADABLE: 'E_FILE_UNREADABLE',
  /** The file is empty (no header row, no JSON value). */
  FILE_EMPTY: 'E_FILE_EMPTY',
  /** The file has a header but no data rows. */
  NO_ROWS: 'E_NO_ROWS',
  /** The file is not UTF-8 text (binary, or another encoding). */
  NOT_TEXT: 'E_NOT_TEXT',
  /** The CSV is malformed beyond one row (an unclosed quote at end of file). */
  CSV_SYNTAX: 'E_CSV_SYNTAX',
  /** The JSON is malformed. */
  JSON_SYNTAX: 'E_JSON_SYNTAX',
  /** A required column of the feed is not in the header (after presets and mapping). */
  MISSING_COLUMN: 'E_MISSING_COLUMN',
  /**
   * Two header columns read as one field (equal after normalising case, spaces, `-` and `_`,
   * e.g. `On Hand` and `on-hand`): which one holds the values is anyone's guess.
   */
  DUPLICATE_COLUMN: 'E_DUPLICATE_COLUMN',
  /** The config or mapping file is invalid. */
  CONFIG_INVALID: 'E_CONFIG_INVALID',
  /** Every row of a side was rejected: nothing to compare. */
  NO_USABLE_ROWS: 'E_NO_USABLE_ROWS',
  /** The run compared no key (every facility a coverage gap, every order out of scope…): no answer to give. */
  NOTHING_COMPARED: 'E_NOTHING_COMPARED',
  /** The file's content (after decompression) is over limits.fileBytes: a gzip bomb, or a file too large to read. */
  FILE_TOO_LARGE: 'E_FILE_TOO_LARGE',
  /** A storage or service call failed after its retries. */
  STORAGE: 'E_STORAGE',
  /** The environment lacks what is needed: an environment variable of a handler, a package of `oms-recon local`. */
  ENVIRONMENT: 'E_ENVIRONMENT',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface ErrorLocation {
  file?: string;
  line?: number;
  column?: number;
}

export class ReconError extends Error {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;

  constructor(code: ErrorCode, message: string, where: ErrorLocation = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReconError';
    this.code = code;
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
  }

  /** `file:line:column: message [code]`, the form printed to users. */
  describe(): string {
    let where = '';
    if (this.file) {
      where = this.file;
      if (this.line !== undefined) where += `:${this.line}`;
      if (this.column !== undefined) where += `:${this.column}`;
      where += ': ';
    }
    return `${where}${this.message} [${this.code}]`;
  }
}

export function isReconError(e: unknown): e is ReconError {
  return e instanceof ReconError;
}
