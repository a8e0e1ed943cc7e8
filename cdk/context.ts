/**
 * Reads the construct's props from CDK context (`-c key=value` on the command line, or the
 * `context` of cdk.json), validated with zod. Command-line values arrive as strings, cdk.json
 * values as JSON; both are accepted. Every problem is one CONFIG_INVALID ReconError that
 * lists each bad key with what was expected.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { z } from 'zod';
import { ErrorCodes, ReconError } from '../lib/errors.ts';
import { BOUNDARIES, FEED_NAMES } from '../lib/feeds/catalog.ts';
import {
  LIMITS,
  PARTNER_NAME_PATTERN,
  PRINCIPAL_PATTERN,
  SCHEDULE_PATTERN,
  WORKFLOW_LOG_LEVELS,
  type OmsReconciliationProps,
} from './oms-reconciliation.ts';

/** Every context key the app reads, with its meaning (docs/deploy.md lists the same). */
export const CONTEXT_KEYS = {
  stackName: 'CloudFormation stack name (default OmsRecon)',
  alertEmails: 'comma-separated email addresses subscribed to the summary topic',
  slackWorkspaceId: 'AWS Chatbot Slack workspace ID (with slackChannelId)',
  slackChannelId: 'Slack channel ID (with slackWorkspaceId)',
  slackChannelName: 'name of the AWS Chatbot channel configuration (default <stackName>-<slackChannelId>)',
  schedule: 'EventBridge cron(...) or rate(...) expression of the scheduled runs (UTC)',
  boundaries: 'comma-separated boundaries with a scheduled run (intake,fulfillment,inventory,financial)',
  shards: 'shards per boundary (1-256)',
  mapConcurrency: 'shards compared at once (1-40)',
  retentionDays: 'days records, runs/, rejected/ and their old object versions are kept',
  inboundRetentionDays: 'days partner files under inbound/ and their old versions are kept (default 35)',
  reportRetentionDays: 'days reports/ are kept',
  accessLogRetentionDays: 'days S3 access logs are kept',
  debounceSeconds: 'seconds without a landed file before a run plans (0-3600)',
  maxWaitSeconds: 'longest wait for a drop to settle before a run plans anyway (1-3600)',
  reconConfig: 'JSON of the reconciliation config (tolerances, SLA, presets, mappings)',
  partners: 'JSON array of { "name", "feeds": [...], "channels"?, "facilities"?, "principal", "externalId"? }',
  unboundFiles: 'allow (default) or reject: rows of inbound files in no partner prefix',
  workflowLogLevel: 'state machine log level: ERROR (default), ALL, FATAL or OFF',
  workflowLogExecutionData: 'true to include execution data in state machine logs (default false)',
  ingestReservedConcurrency: 'reserved concurrency of ingest, 1-1000 or none (default 10)',
  reportLinkBase: 'URL prefix put before the report.html key in messages, instead of a pre-signed link',
  reportLinkHours: 'hours the pre-signed report.html link in messages is valid (1-168; default 168 = 7 days)',
  removalPolicy: 'retain (default) or destroy: what deleting the stack does to data',
} as const;
export type ContextKey = keyof typeof CONTEXT_KEYS;

const str = z.string().trim().min(1, 'must not be empty');

/** A list given as "a,b,c" on the command line or as a JSON array in cdk.json. */
const list = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter((s) => s.length > 0) : v), z.array(item).min(1, 'must list at least one value'));

const int = (min: number, max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v),
    z.number({ error: `must be a whole number from ${min} to ${max}` }).int(`must be a whole number from ${min} to ${max}`).min(min, `must be at least ${min}`).max(max, `must be at most ${max}`),
  );

/** JSON given as a string on the command line, or as a value in cdk.json. */
const json = <T extends z.ZodType>(inner: T) =>
  z.preprocess((v, ctx) => {
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v) as unknown;
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: `is not valid JSON (${(e as Error).message})` });
      return z.NEVER;
    }
  }, inner);

const partnerSchema = z
  .object({
    name: z.string().regex(PARTNER_NAME_PATTERN, 'must be 1-48 of a-z, 0-9, ".", "_", "-", starting with a letter or digit'),
    feeds: z.array(z.enum(FEED_NAMES)).min(1, 'must list at least one feed'),
    channels: z.array(str).min(1, 'must list at least one channel (or "*")').optional(),
    facilities: z.array(str).min(1, 'must list at least one facility (or "*")').optional(),
    principal: z
      .string({ error: 'is required: the ARN of the role or user that uploads, or the partner\'s account ID with an externalId' })
      .regex(PRINCIPAL_PATTERN, 'must be a 12-digit account ID or an IAM root/role/user ARN'),
    externalId: z.string().min(2).max(1224).optional(),
  })
  .strict();

