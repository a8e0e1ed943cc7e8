/**
 * The reconciliation state machine's definition (JSONPath ASL, Standard workflow).
 *
 * Data flow (every payload is a reference — S3 keys and shard numbers, never rows):
 *
 *   execution input  RunInput { boundary, trigger?, settleSeconds? }
 *   HasSettleSeconds (Choice) → DefaultSettleSeconds (Pass, sets $.settleSeconds) when it is
 *                      absent, not a number or negative
 *   Settle           Wait SecondsPath $.settleSeconds; output = its input
 *   Plan             Lambda plan, payload PlanInput { boundary, runId = $$.Execution.Name };
 *                    output = PlanOutput { boundary, runId, scopeKey, shards: [{ shard }] }
 *   CompareShards    inline Map over $.shards, MaxConcurrency; each item is
 *                    CompareInput { boundary, runId, scopeKey, shard } → CompareShard (Lambda
 *                    compare) → CompareOutput; the array lands in $.results, so the output is
 *                    PlanOutput & { results: CompareOutput[] }
 *   Summarize        Lambda summarize, payload SummarizeInput { boundary, runId, scopeKey, results };
 *                    output = SummarizeOutput { boundary, runId, reportKey, discrepancies, notification }
 *   PublishSummary   sns:publish { TopicArn, Subject.$, Message.$, MessageStructure: 'json' } from
 *                    $.notification; result discarded, so the execution output is SummarizeOutput
 *
 *   on any error of Plan / CompareShards / Summarize / PublishSummary (Catch States.ALL,
 *   ResultPath $.error = { Error, Cause }):
 *   DescribeFailure  Pass → $.failure { subject, text, chat } (States.Format of the error)
 *   FormatFailure    Pass → $.failure.message { default, email, https } (https = the AWS Chatbot
 *                    custom notification as a JSON string, States.JsonToString)
 *   PublishFailure   sns:publish of $.failure.message with MessageStructure 'json'
 *   RunFailed        Fail, ErrorPath $.error.Error, CausePath $.error.Cause
 *
 * Local interpreter caveats (aws-local-stepfunctions 3): it only honours the positive form
 * of type tests in Choice rules (hence `Not(IsPresent: true)`), and it strips every
 * backslash from intrinsic results, so PublishFailure's nested-JSON Message is well-formed
 * on AWS only; locally the pieces are there but the escaping is not.
 */
import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { States, type FunctionName } from '../lib/pipeline/contracts.ts';

/** States that are not in contracts.ts `States` (plumbing around them). */
export const ExtraStates = {
  hasSettleSeconds: 'HasSettleSeconds',
  defaultSettleSeconds: 'DefaultSettleSeconds',
  describeFailure: 'DescribeFailure',
  describeFailureFallback: 'DescribeFailureFallback',
  formatFailure: 'FormatFailure',
  shouldPublish: 'ShouldPublish',
  quiet: 'NothingToTell',
} as const;

/** Catch → a Pass naming the failed state (`$.failedState`) → DescribeFailure. */
export const failedAt = (state: string) => `FailedAt${state}`;

/** Which function each Lambda task state invokes (the local runner binds handlers by state name). */
export const TASK_FUNCTIONS = {
  [States.plan]: 'plan',
  [States.compare]: 'compare',
  [States.summarize]: 'summarize',
  [ExtraStates.describeFailure]: 'summarize',
} as const satisfies Record<string, FunctionName>;

/** Transient Lambda service errors retried with backoff on every Lambda task. */
export const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
] as const;

export interface WorkflowProps {
  readonly plan: lambda.IFunction;
  readonly compare: lambda.IFunction;
  readonly summarize: lambda.IFunction;
  readonly topic: sns.ITopic;
  /** Default wait before planning, when the execution input has no usable `settleSeconds`. */
  readonly settleSeconds: number;
  readonly mapConcurrency: number;
}

const lambdaRetry: sfn.RetryProps = {
  errors: [...LAMBDA_TRANSIENT_ERRORS],
  interval: Duration.seconds(2),
  maxAttempts: 6,
  backoffRate: 2,
  maxDelay: Duration.seconds(60),
  jitterStrategy: sfn.JitterType.FULL,
};

const publishRetry: sfn.RetryProps = {
  errors: ['States.TaskFailed'],
  interval: Duration.seconds(2),
  maxAttempts: 3,
  backoffRate: 2,
  jitterStrategy: sfn.JitterType.FULL,
};

