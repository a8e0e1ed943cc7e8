/**
 * Sample feeds with an answer key. `generateSample({ seed, scale })` builds, for every
 * boundary, files of both sides full of matching rows, with planted discrepancies of every
 * type in the SPEC and the traps that must match (exact decimals written differently,
 * channel case, split shipments, zero vs absent stock, credit memos booked negative, …),
 * spread over the formats partners send. The answer key lists what a correct engine reports.
 *
 * Everything is a pure function of the seed: different seeds give different keys, values,
 * counts and formats; the same seed gives the same bytes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FEEDS, type BoundaryName, type FeedName } from '../feeds/catalog.ts';
import type { DiscrepancyType } from '../report/model.ts';
import type { AnswerKey, BoundaryAnswer } from './answer-key.ts';
import { Rng } from './prng.ts';
import { renderDelimited, renderJsonArray, renderJsonObject, renderNdjson, spell, type CsvStyle, type HeaderStyle, type JsonRow } from './render.ts';

export interface SampleOptions {
  seed: number;
  /** Multiplies the number of clean matching rows (default 1: a few hundred per boundary set). */
  scale?: number;
}

export interface SampleFile {
  feed: FeedName;
  /** File name inside the feed's folder. */
  name: string;
  content: string | Buffer;
}

export interface SampleSet {
  files: SampleFile[];
  answerKey: AnswerKey;
}

// ---------------------------------------------------------------------------------------
// Formats

type CsvVariant = 'comma' | 'semicolon' | 'pipe' | 'tab';
type OtherFormat = 'json-array' | 'json-object' | 'ndjson' | 'gz';

const CSV_STYLES: Record<CsvVariant, CsvStyle> = {
  comma: { delimiter: ',', bom: false, crlf: false },
  semicolon: { delimiter: ';', bom: true, crlf: true },
  pipe: { delimiter: '|', bom: false, crlf: false },
  tab: { delimiter: '\t', bom: false, crlf: false },
};

type FileFormat =
  | { kind: 'csv'; variant: CsvVariant; header: HeaderStyle; shuffleColumns: boolean }
  | { kind: 'json-array' | 'json-object' | 'ndjson'; keys: HeaderStyle; moneyAsNumber: boolean }
  | { kind: 'gz'; inner: 'csv' | 'ndjson' };

/** The main file of each feed is delimited text (it carries the planted bad rows); others vary. */
const MAIN_SLOTS = ['channel', 'oms-orders', 'oms-allocations', 'shipments', 'oms-inventory', 'warehouse-inventory', 'oms-transactions', 'erp-transactions'] as const;
const OTHER_SLOTS = ['channel', 'oms-orders', 'oms-allocations', 'shipments', 'warehouse-inventory#1', 'warehouse-inventory#2', 'oms-transactions', 'erp-transactions'] as const;

interface FormatPlan {
  main: Record<(typeof MAIN_SLOTS)[number], FileFormat>;
  other: Record<(typeof OTHER_SLOTS)[number], FileFormat>;
}

function planFormats(rng: Rng): FormatPlan {
  const csvs: CsvVariant[] = ['comma', 'semicolon', 'pipe', 'tab'];
  const variants = rng.shuffle([...csvs, ...MAIN_SLOTS.slice(4).map(() => rng.pick(csvs))]);
  const headers = rng.shuffle<HeaderStyle>(['title', 'kebab', 'upper', 'title', 'kebab', 'upper', 'snake', rng.pick(['snake', 'title'] as const)]);
  const main = Object.fromEntries(
    MAIN_SLOTS.map((s, i) => [s, { kind: 'csv', variant: variants[i], header: headers[i], shuffleColumns: rng.chance(0.5) } satisfies FileFormat]),
  ) as FormatPlan['main'];
  const kinds: OtherFormat[] = ['json-array', 'json-object', 'ndjson', 'gz'];
  const others = rng.shuffle([...kinds, ...OTHER_SLOTS.slice(4).map(() => rng.pick(kinds))]);
  const other = Object.fromEntries(
    OTHER_SLOTS.map((s, i) => {
      const k = others[i];
      const f: FileFormat =
        k === 'gz'
          ? { kind: 'gz', inner: rng.pick(['csv', 'ndjson'] as const) }
          : { kind: k, keys: rng.pick(['snake', 'camel'] as const), moneyAsNumber: rng.chance(0.5) };
      return [s, f];
    }),
  ) as FormatPlan['other'];
  return { main, other };
}

// ---------------------------------------------------------------------------------------
// Rows and files

type Cells = Record<string, string>;

interface PlantRow {
  cells: Cells;
  /** Written with one cell too many or too few (CSV only). */
  malformed?: 'extra' | 'missing';
  /** The engine must reject this row (bad value or wrong width): recorded in the answer key. */
  rejected?: boolean;
}

const NUMERIC_FIELDS = new Set(['quantity', 'on_hand']);
const MONEY_FIELDS = new Set(['total', 'amount']);

interface Ctx {
  rng: Rng;
  scale: number;
  plan: FormatPlan;
  files: SampleFile[];
  key: AnswerKey;
  currency: string;
  /** Midnight UTC of the sample's business day. */
  day: number;
  /** Every ID handed out, so no two planted things share a key by accident. */
  ids: Set<string>;
  /** Which side alone counts the coverage-gap facility. */
  gapSide: 'oms' | 'warehouse';
}

function boundaryOf(feed: FeedName): BoundaryName {
  return FEEDS[feed].boundary;
}

/** Writes `rows` as one file of `feed` in `format`; returns the file name. */
function emit(ctx: Ctx, feed: FeedName, base: string, rows: PlantRow[], format: FileFormat): string {
  const { rng } = ctx;
  const present = new Set<string>();
  for (const r of rows) for (const f of Object.keys(r.cells)) present.add(f);
  let fields = Object.keys(FEEDS[feed].fields).filter((f) => present.has(f));
  const answer = ctx.key[boundaryOf(feed)];

  if (format.kind === 'csv') {
    if (format.shuffleColumns) fields = rng.shuffle(fields);
    const style = CSV_STYLES[format.variant];
    const header = fields.map((f) => spell(f, format.header));
    const cells = rows.map((r) => {
      const c = fields.map((f) => r.cells[f] ?? '');
      if (r.malformed === 'extra') c.push(rng.pick(['n/a', 'see note', '0']));
      if (r.malformed === 'missing') c.pop();
      return c;
    });
    const { text, lines } = renderDelimited(header, cells, style);
    const name = `${base}${format.variant === 'tab' ? '.tsv' : '.csv'}`;
    rows.forEach((r, i) => {
      if (r.rejected) answer.rejected.push({ file: `${feed}/${name}`, line: lines[i] });
    });
    ctx.files.push({ feed, name, content: text });
    return name;
  }

  if (rows.some((r) => r.rejected || r.malformed)) throw new Error(`sample generator: bad rows belong in a delimited file (${feed}/${base})`);
  const json = (): JsonRow[] => rows.map((r) => ({ ...r.cells }));
  const numeric = (moneyAsNumber: boolean) => (moneyAsNumber ? new Set([...NUMERIC_FIELDS, ...MONEY_FIELDS]) : NUMERIC_FIELDS);

  if (format.kind === 'gz') {
    let inner: string;
    let name: string;
    if (format.inner === 'csv') {
      inner = renderDelimited(fields.map((f) => spell(f, 'snake')), rows.map((r) => fields.map((f) => r.cells[f] ?? '')), CSV_STYLES.comma).text;
      name = `${base}.csv.gz`;
    } else {
      inner = renderNdjson(json(), 'snake', numeric(false));
      name = `${base}.ndjson.gz`;
    }
    ctx.files.push({ feed, name, content: gzipSync(Buffer.from(inner, 'utf8'), { level: 9 }) });
    return name;
  }
  const body = json();
  const nums = numeric(format.moneyAsNumber);
  if (format.kind === 'ndjson') {
    const name = `${base}.ndjson`;
    ctx.files.push({ feed, name, content: renderNdjson(body, format.keys, nums) });
    return name;
  }
  const name = `${base}.json`;
  if (format.kind === 'json-array') {
    ctx.files.push({ feed, name, content: renderJsonArray(body, format.keys, nums) });
  } else {
    const arrayKey = rng.pick(['records', 'data', 'items', 'rows']);
    const meta = { exported_at: isoZ(ctx.day + 86_400_000 + rng.int(0, 3600) * 1000), source: feed, count: body.length };
    ctx.files.push({ feed, name, content: renderJsonObject(body, format.keys, nums, arrayKey, meta) });
  }
  return name;
}

