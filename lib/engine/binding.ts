/**
 * Partner binding: a partner may report only the channels and facilities the config gives it.
 *
 * A file's partner is the folder right after its feed's folder: `inbound/<feed>/<partner>/…`
 * in the bucket, `<inbox>/<feed>/<partner>/…` in `oms-recon local`'s inbox, and the same
 * pattern in a path given to `oms-recon reconcile`. The first `<feed>/<name>/` in the path
 * whose `<name>` is a configured partner decides (a partner's own sub-folders cannot name
 * another partner). A file under no partner folder is "unbound": its rows are used or
 * rejected as `unboundFiles` says.
 *
 * The field a row is bound by follows its feed: `channel` (channel-orders, oms-orders),
 * `facility_id` (oms-inventory, warehouse-inventory) or `location_id` (oms-allocations,
 * shipments). Feeds with none of them (the transactions feeds) are not bound by value; a
 * partner listing no channels (or no facilities) may report none. `"*"` allows any.
 * Channels compare case-insensitively (as the engine keys them), facilities exactly.
 */
import type { ReconConfig } from '../config.ts';
import type { FeedName } from '../feeds/catalog.ts';
import type { CanonRecord } from '../feeds/decode.ts';

/** A partner name: the folder of its files (and, on AWS, of its role's prefixes). */
export const PARTNER_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,47}$/;

/** What a partner may report, as the config gives it. */
export interface PartnerBinding {
  name: string;
  /** Channel names (any case), or `"*"`. Absent: none. */
  channels?: string[];
  /** Facility / location IDs (exact), or `"*"`. Absent: none. */
  facilities?: string[];
}

/** Rows of files under no partner folder: used as they are (`allow`, the default) or rejected. */
export type UnboundFiles = 'allow' | 'reject';

type Dimension = { field: 'channel' | 'facility_id' | 'location_id'; list: 'channels' | 'facilities'; noun: string };

const CHANNEL: Dimension = { field: 'channel', list: 'channels', noun: 'channel' };
const FACILITY: Dimension = { field: 'facility_id', list: 'facilities', noun: 'facility' };
const LOCATION: Dimension = { field: 'location_id', list: 'facilities', noun: 'location' };

/** The field each feed's rows are bound by (none for the transactions feeds). */
export const BOUND_BY: Readonly<Record<FeedName, Dimension | undefined>> = {
  'channel-orders': CHANNEL,
  'oms-orders': CHANNEL,
  'oms-allocations': LOCATION,
  shipments: LOCATION,
  'oms-inventory': FACILITY,
  'warehouse-inventory': FACILITY,
  'oms-transactions': undefined,
  'erp-transactions': undefined,
};

/** The config list (`channels` / `facilities`) a feed's rows are checked against, if any. */
export function bindingListOf(feed: FeedName): 'channels' | 'facilities' | undefined {
  return BOUND_BY[feed]?.list;
}

/**
 * The partner of a file from its path or S3 key (`/` or `\` separated): the first folder
 * named after the feed whose next folder is a configured partner, with the file below it.
 */
export function partnerOfPath(path: string, feed: FeedName, partners: ReadonlyMap<string, PartnerBinding>): PartnerBinding | undefined {
  if (partners.size === 0) return undefined;
  const parts = path.split(/[\\/]/);
  for (let i = 0; i + 2 < parts.length; i++) {
    if (parts[i] !== feed) continue;
    const p = partners.get(parts[i + 1]);
    if (p) return p;
  }
  return undefined;
}

/** Checks one row; a reason when the row may not be used. */
export type RowCheck = (r: CanonRecord) => string | undefined;

/** Partners by name (config order; names are unique by validation). */
export function partnersByName(config: Pick<ReconConfig, 'partners'>): Map<string, PartnerBinding> {
  return new Map((config.partners ?? []).map((p) => [p.name, p]));
}

/**
 * The row check for one file, or undefined when every row may be used (no partners and
 * unbound files allowed, or a feed the partner is not bound on by value).
 */
export function bindingCheck(config: Pick<ReconConfig, 'partners' | 'unboundFiles'>, feed: FeedName, path: string): RowCheck | undefined {
  const partner = partnerOfPath(path, feed, partnersByName(config));
  if (!partner) {
    if ((config.unboundFiles ?? 'allow') === 'allow') return undefined;
    const reason = `the file is in no partner's folder (<feed>/<partner>/…) and the config's unboundFiles is "reject"`;
    return () => reason;
  }
  const dim = BOUND_BY[feed];
  if (!dim) return undefined;
  const listed = partner[dim.list] ?? [];
  if (listed.includes('*')) return undefined;
  const lower = dim.field === 'channel';
  const allowed = new Set(listed.map((v) => (lower ? v.toLowerCase() : v)));
  const them = listed.length ? `${partner.name}'s ${dim.list}: ${listed.slice(0, 10).join(', ')}${listed.length > 10 ? ', …' : ''}` : `${partner.name} has no ${dim.list} in the config`;
  return (r) => {
    const v = r.f[dim.field];
    if (typeof v === 'string' && allowed.has(v)) return undefined;
    const text = JSON.stringify(typeof v === 'string' && v.length > 100 ? v.slice(0, 100) + '…' : v);
    return `partner ${partner.name} may not report ${dim.noun} ${text} (${them})`;
  };
}
