/**
 * Feed files for the benchmarks: inventory pairs (SKUs × facilities, ~1% planted
 * differences) and intake order pairs, written as plain CSV quickly and deterministically.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { mulberry32 as rng } from '../lib/sample/prng.ts';

async function writeLines(path: string, header: string, rows: number, line: (i: number) => string | undefined): Promise<void> {
  const out = createWriteStream(path);
  let buf = header + '\n';
  for (let i = 0; i < rows; i++) {
    const l = line(i);
    if (l !== undefined) buf += l + '\n';
    if (buf.length > 1 << 16) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

export const FACILITIES = ['DAL1', 'ATL1', 'SEA1', 'PHX2', 'NYC3', 'CHI1', 'LAX4', 'MIA1', 'DEN2', 'BOS1'];

/** `rows` per side: rows / 10 SKUs in 10 facilities; about 1% of rows differ, a few are missing on a side. */
export async function inventoryPair(dir: string, rows: number, seed = 1): Promise<{ oms: string; warehouse: string; differing: number }> {
  const r = rng(seed);
  const qty = Array.from({ length: rows }, () => Math.floor(r() * 500));
  const diff = new Set<number>();
  while (diff.size < Math.floor(rows / 100)) diff.add(Math.floor(r() * rows));
  const nf = FACILITIES.length;
  const sku = (i: number) => `SKU-${String(Math.floor(i / nf)).padStart(7, '0')}`;
  const oms = `${dir}/oms-inventory-${rows}.csv`, warehouse = `${dir}/warehouse-inventory-${rows}.csv`;
  await writeLines(oms, 'sku,facility_id,on_hand,as_of', rows, (i) => `${sku(i)},${FACILITIES[i % nf]},${qty[i]},2026-11-26T06:00:00Z`);
  await writeLines(warehouse, 'sku,facility_id,on_hand,counted_at', rows, (i) =>
    diff.has(i) && i % 7 === 0 ? undefined : `${sku(i)},${FACILITIES[i % nf]},${diff.has(i) ? qty[i] + 1 + (i % 5) : qty[i]},2026-11-26T05:30:00Z`,
  );
  return { oms, warehouse, differing: diff.size };
}

/** `rows` orders per side; about 1% missing or with another total. */
export async function intakePair(dir: string, rows: number, seed = 2): Promise<{ channel: string; oms: string }> {
  const r = rng(seed);
  const cents = Array.from({ length: rows }, () => Math.floor(r() * 100_000));
  const channel = `${dir}/channel-orders-${rows}.csv`, oms = `${dir}/oms-orders-${rows}.csv`;
  const money = (c: number) => `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`;
  await writeLines(channel, 'channel,channel_order_id,placed_at,total,currency,status', rows, (i) =>
    `web,W${String(i).padStart(9, '0')},2026-11-25T10:00:00Z,${money(cents[i])},USD,paid`,
  );
  await writeLines(oms, 'channel,channel_order_id,oms_order_id,created_at,total,currency,status', rows, (i) =>
    i % 211 === 0 ? undefined : `web,W${String(i).padStart(9, '0')},OMS-${i},2026-11-25T10:00:05Z,${money(i % 307 === 0 ? cents[i] + 1 : cents[i])},USD,captured`,
  );
  return { channel, oms };
}