/** Splits rows between the main file (all rejected rows, `keep` rows, ~2/3 of the rest) and another. */
function split(rng: Rng, rows: PlantRow[], keepInMain: ReadonlySet<PlantRow> = new Set()): [PlantRow[], PlantRow[]] {
  const main: PlantRow[] = [];
  const other: PlantRow[] = [];
  for (const r of rows) {
    if (r.rejected || r.malformed || keepInMain.has(r) || rng.chance(0.65)) main.push(r);
    else other.push(r);
  }
  if (other.length === 0 && main.length > 1) {
    const i = main.findIndex((r) => !r.rejected && !r.malformed && !keepInMain.has(r));
    if (i >= 0) other.push(...main.splice(i, 1));
  }
  return [rng.shuffle(main), rng.shuffle(other)];
}

// ---------------------------------------------------------------------------------------
// Values

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** Money from integer cents, written as partners write it. */
function money(cents: number, style: 'plain' | 'grouped' | 'short' | 'paren' = 'plain'): string {
  const neg = cents < 0;
  const a = Math.abs(cents);
  let int = String(Math.floor(a / 100));
  let frac = pad(a % 100);
  if (style === 'grouped') int = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  if (style === 'short') frac = frac.replace(/0+$/, '');
  const body = frac === '' ? int : `${int}.${frac}`;
  if (neg) return style === 'paren' ? `(${body})` : `-${body}`;
  return body;
}

function anyMoney(rng: Rng, cents: number): string {
  return money(cents, rng.weighted([[5, 'plain'], [3, 'grouped'], [2, 'short']] as const));
}

