/** Partner export presets and user column mappings: Table → Table transforms onto canonical feeds. */
export { AMAZON_TOTALS, PRESETS, detectPreset, presetByName } from './presets.ts';
export type { AmazonTotal, Preset, PresetOptions, PresetProblem } from './presets.ts';
export { applyMapping, chooseMapping, detectMapping, mapTable, mappingByName, mappingMatches, skipBefore } from './mapping.ts';
export { MappingFileSchema, MappingSchema, loadMappingFile, parseMappingFile, parseMappingText } from './mapping-file.ts';
export type { FieldSpecDef, Mapping, Take, Unparsed } from './mapping.ts';
export { prepareTable } from './transform.ts';
export type { PartnerOptions, PreparedTable } from './transform.ts';
