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

/**
 * `rows` per side: rows / 10 SKUs in 10 facilities; about 1% of rows differ, a few are missing
 * on a side. Streams: the counts are drawn again for each file (the same generator, the same
 * draws), so memory holds only the ~rows / 100 differing row numbers — a 10M-row pair is
 * written in a few MB.
 */
export async function inventoryPair(dir: string, rows: number, seed = 1): Promise<{ oms: string; warehouse: string; differing: number }> {
  // The draws: rows counts, then the differing rows (the order the files have always been drawn in).
  const after = rng(seed);
  for (let i = 0; i < rows; i++) after();
  const diff = new Set<number>();
  while (diff.size < Math.floor(rows / 100)) diff.add(Math.floor(after() * rows));
  const nf = FACILITIES.length;
  const sku = (i: number) => `SKU-${String(Math.floor(i / nf)).padStart(7, '0')}`;
  const oms = `${dir}/oms-inventory-${rows}.csv`, warehouse = `${dir}/warehouse-inventory-${rows}.csv`;
  // Each file draws the counts afresh, row by row; writeLines calls `line` once per row, in order.
  let r = rng(seed);
  await writeLines(oms, 'sku,facility_id,on_hand,as_of', rows, (i) => `${sku(i)},${FACILITIES[i % nf]},${Math.floor(r() * 500)},2026-11-26T06:00:00Z`);
  r = rng(seed);
  await writeLines(warehouse, 'sku,facility_id,on_hand,counted_at', rows, (i) => {
    const qty = Math.floor(r() * 500);
    return diff.has(i) && i % 7 === 0 ? undefined : `${sku(i)},${FACILITIES[i % nf]},${diff.has(i) ? qty + 1 + (i % 5) : qty},2026-11-26T05:30:00Z`;
  });
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

/**
 * Daily inventory snapshots of one boundary, as partners drop them: `skus × facilities` rows
 * per side each day; each day a share `change` of the counts moves (on both sides: real stock
 * movement), and a fixed ~1% of rows differ between the sides (planted discrepancies).
 * `stamps` says what the rows' time column holds: `daily` — the drop's snapshot time on every
 * row, as a snapshot file has it (only the time differs from the day before on an unmoved
 * row); `changed` — the time the row's count last moved (an unmoved row is byte-for-byte the
 * day before's); `none` — no time column.
 */
export class InventoryDrops {
  private readonly qty: Int32Array;
  private readonly stamp: Int32Array;
  private readonly differs: Uint8Array;
  private readonly r: () => number;
  day = 0;

  constructor(
    readonly skus: number,
    readonly facilities: number,
    readonly change = 0.05,
    readonly stamps: 'changed' | 'daily' | 'none' = 'daily',
    readonly start = Date.UTC(2026, 10, 1, 5, 30),
    seed = 7,
  ) {
    this.r = rng(seed);
    const n = skus * facilities;
    this.qty = Int32Array.from({ length: n }, () => Math.floor(this.r() * 500));
    this.stamp = new Int32Array(n);
    this.differs = new Uint8Array(n);
    for (let i = 0; i < n; i += 100) this.differs[Math.min(n - 1, i + Math.floor(this.r() * 100))] = 1;
  }

  get rows(): number {
    return this.qty.length;
  }

  /** ISO time of day `d` (day 0 = start). */
  time(d = this.day): string {
    return new Date(this.start + d * 86_400_000).toISOString();
  }

  /** Moves to the next day: a share `change` of the counts take new values. */
  next(): void {
    this.day++;
    const n = this.rows;
    const moves = Math.round(n * this.change);
    const moved = new Uint8Array(n);
    for (let k = 0; k < moves; ) {
      const i = Math.floor(this.r() * n);
      if (moved[i]) continue;
      moved[i] = 1;
      k++;
      this.qty[i] = (this.qty[i] + 1 + Math.floor(this.r() * 50)) % 1000;
      this.stamp[i] = this.day;
    }
  }

  /** Today's two files (CSV text). */
  files(): { oms: string; warehouse: string } {
    const nf = this.facilities;
    const fac = (i: number) => `FC${String(i % nf).padStart(2, '0')}`;
    const sku = (i: number) => `SKU-${String(Math.floor(i / nf)).padStart(7, '0')}`;
    const t = (i: number) => (this.stamps === 'daily' ? this.time() : this.time(this.stamp[i]));
    const withTime = this.stamps !== 'none';
    let oms = withTime ? 'sku,facility_id,on_hand,as_of\n' : 'sku,facility_id,on_hand\n';
    let wh = withTime ? 'sku,facility_id,on_hand,counted_at\n' : 'sku,facility_id,on_hand\n';
    const parts: string[] = [];
    const whParts: string[] = [];
    for (let i = 0; i < this.rows; i++) {
      const q = this.qty[i];
      const suffix = withTime ? `,${t(i)}\n` : '\n';
      oms += `${sku(i)},${fac(i)},${q}${suffix}`;
      wh += `${sku(i)},${fac(i)},${this.differs[i] ? q + 1 + (i % 5) : q}${suffix}`;
      if (oms.length > 1 << 20) (parts.push(oms), (oms = ''));
      if (wh.length > 1 << 20) (whParts.push(wh), (wh = ''));
    }
    parts.push(oms);
    whParts.push(wh);
    return { oms: parts.join(''), warehouse: whParts.join('') };
  }
}