function isoZ(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** Timestamps in the spellings the SPEC accepts. */
function stamp(rng: Rng, ms: number): string {
  const style = rng.pick(['z', 'offset', 'space'] as const);
  if (style === 'z') return isoZ(ms);
  const offH = rng.pick([-5, -8, 1, 0]);
  const local = new Date(ms + offH * 3_600_000);
  const date = `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  const sign = offH < 0 ? '-' : '+';
  if (style === 'offset') return `${date}T${time}${sign}${pad(Math.abs(offH))}:00`;
  return `${date} ${time} ${sign}${pad(Math.abs(offH))}00`;
}

function shopifyStamp(ms: number): string {
  const local = new Date(ms - 5 * 3_600_000);
  return `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())} ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())} -0500`;
}

function amazonStamp(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', '+00:00');
}

function uniq(ctx: Ctx, gen: () => string): string {
  for (;;) {
    const v = gen();
    if (!ctx.ids.has(v)) {
      ctx.ids.add(v);
      return v;
    }
  }
}

function count(ctx: Ctx, base: number): number {
  return Math.max(3, Math.round(base * ctx.scale * (0.8 + ctx.rng.float() * 0.4)));
}

/** Free text that needs quoting in any delimited format. */
const AWKWARD_TEXT = ['Hold, review', 'on hold — "fraud" check', 'released\nto warehouse', 'a;b|c\td', 'Partially shipped, "backorder"'];

function text(rng: Rng, plain: readonly string[]): string {
  return rng.chance(0.12) ? rng.pick(AWKWARD_TEXT) : rng.pick(plain);
}

function discrepancy(answer: BoundaryAnswer, type: DiscrepancyType, key: Record<string, string>, offsetting?: boolean): void {
  answer.discrepancies.push(offsetting === undefined ? { type, key } : { type, key, offsetting });
}

// ---------------------------------------------------------------------------------------
// intake

interface ChannelDef {
  name: string;
  spellings: string[];
  id: (rng: Rng) => string;
}

const CHANNELS: ChannelDef[] = [
  { name: 'ebay', spellings: ['ebay', 'eBay', 'EBAY'], id: (r) => `${r.digits(2)}-${r.digits(5)}-${r.digits(5)}` },
  { name: 'walmart', spellings: ['walmart', 'Walmart', 'WALMART'], id: (r) => `1${r.digits(12)}` },
  { name: 'etsy', spellings: ['etsy', 'Etsy'], id: (r) => `3${r.digits(9)}` },
  { name: 'web', spellings: ['web', 'Web', 'WEB'], id: (r) => `W${r.digits(6)}` },
];
const OUT_OF_SCOPE: ChannelDef[] = [
  { name: 'tiktok', spellings: ['TikTok', 'tiktok'], id: (r) => `57${r.digits(16)}` },
  { name: 'pos', spellings: ['POS', 'pos'], id: (r) => `POS-${r.digits(5)}` },
  { name: 'wholesale', spellings: ['Wholesale', 'wholesale'], id: (r) => `WS-${r.digits(4)}` },
];
const SHOPIFY_SPELLINGS = ['shopify', 'Shopify', 'SHOPIFY'];
const AMAZON_SPELLINGS = ['amazon', 'Amazon', 'AMAZON', 'Amazon '];

const PRODUCTS = [
  'Organic Cotton Tee', 'Tee, "Classic" fit', 'Stoneware Mug\n(12 oz)', 'Wool Socks, 3-pack', 'Canvas Tote',
  'Linen Napkins (set of 4)', 'Enamel Pin "Moon"', 'Desk Lamp, brass', 'Notebook A5', 'Water Bottle 750 ml',
];
const PLAIN_PRODUCTS = ['Organic Cotton Tee', 'Canvas Tote', 'Notebook A5', 'Water Bottle 750 ml', 'Desk Lamp, brass', 'Wool Socks, 3-pack'];

interface Order {
  channel: string;
  id: string;
  cents: number;
  currency: string;
  placedAt: number;
}

interface LineItem {
  name: string;
  sku: string;
  qty: number;
  unit: number;
}

interface ShopOrder extends Order {
  items: LineItem[];
  shipping: number;
  taxes: number;
  financial: string;
  fulfillment: string;
  email: string;
  numericId: string;
  /** Trap: a later row carries another Total (the first one counts; a `preset` warning). */
  conflictingTotal?: string;
  /** Trap: the order's rows come in two runs with another order between (a duplicate key). */
  repeated?: boolean;
}

interface AmzOrder extends Order {
  items: LineItem[];
  status: string;
  pending: boolean;
}

const SHOPIFY_COLUMNS = [
  'Name', 'Email', 'Financial Status', 'Paid at', 'Fulfillment Status', 'Fulfilled at', 'Accepts Marketing', 'Currency', 'Subtotal',
  'Shipping', 'Taxes', 'Total', 'Discount Code', 'Discount Amount', 'Shipping Method', 'Created at', 'Lineitem quantity',
  'Lineitem name', 'Lineitem price', 'Lineitem compare at price', 'Lineitem sku', 'Lineitem requires shipping', 'Lineitem taxable',
  'Lineitem fulfillment status', 'Billing Name', 'Billing Street', 'Billing Address1', 'Billing Address2', 'Billing Company',
  'Billing City', 'Billing Zip', 'Billing Province', 'Billing Country', 'Billing Phone', 'Shipping Name', 'Shipping Street',
  'Shipping Address1', 'Shipping Address2', 'Shipping Company', 'Shipping City', 'Shipping Zip', 'Shipping Province',
  'Shipping Country', 'Shipping Phone', 'Notes', 'Note Attributes', 'Cancelled at', 'Payment Method', 'Payment Reference',
  'Refunded Amount', 'Vendor', 'Outstanding Balance', 'Employee', 'Location', 'Device ID', 'Id', 'Tags', 'Risk Level', 'Source',
  'Lineitem discount', 'Tax 1 Name', 'Tax 1 Value', 'Tax 2 Name', 'Tax 2 Value', 'Tax 3 Name', 'Tax 3 Value', 'Tax 4 Name',
  'Tax 4 Value', 'Tax 5 Name', 'Tax 5 Value', 'Phone', 'Receipt Number', 'Duties', 'Billing Province Name',
  'Shipping Province Name', 'Payment ID', 'Payment Terms Name', 'Next Payment Due At', 'Payment References',
];

const AMAZON_COLUMNS = [
  'amazon-order-id', 'merchant-order-id', 'purchase-date', 'last-updated-date', 'order-status', 'fulfillment-channel',
  'sales-channel', 'order-channel', 'url', 'ship-service-level', 'product-name', 'sku', 'asin', 'item-status', 'quantity',
  'currency', 'item-price', 'item-tax', 'shipping-price', 'shipping-tax', 'gift-wrap-price', 'gift-wrap-tax',
  'item-promotion-discount', 'ship-promotion-discount', 'ship-city', 'ship-state', 'ship-postal-code', 'ship-country',
  'promotion-ids', 'is-business-order', 'purchase-order-number', 'price-designation',
];

const CITIES = [['Austin', 'TX', '78701'], ['Portland', 'OR', '97205'], ['Columbus', 'OH', '43215'], ['Tampa', 'FL', '33602'], ['Denver', 'CO', '80202']];

function items(rng: Rng, names: readonly string[], min: number, max: number): LineItem[] {
  const n = rng.int(min, max);
  return Array.from({ length: n }, () => {
    const name = rng.pick(names);
    return { name, sku: `${name.replace(/[^A-Za-z]/g, '').slice(0, 4).toUpperCase()}-${rng.digits(3)}`, qty: rng.int(1, 3), unit: rng.weighted([[8, rng.int(300, 9_000)], [2, rng.int(50_000, 180_000)]] as const) };
  });
}

function renderShopify(ctx: Ctx, orders: ShopOrder[]): string {
  const { rng } = ctx;
  interface Run { o: ShopOrder; items: LineItem[] }
  const runs: Run[] = [];
  const later: Run[] = [];
  for (const o of orders) {
    if (o.repeated) {
      const k = Math.max(1, Math.floor(o.items.length / 2));
      runs.push({ o, items: o.items.slice(0, k) });
      later.push({ o, items: o.items.slice(k) });
    } else runs.push({ o, items: o.items });
  }
  // A repeated order's second run goes at least one order later.
  for (const r of later) {
    let first = runs.findIndex((x) => x.o === r.o);
    if (first > runs.length - 2) {
      [runs[0], runs[first]] = [runs[first], runs[0]];
      first = 0;
    }
    runs.splice(rng.int(first + 2, runs.length), 0, r);
  }
  const rows: string[][] = [];
  for (const { o, items: its } of runs) {
    const [city, state, zip] = rng.pick(CITIES);
    const subtotal = o.items.reduce((s, it) => s + it.qty * it.unit, 0);
    its.forEach((it, i) => {
      const v: Record<string, string> = {
        Name: o.id, Email: o.email,
        'Lineitem quantity': String(it.qty), 'Lineitem name': it.name, 'Lineitem price': money(it.unit), 'Lineitem sku': it.sku,
        'Lineitem requires shipping': 'true', 'Lineitem taxable': 'true', 'Lineitem fulfillment status': o.fulfillment === 'fulfilled' ? 'fulfilled' : 'pending',
        Vendor: 'Acme Goods', 'Lineitem discount': '0.00',
      };
      if (i === 0) {
        Object.assign(v, {
          'Financial Status': o.financial, 'Paid at': o.financial === 'pending' ? '' : shopifyStamp(o.placedAt + 60_000),
          'Fulfillment Status': o.fulfillment, 'Fulfilled at': o.fulfillment === 'fulfilled' ? shopifyStamp(o.placedAt + 86_400_000) : '',
          'Accepts Marketing': rng.pick(['yes', 'no']), Currency: o.currency, Subtotal: money(subtotal), Shipping: money(o.shipping),
          Taxes: money(o.taxes), Total: money(o.cents), 'Discount Amount': '0.00', 'Shipping Method': 'Standard Shipping',
          'Created at': shopifyStamp(o.placedAt), 'Billing Name': 'Sam Rivera', 'Billing Street': '12 Main St', 'Billing Address1': '12 Main St',
          'Billing City': city, 'Billing Zip': zip, 'Billing Province': state, 'Billing Country': 'US', 'Shipping Name': 'Sam Rivera',
          'Shipping Street': '12 Main St', 'Shipping Address1': '12 Main St', 'Shipping City': city, 'Shipping Zip': zip,
          'Shipping Province': state, 'Shipping Country': 'US', 'Payment Method': 'Shopify Payments', Id: o.numericId,
          'Risk Level': 'Low', Source: 'web', 'Tax 1 Name': `${state} State Tax 6.25%`, 'Tax 1 Value': money(o.taxes),
          Notes: rng.chance(0.2) ? 'Leave at the back door, "please"\nThanks!' : '',
        });
      } else if (i === 1 && o.conflictingTotal !== undefined) {
        v.Total = o.conflictingTotal;
      }
      rows.push(SHOPIFY_COLUMNS.map((c) => v[c] ?? ''));
    });
  }
  return renderDelimited(SHOPIFY_COLUMNS, rows, CSV_STYLES.comma).text;
}

function renderAmazon(ctx: Ctx, orders: AmzOrder[]): string {
  const { rng } = ctx;
  const rows: string[][] = [];
  for (const o of orders) {
    const [city, state, zip] = rng.pick(CITIES);
    for (const it of o.items) {
      const price = it.qty * it.unit;
      const v: Record<string, string> = {
        'amazon-order-id': o.id, 'purchase-date': amazonStamp(o.placedAt), 'last-updated-date': amazonStamp(o.placedAt + 7_200_000),
        'order-status': o.status, 'fulfillment-channel': rng.pick(['Amazon', 'Merchant']), 'sales-channel': 'Amazon.com',
        'ship-service-level': rng.pick(['Standard', 'Expedited']), 'product-name': it.name, sku: it.sku, asin: `B0${rng.digits(8)}`,
        'item-status': o.pending ? 'Unshipped' : 'Shipped', quantity: String(it.qty), currency: o.pending ? '' : o.currency,
        'item-price': o.pending ? '' : money(price), 'item-tax': o.pending ? '' : money(Math.round(price * 0.0825)),
        'shipping-price': o.pending ? '' : money(rng.pick([0, 499])), 'shipping-tax': o.pending ? '' : '0.00',
        'gift-wrap-price': o.pending ? '' : '0.00', 'gift-wrap-tax': o.pending ? '' : '0.00',
        'item-promotion-discount': o.pending ? '' : '0.00', 'ship-promotion-discount': o.pending ? '' : '0.00',
        'ship-city': city.toUpperCase(), 'ship-state': state, 'ship-postal-code': zip, 'ship-country': 'US', 'is-business-order': 'false',
      };
      rows.push(AMAZON_COLUMNS.map((c) => v[c] ?? ''));
    }
  }
  return renderDelimited(AMAZON_COLUMNS, rows, CSV_STYLES.tab).text;
}

function genIntake(ctx: Ctx): void {
  const { rng } = ctx;
  const answer = ctx.key.intake;
  const c1 = rng.pick(CHANNELS);
  const oos = rng.pick(OUT_OF_SCOPE);
  const when = () => ctx.day + rng.int(0, 86_399) * 1000;
  const omsId = () => uniq(ctx, () => `OMS-${rng.digits(7)}`);
  const omsStatuses = ['captured', 'released', 'shipped', 'invoiced'];

  const capture = (o: Order, opt: { omsId?: string | null; cents?: number; currency?: string; noTotal?: boolean } = {}): PlantRow => {
    const spellings = o.channel === 'shopify' ? SHOPIFY_SPELLINGS : o.channel === 'amazon' ? AMAZON_SPELLINGS : o.channel === c1.name ? c1.spellings : oos.spellings;
    const cells: Cells = {
      channel: rng.pick(spellings),
      channel_order_id: o.id,
      created_at: stamp(rng, o.placedAt + rng.int(5, 900) * 1000),
      currency: opt.currency ?? o.currency,
      status: text(rng, omsStatuses),
    };
    if (opt.omsId !== null) cells.oms_order_id = opt.omsId ?? omsId();
    if (!opt.noTotal) cells.total = anyMoney(rng, opt.cents ?? o.cents);
    return { cells };
  };
  const oms: PlantRow[] = [];
  const omsKeep = new Set<PlantRow>();
  const miss = (o: Order) => discrepancy(answer, 'missing_in_oms', { channel: o.channel, channel_order_id: o.id });

  // Shopify
  let shopNo = rng.int(1001, 40_000);
  const shopOrder = (minItems = 1): ShopOrder => {
    const its = items(rng, PRODUCTS, minItems, Math.max(minItems, 4));
    const shipping = rng.pick([0, 499, 995]);
    const subtotal = its.reduce((s, it) => s + it.qty * it.unit, 0);
    const taxes = Math.round(subtotal * 0.0625);
    return {
      channel: 'shopify', id: uniq(ctx, () => `#${(shopNo += rng.int(1, 3))}`), cents: subtotal + shipping + taxes, currency: ctx.currency,
      placedAt: when(), items: its, shipping, taxes, financial: rng.pick(['paid', 'paid', 'paid', 'pending', 'partially_refunded']),
      fulfillment: rng.pick(['fulfilled', 'fulfilled', 'unfulfilled', 'partial']), email: `buyer${rng.digits(4)}@example.com`,
      numericId: `5${rng.digits(12)}`,
    };
  };
  const shop: ShopOrder[] = [];
  for (let i = count(ctx, 40); i > 0; i--) {
    const o = shopOrder();
    shop.push(o);
    oms.push(capture(o, { noTotal: rng.chance(0.08) }));
  }
  for (let i = rng.int(1, 2); i > 0; i--) {
    const o = shopOrder();
    shop.push(o);
    miss(o);
  }
  {
    const o = shopOrder();
    shop.push(o);
    oms.push(capture(o, { cents: o.cents + rng.pick([499, 995, 1250]) }));
    discrepancy(answer, 'field_mismatch', { channel: 'shopify', channel_order_id: o.id });
  }
  {
    const o = shopOrder();
    shop.push(o);
    oms.push(capture(o), capture(o, { omsId: null }));
    discrepancy(answer, 'duplicate_in_oms', { channel: 'shopify', channel_order_id: o.id });
  }
  {
    const o = shopOrder();
    oms.push(capture(o));
    discrepancy(answer, 'unexpected_in_oms', { channel: 'shopify', channel_order_id: o.id });
  }
  {
    const o = shopOrder(2);
    o.conflictingTotal = money(o.cents + 1000);
    shop.push(o);
    oms.push(capture(o));
    answer.warnings.push({ code: 'preset' });
  }
  {
    const o = shopOrder(2);
    o.repeated = true;
    shop.push(o);
    oms.push(capture(o));
    answer.warnings.push({ code: 'duplicate_key' });
  }

  // Amazon: presence only (the report has no order total), so OMS totals never matter.
  const amzOrder = (): AmzOrder => {
    const pending = rng.chance(0.1);
    const its = items(rng, PLAIN_PRODUCTS, 1, 3);
    return {
      channel: 'amazon', id: uniq(ctx, () => `${rng.pick(['111', '112', '113', '114'])}-${rng.digits(7)}-${rng.digits(7)}`),
      cents: its.reduce((s, it) => s + it.qty * it.unit, 0), currency: ctx.currency, placedAt: when(), items: its,
      status: pending ? 'Pending' : rng.pick(['Shipped', 'Shipped', 'Unshipped']), pending,
    };
  };
  const amz: AmzOrder[] = [];
  for (let i = count(ctx, 30); i > 0; i--) {
    const o = amzOrder();
    amz.push(o);
    oms.push(capture(o, { cents: o.cents + (rng.chance(0.5) ? rng.int(0, 2000) : 0), noTotal: rng.chance(0.1) }));
  }
  for (let i = rng.int(1, 2); i > 0; i--) {
    const o = amzOrder();
    amz.push(o);
    miss(o);
  }

  // A channel with canonical columns (header spellings and formats vary by seed).
  const c1Order = (): Order => ({ channel: c1.name, id: uniq(ctx, () => c1.id(rng)), cents: rng.weighted([[7, rng.int(500, 40_000)], [3, rng.int(100_000, 900_000)]] as const), currency: ctx.currency, placedAt: when() });
  const c1Row = (o: Order, opt: { noTotal?: boolean; total?: string; currency?: string; pad?: boolean } = {}): PlantRow => {
    const cells: Cells = {
      channel: rng.pick(c1.spellings),
      channel_order_id: opt.pad ? `  ${o.id} ` : o.id,
      placed_at: stamp(rng, o.placedAt),
      currency: opt.currency ?? o.currency,
      status: text(rng, ['paid', 'shipped', 'awaiting shipment', 'completed']),
    };
    if (!opt.noTotal) cells.total = opt.total ?? anyMoney(rng, o.cents);
    return { cells };
  };
  const chan: PlantRow[] = [];
  for (let i = count(ctx, 60); i > 0; i--) {
    const o = c1Order();
    chan.push(c1Row(o, { noTotal: rng.chance(0.05), pad: rng.chance(0.06) }));
    oms.push(capture(o, { noTotal: rng.chance(0.08) }));
  }
  for (let i = rng.int(1, 3); i > 0; i--) {
    const o = c1Order();
    chan.push(c1Row(o));
    miss(o);
  }
  for (let i = rng.int(1, 2); i > 0; i--) {
    const o = c1Order();
    chan.push(c1Row(o));
    oms.push(capture(o, { cents: o.cents - rng.int(1, 500) }));
    discrepancy(answer, 'field_mismatch', { channel: c1.name, channel_order_id: o.id });
  }
  {
    const o = c1Order();
    chan.push(c1Row(o));
    oms.push(capture(o, { currency: ctx.currency === 'USD' ? 'CAD' : 'USD' }));
    discrepancy(answer, 'field_mismatch', { channel: c1.name, channel_order_id: o.id });
  }
  {
    // The trap the SPEC names: 1,234.50 on one side, 1234.5 on the other.
    const o = { ...c1Order(), cents: 123_450 };
    chan.push(c1Row(o, { total: '1,234.50' }));
    const r = capture(o);
    r.cells.total = '1234.5';
    oms.push(r);
  }
  {
    const o = c1Order();
    chan.push(c1Row(o));
    oms.push(capture(o), capture(o));
    discrepancy(answer, 'duplicate_in_oms', { channel: c1.name, channel_order_id: o.id });
  }
  {
    const o = c1Order();
    oms.push(capture(o));
    discrepancy(answer, 'unexpected_in_oms', { channel: c1.name, channel_order_id: o.id });
  }
  {
    // One capture listed twice (same OMS order ID): a duplicate_key warning, not a discrepancy.
    const o = c1Order();
    chan.push(c1Row(o));
    const r = capture(o);
    const twice = { cells: { ...r.cells } };
    oms.push(r, twice);
    omsKeep.add(r).add(twice);
    answer.warnings.push({ code: 'duplicate_key' });
  }
  // Rows the engine must reject (keys that exist nowhere else, so nothing else changes).
  chan.push({ ...c1Row(c1Order(), { total: rng.pick(['1.234,50', '12.34.56', 'USD 20']) }), rejected: true });
  chan.push({ ...c1Row(c1Order()), malformed: rng.pick(['extra', 'missing'] as const), rejected: true });
  {
    // A capture time the OMS wrote its own way: intake does not compare times, so the order is
    // used without it (an unparsed_values warning) and matches its channel order.
    const o = c1Order();
    chan.push(c1Row(o));
    const odd = capture(o);
    odd.cells.created_at = rng.pick(['2026-02-30 10:00:00', '31/12/2026 10:00', '2026-11-31T08:00:00Z']);
    oms.push(odd);
    answer.warnings.push({ code: 'unparsed_values' });
    oms.push({ ...capture(c1Order()), malformed: 'extra', rejected: true });
  }
  // Orders of a channel that sent no feed: out of scope.
  const nOos = rng.int(4, 9);
  for (let i = 0; i < nOos; i++) {
    oms.push(capture({ channel: oos.name, id: uniq(ctx, () => oos.id(rng)), cents: rng.int(500, 20_000), currency: ctx.currency, placedAt: when() }));
  }
  answer.warnings.push({ code: 'out_of_scope' });
  answer.outOfScope += nOos;

  ctx.files.push({ feed: 'channel-orders', name: 'shopify-orders-export.csv', content: renderShopify(ctx, rng.shuffle(shop)) });
  ctx.files.push({ feed: 'channel-orders', name: 'amazon-order-report.tsv', content: renderAmazon(ctx, rng.shuffle(amz)) });
  const [chanMain, chanOther] = split(rng, chan);
  emit(ctx, 'channel-orders', `${c1.name}-orders`, chanMain, ctx.plan.main.channel);
  emit(ctx, 'channel-orders', `${c1.name}-orders-part2`, chanOther, ctx.plan.other.channel);
  const [omsMain, omsOther] = split(rng, oms, omsKeep);
  emit(ctx, 'oms-orders', 'oms-orders', omsMain, ctx.plan.main['oms-orders']);
  emit(ctx, 'oms-orders', 'oms-orders-part2', omsOther, ctx.plan.other['oms-orders']);
}

