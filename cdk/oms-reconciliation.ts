/**
 * `OmsReconciliation`: the whole oms-recon pipeline as one construct.
 *
 * Partners drop feed files under `inbound/<feed>/<partner>/` in the bucket; the S3 event
 * invokes `ingest`, which stores keyed records in DynamoDB and starts the state machine;
 * the state machine (and an EventBridge schedule per boundary) runs plan → compare (a Map
 * over shards) → summarize and publishes the summary to SNS (email, AWS Chatbot / Slack).
 *
 * Names shared with the handlers (environment variables, prefixes, state names, payloads)
 * come from lib/pipeline/contracts.ts.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aws, CfnOutput, Duration, Names, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { parseConfig } from '../lib/config-file.ts';
import { ErrorCodes, ReconError } from '../lib/errors.ts';
import { BOUNDARIES, FEED_NAMES, type BoundaryName, type FeedName } from '../lib/feeds/catalog.ts';
import { Env, FunctionNames, Prefix, RUN_TIMEOUT_MINUTES, type FunctionName } from '../lib/pipeline/contracts.ts';
import { BOUND_BY, PARTNER_NAME_PATTERN, type PartnerBinding, type UnboundFiles } from '../lib/engine/binding.ts';
import { BucketBinding, StateMachineBinding, TableBinding, type TableAction } from './access.ts';
import { PipelineAlarms } from './alarms.ts';
import { DEFAULT_FUNCTIONS_DIR, HANDLER, functionCode } from './bundling.ts';
import { PipelineDashboard } from './dashboard.ts';
import { OpsTopic } from './ops-topic.ts';
import { METRICS_NAMESPACE } from '../lib/pipeline/metrics.ts';
import { buildWorkflow } from './workflow.ts';

/** The repository root from the sources (`<root>/cdk/`); `dist/` in the built package. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** A partner that drops files into the bucket. */
export interface PartnerProps {
  /** Name used in its prefixes `inbound/<feed>/<name>/` and in the role's logical ID: lower-case letters, digits, `-`, `_`, `.` (1–48 chars). */
  readonly name: string;
  /** The canonical feeds it sends; one prefix per feed. */
  readonly feeds: FeedName[];
  /**
   * The channels its orders feeds may carry (case-insensitive), or `["*"]`. Required when it
   * sends `channel-orders` or `oms-orders`: rows of other channels are rejected, naming it.
   */
  readonly channels?: string[];
  /**
   * The facilities / locations its inventory, allocations and shipments feeds may carry
   * (exact), or `["*"]`. Required when it sends one of those feeds.
   */
  readonly facilities?: string[];
  /**
   * Who may assume the partner's write-only role (required; the account root is never trusted
   * by default):
   * - another account: its 12-digit ID, its `:root` ARN, or a role/user ARN in it — with
   *   `externalId`;
   * - this account: the ARN of the IAM role or user that uploads
   *   (`arn:aws:iam::<this account>:role/…`); the trust is then limited to principals of this
   *   account (`aws:PrincipalAccount`), and `externalId` is optional.
   */
  readonly principal: string;
  /** `sts:ExternalId` the partner must pass when assuming the role: required for a principal of another account, or an account-wide one. */
  readonly externalId?: string;
}

/** Slack delivery through AWS Chatbot (Amazon Q Developer in chat applications). */
export interface SlackProps {
  /** The Slack workspace ID, as authorised once in the AWS Chatbot console (e.g. `T0123ABCD`). */
  readonly workspaceId: string;
  /** The Slack channel ID (e.g. `C0123ABCD`); invite the `@aws` app to the channel. */
  readonly channelId: string;
  /**
   * The channel configuration's name in AWS Chatbot (1–128 of letters, digits, `-`, `_`),
   * unique in the account. Default: `<stack name>-<channelId>` (cut to 128 with a hash of the
   * whole), so that dev and prod stacks can notify the same channel.
   */
  readonly channelName?: string;
}

