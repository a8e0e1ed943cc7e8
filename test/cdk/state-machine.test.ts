import { beforeAll, describe, expect, it } from 'vitest';
import type { CompareInput, CompareOutput, DropCheck, DropCheckInput, PlanInput, PlanOutput, ReleaseInput, SummarizeInput, SummarizeOutput } from '../../lib/pipeline/contracts.ts';
import { States } from '../../lib/pipeline/contracts.ts';
import { forEachState, synthesizeDefinition, TASK_FUNCTIONS, type AslState, type SynthesizedDefinition } from '../../cdk/asl.ts';
import { ExtraStates, failedAt, LAMBDA_TRANSIENT_ERRORS, taskRetry } from '../../cdk/workflow.ts';
import { buildFailureNotice, type FailureInput } from '../../lib/notify/failure.ts';
import { aslValidator, polyfillWithResolvers } from './helpers.ts';

polyfillWithResolvers();
const { StateMachine } = await import('aws-local-stepfunctions');

type Handler = (input: any) => unknown;

/** Fake handlers that honour the contracts (shapes of contracts.ts) and record their inputs. */
function fakePipeline(opts: { failShard?: number; shards?: number; publish?: boolean; checks?: Array<DropCheck['action']> } = {}) {
  const calls = { plan: [] as PlanInput[], compare: [] as CompareInput[], summarize: [] as SummarizeInput[], publish: [] as any[], failure: [] as FailureInput[], check: [] as DropCheckInput[], release: [] as Array<{ state: string; input: ReleaseInput }> };
  const checks = [...(opts.checks ?? ['run'])];
  const handlers: Record<string, Handler> = {
    [States.checkDrop]: ({ Payload }: { Payload: DropCheckInput }) => {
      calls.check.push(Payload);
      const action = checks.shift() ?? 'run';
      const out: DropCheck = { action, waitSeconds: action === 'wait' ? 7 : 0, polls: (Payload.polls ?? 0) + 1, waitedSeconds: 0, waitedOut: false, inFlight: 0, reason: action };
      return { Payload: out };
    },
    [States.release]: ({ Payload }: { Payload: ReleaseInput }) => {
      calls.release.push({ state: States.release, input: Payload });
      return { Payload: { boundary: Payload.boundary, released: true, pending: false } };
    },
    [States.releaseAfterFailure]: ({ Payload }: { Payload: ReleaseInput }) => {
      calls.release.push({ state: States.releaseAfterFailure, input: Payload });
      return { Payload: { boundary: Payload.boundary, released: true, pending: false } };
    },
    [States.plan]: ({ Payload }: { Payload: PlanInput }) => {
      calls.plan.push(Payload);
      const out: PlanOutput & { rows?: unknown } = {
        boundary: Payload.boundary,
        runId: Payload.runId,
        scopeKey: `runs/${Payload.boundary}/${Payload.runId}/scope.json`,
        shards: Array.from({ length: opts.shards ?? 3 }, (_, shard) => ({ shard })),
        rows: ['never passed on'],
      };
      return { Payload: out };
    },
    [States.compare]: ({ Payload }: { Payload: CompareInput }) => {
      calls.compare.push(Payload);
      if (Payload.shard === opts.failShard) {
        const e = new Error('shard store unreadable');
        e.name = 'ReconError';
        throw e;
      }
      const out: CompareOutput = { shard: Payload.shard, resultKey: `runs/x/${Payload.shard}.json`, discrepancies: Payload.shard, left: 10, right: 11, matched: 9 };
      return { Payload: out };
    },
    [States.summarize]: ({ Payload }: { Payload: SummarizeInput }) => {
      calls.summarize.push(Payload);
      const out: SummarizeOutput = {
        boundary: Payload.boundary,
        runId: Payload.runId,
        reportKey: `reports/${Payload.boundary}/${Payload.runId}/report.json`,
        discrepancies: Payload.results.reduce((n, r) => n + r.discrepancies, 0),
        notification: { Subject: 'oms-recon inventory: 3 discrepancies', Message: JSON.stringify({ default: 'text', email: 'text', https: '{}' }), MessageStructure: 'json' },
        publish: opts.publish ?? true,
        attributes: { event: 'summary', boundary: Payload.boundary, severity: 'warning', new: '3', discrepancies: '3' },
      };
      return { Payload: out };
    },
    // The summarize function in its failure mode (the real notice builder).
    [ExtraStates.describeFailure]: ({ Payload }: { Payload: FailureInput }) => {
      calls.failure.push(Payload);
      return { Payload: buildFailureNotice(Payload) };
    },
    [States.publish]: (input: unknown) => {
      calls.publish.push({ state: States.publish, input });
      return { MessageId: 'm-1' };
    },
    [States.failed]: (input: unknown) => {
      calls.publish.push({ state: States.failed, input });
      return { MessageId: 'm-2' };
    },
  };
  return { calls, handlers };
}

