/** The pipeline's DynamoDB store (docs/data-model.md). Clients are passed in, never created here. */
export type * from './types.ts';
export { TableSchema, createTable } from './table.ts';
export { recordPk, groupPrefix, encodeRecordSk, decodeRecordSk, shardOf, fnv1a32, compareCodePoints, recordVersion, versionUpload, fileIdOf, keyHash, PART_END, SECTION_END } from './keys.ts';
export { writeRecords, readShard, encodeRecord, decodeRecord, consumedCapacity, BATCH_SIZE, RecordAttr } from './records.ts';
export type { WriteRecordsOptions, WriteResult, WriteProgress, ReadShardOptions } from './records.ts';
export { claimFile, checkpointFile, completeFile, failFile, getFile, listFiles, filePk, fileSk, DEFAULT_LEASE_MS } from './manifest.ts';
export type { CheckpointInput, ClaimInput, ClaimResult, CompleteInput, FailInput, ListFilesOptions } from './manifest.ts';
export { putRun, latestRun, runPk } from './runs.ts';
export type { LatestRunOptions } from './runs.ts';
export { itemSize } from './attr.ts';
export { expiresAt, isLive } from './ttl.ts';
export { isRetryable } from './retry.ts';
export { RecordUpserter, READ_BATCH } from './upsert.ts';
export type { UpsertCounts, UpsertOptions, StoredRef } from './upsert.ts';
export { raiseSnapshot, readSnapshot, takeWriteLeave, leaveMs, snapshotPk } from './snapshots.ts';
export type { SnapshotPart, SnapshotPointer } from './snapshots.ts';
export { markArrival, arm, disarm, acquire, release, getDrop, isPending, liveHolder, liveWaiter, dropPk } from './drops.ts';
export type { DropState } from './drops.ts';
