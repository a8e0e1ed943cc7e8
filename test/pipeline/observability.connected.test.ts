/**
 * Powertools on the real handlers (functions/*.ts with the Lambda's own observability: the
 * Logger, Metrics and Tracer middleware and the deps hooks), on the stand-ins: what lands on
 * stdout is what CloudWatch Logs gets — JSON log lines carrying the run id / boundary / file /
 * partner, and Embedded Metric Format lines CloudWatch turns into the metrics the dashboard
 * and README name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config-file.ts';
import { lambdaContext } from '../../lib/pipeline/local.ts';
import { Dim, METRICS_NAMESPACE, MetricName, UNBOUND_PARTNER } from '../../lib/pipeline/metrics.ts';
import { createObservability } from '../../lib/pipeline/observability.ts';
import * as ingestFn from '../../functions/ingest.ts';
import * as planFn from '../../functions/plan.ts';
import * as compareFn from '../../functions/compare.ts';
import * as summarizeFn from '../../functions/summarize.ts';
import { startStandIns, type Handler, type MachineRun, type StandIns } from './harness.ts';

const SERVICE = 'OmsReconTest/Recon';

interface Emf {
  _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
  [key: string]: unknown;
}
type Line = Record<string, unknown>;

/** Everything written to stdout while `fn` runs, as parsed JSON lines (other text is kept out). */
async function stdoutLines(fn: () => Promise<void>): Promise<Line[]> {
  const chunks: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    cb?.();
    return true;
  }) as typeof process.stdout.write;
  try {
    await fn();
  } finally {
    process.stdout.write = write;
  }
  return chunks
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);
}

const isEmf = (l: Line): l is Emf => typeof l._aws === 'object';
/** The EMF lines that define metric `name`. */
const emfOf = (lines: Line[], name: string) => lines.filter(isEmf).filter((l) => l._aws.CloudWatchMetrics[0].Metrics.some((m) => m.Name === name));
const logLines = (lines: Line[]) => lines.filter((l) => !isEmf(l) && typeof l.level === 'string');