export interface OmsReconciliationProps {
  /** Email addresses subscribed to the summary topic (each confirms by email). Default: none. */
  readonly alertEmails?: string[];
  /** Email addresses subscribed to the ops topic: alarms and failed, timed-out or aborted runs. Default: `alertEmails`. */
  readonly opsEmails?: string[];
  /** Slack channel subscribed to the topic through AWS Chatbot, notifications only. Default: none. */
  readonly slack?: SlackProps;
  /** EventBridge `cron(…)` or `rate(…)` expression (UTC) of the scheduled run of each boundary. Default `cron(0 6 * * ? *)`. */
  readonly schedule?: string;
  /** Boundaries that get a scheduled run. Default: all four. */
  readonly boundaries?: BoundaryName[];
  /** Shards per boundary (records are spread by hash of the group key), 1–256. Default 16. */
  readonly shards?: number;
  /** How many shards are compared at once (Map MaxConcurrency), 1–40. Default 8. */
  readonly mapConcurrency?: number;
  /** Days records, manifests and run items live (DynamoDB TTL) and `runs/`, `rejected/` and their old object versions are kept. Default 35. */
  readonly retentionDays?: number;
  /**
   * Days partner files under `inbound/` are kept (they hold customer personal data): the
   * current version expires after this many days, and an old version this many days after
   * it was replaced or expired. Default 35.
   */
  readonly inboundRetentionDays?: number;
  /** Days reports under `reports/` are kept. Default 400. */
  readonly reportRetentionDays?: number;
  /**
   * DynamoDB point-in-time recovery on the table. Default false: the table holds current
   * state rebuilt from the files in `inbound/` (re-upload to restore); PITR bills ~20 % of the
   * table's storage again (docs/data-model.md).
   */
  readonly pointInTimeRecovery?: boolean;
  /** Days S3 server access logs are kept. Default 365. */
  readonly accessLogRetentionDays?: number;
  /** The debounce: a run plans once no file of its boundary landed for this many seconds (and none is being ingested), 0–3600. Default 120. */
  readonly debounceSeconds?: number;
  /** The longest a run waits for its drop to settle; then it plans, naming the files still in flight, 1–3600. Default 900. */
  readonly maxWaitSeconds?: number;
  /**
   * The reconciliation config (tolerances, SLA, presets, mappings; see lib/config.ts), passed
   * as JSON in `RECON_CONFIG`. Validated at synth time. Default `{}` (every default).
   */
  readonly reconConfig?: object;
  /** Partners, each with a write-only role limited to its own `inbound/<feed>/<partner>/` prefixes, bound to its channels / facilities. Default: none. */
  readonly partners?: PartnerProps[];
  /** Rows of files under `inbound/<feed>/` but in no partner's prefix: `allow` (default; only your own principals can write there) or `reject`. */
  readonly unboundFiles?: UnboundFiles;
  /** Step Functions log level: `ERROR` (default), `ALL`, `FATAL` or `OFF`. */
  readonly workflowLogLevel?: WorkflowLogLevel;
  /** Whether state machine logs include execution data (inputs, outputs). Default false. */
  readonly workflowLogExecutionData?: boolean;
  /**
   * Reserved concurrency of ingest: at most this many files are ingested at once (S3 events
   * beyond wait in Lambda's retry queue, up to 6 hours), which bounds the table's write rate.
   * `'none'` reserves nothing (an account at the default limit of 10 concurrent executions
   * cannot reserve any). Default 10.
   */
  readonly ingestReservedConcurrency?: number | 'none';
  /**
   * How ingest cuts a large file into invocations (lib/pipeline/chunk.ts, docs/deploy.md):
   * rows per invocation (default: no limit, the time left decides), seconds between
   * checkpoints (30), lease seconds (180) and the margin before the 15-minute timeout at
   * which an invocation hands the file to the next (120). Default: those defaults.
   */
  readonly ingestChunking?: IngestChunking;
  /**
   * Customer-managed KMS key of the summary and ops topics. Default: a new key (rotation on)
   * whose policy lets CloudWatch, EventBridge and AWS Chatbot use it. A key of this app gets
   * those statements added; an imported key's policy must already allow them (docs/deploy.md).
   */
  readonly topicKey?: kms.IKey;
  /**
   * Base URL that summarize puts before the `report.html` key in messages (e.g. your own
   * authenticated front end of the bucket). Default: none — the message carries a pre-signed
   * S3 URL of `report.html` instead (see `reportLinkExpiry`).
   */
  readonly reportLinkBase?: string;
  /**
   * How long the pre-signed report link in a message is valid: 1 second to 7 days (SigV4's
   * maximum). Signed with the summarize function's role, the link stops working when that
   * role session's credentials expire, if that is sooner (docs/deploy.md). Default 7 days.
   */
  readonly reportLinkExpiry?: Duration;
  /** Retention of the Lambda and state machine log groups. Default three months. */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the bucket, log bucket, table and log groups when the stack is deleted.
   * Default `RETAIN`. With `DESTROY` the buckets must be emptied first (no auto-delete
   * custom resource is deployed).
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Directory holding the handlers, per function either `<name>/index.mjs` (prebuilt by
   * `npm run build`, deployed as is) or `<name>.ts` (bundled at synth with esbuild). Default:
   * the package's own, `dist/functions/` when the construct is loaded from the built package
   * and `functions/` from the sources (cdk/bundling.ts). Tests and `cdk/asl.ts` point it at
   * stubs when bundling is skipped.
   */
  readonly functionsDir?: string;
}

/** Chunked ingestion settings (each optional; see OmsReconciliationProps.ingestChunking). */
export interface IngestChunking {
  readonly chunkRows?: number;
  readonly checkpointSeconds?: number;
  readonly leaseSeconds?: number;
  readonly marginSeconds?: number;
}

/** Defaults of the optional props (documented above; used by docs and tests). */
export const DEFAULTS = {
  schedule: 'cron(0 6 * * ? *)',
  shards: 16,
  mapConcurrency: 8,
  retentionDays: 35,
  reportRetentionDays: 400,
  accessLogRetentionDays: 365,
  debounceSeconds: 120,
  maxWaitSeconds: 900,
  /** The pre-signed report link: 7 days, SigV4's maximum. */
  reportLinkHours: 168,
  inboundRetentionDays: 35,
  unboundFiles: 'allow',
  workflowLogLevel: 'ERROR',
  workflowLogExecutionData: false,
  ingestReservedConcurrency: 10,
} as const;

export const WORKFLOW_LOG_LEVELS = ['ALL', 'ERROR', 'FATAL', 'OFF'] as const;
export type WorkflowLogLevel = (typeof WORKFLOW_LOG_LEVELS)[number];

/** Limits the construct checks (also enforced on context values by cdk/context.ts). */
export const LIMITS = {
  shards: { min: 1, max: 256 },
  mapConcurrency: { min: 1, max: 40 },
  retentionDays: { min: 1, max: 3650 },
  debounceSeconds: { min: 0, max: 3600 },
  maxWaitSeconds: { min: 1, max: 3600 },
  reportLinkHours: { min: 1, max: 168 },
  ingestReservedConcurrency: { min: 1, max: 1000 },
} as const;

