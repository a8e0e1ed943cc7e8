/** JSON reading: the three layouts, exact numbers, cells, header growth, line numbers. */
import { describe, expect, it } from 'vitest';
import { openTable } from '../../lib/read/open.ts';
import { readAll, streamSource } from './helpers.ts';

const read = (name: string, content: string, sizes?: number[], batchSize?: number) =>
  readAll(streamSource(name, content, sizes), { batchSize });

describe('JSON array of objects', () => {
  it('keeps numbers as their exact source text (money never goes through a float)', async () => {
    const json = '[{"amount": 12.30, "qty": 1e3, "big": 12345678901234567890.10, "neg": -0.0, "e": 1E+2}]';

    const { table, rows } = await read('tx.json', json);

    expect(table.format).toBe('json');
    expect(table.header).toEqual(['amount', 'qty', 'big', 'neg', 'e']);
    expect(rows[0].values).toEqual(['12.30', '1e3', '12345678901234567890.10', '-0.0', '1E+2']);
  });

  it('turns strings, booleans, null and nested values into cells', async () => {
    const json = String.raw`[{"s": "tab\there \"q\" \u00e9 \ud83d\ude00 \/", "t": true, "f": false, "n": null,
      "arr": [1, 2.50, "x", null, {"k": [ ]}], "obj": { "a" : { "b" : "\n" } }}]`;

    const { rows } = await read('x.json', json);

    expect(rows[0].values).toEqual(['tab\there "q" é 😀 /', 'true', 'false', '', '[1,2.50,"x",null,{"k":[]}]', '{"a":{"b":"\\n"}}']);
  });

  it('appends new keys to the header in place, and pads the rows of the batch', async () => {
    const json = '[{"a": 1, "b": 2}, {"b": 3, "c": 4}, {"c": 5}]';

    const { table, rows, alignedAtYield } = await read('x.json', json);

    expect(table.header).toEqual(['a', 'b', 'c']);
    expect(rows.map((r) => r.values)).toEqual([
      ['1', '2', ''],
      ['', '3', '4'],
      ['', '', '5'],
    ]);
    expect(alignedAtYield).toEqual([true]);
  });

  it('grows the header array the Table exposes in place', async () => {
    const table = await openTable(streamSource('x.json', '[{"a": 1}, {"a": 2, "z": 3}]'), { batchSize: 1 });
    const header = table.header;
    const seen: string[][] = [];

    for await (const _batch of table.rows()) seen.push([...table.header]);

    expect(seen).toEqual([['a'], ['a', 'z']]);
    expect(table.header).toBe(header);
  });

  it('numbers each row by the line its object starts on', async () => {
    const json = '[\r\n  {\r\n    "id": 1\r\n  },\r\n\r\n  {"id": 2}, {"id": 3}\r\n]\r\n';

    const { rows } = await read('x.json', json, [3]);

    expect(rows.map((r) => [r.line, r.values[0]])).toEqual([
      [2, '1'],
      [6, '2'],
      [6, '3'],
    ]);
  });

  it('lets the last duplicate key win', async () => {
    const { rows } = await read('x.json', '[{"a": 1, "a": 2}]');

    expect(rows[0].values).toEqual(['2']);
  });

  it('reads a file with a BOM and leading blank lines', async () => {
    const { table, rows } = await read('x.json', '\uFEFF\n\n[{"a": "x"}]');

    expect(table.header).toEqual(['a']);
    expect(rows).toEqual([{ line: 3, values: ['x'] }]);
  });
});

describe('NDJSON', () => {
  it('reads one object per line, skipping blank lines, by content alone', async () => {
    const ndjson = '{"order_id": "A1", "amount": 12.30}\n\n{"order_id": "A2", "amount": 7}\r\n{"order_id": "A3"}';

    const { table, rows } = await read('orders.json', ndjson);

    expect(table.format).toBe('ndjson');
    expect(table.header).toEqual(['order_id', 'amount']);
    expect(rows).toEqual([
      { line: 1, values: ['A1', '12.30'] },
      { line: 3, values: ['A2', '7'] },
      { line: 4, values: ['A3', ''] },
    ]);
  });

  it('reads a one-line file as one row', async () => {
    const { table, rows } = await read('one.json', '{"id": 1, "tags": ["a", "b"]}\n');

    expect(table.format).toBe('ndjson');
    expect(rows).toEqual([{ line: 1, values: ['1', '["a","b"]'] }]);
  });

  it('rows holding arrays of objects stay rows when more objects follow', async () => {
    const ndjson = '{"id": 1, "lines": [{"sku": "A"}]}\n{"id": 2, "lines": []}\n';

    const { table, rows } = await read('orders.json', ndjson);

    expect(table.format).toBe('ndjson');
    expect(rows.map((r) => r.values)).toEqual([
      ['1', '[{"sku":"A"}]'],
      ['2', '[]'],
    ]);
  });

  it('takes .ndjson / .jsonl as a hint for a lone object that would look like a wrapper', async () => {
    const { table, rows } = await read('orders.jsonl.gz', '{"id": 1, "lines": [{"sku": "A"}]}\n');

    expect(table.format).toBe('ndjson');
    expect(rows[0].values).toEqual(['1', '[{"sku":"A"}]']);
  });
});

describe('an object wrapping one array of rows', () => {
  it('reads a pretty-printed export with other properties around the array', async () => {
    const json = [
      '{',
      '  "generated_at": "2024-05-01T06:00:00Z",',
      '  "meta": {"source": "erp", "pages": [1, 2]},',
      '  "orders": [',
      '    {',
      '      "order_id": "A1",',
      '      "amount": 12.30',
      '    },',
      '    {"order_id": "A2", "amount": 99.999}',
      '  ],',
      '  "count": 2',
      '}',
    ].join('\n');

    const { table, rows } = await read('export.json', json, [5]);

    expect(table.format).toBe('json');
    expect(table.header).toEqual(['order_id', 'amount']);
    expect(rows).toEqual([
      { line: 5, values: ['A1', '12.30'] },
      { line: 9, values: ['A2', '99.999'] },
    ]);
  });

  it('reads a compact one-line wrapper', async () => {
    const { table, rows } = await read('x.json', '{"orders":[{"a":1},{"a":2}]}');

    expect(table.format).toBe('json');
    expect(rows.map((r) => r.values)).toEqual([['1'], ['2']]);
  });

  it('streams a wrapper too large to probe (over 1 MB before it closes)', async () => {
    const body = Array.from({ length: 40_000 }, (_, i) => `{"sku":"SKU-${i}","on_hand":${i}}`).join(',\n');
    const json = `{"generated_at":"2024-05-01","items":[\n${body}\n]}`;

    const { rows } = await read('big.json', json, [64 * 1024]);

    expect(rows).toHaveLength(40_000);
    expect(rows[39_999]).toEqual({ line: 40_001, values: ['SKU-39999', '39999'] });
  });
});
