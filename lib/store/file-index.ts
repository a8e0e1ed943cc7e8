/**
 * The file index: what a run reads about the files of its boundary, sized by the files whose
 * records count now, not by the manifests retained (docs/data-model.md, "The file index").
 *
 *   pk = CURFILE#<boundary>   sk = the manifest's sk    a finished file (done or failed): the
 *                                                       manifest's head and its facts
 *   pk = OLDFILE#<boundary>   sk = <file id>            a retired snapshot file: its id, name,
 *                                                       side and checksum, nothing else
 *   pk = INFLIGHT#<boundary>  sk = the manifest's sk    a file claimed and not finished yet
 *
 * Ingest keeps it (manifest.ts): claimFile marks the file in flight *before* it claims it;
 * completeFile / failFile put the CURFILE entry *before* they mark the manifest finished, then
 * clear the in-flight marker. So a crash between two writes leaves at worst an extra marker
 * (ignored once its manifest says finished) or an entry that its holder writes again: a
 * claimed or finished file is never missing from the index.
 *
 * Plan (lib/pipeline/plan.ts) reads CURFILE (strongly consistent) and OLDFILE (eventually: plan
 * wrote it, an earlier run), then prunes what no later run needs: older versions of
 * a re-uploaded file and failures a good version replaced are deleted; a snapshot file that
 * the newer snapshot of every facility it counts replaced, without a warning, is retired to
 * OLDFILE. A retired file's id stays known because its unchanged records still carry it (a
 * row that did not change is not rewritten). Incremental files are never retired: their
 * records are live until their retention ends. Plan runs under the boundary's lock, and each
 * prune is conditional on the entry it read, so a file finishing meanwhile is never lost.
 *
 * A table written before the index existed is indexed once, from its manifests, by the first
 * reader that finds no `#ready` item (idempotent: every write is conditional on absence).
 */
import { DeleteItemCommand, GetItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { BoundaryName, SideName } from '../feeds/catalog.ts';
import { jsonToAttr, num, str, type Item } from './attr.ts';
import { decodeManifest, filePk, fileSk, listFiles } from './manifest.ts';
import { queryItems, resolveRetry, sendIf, withRetry, type ResolvedRetry } from './retry.ts';
import { isLive } from './ttl.ts';
import type { FileManifest, FileRef, RetryOptions } from './types.ts';

export const indexPk = (b: BoundaryName) => `CURFILE#${b}`;
export const retiredPk = (b: BoundaryName) => `OLDFILE#${b}`;
export const inFlightPk = (b: BoundaryName) => `INFLIGHT#${b}`;
/** The sort key of the item that says a partition is complete (no file sk starts with `#r`). */
const READY = '#ready';
/** A marker younger than this is never taken for stale: its claim may be on its way. */
const MARKER_GRACE_MS = 60_000;

/** A snapshot file retired from the index: records may still carry its id; it is no longer current. */
export interface RetiredFile {
  fileId: string;
  /** Its name (`s3://bucket/key`), as the files' facts name it. */
  file: string;
  side: SideName;
  checksum?: string;
  ttl?: number;
}

/** The plan's view of a boundary's files. */
export interface FileIndex {
  /** Finished files (done or failed) still in the index, as manifests with their facts. */
  files: FileManifest[];
  retired: RetiredFile[];
}

/** An index item of file `f` under `pk`: keyed by the manifest's sk, naming the object. */
const headOf = (pk: string, f: FileRef): Item => ({
  pk: { S: pk },
  sk: { S: fileSk(f) },
  bucket: { S: f.bucket },
  objectKey: { S: f.key },
  objectVersion: { S: f.objectVersion },
});

/** The INFLIGHT marker of `f`, put by the claim `token` at `at` (ms). */
function markerOf(f: FileRef, token: string, at: number, ttl: number | undefined): Item {
  const item: Item = { ...headOf(inFlightPk(f.boundary), f), claim: { S: token }, at: { N: String(at) } };
  if (ttl !== undefined) item.ttl = { N: String(ttl) };
  return item;
}

/** The CURFILE entry of a finished file: its manifest's head, outcome and facts (not its source, checkpoint or warnings). */
export function entryOf(m: FileManifest): Item {
  const item: Item = {
    ...headOf(indexPk(m.boundary), m),
    feed: { S: m.feed },
    status: { S: m.status },
    claim: { S: m.claim },
    startedAt: { S: m.startedAt },
  };
  const s = (name: string, v: string | undefined) => v !== undefined && (item[name] = { S: v });
  s('fileId', m.fileId);
  s('finishedAt', m.finishedAt);
  s('checksum', m.checksum);
  s('rejectedKey', m.rejectedKey);
  // As JSON text: its keys are partner data (a facility may be called `__proto__`).
  if (m.facts !== undefined) item.facts = { S: packFacts(m.facts, m) };
  if (m.error !== undefined) item.error = jsonToAttr(m.error, 'error');
  if (m.ttl !== undefined) item.ttl = { N: String(m.ttl) };
  return item;
}

/** Attributes an index item may or may not carry: a rewrite removes those it lacks. */
const OPTIONAL = ['fileId', 'finishedAt', 'checksum', 'rejectedKey', 'facts', 'error', 'ttl'];

/**
 * Writes `item` whole, as an UpdateItem (SET its attributes, REMOVE the optional ones it
 * lacks): the same write as a PutItem, through the call every manifest write uses.
 */
async function writeItem(client: DynamoDBClient, tableName: string, item: Item, retry: ResolvedRetry, condition?: string): Promise<boolean> {
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  const sets: string[] = [];
  let i = 0;
  for (const [k, v] of Object.entries(item)) {
    if (k === 'pk' || k === 'sk') continue;
    names[`#a${i}`] = k;
    values[`:a${i}`] = v;
    sets.push(`#a${i} = :a${i}`);
    i++;
  }
  const removes: string[] = [];
  for (const k of OPTIONAL) {
    if (Object.hasOwn(item, k)) continue;
    names[`#a${i}`] = k;
    removes.push(`#a${i}`);
    i++;
  }
  if (condition !== undefined) names['#sk'] = 'sk';
  return sendIf(
    `UpdateItem ${item.pk.S} ${item.sk.S}`,
    () =>
      client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: { pk: item.pk, sk: item.sk },
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ...(condition !== undefined ? { ConditionExpression: condition } : {}),
          ExpressionAttributeNames: names,
          ...(sets.length ? { ExpressionAttributeValues: values } : {}),
        }),
      ),
    retry,
  );
}

