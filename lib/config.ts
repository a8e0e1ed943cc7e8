/**
 * The reconciliation config: tolerances, the allocation SLA, preset options and user
 * column mappings. Every field has a default, so no config file is needed; a given file is
 * validated (config-file.ts, loaded only then).
 */
import type { ReconConfig } from './config-file.ts';
import { DEFAULT_LIMITS } from './limits.ts';

export type { ReconConfig, ReconConfigInput } from './config-file.ts';

/** The config of a run without a config file: what `parseConfig({})` gives (a test holds them equal). */
export const DEFAULT_CONFIG: ReconConfig = {
  tolerances: { money: 0n, inventory: 0n, fulfillment: 0n },
  fulfillment: {},
  intake: { compareTotal: true, compareCurrency: true },
  timestamps: { futureSkewHours: 24 },
  presets: { amazonTotal: 'none', amazonFbaFacility: 'amazon-fba', shipstationLocation: 'shipstation' },
  limits: { ...DEFAULT_LIMITS },
  mappings: [],
  partners: [],
  unboundFiles: 'allow',
  feeds: {},
  notify: {},
};

/** The config in `file`, validated; the defaults when there is none. */
export async function loadConfig(file: string | undefined): Promise<ReconConfig> {
  if (!file) return DEFAULT_CONFIG;
  const { loadConfigFile } = await import('./config-file.ts');
  return loadConfigFile(file);
}
