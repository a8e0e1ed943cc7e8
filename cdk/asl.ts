/**
 * The state machine's ASL as synthesized by the CDK app, with its CloudFormation tokens
 * resolved to fake but well-formed ARNs, for the local runner (aws-local-stepfunctions)
 * and tests. Synthesizes quickly: bundling skipped, no cdk-nag, no CloudFormation
 * validation (the definition does not depend on the handlers' code).
 *
 *   const { definition, taskFunctions, topicArn } = synthesizeDefinition({ shards: 4 });
 *   // definition: the ASL object (StartAt, States…)
 *   // taskFunctions: { Plan: 'plan', CompareShard: 'compare', Summarize: 'summarize' }
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import { FunctionNames, type FunctionName } from '../lib/pipeline/contracts.ts';
import { REPO_ROOT, stubFunctionsDir, type OmsReconciliationProps } from './oms-reconciliation.ts';
import { OmsReconStack, createApp } from './stack.ts';
import { TASK_FUNCTIONS } from './workflow.ts';

export { TASK_FUNCTIONS } from './workflow.ts';

/** The fake environment tokens resolve into. */
export const FAKE_ENV = { partition: 'aws', region: 'us-east-1', account: '123456789012', urlSuffix: 'amazonaws.com' } as const;

/** An ASL state, as far as this module looks into it. */
export interface AslState {
  Type: string;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  ItemProcessor?: AslDefinition;
  Iterator?: AslDefinition;
  Branches?: AslDefinition[];
  [k: string]: unknown;
}
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  [k: string]: unknown;
}

export interface SynthesizedDefinition {
  /** The parsed ASL, tokens resolved to fake ARNs. */
  definition: AslDefinition;
  /** The whole synthesized CloudFormation template of the stack. */
  template: Record<string, any>;
  /** Task state name → the function it invokes (read from the definition, so it matches it). */
  taskFunctions: Record<string, FunctionName>;
  /** Function → the fake ARN the definition holds for it. */
  functionArns: Record<FunctionName, string>;
  /** The fake ARN of the summary topic (the TopicArn of both publish states). */
  topicArn: string;
  /** The state machine's logical ID in the template. */
  stateMachineLogicalId: string;
  /** The fake ARN of the state machine (what the ingest function's STATE_MACHINE_ARN would hold). */
  stateMachineArn: string;
}

/**
 * Synthesizes OmsReconStack with `props` (functionsDir defaults to stubs) and returns the
 * state machine definition with fake ARNs. Throws if the template has no state machine.
 */
