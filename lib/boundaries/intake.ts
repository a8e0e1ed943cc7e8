/**
 * intake — orders placed on a channel vs orders captured by the OMS, keyed by channel +
 * channel order ID (channel names compare case-insensitively). Only channels that sent a
 * feed in the run are in scope. Statuses and timestamps are not compared, except
 * cancellation (SPEC "Cancelled orders"; the rule for several captures is in classify).
 */
import { abs, formatMoney, type Decimal } from '../decimal.ts';
import type { ReconConfig } from '../config.ts';
import { FEEDS } from '../feeds/catalog.ts';
import type { CanonRecord } from '../feeds/decode.ts';
import type { Discrepancy, Impact, SourceLine, Warning } from '../report/model.ts';
import { positional, type Boundary, type GroupOutcome } from './boundary.ts';

function view(r: CanonRecord | undefined): Record<string, unknown> | null {
  if (!r) return null;
  const v: Record<string, unknown> = {};
  if (r.f.oms_order_id !== undefined) v.oms_order_id = r.f.oms_order_id;
  if (r.f.total !== undefined) v.total = formatMoney(r.f.total as Decimal);
  if (r.f.currency !== undefined) v.currency = r.f.currency;
  if (r.f.status !== undefined) v.status = r.f.status;
  return v;
}

/**
 * SPEC "Cancelled orders": a `status` of cancelled, canceled, voided or void (any case) marks
 * a cancelled order. (Presets and mapping `values` translate partner words to these.)
 */
const CANCELLED = new Set(['cancelled', 'canceled', 'voided', 'void']);

export function isCancelled(r: CanonRecord): boolean {
  const s = r.f.status;
  return typeof s === 'string' && CANCELLED.has(s.toLowerCase());
}

const src = (r: CanonRecord): SourceLine => ({ side: r.side, file: r.file, line: r.line });

function money(r: CanonRecord | undefined): Impact | undefined {
  if (!r || r.f.total === undefined) return undefined;
  return { money: { amount: formatMoney(abs(r.f.total as Decimal)), currency: (r.f.currency as string) ?? '' } };
}

