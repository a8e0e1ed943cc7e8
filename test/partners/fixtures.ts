/**
 * The partner fixtures (test/fixtures/partners/<preset>/…): each reproduces a platform's export
 * — its real header, layout and quirks, with invented orders — beside an OMS-side file with a
 * few planted discrepancies. Helpers to open one with the product's reader and to reconcile a
 * pair through the CLI (`oms-recon reconcile intake`, in-process).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Report } from '../../lib/report/model.ts';
import { put, readReport, run, tempDir } from '../cli/helpers.ts';
import { tableFrom } from './tables.ts';

export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/partners');

export function fixture(preset: string, name: string): string {
  return join(FIXTURES, preset, name);
}

/** The fixture opened with the product's reader (small batches, so orders straddle batch edges). */
export function openFixture(preset: string, name: string) {
  return tableFrom(readFileSync(fixture(preset, name)), name);
}

/** `oms-recon reconcile intake --channel … --oms …` on fixtures; the exit code and the report. */
export async function reconcileFixtures(channel: string[], oms: string, config?: object): Promise<{ code: number; report: Report; err: string }> {
  const dir = tempDir('presets-');
  const out = join(dir, 'out');
  const argv = ['reconcile', 'intake', ...channel.flatMap((f) => ['--channel', f]), '--oms', oms, '--out', out];
  if (config) argv.push('--config', put(dir, 'recon.json', JSON.stringify(config)));
  const r = await run(argv);
  return { code: r.code, report: readReport(out), err: r.err };
}

/** `type channel/id [fields]` per discrepancy, sorted: what a user reads off the report. */
export function found(report: Report): string[] {
  return report.discrepancies
    .map((d) => {
      const fields = (d as { fields?: string[] }).fields;
      return `${d.type} ${d.key.channel}/${d.key.channel_order_id}${fields ? ` ${fields.join('+')}` : ''}`;
    })
    .sort();
}

/** Every file's rows are accounted for: read = used + rejected + skipped, and the read counts are these. */
export function expectEveryRowCounted(report: Report, reads: Record<string, number>): void {
  for (const f of report.files) expect(f.read, f.file).toBe(f.used + f.rejected + (f.skipped ?? 0));
  const byName = Object.fromEntries(report.files.map((f) => [f.file.split('/').pop()!, f.read]));
  expect(byName).toEqual(reads);
}
