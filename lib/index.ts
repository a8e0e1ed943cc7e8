/**
 * `oms-recon`: the reconciliation engine as a library — the same code the CLI
 * (`oms-recon reconcile`) and the Lambda functions run.
 *
 *   import { loadConfig, reconcileFiles, writeReportFiles } from 'oms-recon';
 *   const report = await reconcileFiles({ boundary: 'inventory', config: await loadConfig(undefined),
 *     inputs: [{ side: 'oms', source: 'oms-inventory.csv' }, { side: 'warehouse', source: 'wms.csv' }] });
 *   await writeReportFiles(report, 'out');
 *
 * The CDK construct is `oms-recon/cdk`.
 */
export { reconcileFiles, type FeedInput, type ReconcileOptions } from './engine/reconcile.ts';
export { DEFAULT_CONFIG, loadConfig, type ReconConfig, type ReconConfigInput } from './config.ts';
export { parseConfig } from './config-file.ts';
export { ErrorCodes, ReconError, isReconError, type ErrorCode, type ErrorLocation } from './errors.ts';
export { BOUNDARIES, FEED_NAMES, type BoundaryName, type FeedName, type SideName } from './feeds/catalog.ts';
export type { TableSource } from './read/table.ts';
export { REPORT_FILES, renderDiscrepanciesCsv, renderJson, renderMarkdown, writeReportFiles } from './report/write.ts';
export type { Discrepancy, DiscrepancyType, FileStats, Rejection, Report, Summary, Warning } from './report/model.ts';