// ---------------------------------------------------------------------------------------
// fulfillment

const EXTRA_LOCATIONS = ['RNO1', 'PHX2', 'EWR1', 'ONT8', 'CMH3'];

function genFulfillment(ctx: Ctx, locations: string[]): void {
  const { rng } = ctx;
  const answer = ctx.key.fulfillment;
  const [A, B] = locations;
  let orderNo = rng.int(100_000, 800_000);
  const orderId = () => uniq(ctx, () => `SO-${(orderNo += rng.int(1, 4))}`);
  const lineStyle = rng.pick(['n', 'n0', 'Ln'] as const);
  const lineId = (i: number) => (lineStyle === 'n' ? String(i) : lineStyle === 'n0' ? String(i * 10) : `L${i}`);
  // Not a key here: SKUs may repeat across lines.
  const sku = () => `${rng.pick(['TEE', 'MUG', 'CAP', 'TOTE', 'SOCK'])}-${rng.pick(['BLK', 'WHT', 'NVY', 'RED'])}-${rng.digits(3)}`;
  const when = (h: number) => stamp(rng, ctx.day + h * 3_600_000 + rng.int(0, 3599) * 1000);
  const statusSpelling = (s: 'allocated' | 'fulfilled' | 'cancelled') =>
    s === 'cancelled' ? rng.pick(['cancelled', 'canceled', 'Cancelled']) : rng.chance(0.15) ? s.toUpperCase() : s;

  const allocs: PlantRow[] = [];
  const ships: PlantRow[] = [];
  const shipKeep = new Set<PlantRow>();
  let pkgNo = rng.int(10_000, 90_000);
  const pkg = () => uniq(ctx, () => `PKG-${(pkgNo += rng.int(1, 5))}`);
  const carriers = ['UPS', 'FedEx', 'USPS', 'DHL', 'UPS; "SurePost", 2-day'];

  interface Line { order: string; line: string; sku: string }
  const alloc = (l: Line, loc: string, qty: number, status: 'allocated' | 'fulfilled' | 'cancelled'): PlantRow => {
    const r: PlantRow = { cells: { order_id: l.order, line_id: l.line, location_id: loc, quantity: String(qty), sku: l.sku, status: statusSpelling(status), allocated_at: when(rng.int(0, 6)) } };
    allocs.push(r);
    return r;
  };
  const ship = (l: Line, loc: string, qty: number, id = pkg()): PlantRow => {
    const carrier = rng.pick(carriers);
    const r: PlantRow = {
      cells: {
        shipment_id: id, order_id: l.order, line_id: l.line, location_id: loc, quantity: String(qty), sku: l.sku,
        shipped_at: when(rng.int(8, 30)), carrier, tracking_number: carrier.startsWith('UPS') ? `1Z${rng.digits(16)}` : rng.digits(rng.pick([12, 20, 22])),
      },
    };
    ships.push(r);
    return r;
  };
  const lineOf = (order: string, i: number): Line => ({ order, line: lineId(i), sku: sku() });
  const key = (l: Line, loc?: string): Record<string, string> =>
    loc === undefined ? { order_id: l.order, line_id: l.line } : { order_id: l.order, line_id: l.line, location_id: loc };
  const other = (loc: string) => rng.pick(locations.filter((x) => x !== loc));

  // Clean lines, several per order.
  let lines = count(ctx, 120);
  while (lines > 0) {
    const order = orderId();
    const n = Math.min(lines, rng.int(1, 3));
    lines -= n;
    for (let i = 1; i <= n; i++) {
      const l = lineOf(order, i);
      const loc = rng.pick(locations);
      const qty = rng.int(1, 6);
      const scenario = rng.weighted([[50, 'one'], [12, 'packages'], [10, 'split'], [10, 'pending'], [8, 'early'], [5, 'cancelled']] as const);
      if (scenario === 'one') {
        alloc(l, loc, qty, 'fulfilled');
        ship(l, loc, qty);
      } else if (scenario === 'packages') {
        // Several packages from one place are one fulfilment.
        const q = Math.max(2, qty);
        alloc(l, loc, q, 'fulfilled');
        const first = rng.int(1, q - 1);
        ship(l, loc, first);
        ship(l, loc, q - first);
      } else if (scenario === 'split') {
        // The OMS split the line itself, and it shipped that way.
        const loc2 = other(loc);
        const q2 = rng.int(1, 4);
        alloc(l, loc, qty, 'fulfilled');
        alloc(l, loc2, q2, 'fulfilled');
        ship(l, loc, qty);
        ship(l, loc2, q2);
      } else if (scenario === 'pending') {
        alloc(l, loc, qty, 'allocated'); // not shipped yet: pending, not a discrepancy
      } else if (scenario === 'early') {
        alloc(l, loc, qty, 'allocated'); // shipped before the OMS caught up: still a match
        ship(l, loc, qty);
      } else {
        alloc(l, loc, qty, 'cancelled'); // cancelled, nothing shipped
      }
    }
  }

  const planted = (): Line => lineOf(orderId(), 1);
  for (let i = rng.int(1, 2); i > 0; i--) {
    const l = planted();
    alloc(l, rng.pick(locations), rng.int(1, 4), 'fulfilled');
    discrepancy(answer, 'not_shipped', key(l));
  }
  for (let i = rng.int(1, 2); i > 0; i--) {
    const l = planted();
    const q = rng.int(1, 4);
    alloc(l, A, q, 'fulfilled');
    ship(l, B, q);
    discrepancy(answer, 'reassigned', key(l));
  }
  {
    const l = planted();
    const q = rng.int(2, 6);
    const part = rng.int(1, q - 1);
    alloc(l, B, q, 'fulfilled');
    ship(l, B, part);
    ship(l, A, q - part);
    discrepancy(answer, 'unrecorded_split', key(l));
  }
  {
    const short = planted();
    const q = rng.int(3, 6);
    alloc(short, A, q, 'fulfilled');
    ship(short, A, q - rng.int(1, 2));
    discrepancy(answer, 'quantity_mismatch', key(short, A));
    const over = planted();
    const q2 = rng.int(1, 3);
    const loc = rng.pick(locations);
    alloc(over, loc, q2, 'fulfilled');
    ship(over, loc, q2 + 1);
    discrepancy(answer, 'quantity_mismatch', key(over, loc));
  }
  {
    // A line the OMS never allocated, on an order it knows…
    const order = orderId();
    const known = lineOf(order, 1);
    alloc(known, A, 1, 'fulfilled');
    ship(known, A, 1);
    const unknown = lineOf(order, 9);
    ship(unknown, rng.pick(locations), rng.int(1, 2));
    discrepancy(answer, 'shipped_not_allocated', key(unknown));
    // …on an order it does not know, and against a cancelled allocation.
    const stranger = planted();
    ship(stranger, rng.pick(locations), 1);
    discrepancy(answer, 'shipped_not_allocated', key(stranger));
    const cancelled = planted();
    alloc(cancelled, B, 2, 'cancelled');
    ship(cancelled, B, 2);
    discrepancy(answer, 'shipped_not_allocated', key(cancelled));
  }
  {
    // The same package listed twice: one package (duplicate_key warning), quantities match.
    const l = planted();
    const q = rng.int(1, 3);
    alloc(l, A, q, 'fulfilled');
    const r = ship(l, A, q);
    const again: PlantRow = { cells: { ...r.cells } };
    ships.push(again);
    shipKeep.add(r).add(again);
    answer.warnings.push({ code: 'duplicate_key' });
  }
  // Rejected rows.
  {
    const a = ship(planted(), A, 1);
    a.cells.quantity = rng.pick(['two', '1 pc', '']);
    a.rejected = true;
    // Ship and allocation times the comparison does not use (no SLA): used without them, with a warning.
    const lb = planted();
    alloc(lb, B, 1, 'fulfilled');
    const b = ship(lb, B, 1);
    b.cells.shipped_at = rng.pick(['2026-11-31T10:00:00Z', '11/30/2026 10:00', 'yesterday']);
    answer.warnings.push({ code: 'unparsed_values' });
    const c = ship(planted(), A, 1);
    c.malformed = rng.pick(['extra', 'missing'] as const);
    c.rejected = true;
    const d = alloc(planted(), A, 1, 'allocated');
    d.cells.allocated_at = rng.pick(['2026-13-01T00:00:00Z', 'soon']);
    answer.warnings.push({ code: 'unparsed_values' });
    const e = alloc(planted(), A, 1, 'allocated');
    e.cells.status = rng.pick(['shipped', 'on hold']);
    e.rejected = true;
  }

  const [allocMain, allocOther] = split(rng, allocs);
  emit(ctx, 'oms-allocations', 'oms-allocations', allocMain, ctx.plan.main['oms-allocations']);
  emit(ctx, 'oms-allocations', 'oms-allocations-part2', allocOther, ctx.plan.other['oms-allocations']);
  const [shipMain, shipOther] = split(rng, ships, shipKeep);
  emit(ctx, 'shipments', 'shipments', shipMain, ctx.plan.main.shipments);
  emit(ctx, 'shipments', `shipments-3pl-${locations[2].toLowerCase()}`, shipOther, ctx.plan.other.shipments);
}