export const contextSchema = z
  .object({
    stackName: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'must be a CloudFormation stack name (letters, digits, "-", starting with a letter)').optional(),
    alertEmails: list(z.email('must be email addresses')).optional(),
    slackWorkspaceId: str.optional(),
    slackChannelId: str.optional(),
    slackChannelName: z.string().regex(/^[A-Za-z0-9-_]{1,128}$/, 'must be 1-128 of letters, digits, "-", "_"').optional(),
    schedule: z.string().trim().regex(SCHEDULE_PATTERN, 'must be an EventBridge cron(...) or rate(...) expression, e.g. "cron(0 6 * * ? *)"').optional(),
    boundaries: list(z.enum(BOUNDARIES)).optional(),
    shards: int(LIMITS.shards.min, LIMITS.shards.max).optional(),
    mapConcurrency: int(LIMITS.mapConcurrency.min, LIMITS.mapConcurrency.max).optional(),
    retentionDays: int(LIMITS.retentionDays.min, LIMITS.retentionDays.max).optional(),
    inboundRetentionDays: int(LIMITS.retentionDays.min, LIMITS.retentionDays.max).optional(),
    reportRetentionDays: int(LIMITS.retentionDays.min, LIMITS.retentionDays.max).optional(),
    accessLogRetentionDays: int(LIMITS.retentionDays.min, LIMITS.retentionDays.max).optional(),
    debounceSeconds: int(LIMITS.debounceSeconds.min, LIMITS.debounceSeconds.max).optional(),
    maxWaitSeconds: int(LIMITS.maxWaitSeconds.min, LIMITS.maxWaitSeconds.max).optional(),
    reconConfig: json(z.record(z.string(), z.unknown(), 'must be a JSON object')).optional(),
    partners: json(z.array(partnerSchema, 'must be a JSON array of partners')).optional(),
    reportLinkBase: z.url('must be a URL').optional(),
    reportLinkHours: int(LIMITS.reportLinkHours.min, LIMITS.reportLinkHours.max).optional(),
    unboundFiles: z.preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.enum(['allow', 'reject'], 'must be "allow" or "reject"')).optional(),
    workflowLogLevel: z.preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), z.enum(WORKFLOW_LOG_LEVELS, `must be one of ${WORKFLOW_LOG_LEVELS.join(', ')}`)).optional(),
    workflowLogExecutionData: z
      .preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean('must be true or false'))
      .optional(),
    ingestReservedConcurrency: z
      .union([z.literal('none'), int(LIMITS.ingestReservedConcurrency.min, LIMITS.ingestReservedConcurrency.max)], `must be "none" or a whole number from ${LIMITS.ingestReservedConcurrency.min} to ${LIMITS.ingestReservedConcurrency.max}`)
      .optional(),
    removalPolicy: z.preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.enum(['retain', 'destroy'], 'must be "retain" or "destroy"')).optional(),
  })
  .superRefine((c, ctx) => {
    if ((c.slackWorkspaceId === undefined) !== (c.slackChannelId === undefined)) {
      ctx.addIssue({ code: 'custom', path: [c.slackWorkspaceId === undefined ? 'slackWorkspaceId' : 'slackChannelId'], message: 'slackWorkspaceId and slackChannelId go together' });
    }
    if (c.slackChannelName !== undefined && c.slackChannelId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['slackChannelName'], message: 'needs slackWorkspaceId and slackChannelId' });
    }
    if (c.partners) {
      const names = c.partners.map((p) => p.name);
      const dup = names.find((n, i) => names.indexOf(n) !== i);
      if (dup) ctx.addIssue({ code: 'custom', path: ['partners'], message: `partner ${dup} is listed twice` });
    }
  });

export interface AppSettings {
  stackName: string;
  props: OmsReconciliationProps;
}

/**
 * Parses the context values of the keys in CONTEXT_KEYS (`get` is usually
 * `(k) => app.node.tryGetContext(k)`). Unknown keys are not looked at.
 */
export function parseContext(get: (key: ContextKey) => unknown): AppSettings {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(CONTEXT_KEYS) as ContextKey[]) {
    const v = get(key);
    if (v !== undefined && v !== null && v !== '') raw[key] = v;
  }
  const r = contextSchema.safeParse(raw);
  if (!r.success) {
    const lines = r.error.issues.map((i) => {
      const key = String(i.path[0] ?? '');
      const rest = i.path.slice(1).map(String).join('.');
      return `  -c ${key}${rest ? ` (at ${rest})` : ''}: ${i.message}`;
    });
    throw new ReconError(ErrorCodes.CONFIG_INVALID, `invalid CDK context:\n${lines.join('\n')}`, { file: 'cdk context' }, { cause: r.error });
  }
  const c = r.data;
  const props: OmsReconciliationProps = {
    alertEmails: c.alertEmails,
    slack: c.slackWorkspaceId && c.slackChannelId ? { workspaceId: c.slackWorkspaceId, channelId: c.slackChannelId, channelName: c.slackChannelName } : undefined,
    schedule: c.schedule,
    boundaries: c.boundaries,
    shards: c.shards,
    mapConcurrency: c.mapConcurrency,
    retentionDays: c.retentionDays,
    inboundRetentionDays: c.inboundRetentionDays,
    reportRetentionDays: c.reportRetentionDays,
    accessLogRetentionDays: c.accessLogRetentionDays,
    debounceSeconds: c.debounceSeconds,
    maxWaitSeconds: c.maxWaitSeconds,
    reconConfig: c.reconConfig,
    partners: c.partners,
    unboundFiles: c.unboundFiles,
    workflowLogLevel: c.workflowLogLevel,
    workflowLogExecutionData: c.workflowLogExecutionData,
    ingestReservedConcurrency: c.ingestReservedConcurrency,
    reportLinkBase: c.reportLinkBase,
    reportLinkExpiry: c.reportLinkHours === undefined ? undefined : Duration.hours(c.reportLinkHours),
    removalPolicy: c.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : c.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : undefined,
  };
  return { stackName: c.stackName ?? 'OmsRecon', props };
}
