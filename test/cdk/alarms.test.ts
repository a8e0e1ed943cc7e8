/**
 * Alarms that reach people, and the dashboard, as synthesized: every alarm with its metric,
 * threshold and window, all to the ops topic; the run-status rule (failed, timed-out and
 * aborted runs of this state machine) and its readable message; the topic key's policy for
 * CloudWatch, EventBridge and Chatbot; the dashboard's widgets and their metrics.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { FunctionNames } from '../../lib/pipeline/contracts.ts';
import { BOUNDARIES } from '../../lib/feeds/catalog.ts';
import { METRICS_NAMESPACE, MetricName } from '../../lib/pipeline/metrics.ts';
import { ALARM_SPECS, RUN_FAILURE_STATUSES } from '../../cdk/alarms.ts';
import { TOPIC_KEY_ACTIONS, TOPIC_KEY_SERVICES } from '../../cdk/ops-topic.ts';
import { OmsReconciliation, stubFunctionsDir } from '../../cdk/oms-reconciliation.ts';
import { createApp } from '../../cdk/stack.ts';
import { logicalIdOf, outdir, resourcesOf, synth, type Synthesized } from './helpers.ts';

/** `{ Ref: id }` / `{ Fn::GetAtt: [id, attr] }` of a construct's default resource. */
const ref = (s: Synthesized, c: unknown) => ({ Ref: logicalIdOf(s, c as never) });

