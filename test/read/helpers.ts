/** Shared helpers for the reader tests: chunked sources, draining a table, error capture. */
import { Readable } from 'node:stream';
import { expect } from 'vitest';
import { ReconError } from '../../lib/errors.ts';
import { openTable } from '../../lib/read/open.ts';
import type { RawRow, Table, TableSource } from '../../lib/read/table.ts';

/** Cuts bytes into chunks whose sizes cycle through `sizes` (all >= 1). */
export function chunk(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const size = sizes[k % sizes.length];
    out.push(bytes.subarray(at, at + size));
    at += size;
  }
  return out;
}

/**
 * A named stream source handing the bytes over in chunks. `kind` picks the shape an S3 body
 * may have: a Node Readable, or a plain async iterable of Uint8Array.
 */
export function streamSource(
  name: string,
  bytes: Uint8Array | string,
  sizes: number[] = [64 * 1024],
  kind: 'readable' | 'iterable' = 'readable',
): TableSource {
  const data = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  const pieces = chunk(data, sizes);
  return {
    name,
    open: () =>
      kind === 'readable'
        ? Readable.from(pieces.map((p) => Buffer.from(p)))
        : (async function* () {
            for (const p of pieces) yield new Uint8Array(p); // plain Uint8Array, not Buffer
          })(),
  };
}

export interface ReadResult {
  table: Table;
  rows: RawRow[];
  /** For each batch: was every row's values exactly as long as the header when it was yielded? */
  alignedAtYield: boolean[];
  batchSizes: number[];
}

/** Opens and drains a table, copying rows and checking JSON alignment at each yield. */
export async function readAll(source: TableSource, options: { batchSize?: number } = {}): Promise<ReadResult> {
  const table = await openTable(source, options);
  const rows: RawRow[] = [];
  const alignedAtYield: boolean[] = [];
  const batchSizes: number[] = [];
  for await (const batch of table.rows()) {
    batchSizes.push(batch.length);
    alignedAtYield.push(batch.every((r) => r.values.length === table.header.length));
    for (const r of batch) rows.push({ line: r.line, values: [...r.values] });
  }
  return { table, rows, alignedAtYield, batchSizes };
}

/** Runs `act` and returns the error it throws (failing the test when it does not throw). */
export async function caught(act: () => Promise<unknown>): Promise<unknown> {
  try {
    await act();
  } catch (e) {
    return e;
  }
  expect.fail('expected an error, but none was thrown');
}

/** Asserts a ReconError with the given code, file and (when given) line / column. */
export function expectReconError(
  e: unknown,
  expected: { code: string; file: string; line?: number; column?: number; message?: RegExp },
): asserts e is ReconError {
  expect(e).toBeInstanceOf(ReconError);
  const err = e as ReconError;
  expect({ code: err.code, file: err.file }).toEqual({ code: expected.code, file: expected.file });
  if (expected.line !== undefined) expect(err.line).toBe(expected.line);
  if (expected.column !== undefined) expect(err.column).toBe(expected.column);
  if (expected.message) expect(err.message).toMatch(expected.message);
}

/** A small deterministic PRNG (mulberry32), for choices a property derives from one seed. */
export { mulberry32 as prng } from '../../lib/sample/prng.ts';
