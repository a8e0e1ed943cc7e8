import { beforeAll, describe, expect, it } from 'vitest';
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Env, FunctionNames, Prefix } from '../../lib/pipeline/contracts.ts';
import { readSettings } from '../../lib/pipeline/env.ts';
import { BOUNDARIES } from '../../lib/feeds/catalog.ts';
import { DEFAULTS, OmsReconciliation, stubFunctionsDir } from '../../cdk/oms-reconciliation.ts';
import { createApp } from '../../cdk/stack.ts';
import { logicalIdOf, outdir, resourcesOf, synth, type Synthesized } from './helpers.ts';

const ROLE = 'arn:aws:iam::123456789012:role/uploader';
/** The schedule rules (the construct's other rules: the run-status rule of test/cdk/alarms.test.ts, and the sweep that resumes stuck ingests). */
function scheduleRules(s: Synthesized): any[] {
  const runStatus = logicalIdOf(s, s.stack.recon.alarms.runStatusRule);
  return Object.entries(resourcesOf(s, 'AWS::Events::Rule'))
    .filter(([id, r]) => id !== runStatus && r.Properties.ScheduleExpression && JSON.parse(r.Properties.Targets[0].Input ?? '{}').boundary !== undefined)
    .map(([, r]) => r);
}
/** The rule that hands each execution's end to the run trigger. */
function runEndedRule(s: Synthesized): any {
  return s.json.Resources[logicalIdOf(s, s.stack.recon.runEndedRule)];
}
const COMMON_ENV = [Env.TABLE_NAME, Env.BUCKET_NAME, Env.SHARDS, Env.RECON_CONFIG, Env.RETENTION_DAYS];

