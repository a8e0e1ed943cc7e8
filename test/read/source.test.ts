/** Sources: paths and named streams, gzip by magic number, streaming (lazy pull, release, bounded memory). */
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTable } from '../../lib/read/open.ts';
import { readAll, streamSource } from './helpers.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'read-source-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const CSV = 'sku;facility_id;on_hand\r\nA-1;DAL1;12\r\nB-2;"DAL;2";-3\r\n';
const ROWS = [
  { line: 2, values: ['A-1', 'DAL1', '12'] },
  { line: 3, values: ['B-2', 'DAL;2', '-3'] },
];

describe('paths and streams', () => {
  it('reads a file on disk, named as the user gave it', async () => {
    const path = join(dir, 'inventory.csv');
    await writeFile(path, CSV);

    const { table, rows } = await readAll(path);

    expect({ file: table.file, format: table.format, delimiter: table.delimiter, compressed: table.compressed }).toEqual({
      file: path,
      format: 'csv',
      delimiter: ';',
      compressed: false,
    });
    expect(rows).toEqual(ROWS);
  });

  it('detects gzip by its magic number, whatever the name', async () => {
    const path = join(dir, 'inventory-gzipped.csv'); // no .gz
    await writeFile(path, gzipSync(CSV));

    const { table, rows } = await readAll(path);

    expect(table.compressed).toBe(true);
    expect(rows).toEqual(ROWS);
  });

  it('reads a .gz-named file that is not gzip as plain text', async () => {
    const { table, rows } = await readAll(streamSource('s3://bucket/in/inventory.csv.gz', CSV));

    expect(table.compressed).toBe(false);
    expect(table.file).toBe('s3://bucket/in/inventory.csv.gz');
    expect(rows).toEqual(ROWS);
  });

  it('reads an S3-style body given as an async iterable of Uint8Array, gzipped, in 1-byte chunks', async () => {
    const { table, rows } = await readAll(streamSource('s3://b/k', gzipSync(CSV), [1], 'iterable'));

    expect(table.compressed).toBe(true);
    expect(rows).toEqual(ROWS);
  });

  it('reads concatenated gzip members (as `cat a.gz b.gz` makes)', async () => {
    const bytes = Buffer.concat([gzipSync('id,n\n1,a\n'), gzipSync('2,b\n')]);

    const { rows } = await readAll(streamSource('two-members.csv.gz', bytes));

    expect(rows.map((r) => r.values)).toEqual([
      ['1', 'a'],
      ['2', 'b'],
    ]);
  });
});

describe('streaming', () => {
  /** An endless CSV body that counts the chunks pulled and notices when it is released. */
  function endlessCsv() {
    const state = { pulled: 0, released: false };
    const source = {
      name: 'endless.csv',
      open: () =>
        (async function* () {
          try {
            yield Buffer.from('id,qty\n');
            for (let i = 0; ; i++) {
              state.pulled++;
              yield Buffer.from(Array.from({ length: 1000 }, (_, k) => `${i * 1000 + k},1\n`).join('')); // ~8 KB
            }
          } finally {
            state.released = true;
          }
        })(),
    };
    return { source, state };
  }

  it('pulls only what the consumer asks for, and releases the source on break', async () => {
    const { source, state } = endlessCsv();
    const table = await openTable(source, { batchSize: 250 });

    let first: number[] = [];
    for await (const batch of table.rows()) {
      first = batch.map((r) => r.line);
      break;
    }

    expect(first).toHaveLength(250);
    expect(first[0]).toBe(2);
    // The delimiter sample (64 KB) and one batch: a handful of 8 KB chunks, not the endless rest.
    expect(state.pulled).toBeLessThan(20);
    expect(state.released).toBe(true);
  });

  it('destroys a Readable body when the consumer stops early (S3 sockets are not leaked)', async () => {
    const body = Readable.from((function* () {
      yield 'id\n';
      for (let i = 0; i < 1e6; i++) yield `${i}\n`;
    })());
    const table = await openTable({ name: 's3://b/k', open: () => body });

    for await (const _batch of table.rows()) break;

    expect(body.destroyed).toBe(true);
  });

  it.skipIf(process.platform !== 'linux')('closes the file when the consumer stops early, plain or gzipped', async () => {
    const big = 'id,n\n' + Array.from({ length: 200_000 }, (_, i) => `${i},x`).join('\n');
    const plain = join(dir, 'big.csv');
    const gz = join(dir, 'big.csv.gz');
    await writeFile(plain, big);
    await writeFile(gz, gzipSync(big));
    const openFds = () => readdirSync('/proc/self/fd').length;
    const before = openFds();

    for (const path of [plain, gz]) {
      const table = await openTable(path, { batchSize: 10 });
      for await (const _batch of table.rows()) break;
    }

    expect(openFds()).toBe(before);
  });

  it.skipIf(process.platform !== 'linux')('closes the file when opening fails after it was opened', async () => {
    const path = join(dir, 'bad.json');
    await writeFile(path, '[1, 2, 3]');
    const before = readdirSync('/proc/self/fd').length;

    await expect(openTable(path)).rejects.toThrow(/not an object/);

    expect(readdirSync('/proc/self/fd').length).toBe(before);
  });

  it('refuses to iterate a table twice', async () => {
    const table = await openTable(streamSource('x.csv', 'a\n1\n'));
    for await (const _batch of table.rows());

    expect(() => table.rows()).toThrow(/already/);
  });

  it('reads a 60 MB stream without holding it in memory', async () => {
    const rowsPerChunk = 10_000;
    const chunks = 200; // 2M rows, ~60 MB
    const source = {
      name: 'big.csv',
      open: () =>
        (async function* () {
          yield Buffer.from('sku,facility_id,on_hand,cost\n');
          for (let c = 0; c < chunks; c++) {
            let s = '';
            for (let k = 0; k < rowsPerChunk; k++) s += `SKU-${c * rowsPerChunk + k},DC1,${k},1.${k % 100}\n`;
            yield Buffer.from(s);
          }
        })(),
    };
    const before = process.memoryUsage().heapUsed;
    let peak = 0;
    let count = 0;

    const table = await openTable(source);
    for await (const batch of table.rows()) {
      count += batch.length;
      peak = Math.max(peak, process.memoryUsage().heapUsed - before);
    }

    expect(count).toBe(chunks * rowsPerChunk);
    // Holding the file would take > 120 MB of strings alone (UTF-16 in a join, plus rows).
    expect(peak).toBeLessThan(100 * 1024 * 1024);
  }, 60_000);
});
