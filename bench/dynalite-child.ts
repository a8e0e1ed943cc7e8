/**
 * dynalite in a child process (bench/dynalite-process.mjs), for the benches: its own event loop
 * and core, as the real service is remote, so the bench process's CPU time and RSS are the
 * code under test's, and the stand-in's are measured apart (`stats()`).
 *
 * dynalite keeps its tables in memory (memory-level): a large table needs a large heap —
 * `heapMb`, or {@link heapForItems} from the measured bytes per item.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import type { LocalDynamo } from '../lib/pipeline/standins.ts';

export interface DynaliteStats {
  /** Resident set now, after a GC (bytes). */
  rss: number;
  /** V8 heap in use now, after a GC (bytes). */
  heapUsed: number;
  /** The child's CPU time so far (user + system, seconds). */
  cpuSeconds: number;
  /** Peak resident set of the child (bytes). */
  maxRss: number;
}

export interface DynaliteProcess extends LocalDynamo {
  child: ChildProcess;
  stats(): Promise<DynaliteStats>;
}

/**
 * dynalite's heap per stored record item, measured with bench/ingest-chunks.bench.ts (an
 * oms-inventory record of ~300 B, in-memory store, after GC): see {@link heapForItems}.
 */
export const DYNALITE_HEAP_BYTES_PER_ITEM = 1500;

/** A heap flag (MB) for a dynalite that will hold `items` record items: measured bytes per item, ×1.5 headroom, at least 2 GB. */
export function heapForItems(items: number, bytesPerItem = DYNALITE_HEAP_BYTES_PER_ITEM): number {
  return Math.max(2048, Math.ceil((items * bytesPerItem * 1.5) / 1024 / 1024 / 256) * 256);
}

/** Starts dynalite in a child process on a random loopback port; `heapMb` is its --max-old-space-size (default 8 GB). */
export async function startDynaliteProcess(opts: { heapMb?: number; path?: string; tableName?: string } = {}): Promise<DynaliteProcess> {
  const child = fork(fileURLToPath(new URL('./dynalite-process.mjs', import.meta.url)), [], {
    execArgv: [`--max-old-space-size=${opts.heapMb ?? 8192}`, '--expose-gc'],
    env: { ...process.env, NODE_OPTIONS: '', ...(opts.path ? { DYNALITE_PATH: opts.path } : {}) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`dynalite exited with ${code}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: DynamoDBClient[] = [];
  const newClient = (config: Partial<DynamoDBClientConfig> = {}) => {
    const c = new DynamoDBClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, ...config });
    clients.push(c);
    return c;
  };
  let exited = false;
  child.once('exit', () => (exited = true));
  return {
    child,
    client: newClient(),
    tableName: opts.tableName ?? 'unused',
    endpoint,
    newClient,
    stats: () =>
      new Promise<DynaliteStats>((resolve, reject) => {
        const gone = (code: number | null) => {
          child.off('message', on);
          reject(new Error(`dynalite exited with ${code}`));
        };
        const on = (m: unknown) => {
          const s = (m as { stats?: DynaliteStats }).stats;
          if (!s) return;
          child.off('message', on);
          child.off('exit', gone);
          resolve(s);
        };
        child.on('message', on);
        child.once('exit', gone);
        child.send('stats');
      }),
    async stop() {
      for (const c of clients) c.destroy();
      if (exited) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.disconnect();
      });
    },
  };
}
