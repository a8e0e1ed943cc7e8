/**
 * What a platform team does with the published package, offline: `npm pack` (its `prepack`
 * runs `npm run build`), install the tarball into a fresh CDK app, embed `OmsReconciliation`
 * in a stack of their own with their own props, synthesize with cdk-nag, and use the engine's
 * CLI. No network: the consumer's package-lock.json is cut from ours (the same versions and
 * integrity hashes, with the registry's tarball URLs), so `npm ci --offline` takes every tarball from the npm
 * cache that our own `npm ci` filled, and the oms-recon tarball from disk. Nothing of our
 * node_modules is linked into the consumer.
 *
 * The package is built in a copy of the sources (with our node_modules linked for the build
 * tools), so the run never touches this worktree's dist/.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FunctionNames } from '../../lib/pipeline/contracts.ts';

const root = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'oms-recon-package-'));
afterAll(() => rmSync(work, { recursive: true, force: true }), 300_000);

const ourPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const ourLock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
const installed = (name: string) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version as string;

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [k: string]: unknown;
}

const env = { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', npm_config_update_notifier: 'false', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
function run(cmd: string, args: string[], cwd: string, timeout = 540_000): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, env });
}
const show = (r: SpawnSyncReturns<string>) => `exit ${r.status}\n${r.stdout}\n${r.stderr}`;

/** Where `name`, required from the package at lock path `from`, lives in the lock (Node's lookup, upwards). */
function locate(from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const p = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (ourLock.packages[p]) return p;
    if (base === '') return undefined;
    const at = base.lastIndexOf('/node_modules/');
    base = at < 0 ? '' : base.slice(0, at);
  }
}

/** The lock entries reachable from `roots` (dependencies, optional ones, non-optional peers). */
function closure(roots: string[]): Map<string, LockEntry> {
  const out = new Map<string, LockEntry>();
  const visit = (from: string, name: string, optional: boolean) => {
    const p = locate(from, name);
    if (!p) {
      if (optional) return;
      throw new Error(`${name} (needed by ${from || 'the consumer'}) is not in our package-lock.json`);
    }
    if (out.has(p)) return;
    const e = ourLock.packages[p];
    out.set(p, e);
    for (const d of Object.keys(e.dependencies ?? {})) visit(p, d, false);
    for (const d of Object.keys(e.optionalDependencies ?? {})) visit(p, d, true);
    for (const d of Object.keys(e.peerDependencies ?? {})) if (!e.peerDependenciesMeta?.[d]?.optional) visit(p, d, false);
  };
  for (const r of roots) visit('', r, false);
  return out;
}

let tarball: string;
let app: string;

