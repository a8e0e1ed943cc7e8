/**
 * Helpers for the mapping tests: a file read through the engine's own reader
 * (lib/engine/read-feed.ts, as the CLI and the pipeline read it) with a config's mappings.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BOUNDARY } from '../../lib/boundaries/index.ts';
import { ReconError } from '../../lib/errors.ts';
import { parseMappingFile } from '../../lib/partners/mapping-file.ts';
import { parseConfig, type ReconConfigInput } from '../../lib/config-file.ts';
import { readFeedFile } from '../../lib/engine/read-feed.ts';
import { reconcileFiles } from '../../lib/engine/reconcile.ts';
import { FEEDS, type BoundaryName, type FeedName, type SideName } from '../../lib/feeds/catalog.ts';
import type { FieldValue } from '../../lib/feeds/fields.ts';
import type { FileStats, Rejection, Report, Warning } from '../../lib/report/model.ts';
import { tempDir } from '../support/feeds.ts';

const root = tempDir('oms-recon-mapping-');
let n = 0;

/** Writes `text` as `name` (folders allowed) in a fresh folder; returns the path. */
export function fileOf(name: string, text: string): string {
  const path = join(root, String(n++), name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

export interface Read {
  stats: FileStats;
  records: Array<Record<string, FieldValue | undefined>>;
  rejected: Rejection[];
  warnings: Warning[];
}

/** One file of `feed` read with these mappings (and other config), as the engine reads it. */
export async function readWith(feed: FeedName, text: string, mappings: unknown[], name = 'export.csv', config: ReconConfigInput = {}): Promise<Read> {
  const def = FEEDS[feed];
  const records: Read['records'] = [];
  const rejected: Rejection[] = [];
  const warnings: Warning[] = [];
  const { stats } = await readFeedFile({
    source: fileOf(name, text),
    feed: def,
    boundary: BOUNDARY[def.boundary],
    version: '1',
    config: parseConfig({ ...config, mappings }),
    sink: { record: (r) => void records.push({ ...r.f }), reject: (r) => void rejected.push(r), warn: (w) => void warnings.push(w) },
  });
  return { stats, records, rejected, warnings };
}

/** A reconciliation of named files, with these mappings. */
export async function reconcileWith(
  boundary: BoundaryName,
  files: Array<{ side: SideName; name: string; text: string }>,
  mappings: unknown[],
  config: ReconConfigInput = {},
): Promise<Report> {
  const inputs = files.map((f) => ({ side: f.side, source: fileOf(f.name, f.text) }));
  return reconcileFiles({ boundary, inputs, config: parseConfig({ ...config, mappings }) });
}

const DOC = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/feeds.md');

/** A recipe of docs/feeds.md ("## Recipes" → "### <title>"), as written: its mappings (```json) and its sample export (a plain ``` block). */
export function recipe(title: string): { mappings: unknown[]; sample?: string } {
  const page = readFileSync(DOC, 'utf8');
  const recipes = page.slice(page.indexOf('\n## Recipes'));
  const start = recipes.indexOf(`\n### ${title}\n`);
  if (start < 0) throw new Error(`no recipe "${title}" in docs/feeds.md`);
  const next = recipes.indexOf('\n#', start + 5);
  const section = recipes.slice(start, next < 0 ? undefined : next);
  const blocks = [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)];
  const json = blocks.find((b) => b[1] === 'json');
  const sample = blocks.find((b) => b[1] === '');
  if (!json) throw new Error(`recipe "${title}" has no json block`);
  return { mappings: (JSON.parse(json[2]) as { mappings: unknown[] }).mappings, sample: sample?.[2] };
}

/** The CONFIG_INVALID message a mapping list gets on load. */
export function invalid(mappings: unknown[]): string {
  try {
    parseMappingFile({ mappings }, 'mappings.json');
  } catch (e) {
    if (e instanceof ReconError && e.code === 'E_CONFIG_INVALID') return e.message;
    throw e;
  }
  throw new Error('expected E_CONFIG_INVALID');
}
