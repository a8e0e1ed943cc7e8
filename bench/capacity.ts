/**
 * What DynamoDB and S3 bill, measured at the client — so the pipeline bench measures whatever
 * store model the code has, without looking into lib/store:
 *
 *   const meter = new CapacityMeter();
 *   meter.attach(dynamoClient);          // every request that can asks ReturnConsumedCapacity TOTAL
 *   const before = meter.snapshot();
 *   …run the real handlers…
 *   const used = meter.since(before);    // { wcu, rcu, byOp: { BatchWriteItem: {requests, wcu, rcu, …} } }
 *
 * Capacity is DynamoDB's own answer (`ConsumedCapacity` of each response). dynalite answers it
 * for GetItem, PutItem, UpdateItem, DeleteItem, BatchGetItem, BatchWriteItem, Query and Scan
 * with DynamoDB's rules (writes: 1 unit per started KB of the larger of the old and new item;
 * reads: 1 unit per started 4 KB, half for eventually consistent; Query/Scan on the summed
 * size of the items read per page). Where a response carries none, the meter computes it from
 * the item sizes with the same rules and counts the request under `computed`; a conditional
 * write whose condition fails carries none either (it is an error), and DynamoDB still bills
 * it by the size of the existing item (at least 1 unit): the meter reads that item with an
 * unmetered client to bill it exactly.
 */
import {
  type DynamoDBClient,
  GetItemCommand,
  ScanCommand,
  type AttributeValue,
  type ConsumedCapacity,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { startS3rver } from '../lib/pipeline/standins.ts';
import { itemSize } from '../lib/store/attr.ts';
import { createTable } from '../lib/store/table.ts';
import { Stage, type StageOptions, type StandIns } from '../test/pipeline/harness.ts';
import { startDynaliteProcess } from './dynalite-child.ts';

type Item = Record<string, AttributeValue>;

/** Operations whose input takes ReturnConsumedCapacity. */
const SUPPORTS = new Set([
  'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchGetItem', 'BatchWriteItem', 'Query', 'Scan',
  'TransactGetItems', 'TransactWriteItems', 'ExecuteStatement', 'BatchExecuteStatement', 'ExecuteTransaction',
]);
const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);

export interface OpUsage {
  requests: number;
  wcu: number;
  rcu: number;
  /** Requests billed from DynamoDB's ConsumedCapacity. */
  returned: number;
  /** Requests billed by the meter's own computation (no ConsumedCapacity in the answer). */
  computed: number;
  /** Conditional writes refused (ConditionalCheckFailedException), billed by the existing item. */
  conditionFailed: number;
  /** Items read (Query/Scan/Get/BatchGet) and written (Put/BatchWrite put requests, Update). */
  itemsRead: number;
  itemsWritten: number;
}

export interface Usage {
  wcu: number;
  rcu: number;
  requests: number;
  byOp: Record<string, OpUsage>;
}

const emptyOp = (): OpUsage => ({ requests: 0, wcu: 0, rcu: 0, returned: 0, computed: 0, conditionFailed: 0, itemsRead: 0, itemsWritten: 0 });

const readUnits = (bytes: number, consistent: boolean) => Math.ceil(bytes / 4096) * (consistent ? 1 : 0.5);
const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

export class CapacityMeter {
  private readonly ops = new Map<string, OpUsage>();
  private keyNames = new Map<string, string[]>();