describe('OmsReconciliation with defaults', () => {
  let s: Synthesized;
  let bucketId: string;
  beforeAll(() => {
    // Prepare
    s = synth();
    bucketId = logicalIdOf(s, s.stack.recon.bucket);
  });

  it('notifies ingest of every object created under inbound/ and nothing else', () => {
    // Act
    const notifications = Object.values(resourcesOf(s, 'Custom::S3BucketNotifications'));
    // Assess
    expect(notifications).toHaveLength(1);
    const config = notifications[0].Properties.NotificationConfiguration;
    expect(notifications[0].Properties.BucketName).toEqual({ Ref: bucketId });
    expect(config.LambdaFunctionConfigurations).toEqual([
      {
        Events: ['s3:ObjectCreated:*'],
        Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: Prefix.inbound }] } },
        LambdaFunctionArn: { 'Fn::GetAtt': [logicalIdOf(s, s.stack.recon.functions.ingest), 'Arn'] },
      },
    ]);
    expect(config.QueueConfigurations ?? []).toEqual([]);
  });

  it('blocks public access, versions, encrypts and logs the bucket, with lifecycle rules per prefix', () => {
    const props = s.json.Resources[bucketId].Properties;
    expect(props.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(props.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(props.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    expect(props.LoggingConfiguration.DestinationBucketName).toEqual({ Ref: logicalIdOf(s, s.stack.recon.accessLogBucket) });
    const rules = props.LifecycleConfiguration.Rules as Array<Record<string, any>>;
    // Each prefix: its objects, and their old versions, expire
    const byPrefix = Object.fromEntries(rules.filter((r) => r.Prefix).map((r) => [r.Prefix, [r.ExpirationInDays, r.NoncurrentVersionExpiration?.NoncurrentDays, r.Status]]));
    expect(byPrefix).toEqual({
      [Prefix.inbound]: [DEFAULTS.inboundRetentionDays, DEFAULTS.inboundRetentionDays, 'Enabled'],
      [Prefix.rejected]: [DEFAULTS.retentionDays, DEFAULTS.retentionDays, 'Enabled'],
      [Prefix.runs]: [DEFAULTS.retentionDays, DEFAULTS.retentionDays, 'Enabled'],
      [Prefix.state]: [DEFAULTS.retentionDays, DEFAULTS.retentionDays, 'Enabled'],
      [Prefix.reports]: [DEFAULTS.reportRetentionDays, DEFAULTS.retentionDays, 'Enabled'],
    });
    expect(DEFAULTS.inboundRetentionDays).toBe(35);
    // No bucket-wide rule expires anything sooner than a prefix's own rule says
    expect(rules.filter((r) => !r.Prefix && (r.ExpirationInDays || r.NoncurrentVersionExpiration))).toEqual([]);
  });

  it('denies every non-TLS request to both buckets', () => {
    const policies = Object.values(resourcesOf(s, 'AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(2);
    for (const p of policies) {
      expect(p.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
    const logBucket = s.json.Resources[logicalIdOf(s, s.stack.recon.accessLogBucket)].Properties;
    expect(logBucket.PublicAccessBlockConfiguration.RestrictPublicBuckets).toBe(true);
  });

  it('keeps pk/sk strings on demand, with point-in-time recovery off by default, TTL on ttl and encryption', () => {
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      SSESpecification: { SSEEnabled: true },
    });
    s.template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
  });

  it('runs every function on Node.js 22+ arm64 with the environment of contracts.ts', () => {
    const fns = s.stack.recon.functions;
    for (const name of FunctionNames) {
      const props = s.json.Resources[logicalIdOf(s, fns[name])].Properties;
      const version = Number(/^nodejs(\d+)\.x$/.exec(props.Runtime)?.[1]);
      expect(version, `${name} runtime ${props.Runtime}`).toBeGreaterThanOrEqual(22);
      expect(props.Architectures).toEqual(['arm64']);
      expect(props.Handler).toBe('index.handler');
      const vars = Object.keys(props.Environment.Variables);
      expect(vars, name).toEqual(expect.arrayContaining(COMMON_ENV));
      expect(vars.includes(Env.STATE_MACHINE_ARN), `${name} STATE_MACHINE_ARN`).toBe(name === 'ingest');
      // The run trigger: the wait loop (CheckDrop) runs in plan.
      expect(props.Environment.Variables[Env.DEBOUNCE_SECONDS], `${name} DEBOUNCE_SECONDS`).toBe(name === 'plan' ? String(DEFAULTS.debounceSeconds) : undefined);
      expect(props.Environment.Variables[Env.MAX_WAIT_SECONDS], `${name} MAX_WAIT_SECONDS`).toBe(name === 'plan' ? String(DEFAULTS.maxWaitSeconds) : undefined);
      // No link base by default: summarize pre-signs a link to report.html, valid 7 days.
      expect(vars.includes(Env.REPORT_LINK_BASE), `${name} REPORT_LINK_BASE`).toBe(false);
      expect(props.Environment.Variables[Env.REPORT_LINK_EXPIRES], `${name} REPORT_LINK_EXPIRES`).toBe(name === 'summarize' ? '604800' : undefined);
      expect(props.Environment.Variables[Env.SHARDS]).toBe(String(DEFAULTS.shards));
      expect(props.Environment.Variables[Env.RECON_CONFIG]).toBe('{}');
    }
    expect(Object.keys(resourcesOf(s, 'AWS::Lambda::Function')).filter((id) => !id.startsWith('BucketNotificationsHandler'))).toHaveLength(4);
  });

  it('gives each function exactly the actions its handler calls, no wildcard action', () => {
    // Prepare: every statement of each function's role, as "actions on resource kind"
    const statementsOf = (name: (typeof FunctionNames)[number]) => {
      const roleId = logicalIdOf(s, s.stack.recon.functions[name].role as never);
      const policies = Object.values(resourcesOf(s, 'AWS::IAM::Policy')).filter((x) => x.Properties.Roles.some((r: any) => r.Ref === roleId));
      expect(s.json.Resources[roleId].Properties.ManagedPolicyArns, `${name} managed policies`).toBeUndefined();
      return policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Effect: string }>);
    };
    const actionsOf = (name: (typeof FunctionNames)[number]) => statementsOf(name).flatMap((st) => [st.Action].flat()).sort();
    const common = ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
    // Act + Assess (lib/pipeline/ingest.ts, compare.ts and lib/store: what each one sends)
    expect(actionsOf('ingest')).toEqual(
      [...common, 'dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'lambda:InvokeFunction', 's3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 'sqs:SendMessage', 'states:StartExecution'].sort(),
    );
    // plan also runs CheckDrop / ReleaseRun: the trigger item (GetItem, UpdateItem).
    expect(actionsOf('plan')).toEqual([...common, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 's3:PutObject'].sort());
    // compare lists the parts of a chunked file's confirmation set (state/), so it may list its read prefixes
    expect(actionsOf('compare')).toEqual([...common, 'dynamodb:Query', 's3:GetObject', 's3:ListBucket', 's3:PutObject'].sort());
    const compareList = statementsOf('compare').find((st) => [st.Action].flat().includes('s3:ListBucket')) as any;
    expect(compareList.Condition).toEqual({ StringLike: { 's3:prefix': ['runs/*', 'state/*'] } });
    expect(actionsOf('summarize')).toEqual([...common, 'dynamodb:PutItem', 'dynamodb:Query', 's3:AbortMultipartUpload', 's3:GetObject', 's3:ListBucket', 's3:PutObject'].sort());
    // summarize lists only the prefixes it reads (so a missing object is a 404 it can tell from a denied read)
    const list = statementsOf('summarize').find((st) => [st.Action].flat().includes('s3:ListBucket')) as any;
    expect(list.Condition).toEqual({ StringLike: { 's3:prefix': ['runs/*', 'rejected/*', 'reports/*'] } });
    for (const name of FunctionNames) {
      for (const st of statementsOf(name)) {
        expect(st.Effect).toBe('Allow');
        for (const a of [st.Action].flat()) expect(a, `${name}: ${a}`).not.toContain('*');
      }
    }
  });

  it('gives each function only its own prefixes and no table scan', () => {
    const policyOf = (name: (typeof FunctionNames)[number]) => {
      const roleId = logicalIdOf(s, s.stack.recon.functions[name].role as never);
      const p = Object.values(resourcesOf(s, 'AWS::IAM::Policy')).find((x) => x.Properties.Roles.some((r: any) => r.Ref === roleId));
      return JSON.stringify(p.Properties.PolicyDocument);
    };
    const objectsOf = (doc: string) => [...doc.matchAll(/"\/([a-z]+\/)\*"/g)].map((m) => m[1]).sort();
    // state/: the confirmation sets of snapshot files (ingest writes them, compare reads them).
    expect(objectsOf(policyOf('ingest'))).toEqual([Prefix.inbound, Prefix.rejected, Prefix.state]);
    expect(objectsOf(policyOf('plan'))).toEqual([Prefix.runs]);
    expect(objectsOf(policyOf('compare'))).toEqual([Prefix.runs, Prefix.runs, Prefix.state]);
    // reports/ read and write: it writes the report and signs the link to it.
    expect(objectsOf(policyOf('summarize'))).toEqual([Prefix.rejected, Prefix.reports, Prefix.reports, Prefix.runs, Prefix.runs]);
    for (const name of FunctionNames) {
      expect(policyOf(name)).not.toContain('dynamodb:Scan');
      expect(policyOf(name)).not.toContain('s3:*');
    }
    expect(policyOf('compare')).not.toContain('dynamodb:PutItem');
    expect(policyOf('compare')).not.toContain('dynamodb:BatchWriteItem');
    expect(policyOf('plan')).toContain('dynamodb:PutItem');
    expect(policyOf('ingest')).toContain('states:StartExecution');
    expect(policyOf('plan')).not.toContain('states:StartExecution');
  });

  it('sends ingest failures to an SSL-only, encrypted dead-letter queue', () => {
    const queueId = logicalIdOf(s, s.stack.recon.ingestDeadLetterQueue);
    s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalIdOf(s, s.stack.recon.functions.ingest) },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
      MaximumRetryAttempts: 2,
    });
    expect(s.json.Resources[queueId].Properties.SqsManagedSseEnabled).toBe(true);
    s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('encrypts the topic and allows publishing over TLS only', () => {
    const topicId = logicalIdOf(s, s.stack.recon.topic);
    // The construct's customer-managed key (aws/sns takes no alarms: test/cdk/alarms.test.ts)
    expect(s.json.Resources[topicId].Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [logicalIdOf(s, s.stack.recon.topicKey as never), 'Arn'] });
    s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] },
    });
    s.template.resourceCountIs('AWS::SNS::Subscription', 0);
    s.template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
  });

  it('lets ingest invoke itself only (its continuations), and resumes stuck ingests every 15 minutes', () => {
    const ingestId = logicalIdOf(s, s.stack.recon.functions.ingest);
    const roleId = logicalIdOf(s, s.stack.recon.functions.ingest.role as never);
    const invoke = Object.values(resourcesOf(s, 'AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((st: any) => [st.Action].flat().includes('lambda:InvokeFunction'));
    expect(invoke).toEqual([{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [ingestId, 'Arn'] } }]);
    const sweeps = Object.values(resourcesOf(s, 'AWS::Events::Rule')).filter((r) => r.Properties.Targets[0].Arn?.['Fn::GetAtt']?.[0] === ingestId && r.Properties.Targets[0].Input?.includes('resumeStuckIngests'));
    expect(sweeps.map((r) => [r.Properties.ScheduleExpression, JSON.parse(r.Properties.Targets[0].Input)])).toEqual([['rate(15 minutes)', { resumeStuckIngests: {} }]]);
  });

  it('gives the state machine no wildcard action, and lets only its rules invoke the run trigger', () => {
    const roleIds = [logicalIdOf(s, s.stack.recon.stateMachine.role as never)];
    const policies = Object.values(resourcesOf(s, 'AWS::IAM::Policy')).filter((p) => p.Properties.Roles.some((r: any) => roleIds.includes(r.Ref)));
    expect(policies.length).toBeGreaterThanOrEqual(1);
    const actions = policies.flatMap((p) => p.Properties.PolicyDocument.Statement.flatMap((st: any) => [st.Action].flat()));
    expect(actions).toContain('lambda:InvokeFunction');
    expect(actions.filter((a: string) => a.includes('*'))).toEqual([]);
    // The rules invoke the ingest function (the run trigger) through its resource policy, each rule by its ARN.
    const rules = Object.keys(resourcesOf(s, 'AWS::Events::Rule')).filter((id) => id !== logicalIdOf(s, s.stack.recon.alarms.runStatusRule));
    const ingestId = logicalIdOf(s, s.stack.recon.functions.ingest);
    const permissions = Object.values(resourcesOf(s, 'AWS::Lambda::Permission')).filter((p) => p.Properties.Principal === 'events.amazonaws.com');
    expect(permissions.map((p) => p.Properties.SourceArn['Fn::GetAtt'][0]).sort()).toEqual([...rules].sort());
    for (const p of permissions) expect(p.Properties).toMatchObject({ Action: 'lambda:InvokeFunction', FunctionName: { 'Fn::GetAtt': [ingestId, 'Arn'] } });
  });

  it('logs state machine errors without execution data, and traces with X-Ray', () => {
    s.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ERROR', IncludeExecutionData: false, Destinations: [Match.anyValue()] },
    });
  });

  it('reserves 10 concurrent executions for ingest, and none for the other functions', () => {
    const fns = s.stack.recon.functions;
    expect(s.json.Resources[logicalIdOf(s, fns.ingest)].Properties.ReservedConcurrentExecutions).toBe(10);
    for (const name of ['plan', 'compare', 'summarize'] as const) {
      expect(s.json.Resources[logicalIdOf(s, fns[name])].Properties.ReservedConcurrentExecutions, name).toBeUndefined();
    }
  });

  it('keeps undeliverable schedule and run-end events in an encrypted, TLS-only dead-letter queue', () => {
    const queueId = logicalIdOf(s, s.stack.recon.deliveryFailureQueue);
    expect(scheduleRules(s)).toHaveLength(BOUNDARIES.length);
    const rules = [...scheduleRules(s), runEndedRule(s)];
    for (const r of rules) expect(r.Properties.Targets[0].DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } });
    expect(s.json.Resources[queueId].Properties.SqsManagedSseEnabled).toBe(true);
    s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Action: 'sqs:SendMessage', Principal: { Service: 'events.amazonaws.com' } }),
        ]),
      },
    });
  });

  it('schedules each boundary through the run trigger (the ingest function), with the schedule input', () => {
    const rules = scheduleRules(s);
    const inputs = rules.map((r) => {
      expect(r.Properties.ScheduleExpression).toBe(DEFAULTS.schedule);
      expect(r.Properties.Targets[0].Arn).toEqual({ 'Fn::GetAtt': [logicalIdOf(s, s.stack.recon.functions.ingest), 'Arn'] });
      return JSON.parse(r.Properties.Targets[0].Input);
    });
    expect(inputs.sort((a, b) => a.boundary.localeCompare(b.boundary))).toEqual(
      [...BOUNDARIES].sort().map((boundary) => ({ boundary, trigger: 'schedule' })),
    );
  });

  it("hands each execution's end (any final status) to the run trigger, to release the lock and start a follow-up", () => {
    const ended = [runEndedRule(s)];
    expect(ended[0].Properties.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { stateMachineArn: [{ Ref: logicalIdOf(s, s.stack.recon.stateMachine) }], status: ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] },
    });
    expect(ended[0].Properties.Targets[0].Arn).toEqual({ 'Fn::GetAtt': [logicalIdOf(s, s.stack.recon.functions.ingest), 'Arn'] });
    expect(ended[0].Properties.Targets[0].Input).toBeUndefined();
  });

  it('outputs the bucket, inbound prefix, topic, state machine and table', () => {
    const outputs = Object.values(s.json.Outputs ?? {}).map((o) => o.Value);
    expect(outputs).toEqual(
      expect.arrayContaining([
        { Ref: logicalIdOf(s, s.stack.recon.bucket) },
        Prefix.inbound,
        { Ref: logicalIdOf(s, s.stack.recon.topic) },
        { Ref: logicalIdOf(s, s.stack.recon.stateMachine) },
        { Ref: logicalIdOf(s, s.stack.recon.table) },
      ]),
    );
  });

  it('has no reference cycle between resources (ingest → state machine → functions)', () => {
    // Prepare: edges from each resource to the resources it references
    const ids = new Set(Object.keys(s.json.Resources));
    const edges = new Map<string, Set<string>>();
    const collect = (v: unknown, out: Set<string>) => {
      if (Array.isArray(v)) v.forEach((x) => collect(x, out));
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === 'Ref' && typeof x === 'string' && ids.has(x)) out.add(x);
          else if (k === 'Fn::GetAtt' && Array.isArray(x) && ids.has(x[0])) out.add(x[0]);
          else collect(x, out);
        }
      }
    };
    for (const [id, r] of Object.entries(s.json.Resources)) {
      const out = new Set<string>();
      collect(r.Properties, out);
      for (const d of [r.DependsOn ?? []].flat()) out.add(d);
      edges.set(id, out);
    }
    // Act: depth-first search for a back edge
    const state = new Map<string, 'visiting' | 'done'>();
    const cycle: string[] = [];
    const visit = (id: string, path: string[]): boolean => {
      if (state.get(id) === 'done') return false;
      if (state.get(id) === 'visiting') {
        cycle.push(...path, id);
        return true;
      }
      state.set(id, 'visiting');
      for (const n of edges.get(id) ?? []) if (visit(n, [...path, id])) return true;
      state.set(id, 'done');
      return false;
    };
    const found = [...ids].some((id) => visit(id, []));
    // Assess
    expect(found, cycle.join(' → ')).toBe(false);
    expect([...edges.get(logicalIdOf(s, s.stack.recon.functions.ingest))!]).toContain(logicalIdOf(s, s.stack.recon.stateMachine));
    expect([...edges.get(logicalIdOf(s, s.stack.recon.stateMachine))!]).not.toContain(logicalIdOf(s, s.stack.recon.functions.ingest));
  });
});