// ---------------------------------------------------------------------------------------
// inventory

function genInventory(ctx: Ctx, facilities: string[], gap: string): void {
  const { rng } = ctx;
  const answer = ctx.key.inventory;
  const [DAL, ATL, F3] = facilities;
  const skuName = () => uniq(ctx, () => `${rng.pick(['TEE', 'MUG', 'CAP', 'TOTE', 'SOCK', 'LAMP'])}-${rng.pick(['S', 'M', 'L', 'XL', 'OS'])}-${rng.digits(5)}`);
  const asOf = isoZ(ctx.day + 6 * 3_600_000);
  const countedAt = Object.fromEntries([...facilities, gap].map((f) => [f, stamp(rng, ctx.day + rng.int(4, 7) * 3_600_000)]));

  const oms: PlantRow[] = [];
  const wh = new Map<string, PlantRow[]>([...facilities, gap].map((f) => [f, []]));
  const put = (sku: string, fac: string, omsQty: number | undefined, whQty: number | undefined) => {
    if (omsQty !== undefined) oms.push({ cells: { sku, facility_id: fac, on_hand: String(omsQty), as_of: asOf } });
    if (whQty !== undefined) wh.get(fac)!.push({ cells: { sku, facility_id: fac, on_hand: String(whQty), counted_at: countedAt[fac] } });
  };
  const key = (sku: string, fac: string) => ({ sku, facility_id: fac });

  const skus: string[] = [];
  for (let i = count(ctx, 40); i > 0; i--) {
    const sku = skuName();
    skus.push(sku);
    for (const fac of facilities) {
      const r = rng.float();
      if (r < 0.12) continue; // not stocked there: no row on either side
      const q = r < 0.24 ? 0 : rng.int(1, 250);
      put(sku, fac, q, q);
    }
  }
  // Offsetting: stock moved DAL→ATL in reality, the OMS did not hear of it.
  {
    const sku = skuName();
    const a = rng.int(6, 40);
    const b = rng.int(0, 30);
    const m = rng.int(1, 5);
    put(sku, DAL, a, a - m);
    put(sku, ATL, b, b + m);
    put(sku, F3, 12, 12);
    discrepancy(answer, 'quantity_mismatch', key(sku, DAL), true);
    discrepancy(answer, 'quantity_mismatch', key(sku, ATL), true);
    // The one-sided facility also holds this SKU: it must not count in the totals.
    put(sku, gap, ctx.gapSide === 'oms' ? 7 : undefined, ctx.gapSide === 'warehouse' ? 7 : undefined);
  }
  // Not offsetting.
  {
    const sku = skuName();
    const a = rng.int(5, 40);
    put(sku, DAL, a, a - rng.int(1, 4));
    put(sku, ATL, 3, 3);
    discrepancy(answer, 'quantity_mismatch', key(sku, DAL), false);
  }
  // Missing in the OMS: no row, and a row saying 0.
  {
    const sku = skuName();
    put(sku, DAL, 9, 9);
    put(sku, ATL, undefined, rng.int(1, 8));
    discrepancy(answer, 'missing_in_oms', key(sku, ATL), false);
    const sku2 = skuName();
    put(sku2, F3, 0, rng.int(1, 8));
    discrepancy(answer, 'missing_in_oms', key(sku2, F3), false);
  }
  // Missing in the warehouse: no row, and a count of 0.
  {
    const sku = skuName();
    put(sku, DAL, rng.int(1, 8), undefined);
    put(sku, F3, 4, 4);
    discrepancy(answer, 'missing_in_warehouse', key(sku, DAL), false);
    const sku2 = skuName();
    put(sku2, ATL, rng.int(1, 8), 0);
    discrepancy(answer, 'missing_in_warehouse', key(sku2, ATL), false);
  }
  // An offsetting pair of the missing kinds: the OMS books it at DAL, it sits at ATL.
  {
    const sku = skuName();
    const q = rng.int(1, 9);
    put(sku, DAL, q, undefined);
    put(sku, ATL, undefined, q);
    discrepancy(answer, 'missing_in_warehouse', key(sku, DAL), true);
    discrepancy(answer, 'missing_in_oms', key(sku, ATL), true);
  }
  // Zero vs absent: matches.
  {
    const sku = skuName();
    put(sku, F3, 0, undefined);
    put(sku, DAL, undefined, 0);
    put(sku, ATL, 5, 5);
  }
  // The coverage gap: a facility with rows on one side only (one warning, keys left out).
  {
    const gapSkus = rng.shuffle(skus).slice(0, rng.int(3, 8));
    for (const sku of gapSkus) put(sku, gap, ctx.gapSide === 'oms' ? rng.int(0, 50) : undefined, ctx.gapSide === 'warehouse' ? rng.int(0, 50) : undefined);
    answer.warnings.push({ code: 'coverage_gap' });
    answer.outOfScope += gapSkus.length + 1;
  }
  // Rejected rows (SKUs nowhere else).
  {
    const bad = { cells: { sku: skuName(), facility_id: DAL, on_hand: rng.pick(['n/a', '12 units', 'ten']), counted_at: countedAt[DAL] }, rejected: true };
    const short = { cells: { sku: skuName(), facility_id: DAL, on_hand: '3', counted_at: countedAt[DAL] }, malformed: rng.pick(['extra', 'missing'] as const), rejected: true };
    wh.get(DAL)!.push(bad, short);
    oms.push({ cells: { sku: skuName(), facility_id: ATL, on_hand: '4', as_of: rng.pick(['2026-11-31T06:00:00Z', 'today', '2026-00-10']) }, rejected: true });
  }

  emit(ctx, 'oms-inventory', 'oms-inventory', rng.shuffle(oms), ctx.plan.main['oms-inventory']);
  const facFormat: FileFormat[] = [ctx.plan.main['warehouse-inventory'], ctx.plan.other['warehouse-inventory#1'], ctx.plan.other['warehouse-inventory#2']];
  facilities.forEach((fac, i) => emit(ctx, 'warehouse-inventory', `warehouse-inventory-${fac.toLowerCase()}`, rng.shuffle(wh.get(fac)!), facFormat[i]));
  if (ctx.gapSide === 'warehouse') {
    const fmt: FileFormat = { kind: 'csv', variant: rng.pick(['comma', 'semicolon', 'pipe', 'tab'] as const), header: rng.pick(['snake', 'title'] as const), shuffleColumns: false };
    emit(ctx, 'warehouse-inventory', `warehouse-inventory-${gap.toLowerCase()}`, rng.shuffle(wh.get(gap)!), fmt);
  }
}