export function synthesizeDefinition(props: OmsReconciliationProps = {}): SynthesizedDefinition {
  // Synthesize into a folder of our own, removed after (the default is a temp folder left behind).
  const outdir = mkdtempSync(join(tmpdir(), 'oms-recon-asl-'));
  const app = createApp({ skipBundling: true, nag: false, appProps: { outdir } });
  // Bundling is skipped, so the handler files only have to exist: the real ones when they
  // do, else stubs (the definition does not depend on the code).
  const real = join(REPO_ROOT, 'functions');
  const functionsDir = FunctionNames.every((n) => existsSync(join(real, `${n}.ts`))) ? real : stubFunctionsDir();
  const stack = new OmsReconStack(app, 'OmsRecon', { recon: { functionsDir, ...props } });
  let template: Record<string, any>;
  try {
    template = app.synth().getStackByName(stack.stackName).template as Record<string, any>;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
  const resources = (template.Resources ?? {}) as Record<string, { Type: string; Properties?: Record<string, any> }>;

  const smEntry = Object.entries(resources).find(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine');
  if (!smEntry) throw new Error('the synthesized template holds no AWS::StepFunctions::StateMachine');
  const [stateMachineLogicalId, sm] = smEntry;

  const resolved = resolveTokens(sm.Properties?.DefinitionString, resources);
  if (typeof resolved !== 'string') throw new Error('DefinitionString did not resolve to a string');
  const definition = JSON.parse(resolved) as AslDefinition;

  const functionArns = {} as Record<FunctionName, string>;
  const byArn = new Map<string, FunctionName>();
  for (const name of FunctionNames) {
    const id = stack.getLogicalId(stack.recon.functions[name].node.defaultChild as CfnElement);
    functionArns[name] = fakeArn(id, 'AWS::Lambda::Function');
    byArn.set(functionArns[name], name);
  }
  const taskFunctions: Record<string, FunctionName> = {};
  forEachState(definition, (name, state) => {
    const fn = state.Parameters?.FunctionName;
    if (state.Type === 'Task' && typeof fn === 'string' && byArn.has(fn)) taskFunctions[name] = byArn.get(fn)!;
  });
  for (const [state, fn] of Object.entries(TASK_FUNCTIONS)) {
    if (taskFunctions[state] !== fn) throw new Error(`state ${state} should invoke ${fn}, the definition says ${taskFunctions[state] ?? 'nothing'}`);
  }
  const topicId = Stack.of(stack.recon.topic).getLogicalId(stack.recon.topic.node.defaultChild as CfnElement);
  return { definition, template, taskFunctions, functionArns, topicArn: fakeArn(topicId, 'AWS::SNS::Topic'), stateMachineLogicalId, stateMachineArn: fakeArn(stateMachineLogicalId, 'AWS::StepFunctions::StateMachine') };
}

/** Visits every state, including those inside Map (ItemProcessor/Iterator) and Parallel branches. */
export function forEachState(def: AslDefinition, visit: (name: string, state: AslState) => void): void {
  for (const [name, state] of Object.entries(def.States)) {
    visit(name, state);
    const inner = state.ItemProcessor ?? state.Iterator;
    if (inner) forEachState(inner, visit);
    for (const b of state.Branches ?? []) forEachState(b, visit);
  }
}

/** A well-formed fake ARN (or name) for a resource of the template, named by its logical ID. */
export function fakeArn(logicalId: string, type: string): string {
  const { partition: p, region: r, account: a } = FAKE_ENV;
  switch (type) {
    case 'AWS::Lambda::Function':
      return `arn:${p}:lambda:${r}:${a}:function:${logicalId}`;
    case 'AWS::SNS::Topic':
      return `arn:${p}:sns:${r}:${a}:${logicalId}`;
    case 'AWS::SQS::Queue':
      return `arn:${p}:sqs:${r}:${a}:${logicalId}`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:${p}:states:${r}:${a}:stateMachine:${logicalId}`;
    case 'AWS::DynamoDB::Table':
      return `arn:${p}:dynamodb:${r}:${a}:table/${logicalId}`;
    case 'AWS::S3::Bucket':
      return `arn:${p}:s3:::${logicalId.toLowerCase()}`;
    case 'AWS::IAM::Role':
      return `arn:${p}:iam::${a}:role/${logicalId}`;
    default:
      return `arn:${p}:cloudformation:${r}:${a}:resource/${logicalId}`;
  }
}

/** What `Ref` returns for a resource type (ARN for topics and state machines, a name otherwise). */
function refValue(logicalId: string, type: string): string {
  switch (type) {
    case 'AWS::SNS::Topic':
    case 'AWS::StepFunctions::StateMachine':
      return fakeArn(logicalId, type);
    case 'AWS::SQS::Queue':
      return `https://sqs.${FAKE_ENV.region}.${FAKE_ENV.urlSuffix}/${FAKE_ENV.account}/${logicalId}`;
    case 'AWS::S3::Bucket':
      return logicalId.toLowerCase();
    default:
      return logicalId;
  }
}

const PSEUDO: Record<string, string> = {
  'AWS::Partition': FAKE_ENV.partition,
  'AWS::Region': FAKE_ENV.region,
  'AWS::AccountId': FAKE_ENV.account,
  'AWS::URLSuffix': FAKE_ENV.urlSuffix,
  'AWS::StackName': 'OmsRecon',
};

/** Resolves Fn::Join / Ref / Fn::GetAtt (Arn, Name) of a template value to a plain value. */
export function resolveTokens(value: unknown, resources: Record<string, { Type: string }>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => resolveTokens(v, resources));
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1) {
    const [k] = keys;
    const arg = obj[k];
    if (k === 'Fn::Join') {
      const [sep, parts] = arg as [string, unknown[]];
      return (parts.map((p) => resolveTokens(p, resources)) as unknown[]).map((p) => {
        if (typeof p !== 'string') throw new Error(`Fn::Join part did not resolve to a string: ${JSON.stringify(p)}`);
        return p;
      }).join(sep);
    }
    if (k === 'Ref') {
      const id = arg as string;
      if (id in PSEUDO) return PSEUDO[id];
      const r = resources[id];
      if (!r) throw new Error(`Ref to unknown resource ${id}`);
      return refValue(id, r.Type);
    }
    if (k === 'Fn::GetAtt') {
      const [id, attr] = arg as [string, string];
      const r = resources[id];
      if (!r) throw new Error(`Fn::GetAtt of unknown resource ${id}`);
      if (attr === 'Arn') return fakeArn(id, r.Type);
      if (attr === 'Name' || attr === 'TopicName' || attr === 'QueueName') return id;
      throw new Error(`Fn::GetAtt ${id}.${attr} is not resolvable here`);
    }
  }
  return Object.fromEntries(keys.map((k) => [k, resolveTokens(obj[k], resources)]));
}
