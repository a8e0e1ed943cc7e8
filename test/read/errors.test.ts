/** Every reader failure is a ReconError with the stable code, the file, and the line where one exists. */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../lib/errors.ts';
import { openTable } from '../../lib/read/open.ts';
import { caught, expectReconError, readAll, streamSource } from './helpers.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'read-errors-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FILE_UNREADABLE', () => {
  it('names the path of a missing file', async () => {
    const path = join(dir, 'missing.csv');

    const error = await caught(() => openTable(path));

    expectReconError(error, { code: ErrorCodes.FILE_UNREADABLE, file: path, message: /cannot open file: no such file/ });
    // What the user sees names the path, once.
    expect(error.describe()).toBe(`${path}: cannot open file: no such file [E_FILE_UNREADABLE]`);
  });

  it('refuses a directory', async () => {
    const error = await caught(() => openTable(dir));

    expectReconError(error, { code: ErrorCodes.FILE_UNREADABLE, file: dir, message: /directory/ });
  });

  it.skipIf(process.getuid?.() === 0)('refuses a file without read permission', async () => {
    const path = join(dir, 'secret.csv');
    await writeFile(path, 'a,b\n1,2\n');
    await chmod(path, 0o000);

    const error = await caught(() => openTable(path));

    expectReconError(error, { code: ErrorCodes.FILE_UNREADABLE, file: path, message: /permission denied/ });
  });

  it('reports a stream that cannot be opened (e.g. access denied on S3)', async () => {
    const source = {
      name: 's3://bucket/feeds/orders.csv',
      open: (): Readable => {
        throw Object.assign(new Error('Access Denied'), { code: 'EACCES' });
      },
    };

    const error = await caught(() => openTable(source));

    expectReconError(error, { code: ErrorCodes.FILE_UNREADABLE, file: 's3://bucket/feeds/orders.csv', message: /permission denied/ });
  });

  it('reports a stream that fails half-way, from rows()', async () => {
    const source = {
      name: 's3://bucket/feeds/orders.csv',
      open: () =>
        (async function* () {
          yield Buffer.from('id,total\n1,2.00\n');
          throw new Error('socket hang up');
        })(),
    };

    const error = await caught(() => readAll(source));

    expectReconError(error, { code: ErrorCodes.FILE_UNREADABLE, file: 's3://bucket/feeds/orders.csv', message: /cannot read file: socket hang up/ });
  });

  it('reports gzip data that is corrupt', async () => {
    const bytes = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x03, 0x99, 0x99, 0x99]);

    const error = await caught(() => readAll(streamSource('orders.csv.gz', bytes)));

    expectReconError(error, { code: ErrorCodes.FILE_UNREADABLE, file: 'orders.csv.gz', message: /gzip data is corrupt or truncated/ });
  });

  it('reports gzip data that is truncated (an interrupted upload)', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `SKU-${i},DAL1,${i}`).join('\n');
    const gz = gzipSync(`sku,facility_id,on_hand\n${rows}\n`);
    const truncated = gz.subarray(0, Math.floor(gz.length / 2));

    const error = await caught(() => readAll(streamSource('inventory.csv.gz', truncated)));

    expectReconError(error, { code: ErrorCodes.FILE_UNREADABLE, file: 'inventory.csv.gz', message: /gzip/ });
  });
});

describe('FILE_EMPTY', () => {
  it('zero bytes on disk', async () => {
    const path = join(dir, 'empty.csv');
    await writeFile(path, '');

    const error = await caught(() => openTable(path));

    expectReconError(error, { code: ErrorCodes.FILE_EMPTY, file: path });
  });

  it('only a BOM and whitespace', async () => {
    const error = await caught(() => openTable(streamSource('blank.csv', '\uFEFF \r\n\n\t  \n', [1])));

    expectReconError(error, { code: ErrorCodes.FILE_EMPTY, file: 'blank.csv' });
  });

  it('a gzip of nothing', async () => {
    const error = await caught(() => openTable(streamSource('empty.json.gz', gzipSync(Buffer.alloc(0)))));

    expectReconError(error, { code: ErrorCodes.FILE_EMPTY, file: 'empty.json.gz' });
  });
});

