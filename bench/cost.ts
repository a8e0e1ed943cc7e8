/**
 * AWS's published on-demand prices (us-east-1), and the cost tables the pipeline bench prints
 * from its measured per-row figures. Prices as read on 2026-12-02 from:
 *
 * - DynamoDB on-demand: https://aws.amazon.com/dynamodb/pricing/on-demand/ — write request
 *   unit $0.625 per million, read request unit $0.125 per million (1 WRU per started KB
 *   written; 1 RRU per started 4 KB read strongly consistent, ½ eventually consistent), data
 *   storage $0.25 per GB-month (first 25 GB free, ignored here), continuous backups (PITR)
 *   $0.20 per GB-month of table size.
 * - Lambda: https://aws.amazon.com/lambda/pricing/ — $0.20 per 1M requests, $0.0000166667 per
 *   GB-second (x86, first tier).
 * - Step Functions: https://aws.amazon.com/step-functions/pricing/ — Standard workflows $0.025
 *   per 1,000 state transitions.
 * - S3: https://aws.amazon.com/s3/pricing/ — S3 Standard $0.023 per GB-month (first 50 TB),
 *   PUT/COPY/POST/LIST $0.005 per 1,000 requests, GET/SELECT $0.0004 per 1,000.
 *
 * Free tiers are left out (they are per account, not per boundary).
 */
export const PRICES = {
  date: '2026-12-02',
  region: 'us-east-1',
  dynamoWriteUnit: 0.625 / 1e6,
  dynamoReadUnit: 0.125 / 1e6,
  dynamoStorageGbMonth: 0.25,
  dynamoPitrGbMonth: 0.2,
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecond: 0.0000166667,
  sfnTransition: 0.025 / 1000,
  s3StorageGbMonth: 0.023,
  s3Put: 0.005 / 1000,
  s3Get: 0.0004 / 1000,
} as const;

/** AWS bills storage per GB = 2^30 bytes. */
export const GB = 2 ** 30;

/** What the bench measured, per row or per run, that the cost follows. */
export interface Measured {
  label: string;
  /** Ingest of a daily drop: units per row of the drop (steady state: days 2…N). */
  ingestWcuPerRow: number;
  ingestRcuPerRow: number;
  /** Lambda seconds per row of ingest: the handler's CPU time measured here (dynalite runs in another process); waiting on DynamoDB is not in it. */
  ingestSecondsPerRow: number;
  /** Ingest invocations per file (1 today; more when a file is ingested in chunks). */
  ingestInvocationsPerFile: number;
  /** Compare (plan + shards + summarize): read and write units per live row, on the first and last measured day, and extrapolated to the retention day. */
  compareRcuPerRowFirst: number;
  compareRcuPerRowLast: number;
  compareRcuPerRowSteady: number;
  compareWcuPerRun: number;
  /** Lambda GB-seconds per live row of a run (plan + compare + summarize CPU time, at each one's memory as in cdk/). */
  compareGbSecondsPerRow: number;
  /** Lambda invocations of a run, at the shard count measured. */
  compareInvocationsPerRun: number;
  /** DynamoDB storage billed per live key (item bytes + 100 B an item), extrapolated to steady state. */
  billedBytesPerLiveKeySteady: number;
  /** State transitions per run (the synthesized state machine's success path at `shards`). */
  transitionsPerRun: number;
  /** S3 requests per drop (2 files) + run, and bytes kept per live row per retained day, by prefix retention. */
  s3PutsPerDay: number;
  s3GetsPerDay: number;
  s3StoredBytesPerLiveRow: number;
  /** Memory of the ingest function (GB), for GB-s. */
  ingestMemoryGb: number;
}

export interface Scenario {
  /** Rows per side of the boundary (live keys = 2 × this). */
  rowsPerSide: number;
  dropsPerMonth: number;
  runsPerDay: number;
  pitr: boolean;
}

interface Line {
  item: string;
  quantity: number;
  unit: string;
  dollars: number;
}

const money = (n: number) => (n >= 100 ? `$${n.toFixed(0)}` : n >= 1 ? `$${n.toFixed(2)}` : `$${n.toFixed(4)}`);
const qty = (n: number) => (n >= 1000 ? Math.round(n).toLocaleString('en-US') : n >= 10 ? n.toFixed(1) : n.toFixed(3));

