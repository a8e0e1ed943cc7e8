import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FEEDS, unusedFields } from '../../lib/feeds/catalog.ts';
import { compileDecoder, isRejection } from '../../lib/feeds/decode.ts';
import { detectPreset } from '../../lib/partners/presets.ts';
import { prepareTable } from '../../lib/partners/transform.ts';
import { generateSample, type SampleFile } from '../../lib/sample/generate.ts';
import { open, rowsOf } from './helpers.ts';

const SEEDS = [1, 2, 3, 4, 5, 6];

function text(f: SampleFile): string {
  const buf = Buffer.from(f.content);
  return (buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf) : buf).toString('utf8');
}

describe.each(SEEDS)('sample seed %i', (seed) => {
  const set = generateSample({ seed });

  it('has files that parse as their names claim', async () => {
    for (const f of set.files) {
      // Act
      const table = await open(f);
      const rows = await rowsOf(table);
      // Assess
      const where = `${f.feed}/${f.name}`;
      expect(rows.length, where).toBeGreaterThan(0);
      expect(table.compressed, where).toBe(f.name.endsWith('.gz'));
      const inner = f.name.replace(/\.gz$/, '');
      if (inner.endsWith('.json')) {
        expect(table.format, where).toBe('json');
        const json = JSON.parse(text(f)) as unknown;
        const arrays = Array.isArray(json) ? [json] : Object.values(json as object).filter(Array.isArray);
        expect(arrays, where).toHaveLength(1);
        expect(arrays[0].length, where).toBe(rows.length);
      } else if (inner.endsWith('.ndjson')) {
        expect(table.format, where).toBe('ndjson');
        const lines = text(f).split('\n').filter((l) => l !== '');
        expect(lines.map((l) => typeof JSON.parse(l)), where).toEqual(lines.map(() => 'object'));
      } else {
        expect(table.format, where).toBe('csv');
        expect(table.delimiter, where).toEqual(inner.endsWith('.tsv') ? '\t' : expect.stringMatching(/^[,;|]$/));
      }
    }
  });

  it('uses every format partners send', async () => {
    // Prepare
    const seen = new Set<string>();
    const spellings = new Set<string>();
    for (const f of set.files) {
      const table = await open(f);
      const raw = Buffer.from(f.content);
      const preset = detectPreset(f.feed, table.header);
      if (preset) seen.add(preset.name);
      if (table.compressed) seen.add('gzip');
      if (table.format !== 'csv') {
        seen.add(table.format === 'json' ? (text(f).trimStart().startsWith('[') ? 'json-array' : 'json-object') : 'ndjson');
        continue;
      }
      seen.add(`delimiter ${JSON.stringify(table.delimiter)}`);
      if (raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf && text(f).includes('\r\n')) seen.add('BOM+CRLF');
      if (!preset && !table.compressed) {
        for (const h of table.header) {
          if (/ /.test(h)) spellings.add('Title Case');
          if (/^[a-z]+(-[a-z]+)+$/.test(h)) spellings.add('kebab-case');
          if (/^[A-Z]+(_[A-Z]+)+$/.test(h)) spellings.add('UPPER_SNAKE');
        }
      }
      if (/"[^"]*(\n|"")[^"]*"/.test(text(f))) seen.add('quoted newline or quote');
    }
    // Assess
    expect([...seen].sort()).toEqual(
      [
        'BOM+CRLF', 'amazon-orders', 'delimiter "\\t"', 'delimiter ","', 'delimiter ";"', 'delimiter "|"', 'gzip',
        'json-array', 'json-object', 'ndjson', 'quoted newline or quote', 'shopify-orders',
      ].sort(),
    );
    expect([...spellings].sort()).toEqual(['Title Case', 'UPPER_SNAKE', 'kebab-case']);
  });

  it('has exactly the answer key’s bad rows, each rejected at its line', async () => {
    // Prepare
    const expected = Object.values(set.answerKey).flatMap((a) => a.rejected.map((r) => `${r.file}:${r.line}`));
    const found: string[] = [];
    let folded = 0;
    // Act: the engine's path — reader, preset or mapping, decoder.
    for (const f of set.files) {
      const raw = await open(f);
      const { table, via } = prepareTable(f.feed, raw, { problems: () => {} });
      const decode = compileDecoder({
        feed: FEEDS[f.feed], header: table.header, file: raw.file, version: '1', strictWidth: table.format === 'csv' && via !== 'preset',
        lenient: unusedFields(f.feed), unparsed: () => {}, // values the comparison does not use keep their rows
      });
      for (const row of await rowsOf(table)) {
        const d = decode(row);
        if (isRejection(d) || row.reject) found.push(`${d.file}:${d.line}`);
        folded += (row.span ?? 1) - 1;
      }
    }
    // Assess
    expect(found.sort()).toEqual(expected.sort());
    expect(folded).toBeGreaterThan(0); // Shopify and Amazon line items were folded into orders
  });
});
