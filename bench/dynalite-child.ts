/**
 * dynalite in a child process (bench/dynalite-process.mjs), for the benches: its own event loop
 * and core, as the real service is remote, so the bench process's CPU time and RSS are the
 * code under test's, and the stand-in's are measured apart (`stats()`).
 *
 * dynalite keeps its tables in memory (memory-level): a large table needs memory —
 * {@link heapForItems} from the measured bytes per item — or a LevelDB folder (`path`).
 *
 * One dynalite is one event loop; when it is the bottleneck, {@link startDynaliteProcesses}
 * runs several and spreads the record partitions over them, as DynamoDB spreads partitions.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClientConfig,
  type KeysAndAttributes,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
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
 * dynalite's memory per stored record item (an oms-inventory record of ~265 B as DynamoDB sizes
 * it, in-memory store, after GC), measured at 1M items by bench/dynalite-memory.ts: its V8
 * heap (what --max-old-space-size caps) and its Buffers outside the heap (memory-level's keys
 * and values; not capped by the flag, but resident all the same).
 */
export const DYNALITE_BYTES_PER_ITEM = { heap: 280, outside: 720 };

/** A heap flag (MB) for dynalites that will hold `items` record items in all: the measured heap per item, ×1.5 headroom, at least 2 GB. */
export function heapForItems(items: number, bytesPerItem = DYNALITE_BYTES_PER_ITEM.heap): number {
  return Math.max(2048, Math.ceil((items * bytesPerItem * 1.5) / 1024 / 1024 / 256) * 256);
}

