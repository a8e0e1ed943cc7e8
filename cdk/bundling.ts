/**
 * Where each Lambda function's code comes from, one rule for every function of the construct
 * (`functions/<name>.ts`, exporting `handler`):
 *
 * - **prebuilt** (the installed package, or a clone after `npm run build`): `npm run build`
 *   bundles each handler into `dist/functions/<name>/index.mjs`; the construct, loaded from
 *   `dist/`, deploys that folder as it is (`lambda.Code.fromAsset`). No esbuild, no lock file
 *   and no handler source is needed at the consumer's synth.
 * - **from the sources** (a clone: `cdk/app.ts` run by tsx, the tests): the construct, loaded
 *   from `cdk/*.ts`, bundles `functions/<name>.ts` at synth with the local esbuild, with the
 *   same options, so a clone always deploys the code it holds. `aws:cdk:bundling-stacks: []`
 *   (tests, `cdk/asl.ts`) skips it.
 *
 * Both look in `<this module>/../functions/`: `cdk/../functions/<name>.ts` from the sources,
 * `dist/lib/../functions/<name>/index.mjs` from the build.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** The folder holding the handlers: `<name>.ts` (sources) or `<name>/index.mjs` (prebuilt). */
export const DEFAULT_FUNCTIONS_DIR = fileURLToPath(new URL('../functions/', import.meta.url));

/** The file name of a bundle, and so the handler `index.handler`. */
export const BUNDLE_FILE = 'index.mjs';
export const HANDLER = 'index.handler';

/**
 * esbuild options of a handler bundle (ESM for Node 24, minified, linked source map; the AWS
 * SDK v3 stays out: the Node.js runtimes ship it). Shared by `npm run build` and the
 * synth-time bundling, so both produce the same code.
 */
export function functionBuildOptions(entry: string, outfile: string) {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm' as const,
    platform: 'node' as const,
    target: 'node24',
    mainFields: ['module', 'main'],
    sourcemap: 'linked' as const,
    sourcesContent: false,
    minify: true,
    // ESM output with CommonJS dependencies: give them a `require`.
    banner: { js: "import { createRequire as __omsCreateRequire } from 'node:module'; const require = __omsCreateRequire(import.meta.url);" },
    external: ['@aws-sdk/*'],
    logLevel: 'error' as const,
  };
}

/** What a folder holds for `name`: a prebuilt bundle, a source file, or neither. */
export function functionSource(name: string, dir: string = DEFAULT_FUNCTIONS_DIR): { kind: 'prebuilt'; path: string } | { kind: 'source'; path: string } | undefined {
  const prebuilt = join(dir, name, BUNDLE_FILE);
  if (existsSync(prebuilt)) return { kind: 'prebuilt', path: join(dir, name) };
  const source = join(dir, `${name}.ts`);
  if (existsSync(source)) return { kind: 'source', path: source };
  return undefined;
}

/**
 * The code of handler `name` (handler `index.handler`): the prebuilt folder if there is one,
 * else the source bundled at synth. Use it for any new function of the construct: put the
 * handler in `functions/<name>.ts` and `npm run build` bundles it too.
 */
export function functionCode(name: string, dir: string = DEFAULT_FUNCTIONS_DIR): lambda.Code {
  const found = functionSource(name, dir);
  if (!found) {
    throw new Error(
      `oms-recon: no code for the ${name} function in ${dir}: expected ${join(name, BUNDLE_FILE)} (built by \`npm run build\`) or ${name}.ts (the sources)`,
    );
  }
  if (found.kind === 'prebuilt') return lambda.Code.fromAsset(found.path);
  const entry = found.path;
  return lambda.Code.fromAsset(dirname(entry), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never pulled: local bundling always succeeds or throws.
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:24'),
      // Also keeps the four assets of one folder apart in CDK's asset cache.
      command: ['esbuild', entry],
      local: {
        tryBundle(outputDir: string): boolean {
          mkdirSync(outputDir, { recursive: true });
          loadEsbuild().buildSync(functionBuildOptions(entry, join(outputDir, BUNDLE_FILE)));
          return true;
        },
      },
    },
  });
}

interface Esbuild {
  buildSync(options: ReturnType<typeof functionBuildOptions>): unknown;
}

function loadEsbuild(): Esbuild {
  try {
    return createRequire(import.meta.url)('esbuild') as Esbuild;
  } catch (e) {
    throw new Error(
      'oms-recon: bundling the Lambda handlers from their sources needs esbuild (a devDependency: `npm ci` in the clone), or run `npm run build` first to prebuild them',
      { cause: e },
    );
  }
}
