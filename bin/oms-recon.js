#!/usr/bin/env node
// The oms-recon command. The sources are TypeScript (lib/); this runs them as one ESM
// bundle built by esbuild and kept in dist/, rebuilt whenever a source file is newer than
// it (about 0.2 s). Should esbuild be unavailable, it falls back to running the sources
// through tsx. Either way the code that runs is the code in lib/.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const entry = join(dist, 'oms-recon.mjs');
const stampFile = join(dist, '.stamp');

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (e.name.endsWith('.ts')) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

async function bundled() {
  const stamp = String(Math.max(...['lib', 'cdk', 'functions'].map((d) => newest(join(root, d)))));
  if (existsSync(entry) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return entry;
  const esbuild = await import('esbuild');
  // Packages stay in node_modules, except zod (loaded only to validate a config or mapping
  // file): one file of it loads faster than its many modules (about 30 ms).
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const external = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })
    .filter((name) => name !== 'zod')
    .flatMap((name) => [name, `${name}/*`]);
  // Build beside dist/ and swap it in, so a run that starts meanwhile sees a whole bundle.
  const fresh = `${dist}.${process.pid}`;
  await esbuild.build({
    // The worker thread that reads every other file of a large run (lib/engine/parallel.ts).
    entryPoints: { 'oms-recon': join(root, 'lib/cli/main.ts'), 'read-worker': join(root, 'lib/engine/read-worker.ts') },
    outdir: fresh,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true, // the pipeline (and aws-cdk-lib) load only for `local` and `demo`
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external,
    sourcemap: 'linked',
    logLevel: 'error',
  });
  writeFileSync(join(fresh, '.stamp'), stamp);
  const old = `${dist}.${process.pid}.old`;
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(fresh, dist);
  rmSync(old, { recursive: true, force: true });
  return entry;
}

let main;
try {
  ({ main } = await import(pathToFileURL(await bundled()).href));
} catch (e) {
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
