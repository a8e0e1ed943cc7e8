/**
 * Alarms that reach people, all to the ops topic (README "Operating" says what each means
 * and what to do):
 *
 * - IngestDlqDepth / DeliveryFailuresDepth: a message waits in a dead-letter queue;
 * - <Function>Errors / <Function>Throttles: per function;
 * - TableReadThrottles / TableWriteThrottles: DynamoDB throttled requests, sustained;
 * - the RunStatus rule: every execution of this state machine that ends FAILED, TIMED_OUT or
 *   ABORTED (an EventBridge rule on the execution status, so a run the 2 h timeout stops — which
 *   no Catch in the state machine sees — still sends a notice).
 *
 * Alarms send on ALARM and on OK (the all-clear), and treat missing data as not breaching
 * (no invocations is no error).
 */
import { Duration } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { FunctionName } from '../lib/pipeline/contracts.ts';

/** The run statuses that send a notice. */
export const RUN_FAILURE_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;

/** Thresholds and windows of every alarm (tests and the README read them from here). */
export const ALARM_SPECS = {
  dlqDepth: { threshold: 1, period: Duration.minutes(5), evaluationPeriods: 1, datapointsToAlarm: 1 },
  lambdaErrors: { threshold: 1, period: Duration.minutes(5), evaluationPeriods: 1, datapointsToAlarm: 1 },
  lambdaThrottles: { threshold: 1, period: Duration.minutes(5), evaluationPeriods: 1, datapointsToAlarm: 1 },
  /** Ingest's reserved concurrency throttles bursts on purpose (S3 retries them for 6 h): only sustained throttling alarms. */
  ingestThrottles: { threshold: 1, period: Duration.minutes(5), evaluationPeriods: 3, datapointsToAlarm: 3 },
  /** The SDK and the store retry throttled requests: only throttling in 2 of 3 periods alarms. */
  tableThrottles: { threshold: 1, period: Duration.minutes(5), evaluationPeriods: 3, datapointsToAlarm: 2 },
} as const;

export interface PipelineAlarmsProps {
  readonly topic: sns.ITopic;
  readonly functions: Readonly<Record<FunctionName, lambda.IFunction>>;
  readonly ingestDeadLetterQueue: sqs.IQueue;
  readonly deliveryFailureQueue: sqs.IQueue;
  readonly table: dynamodb.ITable;
  readonly stateMachine: sfn.IStateMachine;
}

export class PipelineAlarms extends Construct {
  /** Every alarm, by its construct id. */
  readonly alarms: Readonly<Record<string, cw.Alarm>>;
  readonly runStatusRule: events.Rule;

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const alarms: Record<string, cw.Alarm> = {};
    const action = new cwActions.SnsAction(props.topic);
    const add = (name: string, metric: cw.IMetric, spec: (typeof ALARM_SPECS)[keyof typeof ALARM_SPECS], description: string) => {
      const alarm = new cw.Alarm(this, name, {
        metric,
        threshold: spec.threshold,
        evaluationPeriods: spec.evaluationPeriods,
        datapointsToAlarm: spec.datapointsToAlarm,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
        alarmDescription: `oms-recon: ${description} What to do: README, "Operating", alarm ${name}.`,
      });
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      alarms[name] = alarm;
    };

    const depth = (q: sqs.IQueue) => q.metricApproximateNumberOfMessagesVisible({ statistic: cw.Stats.MAXIMUM, period: ALARM_SPECS.dlqDepth.period });
    add('IngestDlqDepth', depth(props.ingestDeadLetterQueue), ALARM_SPECS.dlqDepth, 'an S3 event could not be ingested after its retries and waits in the IngestFailures queue.');
    add('DeliveryFailuresDepth', depth(props.deliveryFailureQueue), ALARM_SPECS.dlqDepth, 'an email could not be delivered, or a schedule could not start a run; the message waits in the DeliveryFailures queue.');

    for (const [name, fn] of Object.entries(props.functions) as Array<[FunctionName, lambda.IFunction]>) {
      const id = name[0].toUpperCase() + name.slice(1);
      const spec = ALARM_SPECS.lambdaErrors;
      add(`${id}Errors`, fn.metricErrors({ statistic: cw.Stats.SUM, period: spec.period }), spec, `the ${name} function failed (an error or a timeout).`);
      const t = name === 'ingest' ? ALARM_SPECS.ingestThrottles : ALARM_SPECS.lambdaThrottles;
      add(`${id}Throttles`, fn.metricThrottles({ statistic: cw.Stats.SUM, period: t.period }), t, `the ${name} function was throttled (concurrency limit).`);
    }

    const t = ALARM_SPECS.tableThrottles;
    add('TableReadThrottles', props.table.metric('ReadThrottleEvents', { statistic: cw.Stats.SUM, period: t.period }), t, 'DynamoDB throttled reads of the table.');
    add('TableWriteThrottles', props.table.metric('WriteThrottleEvents', { statistic: cw.Stats.SUM, period: t.period }), t, 'DynamoDB throttled writes to the table.');
    this.alarms = alarms;

    // A run that ends badly, however it ended (the state machine's own Catch does not see a timeout or an abort).
    const field = (path: string) => events.EventField.fromPath(path);
    this.runStatusRule = new events.Rule(this, 'RunStatus', {
      description: 'oms-recon: a reconciliation run failed, timed out or was aborted',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { status: [...RUN_FAILURE_STATUSES], stateMachineArn: [props.stateMachine.stateMachineArn] },
      },
      targets: [
        new targets.SnsTopic(props.topic, {
          // An AWS Chatbot custom notification (Slack renders title and description; email shows the JSON).
          message: events.RuleTargetInput.fromObject({
            version: '1.0',
            source: 'custom',
            id: field('$.id'),
            content: {
              textType: 'client-markdown',
              title: `oms-recon run ${field('$.detail.status')}: ${field('$.detail.name')}`,
              description:
                `Run ${field('$.detail.name')} ended ${field('$.detail.status')} at ${field('$.time')}. ` +
                `Execution: ${field('$.detail.executionArn')}. Logs: filter the function log groups by runId = ${field('$.detail.name')} (README, "Operating").`,
              nextSteps: ['Open the execution in the Step Functions console and read the failed state', 'Start the run again once the cause is fixed (README, "Operating")'],
            },
            metadata: { summary: `oms-recon run ${field('$.detail.name')} ${field('$.detail.status')}` },
          }),
          retryAttempts: 4,
          maxEventAge: Duration.hours(2),
          deadLetterQueue: props.deliveryFailureQueue,
        }),
      ],
    });
  }
}