beforeAll(() => {
  // 1. npm pack, in a copy of the sources (prepack: npm run build)
  const src = join(work, 'src');
  mkdirSync(src);
  for (const f of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md', 'bin', 'lib', 'cdk', 'functions', 'scripts', 'docs']) {
    cpSync(join(root, f), join(src, f), { recursive: true });
  }
  symlinkSync(join(root, 'node_modules'), join(src, 'node_modules'), 'dir');
  const pack = run('npm', ['pack', '--json', '--pack-destination', work], src);
  expect(pack.status, show(pack)).toBe(0);
  const [{ filename }] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as Array<{ filename: string }>;
  tarball = join(work, filename);

  // 2. A fresh CDK app that depends on the tarball, aws-cdk-lib, constructs and cdk-nag
  app = join(work, 'app');
  mkdirSync(app);
  const theirs = { 'aws-cdk-lib': installed('aws-cdk-lib'), constructs: installed('constructs'), 'cdk-nag': installed('cdk-nag') };
  const manifest = { name: 'platform-app', version: '1.0.0', private: true, type: 'module', dependencies: { ...theirs, 'oms-recon': `file:../${filename}` } };
  writeFileSync(join(app, 'package.json'), JSON.stringify(manifest, null, 2));
  const deps = closure([...Object.keys(theirs), ...Object.keys(ourPkg.dependencies)]);
  const packages: Record<string, unknown> = {
    '': { name: manifest.name, version: manifest.version, dependencies: manifest.dependencies },
    'node_modules/oms-recon': {
      version: ourPkg.version,
      resolved: `file:../${filename}`,
      license: ourPkg.license,
      dependencies: ourPkg.dependencies,
      bin: ourPkg.bin,
      engines: ourPkg.engines,
      peerDependencies: ourPkg.peerDependencies,
      peerDependenciesMeta: ourPkg.peerDependenciesMeta,
    },
  };
  for (const [p, e] of [...deps].sort(([a], [b]) => a.localeCompare(b))) {
    const { dev: _dev, peer: _peer, devOptional: _devOptional, ...entry } = e;
    // Our lock leaves out `resolved`; without it npm asks the registry for the package's
    // metadata. With it, the tarball comes from the cache by URL and integrity.
    const name = (e.name as string | undefined) ?? p.slice(p.lastIndexOf('node_modules/') + 'node_modules/'.length);
    packages[p] = { ...entry, resolved: e.resolved ?? `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${e.version}.tgz` };
  }
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify({ name: manifest.name, version: manifest.version, lockfileVersion: 3, requires: true, packages }, null, 2));
  const install = run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], app);
  expect(install.status, show(install)).toBe(0);

  // 3. Their stack: resources of their own, and the construct with their props
  writeFileSync(
    join(app, 'app.mjs'),
    `import { App, Stack, Validations, CfnOutput } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { OmsReconciliation } from 'oms-recon/cdk';

class PlatformStack extends Stack {
  constructor(scope, id, props) {
    super(scope, id, props);
    new ssm.StringParameter(this, 'TeamOwner', { stringValue: 'finance-platform' });
    const key = new kms.Key(this, 'TopicKey', { enableKeyRotation: true, description: 'their key for the summary topic' });
    const recon = new OmsReconciliation(this, 'Reconciliation', {
      alertEmails: ['finance-ops@example.com'],
      slack: { workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' },
      schedule: 'cron(30 5 * * ? *)',
      boundaries: ['inventory', 'financial'],
      shards: 8,
      topicKey: key,
      partners: [{ name: 'dal-3pl', feeds: ['warehouse-inventory'], facilities: ['DAL1'], principal: '111122223333', externalId: 'dal-3pl-19c2' }],
    });
    new CfnOutput(this, 'ReconBucket', { value: recon.bucket.bucketName });
  }
}

const app = new App({ outdir: process.argv[2] });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
new PlatformStack(app, 'FinancePlatform', { env: { account: '123456789012', region: 'eu-west-1' } });
app.synth();
`,
  );
}, 900_000);

