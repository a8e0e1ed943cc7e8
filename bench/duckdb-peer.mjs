// The peer of the benchmark: DuckDB doing the same full outer join on the same CSV files and
// writing the rows that differ. Run as a child process (for its own wall time and peak RSS).
// usage: node duckdb-peer.mjs <module dir> inventory|intake <left.csv> <right.csv> <out.csv>
const [moduleDir, kind, left, right, out] = process.argv.slice(2);
const { DuckDBInstance } = await import(`${moduleDir}/@duckdb/node-api/lib/index.js`);
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const sql =
  kind === 'inventory'
    ? `SELECT coalesce(o.sku, w.sku) AS sku, coalesce(o.facility_id, w.facility_id) AS facility_id, o.on_hand AS oms, w.on_hand AS warehouse
       FROM read_csv('${left}') o FULL OUTER JOIN read_csv('${right}') w ON o.sku = w.sku AND o.facility_id = w.facility_id
       WHERE coalesce(o.on_hand, 0) <> coalesce(w.on_hand, 0)`
    : `SELECT coalesce(c.channel, o.channel) AS channel, coalesce(c.channel_order_id, o.channel_order_id) AS channel_order_id, c.total AS channel_total, o.total AS oms_total
       FROM read_csv('${left}', types={'total': 'DECIMAL(18,2)'}) c FULL OUTER JOIN read_csv('${right}', types={'total': 'DECIMAL(18,2)'}) o
         ON lower(c.channel) = lower(o.channel) AND c.channel_order_id = o.channel_order_id
       WHERE c.channel_order_id IS NULL OR o.channel_order_id IS NULL OR c.total <> o.total`;
await c.run(`COPY (${sql}) TO '${out}' (HEADER)`);
const n = await c.runAndReadAll(`SELECT count(*) FROM read_csv('${out}')`);
process.stdout.write(`${n.getRows()[0][0]}\n`);
