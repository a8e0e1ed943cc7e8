// Types of scripts/bundle.mjs (plain JavaScript, so that bin/oms-recon.js runs it without tsx).
export function sourceStamp(root: string): string;
export function packageNames(root: string): string[];
export function buildFolder(root: string, outdir: string, entryPoints: Record<string, string>, options?: { inline?: string[]; stamp?: string }): Promise<void>;
export const CLI_ENTRIES: Record<string, string>;
export function buildCli(root: string, stamp?: string): Promise<string>;
export const LIB_ENTRIES: Record<string, string>;
