/**
 * financial — OMS sales and returns vs ERP invoices and credits, keyed by order ID.
 * Documents of one kind add up exactly; returns and credits compare by absolute value (ERPs
 * book credit memos negative). An order can carry one sales and one returns discrepancy.
 */
import { abs, formatMoney, ZERO, type Decimal } from '../decimal.ts';
import { FEEDS } from '../feeds/catalog.ts';
import type { CanonRecord } from '../feeds/decode.ts';
import type { Discrepancy, DiscrepancyType, Warning } from '../report/model.ts';
import { positional, SEP, type Boundary, type GroupOutcome } from './boundary.ts';

type Kind = 'sale' | 'return';

interface Side {
  rows: CanonRecord[];
  total: Decimal;
  currencies: Set<string>;
}

function tally(rows: CanonRecord[], kind: Kind): Side {
  let total = ZERO;
  const currencies = new Set<string>();
  for (const r of rows) {
    const a = r.f.amount as Decimal;
    total += kind === 'return' ? abs(a) : a;
    if (r.f.currency !== undefined) currencies.add(r.f.currency as string);
  }
  return { rows, total, currencies };
}

function view(s: Side): Record<string, unknown> | null {
  if (s.rows.length === 0) return null;
  const v: Record<string, unknown> = { amount: formatMoney(s.total) };
  if (s.currencies.size) v.currency = [...s.currencies].sort().join(',');
  v.documents = s.rows.map((r) => (r.f.document_id as string | undefined) ?? `line ${r.line}`);
  return v;
}

const currencyOf = (a: Side, b: Side) => [...a.currencies, ...b.currencies][0] ?? '';

export const financial: Boundary = {
  name: 'financial',
  sides: ['oms', 'erp'],
  feeds: { oms: FEEDS['oms-transactions'], erp: FEEDS['erp-transactions'] },
  keyFields: ['order_id'],

  groupFields: ['order_id'],
  identityOf: (r) => [r.f.type as string, (r.f.document_id as string | undefined) ?? positional(r)],
  identityKey: (r) => (r.f.type as string) + SEP + ((r.f.document_id as string | undefined) ?? positional(r)),

  observe() {},
  scope: () => ({ scope: { boundary: 'financial' }, warnings: [] as Warning[] }),

  classify(group, _scope, config) {
    const order_id = group[0].f.order_id as string;
    const omsRows = group.filter((r) => r.side === 'oms');
    const erpRows = group.filter((r) => r.side === 'erp');
    const out: GroupOutcome = { discrepancies: [], left: omsRows.length ? 1 : 0, right: erpRows.length ? 1 : 0, keys: 1, matched: 0, outOfScope: 0 };

    for (const kind of ['sale', 'return'] as const) {
      const oms = tally(omsRows.filter((r) => r.f.type === kind), kind);
      const erp = tally(erpRows.filter((r) => r.f.type === kind), kind);
      const make = (type: DiscrepancyType, amount: Decimal, extra: Partial<Discrepancy> = {}): Discrepancy => ({
        type,
        key: { order_id },
        kind,
        oms: view(oms),
        erp: view(erp),
        ...extra,
        impact: { money: { amount: formatMoney(abs(amount)), currency: currencyOf(oms, erp) } },
        sources: [...oms.rows, ...erp.rows].map((r) => ({ side: r.side, file: r.file, line: r.line })),
      });
      const hasOms = oms.rows.length > 0, hasErp = erp.rows.length > 0;
      if (hasOms && !hasErp) {
        out.discrepancies.push(make(kind === 'sale' ? 'not_booked' : 'return_not_credited', oms.total, { delta: formatMoney(oms.total) }));
      } else if (!hasOms && hasErp) {
        out.discrepancies.push(make(kind === 'sale' ? 'unexpected_in_erp' : 'credit_without_return', erp.total, { delta: formatMoney(-erp.total) }));
      } else if (hasOms && hasErp) {
        const delta = oms.total - erp.total;
        const fields: string[] = [];
        if (abs(delta) > config.tolerances.money) fields.push('amount');
        const oc = [...oms.currencies].sort().join(','), ec = [...erp.currencies].sort().join(',');
        if (oc && ec && oc !== ec) fields.push('currency');
        if (fields.length) out.discrepancies.push(make('amount_mismatch', delta, { fields, delta: formatMoney(delta) }));
      }
    }
    if (out.discrepancies.length === 0 && out.left && out.right) out.matched = 1;
    return out;
  },
};
