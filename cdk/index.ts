/**
 * `oms-recon/cdk`: the `OmsReconciliation` construct, to embed in your own CDK app.
 *
 *   import { OmsReconciliation } from 'oms-recon/cdk';
 *   new OmsReconciliation(this, 'Recon', { alertEmails: ['ops@example.com'], shards: 32 });
 *
 * `aws-cdk-lib` and `constructs` are peer dependencies. The Lambda code ships prebuilt in the
 * package (`dist/functions/`): synth needs neither esbuild nor a lock file. cdk-nag is not
 * needed by the construct; add `AwsSolutionsChecks` and `ServerlessChecks` to your app if you
 * want them — the construct carries its own acknowledgements.
 */
export {
  DEFAULTS,
  FUNCTION_SPECS,
  LIMITS,
  OmsReconciliation,
  PARTNER_NAME_PATTERN,
  PRINCIPAL_PATTERN,
  SCHEDULE_PATTERN,
  SLACK_CONFIGURATION_NAME_MAX,
  WORKFLOW_LOG_LEVELS,
  slackConfigurationName,
  type OmsReconciliationProps,
  type PartnerProps,
  type SlackProps,
  type WorkflowLogLevel,
} from './oms-reconciliation.ts';
export { CONTEXT_KEYS, parseContext, type AppSettings, type ContextKey } from './context.ts';
export { FunctionNames, type FunctionName } from '../lib/pipeline/contracts.ts';
