/**
 * A run without a config file uses DEFAULT_CONFIG, written out so that such a run never
 * loads the validator (zod): it must be exactly what validating an empty config gives.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, loadConfig } from '../../lib/config.ts';
import { parseConfig } from '../../lib/config-file.ts';

describe('the default config', () => {
  it('is what an empty config file validates to', () => {
    expect(DEFAULT_CONFIG).toStrictEqual(parseConfig({}));
  });

  it('is the config of a run given no config file', async () => {
    expect(await loadConfig(undefined)).toBe(DEFAULT_CONFIG);
  });
});

describe('the future skew of timestamps in the deploy config', () => {
  it('reaches the handlers from RECON_CONFIG (the deploy context\'s reconConfig), 24 h when not set', async () => {
    const { readSettings } = await import('../../lib/pipeline/env.ts');
    const env = { TABLE_NAME: 't', BUCKET_NAME: 'b' };
    expect(readSettings({ ...env, RECON_CONFIG: '{"timestamps":{"futureSkewHours":48}}' }).config.timestamps.futureSkewHours).toBe(48);
    expect(readSettings(env).config.timestamps.futureSkewHours).toBe(24);
  });
});
