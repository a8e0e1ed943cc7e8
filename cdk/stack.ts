/**
 * The deployable stack and the app factory shared by cdk/app.ts (the CLI entry), cdk/asl.ts
 * and the tests, so that all three synthesize the same thing.
 */
import { createRequire } from 'node:module';
import { App, Stack, Validations, type AppProps, type StackProps } from 'aws-cdk-lib';
import type * as CdkNag from 'cdk-nag';
import type { Construct } from 'constructs';
import { OmsReconciliation, type OmsReconciliationProps } from './oms-reconciliation.ts';

export interface OmsReconStackProps extends StackProps {
  readonly recon?: OmsReconciliationProps;
}

/** One stack holding the OmsReconciliation construct (id `Recon`). */
export class OmsReconStack extends Stack {
  readonly recon: OmsReconciliation;

  constructor(scope: Construct, id: string, props: OmsReconStackProps = {}) {
    super(scope, id, {
      description: 'oms-recon: OMS reconciliation against channels, warehouses and the ERP',
      ...props,
    });
    this.recon = new OmsReconciliation(this, 'Recon', props.recon);
  }
}

export interface CreateAppOptions {
  /** Skip esbuild bundling (tests, cdk/asl.ts): `aws:cdk:bundling-stacks: []`. */
  readonly skipBundling?: boolean;
  /** Register the cdk-nag AwsSolutions and Serverless checks (default true). */
  readonly nag?: boolean;
  /** Extra App props (outdir, context…). */
  readonly appProps?: AppProps;
}

/** A CDK app, with the cdk-nag AwsSolutions and Serverless packs registered unless `nag: false`. */
export function createApp(options: CreateAppOptions = {}): App {
  const context: Record<string, unknown> = { ...(options.appProps?.context ?? {}) };
  if (options.skipBundling) context['aws:cdk:bundling-stacks'] = [];
  const app = new App({
    ...options.appProps,
    ...(options.skipBundling ? { builtinCloudFormationValidation: false } : {}),
    context,
  });
  if (options.nag ?? true) {
    const { AwsSolutionsChecks, ServerlessChecks } = loadCdkNag();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  }
  return app;
}

/** cdk-nag, loaded only when the checks are wanted (`oms-recon local` synthesizes without them). */
function loadCdkNag(): typeof CdkNag {
  try {
    return createRequire(import.meta.url)('cdk-nag') as typeof CdkNag;
  } catch (e) {
    throw new Error('oms-recon: the cdk-nag checks need the cdk-nag package (npm install --save-dev cdk-nag)', { cause: e });
  }
}
