/**
 * Records as the pipeline stores them: a CanonRecord keyed by its boundary (group, side,
 * identity), with its version and file id with its fields as canonical text, and back. Both directions use the
 * feed's own codecs, so a record read back from DynamoDB classifies exactly as the one the
 * CLI holds in memory.
 */
import { groupOf, type Boundary } from '../boundaries/boundary.ts';
import { formatDecimal, type Decimal } from '../decimal.ts';
import { FEEDS } from '../feeds/catalog.ts';
import type { CanonRecord } from '../feeds/decode.ts';
import { Fail, readField } from '../feeds/fields.ts';
import type { KeyedRecord } from '../store/types.ts';

/** `at`: the stored version ({@link recordVersion}) and the short id of the source file. */
export function toKeyed(b: Boundary, r: CanonRecord, at: { version: string; fileId: string }): KeyedRecord {
  const feed = FEEDS[r.feed];
  const fields: Record<string, string> = {};
  for (const [name, v] of Object.entries(r.f)) {
    if (v === undefined) continue;
    const kind = feed.fields[name]?.kind;
    fields[name] =
      kind === 'money' || kind === 'quantity' ? formatDecimal(v as Decimal) : String(v);
  }
  return {
    boundary: b.name,
    group: groupOf(b, r),
    side: r.side,
    identity: b.identityOf(r),
    version: at.version,
    feed: r.feed,
    fields,
    fileId: at.fileId,
    file: r.file,
    line: r.line,
  };
}

export function fromKeyed(k: KeyedRecord): CanonRecord {
  const feed = FEEDS[k.feed];
  const f: CanonRecord['f'] = {};
  for (const [name, text] of Object.entries(k.fields)) {
    const spec = Object.hasOwn(feed.fields, name) ? feed.fields[name] : undefined;
    if (!spec) continue;
    const r = readField(spec, text);
    if (r instanceof Fail) throw new Error(`stored record ${k.file}:${k.line} holds an unreadable ${name}: ${r.reason}`);
    f[name] = r;
  }
  return { feed: k.feed, side: k.side, f, file: k.file, line: k.line, version: k.version };
}
