/**
 * The CDK app (`npx cdk synth|deploy -c key=value …`, see docs/deploy.md): one OmsReconStack,
 * configured from context and checked by the cdk-nag AwsSolutions and Serverless packs on every synth.
 */
import { isReconError } from '../lib/errors.ts';
import { parseContext } from './context.ts';
import { OmsReconStack, createApp } from './stack.ts';

try {
  const app = createApp();
  const { stackName, props } = parseContext((key) => app.node.tryGetContext(key));
  new OmsReconStack(app, stackName, {
    recon: props,
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  app.synth();
} catch (e) {
  if (isReconError(e)) {
    process.stderr.write(`oms-recon: ${e.describe()}\n`);
    process.exit(2);
  }
  throw e;
}
