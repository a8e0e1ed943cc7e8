/** CSV reading: delimiter detection, BOM, line endings, quoting, blank lines, line numbers, batches. */
import { describe, expect, it } from 'vitest';
import { readAll, streamSource } from './helpers.ts';

const read = (content: string, sizes?: number[], batchSize?: number) =>
  readAll(streamSource('feed.csv', content, sizes), { batchSize });

describe('delimiter detection', () => {
  it.each([
    [',', 'sku,facility_id,on_hand\nA,DAL1,3\n'],
    [';', 'sku;facility_id;on_hand\nA;DAL1;3,5\n'],
    ['|', 'sku|facility_id|on_hand\nA|DAL1|3\n'],
    ['\t', 'amazon-order-id\tpurchase-date\titem-price\n111-1\t2024-05-01\t12.30\n'],
  ])('detects %j from the header', async (delimiter, content) => {
    const { table, rows } = await read(content);

    expect(table.delimiter).toBe(delimiter);
    expect(table.header).toHaveLength(3);
    expect(rows[0].values).toHaveLength(3);
  });

  it('prefers the delimiter the next line agrees with over the one giving more fields', async () => {
    // ',' splits the header into 3, ';' into 2 — but the data row only agrees with ';'.
    const { table, rows } = await read('name,first;amount,eur\nSmith;1\n');

    expect(table.delimiter).toBe(';');
    expect(table.header).toEqual(['name,first', 'amount,eur']);
    expect(rows[0].values).toEqual(['Smith', '1']);
  });

  it('ignores delimiters inside quoted header names', async () => {
    const { table } = await read('"id;x";"name, full";total\n1;a;2\n');

    expect(table.delimiter).toBe(';');
    expect(table.header).toEqual(['id;x', 'name, full', 'total']);
  });

  it('prefers a clean quoted parse on a header-only file', async () => {
    const { table, rows } = await read('id|"name, full"\n');

    expect(table.delimiter).toBe('|');
    expect(table.header).toEqual(['id', 'name, full']);
    expect(rows).toEqual([]);
  });

  it('reads a one-column file with the default delimiter', async () => {
    const { table, rows } = await read('sku\nA-1\nB-2\n');

    expect(table.delimiter).toBe(',');
    expect(rows.map((r) => r.values)).toEqual([['A-1'], ['B-2']]);
  });
});

describe('encoding and line endings', () => {
  it('strips a UTF-8 BOM from the first header name', async () => {
    const { table } = await read('\uFEFFid,total\n1,2\n');

    expect(table.header).toEqual(['id', 'total']);
  });

  it('reads CRLF files without a trailing CR in the last cell', async () => {
    const { table, rows } = await read('id,total\r\n1,2.00\r\n2,3.00\r\n');

    expect(table.header).toEqual(['id', 'total']);
    expect(rows).toEqual([
      { line: 2, values: ['1', '2.00'] },
      { line: 3, values: ['2', '3.00'] },
    ]);
  });

  it('treats a lone CR as a line end (old Mac exports), mixed with LF and CRLF', async () => {
    const { rows } = await read('id,total\r1,2\r\n2,3\n3,4\r');

    expect(rows).toEqual([
      { line: 2, values: ['1', '2'] },
      { line: 3, values: ['2', '3'] },
      { line: 4, values: ['3', '4'] },
    ]);
  });

  it('does not let a lone CR hide in a short line before an LF', async () => {
    const { rows } = await read('n\r1\n2\r\n3\r4');

    expect(rows.map((r) => [r.line, r.values[0]])).toEqual([
      [2, '1'],
      [3, '2'],
      [4, '3'],
      [5, '4'],
    ]);
  });

  it('keeps a CRLF split across two chunks as one line end', async () => {
    const content = 'id,total\r\n1,2\r\n2,3\r\n';
    const cut = content.indexOf('\r\n', 9) + 1; // between CR and LF of row 1

    const { rows } = await read(content, [cut, 1, 64]);

    expect(rows).toEqual([
      { line: 2, values: ['1', '2'] },
      { line: 3, values: ['2', '3'] },
    ]);
  });

  it('keeps multi-byte characters split across chunks (1-byte chunks)', async () => {
    const { table, rows } = await read('name,city\nZoë,Zürich\n李,北京\n😀,"𝄞 ""x"""\n', [1]);

    expect(table.header).toEqual(['name', 'city']);
    expect(rows.map((r) => r.values)).toEqual([
      ['Zoë', 'Zürich'],
      ['李', '北京'],
      ['😀', '𝄞 "x"'],
    ]);
  });
});

