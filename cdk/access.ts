/**
 * Small "grant + environment variable" helpers: a function that is given a resource gets,
 * in one call, exactly the IAM actions it needs on it and the environment variable that
 * names it (lib/pipeline/contracts.ts `Env`). Keeping the two together means a handler can
 * never read a name it has no permission to use, or hold a permission it has no name for.
 */
import { Construct } from 'constructs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Env } from '../lib/pipeline/contracts.ts';

/**
 * The DynamoDB item actions a handler may be given. No `Scan` (the data model never needs
 * one), no transactions (see TOOLCHAIN.md), no table-level actions.
 */
export const TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:BatchGetItem',
] as const;
export type TableAction = (typeof TABLE_ACTIONS)[number];

export interface TableBindingProps {
  readonly table: dynamodb.ITable;
  /** Exactly the item actions the handler calls (see FUNCTION_SPECS). */
  readonly actions: readonly TableAction[];
}

/** Grants the given item-level actions on the table and sets `TABLE_NAME`. */
export class TableBinding extends Construct {
  constructor(scope: Construct, id: string, fn: lambda.Function, props: TableBindingProps) {
    super(scope, id);
    if (props.actions.length === 0) throw new Error('a table binding needs at least one action');
    props.table.grant(fn, ...props.actions);
    fn.addEnvironment(Env.TABLE_NAME, props.table.tableName);
  }
}

export interface BucketBindingProps {
  readonly bucket: s3.IBucket;
  /** Prefixes (ending in `/`) whose objects the function may read (GetObject). */
  readonly read?: readonly string[];
  /** Also read named versions of them (GetObjectVersion): ingest reads the version an S3 event names. */
  readonly readVersions?: boolean;
  /** Prefixes (ending in `/`) under which the function may write objects (PutObject). */
  readonly write?: readonly string[];
  /**
   * Also list the read prefixes (s3:ListBucket limited to them by `s3:prefix`), so that S3
   * answers a read of a missing object with 404 NoSuchKey instead of 403 AccessDenied: the
   * function can tell an expired object from a permission problem.
   */
  readonly listRead?: boolean;
  /** Writes may be multipart uploads: also s3:AbortMultipartUpload on the write prefixes (a failed upload cleans up after itself). */
  readonly multipart?: boolean;
}

/** Grants object reads/writes under the given prefixes only and sets `BUCKET_NAME`. */
export class BucketBinding extends Construct {
  /** The object ARNs (`<bucket>/<prefix>*`) granted, for reviewers and tests. */
  readonly readResources: string[];
  readonly writeResources: string[];

  constructor(scope: Construct, id: string, fn: lambda.Function, props: BucketBindingProps) {
    super(scope, id);
    this.readResources = (props.read ?? []).map((p) => props.bucket.arnForObjects(`${checkPrefix(p)}*`));
    this.writeResources = (props.write ?? []).map((p) => props.bucket.arnForObjects(`${checkPrefix(p)}*`));
    if (this.readResources.length > 0) {
      const actions = props.readVersions ? ['s3:GetObject', 's3:GetObjectVersion'] : ['s3:GetObject'];
      fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources: this.readResources }));
    }
    if (this.writeResources.length > 0) {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: props.multipart ? ['s3:PutObject', 's3:AbortMultipartUpload'] : ['s3:PutObject'], resources: this.writeResources }));
    }
    if (props.listRead && (props.read ?? []).length > 0) {
      fn.addToRolePolicy(new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [props.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': (props.read ?? []).map((p) => `${p}*`) } },
      }));
    }
    fn.addEnvironment(Env.BUCKET_NAME, props.bucket.bucketName);
  }
}

/** Grants `states:StartExecution` on the state machine and sets `STATE_MACHINE_ARN`. */
export class StateMachineBinding extends Construct {
  constructor(scope: Construct, id: string, fn: lambda.Function, stateMachine: sfn.IStateMachine) {
    super(scope, id);
    stateMachine.grantStartExecution(fn);
    fn.addEnvironment(Env.STATE_MACHINE_ARN, stateMachine.stateMachineArn);
  }
}

function checkPrefix(p: string): string {
  if (!p.endsWith('/') || p.startsWith('/') || p.includes('*')) {
    throw new Error(`bucket prefix must end in "/" and hold no wildcard: ${JSON.stringify(p)}`);
  }
  return p;
}