/** The marker of packed facts (no facts field starts with `#`). */
const PACKED = '#packed';

type Facts = Record<string, unknown> & { facts?: Record<string, unknown>; stats?: Record<string, unknown> };

/**
 * The facts as JSON text, without what the entry says already: the file's name (in the facts
 * and the stats), its version (the upload time, then bucket/key and object version: only the
 * time is kept), its id, an empty warnings list. A run reads every entry: these are most of
 * its bytes. {@link unpackFacts} puts them back.
 */
function packFacts(facts: Record<string, unknown>, m: FileManifest): string {
  const name = `s3://${m.bucket}/${m.key}`;
  const f = facts as Facts;
  const out: Facts = { ...f };
  let packed = false;
  if (f.facts && typeof f.facts === 'object') {
    const inner = { ...f.facts };
    if (inner.file === name) {
      delete inner.file;
      packed = true;
    }
    const v = inner.version;
    if (typeof v === 'string' && v.indexOf(' ') > 0 && v === `${v.slice(0, v.indexOf(' '))} ${m.bucket}/${m.key} ${m.objectVersion}`) {
      inner.version = v.slice(0, v.indexOf(' '));
      inner[PACKED] = 'version';
      packed = true;
    }
    out.facts = inner;
  }
  if (f.stats && typeof f.stats === 'object' && f.stats.file === name) {
    const { file: _file, ...stats } = f.stats;
    out.stats = stats;
    packed = true;
  }
  if (m.fileId !== undefined && f.fileId === m.fileId) {
    delete out.fileId;
    packed = true;
  }
  if (Array.isArray(f.warnings) && f.warnings.length === 0) {
    delete out.warnings;
    packed = true;
  }
  if (packed) out[PACKED] = 1;
  return JSON.stringify(out);
}

function unpackFacts(facts: Record<string, unknown>, m: FileManifest): Record<string, unknown> {
  if (!Object.hasOwn(facts, PACKED)) return facts;
  const name = `s3://${m.bucket}/${m.key}`;
  const { [PACKED]: _packed, ...out } = facts as Facts;
  if (out.facts && typeof out.facts === 'object') {
    const { [PACKED]: version, ...inner } = out.facts;
    if (!Object.hasOwn(inner, 'file')) inner.file = name;
    if (version === 'version') inner.version = `${inner.version as string} ${m.bucket}/${m.key} ${m.objectVersion}`;
    // The key order of the facts as ingest wrote them (file, side, version, …).
    out.facts = { file: inner.file, ...inner };
  }
  if (out.stats && typeof out.stats === 'object' && !Object.hasOwn(out.stats, 'file')) out.stats = { file: name, ...out.stats };
  if (!Object.hasOwn(out, 'fileId') && m.fileId !== undefined) out.fileId = m.fileId;
  if (!Object.hasOwn(out, 'warnings')) out.warnings = [];
  return out;
}