describe('quoting (RFC 4180, leniently)', () => {
  it('reads embedded delimiters, doubled quotes and embedded newlines as-is', async () => {
    const { rows } = await read('id,note,total\n1,"a, b",2\n2,"say ""hi""",3\n3,"two\r\nlines\nand\rthree",4\n4,x,5\n');

    expect(rows).toEqual([
      { line: 2, values: ['1', 'a, b', '2'] },
      { line: 3, values: ['2', 'say "hi"', '3'] },
      { line: 4, values: ['3', 'two\r\nlines\nand\rthree', '4'] },
      { line: 8, values: ['4', 'x', '5'] },
    ]);
  });

  it('takes a stray quote inside an unquoted field literally', async () => {
    const { rows } = await read('sku,title\nA,12" pizza\nB,5"\n');

    expect(rows.map((r) => r.values)).toEqual([
      ['A', '12" pizza'],
      ['B', '5"'],
    ]);
  });

  it('keeps text after a closing quote in the field', async () => {
    const { rows } = await read('a,b\n"x"y,2\n');

    expect(rows[0].values).toEqual(['xy', '2']);
  });

  it('quoted empty cells are cells, and a lone "" line is a row', async () => {
    const { rows } = await read('a\n""\n\nb\n');

    expect(rows).toEqual([
      { line: 2, values: [''] },
      { line: 4, values: ['b'] },
    ]);
  });
});

describe('rows', () => {
  it('skips blank lines but counts them, and reads a last line without newline', async () => {
    const { rows } = await read('id,total\n\n1,2\n\r\n\n2,3');

    expect(rows).toEqual([
      { line: 3, values: ['1', '2'] },
      { line: 6, values: ['2', '3'] },
    ]);
  });

  it('skips whitespace-only lines before the header and numbers lines physically', async () => {
    const { table, rows } = await read('\n  \n\nid,total\n1,2\n');

    expect(table.header).toEqual(['id', 'total']);
    expect(rows).toEqual([{ line: 5, values: ['1', '2'] }]);
  });

  it('does not trim cells, and yields rows with the wrong number of cells as they are', async () => {
    const { rows } = await read('a,b\n 1 , 2 \n3\n4,5,6\n,\n');

    expect(rows.map((r) => r.values)).toEqual([[' 1 ', ' 2 '], ['3'], ['4', '5', '6'], ['', '']]);
  });

  it('hands rows over in batches of 4096 by default', async () => {
    const content = 'n\n' + Array.from({ length: 10_000 }, (_, i) => `${i}\n`).join('');

    const { rows, batchSizes } = await read(content);

    expect(batchSizes).toEqual([4096, 4096, 1808]);
    expect(rows[9999]).toEqual({ line: 10_001, values: ['9999'] });
  });

  it('gives the same rows whatever the chunk size, quoted and unquoted lines mixed', async () => {
    const lines = Array.from({ length: 300 }, (_, i) => (i % 7 === 0 ? `${i},"q ${i}\n, ""x""",${i}` : `${i},plain ${i},${i}`));
    const content = 'id,text,n\r\n' + lines.join('\r\n') + '\r\n';
    const whole = await read(content);

    for (const sizes of [[1], [2, 3], [17], [4096]]) {
      const chunked = await read(content, sizes, 13);
      expect(chunked.rows).toEqual(whole.rows);
    }
    expect(whole.rows).toHaveLength(300);
    expect(whole.rows[7]).toEqual({ line: 10, values: ['7', 'q 7\n, "x"', '7'] });
    expect(whole.rows[8].line).toBe(12); // rows 0 and 7 span two lines each
  });
});