/** Resident memory (bytes) an in-memory dynalite will need for `items` record items: heap and Buffers. */
export function residentForItems(items: number): number {
  return items * (DYNALITE_BYTES_PER_ITEM.heap + DYNALITE_BYTES_PER_ITEM.outside);
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

/** The process of `n` that holds a partition: a record partition (REC#<boundary>#<shard>) by its shard, everything else (manifests, runs, pointers) the first. */
export function processOf(pk: string | undefined, n: number): number {
  if (n === 1 || pk === undefined || !pk.startsWith('REC#')) return 0;
  const shard = Number(pk.slice(pk.lastIndexOf('#') + 1));
  return Number.isInteger(shard) && shard >= 0 ? shard % n : 0;
}

type Item = Record<string, AttributeValue>;
type Handler = (args: { input: Record<string, any> }) => Promise<{ output: Record<string, any>; response: unknown }>;

/**
 * Routes a client's requests over `peers` (the client's own server is peers[0]) by partition,
 * at the initialize step, after any meter on the client (which so sees one request and its
 * merged answer): single-item requests and Query to their partition's process, batches split
 * and their answers merged, CreateTable sent to every process. Scan has no route (the code
 * under test never scans).
 */
function addRouter(client: DynamoDBClient, peers: DynamoDBClient[]): void {
  const n = peers.length;
  const pkOfQuery = (input: Record<string, any>) => {
    for (const v of Object.values((input.ExpressionAttributeValues ?? {}) as Item)) if (v.S?.startsWith('REC#')) return v.S;
    return undefined;
  };
  client.middlewareStack.add(
    ((next: Handler, context: { commandName?: string }) => async (args: { input: Record<string, any> }) => {
      const op = String(context.commandName ?? '').replace(/Command$/, '');
      const input = args.input;
      const one = async (target: number, make: (i: any) => any) =>
        target === 0 ? next(args) : { output: (await peers[target].send(make(input))) as Record<string, any>, response: {} };
      switch (op) {
        case 'PutItem':
          return one(processOf(input.Item?.pk?.S, n), (i) => new PutItemCommand(i));
        case 'GetItem':
          return one(processOf(input.Key?.pk?.S, n), (i) => new GetItemCommand(i));
        case 'UpdateItem':
          return one(processOf(input.Key?.pk?.S, n), (i) => new UpdateItemCommand(i));
        case 'DeleteItem':
          return one(processOf(input.Key?.pk?.S, n), (i) => new DeleteItemCommand(i));
        case 'Query':
          return one(processOf(pkOfQuery(input), n), (i) => new QueryCommand(i));
        case 'CreateTable': {
          const out = await next(args);
          await Promise.all(peers.slice(1).map((p) => p.send(new CreateTableCommand(input as never))));
          return out;
        }
        case 'BatchGetItem': {
          const parts = Array.from({ length: n }, () => ({}) as Record<string, KeysAndAttributes>);
          for (const [table, ka] of Object.entries(input.RequestItems as Record<string, KeysAndAttributes>)) {
            for (const key of ka.Keys ?? []) {
              const t = processOf(key.pk?.S, n);
              (parts[t][table] ??= { ...ka, Keys: [] }).Keys!.push(key);
            }
          }
          const outs = await Promise.all(parts.map((RequestItems, t) => (Object.keys(RequestItems).length === 0 ? undefined : t === 0 ? next({ ...args, input: { ...input, RequestItems } }).then((o) => o.output) : peers[t].send(new BatchGetItemCommand({ ...input, RequestItems } as never)))));
          const output: Record<string, any> = { Responses: {}, UnprocessedKeys: {}, $metadata: {} };
          for (const o of outs) {
            if (!o) continue;
            for (const [table, items] of Object.entries((o.Responses ?? {}) as Record<string, Item[]>)) (output.Responses[table] ??= []).push(...items);
            for (const [table, ka] of Object.entries((o.UnprocessedKeys ?? {}) as Record<string, KeysAndAttributes>)) {
              if ((ka.Keys?.length ?? 0) > 0) (output.UnprocessedKeys[table] ??= { ...ka, Keys: [] }).Keys.push(...ka.Keys!);
            }
            if (o.ConsumedCapacity) (output.ConsumedCapacity ??= []).push(...o.ConsumedCapacity);
          }
          return { output, response: {} };
        }
        case 'BatchWriteItem': {
          const parts = Array.from({ length: n }, () => ({}) as Record<string, WriteRequest[]>);
          for (const [table, reqs] of Object.entries(input.RequestItems as Record<string, WriteRequest[]>)) {
            for (const r of reqs) (parts[processOf((r.PutRequest?.Item ?? r.DeleteRequest?.Key)?.pk?.S, n)][table] ??= []).push(r);
          }
          const outs = await Promise.all(parts.map((RequestItems, t) => (Object.keys(RequestItems).length === 0 ? undefined : t === 0 ? next({ ...args, input: { ...input, RequestItems } }).then((o) => o.output) : peers[t].send(new BatchWriteItemCommand({ ...input, RequestItems } as never)))));
          const output: Record<string, any> = { UnprocessedItems: {}, $metadata: {} };
          for (const o of outs) {
            if (!o) continue;
            for (const [table, reqs] of Object.entries((o.UnprocessedItems ?? {}) as Record<string, WriteRequest[]>)) if (reqs.length > 0) (output.UnprocessedItems[table] ??= []).push(...reqs);
            if (o.ConsumedCapacity) (output.ConsumedCapacity ??= []).push(...o.ConsumedCapacity);
          }
          return { output, response: {} };
        }
        case 'Scan':
          if (n > 1) throw new Error('Scan is not routed over several dynalite processes');
          return next(args);
        default:
          return next(args);
      }
    }) as never,
    { step: 'initialize', name: 'omsReconShardRouter', priority: 'low' },
  );
}

/**
 * `count` dynalites in child processes (in memory, or in LevelDB folders under `dir`), the record partitions spread over them by shard
 * ({@link processOf}); everything else lives in the first. `newClient()` gives a client that
 * routes (see addRouter). With `count` 1, {@link startDynaliteProcess} itself.
 */
export async function startDynaliteProcesses(count: number, opts: { heapMb?: number; dir?: string } = {}): Promise<DynaliteProcess & { processes: DynaliteProcess[] }> {
  // With `dir`, each process keeps its tables in a LevelDB folder of its own there (memory bounded, whatever the table's size).
  const processes = await Promise.all(Array.from({ length: count }, (_, i) => startDynaliteProcess({ heapMb: opts.heapMb, ...(opts.dir ? { path: join(opts.dir, `dynalite-${i}`) } : {}) })));
  if (count === 1) return { ...processes[0], processes };
  const peers = processes.map((p) => p.newClient());
  const first = processes[0];
  const newClient = (config: Partial<DynamoDBClientConfig> = {}) => {
    const c = first.newClient(config);
    addRouter(c, peers);
    return c;
  };
  return {
    processes,
    child: first.child,
    client: newClient(),
    tableName: first.tableName,
    endpoint: first.endpoint,
    newClient,
    async stats() {
      const all = await Promise.all(processes.map((p) => p.stats()));
      const sum = (k: keyof DynaliteStats) => all.reduce((t, s) => t + s[k], 0);
      return { rss: sum('rss'), heapUsed: sum('heapUsed'), cpuSeconds: sum('cpuSeconds'), maxRss: sum('maxRss') };
    },
    async stop() {
      await Promise.all(processes.map((p) => p.stop()));
    },
  };
}