export const SCHEDULE_PATTERN = /^(cron\([^()]+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$/;
export { PARTNER_NAME_PATTERN };
export const PRINCIPAL_PATTERN = /^(\d{12}|arn:aws[a-z-]*:iam::\d{12}:(root|role\/[\w+=,.@/-]+|user\/[\w+=,.@/-]+))$/;

/** Per function: sizing and what it may touch (least privilege, see docs/deploy.md). */
interface FunctionSpec {
  description: string;
  memorySize: number;
  timeout: Duration;
  /** The DynamoDB item actions its code calls (lib/store via lib/pipeline), nothing more. */
  table: readonly TableAction[];
  read: string[];
  /** Reads the object version an S3 event names (s3:GetObjectVersion). */
  readVersions?: boolean;
  write: string[];
  /** Lists its read prefixes (a missing object is then a 404, told apart from a denied read) and writes with multipart uploads. */
  listRead?: boolean;
  multipart?: boolean;
}

export const FUNCTION_SPECS: Readonly<Record<FunctionName, FunctionSpec>> = {
  // Access as lib/pipeline/{ingest,compare}.ts and lib/store use it:
  // ingest claims the file (conditional UpdateItem, GetItem of the current claim), writes
  // records (BatchGetItem, then conditional PutItem), raises snapshot pointers (UpdateItem),
  // checkpoints, completes or fails the manifest (UpdateItem), lists the manifests of stuck
  // files to resume them (Query), reads the object
  // version of the event, puts rejected rows and starts the run (states:StartExecution);
  // plan lists the manifests (Query) and puts the run item; compare reads its shard (Query);
  // summarize finds the previous run (Query), reads the shards' results and the rejected rows
  // of the files in scope, writes the report and puts the run item.
  ingest: {
    description: 'oms-recon: parses a feed file from inbound/ into keyed records',
    memorySize: 2048,
    timeout: Duration.minutes(15),
    table: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
    read: [Prefix.inbound],
    readVersions: true,
    write: [Prefix.rejected, Prefix.state],
  },
  plan: {
    description: 'oms-recon: fixes the scope and shard list of a run',
    memorySize: 512,
    timeout: Duration.minutes(2),
    // GetItem / UpdateItem: the run trigger's item (the wait loop and the lock, lib/store/drops.ts).
    table: ['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
    read: [],
    write: [Prefix.runs],
  },
  compare: {
    description: 'oms-recon: compares one shard of one boundary',
    memorySize: 2048,
    timeout: Duration.minutes(10),
    table: ['dynamodb:Query'],
    read: [Prefix.runs, Prefix.state],
    write: [Prefix.runs],
    // A snapshot file ingested in chunks has its confirmation set in parts: compare lists them (confirm.ts).
    listRead: true,
  },
  summarize: {
    description: 'oms-recon: merges shard results, writes the report, builds the notification',
    // Streaming keeps its heap flat (bench:summarize: ~70 MB peak at 200k discrepancies), so
    // 1024 MB stays; its time grows with the discrepancies (two passes over the shards' parts,
    // the report's files uploaded as they are made): the Lambda maximum, for runs of millions.
    memorySize: 1024,
    timeout: Duration.minutes(15),
    table: ['dynamodb:Query', 'dynamodb:PutItem'],
    // reports/ read too: the pre-signed report link in the message is signed with this role.
    read: [Prefix.runs, Prefix.rejected, Prefix.reports],
    write: [Prefix.reports, Prefix.runs],
    // An expired previous run or rejected-rows object is a warning, not a failure: it must read as missing (404).
    listRead: true,
    // The report's files are streamed to S3 in parts (lib-storage Upload).
    multipart: true,
  },
};

/** Lambda environment variables are limited to 4 KB in total. */
const ENV_LIMIT_BYTES = 4096;

export class OmsReconciliation extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogBucket: s3.Bucket;
  readonly table: dynamodb.Table;
  readonly topic: sns.Topic;
  readonly stateMachine: sfn.StateMachine;
  readonly functions: Readonly<Record<FunctionName, lambda.Function>>;
  readonly ingestDeadLetterQueue: sqs.Queue;
  /** Email deliveries SNS gave up on and schedule events EventBridge could not deliver. */
  readonly deliveryFailureQueue: sqs.Queue;
  readonly partnerRoles: Readonly<Record<string, iam.Role>>;
  readonly scheduleRules: Readonly<Partial<Record<BoundaryName, events.Rule>>>;
  /** Each execution's end → the run trigger (release the lock, follow-up run). */
  readonly runEndedRule: events.Rule;
  readonly slackChannel?: chatbot.SlackChannelConfiguration;
  /** The customer-managed key of both topics. */
  readonly topicKey: kms.IKey;
  /** Alarms and failed, timed-out or aborted runs. */
  readonly opsTopic: sns.Topic;
  readonly alarms: PipelineAlarms;
  readonly dashboard: cw.Dashboard;
  /** The `service` of this deployment's logs, traces and metrics (POWERTOOLS_SERVICE_NAME): `<stack name>/<construct path>`. */
  readonly serviceName: string;

  constructor(scope: Construct, id: string, props: OmsReconciliationProps = {}) {
    super(scope, id);
    // Access logs are delivered under a bucket policy (not the legacy LogDelivery ACL),
    // whatever the embedding app's feature flags say.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);

    const stackAccount = Stack.of(this).account;
    const cfg = resolveProps(props, Token.isUnresolved(stackAccount) ? undefined : stackAccount);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;

    // --- storage ----------------------------------------------------------------------
    this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(cfg.accessLogRetentionDays) }],
    });

    const days = Duration.days(cfg.retentionDays);
    const inboundDays = Duration.days(cfg.inboundRetentionDays);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'bucket/',
      removalPolicy,
      // One rule per prefix, each expiring its objects and their old versions (a bucket-wide
      // rule for old versions would override a longer inbound/ setting: S3 applies the shorter).
      lifecycleRules: [
        { id: 'expire-inbound', prefix: Prefix.inbound, expiration: inboundDays, noncurrentVersionExpiration: inboundDays },
        { id: 'expire-rejected', prefix: Prefix.rejected, expiration: days, noncurrentVersionExpiration: days },
        { id: 'expire-runs', prefix: Prefix.runs, expiration: days, noncurrentVersionExpiration: days },
        { id: 'expire-state', prefix: Prefix.state, expiration: days, noncurrentVersionExpiration: days },
        { id: 'expire-reports', prefix: Prefix.reports, expiration: Duration.days(cfg.reportRetentionDays), noncurrentVersionExpiration: days },
        { id: 'remove-expired-delete-markers', expiredObjectDeleteMarker: true },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(2) },
      ],
    });

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: props.pointInTimeRecovery ?? false },
      timeToLiveAttribute: 'ttl',
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
    if (!(props.pointInTimeRecovery ?? false)) {
      Validations.of(this.table).acknowledge({
        id: 'AwsSolutions-DDB3',
        reason: 'The table holds only state derived from the files kept in inbound/ (records, manifests, runs): it is rebuilt by ingesting them again, so point-in-time recovery is a deploy option (pointInTimeRecovery), off by default (docs/data-model.md, Consistency).',
      });
    }

    // --- notifications ------------------------------------------------------------------
    // One customer-managed key for both topics (cdk/ops-topic.ts: aws/sns takes no alarms).
    const ops = new OpsTopic(this, 'Ops', { key: props.topicKey, removalPolicy });
    this.topicKey = ops.key;
    this.opsTopic = ops.topic;
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'oms-recon',
      enforceSSL: true,
      masterKey: this.topicKey,
    });
    // Messages SNS could not deliver to an email address, and schedule events EventBridge
    // could not hand to the state machine, are kept here (14 days) instead of being dropped.
    this.deliveryFailureQueue = new sqs.Queue(this, 'DeliveryFailures', {
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeDeadLetterQueue(this.deliveryFailureQueue, 'the dead-letter queue of the email subscriptions (SNS redrive policy) and of the schedule rules\' targets (EventBridge)');
    for (const email of props.alertEmails ?? []) this.topic.addSubscription(new subs.EmailSubscription(email, { deadLetterQueue: this.deliveryFailureQueue }));
    for (const email of props.opsEmails ?? props.alertEmails ?? []) this.opsTopic.addSubscription(new subs.EmailSubscription(email, { deadLetterQueue: this.deliveryFailureQueue }));
    if (props.slack) this.slackChannel = this.addSlack(props.slack);

    // --- functions ----------------------------------------------------------------------
    const functionsDir = props.functionsDir ?? DEFAULT_FUNCTIONS_DIR;
    const stack = Stack.of(this);
    this.serviceName = `${stack.stackName}/${this.node.path.split('/').slice(stack.node.path.split('/').length).join('/')}`;
    const common: Record<string, string> = {
      // Powertools (lib/pipeline/observability.ts): one service per deployment, so stacks in one account keep apart.
      POWERTOOLS_SERVICE_NAME: this.serviceName,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      [Env.SHARDS]: String(cfg.shards),
      [Env.RECON_CONFIG]: cfg.reconConfigJson,
      [Env.RETENTION_DAYS]: String(cfg.retentionDays),
    };
    this.ingestDeadLetterQueue = new sqs.Queue(this, 'IngestFailures', {
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeDeadLetterQueue(this.ingestDeadLetterQueue, 'the on-failure destination (dead-letter queue) of the ingest function');

    const fns = {} as Record<FunctionName, lambda.Function>;
    for (const name of FunctionNames) {
      fns[name] = this.makeFunction(name, functionsDir, common, logRetention, removalPolicy);
    }
    this.functions = fns;
    // The on-failure destination, granted sqs:SendMessage only (SqsDestination would add
    // GetQueueAttributes and GetQueueUrl, which Lambda does not need to deliver).
    const dlq = this.ingestDeadLetterQueue;
    fns.ingest.configureAsyncInvoke({
      onFailure: { bind: () => ({ destination: dlq.queueArn }) },
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
    });
    fns.ingest.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [dlq.queueArn] }));
    // Ingest never runs more than this many files at once (S3 events wait in Lambda's retry queue).
    if (cfg.ingestReservedConcurrency !== 'none') {
      (fns.ingest.node.defaultChild as lambda.CfnFunction).reservedConcurrentExecutions = cfg.ingestReservedConcurrency;
    }
    Validations.of(fns.ingest).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason: 'Ingest is invoked asynchronously by S3 and has an on-failure destination (the IngestFailures SQS queue, 2 retries, 6 hours), which records the failed event with its error; a dead-letter target would be a second copy of the same.',
    });
    for (const fn of [fns.plan, fns.compare, fns.summarize]) {
      Validations.of(fn).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason: `${fn.node.id} is only invoked synchronously by the state machine (Lambda dead-letter targets apply to asynchronous invocations only); its errors are retried and caught there, and a failure notice is published to the topic.`,
      });
    }
    fns.plan.addEnvironment(Env.DEBOUNCE_SECONDS, String(cfg.debounceSeconds));
    fns.plan.addEnvironment(Env.MAX_WAIT_SECONDS, String(cfg.maxWaitSeconds));
    // A file too large for one invocation goes on in the next: ingest invokes itself
    // asynchronously (lib/pipeline/chunk.ts). A policy of its own: in the role's default
    // policy, the function's ARN would make the function depend on itself.
    const chunking = props.ingestChunking ?? {};
    for (const [name, value] of [
      [Env.INGEST_CHUNK_ROWS, chunking.chunkRows],
      [Env.INGEST_CHECKPOINT_SECONDS, chunking.checkpointSeconds],
      [Env.INGEST_LEASE_SECONDS, chunking.leaseSeconds],
      [Env.INGEST_MARGIN_SECONDS, chunking.marginSeconds],
    ] as const) {
      if (value === undefined) continue;
      if (!Number.isInteger(value) || value < 1) throw new Error(`ingestChunking: ${name} must be a positive whole number, got ${value}`);
      fns.ingest.addEnvironment(name, String(value));
    }
    new iam.Policy(this, 'IngestContinues', {
      statements: [new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fns.ingest.functionArn] })],
    }).attachToRole(fns.ingest.role!);
    // Every 15 minutes ingest looks for files whose ingest died (lease run out) and resumes
    // them from their checkpoint (chunk.ts resumeStuckFiles). A run's end resumes its boundary's
    // stuck files too (ingest handles the end event: trigger.ts onExecutionEnd). Not plan: plan
    // invoking ingest would close a dependency cycle (ingest → state machine → plan).
    new events.Rule(this, 'ResumeStuckIngests', {
      description: 'oms-recon: resumes ingests whose invocation died mid-file',
      schedule: events.Schedule.rate(Duration.minutes(15)),
      targets: [
        new targets.LambdaFunction(fns.ingest, {
          event: events.RuleTargetInput.fromObject({ resumeStuckIngests: {} }),
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
          deadLetterQueue: this.deliveryFailureQueue,
        }),
      ],
    });
    if (props.reportLinkBase) fns.summarize.addEnvironment(Env.REPORT_LINK_BASE, props.reportLinkBase);
    fns.summarize.addEnvironment(Env.REPORT_LINK_EXPIRES, String(cfg.reportLinkExpirySeconds));

    // --- state machine ------------------------------------------------------------------
    const workflow = new Construct(this, 'Workflow');
    const definition = buildWorkflow(workflow, {
      plan: fns.plan,
      compare: fns.compare,
      summarize: fns.summarize,
      topic: this.topic,
      mapConcurrency: cfg.mapConcurrency,
    });
    const smLogs = new logs.LogGroup(this, 'StateMachineLogs', { retention: logRetention, removalPolicy });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      // The boundary lock's lease (LOCK_LEASE_MS) is longer than this: a run never outlives its lock.
      timeout: Duration.minutes(RUN_TIMEOUT_MINUTES),
      tracingEnabled: true,
      logs: { destination: smLogs, level: sfn.LogLevel[cfg.workflowLogLevel], includeExecutionData: cfg.workflowLogExecutionData },
      comment: 'oms-recon: wait for the drop, plan, compare shards, summarize, publish, release',
    });
    if (cfg.workflowLogLevel !== 'ALL') {
      Validations.of(this.stateMachine).acknowledge({
        id: 'AwsSolutions-SF1',
        reason: `Logs at ${cfg.workflowLogLevel}${cfg.workflowLogExecutionData ? '' : ', without execution data'}, by choice (workflowLogLevel): every failed state is logged, and each execution's full event history stays in Step Functions for 90 days; logging ALL events would copy every transition to CloudWatch Logs for the log retention period.`,
      });
    }
    // The SNS publish tasks grant sns:Publish only; a customer-managed key also needs KMS.
    this.topicKey.grant(this.stateMachine, 'kms:Decrypt', 'kms:GenerateDataKey');
    Validations.of(this.stateMachine).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray (PutTraceSegments, PutTelemetryRecords, GetSampling*) and CloudWatch Logs vended log delivery (CreateLogDelivery, …) do not support resource-level permissions; these are the actions the Step Functions service documents for tracing and logging.',
      },
      ...[fns.plan, fns.compare, fns.summarize].map((fn) => ({
        id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(fn)}.Arn>:*]`,
        reason: `lambda:InvokeFunction on the versions and aliases (":*") of the one function ${fn.node.id} that the state machine invokes; no other function is reachable.`,
      })),
    );

    // --- triggers -----------------------------------------------------------------------
    this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(fns.ingest), { prefix: Prefix.inbound });
    new StateMachineBinding(fns.ingest, 'StartsRuns', fns.ingest, this.stateMachine);
    this.acknowledgeBucketNotificationsHandler();

    // The schedule and each execution's end go through the run trigger (lib/pipeline/trigger.ts),
    // which the ingest function runs: one run per drop, never two at once (docs/deploy.md, "Runs").
    const triggerTarget = (input?: events.RuleTargetInput) =>
      new targets.LambdaFunction(fns.ingest, { event: input, retryAttempts: 4, maxEventAge: Duration.hours(1), deadLetterQueue: this.deliveryFailureQueue });
    const rules: Partial<Record<BoundaryName, events.Rule>> = {};
    for (const boundary of cfg.boundaries) {
      rules[boundary] = new events.Rule(this, `Schedule-${boundary}`, {
        description: `oms-recon: scheduled ${boundary} reconciliation`,
        schedule: events.Schedule.expression(cfg.schedule),
        targets: [triggerTarget(events.RuleTargetInput.fromObject({ boundary, trigger: 'schedule' }))],
      });
    }
    this.scheduleRules = rules;
    this.runEndedRule = new events.Rule(this, 'RunEnded', {
      description: 'oms-recon: an execution ended: release its boundary lock, start a follow-up run for files that landed meanwhile',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [this.stateMachine.stateMachineArn], status: ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] },
      },
      targets: [triggerTarget()],
    });

    // --- partners -----------------------------------------------------------------------
    const roles: Record<string, iam.Role> = {};
    for (const partner of cfg.partners) roles[partner.name] = this.addPartner(partner);
    this.partnerRoles = roles;

    // --- alarms and dashboard ---------------------------------------------------------
    const watched = { functions: fns, ingestDeadLetterQueue: dlq, deliveryFailureQueue: this.deliveryFailureQueue, table: this.table, stateMachine: this.stateMachine };
    this.alarms = new PipelineAlarms(this, 'Alarms', { topic: this.opsTopic, ...watched });
    this.dashboard = new PipelineDashboard(this, 'Dashboard', { service: this.serviceName, alarms: Object.values(this.alarms.alarms), ...watched }).dashboard;
    new CfnOutput(this, 'OpsTopicArn', { value: this.opsTopic.topicArn, description: 'SNS topic of alarms and failed, timed-out or aborted runs' });
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards/dashboard/${this.dashboard.dashboardName}`,
      description: 'CloudWatch dashboard of the pipeline (README, "Operating")',
    });

    // --- outputs ------------------------------------------------------------------------
    new CfnOutput(this, 'BucketName', { value: this.bucket.bucketName, description: 'Bucket partners drop feed files into' });
    new CfnOutput(this, 'InboundPrefix', { value: Prefix.inbound, description: 'Files under this prefix are ingested: inbound/<feed>/<partner>/<file>' });
    new CfnOutput(this, 'TopicArn', { value: this.topic.topicArn, description: 'SNS topic of run summaries and failures' });
    new CfnOutput(this, 'StateMachineArn', { value: this.stateMachine.stateMachineArn, description: 'Reconciliation state machine' });
    new CfnOutput(this, 'TableName', { value: this.table.tableName, description: 'DynamoDB table of records, manifests and runs' });
  }

  /** The S3 prefixes a partner writes to: `inbound/<feed>/<partner>/`. */
  static partnerPrefixes(partner: Pick<PartnerProps, 'name' | 'feeds'>): string[] {
    return partner.feeds.map((feed) => `${Prefix.inbound}${feed}/${partner.name}/`);
  }

  private makeFunction(
    name: FunctionName,
    functionsDir: string,
    common: Record<string, string>,
    logRetention: logs.RetentionDays,
    removalPolicy: RemovalPolicy,
  ): lambda.Function {
    const spec = FUNCTION_SPECS[name];
    const id = name[0].toUpperCase() + name.slice(1);
    const logGroup = new logs.LogGroup(this, `${id}Logs`, { retention: logRetention, removalPolicy });
    // Own role, no AWS managed policy: logs go to this function's log group only.
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `oms-recon ${name} function`,
    });
    logGroup.grantWrite(role);
    const fn = new lambda.Function(this, id, {
      code: functionCode(name, functionsDir),
      handler: HANDLER,
      description: spec.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: spec.memorySize,
      timeout: spec.timeout,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      tracing: lambda.Tracing.ACTIVE,
      recursiveLoop: lambda.RecursiveLoop.TERMINATE,
      environment: { ...common, NODE_OPTIONS: '--enable-source-maps' },
    });
    new TableBinding(fn, 'Table', fn, { table: this.table, actions: spec.table });
    new BucketBinding(fn, 'Bucket', fn, { bucket: this.bucket, read: spec.read, readVersions: spec.readVersions, write: spec.write, listRead: spec.listRead, multipart: spec.multipart });

    const bucketId = logicalIdOf(this.bucket);
    const prefixes = [...new Set([...spec.read, ...spec.write])];
    Validations.of(role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'Active X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions.',
      },
      ...prefixes.map((p) => ({
        id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${p}*]`,
        reason: `Object-level access limited to the ${p} prefix of the pipeline bucket (object keys are only known at run time); ${describeObjectAccess(p, spec)}`,
      })),
    );
    return fn;
  }

  private addSlack(slack: SlackProps): chatbot.SlackChannelConfiguration {
    // The channel only receives notifications: its role has no permissions and the
    // guardrail denies everything, so no AWS action can be run from Slack.
    const guardrail = new iam.ManagedPolicy(this, 'SlackGuardrail', {
      description: 'oms-recon Slack channel: notifications only, no actions from chat',
      statements: [new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: ['*'], resources: ['*'] })],
    });
    const role = new iam.Role(this, 'SlackChannelRole', {
      assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
      description: 'oms-recon Slack channel (notifications only, no permissions)',
    });
    return new chatbot.SlackChannelConfiguration(this, 'SlackChannel', {
      slackChannelConfigurationName: slack.channelName ?? slackConfigurationName(Stack.of(this), slack.channelId),
      slackWorkspaceId: slack.workspaceId,
      slackChannelId: slack.channelId,
      notificationTopics: [this.topic, this.opsTopic],
      role,
      guardrailPolicies: [guardrail],
      userRoleRequired: false,
    });
  }

  private addPartner(partner: PartnerProps): iam.Role {
    const prefixes = OmsReconciliation.partnerPrefixes(partner);
    const principal = partnerPrincipal(partner);
    const role = new iam.Role(this, `Partner-${partner.name}`, {
      assumedBy: principal,
      externalIds: partner.externalId ? [partner.externalId] : undefined,
      description: `oms-recon partner ${partner.name}: PutObject under ${prefixes.join(', ')}`.slice(0, 1000),
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: {
        PutFeedFiles: new iam.PolicyDocument({
          statements: [new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: prefixes.map((p) => this.bucket.arnForObjects(`${p}*`)) })],
        }),
      },
    });
    const bucketId = logicalIdOf(this.bucket);
    Validations.of(role).acknowledge(
      ...prefixes.map((p) => ({
        id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${p}*]`,
        reason: `Write-only (s3:PutObject) to the partner's own prefix ${p}; the file names are chosen by the partner at upload time.`,
      })),
    );
    new CfnOutput(this, `PartnerRoleArn-${partner.name}`, { value: role.roleArn, description: `Role partner ${partner.name} assumes to upload to ${prefixes.join(' ')}` });
    return role;
  }

  /** The CDK-provided singleton that applies bucket notifications (created by addEventNotification). */
  private acknowledgeBucketNotificationsHandler(): void {
    const stack = Stack.of(this);
    const handler = stack.node.children.find((c) => c.node.id.startsWith('BucketNotificationsHandler'));
    if (!handler) return;
    Validations.of(handler).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'CDK-provided custom resource (BucketNotificationsHandler) that attaches the inbound/ notification at deploy time; aws-cdk-lib fixes its role with the AWS managed logging policy, and its s3:PutBucketNotification grant is scoped to this bucket. It never runs at reconciliation time.',
    });
  }
}

