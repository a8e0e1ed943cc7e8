/**
 * The pipeline's metrics: names, dimensions and what each step emits, through the `metrics`
 * hook of PipelineDeps (lib/pipeline/deps.ts). This file imports no AWS adapter: on Lambda
 * the hook writes CloudWatch Embedded Metric Format lines with Powertools Metrics
 * (lib/pipeline/observability.ts); locally and in most tests there is no hook and nothing is
 * emitted. The CDK dashboard and alarms (cdk/dashboard.ts) read the same names from here.
 *
 * Cardinality (each distinct namespace + name + dimension values is one custom metric, billed
 * monthly): dimensions are only values the construct bounds — the boundary (4), the feed (8),
 * the partner (a configured partner's name, or `unbound`: never the folder text of a key,
 * which anyone who can write under inbound/ chooses), the discrepancy type (16) and the
 * currency (ISO 4217 codes, at most MAX_CURRENCIES per run). File names, run ids and keys
 * are high-cardinality: they go into the log lines (and EMF properties), never dimensions.
 */
import type { BoundaryName, FeedName } from '../feeds/catalog.ts';
import { partnerOfPath, partnersByName } from '../engine/binding.ts';
import type { ReconConfig } from '../config.ts';
import type { Report } from '../report/model.ts';

/** CloudWatch namespace of every metric the handlers emit. */
export const METRICS_NAMESPACE = 'OmsRecon';

/** Metric names (one place: the handlers emit them, cdk/dashboard.ts graphs them). */
export const MetricName = {
  /** Data rows read from a file (ingest): read = stored + rejected + skipped. */
  rowsRead: 'RowsRead',
  /** Rows that became stored records (ingest). */
  rowsStored: 'RowsStored',
  /** Rows rejected with a reason (ingest; the reasons are in rejected/…). */
  rowsRejected: 'RowsRejected',
  /** Files that could not be read at all (ingest recorded them as failed). */
  filesFailed: 'FilesFailed',
  /** Discrepancies of a run (summarize), in all and per type. */
  discrepancies: 'Discrepancies',
  /** New discrepancies of a run (not in the previous run). */
  newDiscrepancies: 'NewDiscrepancies',
  /** Discrepancies of the previous run that are gone. */
  resolvedDiscrepancies: 'ResolvedDiscrepancies',
  /** Money at risk of a run, per currency (the sum of the discrepancies' impact). */
  moneyAtRisk: 'MoneyAtRisk',
  /** Units at risk of a run (inventory, fulfillment). */
  unitsAtRisk: 'UnitsAtRisk',
  /** From plan to the written report, in milliseconds. */
  runDuration: 'RunDuration',
  /** Runs planned (plan: one per execution that got past its wait). */
  runsStarted: 'RunsStarted',
  /** Records read back and compared by one shard (left + right; compare). */
  recordsCompared: 'RecordsCompared',
  /** Objects ingest did not ingest, per status: skipped (already ingested, or unreadable), unrouted (no feed), ignored (a folder). */
  filesNotIngested: 'FilesNotIngested',
} as const;
export type MetricNameValue = (typeof MetricName)[keyof typeof MetricName];

/** Dimension names. */
export const Dim = { boundary: 'boundary', feed: 'feed', partner: 'partner', type: 'type', currency: 'currency', status: 'status' } as const;

/** The partner dimension of a file under no configured partner's folder. */
export const UNBOUND_PARTNER = 'unbound';

/** At most this many currencies per run get a MoneyAtRisk value (the largest amounts). */
export const MAX_CURRENCIES = 10;

/** CloudWatch rejects values beyond ±1.17e108 (and NaN/Infinity); such a value is left out and logged. */
const METRIC_VALUE_MAX = 1e100;

export type MetricUnitName = 'Count' | 'Milliseconds' | 'None';
export interface MetricPoint {
  name: MetricNameValue;
  unit: MetricUnitName;
  value: number;
}
/**
 * One group of metric values with their dimensions (one EMF line, one CloudWatch metric per
 * name and dimension values), plus searchable properties that are not dimensions (file, run id).
 */
export interface MetricGroup {
  dimensions: Readonly<Record<string, string>>;
  points: readonly MetricPoint[];
  properties?: Readonly<Record<string, string>>;
}
/** What lib code calls to emit metrics; the Lambda adapter writes EMF, tests may record. */
export type MetricsHook = (groups: MetricGroup | readonly MetricGroup[]) => void;

/** A usable metric value, or undefined (not finite, or beyond what CloudWatch accepts). */
export function metricValue(v: number | string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) && Math.abs(n) <= METRIC_VALUE_MAX ? n : undefined;
}

/** The partner dimension of an S3 key: a configured partner, else `unbound` (bounded cardinality). */
export function partnerDimension(key: string, feed: FeedName, config: Pick<ReconConfig, 'partners'>): string {
  return partnerOfPath(key, feed, partnersByName(config))?.name ?? UNBOUND_PARTNER;
}

/** A file's two dimension sets: its boundary (the boundary's total), and boundary + feed + partner. */
function fileGroups(f: { boundary: BoundaryName; feed: FeedName; partner: string; file: string }, points: MetricPoint[]): MetricGroup[] {
  const properties = { file: f.file };
  return [
    { dimensions: { [Dim.boundary]: f.boundary }, points, properties },
    { dimensions: { [Dim.boundary]: f.boundary, [Dim.feed]: f.feed, [Dim.partner]: f.partner }, points, properties },
  ];
}

