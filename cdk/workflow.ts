/**
 * The reconciliation state machine's definition (JSONPath ASL, Standard workflow).
 *
 * Data flow (every payload is a reference — S3 keys and shard numbers, never rows):
 *
 *   execution input  RunInput { boundary, trigger? } (lib/pipeline/trigger.ts startRun)
 *   InitDrop         Pass, $.drop = { polls: 0 }
 *   CheckDrop        Lambda plan, payload DropCheckInput { step: 'check', boundary, runId, polls };
 *                    result DropCheck in $.drop: run (this execution now holds the boundary's
 *                    lock), wait ($.drop.waitSeconds) or defer (another execution covers the drop)
 *   DropReady        Choice on $.drop.action: run → Plan, wait → Settle, else → Deferred (Succeed)
 *   Settle           Wait SecondsPath $.drop.waitSeconds → CheckDrop (the debounce loop)
 *   Plan             Lambda plan, payload PlanInput { boundary, runId = $$.Execution.Name, drop };
 *                    output = PlanOutput { boundary, runId, scopeKey, shards: [{ shard }] }
 *   CompareShards    inline Map over $.shards, MaxConcurrency; each item is
 *                    CompareInput { boundary, runId, scopeKey, shard } → CompareShard (Lambda
 *                    compare) → CompareOutput; the array lands in $.results, so the output is
 *                    PlanOutput & { results: CompareOutput[] }
 *   Summarize        Lambda summarize, payload SummarizeInput { boundary, runId, scopeKey, results };
 *                    output = SummarizeOutput { boundary, runId, reportKey, discrepancies, notification }
 *   PublishSummary   sns:publish { TopicArn, Subject.$, Message.$, MessageStructure: 'json' } from
 *                    $.notification; result discarded, so the execution output is SummarizeOutput
 *   ReleaseRun       Lambda plan { step: 'release', boundary, runId }: gives the lock back; result
 *                    discarded. (An execution's end, any status, also releases and starts a
 *                    follow-up run for what landed meanwhile: EventBridge → ingest → trigger.ts.)
 *
 *   retries: transient Lambda errors on every Lambda task (lambdaRetry); any other error of
 *   CompareShard (per shard, inside the Map) and Summarize twice more (taskRetry)
 *   on any error of Plan / CompareShards / Summarize / PublishSummary (Catch States.ALL,
 *   ResultPath $.error = { Error, Cause }):
 *   DescribeFailure  Pass → $.failure { subject, text, chat } (States.Format of the error)
 *   FormatFailure    Pass → $.failure.message { default, email, https } (https = the AWS Chatbot
 *                    custom notification as a JSON string, States.JsonToString)
 *   PublishFailure   sns:publish of $.failure.message with MessageStructure 'json'
 *   ReleaseAfterFailure  Lambda plan { step: 'release' } (errors caught: the end event releases too)
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
  initDrop: 'InitDrop',
  releaseSkipped: 'ReleaseLeftToRunEnd',
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
  [States.checkDrop]: 'plan',
  [States.plan]: 'plan',
  [States.release]: 'plan',
  [States.releaseAfterFailure]: 'plan',
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

/**
 * Any other failure of compare or summarize (a store error the SDK gave up on, a read that
 * timed out, a bug one run's data hits once): the whole task again, twice, after a backoff
 * of up to 30 s then 60 s (full jitter). Both tasks are idempotent: they overwrite their own
 * S3 objects and run item. It is the last retrier (ASL requires `States.ALL` to be alone and
 * last), so a transient Lambda error still gets its own, longer, retrier above and does not
 * fall through to this one. A failure that outlasts it fails the Map (a report without one
 * shard would be wrong) and reaches PublishFailure. See AWS, "Handling errors in Step Functions
 * workflows" (Retry: IntervalSeconds, MaxAttempts, BackoffRate, MaxDelaySeconds, JitterStrategy).
 */
