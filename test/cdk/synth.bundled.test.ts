/**
 * What `npx cdk synth` does in a clone: the real app (cdk.json: tsx cdk/app.ts), offline, with
 * cdk-nag and the four handlers bundled from functions/*.ts by the local esbuild at synth
 * (cdk/bundling.ts, the options `npm run build` uses for dist/functions; test/package covers
 * the prebuilt route). Slow (~20–30 s), so once: every other CDK test skips bundling. Each
 * bundle must load as the Lambda runtime loads it and export `handler`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FunctionNames } from '../../lib/pipeline/contracts.ts';

const root = resolve(import.meta.dirname, '../..');
const out = mkdtempSync(join(tmpdir(), 'oms-recon-cdk-out-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('npx cdk synth', () => {
  it('synthesizes offline with cdk-nag, and bundles every handler into a module that loads', async () => {
    // Act
    const r = spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', out], {
      cwd: root,
      encoding: 'utf8',
      timeout: 540_000,
      env: { ...process.env, AWS_REGION: 'us-east-1', CDK_DISABLE_VERSION_CHECK: '1', CI: 'true' },
    });
    // Assess
    expect(r.status, r.stderr).toBe(0);
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // these machines run Node 20; Lambda runs 24
    const templateFile = readdirSync(out).find((f) => f.endsWith('.template.json'))!;
    const template = JSON.parse(readFileSync(join(out, templateFile), 'utf8'));
    const functions = Object.values(template.Resources as Record<string, { Type: string; Properties: any; Metadata?: any }>).filter(
      (x) => x.Type === 'AWS::Lambda::Function' && x.Metadata?.['aws:asset:path'],
    );
    for (const fn of functions) {
      const dir = join(out, fn.Metadata['aws:asset:path']);
      const file = ['index.mjs', 'index.js'].map((n) => join(dir, n)).find(existsSync)!;
      // The runtime imports the bundle and calls `handler`; importing must not need AWS or the environment.
      const mod = await import(pathToFileURL(file).href);
      expect(typeof mod.handler, file).toBe('function');
    }
    expect(functions.length).toBeGreaterThanOrEqual(FunctionNames.length);
  }, 600_000);
});