// ---------------------------------------------------------------------------------------
// financial

function genFinancial(ctx: Ctx): void {
  const { rng } = ctx;
  const answer = ctx.key.financial;
  let orderNo = rng.int(200_000, 900_000);
  const orderId = () => uniq(ctx, () => `SO-${(orderNo += rng.int(1, 4))}`);
  let docNo = rng.int(10_000, 90_000);
  const doc = (prefix: string) => uniq(ctx, () => `${prefix}-${(docNo += rng.int(1, 7))}`);
  const day = (h: number) => stamp(rng, ctx.day + h * 3_600_000 + rng.int(0, 3599) * 1000);
  const amount = () => rng.weighted([[7, rng.int(500, 30_000)], [3, rng.int(100_000, 600_000)]] as const);

  const oms: PlantRow[] = [];
  const erp: PlantRow[] = [];
  const omsSale = (order: string, cents: number) =>
    oms.push({ cells: { order_id: order, type: rng.pick(['sale', 'Sale', 'SALE', 'invoice']), amount: anyMoney(rng, cents), document_id: doc('ORD'), currency: ctx.currency, date: day(0) } });
  const omsReturn = (order: string, cents: number) =>
    oms.push({ cells: { order_id: order, type: rng.pick(['return', 'refund', 'RMA', 'Refund']), amount: anyMoney(rng, cents), document_id: doc('RET'), currency: ctx.currency, date: day(30) } });
  const erpInvoice = (order: string, cents: number) =>
    erp.push({ cells: { order_id: order, type: rng.pick(['invoice', 'INV', 'Invoice', 'inv']), amount: anyMoney(rng, cents), document_id: doc('INV'), currency: ctx.currency, posted_at: day(24) } });
  const erpCredit = (order: string, cents: number) => {
    // ERPs book credit memos negative (sometimes in accounting brackets), or positive.
    const style = rng.weighted([[5, 'neg'], [2, 'paren'], [3, 'pos']] as const);
    const text = style === 'pos' ? anyMoney(rng, cents) : money(-cents, style === 'paren' ? 'paren' : rng.pick(['plain', 'grouped'] as const));
    erp.push({ cells: { order_id: order, type: rng.pick(['credit_memo', 'CM', 'credit', 'CREDIT_MEMO', 'cm']), amount: text, document_id: doc('CM'), currency: ctx.currency, posted_at: day(54) } });
  };
  const key = (order: string) => ({ order_id: order });

  for (let i = count(ctx, 100); i > 0; i--) {
    const order = orderId();
    const sale = amount();
    const scenario = rng.weighted([[60, 'sale'], [10, 'split-invoice'], [20, 'return'], [5, 'split-refund'], [5, 'return-only']] as const);
    if (scenario !== 'return-only') omsSale(order, sale);
    if (scenario === 'split-invoice') {
      const part = rng.int(1, sale - 1);
      erpInvoice(order, part);
      erpInvoice(order, sale - part);
    } else if (scenario !== 'return-only') erpInvoice(order, sale);
    if (scenario === 'return' || scenario === 'return-only') {
      const back = rng.int(100, sale);
      omsReturn(order, back);
      erpCredit(order, back);
    }
    if (scenario === 'split-refund') {
      const a = rng.int(100, Math.max(100, Math.floor(sale / 2)));
      const b = rng.int(100, Math.max(100, Math.floor(sale / 2)));
      omsReturn(order, a);
      omsReturn(order, b);
      erpCredit(order, a + b);
    }
  }
  {
    // Several documents add up exactly: 33.10 + 33.10 + 34.10 = 100.30.
    const order = orderId();
    omsSale(order, 10_030);
    erpInvoice(order, 3_310);
    erpInvoice(order, 3_310);
    erpInvoice(order, 3_410);
  }
  for (let i = rng.int(1, 2); i > 0; i--) {
    const order = orderId();
    omsSale(order, amount());
    discrepancy(answer, 'not_booked', key(order));
  }
  for (let i = rng.int(1, 2); i > 0; i--) {
    const order = orderId();
    erpInvoice(order, amount());
    discrepancy(answer, 'unexpected_in_erp', key(order));
  }
  {
    const order = orderId();
    const s = amount();
    omsSale(order, s);
    erpInvoice(order, s);
    omsReturn(order, rng.int(100, s));
    discrepancy(answer, 'return_not_credited', key(order));
  }
  {
    const order = orderId();
    const s = amount();
    omsSale(order, s);
    erpInvoice(order, s);
    erpCredit(order, rng.int(100, s));
    discrepancy(answer, 'credit_without_return', key(order));
  }
  {
    const order = orderId();
    const s = amount();
    omsSale(order, s);
    erpInvoice(order, s + rng.pick([1, 100, 500, -100]));
    discrepancy(answer, 'amount_mismatch', key(order));
  }
  {
    const order = orderId();
    const s = amount();
    const back = rng.int(200, s);
    omsSale(order, s);
    erpInvoice(order, s);
    omsReturn(order, back);
    erpCredit(order, back - rng.int(1, 100));
    discrepancy(answer, 'amount_mismatch', key(order));
  }
  {
    // One order, two discrepancies: a sales amount mismatch and a return never credited.
    const order = orderId();
    const s = amount();
    omsSale(order, s);
    erpInvoice(order, s + 250);
    omsReturn(order, rng.int(100, s));
    discrepancy(answer, 'amount_mismatch', key(order));
    discrepancy(answer, 'return_not_credited', key(order));
  }
  // Rejected rows.
  {
    omsSale(orderId(), 1000);
    const bad = oms[oms.length - 1];
    bad.cells.amount = rng.pick(['12.34.56', '1.234,50', 'EUR 12']);
    bad.rejected = true;
    // A posting date the ERP wrote its own way: financial does not compare dates (a warning, the invoice matches).
    const dated = orderId();
    omsSale(dated, 2000);
    erpInvoice(dated, 2000);
    erp[erp.length - 1].cells.posted_at = rng.pick(['2026-02-29T00:00:00Z', '29/02/2026', 'n/a']);
    answer.warnings.push({ code: 'unparsed_values' });
    erpInvoice(orderId(), 2500);
    const kind = erp[erp.length - 1];
    kind.cells.type = rng.pick(['chargeback', 'adjustment']);
    kind.rejected = true;
    erpInvoice(orderId(), 3000);
    const wide = erp[erp.length - 1];
    wide.malformed = rng.pick(['extra', 'missing'] as const);
    wide.rejected = true;
  }

  const [omsMain, omsOther] = split(rng, oms);
  emit(ctx, 'oms-transactions', 'oms-transactions', omsMain, ctx.plan.main['oms-transactions']);
  emit(ctx, 'oms-transactions', 'oms-transactions-part2', omsOther, ctx.plan.other['oms-transactions']);
  const [erpMain, erpOther] = split(rng, erp);
  emit(ctx, 'erp-transactions', 'erp-transactions', erpMain, ctx.plan.main['erp-transactions']);
  emit(ctx, 'erp-transactions', 'erp-transactions-part2', erpOther, ctx.plan.other['erp-transactions']);
}