export const intake: Boundary = {
  name: 'intake',
  sides: ['channel', 'oms'],
  feeds: { channel: FEEDS['channel-orders'], oms: FEEDS['oms-orders'] },
  keyFields: ['channel', 'channel_order_id'],

  groupFields: ['channel', 'channel_order_id'],
  // A channel order is one thing; an OMS capture is identified by its OMS order ID, or is its own row.
  identityOf: (r) => (r.side === 'channel' ? [] : [(r.f.oms_order_id as string | undefined) ?? positional(r)]),
  identityKey: (r) => (r.side === 'channel' ? '' : ((r.f.oms_order_id as string | undefined) ?? positional(r))),

  observe(r, facts) {
    if (r.side !== 'channel') return;
    const ch = r.f.channel as string;
    const list = (facts.channels ??= []);
    if (!list.includes(ch)) list.push(ch);
  },

  scope(facts) {
    const channels = new Set<string>();
    for (const f of facts) if (f.side === 'channel') for (const c of f.channels ?? []) channels.add(c);
    return { scope: { boundary: 'intake', channels: [...channels].sort() }, warnings: [] as Warning[] };
  },

  classify(group, scope, config) {
    let placed: CanonRecord | undefined;
    const live: CanonRecord[] = [];
    const voided: CanonRecord[] = [];
    for (const r of group) {
      // One identity on the channel side: after resolving, at most one channel row.
      if (r.side === 'channel') placed = r;
      else (isCancelled(r) ? voided : live).push(r);
    }
    const captured = live.length + voided.length;
    const channel = group[0].f.channel as string, orderId = group[0].f.channel_order_id as string;
    const key = { channel, channel_order_id: orderId };
    const out: GroupOutcome = { discrepancies: [], left: placed ? 1 : 0, right: captured ? 1 : 0, keys: 1, matched: 0, outOfScope: 0 };

    if (!placed && !(scope.channels ?? []).includes(channel)) {
      return { discrepancies: [], left: 0, right: 0, keys: 0, matched: 0, outOfScope: 1, outOfScopeReason: `channel "${channel}" sent no feed in this run` };
    }
    // SPEC "Cancelled orders". The OMS side of an order is cancelled only when every capture
    // of it is; one live capture makes the order live in the OMS. A cancelled capture beside a
    // live one (a double capture the OMS voided, an order cancelled and captured again) is
    // left out: it is no duplicate, and its total is not compared.
    const placedCancelled = placed !== undefined && isCancelled(placed);
    const ds: Discrepancy[] = [];
    if (placed && captured === 0) {
      // A cancelled channel order the OMS never captured: in agreement.
      if (!placedCancelled) ds.push({ type: 'missing_in_oms', key, channel: view(placed), oms: null, impact: money(placed), sources: [src(placed)] });
    }
    if (!placed && live.length > 0) {
      // Cancelled captures of an order no channel placed are not unexpected; live ones are.
      ds.push({ type: 'unexpected_in_oms', key, channel: null, oms: view(live[0]), impact: money(live[0]), sources: live.map(src) });
    }
    if (live.length > 1) {
      ds.push({
        type: 'duplicate_in_oms', key, channel: view(placed), oms: { captures: live.map(view) },
        impact: money(placed ?? live[0]),
        sources: [...(placed ? [src(placed)] : []), ...live.map(src)],
      });
    }
    if (placed && captured > 0) {
      const omsCancelled = live.length === 0;
      if (placedCancelled !== omsCancelled) {
        // Cancelled on one side, live on the other: this takes the place of a field_mismatch.
        // At risk: the order's total, the channel's, else that of the OMS captures in question.
        const omsRows = omsCancelled ? voided : live;
        ds.push({
          type: 'cancellation_mismatch', key, cancelled_on: placedCancelled ? 'channel' : 'oms',
          channel: view(placed), oms: omsRows.length === 1 ? view(omsRows[0]) : { captures: omsRows.map(view) },
          impact: money(placed) ?? money(omsRows.find((r) => r.f.total !== undefined)),
          sources: [src(placed), ...omsRows.map(src)],
        });
      } else if (!placedCancelled) {
        const d = fieldMismatch(placed, live, key, config);
        if (d) ds.push(d);
      }
      // Both cancelled: a match, totals not compared.
    }
    if (ds.length === 0) out.matched = 1;
    out.discrepancies = ds;
    return out;
  },
};

/** The total or currency of the live captures against the channel's (when both sides carry it). */
function fieldMismatch(placed: CanonRecord, omsRows: readonly CanonRecord[], key: Record<string, string>, config: ReconConfig): Discrepancy | undefined {
  let totalDiffers = false;
  let currencyDiffers = false;
  let delta: Decimal | undefined;
  for (const o of omsRows) {
    if (config.intake.compareTotal && placed.f.total !== undefined && o.f.total !== undefined) {
      const d = (placed.f.total as Decimal) - (o.f.total as Decimal);
      if (abs(d) > config.tolerances.money) {
        totalDiffers = true;
        delta ??= d;
      }
    }
    if (config.intake.compareCurrency && placed.f.currency !== undefined && o.f.currency !== undefined && placed.f.currency !== o.f.currency) {
      currencyDiffers = true;
    }
  }
  if (!totalDiffers && !currencyDiffers) return undefined;
  const other = omsRows.length === 1 ? view(omsRows[0]) : { captures: omsRows.map(view) };
  const fields = [...(totalDiffers ? ['total'] : []), ...(currencyDiffers ? ['currency'] : [])];
  const d: Discrepancy = { type: 'field_mismatch', key, fields, channel: view(placed), oms: other, sources: [src(placed), ...omsRows.map(src)] };
  if (delta !== undefined) {
    d.delta = formatMoney(delta);
    d.impact = { money: { amount: formatMoney(abs(delta)), currency: (placed.f.currency as string) ?? '' } };
  }
  return d;
}
