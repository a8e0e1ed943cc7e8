#!/usr/bin/env node
// The oms-recon command. It runs the ESM bundle dist/cli/oms-recon.mjs. From the installed
// package that bundle is prebuilt (`npm run build` before `npm pack`). From a clone (lib/*.ts
// beside this file) it is rebuilt by esbuild whenever a source file is newer than it (about
// 0.2 s); should esbuild be unavailable, the sources run through tsx. Either way the code that
// runs is the code in lib/.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist', 'cli', 'oms-recon.mjs');
const fromClone = existsSync(join(root, 'lib', 'cli', 'main.ts'));

async function bundled() {
  if (!fromClone) return entry;
  const { buildCli, sourceStamp } = await import('../scripts/bundle.mjs');
  const stamp = sourceStamp(root);
  const stampFile = join(root, 'dist', 'cli', '.stamp');
  if (existsSync(entry) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return entry;
  return buildCli(root, stamp);
}

let main;
try {
  ({ main } = await import(pathToFileURL(await bundled()).href));
} catch (e) {
  if (!fromClone) throw e;
  if (process.env.OMS_RECON_DEBUG) console.error('bundle unavailable, running the sources through tsx:', e);
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../lib/cli/main.ts'));
}
const code = await main(process.argv.slice(2));
process.exitCode = code;
// Exit once the output is flushed, without waiting for Node to tear the heap down: after a
// run over millions of rows that takes a noticeable time (about 0.2 s at 2M rows).
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
