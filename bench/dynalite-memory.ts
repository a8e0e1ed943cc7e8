/**
 * dynalite's memory per stored record item, at a size where the ingest bench through HTTP would
 * take hours on a shared machine: `items` oms-inventory record items (encoded as ingest encodes
 * them, lib/store/records.ts) put straight into dynalite's own store (its db layer and its
 * PutItem action, as its HTTP server calls them; only the HTTP parsing is left out), then the
 * heap after a full GC. The figure sizes the child dynalite of `npm run bench:ingest`
 * (bench/dynalite-child.ts DYNALITE_HEAP_BYTES_PER_ITEM).
 *
 *   node --expose-gc --max-old-space-size=4096 --import tsx bench/dynalite-memory.ts [items=1000000]
 */
import { createRequire } from 'node:module';
import { TableSchema } from '../lib/store/table.ts';
import { encodeRecord } from '../lib/store/records.ts';
import { recordVersion } from '../lib/store/keys.ts';
import { itemSize } from '../lib/store/attr.ts';
import type { KeyedRecord } from '../lib/store/types.ts';
import { FACILITIES } from './generate.ts';

const require = createRequire(import.meta.url);
const ITEMS = Number(process.argv[2] ?? 1_000_000);
type Cb = (err: unknown, res?: unknown) => void;
const db = require('dynalite/db') as { create(o: object): unknown };
const createTable = require('dynalite/actions/createTable') as (store: unknown, data: object, cb: Cb) => void;
const putItem = require('dynalite/actions/putItem') as (store: unknown, data: object, cb: Cb) => void;
const call = (f: (store: unknown, data: object, cb: Cb) => void, store: unknown, data: object) =>
  new Promise<unknown>((resolve, reject) => f(store, data, (err, res) => (err ? reject(err) : resolve(res))));

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
/** V8 heap plus the memory outside it (memory-level keeps Buffers, which --max-old-space-size does not cap). */
const heap = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  // `external` includes `arrayBuffers` (Buffers' memory).
  return { heap: m.heapUsed, outside: m.external, rss: m.rss };
};

const store = db.create({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
await call(createTable, store, {
  TableName: 'm',
  AttributeDefinitions: [{ AttributeName: TableSchema.partitionKey.name, AttributeType: 'S' }, { AttributeName: TableSchema.sortKey.name, AttributeType: 'S' }],
  KeySchema: [{ AttributeName: TableSchema.partitionKey.name, KeyType: 'HASH' }, { AttributeName: TableSchema.sortKey.name, KeyType: 'RANGE' }],
  BillingMode: TableSchema.billing,
});
await new Promise((r) => setTimeout(r, 50));
const h0 = heap();
const t0 = performance.now();
const eventTime = '2026-11-26T06:30:00.000Z';
const ttl = Math.floor(Date.parse(eventTime) / 1000) + 35 * 86_400;
let bytes = 0;
const marks = new Set([ITEMS / 10, ITEMS / 2, ITEMS].map(Math.floor));
for (let i = 0; i < ITEMS; i += 100) {
  const puts: Array<Promise<unknown>> = [];
  for (let j = i; j < Math.min(ITEMS, i + 100); j++) {
    const sku = `SKU-${String(Math.floor(j / FACILITIES.length)).padStart(7, '0')}`;
    const facility = FACILITIES[j % FACILITIES.length];
    const r: KeyedRecord = {
      boundary: 'inventory', group: [sku], side: 'oms', identity: [facility], feed: 'oms-inventory',
      fields: { sku, facility_id: facility, on_hand: String(j % 500), as_of: '2026-11-26T06:00:00.000Z' },
      version: recordVersion({ snapshot: '2026-11-26T06:00:00.000Z', eventTime, sequencer: '0065A1B2C3D4E5F601', line: j + 2 }),
      fileId: 'AbCdEfGhIjKlMnOp', file: 's3://bench/inbound/oms-inventory/bench.csv', line: j + 2,
    };
    const item = encodeRecord(r, { shards: 16, ttl });
    bytes += itemSize(item);
    puts.push(call(putItem, store, { TableName: 'm', Item: item }));
  }
  await Promise.all(puts);
  const n = Math.min(ITEMS, i + 100);
  if (marks.has(n)) {
    const h = heap();
    const per = (a: number, b: number) => `${((a - b) / 2 ** 20).toFixed(0)} MB = ${((a - b) / n).toFixed(0)} B an item`;
    console.log(`${n.toLocaleString('en-US')} items (${(bytes / n).toFixed(0)} B each as DynamoDB sizes them), over the empty store: V8 heap ${per(h.heap, h0.heap)}, ` +
      `outside the heap (Buffers) ${per(h.outside, h0.outside)}, RSS ${per(h.rss, h0.rss)}; ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
}