/** An index entry as a manifest, its facts whole. */
function decodeEntry(boundary: BoundaryName, item: Item): FileManifest {
  const m = decodeManifest(boundary, item);
  if (m.facts !== undefined) m.facts = unpackFacts(m.facts, m);
  return m;
}

export async function putIndexEntry(client: DynamoDBClient, tableName: string, m: FileManifest, retry: ResolvedRetry): Promise<void> {
  await writeItem(client, tableName, entryOf(m), retry);
}

/** A finished file's facts, from its index entry (retired or pruned: undefined). */
export async function indexedFacts(client: DynamoDBClient, tableName: string, f: FileRef, retry: ResolvedRetry): Promise<Record<string, unknown> | undefined> {
  const out = await withRetry(
    `GetItem ${indexPk(f.boundary)} ${fileSk(f)}`,
    () => client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: indexPk(f.boundary) }, sk: { S: fileSk(f) } }, ConsistentRead: true })),
    retry,
  );
  return out.Item ? decodeEntry(f.boundary, out.Item).facts : undefined;
}

/** Marks a file in flight before its claim is taken (claimFile). */
export async function markInFlight(
  client: DynamoDBClient, tableName: string, f: FileRef, token: string, o: { ttl?: number; now: Date; retry: ResolvedRetry },
): Promise<void> {
  await writeItem(client, tableName, markerOf(f, token, o.now.getTime(), o.ttl), o.retry);
}

/** Clears a file's in-flight marker if it is still the one `token` put (a newer claim's marker stays). */
export async function clearInFlight(client: DynamoDBClient, tableName: string, f: FileRef, token: string, retry: ResolvedRetry): Promise<void> {
  await deleteIf(client, tableName, { pk: { S: inFlightPk(f.boundary) }, sk: { S: fileSk(f) } }, '#claim = :claim', { '#claim': 'claim' }, { ':claim': { S: token } }, retry);
}

async function deleteIf(
  client: DynamoDBClient, tableName: string, key: Item, condition: string, names: Record<string, string>, values: Record<string, AttributeValue>, retry: ResolvedRetry,
): Promise<boolean> {
  return sendIf(
    `DeleteItem ${key.pk.S} ${key.sk.S}`,
    () => client.send(new DeleteItemCommand({ TableName: tableName, Key: key, ConditionExpression: condition, ExpressionAttributeNames: names, ExpressionAttributeValues: values })),
    retry,
  );
}

async function queryAll(client: DynamoDBClient, tableName: string, pk: string, consistent: boolean, retry: ResolvedRetry): Promise<Item[]> {
  const out: Item[] = [];
  const input = { TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } }, ConsistentRead: consistent };
  for await (const item of queryItems(client, input, `Query ${pk}`, retry)) out.push(item);
  return out;
}

const isReady = (items: Item[]) => items.some((i) => i.sk?.S === READY);

/**
 * Indexes a boundary whose manifests were written before the index existed: every finished
 * manifest gets its entry, every claimed one its marker (each only if absent), then `#ready`.
 */
async function backfill(client: DynamoDBClient, tableName: string, boundary: BoundaryName, retry: ResolvedRetry): Promise<void> {
  const putIfAbsent = (item: Item) => writeItem(client, tableName, item, retry, 'attribute_not_exists(#sk)');
  // Expired manifests too: readers filter by ttl, and a clock given to them may be earlier than this one.
  for await (const m of listFiles(client, tableName, boundary, { now: new Date(0) })) {
    await putIfAbsent(m.status === 'processing' ? markerOf(m, m.claim, 0, m.ttl) : entryOf(m));
  }
  for (const pk of [indexPk(boundary), inFlightPk(boundary)]) {
    await writeItem(client, tableName, { pk: { S: pk }, sk: { S: READY }, at: { N: String(Date.now()) } }, retry);
  }
}

/** A partition's items, after indexing the boundary's old manifests if it never was. */
async function indexed(client: DynamoDBClient, tableName: string, boundary: BoundaryName, pk: string, consistent: boolean, retry: ResolvedRetry): Promise<Item[]> {
  let items = await queryAll(client, tableName, pk, consistent, retry);
  if (isReady(items)) return items.filter((i) => i.sk?.S !== READY);
  await backfill(client, tableName, boundary, retry);
  items = await queryAll(client, tableName, pk, true, retry);
  return items.filter((i) => i.sk?.S !== READY);
}

export interface ReadIndexOptions extends RetryOptions {
  /** The clock that decides which entries are past their `ttl`. Default: now. */
  now?: Date;
}