describe('OmsReconciliation with options', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth({
      alertEmails: ['ops@example.com', 'finance@example.com'],
      slack: { workspaceId: 'T0123ABCD', channelId: 'C0123ABCD', channelName: 'recon-alerts' },
      schedule: 'rate(1 hour)',
      boundaries: ['inventory'],
      shards: 32,
      mapConcurrency: 4,
      reconConfig: { tolerances: { inventory: '2' } },
      reportLinkExpiry: Duration.hours(12),
      reportLinkBase: 'https://reports.example.com/',
      partners: [
        { name: 'shopify', feeds: ['channel-orders'], channels: ['shopify'], principal: '111122223333', externalId: 'shopify-ext-1' },
        { name: 'dal-3pl', feeds: ['shipments', 'warehouse-inventory'], facilities: ['DAL1', 'DAL2'], principal: 'arn:aws:iam::123456789012:role/dal-3pl-upload' },
      ],
      unboundFiles: 'reject',
      inboundRetentionDays: 7,
      retentionDays: 50,
      workflowLogLevel: 'ALL',
      workflowLogExecutionData: true,
      ingestReservedConcurrency: 25,
    });
  });

  it('expires inbound/ objects and their old versions after inboundRetentionDays', () => {
    const rules = s.json.Resources[logicalIdOf(s, s.stack.recon.bucket)].Properties.LifecycleConfiguration.Rules as Array<Record<string, any>>;
    expect(rules.filter((r) => r.Prefix === Prefix.inbound)).toEqual([
      { Id: 'expire-inbound', Prefix: Prefix.inbound, ExpirationInDays: 7, NoncurrentVersionExpiration: { NoncurrentDays: 7 }, Status: 'Enabled' },
    ]);
  });

  it('keeps runs/ and rejected/ objects exactly as long as the DynamoDB items that name them (retentionDays)', () => {
    const rules = s.json.Resources[logicalIdOf(s, s.stack.recon.bucket)].Properties.LifecycleConfiguration.Rules as Array<Record<string, any>>;
    for (const prefix of [Prefix.runs, Prefix.rejected]) {
      expect(rules.find((r) => r.Prefix === prefix), prefix).toMatchObject({ ExpirationInDays: 50, NoncurrentVersionExpiration: { NoncurrentDays: 50 } });
    }
    for (const name of FunctionNames) {
      expect(s.json.Resources[logicalIdOf(s, s.stack.recon.functions[name])].Properties.Environment.Variables[Env.RETENTION_DAYS], name).toBe('50');
    }
  });

  it('logs the state machine at the configured level, and reserves the configured ingest concurrency', () => {
    s.template.hasResourceProperties('AWS::StepFunctions::StateMachine', { LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true, Destinations: [Match.anyValue()] } });
    expect(s.json.Resources[logicalIdOf(s, s.stack.recon.functions.ingest)].Properties.ReservedConcurrentExecutions).toBe(25);
  });

  it("passes each partner's channels and facilities, and unboundFiles, to every handler's config", () => {
    for (const name of FunctionNames) {
      const vars = s.json.Resources[logicalIdOf(s, s.stack.recon.functions[name])].Properties.Environment.Variables;
      expect(JSON.parse(vars[Env.RECON_CONFIG]), name).toEqual({
        tolerances: { inventory: '2' },
        partners: [
          { name: 'shopify', channels: ['shopify'] },
          { name: 'dal-3pl', facilities: ['DAL1', 'DAL2'] },
        ],
        unboundFiles: 'reject',
      });
      // …which the handlers read as their config (lib/pipeline/env.ts), the binding included
      // (names that are CloudFormation references stand as plain text here)
      const settings = readSettings(Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, typeof v === 'string' ? v : `resolved-${k}`])));
      expect(settings.config.partners.map((p) => p.name), name).toEqual(['shopify', 'dal-3pl']);
      expect(settings.config.unboundFiles, name).toBe('reject');
    }
  });

  it('sends undelivered emails to the dead-letter queue', () => {
    const queueArn = { 'Fn::GetAtt': [logicalIdOf(s, s.stack.recon.deliveryFailureQueue), 'Arn'] };
    const subs = Object.values(resourcesOf(s, 'AWS::SNS::Subscription'));
    // Two addresses, on the summary topic and (opsEmails defaults to alertEmails) on the ops topic
    expect(subs.map((x) => [x.Properties.Protocol, x.Properties.RedrivePolicy])).toEqual(Array(4).fill(['email', { deadLetterTargetArn: queueArn }]));
  });

  it('subscribes each email address and the Slack channel', () => {
    s.template.resourceCountIs('AWS::SNS::Subscription', 4);
    for (const topic of [s.stack.recon.topic, s.stack.recon.opsTopic]) {
      s.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: { Ref: logicalIdOf(s, topic) } });
    }
    s.template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      ConfigurationName: 'recon-alerts',
      SlackWorkspaceId: 'T0123ABCD',
      SlackChannelId: 'C0123ABCD',
      SnsTopicArns: [{ Ref: logicalIdOf(s, s.stack.recon.topic) }, { Ref: logicalIdOf(s, s.stack.recon.opsTopic) }],
      UserRoleRequired: false,
    });
  });

  it('lets nothing be done from Slack: a role without policies and a deny-all guardrail', () => {
    const cfg = Object.values(resourcesOf(s, 'AWS::Chatbot::SlackChannelConfiguration'))[0].Properties;
    const guardrail = s.json.Resources[cfg.GuardrailPolicies[0].Ref].Properties.PolicyDocument.Statement;
    expect(guardrail).toEqual([{ Effect: 'Deny', Action: '*', Resource: '*' }]);
    const roleId = cfg.IamRoleArn['Fn::GetAtt'][0];
    expect(s.json.Resources[roleId].Properties.Policies).toBeUndefined();
    expect(s.json.Resources[roleId].Properties.ManagedPolicyArns).toBeUndefined();
    const attached = Object.values(resourcesOf(s, 'AWS::IAM::Policy')).filter((p) => p.Properties.Roles.some((r: any) => r.Ref === roleId));
    expect(attached).toEqual([]);
  });

  it('passes shards, schedule and config through', () => {
    const rules = scheduleRules(s);
    expect(rules).toHaveLength(1);
    expect(rules[0].Properties.ScheduleExpression).toBe('rate(1 hour)');
    const vars = s.json.Resources[logicalIdOf(s, s.stack.recon.functions.compare)].Properties.Environment.Variables;
    expect(vars[Env.SHARDS]).toBe('32');
        expect(JSON.parse(vars[Env.RECON_CONFIG]).tolerances).toEqual({ inventory: '2' });
    const summarize = s.json.Resources[logicalIdOf(s, s.stack.recon.functions.summarize)].Properties.Environment.Variables;
    expect(summarize[Env.REPORT_LINK_EXPIRES]).toBe(String(12 * 3600));
    expect(summarize[Env.REPORT_LINK_BASE]).toBe('https://reports.example.com/');
  });

  it('gives each partner a role that can only PutObject under its own prefixes', () => {
    const bucketId = logicalIdOf(s, s.stack.recon.bucket);
    const expectations = {
      shopify: ['/inbound/channel-orders/shopify/*'],
      'dal-3pl': ['/inbound/shipments/dal-3pl/*', '/inbound/warehouse-inventory/dal-3pl/*'],
    };
    for (const [name, suffixes] of Object.entries(expectations)) {
      const roleId = logicalIdOf(s, s.stack.recon.partnerRoles[name]);
      const role = s.json.Resources[roleId].Properties;
      const statements = role.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
      expect(statements).toEqual([
        { Effect: 'Allow', Action: 's3:PutObject', Resource: suffixes.length === 1 ? join(bucketId, suffixes[0]) : suffixes.map((x) => join(bucketId, x)) },
      ]);
      expect(role.ManagedPolicyArns).toBeUndefined();
      const attached = Object.values(resourcesOf(s, 'AWS::IAM::Policy')).filter((p) => p.Properties.Roles.some((r: any) => r.Ref === roleId));
      expect(attached, `no other policy attaches to ${name}`).toEqual([]);
    }
    // Another account: its principal, with the external ID
    const shopify = s.json.Resources[logicalIdOf(s, s.stack.recon.partnerRoles.shopify)].Properties.AssumeRolePolicyDocument.Statement;
    expect(shopify).toHaveLength(1);
    expect(JSON.stringify(shopify[0].Principal)).toContain(':iam::111122223333:root');
    expect(shopify[0].Condition).toEqual({ StringEquals: { 'sts:ExternalId': 'shopify-ext-1' } });
    // This account: only the named role, and only from this account; never the account root
    const dal = s.json.Resources[logicalIdOf(s, s.stack.recon.partnerRoles['dal-3pl'])].Properties.AssumeRolePolicyDocument.Statement;
    expect(dal).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { AWS: 'arn:aws:iam::123456789012:role/dal-3pl-upload' },
        Condition: { StringEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
    // (The KMS key's default policy names the account root as the key's administrator: not a trust.)
    const nonKey = Object.values(s.json.Resources).filter((r) => r.Type !== 'AWS::KMS::Key');
    expect(JSON.stringify(nonKey)).not.toMatch(/"AWS":\{"Fn::Join":\["",\["arn:",\{"Ref":"AWS::Partition"\},":iam::",\{"Ref":"AWS::AccountId"\},":root"\]\]\}/);
  });

  it('sets MaxConcurrency of the Map from the props', () => {
    const sm = Object.values(resourcesOf(s, 'AWS::StepFunctions::StateMachine'))[0];
    const text = (sm.Properties.DefinitionString['Fn::Join'][1] as unknown[]).filter((p) => typeof p === 'string').join('');
    expect(text).toContain('"MaxConcurrency":4');
  });
});