describe('NOT_TEXT', () => {
  it('names the line of a Latin-1 byte, even split across 1-byte chunks', async () => {
    const latin1 = Buffer.concat([Buffer.from('id,name\n1,Zoe\n2,Ren'), Buffer.from([0xe9]), Buffer.from('\n3,Al\n')]);

    for (const sizes of [[64 * 1024], [1], [3, 5]]) {
      const error = await caught(() => readAll(streamSource('customers.csv', latin1, sizes)));
      expectReconError(error, { code: ErrorCodes.NOT_TEXT, file: 'customers.csv', line: 3, message: /0xE9.*UTF-8/ });
    }
  });

  it('names the line of a NUL byte (binary data)', async () => {
    const bytes = Buffer.from('a,b\n1,2\n3,4\n5,\u0000\n');

    const error = await caught(() => readAll(streamSource('data.csv', bytes)));

    expectReconError(error, { code: ErrorCodes.NOT_TEXT, file: 'data.csv', line: 4, message: /NUL/ });
  });

  it('fails at open when the header line is not UTF-8', async () => {
    const bytes = Buffer.from([0x6e, 0x61, 0x6d, 0xc3, 0x28, 0x0a, 0x31, 0x0a]); // "nam" + bad pair + "\n1\n"

    const error = await caught(() => openTable(streamSource('x.csv', bytes)));

    expectReconError(error, { code: ErrorCodes.NOT_TEXT, file: 'x.csv', line: 1 });
  });

  it('counts skipped blank lines and JSON lines too', async () => {
    const bytes = Buffer.concat([Buffer.from('\n\n[{"a": "ok"},\n {"a": "'), Buffer.from([0xff]), Buffer.from('"}]')]);

    const error = await caught(() => readAll(streamSource('x.json', bytes, [2])));

    expectReconError(error, { code: ErrorCodes.NOT_TEXT, file: 'x.json', line: 4 });
  });

  it('recognises UTF-16', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b\n', 'utf16le')]);

    const error = await caught(() => openTable(streamSource('export.csv', utf16)));

    expectReconError(error, { code: ErrorCodes.NOT_TEXT, file: 'export.csv', line: 1, message: /UTF-16/ });
  });

  it('a file cut in the middle of a multi-byte character', async () => {
    const bytes = Buffer.from('a\nb\nd\u00e9j\u00e0', 'utf8').subarray(0, -1);

    // (Chunks of any size: a chunk's text ends at its last line break, the rest goes on.)
    for (const sizes of [[64 * 1024], [1], [2, 3]]) {
      const error = await caught(() => readAll(streamSource('cut.csv', bytes, sizes)));
      expectReconError(error, { code: ErrorCodes.NOT_TEXT, file: 'cut.csv', line: 3 });
    }
  });
});

describe('CSV_SYNTAX', () => {
  it('an unclosed quote names the line (and column) where the quoted field opened', async () => {
    const csv = 'id,note,total\n1,fine,2\n2,"broken\nstill inside,3\nand more\n';

    const error = await caught(() => readAll(streamSource('orders.csv', csv, [7])));

    expectReconError(error, { code: ErrorCodes.CSV_SYNTAX, file: 'orders.csv', line: 3, column: 3, message: /unclosed quote.*line 3/ });
  });

  it('an unclosed quote that runs on for megabytes is refused without reading the whole file', async () => {
    let pulled = 0;
    const source = {
      name: 'huge.csv',
      open: () =>
        (async function* () {
          yield Buffer.from('id,note\n1,"opens here\n');
          const block = Buffer.from('x'.repeat(1023) + '\n');
          const mb = Buffer.concat(Array.from({ length: 1024 }, () => block));
          for (let i = 0; i < 1000; i++) {
            pulled++;
            yield mb; // up to 1000 MB: far more than the limit
          }
        })(),
    };

    const error = await caught(() => readAll(source));

    expectReconError(error, { code: ErrorCodes.CSV_SYNTAX, file: 'huge.csv', line: 2, message: /unclosed quote/ });
    expect(pulled).toBeLessThan(100);
  });
});

