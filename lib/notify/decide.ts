/**
 * When a run's summary is published, and how SNS subscriptions can filter it (issue 11).
 *
 * Per boundary (config `notify.<boundary>`):
 * - `always`: every run publishes;
 * - `changes` (the default): a run publishes when it has new or resolved discrepancies, or a
 *   new feed-health warning (a feed that turned late, an empty or shrunk drop);
 * - `threshold`: a run publishes when it has at least `minNew` new discrepancies, or the money
 *   at risk in any one currency is at least `minMoneyAtRisk` (or a new feed-health warning).
 * A run that compared nothing always publishes; a failed run always does (the state machine's
 * failure path does not ask).
 *
 * Every publish carries SNS message attributes (`boundary`, `severity`, `new`,
 * `discrepancies`, `event`), so a subscription's filter policy can take only what it needs —
 * e.g. finance: `{"boundary": ["financial"]}` (docs/deploy.md).
 */
import type { ReconConfig } from '../config.ts';
import { parseDecimal } from '../decimal.ts';
import type { BoundaryName } from '../feeds/catalog.ts';
import type { Report } from '../report/model.ts';

export type NotifyMode = 'always' | 'changes' | 'threshold';
export interface NotifyRule {
  mode: NotifyMode;
  minNew?: number;
  /** Decimal text. */
  minMoneyAtRisk?: string;
}
export const DEFAULT_NOTIFY: NotifyRule = { mode: 'changes' };

export function notifyRule(config: Pick<ReconConfig, 'notify'> | undefined, boundary: BoundaryName): NotifyRule {
  const n = config?.notify;
  return (n && Object.hasOwn(n, boundary) ? n[boundary] : undefined) ?? DEFAULT_NOTIFY;
}

/** `error` (the run failed), `warning` (nothing compared, new discrepancies, new feed warnings), `notice` (discrepancies open or resolved, none new), `info` (all clear). */
export type Severity = 'error' | 'warning' | 'notice' | 'info';

export interface RunFacts {
  nothingCompared: boolean;
  discrepancies: number;
  new: number;
  resolved: number;
  /** Feed-health warnings the previous run did not raise. */
  newFeedWarnings: number;
  /** Money at risk by currency (decimal text). */
  money: Record<string, string>;
}

export function runFacts(report: Report): RunFacts {
  let fresh = 0;
  for (const d of report.discrepancies ?? []) if (d.status === 'new') fresh++;
  return {
    nothingCompared: report.nothingCompared !== undefined,
    discrepancies: report.summary?.discrepancies ?? report.discrepancies?.length ?? 0,
    new: fresh,
    resolved: report.resolved?.length ?? 0,
    newFeedWarnings: (report.feedHealth?.warnings ?? []).filter((w) => w.new).length,
    money: report.summary?.atRisk?.money ?? {},
  };
}

export interface NotifyDecision {
  publish: boolean;
  /** Why, in a few words (logged). */
  reason: string;
}

export function decideNotify(facts: RunFacts, rule: NotifyRule = DEFAULT_NOTIFY): NotifyDecision {
  if (facts.nothingCompared) return { publish: true, reason: 'nothing was compared' };
  if (rule.mode === 'always') return { publish: true, reason: 'notify mode always' };
  if (facts.newFeedWarnings > 0) return { publish: true, reason: `${facts.newFeedWarnings} new feed-health warning(s)` };
  if (rule.mode === 'changes') {
    if (facts.new > 0 || facts.resolved > 0) return { publish: true, reason: `${facts.new} new, ${facts.resolved} resolved` };
    return { publish: false, reason: 'no new or resolved discrepancies' };
  }
  if (rule.minNew !== undefined && facts.new >= rule.minNew) return { publish: true, reason: `${facts.new} new ≥ ${rule.minNew}` };
  if (rule.minMoneyAtRisk !== undefined) {
    const min = parseDecimal(rule.minMoneyAtRisk);
    for (const [currency, amount] of Object.entries(facts.money)) {
      const a = parseDecimal(amount);
      if (min.ok && a.ok && a.value >= min.value) return { publish: true, reason: `${amount} ${currency} at risk ≥ ${rule.minMoneyAtRisk}` };
    }
  }
  return { publish: false, reason: 'below the thresholds' };
}

export function severityOf(facts: RunFacts): Severity {
  if (facts.nothingCompared || facts.new > 0 || facts.newFeedWarnings > 0) return 'warning';
  if (facts.discrepancies > 0 || facts.resolved > 0) return 'notice';
  return 'info';
}

/** The attributes as the publish state passes them (every value a string; `new` and `discrepancies` are SNS Numbers). */
export interface NotifyAttributes {
  event: 'summary' | 'failure';
  boundary: string;
  severity: Severity;
  new: string;
  discrepancies: string;
}

export function summaryAttributes(boundary: BoundaryName, facts: RunFacts): NotifyAttributes {
  return { event: 'summary', boundary, severity: severityOf(facts), new: String(facts.new), discrepancies: String(facts.discrepancies) };
}
