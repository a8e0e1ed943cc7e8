/**
 * Reading and validating the user mapping file (docs/feeds.md, "The mapping file") with
 * zod: every problem named by its path in the file. Loaded only when a config brings
 * mappings, so a run without them does not load zod.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ErrorCodes, ReconError } from '../errors.ts';
import { FEED_NAMES, FEEDS, normalizeHeader, type FeedName } from '../feeds/catalog.ts';
import { globProblem } from './glob.ts';
import { footerRegex, type Mapping } from './mapping.ts';
import { PRESETS, presetByName } from './presets.ts';
import { valueSpecProblems } from './values.ts';

const headerName = z.string().refine((s) => normalizeHeader(s) !== '', { message: 'a column name may not be blank' });
const pair = z.tuple([z.string(), z.string()]);

/** A field spec: one source (`column`, `sum` or `product`) and the value options of values.ts. */
const FieldSpecSchema = z
  .strictObject({
    column: headerName.optional(),
    sum: z.array(headerName).min(1, 'sum needs at least one column').optional(),
    product: z.tuple([headerName, headerName]).optional(),
    format: z.string().min(1, 'a format may not be blank').optional(),
    timezone: z.string().min(1).optional(),
    decimal: z.enum(['.', ',']).optional(),
    group: z.enum([',', '.', ' ', "'"]).optional(),
    currencySign: z.boolean().optional(),
    strip: z.array(z.string().min(1, 'a prefix to strip may not be empty')).optional(),
    case: z.enum(['upper', 'lower']).optional(),
    replace: z.array(pair).optional(),
    values: z.union([z.record(z.string(), z.string()), z.array(pair)]).optional(),
  })
  .superRefine((spec, ctx) => {
    const sources = (['column', 'sum', 'product'] as const).filter((k) => spec[k] !== undefined);
    if (sources.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `a field spec takes one source: column, sum or product (found ${sources.length ? sources.join(', ') : 'none'})` });
    }
    for (const problem of valueSpecProblems(spec)) ctx.addIssue({ code: 'custom', message: problem });
  });

type FieldSpec = z.output<typeof FieldSpecSchema>;

const TAKES = ['first', 'last', 'sum'] as const;

