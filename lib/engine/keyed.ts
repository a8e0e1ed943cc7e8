/**
 * Records as the pipeline stores them: a CanonRecord keyed by its boundary (group, side,
 * identity, version) with its fields as canonical text, and back. Both directions use the
 * feed's own codecs, so a record read back from DynamoDB classifies exactly as the one the
 * CLI holds in memory.
 */
import type { Boundary } from '../boundaries/boundary.ts';
import { formatDecimal, type Decimal } from '../decimal.ts';
import { FEEDS } from '../feeds/catalog.ts';
import type { CanonRecord } from '../feeds/decode.ts';
import { formatTimestamp, readField } from '../feeds/fields.ts';
import type { KeyedRecord } from '../store/types.ts';

export function toKeyed(b: Boundary, r: CanonRecord): KeyedRecord {
  const feed = FEEDS[r.feed];
  const fields: Record<string, string> = {};
  for (const [name, v] of Object.entries(r.f)) {
    if (v === undefined) continue;
    const kind = feed.fields[name]?.kind;
    fields[name] =
      kind === 'money' || kind === 'quantity' ? formatDecimal(v as Decimal) : kind === 'timestamp' ? formatTimestamp(v as number) : String(v);
  }
  return {
    boundary: b.name,
    group: b.groupOf(r),
    side: r.side,
    identity: b.identityOf(r),
    version: r.version,
    feed: r.feed,
    fields,
    file: r.file,
    line: r.line,
  };
}

export function fromKeyed(k: KeyedRecord): CanonRecord {
  const feed = FEEDS[k.feed];
  const f: CanonRecord['f'] = {};
  for (const [name, text] of Object.entries(k.fields)) {
    const spec = feed.fields[name];
    if (!spec) continue;
    const r = readField(spec, text);
    if (!r.ok) throw new Error(`stored record ${k.file}:${k.line} holds an unreadable ${name}: ${r.reason}`);
    f[name] = r.value;
  }
  return { feed: k.feed, side: k.side, f, file: k.file, line: k.line, version: k.version };
}