/** The boundary's finished files and retired snapshot files (live ones only). */
export async function readFileIndex(client: DynamoDBClient, tableName: string, boundary: BoundaryName, opts: ReadIndexOptions = {}): Promise<FileIndex> {
  const retry = resolveRetry(opts);
  const now = opts.now ?? new Date();
  const files = (await indexed(client, tableName, boundary, indexPk(boundary), true, retry))
    .map((item) => decodeEntry(boundary, item))
    .filter((m) => isLive(m.ttl, now));
  const retired: RetiredFile[] = [];
  // Eventually consistent: plan wrote them, in an earlier run (runs are minutes apart, replication takes under a second).
  for (const item of await queryAll(client, tableName, retiredPk(boundary), false, retry)) {
    const r: RetiredFile = { fileId: str(item, 'sk') ?? '', file: str(item, 'file') ?? '', side: str(item, 'side') as SideName };
    const checksum = str(item, 'checksum');
    if (checksum !== undefined) r.checksum = checksum;
    const ttl = num(item, 'ttl');
    if (ttl !== undefined) r.ttl = ttl;
    if (isLive(r.ttl, now)) retired.push(r);
  }
  return { files, retired };
}

/**
 * The boundary's files still being ingested (`processing`), as their manifests say: one read
 * of the in-flight markers, then each marked manifest. A marker whose manifest is finished (a
 * crash between two writes, or a claim that found the file done) is cleared.
 */
export async function listUnfinished(client: DynamoDBClient, tableName: string, boundary: BoundaryName, opts: ReadIndexOptions = {}): Promise<FileManifest[]> {
  const retry = resolveRetry(opts);
  const now = opts.now ?? new Date();
  const out: FileManifest[] = [];
  for (const marker of await indexed(client, tableName, boundary, inFlightPk(boundary), true, retry)) {
    const sk = marker.sk.S!;
    const got = await withRetry(
      `GetItem ${filePk(boundary)} ${sk}`,
      () => client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: filePk(boundary) }, sk: { S: sk } }, ConsistentRead: true })),
      retry,
    );
    const m = got.Item ? decodeManifest(boundary, got.Item) : undefined;
    if (m && m.status === 'processing') {
      if (isLive(m.ttl, now)) out.push(m);
      continue;
    }
    if (now.getTime() - (num(marker, 'at') ?? 0) < MARKER_GRACE_MS) continue;
    await deleteIf(client, tableName, { pk: marker.pk, sk: marker.sk }, '#claim = :claim', { '#claim': 'claim' }, { ':claim': marker.claim ?? { S: '' } }, retry);
  }
  return out;
}

export interface IndexPrune {
  /** Entries no run needs again (an older version of a file, a failure a good version replaced). */
  drop: FileManifest[];
  /** Snapshot files superseded everywhere they count, without a warning: retired to OLDFILE. */
  retire: Array<{ entry: FileManifest; side: SideName; file: string }>;
  /** Retired files no run needs again (their file was uploaded again). */
  dropRetired: RetiredFile[];
}

/**
 * Applies plan's pruning. Each change is conditional on the entry as it was read (same claim,
 * same status): an entry rewritten meanwhile (a file retried and finished) stays as it is.
 */
export async function pruneFileIndex(client: DynamoDBClient, tableName: string, boundary: BoundaryName, p: IndexPrune, opts: RetryOptions = {}): Promise<void> {
  const retry = resolveRetry(opts);
  const same = (m: FileManifest) =>
    deleteIf(
      client, tableName, { pk: { S: indexPk(boundary) }, sk: { S: fileSk(m) } }, '#claim = :claim AND #status = :status',
      { '#claim': 'claim', '#status': 'status' }, { ':claim': { S: m.claim }, ':status': { S: m.status } }, retry,
    );
  for (const m of p.drop) await same(m);
  for (const r of p.retire) {
    const fileId = r.entry.fileId;
    if (fileId === undefined) continue;
    const item: Item = { pk: { S: retiredPk(boundary) }, sk: { S: fileId }, file: { S: r.file }, side: { S: r.side } };
    if (r.entry.checksum !== undefined) item.checksum = { S: r.entry.checksum };
    if (r.entry.ttl !== undefined) item.ttl = { N: String(r.entry.ttl) };
    // The stub first: if the entry's delete never happens, the next plan sees both and retires again.
    await writeItem(client, tableName, item, retry);
    await same(r.entry);
  }
  for (const r of p.dropRetired) {
    await withRetry(
      `DeleteItem ${retiredPk(boundary)} ${r.fileId}`,
      () => client.send(new DeleteItemCommand({ TableName: tableName, Key: { pk: { S: retiredPk(boundary) }, sk: { S: r.fileId } } })),
      retry,
    );
  }
}