  /**
   * Adds the meter to a client's middleware stack. `raw` is a client on the same server
   * without the meter (to read the existing item of a refused conditional write).
   */
  attach(client: DynamoDBClient, raw: DynamoDBClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const op = String(context.commandName ?? 'Unknown').replace(/Command$/, '');
        const input = args.input as Record<string, any>;
        const asked = SUPPORTS.has(op) && input.ReturnConsumedCapacity === undefined;
        const sent = asked ? { ...args, input: { ...input, ReturnConsumedCapacity: 'TOTAL' } } : args;
        const u = this.op(op);
        u.requests++;
        try {
          const out = await next(sent);
          this.bill(op, u, input, out.output as Record<string, any>);
          return out;
        } catch (e) {
          if ((e as { name?: string }).name === 'ConditionalCheckFailedException') await this.billRefused(op, u, input, raw, e);
          throw e;
        }
      },
      { step: 'initialize', name: 'omsReconCapacityMeter', override: true },
    );
  }

  private op(name: string): OpUsage {
    let u = this.ops.get(name);
    if (!u) this.ops.set(name, (u = emptyOp()));
    return u;
  }

  private bill(op: string, u: OpUsage, input: Record<string, any>, output: Record<string, any>): void {
    const consistent = input.ConsistentRead === true;
    // Items moved, for the per-row figures.
    if (op === 'Query' || op === 'Scan') u.itemsRead += output.Items?.length ?? 0;
    else if (op === 'GetItem') u.itemsRead += output.Item ? 1 : 0;
    else if (op === 'BatchGetItem') for (const items of Object.values(output.Responses ?? {})) u.itemsRead += (items as Item[]).length;
    else if (op === 'PutItem' || op === 'UpdateItem') u.itemsWritten++;
    else if (op === 'BatchWriteItem') {
      let sent = 0, unprocessed = 0;
      for (const reqs of Object.values(input.RequestItems ?? {})) sent += (reqs as unknown[]).length;
      for (const reqs of Object.values(output.UnprocessedItems ?? {})) unprocessed += (reqs as unknown[]).length;
      u.itemsWritten += sent - unprocessed;
    }
    if (!SUPPORTS.has(op)) return;
    const cc = output.ConsumedCapacity as ConsumedCapacity | ConsumedCapacity[] | undefined;
    const list = cc === undefined ? [] : Array.isArray(cc) ? cc : [cc];
    if (list.length > 0) {
      u.returned++;
      for (const c of list) {
        const units = c.CapacityUnits ?? 0;
        if (c.ReadCapacityUnits !== undefined || c.WriteCapacityUnits !== undefined) {
          u.rcu += c.ReadCapacityUnits ?? 0;
          u.wcu += c.WriteCapacityUnits ?? 0;
        } else if (READS.has(op)) u.rcu += units;
        else u.wcu += units;
      }
      return;
    }
    // No ConsumedCapacity in the answer: DynamoDB's rules on the item sizes.
    u.computed++;
    switch (op) {
      case 'Query':
      case 'Scan':
        u.rcu += readUnits((output.Items ?? []).reduce((t: number, i: Item) => t + itemSize(i), 0), consistent);
        break;
      case 'GetItem':
        u.rcu += output.Item ? readUnits(itemSize(output.Item), consistent) : consistent ? 1 : 0.5;
        break;
      case 'BatchGetItem':
        for (const [table, items] of Object.entries(output.Responses ?? {})) {
          const c = input.RequestItems?.[table]?.ConsistentRead === true;
          for (const i of items as Item[]) u.rcu += readUnits(itemSize(i), c);
        }
        break;
      case 'PutItem':
        u.wcu += writeUnits(itemSize(input.Item));
        break;
      case 'BatchWriteItem':
        for (const reqs of Object.values(input.RequestItems ?? {})) {
          for (const r of reqs as Array<{ PutRequest?: { Item: Item } }>) u.wcu += r.PutRequest ? writeUnits(itemSize(r.PutRequest.Item)) : 1;
        }
        break;
      default:
        // UpdateItem / DeleteItem without an answer: the item is unknown here; 1 unit (≤ 1 KB).
        u.wcu += 1;
    }
  }

  /** A refused conditional write: billed by the existing item's size, at least 1 write unit. */
  private async billRefused(op: string, u: OpUsage, input: Record<string, any>, raw: DynamoDBClient, e: unknown): Promise<void> {
    u.conditionFailed++;
    u.computed++;
    let existing: Item | undefined = (e as { Item?: Item }).Item;
    if (!existing && (op === 'PutItem' || op === 'UpdateItem' || op === 'DeleteItem')) {
      const table = input.TableName as string;
      const names = await this.keyNamesOf(raw, table);
      const source: Item = op === 'PutItem' ? input.Item : input.Key;
      const key: Item = {};
      for (const n of names) key[n] = source[n];
      existing = (await raw.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
    }
    u.wcu += existing ? writeUnits(itemSize(existing)) : 1;
  }

  private async keyNamesOf(raw: DynamoDBClient, table: string): Promise<string[]> {
    let names = this.keyNames.get(table);
    if (!names) {
      const { DescribeTableCommand } = await import('@aws-sdk/client-dynamodb');
      const d = await raw.send(new DescribeTableCommand({ TableName: table }));
      names = (d.Table?.KeySchema ?? []).map((k) => k.AttributeName!);
      this.keyNames.set(table, names);
    }
    return names;
  }

  snapshot(): Usage {
    const byOp: Record<string, OpUsage> = {};
    let wcu = 0, rcu = 0, requests = 0;
    for (const [op, u] of this.ops) {
      byOp[op] = { ...u };
      wcu += u.wcu;
      rcu += u.rcu;
      requests += u.requests;
    }
    return { wcu, rcu, requests, byOp };
  }

  /** What was used since `before` (a snapshot). */
  since(before: Usage): Usage {
    const now = this.snapshot();
    const byOp: Record<string, OpUsage> = {};
    for (const [op, u] of Object.entries(now.byOp)) {
      const b = before.byOp[op] ?? emptyOp();
      const d = emptyOp();
      for (const k of Object.keys(d) as Array<keyof OpUsage>) d[k] = u[k] - b[k];
      if (d.requests > 0) byOp[op] = d;
    }
    return { wcu: now.wcu - before.wcu, rcu: now.rcu - before.rcu, requests: now.requests - before.requests, byOp };
  }
}

