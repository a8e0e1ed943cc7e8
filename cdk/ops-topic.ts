/**
 * The key and the ops topic: where alarms and failed / timed-out / aborted runs go.
 *
 * One customer-managed KMS key (rotation on) encrypts both topics, the run summaries' and the
 * ops one. The AWS-managed `aws/sns` key cannot be used here: its policy cannot be changed,
 * and CloudWatch alarms and EventBridge publish to an encrypted topic only when the key's
 * policy lets their service principal use it (kms:GenerateDataKey* and kms:Decrypt — see
 * "Enable compatibility between event sources from AWS services and encrypted topics",
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html). AWS Chatbot receives
 * the messages SNS delivers (SNS decrypts them itself); its statement lets the Chatbot
 * service principal use the key too, limited to this account, so a chat channel keeps
 * working whichever way the service reads the topic (docs/deploy.md).
 */
import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** The service principals the topic key's policy lets use the key, and why. */
export const TOPIC_KEY_SERVICES = [
  { sid: 'AllowCloudWatchAlarms', service: 'cloudwatch.amazonaws.com', why: 'CloudWatch alarms publish to the ops topic' },
  { sid: 'AllowEventBridge', service: 'events.amazonaws.com', why: 'EventBridge publishes failed, timed-out and aborted runs to the ops topic' },
  { sid: 'AllowChatbot', service: 'chatbot.amazonaws.com', why: 'AWS Chatbot (Amazon Q Developer in chat applications) delivers the topics to Slack' },
] as const;

/** The actions an AWS service needs on the key of an encrypted topic it publishes to. */
export const TOPIC_KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey*'] as const;

export interface OpsTopicProps {
  /** A key to use instead of a new one (its policy must allow TOPIC_KEY_SERVICES when it is not a kms.Key of this app). */
  readonly key?: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
}

export class OpsTopic extends Construct {
  readonly key: kms.IKey;
  readonly topic: sns.Topic;
  /** False when `key` is imported: its policy could not be extended here (docs/deploy.md says what to add). */
  readonly keyPolicyExtended: boolean;

  constructor(scope: Construct, id: string, props: OpsTopicProps) {
    super(scope, id);
    this.key =
      props.key ??
      new kms.Key(this, 'TopicKey', {
        description: 'oms-recon: encrypts the run summary and ops SNS topics',
        enableKeyRotation: true,
        rotationPeriod: Duration.days(365),
        removalPolicy: props.removalPolicy,
      });
    let extended = true;
    for (const { sid, service } of TOPIC_KEY_SERVICES) {
      const added = this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid,
          principals: [new iam.ServicePrincipal(service)],
          actions: [...TOPIC_KEY_ACTIONS],
          resources: ['*'],
          // EventBridge's KMS requests carry no aws:SourceAccount (a condition on it would drop every event).
          ...(service === 'chatbot.amazonaws.com' ? { conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } } } : {}),
        }),
        /* allowNoOp */ true,
      );
      if (!added.statementAdded) extended = false;
    }
    this.keyPolicyExtended = extended;
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'oms-recon ops',
      enforceSSL: true,
      masterKey: this.key,
    });
    allowCloudWatchAlarms(this.topic);
  }
}

/** CloudWatch alarms of this account may publish to the topic (its policy replaces the default one). */
export function allowCloudWatchAlarms(topic: sns.Topic): void {
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarms',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
      },
    }),
  );
}