const machines = new WeakMap<SynthesizedDefinition, InstanceType<typeof StateMachine>>();

async function run(s: SynthesizedDefinition, input: unknown, handlers: Record<string, Handler>, executionName = 'inventory-20261126T0600') {
  // Constructing validates the definition (slow): once per definition.
  let sm = machines.get(s);
  if (!sm) machines.set(s, (sm = new StateMachine(structuredClone(s.definition) as never)));
  const execution = sm.run(input as never, {
    overrides: { taskResourceLocalHandlers: handlers as never, waitTimeOverrides: { [States.settle]: 0 }, retryIntervalOverrides: { [States.plan]: 0, [States.compare]: 0, [States.summarize]: 0 } },
    context: { Execution: { Name: executionName, Id: `arn:aws:states:us-east-1:123456789012:execution:sm:${executionName}` } } as never,
  });
  const events: any[] = [];
  const collecting = (async () => {
    for await (const e of execution.eventLogs) events.push(e);
  })();
  let output: unknown;
  let error: any;
  try {
    output = await execution.result;
  } catch (e) {
    error = e;
  }
  await collecting;
  return { output, error, events };
}

describe('the synthesized state machine definition', () => {
  let s: SynthesizedDefinition;
  const states: Record<string, AslState> = {};
  beforeAll(() => {
    // Prepare
    s = synthesizeDefinition({ mapConcurrency: 5 });
    forEachState(s.definition, (name, state) => (states[name] = state));
  });

  it('is valid ASL for asl-validator', () => {
    // Act
    const result = aslValidator(structuredClone(s.definition));
    // Assess
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('holds every state named in contracts.ts, each of the expected type', () => {
    const expected: Record<string, string> = {
      [States.checkDrop]: 'Task',
      [States.dropReady]: 'Choice',
      [States.settle]: 'Wait',
      [States.deferred]: 'Succeed',
      [States.release]: 'Task',
      [States.releaseAfterFailure]: 'Task',
      [States.plan]: 'Task',
      [States.compareShards]: 'Map',
      [States.compare]: 'Task',
      [States.summarize]: 'Task',
      [States.publish]: 'Task',
      [States.failed]: 'Task',
      [States.fail]: 'Fail',
    };
    for (const [name, type] of Object.entries(expected)) expect(states[name]?.Type, name).toBe(type);
    expect(s.definition.StartAt).toBe(ExtraStates.initDrop);
  });

  it('maps each Lambda task to its function, with fake but well-formed ARNs', () => {
    expect(s.taskFunctions).toEqual(TASK_FUNCTIONS);
    for (const arn of Object.values(s.functionArns)) expect(arn).toMatch(/^arn:aws:lambda:us-east-1:123456789012:function:[A-Za-z0-9]+$/);
    expect(states[States.plan].Resource).toBe('arn:aws:states:::lambda:invoke');
    expect(s.topicArn).toMatch(/^arn:aws:sns:us-east-1:123456789012:/);
  });

  it('fans out with an inline Map over $.shards with the configured MaxConcurrency', () => {
    const map = states[States.compareShards];
    expect(map.ItemsPath).toBe('$.shards');
    expect(map.MaxConcurrency).toBe(5);
    expect(map.ItemProcessor?.StartAt).toBe(States.compare);
    expect((map.ItemProcessor as any).ProcessorConfig?.Mode ?? 'INLINE').toBe('INLINE');
    expect(map.ResultPath).toBe('$.results');
  });

  it('retries transient Lambda errors with backoff on every Lambda task', () => {
    for (const name of Object.keys(TASK_FUNCTIONS)) {
      const retry = (states[name].Retry as any[]) ?? [];
      expect(retry[0].ErrorEquals).toEqual(expect.arrayContaining([...LAMBDA_TRANSIENT_ERRORS, 'Lambda.TooManyRequestsException']));
      expect(retry[0].BackoffRate).toBeGreaterThan(1);
      expect(retry[0].MaxAttempts).toBeGreaterThanOrEqual(3);
    }
  });

  it('retries any other failure of compare and summarize with backoff and full jitter, in a last States.ALL retrier', () => {
    for (const name of [States.compare, States.summarize]) {
      const retry = (states[name].Retry as any[]) ?? [];
      expect(retry, name).toHaveLength(2);
      const last = retry[1];
      expect(last.ErrorEquals).toEqual(['States.ALL']);
      expect(last.MaxAttempts).toBeGreaterThanOrEqual(2);
      expect(last.IntervalSeconds).toBeGreaterThanOrEqual(10);
      expect(last.BackoffRate).toBeGreaterThan(1);
      expect(last.MaxDelaySeconds).toBeGreaterThanOrEqual(last.IntervalSeconds);
      expect(last.JitterStrategy).toBe('FULL');
    }
    expect(states[States.plan].Retry as any[]).toHaveLength(1);
  });

  it('catches every error of the main chain into the failure notification', () => {
    for (const name of [States.plan, States.compareShards, States.summarize, States.publish]) {
      expect(states[name].Catch, name).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: failedAt(name) }]);
      expect(states[failedAt(name)]).toMatchObject({ Type: 'Pass', Result: name, ResultPath: '$.failedState', Next: ExtraStates.describeFailure });
    }
    // The notice is built by the summarize function; if that fails, by intrinsics without the Cause.
    expect(states[ExtraStates.describeFailure].Next).toBe(States.failed);
    expect(states[ExtraStates.describeFailure].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.failureError', Next: ExtraStates.describeFailureFallback }]);
    expect(JSON.stringify(states[ExtraStates.describeFailureFallback].Parameters)).not.toContain('Cause');
    expect(states[States.failed].Next).toBe(States.releaseAfterFailure);
    expect(states[States.releaseAfterFailure].Next).toBe(States.fail);
    expect(states[States.publish].Next).toBe(States.release);
    expect(states[ExtraStates.quiet].Next).toBe(States.release);
    expect(states[States.release].End).toBe(true);
  });

  it('publishes the summary exactly as summarize built it', () => {
    expect(states[States.publish].Resource).toBe('arn:aws:states:::sns:publish');
    expect(states[States.publish].Parameters).toEqual({
      TopicArn: s.topicArn,
      'Subject.$': '$.notification.Subject',
      'Message.$': '$.notification.Message',
      MessageStructure: 'json',
      MessageAttributes: {
        event: { DataType: 'String', 'StringValue.$': '$.attributes.event' },
        boundary: { DataType: 'String', 'StringValue.$': '$.attributes.boundary' },
        severity: { DataType: 'String', 'StringValue.$': '$.attributes.severity' },
        new: { DataType: 'Number', 'StringValue.$': '$.attributes.new' },
        discrepancies: { DataType: 'Number', 'StringValue.$': '$.attributes.discrepancies' },
      },
    });
    expect(states[States.failed].Parameters).toMatchObject({
      TopicArn: s.topicArn, MessageStructure: 'json', 'Message.$': 'States.JsonToString($.failure.message)',
      MessageAttributes: { boundary: { DataType: 'String', 'StringValue.$': '$.failure.attributes.boundary' }, severity: { DataType: 'String', 'StringValue.$': '$.failure.attributes.severity' } },
    });
  });

  it('passes the execution name to plan as runId', () => {
    expect(states[States.plan].Parameters).toMatchObject({ Payload: { 'boundary.$': '$.boundary', 'runId.$': '$$.Execution.Name', 'drop.$': '$.drop' } });
  });

  it('loops CheckDrop → Settle (the wait it says) → CheckDrop until it says run or defer', () => {
    expect(states[States.checkDrop].Parameters).toMatchObject({ Payload: { step: 'check', 'boundary.$': '$.boundary', 'runId.$': '$$.Execution.Name', 'polls.$': '$.drop.polls' } });
    expect(states[States.checkDrop].Next).toBe(States.dropReady);
    expect(states[States.settle]).toMatchObject({ SecondsPath: '$.drop.waitSeconds', Next: States.checkDrop });
    expect(states[States.dropReady].Choices).toEqual([
      { Variable: '$.drop.action', StringEquals: 'run', Next: States.plan },
      { Variable: '$.drop.action', StringEquals: 'wait', Next: States.settle },
    ]);
    expect(states[States.dropReady].Default).toBe(States.deferred);
    for (const name of [States.release, States.releaseAfterFailure]) {
      expect(states[name].Parameters, name).toMatchObject({ Payload: { step: 'release', 'boundary.$': '$.boundary', 'runId.$': '$$.Execution.Name' } });
      expect(states[name].ResultPath, name).toBeNull();
    }
  });
});

