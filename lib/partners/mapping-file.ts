/**
 * Reading and validating the user mapping file (docs/feeds.md, "The mapping file") with
 * zod: every problem named by its path in the file. Loaded only when a config brings
 * mappings, so a run without them does not load zod.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ErrorCodes, ReconError } from '../errors.ts';
import { FEED_NAMES, FEEDS, normalizeHeader, type FeedName } from '../feeds/catalog.ts';
import type { Mapping } from './mapping.ts';

const headerName = z.string().refine((s) => normalizeHeader(s) !== '', { message: 'a column name may not be blank' });

export const MappingSchema = z
  .strictObject({
    /** How the mapping is named in config, `--mapping`, warnings and the report. */
    name: z.string().trim().min(1, 'name may not be blank'),
    feed: z.enum(FEED_NAMES),
    /** The mapping applies to a file whose header has all of these columns (normalised). */
    match: z.strictObject({ headers: z.array(headerName).min(1, 'match.headers needs at least one column') }).optional(),
    /** canonical field → the file's column that holds it */
    columns: z.record(z.string(), headerName).default({}),
    /** canonical field → a value for every row (e.g. the channel of a single-channel export) */
    constants: z.record(z.string(), z.string().trim().min(1, 'a constant may not be blank')).default({}),
  })
  .superRefine((m, ctx) => {
    const fields = FEEDS[m.feed].fields;
    const canonical = new Map(Object.keys(fields).map((f) => [normalizeHeader(f), f]));
    const known = `fields of ${m.feed}: ${Object.keys(fields).join(', ')}`;
    const targets = new Map<string, string>();
    const sources = new Map<string, string>();
    for (const [section, entries] of [['columns', m.columns], ['constants', m.constants]] as const) {
      for (const [field, value] of Object.entries(entries)) {
        const f = canonical.get(normalizeHeader(field));
        if (!f) {
          ctx.addIssue({ code: 'custom', path: [section, field], message: `unknown field "${field}" (${known})` });
          continue;
        }
        const before = targets.get(f);
        if (before) {
          ctx.addIssue({ code: 'custom', path: [section, field], message: `field ${f} is already given by ${before}` });
          continue;
        }
        targets.set(f, `${section}.${field}`);
        if (section === 'columns') {
          const src = normalizeHeader(value);
          const other = sources.get(src);
          if (other) ctx.addIssue({ code: 'custom', path: [section, field], message: `column "${value}" is already mapped to ${other}` });
          else sources.set(src, f);
        }
      }
    }
    if (targets.size === 0) {
      ctx.addIssue({ code: 'custom', path: ['columns'], message: 'a mapping needs at least one column or constant' });
    }
  });

export const MappingFileSchema = z
  .strictObject({ mappings: z.array(MappingSchema) })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.mappings.forEach((m, i) => {
      if (seen.has(m.name)) ctx.addIssue({ code: 'custom', path: ['mappings', i, 'name'], message: `duplicate mapping name "${m.name}"` });
      seen.add(m.name);
    });
  });

function canonicalKeys(feed: FeedName, entries: Record<string, string>): Record<string, string> {
  const canonical = new Map(Object.keys(FEEDS[feed].fields).map((f) => [normalizeHeader(f), f]));
  return Object.fromEntries(Object.entries(entries).map(([k, v]) => [canonical.get(normalizeHeader(k)) ?? k, v]));
}

/** `mappings[0].columns.total` */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let s = '';
  for (const p of path) {
    if (typeof p === 'number') s += `[${p}]`;
    else {
      const k = String(p);
      s += /^[A-Za-z_$][\w$]*$/.test(k) ? (s === '' ? k : `.${k}`) : `[${JSON.stringify(k)}]`;
    }
  }
  return s === '' ? '(top level)' : s;
}

/**
 * The path of the first `__proto__` key in parsed JSON, if any. JSON.parse makes it an own
 * key, but zod's records drop it in silence (assigning it sets a prototype): it is refused
 * whole instead, as no field, column or mapping key can be called so.
 */
export function protoKeyPath(json: unknown, path: PropertyKey[] = []): PropertyKey[] | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  if (Array.isArray(json)) {
    for (let i = 0; i < json.length; i++) {
      const p = protoKeyPath(json[i], [...path, i]);
      if (p) return p;
    }
    return undefined;
  }
  for (const k of Object.keys(json)) {
    if (k === '__proto__') return [...path, k];
    const p = protoKeyPath((json as Record<string, unknown>)[k], [...path, k]);
    if (p) return p;
  }
  return undefined;
}

/** Validates the parsed JSON of a mapping file; `file` names it in the error. */
export function parseMappingFile(json: unknown, file: string): Mapping[] {
  const proto = protoKeyPath(json);
  if (proto) throw new ReconError(ErrorCodes.CONFIG_INVALID, `invalid mapping file: ${formatPath(proto)}: "__proto__" cannot be a key`, { file });
  const r = MappingFileSchema.safeParse(json);
  if (!r.success) {
    const issues = r.error.issues;
    const shown = issues.slice(0, 5).map((i) => `${formatPath(i.path)}: ${i.message}`);
    if (issues.length > 5) shown.push(`… and ${issues.length - 5} more`);
    throw new ReconError(ErrorCodes.CONFIG_INVALID, `invalid mapping file: ${shown.join('; ')}`, { file });
  }
  return r.data.mappings.map((m) => ({
    name: m.name,
    feed: m.feed,
    ...(m.match ? { match: { headers: m.match.headers } } : {}),
    columns: canonicalKeys(m.feed, m.columns),
    constants: canonicalKeys(m.feed, m.constants),
  }));
}

/** Line of a JSON.parse failure, from V8's "position N" or "line L column C". */
function jsonErrorLine(text: string, message: string): number | undefined {
  const lc = /line (\d+) column \d+/.exec(message);
  if (lc) return Number(lc[1]);
  const pos = /position (\d+)/.exec(message);
  if (!pos) return undefined;
  const at = Math.min(Number(pos[1]), text.length);
  let line = 1;
  for (let i = 0; i < at; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Parses the text of a mapping file (JSON). */
export function parseMappingText(text: string, file: string): Mapping[] {
  let json: unknown;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new ReconError(ErrorCodes.CONFIG_INVALID, `mapping file is not valid JSON: ${message}`, { file, line: jsonErrorLine(text, message) }, { cause: e });
  }
  return parseMappingFile(json, file);
}

/** Reads and validates a mapping file from disk. */
export function loadMappingFile(path: string): Mapping[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ReconError(ErrorCodes.FILE_UNREADABLE, `cannot read mapping file: ${(e as Error).message}`, { file: path }, { cause: e });
  }
  return parseMappingText(text, path);
}