describe('JSON_SYNTAX', () => {
  it('refuses a file named as JSON that holds a bare value, instead of reading it as CSV', async () => {
    for (const [name, text] of [['total.json', '\n42\n'], ['orders.ndjson.gz', 'hello']] as const) {
      const path = join(dir, name);
      await writeFile(path, name.endsWith('.gz') ? gzipSync(text) : text);

      const error = await caught(() => openTable(path));

      expectReconError(error, { code: ErrorCodes.JSON_SYNTAX, file: path, line: name === 'total.json' ? 2 : 1, message: /named as JSON but does not start with an array or an object/ });
    }
  });

  it('a string that never ends is refused after 32 M characters, not read to the end', async () => {
    let pulled = 0;
    const source = {
      name: 'huge.json',
      open: () =>
        (async function* () {
          yield Buffer.from('[{"id": 1},\n{"note": "opens here');
          const mb = Buffer.alloc(1024 * 1024, 'x');
          for (let i = 0; i < 1000; i++) {
            pulled++;
            yield mb;
          }
        })(),
    };

    const error = await caught(() => readAll(source));

    expectReconError(error, { code: ErrorCodes.JSON_SYNTAX, file: 'huge.json', line: 2, column: 1, message: /longer than/ });
    expect(pulled).toBeLessThan(100);
  });

  it('names line and column of a missing comma', async () => {
    const json = '[\n  {"id": 1},\n  {"id": 2 "total": 3}\n]';

    const error = await caught(() => readAll(streamSource('orders.json', json, [5])));

    expectReconError(error, { code: ErrorCodes.JSON_SYNTAX, file: 'orders.json', line: 3, column: 12, message: /expected ',' or '}'.*found '"'/ });
  });

  it('names the line of an array element that is not an object', async () => {
    const json = '[\n{"id": 1},\n"oops",\n{"id": 2}\n]';

    const error = await caught(() => readAll(streamSource('orders.json', json)));

    expectReconError(error, { code: ErrorCodes.JSON_SYNTAX, file: 'orders.json', line: 3, message: /a string, not an object/ });
  });

  it('an array of scalars fails at open, on the first element', async () => {
    const error = await caught(() => openTable(streamSource('nums.json', '[1, 2, 3]')));

    expectReconError(error, { code: ErrorCodes.JSON_SYNTAX, file: 'nums.json', line: 1, column: 2, message: /a number, not an object/ });
  });

  it('an object holding no array of rows', async () => {
    const json = '{\n  "id": 1,\n  "total": "2.00"\n}\n';

    const error = await caught(() => openTable(streamSource('one.json', json)));

    expectReconError(error, { code: ErrorCodes.JSON_SYNTAX, file: 'one.json', line: 1, message: /no array of row objects/ });
  });

  it('an object holding two arrays', async () => {
    const json = '{"orders": [{"id": 1}],\n "refunds": [{"id": 2}]}';

    const error = await caught(() => readAll(streamSource('two.json', json)));

    expectReconError(error, { code: ErrorCodes.JSON_SYNTAX, file: 'two.json', line: 2, message: /more than one array: "orders" \(line 1\) and "refunds"/ });
  });

  it('an NDJSON line that is not an object', async () => {
    const ndjson = '{"id": 1}\n{"id": 2}\n[3]\n';

    const error = await caught(() => readAll(streamSource('rows.ndjson', ndjson)));

    expectReconError(error, { code: ErrorCodes.JSON_SYNTAX, file: 'rows.ndjson', line: 3, column: 1, message: /NDJSON/ });
  });

  it('an array that is never closed', async () => {
    const error = await caught(() => readAll(streamSource('cut.json', '[{"id": 1},\n{"id": 2}')));

    expectReconError(error, { code: ErrorCodes.JSON_SYNTAX, file: 'cut.json', line: 2, message: /array opened on line 1 is not closed/ });
  });

  it('content after the array', async () => {
    const error = await caught(() => readAll(streamSource('x.json', '[{"id": 1}]\n[{"id": 2}]')));

    expectReconError(error, { code: ErrorCodes.JSON_SYNTAX, file: 'x.json', line: 2, column: 1 });
  });

  it.each([
    ['a leading zero', '[{"n": 01}]'],
    ['a bare fraction', '[{"n": .5}]'],
    ['a trailing dot', '[{"n": 1.}]'],
    ['NaN', '[{"n": NaN}]'],
    ['a bad escape', '[{"s": "a\\qb"}]'],
    ['a raw line break in a string', '[{"s": "a\nb"}]'],
    ['single quotes', "[{'s': 1}]"],
    ['a trailing comma', '[{"n": 1},]'],
    ['an unterminated string', '[{"s": "abc'],
    ['a member name missing its opening quote', '[{"a": 1}, {xa": 2}]'],
    ['a member name missing its closing quote', '[{"a": 1}, {"a: 2}]'],
  ])('refuses %s', async (_what, json) => {
    const error = await caught(() => readAll(streamSource('bad.json', json, [3])));

    expectReconError(error, { code: ErrorCodes.JSON_SYNTAX, file: 'bad.json', line: 1 });
  });

  it('refuses nesting deeper than 256 levels (instead of overflowing the stack)', async () => {
    const json = `[{"deep": ${'['.repeat(100_000)}${']'.repeat(100_000)}}]`;

    const error = await caught(() => readAll(streamSource('deep.json', json)));

    expectReconError(error, { code: ErrorCodes.JSON_SYNTAX, file: 'deep.json', message: /nested more than 256/ });
  });
});

describe('header-only files are not an error for the reader', () => {
  it.each([
    ['orders.csv', 'id,total\r\n', ['id', 'total']],
    ['orders.json', '[]', []],
    ['orders.json', '{"generated_at": "2024-05-01", "orders": []}', []],
  ])('%s %j gives the header and zero rows', async (name, content, header) => {
    const { table, rows } = await readAll(streamSource(name, content));

    expect(table.header).toEqual(header);
    expect(rows).toEqual([]);
  });
});
