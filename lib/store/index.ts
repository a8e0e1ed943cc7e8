/** The pipeline's DynamoDB store (docs/data-model.md). Clients are passed in, never created here. */
export type * from './types.ts';
export { TableSchema, createTable } from './table.ts';
export { recordPk, groupPrefix, encodeRecordSk, decodeRecordSk, shardOf, fnv1a32, compareCodePoints, PART_END, SECTION_END } from './keys.ts';
export { writeRecords, readShard, latestVersions, encodeRecord, decodeRecord, BATCH_SIZE, RecordAttr } from './records.ts';
export type { WriteRecordsOptions, WriteResult, WriteProgress, ReadShardOptions } from './records.ts';
export { claimFile, checkpointFile, completeFile, failFile, getFile, listFiles, filePk, fileSk, DEFAULT_LEASE_MS } from './manifest.ts';
export type { CheckpointInput, ClaimInput, ClaimResult, CompleteInput, FailInput, ListFilesOptions } from './manifest.ts';
export { putRun, latestRun, runPk } from './runs.ts';
export type { LatestRunOptions } from './runs.ts';
export { itemSize } from './attr.ts';
export { isRetryable } from './retry.ts';
