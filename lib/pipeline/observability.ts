/**
 * The Lambda adapter for logs, metrics and traces: Powertools for AWS Lambda (TypeScript)
 * as middy middleware around each handler, and the `log` / `metrics` hooks of PipelineDeps
 * backed by them. The steps (lib/pipeline/{ingest,plan,compare,summarize}.ts) only call the
 * hooks; they import nothing from here.
 *
 * - Logger: one JSON line per event, with the Lambda context (request id, cold start) and the
 *   invocation's keys on every line: `runId` and `boundary` (plan, compare + `shard`,
 *   summarize), `file`, `feed`, `partner` and `boundary` while ingest works on a file.
 * - Metrics: CloudWatch Embedded Metric Format, namespace `OmsRecon` (lib/pipeline/metrics.ts),
 *   dimension `service` = the deployment (POWERTOOLS_SERVICE_NAME, set per construct by the
 *   CDK, so two stacks in one account keep apart) plus the low-cardinality dimensions of
 *   metrics.ts. Cold starts are counted per function.
 * - Tracer: the SDK clients (DynamoDB, S3, Step Functions) are traced with
 *   captureAWSv3Client, and the handler is a segment; responses are not put into traces
 *   (summarize's output can be hundreds of KB; an X-Ray segment holds 64 KB).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { FEEDS } from '../feeds/catalog.ts';
import type { ReconConfig } from '../config.ts';
import { awsClients, type LogHook, type PipelineDeps } from './deps.ts';
import { lazySettings } from './env.ts';
import { METRICS_NAMESPACE, partnerDimension, type MetricGroup, type MetricsHook } from './metrics.ts';
import { decodeS3Key, feedOfKey } from './objects.ts';

/** The `service` of logs, traces and metrics when POWERTOOLS_SERVICE_NAME is not set. */
export const DEFAULT_SERVICE = 'oms-recon';

export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
  /** deps.log backed by the Logger. */
  readonly log: LogHook;
  /** deps.metrics backed by Metrics. */
  readonly emit: MetricsHook;
}

/** One set per Lambda container (module scope of the handler file). */
export function createObservability(env: NodeJS.ProcessEnv = process.env): Observability {
  const serviceName = env.POWERTOOLS_SERVICE_NAME || DEFAULT_SERVICE;
  const logger = new Logger({ serviceName });
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
  const tracer = new Tracer({ serviceName, captureHTTPsRequests: false });
  return { logger, metrics, tracer, log: loggerHook(logger), emit: metricsHook(metrics) };
}

/** deps.log → Logger: `level` picks the method, `message` the message, the rest are fields. */
export function loggerHook(logger: Logger): LogHook {
  return (event) => {
    const { level, message, ...fields } = event;
    const text = typeof message === 'string' ? message : 'event';
    switch (String(level ?? 'INFO').toUpperCase()) {
      case 'ERROR':
        return logger.error(text, fields);
      case 'WARN':
        return logger.warn(text, fields);
      case 'DEBUG':
        return logger.debug(text, fields);
      default:
        return logger.info(text, fields);
    }
  };
}

const UNITS = { Count: MetricUnit.Count, Milliseconds: MetricUnit.Milliseconds, None: MetricUnit.NoUnit } as const;

/**
 * deps.metrics → Metrics. A group is stored until the next one comes (then written as one
 * EMF line) or the invocation ends (logMetrics writes it): groups differ in dimension values
 * (per boundary, per feed and partner, per discrepancy type…), which one EMF line cannot mix.
 */
export function metricsHook(metrics: Metrics): MetricsHook {
  return (groups) => {
    for (const group of (Array.isArray(groups) ? groups : [groups]) as readonly MetricGroup[]) {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      metrics.addDimensions({ ...group.dimensions });
      for (const [k, v] of Object.entries(group.properties ?? {})) metrics.addMetadata(k, v);
      for (const p of group.points) metrics.addMetric(p.name, UNITS[p.unit], p.value);
    }
  };
}

/**
 * A handler with Powertools as middy middleware: trace the invocation, put the Lambda context
 * and `keysOf(event)` on every log line (cleared after it), count cold starts, and write the
 * stored metrics at the end (also on error). Without `obs` (local runner, most tests): plain.
 */
export function observe<E, R>(obs: Observability | undefined, keysOf: (event: E) => Record<string, unknown>, fn: (event: E, context: Context) => Promise<R>) {
  const handler = middy(fn);
  if (!obs) return handler;
  return handler
    .use(captureLambdaHandler(obs.tracer, { captureResponse: false }))
    .use(injectLambdaContext(obs.logger, { resetKeys: true }))
    .use(logMetrics(obs.metrics, { captureColdStartMetric: true }))
    .use({
      before: (request) => {
        obs.logger.appendKeys(keysOf(request.event));
      },
    });
}

/** The log keys of one S3 object under inbound/: its file, feed, boundary and partner. */
export function fileKeys(bucket: string, rawKey: string, config: Pick<ReconConfig, 'partners'>): Record<string, string> {
  const key = decodeS3Key(rawKey);
  const keys: Record<string, string> = { file: `s3://${bucket}/${key}` };
  const feed = feedOfKey(key);
  if (feed) {
    keys.feed = feed;
    keys.boundary = FEEDS[feed].boundary;
    keys.partner = partnerDimension(key, feed, config);
  }
  return keys;
}

/** Runs `fn` with `keys` on every log line, then takes them off again. */
export async function withLogKeys<T>(obs: Observability | undefined, keys: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  if (!obs) return fn();
  obs.logger.appendKeys(keys);
  try {
    return await fn();
  } finally {
    obs.logger.removeKeys(Object.keys(keys));
  }
}

/** The handlers' dependencies on Lambda: traced clients, the environment's settings, the hooks. */
export function lambdaDeps(obs: Observability): PipelineDeps {
  return {
    ...awsClients((client) => obs.tracer.captureAWSv3Client(client)),
    settings: lazySettings(),
    log: obs.log,
    metrics: obs.emit,
  };
}