export const taskRetry: sfn.RetryProps = {
  errors: [sfn.Errors.ALL],
  interval: Duration.seconds(30),
  maxAttempts: 2,
  backoffRate: 2,
  maxDelay: Duration.minutes(2),
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
    payload: sfn.TaskInput.fromObject({ boundary: at('$.boundary'), runId: at('$$.Execution.Name'), drop: sfn.JsonPath.objectAt('$.drop') }),
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
  compare.addRetry(taskRetry);

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
  summarize.addRetry(taskRetry);

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
  const quiet = new sfn.Pass(scope, ExtraStates.quiet, { comment: 'Nothing worth a message in this run (notify mode); the report is in S3.' });
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

  const releaseAfterFailure = releaseTask(scope, States.releaseAfterFailure, props.plan, 'Gives the boundary lock back after a failure (the end event releases it too).');
  releaseAfterFailure.addCatch(runFailed, { errors: [sfn.Errors.ALL], resultPath: sfn.JsonPath.DISCARD });
  describeFailure.next(publishFailure);
  formatFailure.next(publishFailure);
  publishFailure.next(releaseAfterFailure).next(runFailed);

  // --- main chain ---------------------------------------------------------------------
  // The wait loop (lib/pipeline/trigger.ts checkDrop): until the drop settled, or the longest wait.
  const initDrop = new sfn.Pass(scope, ExtraStates.initDrop, {
    comment: 'The wait loop starts: no check made yet.',
    result: sfn.Result.fromObject({ polls: 0 }),
    resultPath: '$.drop',
  });
  const checkDrop = new tasks.LambdaInvoke(scope, States.checkDrop, {
    lambdaFunction: props.plan,
    comment: 'Run, wait or defer: the drop settled (debounce, no file in flight) and the boundary lock is free (DropCheckInput → DropCheck).',
    payload: sfn.TaskInput.fromObject({ step: 'check', boundary: at('$.boundary'), runId: at('$$.Execution.Name'), polls: sfn.JsonPath.numberAt('$.drop.polls') }),
    retryOnServiceExceptions: false,
    resultSelector: {
      action: at('$.Payload.action'),
      waitSeconds: sfn.JsonPath.numberAt('$.Payload.waitSeconds'),
      polls: sfn.JsonPath.numberAt('$.Payload.polls'),
      waitedSeconds: sfn.JsonPath.numberAt('$.Payload.waitedSeconds'),
      waitedOut: at('$.Payload.waitedOut'),
      inFlight: sfn.JsonPath.numberAt('$.Payload.inFlight'),
      reason: at('$.Payload.reason'),
    },
    resultPath: '$.drop',
  });
  checkDrop.addRetry(lambdaRetry);
  const catchProps: sfn.CatchProps = { errors: [sfn.Errors.ALL], resultPath: '$.error' };
  for (const [name, s] of [[States.plan, plan], [States.compareShards, compareShards], [States.summarize, summarize], [States.publish, publish], [States.checkDrop, checkDrop]] as const) {
    const named = new sfn.Pass(scope, failedAt(name), { comment: `Names the failed state for the notice.`, result: sfn.Result.fromString(name), resultPath: '$.failedState' });
    named.next(describeFailure);
    s.addCatch(named, catchProps);
  }
  const settle = new sfn.Wait(scope, States.settle, {
    comment: 'Waits for the drop to settle (debounce) or for the files in flight, then checks again.',
    time: sfn.WaitTime.secondsPath('$.drop.waitSeconds'),
  });
  const deferred = new sfn.Succeed(scope, States.deferred, {
    comment: 'Another execution waits for this drop, or a run holds the lock: the drop stays pending and is theirs.',
  });
  const ready = new sfn.Choice(scope, States.dropReady, { comment: 'What CheckDrop decided.' });
  ready
    .when(sfn.Condition.stringEquals('$.drop.action', 'run'), plan)
    .when(sfn.Condition.stringEquals('$.drop.action', 'wait'), settle)
    .otherwise(deferred);
  settle.next(checkDrop);

  const releaseRun = releaseTask(scope, States.release, props.plan, 'Gives the boundary lock back; what landed meanwhile gets a follow-up run when the execution ends.');
  releaseRun.addCatch(new sfn.Succeed(scope, ExtraStates.releaseSkipped, { comment: 'The run succeeded; the execution end event releases the lock.' }), {
    errors: [sfn.Errors.ALL],
    resultPath: sfn.JsonPath.DISCARD,
  });
  plan.next(compareShards).next(summarize).next(shouldPublish);
  publish.next(releaseRun);
  quiet.next(releaseRun);
  return initDrop.next(checkDrop).next(ready);
}

/** A ReleaseRun-like task: the plan function with `step: "release"`, its result discarded. */
function releaseTask(scope: Construct, id: string, fn: lambda.IFunction, comment: string): tasks.LambdaInvoke {
  const t = new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: fn,
    comment,
    payload: sfn.TaskInput.fromObject({ step: 'release', boundary: sfn.JsonPath.stringAt('$.boundary'), runId: sfn.JsonPath.stringAt('$$.Execution.Name') }),
    retryOnServiceExceptions: false,
    resultPath: sfn.JsonPath.DISCARD,
  });
  t.addRetry(lambdaRetry);
  return t;
}