/**
 * The AWS Chatbot configuration name of a stack's channel: names are unique per account
 * (CreateSlackChannelConfiguration: 1-128 of `[A-Za-z0-9-_]`), so two stacks (dev, prod)
 * notifying one channel need names of their own: `<stack name>-<channel ID>`, cut to 128 with
 * a hash of the whole when longer.
 */
export function slackConfigurationName(stack: Stack, channelId: string): string {
  const stackName = Token.isUnresolved(stack.stackName) ? Names.uniqueResourceName(stack, { maxLength: 64, separator: '-' }) : stack.stackName;
  const name = `${stackName}-${channelId}`.replace(/[^A-Za-z0-9_-]/g, '-');
  if (name.length <= SLACK_CONFIGURATION_NAME_MAX) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, SLACK_CONFIGURATION_NAME_MAX - hash.length - 1)}-${hash}`;
}

/** AWS Chatbot's limit on a channel configuration name. */
export const SLACK_CONFIGURATION_NAME_MAX = 128;

function describeObjectAccess(prefix: string, spec: FunctionSpec): string {
  const r = spec.read.includes(prefix);
  const w = spec.write.includes(prefix);
  const read = spec.readVersions ? 'GetObject, GetObjectVersion' : 'GetObject';
  return r && w ? `read (${read}) and write (PutObject).` : r ? `read only (${read}).` : 'write only (PutObject).';
}

function logicalIdOf(c: Construct): string {
  const child = c.node.defaultChild;
  if (!child || !(child instanceof Construct)) throw new Error(`no default child for ${c.node.path}`);
  return Stack.of(c).getLogicalId(child as never);
}

/** `<account>` of a 12-digit ID or an IAM ARN. */
function accountOf(principal: string): string {
  return /^\d{12}$/.test(principal) ? principal : principal.split(':')[4];
}

/** An account ID or `:root` ARN trusts every principal of that account its admins allow. */
function isAccountWide(principal: string): boolean {
  return /^\d{12}$/.test(principal) || /:root$/.test(principal);
}

/**
 * The partner role's trust: the named principal; with an external ID for a partner in
 * another account (checked in resolveProps); without one, only a principal of this account
 * (`aws:PrincipalAccount`), so a role ARN of another account can never assume it.
 */
function partnerPrincipal(partner: PartnerProps): iam.IPrincipal {
  const p = partner.principal;
  const base = /^\d{12}$/.test(p) ? new iam.AccountPrincipal(p) : new iam.ArnPrincipal(p);
  if (partner.externalId) return base;
  return base.withConditions({ StringEquals: { 'aws:PrincipalAccount': Aws.ACCOUNT_ID } });
}

function acknowledgeDeadLetterQueue(queue: sqs.Queue, what: string): void {
  const reason = `This queue is itself ${what}; nothing consumes it automatically, so there is no consumer whose failures would need a further dead-letter queue.`;
  Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason }, { id: 'Serverless-SQSRedrivePolicy', reason });
}

interface ResolvedConfig {
  schedule: string;
  boundaries: BoundaryName[];
  shards: number;
  mapConcurrency: number;
  retentionDays: number;
  reportRetentionDays: number;
  accessLogRetentionDays: number;
  debounceSeconds: number;
  maxWaitSeconds: number;
  reportLinkExpirySeconds: number;
  inboundRetentionDays: number;
  workflowLogLevel: WorkflowLogLevel;
  workflowLogExecutionData: boolean;
  ingestReservedConcurrency: number | 'none';
  reconConfigJson: string;
  partners: PartnerProps[];
}

function invalid(message: string): never {
  throw new ReconError(ErrorCodes.CONFIG_INVALID, `OmsReconciliation: ${message}`);
}

function intIn(name: keyof typeof LIMITS | 'reportRetentionDays' | 'accessLogRetentionDays' | 'inboundRetentionDays', value: number | undefined, dflt: number): number {
  const v = value ?? dflt;
  const lim = name in LIMITS ? LIMITS[name as keyof typeof LIMITS] : LIMITS.retentionDays;
  if (!Number.isInteger(v) || v < lim.min || v > lim.max) invalid(`${name} must be an integer from ${lim.min} to ${lim.max}, got ${v}`);
  return v;
}

/** SigV4: a pre-signed URL is valid for at most 7 days. */
const PRESIGN_MAX_SECONDS = LIMITS.reportLinkHours.max * 3600;

function linkExpirySeconds(expiry: Duration | undefined): number {
  const seconds = expiry === undefined ? DEFAULTS.reportLinkHours * 3600 : expiry.toSeconds();
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > PRESIGN_MAX_SECONDS) invalid(`reportLinkExpiry must be from 1 second to 7 days (SigV4's maximum for a pre-signed URL), got ${expiry?.toHumanString()}`);
  return seconds;
}

