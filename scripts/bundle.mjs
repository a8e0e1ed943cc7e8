// The esbuild bundles of the package (plain JavaScript: bin/oms-recon.js imports it without tsx).
// `npm run build` (scripts/build.ts) builds all of dist/; bin/oms-recon.js rebuilds only
// dist/cli/ from a clone, whenever a source file is newer than it.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Newest modification time of the sources the bundles are made of (lib/, cdk/, functions/). */
export function sourceStamp(root) {
  const newest = (dir) => {
    let t = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) t = Math.max(t, newest(p));
      else if (e.name.endsWith('.ts')) t = Math.max(t, statSync(p).mtimeMs);
    }
    return t;
  };
  return String(Math.max(...['lib', 'cdk', 'functions'].map((d) => newest(join(root, d)))));
}

/** Every package name we depend on (runtime, peer, dev): they stay in node_modules, never bundled. */
export function packageNames(root) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies, ...pkg.optionalDependencies, ...pkg.devDependencies });
}

const external = (names) => names.flatMap((name) => [name, `${name}/*`]);

/**
 * Builds one ESM bundle folder (`entryPoints` name → source) into `<outdir>`, beside it and
 * swapped in, so that a run starting meanwhile sees a whole folder. Chunks sit beside the
 * entries (lib/engine/parallel.ts finds `read-worker.mjs` beside its chunk).
 */
export async function buildFolder(root, outdir, entryPoints, { inline = [], stamp } = {}) {
  const esbuild = await import('esbuild');
  const fresh = `${outdir}.${process.pid}`;
  rmSync(fresh, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: Object.fromEntries(Object.entries(entryPoints).map(([k, v]) => [k, join(root, v)])),
    outdir: fresh,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true, // the pipeline (and aws-cdk-lib) load only for `local` and `demo`
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: external(packageNames(root).filter((n) => !inline.includes(n))),
    sourcemap: 'linked',
    logLevel: 'error',
  });
  if (stamp !== undefined) writeFileSync(join(fresh, '.stamp'), stamp);
  mkdirSync(join(outdir, '..'), { recursive: true });
  const old = `${outdir}.${process.pid}.old`;
  if (existsSync(outdir)) renameSync(outdir, old);
  renameSync(fresh, outdir);
  rmSync(old, { recursive: true, force: true });
}

/** The CLI (`bin/oms-recon.js` runs dist/cli/oms-recon.mjs). */
export const CLI_ENTRIES = {
  'oms-recon': 'lib/cli/main.ts',
  // The worker thread that reads every other file of a large run (lib/engine/parallel.ts).
  'read-worker': 'lib/engine/read-worker.ts',
};

/**
 * Builds dist/cli/. zod (loaded only to validate a config or mapping file) is inlined: one
 * file of it loads faster than its many modules (about 30 ms).
 */
export async function buildCli(root, stamp = sourceStamp(root)) {
  await buildFolder(root, join(root, 'dist', 'cli'), CLI_ENTRIES, { inline: ['zod'], stamp });
  return join(root, 'dist', 'cli', 'oms-recon.mjs');
}

/** The library: `oms-recon` (the engine) and `oms-recon/cdk` (the construct). */
export const LIB_ENTRIES = {
  index: 'lib/index.ts',
  cdk: 'cdk/index.ts',
  'read-worker': 'lib/engine/read-worker.ts',
};