/** Builds the states in `scope` (whose construct ids are the state names) and returns the start state. */
export function buildWorkflow(scope: Construct, props: WorkflowProps): sfn.IChainable {
  const at = (path: string) => sfn.JsonPath.stringAt(path);

  const plan = new tasks.LambdaInvoke(scope, States.plan, {
    lambdaFunction: props.plan,
    comment: 'Fixes the run scope and the shard list (PlanInput → PlanOutput).',
    payload: sfn.TaskInput.fromObject({ boundary: at('$.boundary'), runId: at('$$.Execution.Name') }),
    retryOnServiceExceptions: false,
    resultSelector: {
      boundary: at('$.Payload.boundary'),
      runId: at('$.Payload.runId'),
      scopeKey: at('$.Payload.scopeKey'),
      shards: sfn.JsonPath.listAt('$.Payload.shards'),
    },
  });
  plan.addRetry(lambdaRetry);

  const compare = new tasks.LambdaInvoke(scope, States.compare, {
    lambdaFunction: props.compare,
    comment: 'Compares one shard (CompareInput → CompareOutput).',
    payload: sfn.TaskInput.fromJsonPathAt('$'),
    retryOnServiceExceptions: false,
    resultSelector: {
      shard: sfn.JsonPath.numberAt('$.Payload.shard'),
      resultKey: at('$.Payload.resultKey'),
      discrepancies: sfn.JsonPath.numberAt('$.Payload.discrepancies'),
      left: sfn.JsonPath.numberAt('$.Payload.left'),
      right: sfn.JsonPath.numberAt('$.Payload.right'),
      matched: sfn.JsonPath.numberAt('$.Payload.matched'),
    },
  });
  compare.addRetry(lambdaRetry);

  const compareShards = new sfn.Map(scope, States.compareShards, {
    comment: 'One iteration per shard; results are references to S3 partials.',
    itemsPath: at('$.shards'),
    itemSelector: {
      boundary: at('$.boundary'),
      runId: at('$.runId'),
      scopeKey: at('$.scopeKey'),
      shard: sfn.JsonPath.numberAt('$$.Map.Item.Value.shard'),
    },
    maxConcurrency: props.mapConcurrency,
    resultPath: '$.results',
  });
  compareShards.itemProcessor(compare);

  const summarize = new tasks.LambdaInvoke(scope, States.summarize, {
    lambdaFunction: props.summarize,
    comment: 'Merges the shard partials, writes the report, builds the notification.',
    payload: sfn.TaskInput.fromObject({
      boundary: at('$.boundary'),
      runId: at('$.runId'),
      scopeKey: at('$.scopeKey'),
      results: sfn.JsonPath.listAt('$.results'),
    }),
    retryOnServiceExceptions: false,
    resultSelector: {
      boundary: at('$.Payload.boundary'),
      runId: at('$.Payload.runId'),
      reportKey: at('$.Payload.reportKey'),
      discrepancies: sfn.JsonPath.numberAt('$.Payload.discrepancies'),
      notification: sfn.JsonPath.objectAt('$.Payload.notification'),
      publish: sfn.JsonPath.stringAt('$.Payload.publish'),
      attributes: sfn.JsonPath.objectAt('$.Payload.attributes'),
    },
  });
  summarize.addRetry(lambdaRetry);

  const publish = new tasks.SnsPublish(scope, States.publish, {
    topic: props.topic,
    comment: 'Publishes the per-protocol summary built by summarize.',
    subject: at('$.notification.Subject'),
    message: sfn.TaskInput.fromJsonPathAt('$.notification.Message'),
    messagePerSubscriptionType: true,
    messageAttributes: {
      event: { value: at('$.attributes.event') },
      boundary: { value: at('$.attributes.boundary') },
      severity: { value: at('$.attributes.severity') },
      new: { value: at('$.attributes.new'), dataType: tasks.MessageAttributeDataType.NUMBER },
      discrepancies: { value: at('$.attributes.discrepancies'), dataType: tasks.MessageAttributeDataType.NUMBER },
    },
    resultPath: sfn.JsonPath.DISCARD,
  });
  publish.addRetry(publishRetry);

  // Publish only when summarize says so (config notify.<boundary>: always / changes / threshold).
  const quiet = new sfn.Succeed(scope, ExtraStates.quiet, { comment: 'Nothing worth a message in this run (notify mode); the report is in S3.' });
  const shouldPublish = new sfn.Choice(scope, ExtraStates.shouldPublish, { comment: 'Publishes unless summarize decided the run is not worth a message.' })
    .when(sfn.Condition.and(sfn.Condition.isPresent('$.publish'), sfn.Condition.booleanEquals('$.publish', false)), quiet)
    .otherwise(publish);

  // --- failure path -------------------------------------------------------------------
  // The failure notice: what failed (state, error, a one-line reason), the run, the console link —
  // built by the summarize function in its failure mode (intrinsics cannot trim the Cause).
  const describeFailure = new tasks.LambdaInvoke(scope, ExtraStates.describeFailure, {
    lambdaFunction: props.summarize,
    comment: 'Builds the short failure notice (lib/notify/failure.ts): never the raw Cause.',
    payload: sfn.TaskInput.fromObject({
      failure: {
        boundary: at('$.boundary'),
        state: at('$.failedState'),
        execution: at('$$.Execution.Name'),
        executionId: at('$$.Execution.Id'),
        error: sfn.JsonPath.objectAt('$.error'),
      },
    }),
    retryOnServiceExceptions: false,
    resultSelector: {
      subject: at('$.Payload.subject'),
      message: sfn.JsonPath.objectAt('$.Payload.message'),
      attributes: sfn.JsonPath.objectAt('$.Payload.attributes'),
    },
    resultPath: '$.failure',
  });
  describeFailure.addRetry(lambdaRetry);

  // When the function cannot build it: a notice from intrinsics, without the Cause (it cannot be cut).
  const describeFailureFallback = new sfn.Pass(scope, ExtraStates.describeFailureFallback, {
    comment: 'Formats the caught error for email and for AWS Chatbot, without its Cause.',
    parameters: {
      subject: sfn.JsonPath.format('oms-recon: {} run failed', at('$.boundary')),
      text: sfn.JsonPath.format(
        // One line: a newline has no documented escape inside an intrinsic string literal.
        'The oms-recon {} run {} failed in {}. Error: {}. Execution: {}',
        at('$.boundary'),
        at('$$.Execution.Name'),
        at('$.failedState'),
        at('$.error.Error'),
        at('$$.Execution.Id'),
      ),
      chat: {
        version: '1.0',
        source: 'custom',
        content: {
          textType: 'client-markdown',
          title: sfn.JsonPath.format(':x: oms-recon {} run failed', at('$.boundary')),
          description: sfn.JsonPath.format('Run `{}` failed in *{}* with *{}*', at('$$.Execution.Name'), at('$.failedState'), at('$.error.Error')),
          nextSteps: ['Open the execution in the Step Functions console and check the failed state', 'Re-run the boundary once the cause is fixed'],
        },
        metadata: {
          eventType: 'ReconRunFailed',
          threadId: sfn.JsonPath.format('oms-recon-{}', at('$.boundary')),
        },
      },
      attributes: { event: 'failure', boundary: at('$.boundary'), severity: 'error' },
    },
    resultPath: '$.failure',
  });
  describeFailure.addCatch(describeFailureFallback, { errors: [sfn.Errors.ALL], resultPath: '$.failureError' });

  const formatFailure = new sfn.Pass(scope, ExtraStates.formatFailure, {
    comment: 'Per-protocol SNS message: plain text for email, Chatbot JSON for https.',
    parameters: {
      default: at('$.failure.text'),
      email: at('$.failure.text'),
      https: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.failure.chat')),
    },
    resultPath: '$.failure.message',
  });
  describeFailureFallback.next(formatFailure);

  const publishFailure = new tasks.SnsPublish(scope, States.failed, {
    topic: props.topic,
    comment: 'Tells the subscribers the run failed.',
    subject: at('$.failure.subject'),
    message: sfn.TaskInput.fromText(sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.failure.message'))),
    messagePerSubscriptionType: true,
    messageAttributes: {
      event: { value: at('$.failure.attributes.event') },
      boundary: { value: at('$.failure.attributes.boundary') },
      severity: { value: at('$.failure.attributes.severity') },
    },
    resultPath: sfn.JsonPath.DISCARD,
  });
  publishFailure.addRetry(publishRetry);

  const runFailed = new sfn.Fail(scope, States.fail, {
    comment: 'The run failed; the error of the failed state is the execution error.',
    errorPath: '$.error.Error',
    causePath: '$.error.Cause',
  });

  describeFailure.next(publishFailure);
  formatFailure.next(publishFailure);
  publishFailure.next(runFailed);
  const catchProps: sfn.CatchProps = { errors: [sfn.Errors.ALL], resultPath: '$.error' };
  for (const [name, s] of [[States.plan, plan], [States.compareShards, compareShards], [States.summarize, summarize], [States.publish, publish]] as const) {
    const named = new sfn.Pass(scope, failedAt(name), { comment: `Names the failed state for the notice.`, result: sfn.Result.fromString(name), resultPath: '$.failedState' });
    named.next(describeFailure);
    s.addCatch(named, catchProps);
  }

  // --- main chain ---------------------------------------------------------------------
  const settle = new sfn.Wait(scope, States.settle, {
    comment: 'Lets every file of one drop land before planning.',
    time: sfn.WaitTime.secondsPath('$.settleSeconds'),
  });
  const defaultSettle = new sfn.Pass(scope, ExtraStates.defaultSettleSeconds, {
    comment: 'Execution input had no usable settleSeconds: use the deployed default.',
    result: sfn.Result.fromNumber(props.settleSeconds),
    resultPath: '$.settleSeconds',
  });
  const hasSettle = new sfn.Choice(scope, ExtraStates.hasSettleSeconds, {
    comment: 'settleSeconds from the execution input when it is a non-negative number.',
  });
  // Rules are tried in order, so each only looks at a value the previous ones proved to
  // be there. `Not(IsPresent: true)` rather than `IsPresent: false`: same meaning in AWS,
  // and the local interpreter (aws-local-stepfunctions 3) only honours the positive form.
  const path = '$.settleSeconds';
  hasSettle
    .when(sfn.Condition.not(sfn.Condition.isPresent(path)), defaultSettle)
    .when(sfn.Condition.not(sfn.Condition.isNumeric(path)), defaultSettle)
    .when(sfn.Condition.numberLessThan(path, 0), defaultSettle)
    .otherwise(settle);
  defaultSettle.next(settle);
  settle.next(plan).next(compareShards).next(summarize).next(shouldPublish);
  return hasSettle;
}
