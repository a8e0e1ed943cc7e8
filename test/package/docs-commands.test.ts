/**
 * Every `npx cdk` command of the deploy docs, run verbatim through a shell, offline, with the
 * aws-cdk CLI of our devDependencies and the app of cdk.json: the `sh` blocks of
 * docs/deploy.md and of the README's "Deploying" section. `deploy` (and `diff`, `destroy`)
 * runs as `synth` with the same arguments (no account to deploy to here), with cdk-nag and the
 * handlers bundled as on a team's machine; `bootstrap` runs with `--show-template` (it prints
 * the bootstrap template without calling AWS).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const out = mkdtempSync(join(tmpdir(), 'oms-recon-docs-cdk-'));
afterAll(() => rmSync(out, { recursive: true, force: true }), 120_000);

/** The commands of the ```sh blocks of `markdown` that start with `npx cdk`, continuation lines joined. */
function cdkCommands(markdown: string): string[] {
  const commands: string[] = [];
  for (const m of markdown.matchAll(/^( *)```sh\n([\s\S]*?)^\1```/gm)) {
    const lines = m[2].split('\n').map((l) => l.slice(m[1].length));
    let current = '';
    for (const line of lines) {
      current += line.endsWith('\\') ? `${line.slice(0, -1)}` : line;
      if (line.endsWith('\\')) continue;
      if (/^npx cdk /.test(current.trim())) commands.push(current.trim());
      current = '';
    }
  }
  return commands;
}

/** The README section `## Deploying`, up to the next `## ` heading. */
function readmeDeploying(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Deploying\n');
  if (start < 0) throw new Error('README.md has no "## Deploying" section');
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

const docs = cdkCommands(readFileSync(join(root, 'docs/deploy.md'), 'utf8'));
const readme = cdkCommands(readmeDeploying());
const all = [...new Set([...docs, ...readme])];

// As on a machine without credentials: the stack's account is unknown at synth.
const env: NodeJS.ProcessEnv = { ...process.env, AWS_REGION: 'us-east-1', CDK_DISABLE_VERSION_CHECK: '1', CI: 'true' };
delete env.CDK_DEFAULT_ACCOUNT;
delete env.CDK_DEFAULT_REGION;

function shell(command: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn('bash', ['-c', command], { cwd: root, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

const stackNameOf = (command: string) => /-c stackName=(\S+)/.exec(command)?.[1] ?? 'OmsRecon';

describe('the cdk commands of docs/deploy.md and the README', () => {
  it('finds the bootstrap, and a deploy of each environment, in both', () => {
    for (const list of [docs, readme]) {
      expect(list.filter((c) => c.startsWith('npx cdk bootstrap '))).toHaveLength(1);
      const deploys = list.filter((c) => c.startsWith('npx cdk deploy '));
      expect(new Set(deploys.map(stackNameOf))).toEqual(new Set(['OmsRecon-prod', 'OmsRecon-dev']));
    }
    // A -c value ends at a line break (the CDK CLI cuts it there): none spans two lines.
    for (const c of all) expect(c).not.toMatch(/\n/);
  });

  it.each(all)('runs: %s', async (command) => {
    if (command.startsWith('npx cdk bootstrap ')) {
      const r = await shell(`${command} --show-template`);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^Description: This stack includes resources needed to deploy AWS CDK apps/m);
      return;
    }
    const verb = /^npx cdk (\w+) /.exec(command)![1];
    expect(['deploy', 'diff', 'destroy', 'synth']).toContain(verb);
    const dir = join(out, String(all.indexOf(command)));
    const r = await shell(`${command.replace(/^npx cdk \w+ /, 'npx cdk synth ')} --quiet --output ${dir}`);
    expect(r.status, r.stderr).toBe(0);
    const stack = stackNameOf(command);
    expect(existsSync(join(dir, `${stack}.template.json`)), `${stack}.template.json in ${dir}`).toBe(true);
  }, 600_000);
});
