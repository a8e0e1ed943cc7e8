/**
 * The user mapping file (SPEC and docs/feeds.md, "The mapping file"): how a partner's export
 * becomes a canonical feed when no preset knows it, or refines a preset (`extends`).
 *
 * Which mapping a file gets: the first listed whose `match` holds (`files` globs against the
 * path, `headers` against the header the mapping sees), then a preset recognised from the
 * header, then canonical columns. Applying one, row by row:
 *
 *   raw rows → `skip.footer` (that row and all after: skipped, counted)
 *            → each field from its source: `column`, `sum` (exact, blank = 0, all blank =
 *              absent) or `product` (exact), its value options (values.ts), or a constant
 *            → `rows`: rows of one record folded (`first` / `last` / `sum`), adjacent or not
 *            → canonical rows for the decoder.
 *
 * A value that does not parse rejects the row — unless its field is one the boundary does
 * not use (`lenient`): then the row keeps going without it, and `unparsed` hears of it.
 */
import { formatDecimal, parseDecimal, SCALE } from '../decimal.ts';
import { ErrorCodes, ReconError } from '../errors.ts';
import { duplicateColumnError, duplicateColumns, FEEDS, normalizeHeader, type FeedName } from '../feeds/catalog.ts';
import type { RawRow, Table } from '../read/table.ts';
import { compileGlob } from './glob.ts';
import { presetByName } from './presets.ts';
import type { PresetOptions } from './types.ts';
import { compileValueSpec, regexOf, type ValueOutcome, type ValueSpec } from './values.ts';

export type Take = 'first' | 'last' | 'sum';

/** A field spec: one source, and how its value is read. */
export interface FieldSpecDef extends ValueSpec {
  column?: string;
  sum?: string[];
  product?: [string, string];
}

/** A validated mapping; `columns`, `constants`, `rows` name canonical fields. */
export interface Mapping {
  name: string;
  feed: FeedName;
  /** A preset this mapping refines. */
  extends?: string;
  match?: { headers?: string[]; files?: string[] };
  skip?: { before?: number | 'blank'; footer?: string };
  columns: Record<string, string | FieldSpecDef>;
  constants: Record<string, string>;
  rows?: { per?: string[]; take?: Record<string, Take> };
}

/** A value left out of a row because it does not parse, in a field the comparison does not use. */
export interface Unparsed {
  /** The file's column, as its header writes it. */
  column: string;
  line: number;
  value: string;
  reason: string;
}

export interface ApplyOptions {
  /** Fields whose values may be left out when they do not parse (see catalog.unusedFields). */
  lenient?: ReadonlySet<string>;
  unparsed?: (u: Unparsed) => void;
  /** For `extends`: what the preset is given. */
  preset?: PresetOptions;
}

/** Raw rows an `extends` mapping keeps by line for a preset that does not name the rows it folded. */
const RECENT_ROWS = 16_384;

/** The record identity of each feed: the default of `rows.per`. */
export const RECORD_IDENTITY: Readonly<Record<FeedName, readonly string[]>> = {
  'channel-orders': ['channel', 'channel_order_id'],
  'oms-orders': ['channel', 'channel_order_id', 'oms_order_id'],
  'oms-allocations': ['order_id', 'line_id', 'location_id'],
  shipments: ['order_id', 'line_id', 'location_id', 'shipment_id'],
  'oms-inventory': ['sku', 'facility_id'],
  'warehouse-inventory': ['sku', 'facility_id'],
  'oms-transactions': ['order_id', 'type', 'document_id'],
  'erp-transactions': ['order_id', 'type', 'document_id'],
};

/** The regex of `skip.footer`: written `/…/flags`, or as the bare pattern. Throws on a bad one. */
export function footerRegex(text: string): RegExp {
  const re = regexOf(text) ?? new RegExp(text);
  return re.global || re.sticky ? new RegExp(re.source, re.flags.replace(/[gy]/g, '')) : re;
}

/** `skip.footer`: the first matching row and every row after it become skipped rows (undefined: the mapping has none). */
function footerSkipper(m: Mapping, delimiter: string | undefined): ((r: RawRow) => RawRow | undefined) | undefined {
  if (m.skip?.footer === undefined) return undefined;
  const re = footerRegex(m.skip.footer);
  const reason = `footer: matches skip.footer of mapping "${m.name}"`;
  let footed = false;
  return (r) => {
    if (!footed && re.test(r.values.join(delimiter ?? ','))) footed = true;
    return footed ? { line: r.line, values: [], span: 1, skip: reason } : undefined;
  };
}

