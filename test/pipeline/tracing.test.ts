/**
 * X-Ray on Lambda: the clients the handlers get (lambdaDeps) are traced by Powertools Tracer
 * when they run on Lambda, and left alone elsewhere (the local runner, the tests).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createObservability, lambdaDeps } from '../../lib/pipeline/observability.ts';

const LAMBDA_ENV = { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x', AWS_LAMBDA_FUNCTION_NAME: 'ingest', AWS_REGION: 'us-east-1', AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR' };
const saved = Object.fromEntries(Object.keys(LAMBDA_ENV).map((k) => [k, process.env[k]]));
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

/** The middleware names of an SDK v3 client. */
const middleware = (client: unknown) => (client as { middlewareStack: { identify(): string[] } }).middlewareStack.identify();

describe('tracing the SDK clients', () => {
  it('adds the X-Ray middleware to the DynamoDB, S3 and Step Functions clients on Lambda', () => {
    Object.assign(process.env, LAMBDA_ENV);
    const deps = lambdaDeps(createObservability());
    for (const client of [deps.dynamo, deps.s3, deps.sfn]) expect(middleware(client).some((m) => /xray/i.test(m)), middleware(client).join(', ')).toBe(true);
  });

  it('leaves the clients untraced off Lambda', () => {
    for (const k of Object.keys(LAMBDA_ENV)) delete process.env[k];
    process.env.AWS_REGION = 'us-east-1';
    const deps = lambdaDeps(createObservability());
    for (const client of [deps.dynamo, deps.s3, deps.sfn]) expect(middleware(client).some((m) => /xray/i.test(m))).toBe(false);
  });
});