describe('OmsReconciliation with a customer-managed topic key', () => {
  it('encrypts the topic with it and lets the state machine publish', () => {
    // Prepare
    const app = createApp({ skipBundling: true, nag: false, appProps: { outdir } });
    const stack = new Stack(app, 'Embedding');
    const key = new kms.Key(stack, 'TopicKey', { enableKeyRotation: true });
    const recon = new OmsReconciliation(stack, 'Recon', { topicKey: key, functionsDir: stubFunctionsDir() });
    // Act
    const json = Template.fromStack(stack).toJSON() as Synthesized['json'];
    // Assess
    const keyArn = { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as never), 'Arn'] };
    expect(json.Resources[stack.getLogicalId(recon.topic.node.defaultChild as never)].Properties.KmsMasterKeyId).toEqual(keyArn);
    const roleId = stack.getLogicalId(recon.stateMachine.role.node.defaultChild as never);
    const policy = Object.values(json.Resources).find((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: any) => x.Ref === roleId));
    expect(policy?.Properties.PolicyDocument.Statement).toContainEqual({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: keyArn });
  });
});

describe('OmsReconciliation prop checks', () => {
  it.each([
    ['shards 0', { shards: 0 }, /shards must be an integer from 1 to 256, got 0/],
    ['mapConcurrency 41', { mapConcurrency: 41 }, /mapConcurrency must be an integer from 1 to 40/],
    ['a schedule that is no expression', { schedule: 'every day' }, /schedule must be an EventBridge cron/],
    ['an unknown boundary', { boundaries: ['billing' as never] }, /unknown boundary "billing"/],
    ['a partner name with a space', { partners: [{ name: 'Bad Name', feeds: ['shipments' as const], facilities: ['*'], principal: ROLE }] }, /partner name "Bad Name"/],
    ['a partner feed that does not exist', { partners: [{ name: 'x', feeds: ['orders' as never], principal: ROLE }] }, /partner x: unknown feed "orders"/],
    ['a principal that is no account or ARN', { partners: [{ name: 'x', feeds: ['erp-transactions' as const], principal: 'someone' }] }, /principal must be a 12-digit account ID/],
    ['a partner without a principal (no default trust of the account root)', { partners: [{ name: 'x', feeds: ['erp-transactions' as const] } as never] }, /partner x: principal is required/],
    ['an account ID without an externalId', { partners: [{ name: 'x', feeds: ['erp-transactions' as const], principal: '111122223333' }] }, /partner x: principal 111122223333 trusts a whole account: give an externalId/],
    ['an account root without an externalId', { partners: [{ name: 'x', feeds: ['erp-transactions' as const], principal: 'arn:aws:iam::111122223333:root' }] }, /trusts a whole account/],
    ['a partner that sends orders without channels', { partners: [{ name: 'x', feeds: ['channel-orders' as const], principal: ROLE }] }, /partner x sends channel-orders: list the channels it may report/],
    ['a partner that sends shipments without facilities', { partners: [{ name: 'x', feeds: ['shipments' as const], channels: ['x'], principal: ROLE }] }, /partner x sends shipments: list the facilities/],
    ['an empty facilities list', { partners: [{ name: 'x', feeds: ['shipments' as const], facilities: [], principal: ROLE }] }, /partner x: facilities must be a non-empty list/],
    ['partners set inside reconConfig', { reconConfig: { partners: [] } }, /reconConfig\.partners is set from the construct's partners prop/],
    ['inboundRetentionDays 0', { inboundRetentionDays: 0 }, /inboundRetentionDays must be an integer from 1 to 3650/],
    ['ingestReservedConcurrency 0', { ingestReservedConcurrency: 0 }, /ingestReservedConcurrency must be an integer from 1 to 1000/],
    ['an unknown log level', { workflowLogLevel: 'DEBUG' as never }, /workflowLogLevel must be one of ALL, ERROR, FATAL, OFF/],
    ['a tolerance that is no decimal', { reconConfig: { tolerances: { money: 'abc' } } }, /invalid config at tolerances\.money/],
    ['a negative future skew for timestamps', { reconConfig: { timestamps: { futureSkewHours: -1 } } }, /invalid config at timestamps\.futureSkewHours/],
    ['a config too big for the environment', { reconConfig: { mappings: ['x'.repeat(5000)] } }, /Lambda allows 4 KB of environment/],
    ['a report link longer than SigV4 allows', { reportLinkExpiry: Duration.days(8) }, /reportLinkExpiry must be from 1 second to 7 days/],
    ['a mapping file (unreadable from Lambda)', { reconConfig: { mappingFile: 'map.json' } }, /mappingFile cannot be read by the Lambda functions/],
  ])('rejects %s', (_label, props, message) => {
    // Act + Assess
    expect(() => synth(props)).toThrow(message);
  });
});

describe('OmsReconciliation partners and accounts', () => {
  it('refuses a role of another account without an externalId when the stack account is known', () => {
    // Prepare
    const app = createApp({ skipBundling: true, nag: false, appProps: { outdir } });
    const stack = new Stack(app, 'InAccount', { env: { account: '123456789012', region: 'eu-west-1' } });
    // Act + Assess
    expect(() => new OmsReconciliation(stack, 'Recon', { functionsDir: stubFunctionsDir(), partners: [{ name: 'x', feeds: ['erp-transactions'], principal: 'arn:aws:iam::111122223333:role/up' }] })).toThrow(
      /partner x: principal arn:aws:iam::111122223333:role\/up is in another account \(111122223333, this stack is in 123456789012\): an externalId is required/,
    );
    expect(() => new OmsReconciliation(stack, 'Recon2', { functionsDir: stubFunctionsDir(), partners: [{ name: 'x', feeds: ['erp-transactions'], principal: 'arn:aws:iam::123456789012:role/up' }] })).not.toThrow();
  });

  it("reserves no ingest concurrency with 'none'", () => {
    const s = synth({ ingestReservedConcurrency: 'none' });
    expect(s.json.Resources[logicalIdOf(s, s.stack.recon.functions.ingest)].Properties.ReservedConcurrentExecutions).toBeUndefined();
  });
});

function join(bucketId: string, suffix: string) {
  return { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, suffix]] };
}
