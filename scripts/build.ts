/**
 * `npm run build` (also `prepack`): everything the published package holds, in dist/.
 *
 *   dist/lib/         `oms-recon` (index.mjs, the engine) and `oms-recon/cdk` (cdk.mjs, the
 *                     construct): ESM bundles, every package dependency left in node_modules
 *   dist/functions/   each Lambda handler functions/<name>.ts bundled into <name>/index.mjs
 *                     (cdk/bundling.ts: the construct deploys these folders as they are)
 *   dist/cli/         the oms-recon command (bin/oms-recon.js)
 *   dist/types/       the .d.ts of both entry points (tsconfig.build.json)
 *
 * Every file of functions/ is a handler: a new one is bundled without touching this script.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { BUNDLE_FILE, functionBuildOptions } from '../cdk/bundling.ts';
import { LIB_ENTRIES, buildCli, buildFolder, sourceStamp } from './bundle.mjs';

const root = resolve(import.meta.dirname, '..');
const dist = join(root, 'dist');
const started = Date.now();
const say = (line: string) => process.stdout.write(`build: ${line} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);

const stamp = sourceStamp(root);

// Functions first: the construct in dist/lib looks for them in dist/functions.
const functionsOut = join(dist, 'functions');
rmSync(functionsOut, { recursive: true, force: true });
const handlers = readdirSync(join(root, 'functions')).filter((f) => f.endsWith('.ts')).sort();
await Promise.all(
  handlers.map((f) => build(functionBuildOptions(join(root, 'functions', f), join(functionsOut, basename(f, '.ts'), BUNDLE_FILE)))),
);
say(`functions ${handlers.map((f) => basename(f, '.ts')).join(', ')}`);

await buildFolder(root, join(dist, 'lib'), LIB_ENTRIES);
say('lib (oms-recon, oms-recon/cdk)');
await buildCli(root, stamp);
say('cli');

if (!process.argv.includes('--no-types')) {
  const types = join(dist, 'types');
  rmSync(types, { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
  // The sources import `./x.ts`; published declarations import `./x.js`, as any consumer's
  // TypeScript expects without allowImportingTsExtensions.
  const rewrite = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) rewrite(p);
      else if (e.name.endsWith('.d.ts')) writeFileSync(p, readFileSync(p, 'utf8').replace(/(from\s+|import\()(['"])(\.{1,2}\/[^'"]*?)\.ts\2/g, '$1$2$3.js$2'));
    }
  };
  rewrite(types);
  say('types');
}
mkdirSync(dist, { recursive: true });
writeFileSync(join(dist, '.stamp'), stamp);