describe('alarms to the ops topic', () => {
  let s: Synthesized;
  let alarms: Array<Record<string, any>>;
  beforeAll(() => {
    s = synth({ slack: { workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' } });
    alarms = Object.values(resourcesOf(s, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties);
  });

  /** The one alarm on `namespace`/`metric` whose dimension `name` is `value`. */
  function alarmOn(namespace: string, metric: string, dimension: { Name: string; Value: unknown }): Record<string, any> {
    const found = alarms.filter((a) => a.Namespace === namespace && a.MetricName === metric && JSON.stringify(a.Dimensions) === JSON.stringify([dimension]));
    expect(found, `${namespace} ${metric} ${JSON.stringify(dimension)}`).toHaveLength(1);
    return found[0];
  }
  function expectSpec(a: Record<string, any>, spec: (typeof ALARM_SPECS)[keyof typeof ALARM_SPECS], statistic: string) {
    expect(a).toMatchObject({
      Threshold: spec.threshold,
      Period: spec.period.toSeconds(),
      EvaluationPeriods: spec.evaluationPeriods,
      DatapointsToAlarm: spec.datapointsToAlarm,
      Statistic: statistic,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  }

  it('has the 14 alarms of the README, each sending ALARM and OK to the ops topic (and nowhere else)', () => {
    expect(alarms).toHaveLength(2 + 2 * FunctionNames.length + 2);
    const ops = ref(s, s.stack.recon.opsTopic);
    for (const a of alarms) {
      expect(a.AlarmActions).toEqual([ops]);
      expect(a.OKActions).toEqual([ops]);
      expect(a.AlarmDescription).toMatch(/^oms-recon: .* What to do: README, "Operating", alarm \w+\.$/);
    }
    // Each alarm named in the description is a section of the README's runbook
    const names = alarms.map((a) => /alarm (\w+)\.$/.exec(a.AlarmDescription)![1]).sort();
    expect(names).toEqual(Object.keys(s.stack.recon.alarms.alarms).sort());
  });

  it('alarms on a message in the ingest dead-letter queue (and in the delivery-failure queue)', () => {
    for (const q of [s.stack.recon.ingestDeadLetterQueue, s.stack.recon.deliveryFailureQueue]) {
      const a = alarmOn('AWS/SQS', 'ApproximateNumberOfMessagesVisible', { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(s, q), 'QueueName'] } });
      expectSpec(a, ALARM_SPECS.dlqDepth, 'Maximum');
    }
  });

  it('alarms on errors and throttles of each function (ingest: only sustained throttling)', () => {
    for (const name of FunctionNames) {
      const fn = { Name: 'FunctionName', Value: ref(s, s.stack.recon.functions[name]) };
      expectSpec(alarmOn('AWS/Lambda', 'Errors', fn), ALARM_SPECS.lambdaErrors, 'Sum');
      expectSpec(alarmOn('AWS/Lambda', 'Throttles', fn), name === 'ingest' ? ALARM_SPECS.ingestThrottles : ALARM_SPECS.lambdaThrottles, 'Sum');
    }
    expect(ALARM_SPECS.ingestThrottles.evaluationPeriods).toBeGreaterThan(1);
  });

  it('alarms on DynamoDB read and write throttles of the table', () => {
    const table = { Name: 'TableName', Value: ref(s, s.stack.recon.table) };
    expectSpec(alarmOn('AWS/DynamoDB', 'ReadThrottleEvents', table), ALARM_SPECS.tableThrottles, 'Sum');
    expectSpec(alarmOn('AWS/DynamoDB', 'WriteThrottleEvents', table), ALARM_SPECS.tableThrottles, 'Sum');
  });

  it('sends every FAILED, TIMED_OUT or ABORTED run of this state machine to the ops topic, as a short Chatbot notice', () => {
    const rule = s.json.Resources[logicalIdOf(s, s.stack.recon.alarms.runStatusRule)].Properties;
    expect(rule.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [ref(s, s.stack.recon.stateMachine)] },
    });
    expect(RUN_FAILURE_STATUSES).toEqual(['FAILED', 'TIMED_OUT', 'ABORTED']);
    expect(rule.State).toBe('ENABLED');
    expect(rule.Targets).toHaveLength(1);
    const target = rule.Targets[0];
    expect(target.Arn).toEqual(ref(s, s.stack.recon.opsTopic));
    expect(target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [logicalIdOf(s, s.stack.recon.deliveryFailureQueue), 'Arn'] } });
    const t = target.InputTransformer;
    expect(t.InputPathsMap).toMatchObject({ 'detail-name': '$.detail.name', 'detail-status': '$.detail.status', 'detail-executionArn': '$.detail.executionArn', time: '$.time' });
    // What EventBridge would send for a timed-out run: fill the template as EventBridge does
    const event: Record<string, string> = { 'detail-name': 'inventory-20261126T0600Z', 'detail-status': 'TIMED_OUT', 'detail-executionArn': 'arn:aws:states:eu-west-1:123456789012:execution:sm:inventory-20261126T0600Z', time: '2026-11-26T08:00:00Z', id: 'e-1' };
    // (a placeholder standing as a JSON value gets the value as JSON; inside a string, the text)
    const filled = String(t.InputTemplate)
      .replace(/(?<=[:[,])<([\w-]+)>/g, (_, k: string) => JSON.stringify(event[k]))
      .replace(/<([\w-]+)>/g, (_, k: string) => event[k] ?? `<${k}>`);
    const message = JSON.parse(filled);
    expect(message).toMatchObject({ version: '1.0', source: 'custom', content: { title: 'oms-recon run TIMED_OUT: inventory-20261126T0600Z' } });
    expect(message.content.description).toContain('Run inventory-20261126T0600Z ended TIMED_OUT at 2026-11-26T08:00:00Z.');
    expect(message.content.description).toContain('runId = inventory-20261126T0600Z');
    expect(message.content.description.length).toBeLessThan(600);
  });

  it('lets CloudWatch alarms and EventBridge publish to the ops topic, over TLS only', () => {
    s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [ref(s, s.stack.recon.opsTopic)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'cloudwatch.amazonaws.com' } }),
          Match.objectLike({ Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'events.amazonaws.com' } }),
        ]),
      },
    });
  });

  it('encrypts both topics with one customer-managed key, rotated, usable by CloudWatch, EventBridge and Chatbot', () => {
    const keyId = logicalIdOf(s, s.stack.recon.topicKey as never);
    const key = s.json.Resources[keyId].Properties;
    expect(key.EnableKeyRotation).toBe(true);
    for (const topic of [s.stack.recon.topic, s.stack.recon.opsTopic]) {
      expect(s.json.Resources[logicalIdOf(s, topic)].Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    }
    const statements = key.KeyPolicy.Statement as Array<Record<string, any>>;
    for (const { sid, service } of TOPIC_KEY_SERVICES) {
      const st = statements.find((x) => x.Sid === sid);
      expect(st, sid).toMatchObject({ Effect: 'Allow', Principal: { Service: service }, Action: [...TOPIC_KEY_ACTIONS], Resource: '*' });
    }
    expect(TOPIC_KEY_SERVICES.map((x) => x.service).sort()).toEqual(['chatbot.amazonaws.com', 'cloudwatch.amazonaws.com', 'events.amazonaws.com']);
    expect(TOPIC_KEY_ACTIONS).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    // The Slack channel gets both topics
    s.template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', { SnsTopicArns: [ref(s, s.stack.recon.topic), ref(s, s.stack.recon.opsTopic)] });
  });

  it('adds the statements to a key of the embedding app too, and reports an imported key it cannot change', () => {
    const app = createApp({ skipBundling: true, nag: false, appProps: { outdir } });
    const stack = new Stack(app, 'Embedding');
    const own = new kms.Key(stack, 'Own', { enableKeyRotation: true });
    const withOwn = new OmsReconciliation(stack, 'A', { topicKey: own, functionsDir: stubFunctionsDir() });
    const imported = new OmsReconciliation(stack, 'B', { topicKey: kms.Key.fromKeyArn(stack, 'Imported', 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555'), functionsDir: stubFunctionsDir() });
    expect(withOwn.topicKey).toBe(own);
    const policy = JSON.stringify((own.node.defaultChild as kms.CfnKey).keyPolicy);
    for (const { service } of TOPIC_KEY_SERVICES) expect(policy).toContain(service);
    expect(imported.node.children.some((c) => c.node.id === 'Ops')).toBe(true);
    expect((imported.node.findChild('Ops') as unknown as { keyPolicyExtended: boolean }).keyPolicyExtended).toBe(false);
    expect((withOwn.node.findChild('Ops') as unknown as { keyPolicyExtended: boolean }).keyPolicyExtended).toBe(true);
  });
});

describe('the dashboard', () => {
  let s: Synthesized;
  let widgets: Array<Record<string, any>>;
  let body: string;
  beforeAll(() => {
    s = synth();
    const dashboards = Object.values(resourcesOf(s, 'AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    // The body is a Fn::Join of text and tokens: put placeholders for the tokens, then parse it
    const parts = dashboards[0].Properties.DashboardBody['Fn::Join'][1] as unknown[];
    body = parts.map((p) => (typeof p === 'string' ? p : `TOKEN(${JSON.stringify(p).replace(/"/g, "'")})`)).join('');
    widgets = JSON.parse(body).widgets;
  });

  const titled = (title: string) => {
    const w = widgets.find((x) => x.properties?.title === title);
    expect(w, title).toBeDefined();
    return w!.properties as { metrics: unknown[][] };
  };
  /** `[namespace, metric, dim, value, …]` rows of a widget. */
  const rows = (title: string) => titled(title).metrics.filter((m) => typeof m[0] === 'string') as string[][];
  const expressions = (title: string) => titled(title).metrics.map((m) => (m[0] as { expression?: string }).expression).filter(Boolean) as string[];

  it('graphs ingest volume and rejects per boundary from the OmsRecon metrics of this deployment', () => {
    const service = s.stack.recon.serviceName;
    expect(service).toBe('OmsRecon/Recon');
    for (const [title, name] of [
      ['Ingest volume: rows read per boundary', MetricName.rowsRead],
      ['Rejected rows per boundary', MetricName.rowsRejected],
    ] as const) {
      const r = rows(title);
      expect(r.map((m) => m.slice(0, 6))).toEqual(BOUNDARIES.map((b) => [METRICS_NAMESPACE, name, 'boundary', b, 'service', service]));
    }
    expect(expressions('Rejected rows per feed and partner')).toEqual([`SEARCH('{OmsRecon,service,boundary,feed,partner} MetricName="RowsRejected" service="${service}"', 'Sum', 3600)`]);
  });

  it('graphs discrepancies per boundary and per type, money and units at risk per boundary', () => {
    const d = rows('Discrepancies per boundary (per run)').map((m) => `${m[1]} ${m[3]}`);
    for (const b of BOUNDARIES) expect(d).toEqual(expect.arrayContaining([`Discrepancies ${b}`, `NewDiscrepancies ${b}`]));
    expect(expressions('Discrepancies per type (per run)')[0]).toContain('{OmsRecon,service,boundary,type} MetricName="Discrepancies"');
    expect(expressions('Money at risk per boundary and currency (per run)')[0]).toContain('{OmsRecon,service,boundary,currency} MetricName="MoneyAtRisk"');
    expect(rows('Units at risk per boundary (per run)').map((m) => m[1])).toEqual(BOUNDARIES.map(() => MetricName.unitsAtRisk));
  });

  it('graphs run durations and the runs that failed, timed out or were aborted (Step Functions)', () => {
    const duration = rows('Run duration (plan to report) per boundary').map((m) => `${m[0]} ${m[1]}`);
    expect(duration).toEqual([...BOUNDARIES.map(() => 'OmsRecon RunDuration'), 'AWS/States ExecutionTime']);
    const runs = rows('Runs: started, succeeded, failed, timed out, aborted');
    expect(runs.map((m) => m[1])).toEqual(['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']);
    for (const m of runs) expect(m.slice(0, 3)).toEqual(['AWS/States', m[1], 'StateMachineArn']);
    expect(body).toContain(`TOKEN({'Ref':'${logicalIdOf(s, s.stack.recon.stateMachine)}'})`);
  });

  it('shows the alarms, Lambda errors and throttles, the queues and the table throttles', () => {
    const status = widgets.find((w) => w.type === 'alarm');
    expect(status!.properties.alarms).toHaveLength(Object.keys(s.stack.recon.alarms.alarms).length);
    expect(rows('Lambda errors and throttles').map((m) => m[1]).sort()).toEqual([...FunctionNames.map(() => 'Errors'), ...FunctionNames.map(() => 'Throttles')].sort());
    expect(rows('Dead-letter queues and DynamoDB throttles').map((m) => m[1])).toEqual(['ApproximateNumberOfMessagesVisible', 'ApproximateNumberOfMessagesVisible', 'ReadThrottleEvents', 'WriteThrottleEvents']);
  });

  it('gives each function its deployment as the Powertools service and the OmsRecon namespace', () => {
    for (const name of FunctionNames) {
      const vars = s.json.Resources[logicalIdOf(s, s.stack.recon.functions[name])].Properties.Environment.Variables;
      expect(vars).toMatchObject({ POWERTOOLS_SERVICE_NAME: s.stack.recon.serviceName, POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE });
    }
    expect(s.json.Outputs?.[Object.keys(s.json.Outputs!).find((k) => k.includes('DashboardUrl'))!]).toBeDefined();
  });
});