describe('the packed package, installed offline into a fresh CDK app', () => {
  it('ships the built JavaScript, declarations and prebuilt handlers, and no sources or tests', () => {
    const list = run('tar', ['-tzf', tarball], work);
    expect(list.status, show(list)).toBe(0);
    const files = list.stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
    expect(files).toEqual(expect.arrayContaining(['package.json', 'bin/oms-recon.js', 'dist/lib/index.mjs', 'dist/lib/cdk.mjs', 'dist/cli/oms-recon.mjs', 'dist/types/lib/index.d.ts', 'dist/types/cdk/index.d.ts']));
    for (const name of FunctionNames) expect(files).toContain(`dist/functions/${name}/index.mjs`);
    expect(files.filter((f) => /^(lib|cdk|functions|test|scripts)\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).toEqual([]);
    // The declarations import what the package holds (`.js`), never the `.ts` sources.
    const dts = readFileSync(join(app, 'node_modules/oms-recon/dist/types/cdk/oms-reconciliation.d.ts'), 'utf8');
    expect(dts).toMatch(/from '\.\.\/lib\/feeds\/catalog\.js'/);
    expect(dts).not.toMatch(/from '[^']*\.ts'/);
  });

  it('pulls in none of the local stand-ins, build tools or cdk-nag for a team that only deploys', () => {
    const nm = join(app, 'node_modules');
    for (const name of ['dynalite', 's3rver', 'aws-local-stepfunctions', 'esbuild', 'tsx', 'typescript', 'vitest', 'aws-cdk']) {
      expect(existsSync(join(nm, name)), name).toBe(false);
    }
    const meta = JSON.parse(readFileSync(join(nm, 'oms-recon/package.json'), 'utf8'));
    expect(Object.keys(meta.peerDependencies)).toEqual(expect.arrayContaining(['aws-cdk-lib', 'constructs']));
    expect(Object.keys(meta.dependencies)).not.toEqual(expect.arrayContaining(['aws-cdk-lib']));
    expect(meta.dependencies).not.toHaveProperty('cdk-nag');
  });

  it('synthesizes their stack with the construct and its props, cdk-nag clean, deploying the prebuilt handlers', async () => {
    // Act: their app, with AwsSolutions and Serverless; an unacknowledged finding fails the synth
    const out = join(work, 'cdk.out');
    const synth = run(process.execPath, ['app.mjs', out], app);
    // Assess
    expect(synth.status, show(synth)).toBe(0);
    expect(synth.stderr).not.toMatch(/LockFile|esbuild|AwsSolutions-|Serverless-/);
    const template = JSON.parse(readFileSync(join(out, 'FinancePlatform.template.json'), 'utf8')) as { Resources: Record<string, { Type: string; Properties: any }> };
    const resources = Object.values(template.Resources);
    expect(resources.filter((r) => r.Type === 'AWS::SSM::Parameter')).toHaveLength(1);
    expect(resources.filter((r) => r.Type === 'AWS::Events::Rule' && r.Properties.ScheduleExpression === 'cron(30 5 * * ? *)')).toHaveLength(2);
    const topic = resources.find((r) => r.Type === 'AWS::SNS::Topic')!;
    expect(topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0]).toMatch(/^TopicKey/);
    expect(resources.find((r) => r.Type === 'AWS::Chatbot::SlackChannelConfiguration')!.Properties.ConfigurationName).toBe('FinancePlatform-C0123ABCD');
    // Each of our functions deploys a folder of the package's dist/functions: a module that loads and exports handler
    const assets = JSON.parse(readFileSync(join(out, 'FinancePlatform.assets.json'), 'utf8')) as { files: Record<string, { source: { path: string } }> };
    const ours = resources.filter((r) => r.Type === 'AWS::Lambda::Function' && String(r.Properties.Description ?? '').startsWith('oms-recon:'));
    expect(ours).toHaveLength(FunctionNames.length);
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // these machines run Node 20; Lambda runs 24
    for (const fn of ours) {
      expect(fn.Properties.Handler).toBe('index.handler');
      const dir = join(out, assets.files[fn.Properties.Code.S3Key.replace(/\.zip$/, '')].source.path);
      const mod = await import(pathToFileURL(join(dir, 'index.mjs')).href);
      expect(typeof mod.handler, dir).toBe('function');
    }
  }, 600_000);

  it('runs the engine from the installed package: the CLI, and `oms-recon` as a library', () => {
    // The CLI: sample feeds, then one boundary reconciled (exit 1: the sample plants discrepancies)
    const bin = join(app, 'node_modules/.bin/oms-recon');
    const sample = run(bin, ['sample', '--out', join(work, 'feeds')], app);
    expect(sample.status, show(sample)).toBe(0);
    const feeds = join(work, 'feeds');
    const side = (feed: string) => readdirSync(join(feeds, feed)).flatMap((f) => [feed === 'oms-inventory' ? '--oms' : '--warehouse', join(feeds, feed, f)]);
    const rec = run(bin, ['reconcile', 'inventory', ...side('oms-inventory'), ...side('warehouse-inventory'), '--out', join(work, 'report')], app);
    expect(rec.status, show(rec)).toBe(1);
    expect(existsSync(join(work, 'report', 'report.html'))).toBe(true);
    // The library entry point
    const lib = run(process.execPath, ['--input-type=module', '-e', "import { reconcileFiles, BOUNDARIES } from 'oms-recon'; console.log(typeof reconcileFiles, BOUNDARIES.join(','))"], app);
    expect(lib.stdout.trim(), show(lib)).toBe('function intake,fulfillment,inventory,financial');
    // `local` and `demo` need the stand-ins, which a deploying team does not have: a clear message
    const demo = run(bin, ['demo', '--out', join(work, 'demo')], app);
    expect(demo.status, show(demo)).toBe(2);
    expect(demo.stderr).toMatch(/not installed: dynalite, s3rver, aws-local-stepfunctions.*npm install --save-dev dynalite@\^4\.0\.0 s3rver@\^3\.7\.1 aws-local-stepfunctions@\^3\.0\.0/);
  }, 300_000);
});
