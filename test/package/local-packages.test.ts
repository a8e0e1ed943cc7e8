/**
 * `oms-recon local` and `demo` run on dynalite, s3rver and aws-local-stepfunctions: optional
 * peers of the installed package. Without them, the run stops before starting anything and
 * says what to install (test/package/install.test.ts sees the same from a real install).
 */
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isReconError } from '../../lib/errors.ts';
import { LOCAL_PACKAGES, checkLocalPackages } from '../../lib/pipeline/standins.ts';

const ourPkg = (await import('../../package.json', { with: { type: 'json' } })).default as {
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};

describe('the packages of oms-recon local', () => {
  it('names each missing one, with the command that installs it', () => {
    // Prepare: s3rver is there, the other two are not
    const resolve = (name: string) => {
      if (name === 's3rver') return '/x/node_modules/s3rver/lib/s3rver.js';
      throw Object.assign(new Error(`Cannot find module '${name}'`), { code: 'MODULE_NOT_FOUND' });
    };
    // Act
    let error: unknown;
    try {
      checkLocalPackages(resolve);
    } catch (e) {
      error = e;
    }
    // Assess
    expect(isReconError(error) && error.code).toBe(ErrorCodes.ENVIRONMENT);
    expect((error as Error).message).toContain('not installed: dynalite, aws-local-stepfunctions.');
    expect((error as Error).message).toContain('npm install --save-dev dynalite@^4.0.0 aws-local-stepfunctions@^3.0.0');
  });

  it('passes when all are there (a clone after npm ci)', () => {
    expect(() => checkLocalPackages()).not.toThrow();
  });

  it('asks for the versions package.json declares: optional peers, and devDependencies of the clone', () => {
    for (const [name, range] of Object.entries(LOCAL_PACKAGES)) {
      expect(ourPkg.peerDependencies[name], name).toBe(range);
      expect(ourPkg.peerDependenciesMeta[name]?.optional, name).toBe(true);
      expect(ourPkg.devDependencies[name], name).toBe(range);
    }
  });
});