describe('Powertools logs and metrics from the real handlers', () => {
  let standIns: StandIns;
  let ingestLines: Line[];
  let runLines: Line[];
  let run: MachineRun;

  beforeAll(async () => {
    // Prepare: one configured partner (bigco), an OMS file under no partner folder, a bad row
    standIns = await startStandIns();
    const stage = await standIns.stage({ shards: 2, config: parseConfig({ partners: [{ name: 'bigco', facilities: ['DAL1'] }] }, 'test config') });
    // As on Lambda: an on-demand container, so the first invocation is a cold start.
    const initType = process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
    const obs = createObservability({ POWERTOOLS_SERVICE_NAME: SERVICE });
    if (initType === undefined) delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
    else process.env.AWS_LAMBDA_INITIALIZATION_TYPE = initType;
    const deps = stage.deps({ log: obs.log, metrics: obs.emit });
    const oms = await stage.put('inbound/oms-inventory/oms.csv', 'sku,facility_id,on_hand,as_of\nSKU-1,DAL1,100,2026-11-26T05:00:00Z\nSKU-2,DAL1,5,2026-11-26T05:00:00Z\n');
    const wh = await stage.put('inbound/warehouse-inventory/bigco/dal1.csv', 'sku,facility_id,on_hand,counted_at\nSKU-1,DAL1,93,2026-11-25T06:00:00Z\nSKU-2,DAL1,five,2026-11-25T06:00:00Z\n');
    const ingest = ingestFn.createHandler(deps, obs) as unknown as Handler;
    // Act
    ingestLines = await stdoutLines(async () => {
      await ingest(oms.event, lambdaContext('ingest'));
      await ingest(wh.event, lambdaContext('ingest'));
    });
    const overrides = {
      plan: planFn.createHandler(deps, obs) as unknown as Handler,
      compare: compareFn.createHandler(deps, obs) as unknown as Handler,
      summarize: summarizeFn.createHandler(deps, obs) as unknown as Handler,
    };
    runLines = await stdoutLines(async () => {
      run = await stage.runStateMachine('inventory', { overrides, runId: 'inventory-observed-1' });
    });
  }, 180_000);
  afterAll(() => standIns?.stop());

  it('emits rows read / stored / rejected per boundary and per feed and partner (EMF, namespace OmsRecon)', () => {
    const lines = emfOf(ingestLines, MetricName.rowsRead);
    expect(lines).toHaveLength(4); // two files, each per boundary and per feed + partner
    for (const l of lines) {
      const def = l._aws.CloudWatchMetrics[0];
      expect(def.Namespace).toBe(METRICS_NAMESPACE);
      expect(def.Metrics.map((m) => `${m.Name}:${m.Unit}`).sort()).toEqual(['RowsRead:Count', 'RowsRejected:Count', 'RowsStored:Count']);
      expect(l.service).toBe(SERVICE);
      expect(l.boundary).toBe('inventory');
      expect(l.file).toMatch(/^s3:\/\/[^/]+\/inbound\//);
    }
    const perBoundary = lines.filter((l) => l.feed === undefined);
    for (const l of perBoundary) expect(l._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service', Dim.boundary]]);
    expect(perBoundary.reduce((n, l) => n + (l.RowsRead as number), 0)).toBe(4);
    const perPartner = lines.filter((l) => l.feed !== undefined);
    for (const l of perPartner) expect(l._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service', Dim.boundary, Dim.feed, Dim.partner]]);
    const byFeed = Object.fromEntries(perPartner.map((l) => [l.feed as string, [l.partner, l.RowsRead, l.RowsStored, l.RowsRejected]]));
    expect(byFeed).toEqual({
      'oms-inventory': [UNBOUND_PARTNER, 2, 2, 0],
      'warehouse-inventory': ['bigco', 2, 1, 1],
    });
  });

  it('puts the file, feed, boundary and partner on every ingest log line', () => {
    const logs = logLines(ingestLines);
    const ingested = logs.filter((l) => l.message === 'ingested');
    expect(ingested).toHaveLength(2);
    for (const l of logs) {
      expect(l, JSON.stringify(l)).toMatchObject({ service: SERVICE, boundary: 'inventory', file: expect.stringMatching(/^s3:\/\//), function_request_id: expect.any(String) });
      expect(['bigco', UNBOUND_PARTNER]).toContain(l.partner);
    }
    expect(ingested.find((l) => l.partner === 'bigco')).toMatchObject({ level: 'INFO', feed: 'warehouse-inventory', read: 2, stored: 1, rejected: 1 });
  });

  it('puts the run id and boundary on every log line of plan, compare and summarize', () => {
    expect(run.error).toBeUndefined();
    const logs = logLines(runLines);
    expect(logs.map((l) => l.message)).toEqual(expect.arrayContaining(['planned', 'compared', 'summarized']));
    for (const l of logs) expect(l, JSON.stringify(l)).toMatchObject({ runId: 'inventory-observed-1', boundary: 'inventory', service: SERVICE });
    expect(logs.filter((l) => l.message === 'compared').map((l) => l.shard).sort()).toEqual([0, 1]);
  });

  it('emits the run: discrepancies in all and per type, new and resolved, units at risk, duration, runs and records compared', () => {
    const report = run.report!;
    expect(report.summary.discrepancies).toBeGreaterThan(0);
    const [total] = emfOf(runLines, MetricName.runDuration);
    expect(total._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service', Dim.boundary]]);
    expect(total).toMatchObject({
      boundary: 'inventory',
      runId: 'inventory-observed-1',
      [MetricName.discrepancies]: report.summary.discrepancies,
      [MetricName.newDiscrepancies]: report.summary.discrepancies,
      [MetricName.resolvedDiscrepancies]: 0,
      [MetricName.unitsAtRisk]: report.summary.atRisk.units,
    });
    expect(total[MetricName.runDuration]).toBeGreaterThanOrEqual(0);
    const perType = emfOf(runLines, MetricName.discrepancies).filter((l) => l.type !== undefined);
    expect(Object.fromEntries(perType.map((l) => [l.type, l[MetricName.discrepancies]]))).toEqual(report.summary.byType);
    for (const l of perType) expect(l._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service', Dim.boundary, Dim.type]]);
    expect(emfOf(runLines, MetricName.runsStarted).map((l) => l[MetricName.runsStarted])).toEqual([1]);
    const compared = emfOf(runLines, MetricName.recordsCompared).reduce((n, l) => n + (l[MetricName.recordsCompared] as number), 0);
    expect(compared).toBe(report.summary.rows.used);
  });

  it('counts the container cold start once, on its first invocation', () => {
    // One Observability per container: here the four handlers share one, so one cold start.
    const cold = emfOf([...ingestLines, ...runLines], 'ColdStart');
    expect(cold.map((l) => [l.function_name, l.service])).toEqual([['ingest', SERVICE]]);
  });

});
