import { describe, expect, it } from 'vitest';
import { Stack, Validations, type CfnResource } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { stubFunctionsDir, type OmsReconciliationProps } from '../../cdk/oms-reconciliation.ts';
import { OmsReconStack, createApp } from '../../cdk/stack.ts';
import { outdir } from './helpers.ts';

/** Every option on, so every resource kind the construct can create is checked. */
const FULL: OmsReconciliationProps = {
  alertEmails: ['ops@example.com'],
  slack: { workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' },
  partners: [
    { name: 'shopify', feeds: ['channel-orders'], channels: ['shopify'], principal: '111122223333', externalId: 'ext-1' },
    { name: 'dal-3pl', feeds: ['shipments', 'warehouse-inventory'], facilities: ['DAL1'], principal: 'arn:aws:iam::123456789012:role/dal-3pl-uploader' },
  ],
};

/** AwsSolutions and Serverless, recording each finding and whether an acknowledgement covered it. */
function recordingChecks() {
  const packs = [new AwsSolutionsChecks(), new ServerlessChecks()];
  const findings: Array<{ id: string; path: string; acknowledged: boolean }> = [];
  for (const checks of packs) {
    // isAcknowledged is private in the typings; wrap it on this instance only.
    const target = checks as unknown as { isAcknowledged: (resource: CfnResource, ruleId: string) => boolean };
    const original = target.isAcknowledged.bind(checks);
    target.isAcknowledged = (resource, ruleId) => {
      const acknowledged = original(resource, ruleId);
      findings.push({ id: ruleId, path: resource.node.path, acknowledged });
      return acknowledged;
    };
  }
  return { packs, findings };
}

interface Ack {
  path: string;
  id: string;
  reason: string;
}
function acknowledgements(root: IConstruct): Ack[] {
  const out: Ack[] = [];
  for (const c of root.node.findAll()) {
    for (const m of c.node.metadata) {
      if (m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(m.data as Record<string, string>)) out.push({ path: c.node.path, id: id.replace(/^Annotation::/i, ''), reason });
    }
  }
  return out;
}

describe('cdk-nag AwsSolutions and Serverless', () => {
  it('passes synthesis of the full stack with zero unacknowledged findings', () => {
    // Prepare
    const app = createApp({ skipBundling: true, nag: true, appProps: { outdir } });
    new OmsReconStack(app, 'OmsRecon', { recon: { functionsDir: stubFunctionsDir(), ...FULL } });
    // Act + Assess: the validation plugin throws on any unacknowledged finding
    expect(() => app.synth()).not.toThrow();
  });

  it('uses every acknowledgement, each with a reason a reviewer can check', () => {
    // Prepare
    const app = createApp({ skipBundling: true, nag: false, appProps: { outdir } });
    new OmsReconStack(app, 'OmsRecon', { recon: { functionsDir: stubFunctionsDir(), ...FULL } });
    app.synth();
    const { packs, findings } = recordingChecks();
    // Act
    const reports = packs.map((checks) => checks.validateScope(app));
    // Assess
    for (const report of reports) expect(report.violations).toEqual([]);
    const acks = acknowledgements(app);
    const rules = new Set(acks.map((a) => a.id.replace(/\[.*$/, '')));
    expect([...rules].sort()).toEqual([
      'AwsSolutions-DDB3',
      'AwsSolutions-IAM4',
      'AwsSolutions-IAM5',
      'AwsSolutions-SF1',
      'AwsSolutions-SQS3',
      'Serverless-LambdaDLQ',
      'Serverless-SQSRedrivePolicy',
    ]);
    for (const ack of acks) {
      const used = findings.some((f) => f.acknowledged && f.id === ack.id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)));
      expect(used, `acknowledgement ${ack.id} at ${ack.path} covers no finding`).toBe(true);
      expect(ack.reason.length, `reason of ${ack.id} at ${ack.path}`).toBeGreaterThanOrEqual(60);
    }
    // No wildcard action is acknowledged anywhere: only resource wildcards.
    expect(acks.filter((a) => a.id.includes('Action::'))).toEqual([]);
  });

  it('fixes the Serverless findings it can: schedule targets and email subscriptions have a dead-letter queue', () => {
    // Prepare
    const app = createApp({ skipBundling: true, nag: false, appProps: { outdir } });
    new OmsReconStack(app, 'OmsRecon', { recon: { functionsDir: stubFunctionsDir(), ...FULL } });
    app.synth();
    const { packs, findings: seen } = recordingChecks();
    // Act: the Serverless pack alone
    packs[1].validateScope(app);
    // Assess: no finding of these rules at all (not even an acknowledged one); the DLQ findings are the acknowledged ones
    expect(seen.filter((f) => ['Serverless-EventBusDLQ', 'Serverless-SNSRedrivePolicy'].includes(f.id))).toEqual([]);
    expect(seen.filter((f) => f.id === 'Serverless-LambdaDLQ').map((f) => f.path.split('/')[2]).sort()).toEqual(['Compare', 'Ingest', 'Plan', 'Summarize']);
  });

  it('fails synthesis on an unacknowledged Serverless finding', () => {
    // Prepare: a queue without a redrive policy
    const app = createApp({ skipBundling: true, nag: true, appProps: { outdir } });
    const stack = new Stack(app, 'CarelessQueue');
    new sqs.Queue(stack, 'Plain', { enforceSSL: true });
    // Act + Assess
    expect(() => app.synth()).toThrow(/Serverless-SQSRedrivePolicy/);
  });

  it('fails synthesis on an unacknowledged finding', () => {
    // Prepare: a bucket without access logs, TLS policy or anything else
    const app = createApp({ skipBundling: true, nag: true, appProps: { outdir } });
    const stack = new Stack(app, 'Careless');
    new s3.Bucket(stack, 'Plain');
    // Act + Assess
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
  });
});