/** Lines a mapping skips before the header (undefined: the default, blank lines and lines of empty cells). */
export function skipBefore(m: Mapping | undefined): number | undefined {
  const b = m?.skip?.before;
  return typeof b === 'number' ? b : undefined;
}

const globs = new WeakMap<Mapping, Array<(path: string) => boolean>>();
function filesMatch(m: Mapping, path: string): boolean {
  const files = m.match?.files;
  if (!files) return true;
  let tests = globs.get(m);
  if (!tests) globs.set(m, (tests = files.map(compileGlob)));
  return tests.some((t) => t(path));
}

function headersHold(wanted: readonly string[], header: readonly string[] | undefined): boolean {
  if (!header) return false;
  const set = new Set(header.map(normalizeHeader));
  return wanted.every((h) => set.has(normalizeHeader(h)));
}

/**
 * Whether the mapping applies to a file: its `match` holds (files against `path`, headers
 * against the header it sees), or — with no `match` — it extends a preset that recognises
 * the header. A mapping with neither applies only when named.
 */
export function mappingMatches(m: Mapping, header: readonly string[] | undefined, path?: string): boolean {
  if (!m.match) {
    if (m.extends === undefined || !header) return false;
    const preset = presetByName(m.extends);
    return preset !== undefined && preset.matches([...header]);
  }
  if (m.match.files && (path === undefined || !filesMatch(m, path))) return false;
  if (m.match.headers && !headersHold(m.match.headers, header)) return false;
  return true;
}

/**
 * The first mapping of `feed`, in the order listed, that applies to the file at `path`.
 * `headerAt(skip)` is the header the file has with `skip` lines skipped (each mapping sees
 * the header its own `skip.before` gives).
 */
export function chooseMapping(
  feed: FeedName,
  mappings: readonly Mapping[],
  path: string | undefined,
  headerAt: (skip: number | undefined) => readonly string[] | undefined,
): Mapping | undefined {
  for (const m of mappings) {
    if (m.feed !== feed) continue;
    if (m.match?.files && (path === undefined || !filesMatch(m, path))) continue;
    if (mappingMatches(m, headerAt(skipBefore(m)), path)) return m;
  }
  return undefined;
}

/** The first listed mapping of `feed` whose match the header (and path) satisfies. */
export function detectMapping(feed: FeedName, header: readonly string[], mappings: readonly Mapping[], path?: string): Mapping | undefined {
  return chooseMapping(feed, mappings, path, () => header);
}

