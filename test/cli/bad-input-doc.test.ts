/**
 * The README's bad-input table and test/cli/bad-input.test.ts stay one:
 * each row of the table is exactly one test of that name, in the same order, and a row's error
 * code is the one its test asserts.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const DOC = resolve(here, '../../README.md');
const TESTS = resolve(here, 'bad-input.test.ts');

/** The rows of the first markdown table whose header starts with `| situation`: cells trimmed. */
function tableRows(markdown: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => /^\|\s*situation\s*\|/.test(l));
  if (start < 0) return [];
  const rows: string[][] = [];
  for (const l of lines.slice(start + 2)) {
    if (!l.startsWith('|')) break;
    rows.push(l.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));
  }
  return rows;
}

/** Test names and bodies of `it('…', …)` calls, in source order. */
function tests(source: string): Array<{ name: string; body: string }> {
  const re = /^\s*it\('((?:[^'\\]|\\.)*)'/gm;
  const found: Array<{ name: string; at: number }> = [];
  for (let m = re.exec(source); m; m = re.exec(source)) found.push({ name: m[1].replace(/\\'/g, "'"), at: m.index });
  return found.map((t, i) => ({ name: t.name, body: source.slice(t.at, found[i + 1]?.at ?? source.length) }));
}

describe('the README bad-input table', () => {
  it('has one test per row, named like the row, in the same order; each row\'s error code is asserted by its test', () => {
    // Prepare
    const rows = tableRows(readFileSync(DOC, 'utf8'));
    const cases = tests(readFileSync(TESTS, 'utf8'));
    // Act
    const situations = rows.map((r) => r[0]);
    // Assess
    expect(rows.length).toBeGreaterThanOrEqual(25);
    for (const r of rows) expect(r, r[0]).toHaveLength(5);
    expect(cases.map((c) => c.name)).toEqual(situations);
    for (const [i, r] of rows.entries()) {
      const code = /`(E_[A-Z_]+)`/.exec(r[3])?.[1];
      if (code) expect(cases[i].body, r[0]).toContain(code);
      const warning = /^warning `([a-z_]+)`/.exec(r[3])?.[1];
      if (warning) expect(cases[i].body, r[0]).toContain(`'${warning}'`);
      if (r[3] === 'rejected row') expect(cases[i].body, r[0]).toContain('expectRejectedRow(');
      if (r[2] === '2') expect(cases[i].body, r[0]).toMatch(/expectTrouble\(|\.toBe\(2\)/);
    }
  });
});