/** Checks the props and fills in defaults; every problem is a CONFIG_INVALID ReconError. */
export function resolveProps(props: OmsReconciliationProps, account?: string): ResolvedConfig {
  const workflowLogLevel = props.workflowLogLevel ?? DEFAULTS.workflowLogLevel;
  if (!(WORKFLOW_LOG_LEVELS as readonly string[]).includes(workflowLogLevel)) invalid(`workflowLogLevel must be one of ${WORKFLOW_LOG_LEVELS.join(', ')}, got ${JSON.stringify(workflowLogLevel)}`);
  const schedule = props.schedule ?? DEFAULTS.schedule;
  if (!SCHEDULE_PATTERN.test(schedule)) invalid(`schedule must be an EventBridge cron(...) or rate(...) expression, got ${JSON.stringify(schedule)}`);

  const boundaries = props.boundaries ?? [...BOUNDARIES];
  for (const b of boundaries) if (!(BOUNDARIES as readonly string[]).includes(b)) invalid(`unknown boundary ${JSON.stringify(b)} (expected ${BOUNDARIES.join(', ')})`);
  if (new Set(boundaries).size !== boundaries.length) invalid('boundaries lists a boundary twice');

  const partners = props.partners ?? [];
  const unboundFiles = props.unboundFiles ?? DEFAULTS.unboundFiles;
  if (unboundFiles !== 'allow' && unboundFiles !== 'reject') invalid(`unboundFiles must be "allow" or "reject", got ${JSON.stringify(unboundFiles)}`);
  let reconConfig: Record<string, unknown> = {};
  if (props.reconConfig !== undefined) {
    if (typeof props.reconConfig !== 'object' || props.reconConfig === null || Array.isArray(props.reconConfig)) invalid('reconConfig must be a JSON object');
    if ('mappingFile' in props.reconConfig) invalid('reconConfig.mappingFile cannot be read by the Lambda functions: put the mappings inline in reconConfig.mappings');
    for (const k of ['partners', 'unboundFiles'] as const) {
      if (Object.hasOwn(props.reconConfig, k)) invalid(`reconConfig.${k} is set from the construct's ${k} prop (-c ${k}): give it there`);
    }
    reconConfig = { ...(props.reconConfig as Record<string, unknown>) };
  }

  const seen = new Set<string>();
  for (const p of partners) {
    if (!PARTNER_NAME_PATTERN.test(p.name)) invalid(`partner name ${JSON.stringify(p.name)} must be 1-48 of a-z, 0-9, ".", "_", "-", starting with a letter or digit`);
    if (seen.has(p.name)) invalid(`partner ${p.name} is listed twice`);
    seen.add(p.name);
    if (!Array.isArray(p.feeds) || p.feeds.length === 0) invalid(`partner ${p.name} needs at least one feed`);
    for (const f of p.feeds) if (!(FEED_NAMES as readonly string[]).includes(f)) invalid(`partner ${p.name}: unknown feed ${JSON.stringify(f)} (expected one of ${FEED_NAMES.join(', ')})`);
    if (p.principal === undefined) invalid(`partner ${p.name}: principal is required (the account root is never trusted by default): the ARN of the role or user that uploads, or the partner's account ID with an externalId`);
    if (!PRINCIPAL_PATTERN.test(p.principal)) invalid(`partner ${p.name}: principal must be a 12-digit account ID or an IAM root/role/user ARN, got ${JSON.stringify(p.principal)}`);
    if (p.externalId !== undefined && !/^[\w+=,.@:/-]{2,1224}$/.test(p.externalId)) invalid(`partner ${p.name}: externalId must be 2-1224 of letters, digits and +=,.@:/-`);
    if (p.externalId === undefined) {
      if (isAccountWide(p.principal)) invalid(`partner ${p.name}: principal ${p.principal} trusts a whole account: give an externalId (a partner in another account), or name the IAM role or user that uploads (a partner in this account)`);
      if (account !== undefined && accountOf(p.principal) !== account) invalid(`partner ${p.name}: principal ${p.principal} is in another account (${accountOf(p.principal)}, this stack is in ${account}): an externalId is required`);
    }
    for (const list of ['channels', 'facilities'] as const) {
      const values = p[list];
      if (values === undefined) continue;
      if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== 'string' || v.trim() === '')) invalid(`partner ${p.name}: ${list} must be a non-empty list of names (or ["*"])`);
    }
    for (const f of p.feeds) {
      const list = BOUND_BY[f]?.list;
      if (list && p[list] === undefined) invalid(`partner ${p.name} sends ${f}: list the ${list} it may report (${list}: [...], or ["*"] for any)`);
    }
  }

  // The handlers apply the partner binding from RECON_CONFIG (lib/engine/binding.ts).
  if (partners.length > 0) reconConfig.partners = partners.map(bindingOf);
  if (props.unboundFiles !== undefined) reconConfig.unboundFiles = unboundFiles;
  const reconConfigJson = JSON.stringify(reconConfig);
  // Lambda allows 4 KB of environment in total; the other variables stay well under 1 KB.
  if (Buffer.byteLength(reconConfigJson) > ENV_LIMIT_BYTES - 1024) {
    invalid(`reconConfig (with the partners' bindings) is ${Buffer.byteLength(reconConfigJson)} bytes as JSON; Lambda allows 4 KB of environment in total (keep it under 3 KB)`);
  }
  parseConfig(reconConfig, 'reconConfig');

  const resolved: ResolvedConfig = {
    schedule,
    boundaries,
    shards: intIn('shards', props.shards, DEFAULTS.shards),
    mapConcurrency: intIn('mapConcurrency', props.mapConcurrency, DEFAULTS.mapConcurrency),
    retentionDays: intIn('retentionDays', props.retentionDays, DEFAULTS.retentionDays),
    reportRetentionDays: intIn('reportRetentionDays', props.reportRetentionDays, DEFAULTS.reportRetentionDays),
    accessLogRetentionDays: intIn('accessLogRetentionDays', props.accessLogRetentionDays, DEFAULTS.accessLogRetentionDays),
    debounceSeconds: intIn('debounceSeconds', props.debounceSeconds, DEFAULTS.debounceSeconds),
    maxWaitSeconds: intIn('maxWaitSeconds', props.maxWaitSeconds, DEFAULTS.maxWaitSeconds),
    reportLinkExpirySeconds: linkExpirySeconds(props.reportLinkExpiry),
    inboundRetentionDays: intIn('inboundRetentionDays', props.inboundRetentionDays, DEFAULTS.inboundRetentionDays),
    workflowLogLevel,
    workflowLogExecutionData: props.workflowLogExecutionData ?? DEFAULTS.workflowLogExecutionData,
    ingestReservedConcurrency:
      props.ingestReservedConcurrency === 'none' ? 'none' : intIn('ingestReservedConcurrency', props.ingestReservedConcurrency, DEFAULTS.ingestReservedConcurrency),
    reconConfigJson,
    partners,
  };
  return resolved;
}

