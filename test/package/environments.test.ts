/**
 * Several environments side by side: dev and prod stacks in one account and region, notifying
 * the same Slack channel, must not claim one physical name twice (CloudFormation would fail
 * the second deploy). Every literal name property of every resource is compared.
 */
import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { SLACK_CONFIGURATION_NAME_MAX, slackConfigurationName, stubFunctionsDir, type OmsReconciliationProps } from '../../cdk/oms-reconciliation.ts';
import { OmsReconStack, createApp } from '../../cdk/stack.ts';
import { outdir } from '../cdk/helpers.ts';

const env = { account: '123456789012', region: 'eu-west-1' };
const shared: OmsReconciliationProps = {
  functionsDir: stubFunctionsDir(),
  alertEmails: ['ops@example.com'],
  slack: { workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' },
  partners: [{ name: 'dal-3pl', feeds: ['warehouse-inventory'], facilities: ['DAL1'], principal: '111122223333', externalId: 'dal-3pl-19c2' }],
};

/** Properties that name something but are not unique names in an account. */
const NOT_PHYSICAL = new Set(['DisplayName', 'MetricName', 'AWS::IAM::Policy PolicyName']);

type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>; Outputs?: Record<string, { Export?: { Name?: unknown } }> };

/** `<type> <property>=<name>` for each literal (resolved) name the template gives a resource or export. */
function physicalNames(template: Template): string[] {
  const names: string[] = [];
  for (const r of Object.values(template.Resources)) {
    for (const [key, value] of Object.entries(r.Properties ?? {})) {
      if (!/Name$/.test(key) || NOT_PHYSICAL.has(key) || NOT_PHYSICAL.has(`${r.Type} ${key}`)) continue;
      if (typeof value === 'string') names.push(`${r.Type} ${key}=${value}`);
    }
  }
  for (const o of Object.values(template.Outputs ?? {})) if (typeof o.Export?.Name === 'string') names.push(`Export=${o.Export.Name}`);
  return names;
}

describe('two environments in one account', () => {
  it('dev and prod, on the same Slack channel, share no physical name', () => {
    // Prepare
    const app = createApp({ skipBundling: true, nag: false, appProps: { outdir } });
    const dev = new OmsReconStack(app, 'OmsRecon-dev', { env, recon: { ...shared, shards: 4 } });
    const prod = new OmsReconStack(app, 'OmsRecon-prod', { env, recon: { ...shared, shards: 32 } });
    // Act
    const assembly = app.synth();
    const [a, b] = [dev, prod].map((s) => physicalNames(assembly.getStackByName(s.stackName).template as Template));
    // Assess: the names a stack fixes are its own…
    expect(a).toContain('AWS::Chatbot::SlackChannelConfiguration ConfigurationName=OmsRecon-dev-C0123ABCD');
    expect(b).toContain('AWS::Chatbot::SlackChannelConfiguration ConfigurationName=OmsRecon-prod-C0123ABCD');
    // …and none is claimed by both
    expect(a.filter((n) => b.includes(n))).toEqual([]);
    expect(new Set(a).size).toBe(a.length);
  });

  it('names the Chatbot configuration within its limits (1-128 of letters, digits, - and _), one per stack', () => {
    const app = new App();
    const long = (suffix: string) => new Stack(app, `${'Reconciliation-'.repeat(8)}${suffix}`);
    const x = slackConfigurationName(long('dev'), 'C0123ABCD');
    const y = slackConfigurationName(long('prod'), 'C0123ABCD');
    for (const n of [x, y]) {
      expect(n).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(n.length).toBeLessThanOrEqual(SLACK_CONFIGURATION_NAME_MAX);
    }
    expect(x).not.toBe(y);
    expect(slackConfigurationName(new Stack(app, 'OmsRecon'), 'C0123ABCD')).toBe('OmsRecon-C0123ABCD');
  });

  it('keeps a name given in slack.channelName', () => {
    const app = createApp({ skipBundling: true, nag: false, appProps: { outdir } });
    const stack = new OmsReconStack(app, 'OmsRecon-dev', { env, recon: { ...shared, slack: { ...shared.slack!, channelName: 'recon-alerts' } } });
    expect(physicalNames(app.synth().getStackByName(stack.stackName).template as Template)).toContain('AWS::Chatbot::SlackChannelConfiguration ConfigurationName=recon-alerts');
  });
});
