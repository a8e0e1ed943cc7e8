/**
 * The pipeline's CloudWatch dashboard: what came in (rows read / rejected per boundary, and
 * per feed and partner), what the runs found (discrepancies per boundary and per type, money
 * and units at risk), how the runs went (duration, Step Functions outcomes) and the plumbing
 * (Lambda errors and throttles, dead-letter queues, DynamoDB throttles, the alarms' state).
 *
 * The metrics are the handlers' EMF metrics (lib/pipeline/metrics.ts), namespace OmsRecon,
 * dimension `service` = this deployment; per-partner, per-type and per-currency graphs use
 * SEARCH, since those dimension values are only known at run time.
 */
import { Duration } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { BOUNDARIES } from '../lib/feeds/catalog.ts';
import type { FunctionName } from '../lib/pipeline/contracts.ts';
import { Dim, METRICS_NAMESPACE, MetricName, type MetricNameValue } from '../lib/pipeline/metrics.ts';

export interface PipelineDashboardProps {
  /** The `service` dimension of this deployment's metrics (POWERTOOLS_SERVICE_NAME of its functions). */
  readonly service: string;
  readonly functions: Readonly<Record<FunctionName, lambda.IFunction>>;
  readonly ingestDeadLetterQueue: sqs.IQueue;
  readonly deliveryFailureQueue: sqs.IQueue;
  readonly table: dynamodb.ITable;
  readonly stateMachine: sfn.IStateMachine;
  readonly alarms: cw.IAlarm[];
}

/** Pipeline metrics are summed per hour (runs are daily or per upload window). */
const PERIOD = Duration.hours(1);

export class PipelineDashboard extends Construct {
  readonly dashboard: cw.Dashboard;

  constructor(scope: Construct, id: string, props: PipelineDashboardProps) {
    super(scope, id);
    const service = props.service;
    const perBoundary = (name: MetricNameValue, statistic: string, label?: string) =>
      BOUNDARIES.map(
        (boundary) =>
          new cw.Metric({ namespace: METRICS_NAMESPACE, metricName: name, dimensionsMap: { service, [Dim.boundary]: boundary }, statistic, period: PERIOD, label: label ? `${boundary} ${label}` : boundary }),
      );
    // SEARCH over a dimension only known at run time (partner, type, currency), this deployment only.
    const search = (name: MetricNameValue, dims: string[], statistic: string, label: string) =>
      new cw.MathExpression({
        expression: `SEARCH('{${METRICS_NAMESPACE},${['service', ...dims].join(',')}} MetricName="${name}" service="${service}"', '${statistic}', ${PERIOD.toSeconds()})`,
        usingMetrics: {},
        label,
        period: PERIOD,
      });
    const graph = (title: string, left: cw.IMetric[], opts: Partial<cw.GraphWidgetProps> = {}) => new cw.GraphWidget({ title, left, width: 12, height: 6, ...opts });

    const fns = Object.entries(props.functions) as Array<[FunctionName, lambda.IFunction]>;
    const sm = props.stateMachine;
    this.dashboard = new cw.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(7),
      widgets: [
        [
          new cw.TextWidget({
            markdown: `## oms-recon\nFeeds in, discrepancies out. What each alarm means and what to do: README, **Operating**. Logs: the function log groups (Logs Insights: \`filter runId = "<run>"\`).`,
            width: 12,
            height: 6,
          }),
          new cw.AlarmStatusWidget({ title: 'Alarms', alarms: props.alarms, width: 12, height: 6 }),
        ],
        [
          graph('Ingest volume: rows read per boundary', perBoundary(MetricName.rowsRead, cw.Stats.SUM), { stacked: true }),
          graph('Rejected rows per boundary', perBoundary(MetricName.rowsRejected, cw.Stats.SUM), { stacked: true }),
        ],
        [
          graph('Rejected rows per feed and partner', [search(MetricName.rowsRejected, [Dim.boundary, Dim.feed, Dim.partner], cw.Stats.SUM, '')]),
          graph('Files not ingested', [
            ...perBoundary(MetricName.filesFailed, cw.Stats.SUM, 'unreadable'),
            search(MetricName.filesNotIngested, [Dim.status], cw.Stats.SUM, ''),
          ]),
        ],
        [
          graph('Discrepancies per boundary (per run)', [...perBoundary(MetricName.discrepancies, cw.Stats.MAXIMUM), ...perBoundary(MetricName.newDiscrepancies, cw.Stats.MAXIMUM, 'new')]),
          graph('Discrepancies per type (per run)', [search(MetricName.discrepancies, [Dim.boundary, Dim.type], cw.Stats.MAXIMUM, '')]),
        ],
        [
          graph('Money at risk per boundary and currency (per run)', [search(MetricName.moneyAtRisk, [Dim.boundary, Dim.currency], cw.Stats.MAXIMUM, '')]),
          graph('Units at risk per boundary (per run)', perBoundary(MetricName.unitsAtRisk, cw.Stats.MAXIMUM)),
        ],
        [
          graph('Run duration (plan to report) per boundary', perBoundary(MetricName.runDuration, cw.Stats.MAXIMUM), {
            right: [sm.metricTime({ statistic: cw.Stats.MAXIMUM, period: PERIOD, label: 'execution time (all boundaries)' })],
          }),
          graph('Runs: started, succeeded, failed, timed out, aborted', [
            sm.metricStarted({ period: PERIOD, statistic: cw.Stats.SUM }),
            sm.metricSucceeded({ period: PERIOD, statistic: cw.Stats.SUM }),
            sm.metricFailed({ period: PERIOD, statistic: cw.Stats.SUM }),
            sm.metricTimedOut({ period: PERIOD, statistic: cw.Stats.SUM }),
            sm.metricAborted({ period: PERIOD, statistic: cw.Stats.SUM }),
          ]),
        ],
        [
          graph('Lambda errors and throttles', [
            ...fns.map(([n, fn]) => fn.metricErrors({ statistic: cw.Stats.SUM, period: Duration.minutes(5), label: `${n} errors` })),
            ...fns.map(([n, fn]) => fn.metricThrottles({ statistic: cw.Stats.SUM, period: Duration.minutes(5), label: `${n} throttles` })),
          ]),
          graph('Dead-letter queues and DynamoDB throttles', [
            props.ingestDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: cw.Stats.MAXIMUM, period: Duration.minutes(5), label: 'IngestFailures messages' }),
            props.deliveryFailureQueue.metricApproximateNumberOfMessagesVisible({ statistic: cw.Stats.MAXIMUM, period: Duration.minutes(5), label: 'DeliveryFailures messages' }),
            props.table.metric('ReadThrottleEvents', { statistic: cw.Stats.SUM, period: Duration.minutes(5), label: 'table read throttles' }),
            props.table.metric('WriteThrottleEvents', { statistic: cw.Stats.SUM, period: Duration.minutes(5), label: 'table write throttles' }),
          ]),
        ],
      ],
    });
  }
}
