import { describe, expect, it } from 'vitest';
import { RemovalPolicy } from 'aws-cdk-lib';
import { ErrorCodes, ReconError } from '../../lib/errors.ts';
import { CONTEXT_KEYS, parseContext, type ContextKey } from '../../cdk/context.ts';
import { resolveProps } from '../../cdk/oms-reconciliation.ts';

const from = (values: Partial<Record<ContextKey, unknown>>) => (key: ContextKey) => values[key];

function errorOf(values: Partial<Record<ContextKey, unknown>>): ReconError {
  try {
    parseContext(from(values));
  } catch (e) {
    if (e instanceof ReconError) return e;
    throw e;
  }
  throw new Error('parseContext accepted the context');
}

describe('parseContext', () => {
  it('gives the defaults (no props) for an empty context', () => {
    // Act
    const settings = parseContext(from({}));
    // Assess
    expect(settings.stackName).toBe('OmsRecon');
    expect(Object.values(settings.props).filter((v) => v !== undefined)).toEqual([]);
  });

  it('reads command-line strings: lists, numbers, JSON and the Slack pair', () => {
    // Prepare: what `-c key=value` gives the app
    const values = {
      stackName: 'ReconProd',
      alertEmails: 'ops@example.com, finance@example.com',
      schedule: 'cron(30 5 * * ? *)',
      boundaries: 'inventory,financial',
      shards: '32',
      mapConcurrency: '4',
      retentionDays: '60',
      debounceSeconds: '0',
      maxWaitSeconds: '30',
      reportLinkHours: '24',
      slackWorkspaceId: 'T0123ABCD',
      slackChannelId: 'C0123ABCD',
      reconConfig: '{"tolerances":{"money":"0.01"}}',
      partners: '[{"name":"shopify","feeds":["channel-orders"],"channels":["shopify"],"principal":"111122223333","externalId":"x-1"}]',
      removalPolicy: 'DESTROY',
      inboundRetentionDays: '30',
      unboundFiles: 'reject',
      workflowLogLevel: 'all',
      workflowLogExecutionData: 'true',
      ingestReservedConcurrency: '5',
    };
    // Act
    const { stackName, props } = parseContext(from(values));
    // Assess
    expect(stackName).toBe('ReconProd');
    expect(props.reportLinkExpiry?.toSeconds()).toBe(24 * 3600);
    expect(props).toMatchObject({
      alertEmails: ['ops@example.com', 'finance@example.com'],
      schedule: 'cron(30 5 * * ? *)',
      boundaries: ['inventory', 'financial'],
      shards: 32,
      mapConcurrency: 4,
      retentionDays: 60,
      debounceSeconds: 0,
      maxWaitSeconds: 30,
      slack: { workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' },
      reconConfig: { tolerances: { money: '0.01' } },
      partners: [{ name: 'shopify', feeds: ['channel-orders'], channels: ['shopify'], principal: '111122223333', externalId: 'x-1' }],
      removalPolicy: RemovalPolicy.DESTROY,
      inboundRetentionDays: 30,
      unboundFiles: 'reject',
      workflowLogLevel: 'ALL',
      workflowLogExecutionData: true,
      ingestReservedConcurrency: 5,
    });
  });

  it('reads cdk.json values: arrays, numbers and objects', () => {
    const { props } = parseContext(
      from({
        alertEmails: ['ops@example.com'],
        shards: 8,
        reconConfig: { intake: { compareTotal: false } },
        partners: [{ name: '3pl', feeds: ['shipments'], facilities: ['DAL1'], principal: 'arn:aws:iam::123456789012:role/3pl' }],
        inboundRetentionDays: 14,
        workflowLogExecutionData: false,
        ingestReservedConcurrency: 'none',
      }),
    );
    expect(props).toMatchObject({
      alertEmails: ['ops@example.com'],
      shards: 8,
      reconConfig: { intake: { compareTotal: false } },
      partners: [{ name: '3pl', feeds: ['shipments'], facilities: ['DAL1'], principal: 'arn:aws:iam::123456789012:role/3pl' }],
      inboundRetentionDays: 14,
      workflowLogExecutionData: false,
      ingestReservedConcurrency: 'none',
    });
  });

  it.each([
    ['shards', { shards: 'many' }, '-c shards: must be a whole number from 1 to 256'],
    ['shards', { shards: '0' }, '-c shards: must be at least 1'],
    ['shards', { shards: '2.5' }, '-c shards: must be a whole number from 1 to 256'],
    ['mapConcurrency', { mapConcurrency: '100' }, '-c mapConcurrency: must be at most 40'],
    ['alertEmails', { alertEmails: 'ops@example.com,not-an-address' }, '-c alertEmails (at 1): must be email addresses'],
    ['schedule', { schedule: 'daily' }, '-c schedule: must be an EventBridge cron(...) or rate(...) expression'],
    ['boundaries', { boundaries: 'inventory,billing' }, '-c boundaries (at 1):'],
    ['reconConfig', { reconConfig: '{tolerances:' }, '-c reconConfig: is not valid JSON'],
    ['reconConfig', { reconConfig: '[1,2]' }, '-c reconConfig: must be a JSON object'],
    ['partners', { partners: '{"name":"x"}' }, '-c partners: must be a JSON array of partners'],
    ['partners', { partners: '[{"name":"x","feeds":["orders"],"principal":"111122223333"}]' }, '-c partners (at 0.feeds.0):'],
    ['partners', { partners: '[{"name":"x","feeds":["shipments"],"principal":"bob"}]' }, '-c partners (at 0.principal): must be a 12-digit account ID'],
    ['partners', { partners: '[{"name":"x","feeds":["shipments"]}]' }, '-c partners (at 0.principal): is required: the ARN of the role or user that uploads'],
    ['partners', { partners: '[{"name":"x","feeds":["shipments"],"facilities":[],"principal":"111122223333"}]' }, '-c partners (at 0.facilities): must list at least one facility'],
    ['partners', { partners: '[{"name":"x","feeds":["shipments"],"principal":"111122223333"},{"name":"x","feeds":["shipments"],"principal":"111122223333"}]' }, '-c partners: partner x is listed twice'],
    ['inboundRetentionDays', { inboundRetentionDays: '0' }, '-c inboundRetentionDays: must be at least 1'],
    ['unboundFiles', { unboundFiles: 'ignore' }, '-c unboundFiles: must be "allow" or "reject"'],
    ['workflowLogLevel', { workflowLogLevel: 'debug' }, '-c workflowLogLevel: must be one of ALL, ERROR, FATAL, OFF'],
    ['workflowLogExecutionData', { workflowLogExecutionData: 'yes' }, '-c workflowLogExecutionData: must be true or false'],
    ['ingestReservedConcurrency', { ingestReservedConcurrency: 'lots' }, '-c ingestReservedConcurrency: must be "none" or a whole number from 1 to 1000'],
    ['slackChannelId', { slackWorkspaceId: 'T1' }, '-c slackChannelId: slackWorkspaceId and slackChannelId go together'],
    ['removalPolicy', { removalPolicy: 'keep' }, '-c removalPolicy: must be "retain" or "destroy"'],
    ['reportLinkHours', { reportLinkHours: '169' }, '-c reportLinkHours: must be at most 168'],
    ['reportLinkHours', { reportLinkHours: '0' }, '-c reportLinkHours: must be at least 1'],
  ])('names the bad key %s and what it expects', (_key, values, message) => {
    // Act
    const e = errorOf(values as Partial<Record<ContextKey, unknown>>);
    // Assess
    expect(e.code).toBe(ErrorCodes.CONFIG_INVALID);
    expect(e.message).toContain(message);
    expect(e.describe()).toMatch(/^cdk context: invalid CDK context:/);
  });

  it('lists every bad key at once', () => {
    const e = errorOf({ shards: 'x', schedule: 'y', alertEmails: 'z' });
    expect(e.message.split('\n').filter((l) => l.startsWith('  -c '))).toHaveLength(3);
  });

  it("parses the deploy command of docs/deploy.md, each -c value on one line", async () => {
    // Prepare: the `npx cdk deploy \` command, its continuation lines joined as the shell does
    const { readFile } = await import('node:fs/promises');
    const doc = await readFile(new URL('../../docs/deploy.md', import.meta.url), 'utf8');
    const start = doc.indexOf('npx cdk deploy \\\n');
    const lines: string[] = [];
    for (const line of doc.slice(start).split('\n')) {
      lines.push(line.replace(/\\$/, ''));
      if (!line.endsWith('\\')) break;
    }
    const values: Record<string, string> = {};
    for (const m of lines.join(' ').matchAll(/-c (\w+)=(?:'([^'\n]*)'|(\S+))/g)) values[m[1]] = m[2] ?? m[3];
    // Act
    const { props } = parseContext(from(values));
    // Assess
    expect(Object.keys(values)).toEqual(expect.arrayContaining(['partners', 'reconConfig', 'inboundRetentionDays', 'unboundFiles']));
    expect(props.partners?.map((p) => p.name)).toEqual(['shopify', 'dal-3pl', 'erp']);
    expect(props.unboundFiles).toBe('reject');
    // …and the construct accepts them (principals, external IDs, channel / facility lists)
    expect(resolveProps(props, '123456789012').partners).toHaveLength(3);
  });

  it('documents every key it reads in docs/deploy.md', async () => {
    const { readFile } = await import('node:fs/promises');
    const doc = await readFile(new URL('../../docs/deploy.md', import.meta.url), 'utf8');
    for (const key of Object.keys(CONTEXT_KEYS)) expect(doc, key).toContain(`\`${key}\``);
  });
});