describe('the definition run by aws-local-stepfunctions with contract-shaped handlers', () => {
  let s: SynthesizedDefinition;
  beforeAll(() => {
    s = synthesizeDefinition({});
  });

  it('runs plan → compare per shard → summarize → publish, passing references only', async () => {
    // Prepare
    const { calls, handlers } = fakePipeline({ shards: 3 });
    // Act
    const { output, error } = await run(s, { boundary: 'inventory', trigger: 'manual' }, handlers);
    // Assess
    expect(error).toBeUndefined();
    expect(calls.plan).toEqual([{ boundary: 'inventory', runId: 'inventory-20261126T0600', drop: expect.objectContaining({ action: 'run', polls: 1 }) }]);
    expect(calls.compare.map((c) => c.shard).sort()).toEqual([0, 1, 2]);
    expect(calls.compare[0]).toEqual({ boundary: 'inventory', runId: 'inventory-20261126T0600', scopeKey: 'runs/inventory/inventory-20261126T0600/scope.json', shard: calls.compare[0].shard });
    expect(calls.summarize[0].results.map((r) => r.shard)).toEqual([0, 1, 2]);
    expect(Object.keys(calls.summarize[0]).sort()).toEqual(['boundary', 'results', 'runId', 'scopeKey']);
    expect(calls.publish).toEqual([
      {
        state: States.publish,
        input: {
          TopicArn: s.topicArn, Subject: 'oms-recon inventory: 3 discrepancies', Message: JSON.stringify({ default: 'text', email: 'text', https: '{}' }), MessageStructure: 'json',
          MessageAttributes: {
            event: { DataType: 'String', StringValue: 'summary' },
            boundary: { DataType: 'String', StringValue: 'inventory' },
            severity: { DataType: 'String', StringValue: 'warning' },
            new: { DataType: 'Number', StringValue: '3' },
            discrepancies: { DataType: 'Number', StringValue: '3' },
          },
        },
      },
    ]);
    expect(output).toEqual({
      boundary: 'inventory',
      runId: 'inventory-20261126T0600',
      reportKey: 'reports/inventory/inventory-20261126T0600/report.json',
      discrepancies: 3,
      notification: expect.objectContaining({ MessageStructure: 'json' }),
      publish: true,
      attributes: expect.objectContaining({ boundary: 'inventory' }),
    });
  });

  it('does not publish when summarize says the run is not worth a message, and succeeds', async () => {
    // Prepare
    const { calls, handlers } = fakePipeline({ publish: false });
    // Act
    const { output, error, events } = await run(s, { boundary: 'inventory' }, handlers);
    // Assess
    expect(error).toBeUndefined();
    expect(calls.summarize).toHaveLength(1);
    expect(calls.publish).toEqual([]);
    expect(events.some((e) => e.type === 'StateEntered' && e.state.name === ExtraStates.quiet)).toBe(true);
    expect(output).toMatchObject({ boundary: 'inventory', publish: false });
  });

  it('waits in the Settle loop as long as CheckDrop says wait, then plans once', async () => {
    // Prepare: the drop settles on the third check
    const { calls, handlers } = fakePipeline({ checks: ['wait', 'wait', 'run'] });
    // Act
    const { events, error } = await run(s, { boundary: 'intake', trigger: 'ingest' }, handlers);
    // Assess
    expect(error).toBeUndefined();
    expect(calls.check.map((c) => c.polls)).toEqual([0, 1, 2]);
    expect(calls.check[0]).toEqual({ step: 'check', boundary: 'intake', runId: 'inventory-20261126T0600', polls: 0 });
    const settles = events.filter((e) => e.type === 'StateEntered' && e.state.name === States.settle);
    expect(settles.map((e) => e.state.input.drop.waitSeconds)).toEqual([7, 7]);
    expect(calls.plan).toHaveLength(1);
    expect(calls.plan[0].drop).toMatchObject({ action: 'run', polls: 3 });
    expect(calls.release).toEqual([{ state: States.release, input: { step: 'release', boundary: 'intake', runId: 'inventory-20261126T0600' } }]);
  });

  it('ends without planning or publishing when CheckDrop defers', async () => {
    const { calls, handlers } = fakePipeline({ checks: ['wait', 'defer'] });
    const { output, error, events } = await run(s, { boundary: 'intake', trigger: 'schedule' }, handlers);
    expect(error).toBeUndefined();
    expect(calls.plan).toEqual([]);
    expect(calls.publish).toEqual([]);
    expect(calls.release).toEqual([]);
    expect(events.some((e) => e.type === 'StateEntered' && e.state.name === States.deferred)).toBe(true);
    expect(output).toMatchObject({ boundary: 'intake', drop: { action: 'defer' } });
  });

  it('retries a throttled plan invocation', async () => {
    const { calls, handlers } = fakePipeline();
    let throttled = false;
    const plan = handlers[States.plan];
    handlers[States.plan] = (input) => {
      if (!throttled) {
        throttled = true;
        const e = new Error('Rate exceeded');
        e.name = 'Lambda.TooManyRequestsException';
        throw e;
      }
      return plan(input);
    };
    const { error } = await run(s, { boundary: 'financial' }, handlers);
    expect(error).toBeUndefined();
    expect(calls.plan).toHaveLength(1);
    expect(calls.publish.map((p) => p.state)).toEqual([States.publish]);
  });

  it('completes the run when a shard fails once and then succeeds', async () => {
    // Prepare: shard 1 fails on its first attempt only
    const { calls, handlers } = fakePipeline();
    const compare = handlers[States.compare];
    let failures = 0;
    handlers[States.compare] = (input: { Payload: CompareInput }) => {
      if (input.Payload.shard === 1 && failures === 0) {
        failures++;
        calls.compare.push(input.Payload);
        const e = new Error('shard store unreadable');
        e.name = 'ReconError';
        throw e;
      }
      return compare(input);
    };
    // Act
    const { output, error } = await run(s, { boundary: 'inventory' }, handlers, 'inventory-retry-1');
    // Assess: shard 1 ran twice, the others once; every shard's result reached summarize
    expect(error).toBeUndefined();
    expect(calls.compare.filter((c) => c.shard === 1)).toHaveLength(2);
    expect(calls.compare).toHaveLength(4);
    expect(calls.summarize).toHaveLength(1);
    expect(calls.summarize[0].results.map((r) => r.shard)).toEqual([0, 1, 2]);
    expect((output as SummarizeOutput).discrepancies).toBe(0 + 1 + 2);
    expect(calls.publish.map((p) => p.state)).toEqual([States.publish]);
  });

  it('retries a failing summarize, and sends the failure notice when it keeps failing', async () => {
    // Prepare
    const { calls, handlers } = fakePipeline();
    handlers[States.summarize] = ({ Payload }: { Payload: SummarizeInput }) => {
      calls.summarize.push(Payload);
      const e = new Error('cannot write the report');
      e.name = 'ReconError';
      throw e;
    };
    // Act
    const { error } = await run(s, { boundary: 'financial' }, handlers, 'financial-summarize-broken');
    // Assess: the first try and the retrier's attempts, then the failure notice
    const attempts = 1 + taskRetry.maxAttempts!;
    expect(error).toBeDefined();
    expect(calls.summarize).toHaveLength(attempts);
    expect(calls.publish.map((p) => p.state)).toEqual([States.failed]);
    expect(calls.publish[0].input.Message).toContain('cannot write the report');
  });

  it('publishes a failure notice and fails the run when a shard fails', async () => {
    // Prepare
    const { calls, handlers } = fakePipeline({ failShard: 1 });
    // Act
    const { error } = await run(s, { boundary: 'fulfillment' }, handlers, 'fulfillment-manual-1');
    // Assess
    expect(error).toBeDefined();
    expect(String(error.message)).toContain('shard store unreadable');
    // the failing shard was tried again (the retrier's attempts) before the run gave up
    expect(calls.compare.filter((c) => c.shard === 1)).toHaveLength(1 + taskRetry.maxAttempts!);
    expect(calls.summarize).toEqual([]);
    expect(calls.release.map((r) => r.state)).toEqual([States.releaseAfterFailure]);
    expect(calls.publish).toHaveLength(1);
    const published = calls.publish[0];
    expect(published.state).toBe(States.failed);
    expect(published.input.Subject).toBe('oms-recon: fulfillment run failed');
    expect(published.input.Subject.length).toBeLessThan(100);
    expect(published.input.MessageStructure).toBe('json');
    expect(published.input.TopicArn).toBe(s.topicArn);
    expect(published.input.MessageAttributes).toEqual({
      event: { DataType: 'String', StringValue: 'failure' },
      boundary: { DataType: 'String', StringValue: 'fulfillment' },
      severity: { DataType: 'String', StringValue: 'error' },
    });
    // The notice names the state, the error and the run.
    expect(calls.failure).toEqual([{ failure: expect.objectContaining({ boundary: 'fulfillment', state: States.compareShards, execution: 'fulfillment-manual-1', error: expect.objectContaining({ Error: 'ReconError' }) }) }]);
    // aws-local-stepfunctions 3 strips backslashes from intrinsic results, so the nested
    // JSON of Message is only well-formed on AWS; the pieces are there either way.
    expect(published.input.Message).toContain('The oms-recon fulfillment run fulfillment-manual-1 failed.');
    expect(published.input.Message).toContain('Failed: CompareShards');
    expect(published.input.Message).toContain('Reason: shard store unreadable');
    expect(published.input.Message).toContain('textType');
  });

  it('still sends a notice, without the Cause, when the failure notice cannot be built', async () => {
    // Prepare: the shard fails, and so does the function that describes the failure
    const { calls, handlers } = fakePipeline({ failShard: 0 });
    handlers[ExtraStates.describeFailure] = () => {
      throw Object.assign(new Error('Runtime exited'), { name: 'Runtime.ExitError' });
    };
    // Act
    const { error } = await run(s, { boundary: 'intake' }, handlers, 'intake-manual-2');
    // Assess
    expect(error).toBeDefined();
    expect(calls.publish.map((p) => p.state)).toEqual([States.failed]);
    const { input } = calls.publish[0];
    expect(input.Subject).toBe('oms-recon: intake run failed');
    expect(input.Message).toContain('The oms-recon intake run intake-manual-2 failed in CompareShards. Error: ReconError.');
    expect(input.Message).not.toContain('shard store unreadable');
    expect(input.MessageAttributes.severity).toEqual({ DataType: 'String', StringValue: 'error' });
  });
});