// ---------------------------------------------------------------------------------------

function emptyAnswer(): BoundaryAnswer {
  return { discrepancies: [], rejected: [], warnings: [], outOfScope: 0 };
}

export function generateSample(options: SampleOptions): SampleSet {
  const scale = options.scale ?? 1;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`scale must be a positive number, got ${scale}`);
  const rng = new Rng(options.seed);
  const key: AnswerKey = { intake: emptyAnswer(), fulfillment: emptyAnswer(), inventory: emptyAnswer(), financial: emptyAnswer() };
  const ctx: Ctx = {
    rng, scale, plan: planFormats(rng), files: [], key,
    currency: rng.pick(['USD', 'USD', 'EUR', 'GBP', 'CAD']),
    day: Date.UTC(2026, 10, rng.int(2, 25)),
    ids: new Set(),
    gapSide: rng.pick(['oms', 'warehouse'] as const),
  };
  const places = rng.shuffle(EXTRA_LOCATIONS);
  const facilities = ['DAL1', 'ATL1', places[0]];
  genIntake(ctx);
  genFulfillment(ctx, facilities);
  genInventory(ctx, facilities, places[1]);
  genFinancial(ctx);
  return { files: ctx.files, answerKey: key };
}

/** Writes `<dir>/<feed>/<name>` for every file (the `oms-recon local --inbox` layout) and `<dir>/answer-key.json`. */
export function writeSample(dir: string, options: SampleOptions): SampleSet {
  const set = generateSample(options);
  for (const f of set.files) {
    const path = join(dir, f.feed, f.name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.content);
  }
  writeFileSync(join(dir, 'answer-key.json'), JSON.stringify(set.answerKey, null, 2) + '\n');
  return set;
}
