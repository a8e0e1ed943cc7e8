/**
 * The report people open, through the pipeline: `oms-recon local` puts report.html beside
 * report.json, and each SNS message links to it with a pre-signed S3 URL whose lifetime is
 * the configured one (X-Amz-Expires). A pre-signed URL made by the same code opens the object
 * from the S3 stand-in with a plain HTTP GET, no SDK and no credentials. (s3rver checks the
 * access key of a query-signed request, but does not compute SigV4 signatures — its source
 * says "unimplemented" — so the signature itself is the SDK's presigner's, not re-checked here.)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3rver, type LocalS3 } from '../../lib/pipeline/standins.ts';
import { presignGet, putText } from '../../lib/pipeline/objects.ts';
import { writeSample } from '../../lib/sample/index.ts';
import { run, tempDir } from '../cli/helpers.ts';

interface Notification { Subject: string; Message: string }

describe('oms-recon local --link-expires', () => {
  const dir = tempDir('report-link-');
  const out = join(dir, 'out');
  let code = -1;
  let notifications: Notification[] = [];

  beforeAll(async () => {
    // Prepare
    writeSample(join(dir, 'inbox'), { seed: 2 });
    // Act
    code = (await run(['local', '--inbox', join(dir, 'inbox'), '--out', out, '--link-expires', '3600'])).code;
    const nDir = join(out, 'notifications');
    notifications = readdirSync(nDir).sort().map((f) => JSON.parse(readFileSync(join(nDir, f), 'utf8')) as Notification);
  }, 120_000);

  it('writes report.html beside report.json for every boundary', () => {
    expect(code).toBe(1);
    for (const b of ['intake', 'fulfillment', 'inventory', 'financial']) {
      expect(existsSync(join(out, b, 'report.json')), b).toBe(true);
      expect(readFileSync(join(out, b, 'report.html'), 'utf8')).toMatch(/^<!DOCTYPE html>[\s\S]*<script type="application\/json" id="report-data">/);
    }
  });

  it('links each message to its run\u2019s report.html with a pre-signed URL valid for the configured time', () => {
    expect(notifications).toHaveLength(4);
    for (const n of notifications) {
      const message = JSON.parse(n.Message) as { default: string; email: string; https: string };
      const link = /Full report: (\S+)/.exec(message.email)?.[1];
      expect(link, n.Subject).toBeDefined();
      const url = new URL(link!);
      expect(url.pathname).toMatch(/^\/oms-recon-local\/reports\/(intake|fulfillment|inventory|financial)\/[^/]+\/report\.html$/);
      const boundary = url.pathname.split('/')[3];
      expect(n.Subject).toContain(boundary);
      expect(url.searchParams.get('X-Amz-Expires')).toBe('3600');
      expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
      expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
      // The same link in the Slack card and the default text
      expect(JSON.parse(message.https).content.nextSteps[0]).toBe(`Full report: ${link}`);
      expect(message.default).toContain(link);
    }
  });

  it('refuses a lifetime over 7 days (SigV4\u2019s maximum)', async () => {
    const res = await run(['local', '--inbox', join(dir, 'inbox'), '--out', join(dir, 'out2'), '--link-expires', '604801']);
    expect(res.code).toBe(2);
    expect(res.err).toContain('--link-expires must be a whole number of seconds from 1 to 604800 (7 days)');
  });
});

describe('presignGet', () => {
  let s3: LocalS3;
  beforeAll(async () => {
    s3 = await startS3rver();
  });
  afterAll(async () => {
    await s3?.stop();
  });

  it('makes a URL that opens the object with a plain GET, naming the key, expiry and credential', async () => {
    // Prepare
    const page = '<!DOCTYPE html><title>report</title>';
    await putText(s3.client, s3.bucket, 'reports/inventory/run-1/report.html', page, 'text/html; charset=utf-8');
    // Act
    const url = await presignGet(s3.client, s3.bucket, 'reports/inventory/run-1/report.html', 600);
    const res = await fetch(url);
    const unknownKey = await fetch(url.replace(/X-Amz-Credential=[^&]+/, 'X-Amz-Credential=NOBODY%2F20261201%2Fus-east-1%2Fs3%2Faws4_request'));
    // Assess
    const q = new URL(url).searchParams;
    expect(new URL(url).pathname).toBe(`/${s3.bucket}/reports/inventory/run-1/report.html`);
    expect(q.get('X-Amz-Expires')).toBe('600');
    expect(q.get('X-Amz-Credential')).toMatch(/^S3RVER\/\d{8}\/us-east-1\/s3\/aws4_request$/);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await res.text()).toBe(page);
    expect(unknownKey.status).toBe(403);
  });
});
