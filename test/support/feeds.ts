/**
 * Test helpers: write feed files to a temp folder and reconcile them with the real engine,
 * exactly as the CLI does.
 */
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { parseConfig, type ReconConfigInput } from '../../lib/config-file.ts';
import { reconcileFiles } from '../../lib/engine/reconcile.ts';
import type { BoundaryName, SideName } from '../../lib/feeds/catalog.ts';
import type { Discrepancy, Report } from '../../lib/report/model.ts';

/** A temp folder removed after the test file. */
export function tempDir(prefix = 'oms-recon-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

let counter = 0;
export function writeFile(dir: string, name: string, content: string | Buffer): string {
  const path = join(dir, `${counter++}-${name}`);
  writeFileSync(path, content);
  return path;
}

/** Lines → CSV text (LF). */
export const csv = (...lines: string[]) => lines.join('\n') + '\n';

/** Reconciles files given as text per side (one file per entry), with an optional config. */
export async function reconcileTexts(
  dir: string,
  boundary: BoundaryName,
  sides: Partial<Record<SideName, string | string[]>>,
  config: ReconConfigInput = {},
): Promise<Report> {
  const inputs = Object.entries(sides).flatMap(([side, texts]) =>
    (Array.isArray(texts) ? texts : [texts]).map((t, i) => ({
      side: side as SideName,
      source: writeFile(dir, `${side}-${i}.csv`, t),
    })),
  );
  return reconcileFiles({ boundary, inputs, config: parseConfig(config) });
}

/** `type key=value key=value` lines, sorted: a compact way to assert the discrepancies found. */
export function found(report: Report): string[] {
  return report.discrepancies.map(describe).sort();
}

export function describe(d: Pick<Discrepancy, 'type' | 'key'>): string {
  return [d.type, ...Object.entries(d.key).map(([k, v]) => `${k}=${v}`)].join(' ');
}