/** The mapping named `name` (for an explicit choice); CONFIG_INVALID when there is none for the feed. */
export function mappingByName(name: string, feed: FeedName, mappings: readonly Mapping[], file?: string): Mapping {
  const m = mappings.find((x) => x.name === name);
  if (!m) {
    const names = mappings.map((x) => x.name);
    throw new ReconError(
      ErrorCodes.CONFIG_INVALID,
      `no mapping named "${name}" (known: ${names.length ? names.join(', ') : 'none'})`,
      { file },
    );
  }
  if (m.feed !== feed) {
    throw new ReconError(ErrorCodes.CONFIG_INVALID, `mapping "${name}" is for feed ${m.feed}, not ${feed}`, { file });
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// Fields

type Source = 'column' | 'sum' | 'product' | 'constant';

interface Field {
  name: string;
  source: Source;
  /** The file's columns it reads, as the mapping writes them. */
  columns: string[];
  /** Their indexes in the raw header (-1: absent). */
  at: number[];
  read: (raw: string) => ValueOutcome;
  constant: string;
  lenient: boolean;
}

const PLAIN = (raw: string): ValueOutcome => ({ ok: true, value: raw });
const FACTOR = 10n ** BigInt(SCALE);

function compileFields(m: Mapping, lenient: ReadonlySet<string> | undefined): Field[] {
  const fields: Field[] = [];
  for (const [name, spec] of Object.entries(m.columns)) {
    const base = { name, at: [] as number[], constant: '', lenient: lenient?.has(name) === true };
    if (typeof spec === 'string') {
      fields.push({ ...base, source: 'column', columns: [spec], read: PLAIN });
      continue;
    }
    const { column, sum, product, ...value } = spec;
    const read = Object.keys(value).length > 0 ? compileValueSpec(value) : PLAIN;
    if (column !== undefined) fields.push({ ...base, source: 'column', columns: [column], read });
    else if (sum !== undefined) fields.push({ ...base, source: 'sum', columns: [...sum], read });
    else fields.push({ ...base, source: 'product', columns: [...product!], read });
  }
  for (const [name, value] of Object.entries(m.constants)) {
    fields.push({ name, source: 'constant', columns: [], at: [], read: PLAIN, constant: value, lenient: false });
  }
  return fields;
}

/** Column index by normalised name (first occurrence). */
function indexOf(header: readonly string[]): Map<string, number> {
  const byNorm = new Map<string, number>();
  header.forEach((h, i) => {
    const n = normalizeHeader(h);
    if (n !== '' && !byNorm.has(n)) byNorm.set(n, i);
  });
  return byNorm;
}

/** Resolves each field's columns against the header; the columns it does not have. */
function resolve(fields: Field[], header: readonly string[]): string[] {
  const byNorm = indexOf(header);
  const missing: string[] = [];
  for (const f of fields) {
    f.at = f.columns.map((c) => byNorm.get(normalizeHeader(c)) ?? -1);
    f.columns.forEach((c, k) => {
      if (f.at[k] < 0 && !missing.includes(c)) missing.push(c);
    });
  }
  return missing;
}

function missingColumns(m: Mapping, missing: string[], table: Table): ReconError {
  return new ReconError(
    ErrorCodes.MISSING_COLUMN,
    `mapping "${m.name}" reads column${missing.length > 1 ? 's' : ''} ${missing.map((c) => JSON.stringify(c)).join(', ')}, ` +
      `which the file does not have (header: ${table.header.map((h) => JSON.stringify(h)).join(', ')})`,
    { file: table.file, line: table.headerLine ?? 1 },
  );
}

function cellAt(r: RawRow, i: number): string {
  if (i < 0) return '';
  const v = r.values[i];
  return v === undefined ? '' : v.trim();
}

/** a × b, exactly: both at SCALE decimals, the product at twice that, written without trailing zeros. */
function exactProduct(a: bigint, b: bigint): string {
  const p = a * b;
  const neg = p < 0n;
  const abs = neg ? -p : p;
  const f = FACTOR * FACTOR;
  const frac = (abs % f).toString().padStart(2 * SCALE, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${abs / f}${frac ? '.' + frac : ''}`;
}

interface RowOutcome {
  /** Why the row cannot be used (a bad value in a field the comparison needs). */
  bad?: string;
  /** An ISO code a currency sign gave. */
  currency?: string;
}

/**
 * Fills `out[slot[k]]` with field k's value for row `r`. A value that does not parse is left
 * out of a lenient field (reported), and makes the row bad otherwise.
 */
function readFields(fields: Field[], slots: number[], r: RawRow, out: string[], opts: ApplyOptions): RowOutcome {
  const outcome: RowOutcome = {};
  const fail = (f: Field, column: string, raw: string, reason: string): void => {
    if (f.lenient) opts.unparsed?.({ column, line: r.line, value: raw, reason });
    else outcome.bad ??= `${f.name}: ${reason}`;
  };
  for (let k = 0; k < fields.length; k++) {
    const f = fields[k];
    let value = '';
    switch (f.source) {
      case 'constant':
        value = f.constant;
        break;
      case 'column': {
        const raw = cellAt(r, f.at[0]);
        if (raw === '') break;
        const x = f.read(raw);
        if (!x.ok) fail(f, f.columns[0], raw, x.reason);
        else {
          value = x.value;
          if (x.currency) outcome.currency ??= x.currency;
        }
        break;
      }
      case 'sum':
      case 'product': {
        const parts: bigint[] = [];
        let ok = true;
        for (let c = 0; c < f.at.length; c++) {
          const raw = cellAt(r, f.at[c]);
          if (raw === '') continue;
          const x = f.read(raw);
          const d = x.ok ? parseDecimal(x.value) : undefined;
          if (!x.ok || !d || !d.ok) {
            fail(f, f.columns[c], raw, !x.ok ? x.reason : d && !d.ok ? d.reason : 'not a number');
            ok = false;
            break;
          }
          if (x.currency) outcome.currency ??= x.currency;
          parts.push(d.value);
        }
        if (!ok) break;
        if (f.source === 'sum') value = parts.length === 0 ? '' : formatDecimal(parts.reduce((a, b) => a + b, 0n));
        else value = parts.length === 2 ? exactProduct(parts[0], parts[1]) : '';
        break;
      }
    }
    out[slots[k]] = value;
  }
  return outcome;
}

// ---------------------------------------------------------------------------------------------
// Applying a mapping

/** The table a mapping makes of a file, and which file column each canonical field came from. */
export interface MappedTable {
  table: Table;
  /** The file's column behind a canonical field (for warnings), when the mapping reads one. */
  columnOf(field: string): string | undefined;
  /** True when the rows are the file's own, renamed (a CSV row's width is still the decoder's to check). */
  renamed: boolean;
}

/**
 * The canonical table of `table` under mapping `m`. Throws MISSING_COLUMN when a column the
 * mapping reads is not in the header (JSON: in no object of the file), naming the mapping,
 * the column and the header as the file has it.
 */
export function applyMapping(table: Table, m: Mapping, opts: ApplyOptions = {}): Table {
  return mapTable(table, m, opts).table;
}

export function mapTable(table: Table, m: Mapping, opts: ApplyOptions = {}): MappedTable {
  const fields = compileFields(m, opts.lenient);
  const keyed = table.format !== 'csv';
  const missing = resolve(fields, table.header);
  if (!keyed && missing.length > 0) throw missingColumns(m, missing, table);
  const byField = new Map(fields.filter((f) => f.columns.length > 0).map((f) => [f.name, f.columns.join(' + ')]));
  const columnOf = (field: string): string | undefined => byField.get(field);
  if (m.extends !== undefined) return { table: extendPreset(table, m, fields, opts), columnOf, renamed: false };
  if (isRename(m)) return { table: renameTable(table, m, fields), columnOf, renamed: true };

  const feed = FEEDS[m.feed];
  const canonical = new Map(Object.keys(feed.fields).map((f) => [normalizeHeader(f), f]));
  const mapped = new Set(fields.map((f) => f.name));
  const signs = fields.some((f) => typeof m.columns[f.name] === 'object' && (m.columns[f.name] as FieldSpecDef).currencySign);

  // The output: the mapped fields; then `currency` when a currency sign may give it and the
  // mapping does not (the file's own currency column first, else the sign's code); then the
  // file's other canonical columns the mapping leaves alone (passed through). A JSON header
  // grows at its end, so the slots of earlier columns never move.
  const signSlot = signs && 'currency' in feed.fields && !mapped.has('currency') ? fields.length : -1;
  const currencySlot = signSlot >= 0 ? signSlot : fields.findIndex((f) => f.name === 'currency');
  const first = fields.length + (signSlot >= 0 ? 1 : 0);
  let width = -1;
  let header: string[] = [];
  let pass: number[] = [];
  let currencyAt = -1;
  const slots = fields.map((_, k) => k);
  const layout = (): void => {
    if (table.header.length === width) return;
    width = table.header.length;
    if (keyed) resolve(fields, table.header);
    header = fields.map((f) => f.name);
    if (signSlot >= 0) header.push('currency');
    pass = [];
    currencyAt = -1;
    const seen = new Set(mapped);
    table.header.forEach((h, i) => {
      const f = canonical.get(normalizeHeader(h));
      if (f === undefined || seen.has(f)) return;
      seen.add(f);
      if (f === 'currency' && signSlot >= 0) {
        currencyAt = i;
        return;
      }
      header.push(f);
      pass.push(i);
    });
  };
  layout();

  const mapRow = (r: RawRow, out: string[]): RowOutcome => {
    const o = readFields(fields, slots, r, out, opts);
    if (signSlot >= 0) out[signSlot] = cellAt(r, currencyAt);
    for (let p = 0; p < pass.length; p++) out[first + p] = cellAt(r, pass[p]);
    if (currencySlot >= 0 && o.currency !== undefined && out[currencySlot] === '') out[currencySlot] = o.currency;
    return o;
  };

  const rawWidth = keyed ? undefined : table.header.length;
  const fold = m.rows ? makeFolder(m, () => header) : undefined;

  async function* rows(): AsyncIterable<RawRow[]> {
    const footer = footerSkipper(m, table.delimiter);
    for await (const batch of table.rows()) {
      layout();
      const out: RawRow[] = [];
      for (const r of batch) {
        const skipped = footer?.(r);
        if (skipped) {
          out.push(skipped);
          continue;
        }
        if (rawWidth !== undefined && r.values.length !== rawWidth) {
          out.push({ line: r.line, values: new Array<string>(header.length).fill(''), span: 1, reject: `expected ${rawWidth} fields, found ${r.values.length}` });
          continue;
        }
        const values = new Array<string>(header.length);
        const o = mapRow(r, values);
        const row: RawRow = { line: r.line, values, span: 1 };
        if (o.bad !== undefined) row.reject = o.bad;
        if (fold) fold.add(row, out);
        else out.push(row);
      }
      if (out.length > 0) yield out;
    }
    if (keyed) {
      const absent = resolve(fields, table.header);
      if (absent.length > 0) throw missingColumns(m, absent, table);
    }
    if (fold) yield* fold.drain();
  }

  return {
    table: {
      file: table.file,
      format: table.format,
      delimiter: table.delimiter,
      compressed: table.compressed,
      headerLine: table.headerLine,
      get header() {
        layout();
        return header;
      },
      rows,
    },
    columnOf,
    renamed: false,
  };
}

/** A mapping that only renames columns and adds constants: no per-cell work. */
function isRename(m: Mapping): boolean {
  if (m.rows || m.skip?.footer !== undefined) return false;
  const sources = new Set<string>();
  for (const spec of Object.values(m.columns)) {
    if (typeof spec !== 'string') return false;
    const n = normalizeHeader(spec);
    if (sources.has(n)) return false;
    sources.add(n);
  }
  return true;
}

/** Suffix given to a file column that would otherwise collide with a mapped or constant field. */
export const SHADOWED = ' (replaced by mapping)';

/**
 * A rename: the mapping's columns renamed to canonical fields, its constants added as columns
 * at the end. A pure rename touches no row. A file column whose name already is a field the
 * mapping fills is renamed out of the way (`Total (replaced by mapping)`): the mapping wins.
 * The header follows a JSON table's header as it grows.
 */
function renameTable(table: Table, mapping: Mapping, fields: Field[]): Table {
  const rename = new Map(Object.entries(mapping.columns).map(([field, src]) => [normalizeHeader(src as string), field]));
  const filled = new Set([...Object.keys(mapping.columns), ...Object.keys(mapping.constants)].map(normalizeHeader));
  const constNames = Object.keys(mapping.constants);
  const constValues = Object.values(mapping.constants);

  let cachedFor = -1;
  let cached: string[] = [];
  const header = (): string[] => {
    const raw = table.header;
    if (raw.length !== cachedFor) {
      // Two file columns that both are the mapping's source of a field: stop, naming both.
      for (const [n, pair] of duplicateColumns(raw, (x) => rename.has(x))) {
        throw duplicateColumnError(table.file, raw, pair, `${rename.get(n)} by mapping ${mapping.name}`, table.format === 'csv' ? 1 : undefined);
      }
      const used = new Set<string>();
      const out = raw.map((h) => {
        const n = normalizeHeader(h);
        const field = rename.get(n);
        if (field !== undefined && !used.has(field)) {
          used.add(field);
          return field;
        }
        return filled.has(n) || field !== undefined ? h + SHADOWED : h;
      });
      cached = constNames.length ? [...out, ...constNames] : out;
      cachedFor = raw.length;
    }
    return cached;
  };

  const strictWidth = table.format === 'csv';
  const keyed = !strictWidth;
  const rows =
    constNames.length === 0 && !keyed
      ? () => table.rows()
      : async function* (): AsyncIterable<RawRow[]> {
          for await (const batch of table.rows()) {
            if (constNames.length > 0) {
              for (const r of batch) {
                const v = r.values;
                // JSON rows may be shorter than a header that grew: pad so the constants line up.
                // A CSV row keeps its width (L + k ≠ n + k), so a malformed row is still rejected.
                if (!strictWidth) while (v.length < table.header.length) v.push('');
                for (const c of constValues) v.push(c);
              }
            }
            yield batch;
          }
          if (keyed) {
            const absent = resolve(fields, table.header);
            if (absent.length > 0) throw missingColumns(mapping, absent, table);
          }
        };

  return {
    file: table.file,
    format: table.format,
    delimiter: table.delimiter,
    compressed: table.compressed,
    headerLine: table.headerLine,
    get header() {
      return header();
    },
    rows,
  };
}

// ---------------------------------------------------------------------------------------------
// rows: line-item files

interface Folded {
  line: number;
  span: number;
  values: string[];
  sums: Array<bigint | undefined> | undefined;
  reject?: string;
  rejectLine?: number;
}

/**
 * Folds the rows of one record (same `rows.per` values), adjacent or not: one folded record
 * is held per key — never the raw rows — and all are given out at the end, in the order
 * their first row came. The record's line is its first row's; a rejected record's is the
 * line of the row that spoiled it.
 */
function makeFolder(m: Mapping, header: () => string[]) {
  const feed = FEEDS[m.feed];
  const per = m.rows?.per ?? RECORD_IDENTITY[m.feed];
  const takes = m.rows?.take ?? {};
  const records = new Map<string, Folded>();
  let perAt: number[] = [];
  let takeAt: Take[] = [];
  let laidOut = -1;
  const layout = (): void => {
    const h = header();
    if (h.length === laidOut) return;
    laidOut = h.length;
    perAt = per.map((f) => h.indexOf(f));
    takeAt = h.map((f) => (Object.hasOwn(takes, f) ? takes[f] : 'first'));
  };
  const required = per.filter((f) => feed.fields[f]?.required);
  const lower = new Set(per.filter((f) => feed.fields[f]?.caseInsensitive));

  return {
    add(row: RawRow, out: RawRow[]): void {
      layout();
      const h = header();
      const key: string[] = [];
      let keyless = false;
      for (let k = 0; k < per.length; k++) {
        const v = perAt[k] < 0 ? '' : (row.values[perAt[k]] ?? '');
        if (v === '' && required.includes(per[k])) keyless = true;
        key.push(lower.has(per[k]) ? v.toLowerCase() : v);
      }
      // A row without its key cannot join a record: alone, rejected by the decoder.
      if (keyless) {
        out.push(row);
        return;
      }
      const id = JSON.stringify(key);
      let rec = records.get(id);
      if (!rec) {
        rec = { line: row.line, span: 0, values: new Array<string>(h.length).fill(''), sums: undefined };
        records.set(id, rec);
      }
      rec.span++;
      if (row.reject !== undefined && rec.reject === undefined) {
        rec.reject = row.reject;
        rec.rejectLine = row.line;
      }
      for (let i = 0; i < row.values.length; i++) {
        const v = row.values[i] ?? '';
        const take = takeAt[i];
        if (take === 'sum') {
          if (v === '') continue;
          const d = parseDecimal(v);
          if (!d.ok) {
            if (rec.reject === undefined) {
              rec.reject = `${h[i]}: ${d.reason}`;
              rec.rejectLine = row.line;
            }
            continue;
          }
          rec.sums ??= new Array<bigint | undefined>(h.length);
          rec.sums[i] = (rec.sums[i] ?? 0n) + d.value;
        } else if (v !== '' && (take === 'last' || (rec.values[i] ?? '') === '')) {
          rec.values[i] = v;
        }
      }
    },
    *drain(): Iterable<RawRow[]> {
      const width = header().length;
      let out: RawRow[] = [];
      for (const rec of records.values()) {
        const values = rec.values;
        while (values.length < width) values.push('');
        if (rec.sums) rec.sums.forEach((s, i) => s !== undefined && (values[i] = formatDecimal(s)));
        const row: RawRow = { line: rec.rejectLine ?? rec.line, values, span: rec.span };
        if (rec.reject !== undefined) row.reject = rec.reject;
        out.push(row);
        if (out.length >= 4096) {
          yield out;
          out = [];
        }
      }
      records.clear();
      if (out.length > 0) yield out;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// extends: a preset refined

/**
 * The preset reads the file's rows (folding line items as it does); the mapping's fields are
 * read from each raw row, folded over the rows the preset put in each record (`rows.take`,
 * default the first non-empty), and win over the preset's values. `skip.footer` rows never
 * reach the preset.
 */
function extendPreset(table: Table, m: Mapping, fields: Field[], opts: ApplyOptions): Table {
  const preset = presetByName(m.extends!)!;
  if (!preset.matches(table.header)) {
    throw new ReconError(
      ErrorCodes.MISSING_COLUMN,
      `mapping "${m.name}" extends preset ${preset.name}, but this file is not its export (header: ${table.header.map((h) => JSON.stringify(h)).join(', ')})`,
      { file: table.file, line: table.headerLine ?? 1 },
    );
  }
  const takes = m.rows?.take ?? {};
  const slots = fields.map((_, k) => k);
  const perRow = new WeakMap<RawRow, { values: string[]; bad?: string }>();
  const footers: RawRow[] = [];
  const rawWidth = table.format === 'csv' ? table.header.length : undefined;
  let resolvedFor = table.header.length;
  const recent = new Map<number, RawRow>();

  const input: Table = {
    ...table,
    get header() {
      return table.header;
    },
    rows: async function* () {
      const footer = footerSkipper(m, table.delimiter);
      for await (const batch of table.rows()) {
        const keep: RawRow[] = [];
        for (const r of batch) {
          const skipped = footer?.(r);
          if (skipped) {
            footers.push(skipped);
            continue;
          }
          if (rawWidth === undefined || r.values.length === rawWidth) {
            if (table.header.length !== resolvedFor) {
              resolvedFor = table.header.length;
              resolve(fields, table.header);
            }
            const values = new Array<string>(fields.length);
            const o = readFields(fields, slots, r, values, opts);
            perRow.set(r, o.bad !== undefined ? { values, bad: o.bad } : { values });
            // For a preset that does not say which rows it folded (RawRow.members): its row of one
            // raw row is found by line, among the most recent rows.
            recent.set(r.line, r);
            if (recent.size > RECENT_ROWS) recent.delete(recent.keys().next().value as number);
          }
          keep.push(r);
        }
        if (keep.length > 0) yield keep;
      }
    },
  };
  const out = preset.apply(input, opts.preset ?? {});

  let width = -1;
  let header: string[] = [];
  let target: number[] = [];
  const layout = (): void => {
    const h = out.header;
    if (h.length === width) return;
    width = h.length;
    header = [...h];
    target = fields.map((f) => {
      const i = header.indexOf(f.name);
      if (i >= 0) return i;
      header.push(f.name);
      return header.length - 1;
    });
  };

  const override = (row: RawRow): void => {
    while (row.values.length < header.length) row.values.push('');
    const own = row.members === undefined && (row.span ?? 1) <= 1 ? recent.get(row.line) : undefined;
    const members = row.members ?? (own ? [own] : undefined);
    if (!members) throw new Error(`preset ${preset.name} gave a row (line ${row.line}) without the raw rows it folded (RawRow.members): mapping "${m.name}" cannot extend it`);
    for (let k = 0; k < fields.length; k++) {
      const take: Take = Object.hasOwn(takes, fields[k].name) ? takes[fields[k].name] : 'first';
      let value = '';
      let total: bigint | undefined;
      for (const r of members) {
        const mine = perRow.get(r);
        if (!mine) continue;
        if (mine.bad !== undefined && row.reject === undefined) row.reject = r.line === row.line ? mine.bad : `line ${r.line}: ${mine.bad}`;
        const v = mine.values[k] ?? '';
        if (v === '') continue;
        if (take === 'sum') {
          const d = parseDecimal(v);
          if (d.ok) total = (total ?? 0n) + d.value;
          else row.reject ??= `${fields[k].name}: ${d.reason}`;
        } else if (take === 'last' || value === '') value = v;
      }
      if (total !== undefined) value = formatDecimal(total);
      if (value !== '') row.values[target[k]] = value;
    }
    // Rows the preset named are done with: only a preset that names none keeps `recent` full.
    if (row.members) for (const r of row.members) if (recent.get(r.line) === r) recent.delete(r.line);
  };

  return {
    file: out.file,
    format: out.format,
    delimiter: out.delimiter,
    compressed: out.compressed,
    headerLine: table.headerLine,
    get header() {
      layout();
      return header;
    },
    rows: async function* () {
      for await (const batch of out.rows()) {
        layout();
        for (const row of batch) {
          if (row.reject === undefined && row.skip === undefined) override(row);
          else if (row.reject !== undefined) recent.delete(row.line);
        }
        yield batch;
        if (footers.length > 0) yield footers.splice(0);
      }
      if (footers.length > 0) yield footers.splice(0);
    },
  };
}