/** Ingest: rows read / stored / rejected of one file, per boundary and per feed and partner. */
export function ingestMetrics(f: { boundary: BoundaryName; feed: FeedName; partner: string; file: string; read: number; stored: number; rejected: number }): MetricGroup[] {
  return fileGroups(f, [
    { name: MetricName.rowsRead, unit: 'Count', value: f.read },
    { name: MetricName.rowsStored, unit: 'Count', value: f.stored },
    { name: MetricName.rowsRejected, unit: 'Count', value: f.rejected },
  ]);
}

/** Ingest: a file that could not be read (recorded as failed). */
export function failedFileMetrics(f: { boundary: BoundaryName; feed: FeedName; partner: string; file: string }): MetricGroup[] {
  return fileGroups(f, [{ name: MetricName.filesFailed, unit: 'Count', value: 1 }]);
}

/**
 * Summarize: the run's discrepancies (in all, new, resolved, per type), money at risk per
 * currency, units at risk and the run's duration. Returns the groups and the values left out.
 */
export function runMetrics(
  report: Pick<Report, 'boundary' | 'summary'>,
  run: { runId: string; durationMs: number; counts: { new: number; resolved: number } },
): { groups: MetricGroup[]; leftOut: string[] } {
  const b = { [Dim.boundary]: report.boundary };
  const properties = { runId: run.runId };
  const leftOut: string[] = [];
  const s = report.summary;
  const totals: MetricPoint[] = [
    { name: MetricName.discrepancies, unit: 'Count', value: s.discrepancies },
    { name: MetricName.newDiscrepancies, unit: 'Count', value: run.counts.new },
    { name: MetricName.resolvedDiscrepancies, unit: 'Count', value: run.counts.resolved },
    { name: MetricName.runDuration, unit: 'Milliseconds', value: Math.max(0, run.durationMs) },
  ];
  const units = metricValue(s.atRisk?.units ?? 0);
  if (units === undefined) leftOut.push(`${MetricName.unitsAtRisk} ${String(s.atRisk?.units)}`);
  else totals.push({ name: MetricName.unitsAtRisk, unit: 'Count', value: units });
  const groups: MetricGroup[] = [{ dimensions: b, points: totals, properties }];
  // Per type: one group per type (a type is a dimension value); types with none are not emitted.
  for (const [type, n] of Object.entries(s.byType ?? {})) {
    if (!n) continue;
    groups.push({ dimensions: { ...b, [Dim.type]: type }, points: [{ name: MetricName.discrepancies, unit: 'Count', value: n }], properties });
  }
  // Money per currency, the largest MAX_CURRENCIES (currency codes come from partner files).
  const money = Object.entries(s.atRisk?.money ?? {})
    .map(([currency, amount]) => ({ currency, amount, value: metricValue(amount) }))
    .sort((x, y) => Math.abs(y.value ?? Infinity) - Math.abs(x.value ?? Infinity));
  let kept = 0;
  for (const m of money) {
    if (m.value === undefined || kept >= MAX_CURRENCIES) {
      leftOut.push(`${MetricName.moneyAtRisk} ${m.currency} ${m.amount.slice(0, 40)}`);
      continue;
    }
    kept++;
    groups.push({ dimensions: { ...b, [Dim.currency]: m.currency }, points: [{ name: MetricName.moneyAtRisk, unit: 'None', value: m.value }], properties });
  }
  return { groups, leftOut };
}

/** plan: one run of a boundary planned. */
export function runStartedMetrics(r: { boundary: BoundaryName; runId: string }): MetricGroup {
  return { dimensions: { [Dim.boundary]: r.boundary }, points: [{ name: MetricName.runsStarted, unit: 'Count', value: 1 }], properties: { runId: r.runId } };
}

/** compare: the records one shard compared. */
export function shardMetrics(r: { boundary: BoundaryName; runId: string; left: number; right: number }): MetricGroup {
  return { dimensions: { [Dim.boundary]: r.boundary }, points: [{ name: MetricName.recordsCompared, unit: 'Count', value: r.left + r.right }], properties: { runId: r.runId } };
}

/** ingest: an object it did not ingest (the status is one of three fixed values). */
export function notIngestedMetrics(o: { status: 'skipped' | 'unrouted' | 'ignored'; file: string }): MetricGroup {
  return { dimensions: { [Dim.status]: o.status }, points: [{ name: MetricName.filesNotIngested, unit: 'Count', value: 1 }], properties: { file: o.file } };
}

/** summarize: emits runMetrics through the hook, and logs any value CloudWatch could not take. */
export function emitRunMetrics(
  deps: { metrics?: MetricsHook; log?: (event: Record<string, unknown>) => void },
  report: Pick<Report, 'boundary' | 'summary'>,
  run: { runId: string; durationMs: number; counts: { new: number; resolved: number } },
): void {
  if (!deps.metrics) return;
  const { groups, leftOut } = runMetrics(report, run);
  deps.metrics(groups);
  if (leftOut.length > 0) deps.log?.({ level: 'WARN', message: 'metric values left out (beyond what CloudWatch takes, or past the currency limit)', boundary: report.boundary, runId: run.runId, leftOut });
}