export const MappingSchema = z
  .strictObject({
    /** How the mapping is named in config, warnings and the report (the file's `preset`). */
    name: z.string().trim().min(1, 'name may not be blank'),
    /** The canonical feed; with `extends`, the preset's (may be left out). */
    feed: z.enum(FEED_NAMES).optional(),
    /** A preset this mapping refines. */
    extends: z.string().optional(),
    match: z
      .strictObject({
        /** The mapping applies to a file whose header has all of these columns (normalised). */
        headers: z.array(headerName).min(1, 'match.headers needs at least one column').optional(),
        /** …and/or whose path (CLI) or S3 key (pipeline) one of these globs matches. */
        files: z.array(z.string()).min(1, 'match.files needs at least one pattern').optional(),
      })
      .refine((m) => m.headers !== undefined || m.files !== undefined, { message: 'match needs headers, files or both' })
      .optional(),
    skip: z
      .strictObject({
        /** Lines before the header: a count, or "blank" (blank lines and lines of empty cells, the default). */
        before: z.union([z.number().int().min(0).max(1_000_000), z.literal('blank')]).optional(),
        /** A regular expression: the first line matching it and every line after are not rows. */
        footer: z.string().min(1, 'skip.footer may not be blank').optional(),
      })
      .optional(),
    /** canonical field → the file's column that holds it, or a field spec */
    columns: z.record(z.string(), z.unknown()).default({}),
    /** canonical field → a value for every row (e.g. the channel of a single-channel export) */
    constants: z.record(z.string(), z.string().trim().min(1, 'a constant may not be blank')).default({}),
    /** Line-item files: the fields of one record, and how each field folds over its rows. */
    rows: z
      .strictObject({
        per: z.array(z.string()).min(1, 'rows.per needs at least one field').optional(),
        take: z.record(z.string(), z.enum(TAKES)).optional(),
      })
      .optional(),
  })
  .superRefine((input, ctx) => {
    const m = input as typeof input & { columns: Record<string, string | FieldSpec> };
    let feed = m.feed;
    if (m.extends !== undefined) {
      const preset = presetByName(m.extends);
      if (!preset) {
        ctx.addIssue({ code: 'custom', path: ['extends'], message: `unknown preset "${m.extends}" (presets: ${PRESETS.map((p) => p.name).join(', ')})` });
        return;
      }
      if (feed !== undefined && feed !== preset.feed) {
        ctx.addIssue({ code: 'custom', path: ['feed'], message: `preset ${preset.name} reads feed ${preset.feed}, not ${feed}` });
        return;
      }
      feed = preset.feed;
    }
    if (feed === undefined) {
      ctx.addIssue({ code: 'custom', path: ['feed'], message: 'a mapping needs a feed (or extends a preset)' });
      return;
    }
    const fields = FEEDS[feed].fields;
    const canonical = new Map(Object.keys(fields).map((f) => [normalizeHeader(f), f]));
    const known = `fields of ${feed}: ${Object.keys(fields).join(', ')}`;
    const fieldOf = (section: PropertyKey[], name: string): string | undefined => {
      const f = canonical.get(normalizeHeader(name));
      if (!f) ctx.addIssue({ code: 'custom', path: section, message: `unknown field "${name}" (${known})` });
      return f;
    };
    const targets = new Map<string, string>();
    for (const [section, entries] of [['columns', m.columns], ['constants', m.constants]] as const) {
      for (const [field, value] of Object.entries(entries)) {
        const f = fieldOf([section, field], field);
        if (!f) continue;
        const before = targets.get(f);
        if (before) {
          ctx.addIssue({ code: 'custom', path: [section, field], message: `field ${f} is already given by ${before}` });
          continue;
        }
        targets.set(f, `${section}.${field}`);
        if (section === 'columns') {
          // A column name, or a field spec: each checked on its own, so its problem is named exactly.
          const r = typeof value === 'string' ? headerName.safeParse(value) : FieldSpecSchema.safeParse(value);
          if (!r.success) {
            for (const issue of r.error.issues) {
              const message = typeof value !== 'string' && typeof value !== 'object' ? 'expected a column name or a field spec (an object)' : issue.message;
              ctx.addIssue({ code: 'custom', path: [section, field, ...issue.path], message });
            }
            continue;
          }
        }
        if (typeof value === 'object' && value !== null) {
          const kind = fields[f].kind;
          const numeric = kind === 'money' || kind === 'quantity';
          if ((value.sum || value.product) && !numeric) ctx.addIssue({ code: 'custom', path: [section, field], message: `${value.sum ? 'sum' : 'product'} makes a number: ${f} is not an amount or a quantity` });
          if (value.format !== undefined && kind !== 'timestamp') ctx.addIssue({ code: 'custom', path: [section, field, 'format'], message: `format reads dates: ${f} is not a timestamp` });
          if ((value.decimal !== undefined || value.group !== undefined || value.currencySign) && !numeric) {
            ctx.addIssue({ code: 'custom', path: [section, field], message: `decimal, group and currencySign read numbers: ${f} is not an amount or a quantity` });
          }
        }
      }
    }
    if (targets.size === 0 && m.extends === undefined) {
      ctx.addIssue({ code: 'custom', path: ['columns'], message: 'a mapping needs at least one column or constant' });
    }
    m.match?.files?.forEach((pattern, i) => {
      const problem = globProblem(pattern);
      if (problem) ctx.addIssue({ code: 'custom', path: ['match', 'files', i], message: problem });
    });
    if (m.skip?.footer !== undefined) {
      try {
        footerRegex(m.skip.footer);
      } catch (e) {
        ctx.addIssue({ code: 'custom', path: ['skip', 'footer'], message: `bad regular expression: ${(e as Error).message}` });
      }
    }
    if (m.extends !== undefined && m.rows?.per !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['rows', 'per'], message: `the preset ${m.extends} says which rows are one record: rows.per does not apply with extends (rows.take does)` });
    }
    m.rows?.per?.forEach((name, i) => fieldOf(['rows', 'per', i], name));
    for (const [name, take] of Object.entries(m.rows?.take ?? {})) {
      const f = fieldOf(['rows', 'take', name], name);
      if (f && take === 'sum' && fields[f].kind !== 'money' && fields[f].kind !== 'quantity') {
        ctx.addIssue({ code: 'custom', path: ['rows', 'take', name], message: `only amounts and quantities add up: ${f} is not one` });
      }
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

/** Keys of `entries` spelled as the feed's canonical field names (validated: each is one). */
function canonicalKeys<T>(feed: FeedName, entries: Record<string, T>): Record<string, T> {
  const canonical = new Map(Object.keys(FEEDS[feed].fields).map((f) => [normalizeHeader(f), f]));
  return Object.fromEntries(Object.entries(entries).map(([k, v]) => [canonical.get(normalizeHeader(k)) ?? k, v]));
}

function canonicalName(feed: FeedName, name: string): string {
  const n = normalizeHeader(name);
  return Object.keys(FEEDS[feed].fields).find((f) => normalizeHeader(f) === n) ?? name;
}

/**
 * Where the JSON holds a `__proto__` key (JSON.parse makes it an own key; copied onto an
 * object it would set the prototype): refused, with its path, before anything reads it.
 */
function protoKeys(value: unknown, path: PropertyKey[], found: PropertyKey[][], depth = 0): void {
  if (found.length >= 5 || depth > 32 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => protoKeys(v, [...path, i], found, depth + 1));
    return;
  }
  for (const k of Object.keys(value)) {
    if (k === '__proto__') found.push([...path, k]);
    else protoKeys((value as Record<string, unknown>)[k], [...path, k], found, depth + 1);
  }
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


/** Validates the parsed JSON of a mapping file; `file` names it in the error. */
export function parseMappingFile(json: unknown, file: string): Mapping[] {
  const protos: PropertyKey[][] = [];
  protoKeys(json, [], protos);
  if (protos.length > 0) {
    const shown = protos.map((p) => `${formatPath(p)}: "__proto__" cannot be a key here (for a value map, use the list form [["__proto__", "…"]])`);
    throw new ReconError(ErrorCodes.CONFIG_INVALID, `invalid mapping file: ${shown.join('; ')}`, { file });
  }
  const r = MappingFileSchema.safeParse(json);
  if (!r.success) {
    const issues = r.error.issues;
    const shown = issues.slice(0, 5).map((i) => `${formatPath(i.path)}: ${i.message}`);
    if (issues.length > 5) shown.push(`… and ${issues.length - 5} more`);
    throw new ReconError(ErrorCodes.CONFIG_INVALID, `invalid mapping file: ${shown.join('; ')}`, { file });
  }
  return r.data.mappings.map((m) => {
    const feed = m.feed ?? presetByName(m.extends!)!.feed;
    const out: Mapping = {
      name: m.name,
      feed,
      columns: canonicalKeys(feed, m.columns) as Mapping['columns'],
      constants: canonicalKeys(feed, m.constants),
    };
    if (m.extends !== undefined) out.extends = m.extends;
    if (m.match) out.match = { ...(m.match.headers ? { headers: m.match.headers } : {}), ...(m.match.files ? { files: m.match.files } : {}) };
    if (m.skip) out.skip = { ...m.skip };
    if (m.rows) {
      out.rows = {};
      if (m.rows.per) out.rows.per = m.rows.per.map((f) => canonicalName(feed, f));
      if (m.rows.take) out.rows.take = canonicalKeys(feed, m.rows.take);
    }
    return out;
  });
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