/** `Op requests wcu rcu` per operation, one line each, for the bench's output. */
export function describeUsage(u: Usage, fmt: (n: number) => string): string {
  return Object.entries(u.byOp)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([op, o]) => `${op} ×${fmt(o.requests)}: ${fmt(o.wcu)} WCU, ${fmt(o.rcu)} RCU` +
      (o.itemsWritten ? `, ${fmt(o.itemsWritten)} items written` : '') +
      (o.itemsRead ? `, ${fmt(o.itemsRead)} items read` : '') +
      (o.conditionFailed ? `, ${fmt(o.conditionFailed)} conditions refused` : '') +
      (o.computed ? ` (${fmt(o.computed)} computed)` : ''))
    .join('; ');
}

/** S3 requests by operation and bytes put, counted at the client. */
export class S3Meter {
  readonly requests = new Map<string, number>();
  /** Bytes put, by the key's first path segment (inbound, rejected, runs, reports). */
  readonly bytes = new Map<string, number>();

  attach(client: S3Client): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const op = String(context.commandName ?? 'Unknown').replace(/Command$/, '');
        this.requests.set(op, (this.requests.get(op) ?? 0) + 1);
        if (op === 'PutObject' || op === 'UploadPart') {
          const input = args.input as { Body?: unknown; Key?: string; ContentLength?: number };
          const body = input.Body;
          const n = typeof body === 'string' ? Buffer.byteLength(body) : body instanceof Uint8Array ? body.byteLength : (input.ContentLength ?? 0);
          const prefix = (input.Key ?? '').split('/')[0];
          this.bytes.set(prefix, (this.bytes.get(prefix) ?? 0) + n);
        }
        return next(args);
      },
      { step: 'initialize', name: 'omsReconS3Meter', override: true },
    );
  }

  snapshot(): { requests: Record<string, number>; bytes: Record<string, number> } {
    return { requests: Object.fromEntries(this.requests), bytes: Object.fromEntries(this.bytes) };
  }

  /** PUT-class (PUT, COPY, POST, LIST) and GET-class request counts since a snapshot, as S3 bills them, and bytes put by prefix. */
  since(before: ReturnType<S3Meter['snapshot']>): { put: number; get: number; byOp: Record<string, number>; bytes: Record<string, number> } {
    const byOp: Record<string, number> = {};
    let put = 0, get = 0;
    for (const [op, n] of this.requests) {
      const d = n - (before.requests[op] ?? 0);
      if (d === 0) continue;
      byOp[op] = d;
      if (/^(Get|Head)/.test(op)) get += d;
      else if (!/^Delete/.test(op)) put += d; // Put, Copy, Post, List, CreateMultipartUpload, UploadPart, Complete…
    }
    const bytes: Record<string, number> = {};
    for (const [k, n] of this.bytes) if (n !== (before.bytes[k] ?? 0)) bytes[k] = n - (before.bytes[k] ?? 0);
    return { put, get, byOp, bytes };
  }
}

/** DynamoDB bills storage as the items' size plus 100 bytes of per-item overhead (indexing). */
export const STORAGE_OVERHEAD_BYTES = 100;

export interface TableStorage {
  items: number;
  /** Sum of item sizes (DynamoDB's rule). */
  itemBytes: number;
  /** itemBytes + 100 bytes an item: what storage (and PITR) is billed on. */
  billedBytes: number;
  /** Items and bytes by the part of the partition key before its first `#` (a label, not a contract). */
  byKind: Map<string, { items: number; itemBytes: number }>;
}

/** Scans a whole table (with a client that is not metered) and sums what storage is billed on. */
export async function tableStorage(client: DynamoDBClient, table: string): Promise<TableStorage> {
  const out: TableStorage = { items: 0, itemBytes: 0, billedBytes: 0, byKind: new Map() };
  let start: Item | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) {
      const size = itemSize(item);
      out.items++;
      out.itemBytes += size;
      const kind = (item.pk?.S ?? '').split('#')[0] || '?';
      const k = out.byKind.get(kind) ?? { items: 0, itemBytes: 0 };
      k.items++;
      k.itemBytes += size;
      out.byKind.set(kind, k);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  out.billedBytes = out.itemBytes + out.items * STORAGE_OVERHEAD_BYTES;
  return out;
}

/** Every item of a table (unmetered Scan), for replaying them raw. */
export async function scanAll(client: DynamoDBClient, table: string): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) items.push(item);
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * The stand-ins of test/pipeline/harness.ts, with dynalite in a child process (the bench's
 * CPU time is then the handlers' and the clients', not dynalite's) and s3rver in this one.
 */
export async function startBenchStandIns(): Promise<StandIns> {
  const db = await startDynaliteProcess();
  const s3 = await startS3rver({ bucket: 'oms-recon-bench' });
  let n = 0;
  return {
    db,
    s3,
    async stage(opts: StageOptions = {}) {
      n++;
      const tableName = `oms-recon-bench-${n}`;
      const bucket = `oms-recon-bench-${n}`;
      await createTable(db.client, tableName);
      await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
      return new Stage(db, s3, tableName, bucket, opts);
    },
    async stop() {
      await Promise.all([db.stop(), s3.stop()]);
    },
  };
}
