/** Fast synthesis for the CDK tests: bundling skipped, stub handler files, optional cdk-nag. */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { Template } from 'aws-cdk-lib/assertions';
import type { App } from 'aws-cdk-lib';
import { stubFunctionsDir, type OmsReconciliationProps } from '../../cdk/oms-reconciliation.ts';
import { OmsReconStack, createApp } from '../../cdk/stack.ts';

export interface Synthesized {
  app: App;
  stack: OmsReconStack;
  template: Template;
  json: { Resources: Record<string, { Type: string; Properties?: any; DependsOn?: string[] | string }>; Outputs?: Record<string, any> };
}

/** One output folder for the test file's synths (CDK's default is a new temp folder each time, left behind). */
export const outdir = mkdtempSync(join(tmpdir(), 'oms-recon-cdk-test-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

export function synth(props: OmsReconciliationProps = {}, opts: { nag?: boolean } = {}): Synthesized {
  const app = createApp({ skipBundling: true, nag: opts.nag ?? false, appProps: { outdir } });
  const stack = new OmsReconStack(app, 'OmsRecon', { recon: { functionsDir: stubFunctionsDir(), ...props } });
  const template = Template.fromStack(stack);
  return { app, stack, template, json: template.toJSON() as Synthesized['json'] };
}

/** Resources of one type, by logical ID. */
export function resourcesOf(s: Synthesized, type: string): Record<string, any> {
  return Object.fromEntries(Object.entries(s.json.Resources).filter(([, r]) => r.Type === type));
}

export function logicalIdOf(s: Synthesized, c: { node: { defaultChild?: unknown } }): string {
  return s.stack.getLogicalId(c.node.defaultChild as never);
}

const require = createRequire(import.meta.url);
/** asl-validator 4 (CommonJS, no types). It mutates its argument: pass a copy. */
export const aslValidator = require('asl-validator') as (
  definition: unknown,
  opts?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errors: Array<{ message?: string }>; errorsText: (separator?: string) => string };

/** aws-local-stepfunctions calls Promise.withResolvers, which Node 20 lacks. */
export function polyfillWithResolvers(): void {
  const P = Promise as unknown as { withResolvers?: () => unknown };
  if (!P.withResolvers) {
    P.withResolvers = () => {
      let resolve!: (v: unknown) => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise((a, b) => {
        resolve = a;
        reject = b;
      });
      return { promise, resolve, reject };
    };
  }
}