/** What the handlers need of a partner (RECON_CONFIG `partners`): its name and lists. */
function bindingOf(p: PartnerProps): PartnerBinding {
  const b: PartnerBinding = { name: p.name };
  if (p.channels) b.channels = p.channels;
  if (p.facilities) b.facilities = p.facilities;
  return b;
}

/**
 * A directory of do-nothing handler files, for synthesizing with bundling skipped when
 * the real functions are not needed (cdk/asl.ts, tests). Never under functions/.
 */
export function stubFunctionsDir(): string {
  // Outside the package: the installed package may be read-only.
  const dir = join(tmpdir(), 'oms-recon-cdk-stub-functions');
  // One stub per function the construct knows, and per handler file of the package (a new
  // function gets its stub as soon as its file exists).
  const names = new Set<string>(FunctionNames);
  if (existsSync(DEFAULT_FUNCTIONS_DIR)) {
    for (const e of readdirSync(DEFAULT_FUNCTIONS_DIR, { withFileTypes: true })) {
      if (e.isFile() && e.name.endsWith('.ts')) names.add(e.name.slice(0, -3));
      else if (e.isDirectory()) names.add(e.name);
    }
  }
  mkdirSync(dir, { recursive: true });
  for (const n of names) {
    const file = join(dir, `${n}.ts`);
    if (!existsSync(file)) writeFileSync(file, `export const handler = async () => ({}); // stub for synth without bundling: ${n}\n`);
  }
  return dir;
}