/** The cost of 1M rows through one run: ingest of 1M rows, and a compare over 1M live rows. */
export function perMillionRows(m: Measured): Line[] {
  const M = 1e6;
  const p = PRICES;
  return [
    { item: 'ingest: DynamoDB write units', quantity: m.ingestWcuPerRow * M, unit: 'WRU', dollars: m.ingestWcuPerRow * M * p.dynamoWriteUnit },
    { item: 'ingest: DynamoDB read units', quantity: m.ingestRcuPerRow * M, unit: 'RRU', dollars: m.ingestRcuPerRow * M * p.dynamoReadUnit },
    { item: 'ingest: Lambda (CPU time)', quantity: m.ingestSecondsPerRow * M * m.ingestMemoryGb, unit: 'GB-s', dollars: m.ingestSecondsPerRow * M * m.ingestMemoryGb * p.lambdaGbSecond },
    { item: 'compare, day 1: DynamoDB read units', quantity: m.compareRcuPerRowFirst * M, unit: 'RRU', dollars: m.compareRcuPerRowFirst * M * p.dynamoReadUnit },
    { item: 'compare, last day measured: DynamoDB read units', quantity: m.compareRcuPerRowLast * M, unit: 'RRU', dollars: m.compareRcuPerRowLast * M * p.dynamoReadUnit },
    { item: 'compare, steady state (day 35): DynamoDB read units', quantity: m.compareRcuPerRowSteady * M, unit: 'RRU', dollars: m.compareRcuPerRowSteady * M * p.dynamoReadUnit },
    { item: 'compare: Lambda (CPU time)', quantity: m.compareGbSecondsPerRow * M, unit: 'GB-s', dollars: m.compareGbSecondsPerRow * M * p.lambdaGbSecond },
    { item: 'storage, steady state: DynamoDB (per month)', quantity: (m.billedBytesPerLiveKeySteady * M) / GB, unit: 'GB-month', dollars: ((m.billedBytesPerLiveKeySteady * M) / GB) * p.dynamoStorageGbMonth },
    { item: 'storage, steady state: PITR (per month)', quantity: (m.billedBytesPerLiveKeySteady * M) / GB, unit: 'GB-month', dollars: ((m.billedBytesPerLiveKeySteady * M) / GB) * p.dynamoPitrGbMonth },
  ];
}

/** The month of one boundary: `dropsPerMonth` daily drops of both sides, `runsPerDay` runs. */
export function perMonth(m: Measured, s: Scenario): Line[] {
  const p = PRICES;
  const live = 2 * s.rowsPerSide;
  const drops = s.dropsPerMonth;
  const runs = drops * s.runsPerDay;
  const gbStored = (m.billedBytesPerLiveKeySteady * live) / GB;
  const ingestGbS = m.ingestSecondsPerRow * live * drops * m.ingestMemoryGb;
  const compareGbS = m.compareGbSecondsPerRow * live * runs;
  const invocations = drops * 2 * m.ingestInvocationsPerFile + runs * m.compareInvocationsPerRun;
  const s3Gb = (m.s3StoredBytesPerLiveRow * live) / GB;
  const lines: Line[] = [
    { item: 'DynamoDB writes (ingest)', quantity: m.ingestWcuPerRow * live * drops, unit: 'WRU', dollars: m.ingestWcuPerRow * live * drops * p.dynamoWriteUnit },
    { item: 'DynamoDB reads (ingest)', quantity: m.ingestRcuPerRow * live * drops, unit: 'RRU', dollars: m.ingestRcuPerRow * live * drops * p.dynamoReadUnit },
    { item: 'DynamoDB reads (compare, steady state)', quantity: m.compareRcuPerRowSteady * live * runs, unit: 'RRU', dollars: m.compareRcuPerRowSteady * live * runs * p.dynamoReadUnit },
    { item: 'DynamoDB writes (runs)', quantity: m.compareWcuPerRun * runs, unit: 'WRU', dollars: m.compareWcuPerRun * runs * p.dynamoWriteUnit },
    { item: 'DynamoDB storage (steady state)', quantity: gbStored, unit: 'GB-month', dollars: gbStored * p.dynamoStorageGbMonth },
  ];
  if (s.pitr) lines.push({ item: 'DynamoDB PITR', quantity: gbStored, unit: 'GB-month', dollars: gbStored * p.dynamoPitrGbMonth });
  lines.push(
    { item: 'Lambda duration (ingest + runs, CPU time)', quantity: ingestGbS + compareGbS, unit: 'GB-s', dollars: (ingestGbS + compareGbS) * p.lambdaGbSecond },
    { item: 'Lambda requests', quantity: invocations, unit: 'requests', dollars: invocations * p.lambdaRequest },
    { item: 'Step Functions transitions', quantity: m.transitionsPerRun * runs, unit: 'transitions', dollars: m.transitionsPerRun * runs * p.sfnTransition },
    { item: 'S3 PUT/LIST requests', quantity: m.s3PutsPerDay * drops, unit: 'requests', dollars: m.s3PutsPerDay * drops * p.s3Put },
    { item: 'S3 GET requests', quantity: m.s3GetsPerDay * drops, unit: 'requests', dollars: m.s3GetsPerDay * drops * p.s3Get },
    { item: 'S3 storage (steady state)', quantity: s3Gb, unit: 'GB-month', dollars: s3Gb * p.s3StorageGbMonth },
  );
  return lines;
}

/** A Markdown table of lines, with a total. */
export function table(lines: Line[], head = 'item'): string {
  const rows = lines.map((l) => `| ${l.item} | ${qty(l.quantity)} ${l.unit} | ${money(l.dollars)} |`);
  const total = lines.reduce((t, l) => t + l.dollars, 0);
  return [`| ${head} | quantity | cost |`, '|---|---:|---:|', ...rows, `| **total** | | **${money(total)}** |`].join('\n');
}

export function total(lines: Line[]): number {
  return lines.reduce((t, l) => t + l.dollars, 0);
}
