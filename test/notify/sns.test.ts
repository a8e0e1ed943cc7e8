import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Discrepancy, Report } from '../../lib/report/model.ts';
import { buildSummary } from '../../lib/report/merge.ts';
import { buildNotification, fitSubject, toAscii, type SnsNotification } from '../../lib/notify/sns.ts';
import { cleanReport, financialDiscrepancy, inventoryDiscrepancy, makeCancellationReport, makeFinancialReport, makeReport, nothingComparedReport } from '../report/fixtures.ts';

/** AWS Chatbot custom notification (admin guide, "Custom notifications"); unknown keys are refused. */
const Chatbot = z.object({
  version: z.literal('1.0'),
  source: z.literal('custom'),
  id: z.string().min(1).optional(),
  content: z.object({
    textType: z.literal('client-markdown'),
    title: z.string().min(1).max(150),
    description: z.string().min(1).max(3000),
    // Each at most 300 characters, but the report link (checked in its own test) may hold a whole pre-signed URL.
    nextSteps: z.array(z.string().min(1).refine((n) => n.length <= 300 || /^Full report: https?:\/\/\S+$/.test(n), 'a next step over 300 characters')).max(5).optional(),
    keywords: z.array(z.string().min(1)).optional(),
  }).strict(),
  metadata: z.object({
    threadId: z.string().optional(),
    summary: z.string().optional(),
    eventType: z.string().optional(),
    relatedResources: z.array(z.string()).optional(),
    additionalContext: z.record(z.string(), z.string()).optional(),
  }).strict().optional(),
}).strict();

function parts(n: SnsNotification) {
  const m = JSON.parse(n.Message) as Record<string, string>;
  return { keys: Object.keys(m).sort(), default: m.default, email: m.email, chat: Chatbot.parse(JSON.parse(m.https)) };
}

function assertSubjectRules(subject: string) {
  expect(subject.length).toBeLessThan(100);
  expect(subject).toMatch(/^[\x20-\x7e]+$/);
  expect(subject).not.toMatch(/^\s|\s$/);
}

const now = '2026-11-26T10:00:00.000Z';

function alertReport(): Report {
  const ds: Discrepancy[] = [
    inventoryDiscrepancy({ key: { sku: 'SKU-1', facility_id: 'DAL1' }, status: 'new', firstSeen: now }),
    inventoryDiscrepancy({ key: { sku: 'SKU-2', facility_id: 'DAL1' }, status: 'new', firstSeen: now }),
    inventoryDiscrepancy({ key: { sku: 'SKU-3', facility_id: 'DAL1' }, status: 'ongoing', firstSeen: '2026-11-23T10:00:00.000Z' }),
    inventoryDiscrepancy({ type: 'missing_in_warehouse', key: { sku: 'SKU-4', facility_id: 'RNO2' }, warehouse: null, status: 'ongoing', firstSeen: '2026-11-25T10:00:00.000Z' }),
  ];
  return makeReport({ discrepancies: ds, generatedAt: now, runId: 'exec-1', resolved: [{ type: 'quantity_mismatch', key: { sku: 'SKU-9', facility_id: 'DAL1' } }] });
}

describe('buildNotification', () => {
  it('publishes a JSON message with default, email and https (Chatbot) keys', () => {
    // Act
    const n = buildNotification(alertReport(), { reportUrl: 'https://example.com/r/report.json' });
    // Assess
    expect(n.MessageStructure).toBe('json');
    const p = parts(n);
    expect(p.keys).toEqual(['default', 'email', 'https']);
    expect(typeof p.default).toBe('string');
  });

  it('makes new discrepancies the headline, with ongoing count and age and resolved count', () => {
    // Act
    const n = buildNotification(alertReport(), { reportUrl: 'https://example.com/r/report.json' });
    const p = parts(n);
    // Assess
    expect(n.Subject).toBe('[oms-recon] inventory: 4 discrepancies (2 new)');
    expect(p.email).toContain('2 NEW discrepancies; 2 ongoing (oldest open 3 days, since 2026-11-23T10:00:00.000Z); 1 resolved since the last run.');
    expect(p.chat.content.title).toBe(':rotating_light: oms-recon inventory: 2 new discrepancies (4 open)');
    expect(p.chat.content.description.split('\n')[0]).toContain('2 NEW discrepancies');
  });

  it('lists discrepancies in the email, new ones first, with counts per type and figures and the link', () => {
    // Act
    const { email } = parts(buildNotification(alertReport(), { reportUrl: 'https://example.com/r/report.json' }));
    const lines = email.split('\n');
    // Assess
    const listed = lines.filter((l) => l.startsWith('- '));
    expect(listed.map((l) => /sku=(SKU-\d)/.exec(l)?.[1])).toEqual(['SKU-1', 'SKU-2', 'SKU-3', 'SKU-4']);
    expect(listed[0]).toMatch(/^- \[NEW\] quantity_mismatch sku=SKU-1 facility_id=DAL1 \| offsetting|^- \[NEW\] quantity_mismatch sku=SKU-1 facility_id=DAL1 \| delta 3/);
    expect(listed[2]).toContain('open since 2026-11-23T10:00:00.000Z');
    expect(email).toMatch(/quantity_mismatch\s+3 {2}\(2 new\)/);
    expect(email).toContain('Units at risk: 12');
    expect(email).toContain('Full report: https://example.com/r/report.json');
  });

  it('lists the top 20 and says how many more', () => {
    // Prepare
    const ds = Array.from({ length: 25 }, (_, i) => inventoryDiscrepancy({ key: { sku: `S${i}`, facility_id: 'DAL1' } }));
    // Act
    const { email, chat } = parts(buildNotification(makeReport({ discrepancies: ds }), {}));
    // Assess
    expect(email.split('\n').filter((l) => l.startsWith('- ') && l.includes('sku=S'))).toHaveLength(20);
    expect(email).toContain('… and 5 more (see the full report)');
    expect(chat.content.description).toMatch(/… and \d+ more in the full report/);
  });

  it('lists a cancellation_mismatch with the side the order is cancelled on, in the email and in chat', () => {
    // Act
    const n = buildNotification(makeCancellationReport());
    const p = parts(n);
    // Assess
    expect(n.Subject).toBe('[oms-recon] intake: 1 discrepancy');
    expect(p.email).toMatch(/cancellation_mismatch\s+1/);
    expect(p.email).toContain('- cancellation_mismatch channel=web channel_order_id=#1001 | cancelled on channel | channel: total=25.00, currency=EUR, status=cancelled |');
    expect(p.email).toContain('Money at risk: EUR 25.00');
    expect(p.chat.content.description).toContain('By type: `cancellation_mismatch` 1');
    expect(p.chat.content.description).toContain('• `cancellation_mismatch` `channel=web channel_order_id=#1001` cancelled on channel at risk EUR 25.00');
  });

  it('says all clear when the boundary reconciles', () => {
    // Act
    const n = buildNotification(cleanReport({ boundary: 'financial', sides: ['oms', 'erp'] }), { reportKey: 'reports/financial/x/report.json' });
    const p = parts(n);
    // Assess
    expect(n.Subject).toBe('[oms-recon] financial: all clear');
    expect(p.email).toContain('All clear: oms and erp reconcile, no discrepancies.');
    expect(p.chat.content.title).toBe(':white_check_mark: oms-recon financial: all clear');
    expect(p.chat.content.nextSteps?.[0]).toBe('Full report: `reports/financial/x/report.json`');
  });

  it('says nothing was compared, and why, when no key was compared: never all clear', () => {
    // Act
    const n = buildNotification(nothingComparedReport(), { reportKey: 'reports/inventory/x/report.json' });
    const p = parts(n);
    // Assess
    expect(n.Subject).toBe('[oms-recon] inventory: nothing was compared');
    expect(n.Message).not.toMatch(/all clear|100\.00%/i);
    expect(p.email).toContain('Nothing was compared between oms and warehouse: every facility is a coverage gap, counted on one side only: facility DAL1');
    expect(p.default).toContain('Nothing was compared between oms and warehouse');
    expect(p.chat.content.title).toBe(':warning: oms-recon inventory: nothing was compared');
    expect(p.chat.metadata?.eventType).toBe('ReconciliationNothingCompared');
  });

  it('carries a pre-signed link whole (a Lambda session token makes it about 2,000 characters), and never a cut one', () => {
    // Prepare: the shape of a URL signed with a role session (X-Amz-Security-Token)
    const token = encodeURIComponent('IQoJb3JpZ2luX2VjE' + 'Ab+/='.repeat(130));
    const url = 'https://bucket.s3.eu-west-1.amazonaws.com/reports/inventory/run-1/report.html?X-Amz-Algorithm=AWS4-HMAC-SHA256'
      + `&X-Amz-Credential=ASIAEXAMPLE%2F20261201%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Date=20261201T060000Z&X-Amz-Expires=604800&X-Amz-Security-Token=${token}`
      + '&X-Amz-Signature=' + 'a'.repeat(64) + '&X-Amz-SignedHeaders=host&x-id=GetObject';
    expect(url.length).toBeGreaterThan(1800);
    // Act
    const p = parts(buildNotification(alertReport(), { reportUrl: url, reportKey: 'reports/inventory/run-1/report.json' }));
    const tooLong = parts(buildNotification(alertReport(), { reportUrl: url + '&x=' + 'b'.repeat(5000), reportKey: 'reports/inventory/run-1/report.json' }));
    // Assess
    expect(p.email).toContain(`Full report: ${url}\n`);
    expect(p.default).toContain(url);
    expect(p.chat.content.nextSteps?.[0]).toBe(`Full report: ${url}`);
    expect(p.chat.content.nextSteps?.slice(1).every((step) => step.length <= 300)).toBe(true);
    expect(tooLong.email).not.toContain('X-Amz-Signature');
    expect(tooLong.email).toContain('Full report: reports/inventory/run-1/report.json');
    expect(tooLong.chat.content.nextSteps?.[0]).toBe('Full report: `reports/inventory/run-1/report.json`');
  });

  it('words ongoing-only runs as "none new"', () => {
    // Prepare
    const report = makeReport({ generatedAt: now, discrepancies: [inventoryDiscrepancy({ status: 'ongoing', firstSeen: '2026-11-26T08:30:00.000Z' })] });
    // Act
    const n = buildNotification(report, {});
    const p = parts(n);
    // Assess
    expect(n.Subject).toBe('[oms-recon] inventory: 1 discrepancy (none new)');
    expect(p.email).toContain('No new discrepancies; 1 ongoing (oldest open 1 hour, since 2026-11-26T08:30:00.000Z)');
    expect(p.chat.content.title).toContain('none new');
  });

  it('reports money at risk per currency exactly', () => {
    // Prepare
    const ds = ['33.10', '33.10', '34.10'].map((amount, i) => financialDiscrepancy({ key: { order_id: `SO-${i}` }, impact: { money: { amount, currency: 'USD' } } }));
    // Act
    const p = parts(buildNotification(makeFinancialReport(ds), {}));
    // Assess
    expect(p.email).toContain('Money at risk: USD 100.30');
    expect(p.chat.content.description).toContain('at risk USD 100.30');
  });

  it('produces a Chatbot message that passes the custom-notification schema', () => {
    // Act
    const p = parts(buildNotification(alertReport(), { reportUrl: 'https://example.com/r' }));
    // Assess
    expect(p.chat.metadata?.additionalContext).toMatchObject({ boundary: 'inventory', discrepancies: '4', new: '2', ongoing: '2', resolved: '1', runId: 'exec-1' });
    expect(p.chat.content.nextSteps?.[0]).toBe('Full report: https://example.com/r');
  });

  it('neutralizes chat control sequences and code-span breakers in partner values', () => {
    // Prepare
    const report = makeReport({ discrepancies: [inventoryDiscrepancy({ key: { sku: '<!channel> `rm -rf`', facility_id: 'DAL1' } })] });
    // Act
    const { chat } = parts(buildNotification(report, {}));
    // Assess
    expect(chat.content.description).not.toContain('<!channel>');
    expect(chat.content.description).toContain("‹!channel› 'rm -rf'");
  });

  describe('subject', () => {
    it('is ASCII, one line and under 100 characters for non-ASCII labels and newlines', () => {
      // Act
      const n = buildNotification(makeReport(), { title: 'Café Ops — Zürich\nprod “EU”' });
      // Assess
      assertSubjectRules(n.Subject);
      expect(n.Subject).toBe('[Cafe Ops - Zurich prod "EU"] inventory: 2 discrepancies');
    });

    it('shortens a long boundary or label but keeps the verdict', () => {
      // Prepare
      const report = makeReport({ boundary: 'inventory-'.repeat(50) as Report['boundary'] });
      // Act
      const n = buildNotification(report, { title: 'x'.repeat(300) });
      // Assess
      assertSubjectRules(n.Subject);
      expect(n.Subject.endsWith('2 discrepancies')).toBe(true);
      expect(n.Subject).toContain('...');
    });

    it('transliterates and strips', () => {
      expect(toAscii('Straße Ærø łódź – naïve…')).toBe('Strasse AEro lodz - naive...');
      expect(toAscii('東京 🚚 ok')).toBe('ok');
      expect(toAscii('a\r\nb\tc')).toBe('a b c');
      assertSubjectRules(fitSubject('東京\n', '🚚'));
    });
  });

  it('stays under 256 KB for 100k discrepancies with 1M-character keys, and JSON stays whole', () => {
    // Prepare: one shared huge string (memory stays small), multi-byte and control characters included
    const huge = ('東京\u0000"\\' + 'k'.repeat(1000)).repeat(1000);
    expect(huge.length).toBeGreaterThan(1_000_000);
    const ds: Discrepancy[] = Array.from({ length: 100_000 }, (_, i) => ({
      type: i % 2 ? 'quantity_mismatch' : 'missing_in_oms',
      key: { sku: huge, facility_id: huge },
      offsetting: false,
      oms: { on_hand: huge, note: huge },
      warehouse: { on_hand: huge },
      delta: huge,
      impact: { units: 1 },
      sources: [{ side: 'oms', file: huge, line: i }],
      status: i % 3 ? 'ongoing' : 'new',
      firstSeen: '2026-11-01T00:00:00.000Z',
    }));
    const report: Report = {
      ...makeReport({ discrepancies: ds }),
      runId: huge,
      summary: buildSummary({ left: 100_000, right: 100_000, keys: 200000, matched: 0, outOfScope: 0, discrepancies: ds, rows: { read: 1, used: 1, rejected: 0 } }),
      warnings: Array.from({ length: 10_000 }, () => ({ code: huge, message: huge })),
      resolved: Array.from({ length: 100_000 }, () => ({ type: 'quantity_mismatch' as const, key: { sku: huge } })),
    };
    // Act
    const started = performance.now();
    const n = buildNotification(report, { reportUrl: huge, reportKey: huge, title: huge });
    const ms = performance.now() - started;
    // Assess
    expect(Buffer.byteLength(n.Message, 'utf8')).toBeLessThan(256 * 1024);
    assertSubjectRules(n.Subject);
    const p = parts(n);
    expect(p.email).toContain('… and 99,980 more (see the full report)');
    expect(p.chat.content.description.length).toBeLessThanOrEqual(3000);
    expect(ms).toBeLessThan(2000);
  }, 30_000);
});


describe('feed health in the messages', () => {
  it('lists the feed warnings first, bounded however many feeds and partners there are', () => {
    // Prepare: 5,000 partner prefixes, each late, with long partner-controlled file names
    const feeds = Array.from({ length: 5000 }, (_, i) => ({
      feed: 'warehouse-inventory' as const, side: 'warehouse' as const, partner: `p${i}`, rows: 10, files: 1, arrived: false,
      lastFile: `s3://b/inbound/warehouse-inventory/p${i}/${'x'.repeat(2000)}.csv`, lastFileAt: '2026-11-25T06:00:00.000Z', flags: ['feed_late' as const],
    }));
    const warnings = feeds.map((e) => ({ code: 'feed_late' as const, feed: e.feed, partner: e.partner, message: `no warehouse-inventory (partner ${e.partner}) file for 1d 6h`, new: true }));
    const report = cleanReport({ feedHealth: { asOf: '2026-11-26T12:00:00.000Z', feeds, warnings } });
    // Act
    const n = buildNotification(report, { reportKey: 'reports/inventory/r/report.json' });
    const { email, chat, dflt } = (() => { const m = JSON.parse(n.Message); return { email: m.email as string, chat: JSON.parse(m.https), dflt: m.default as string }; })();
    // Assess
    expect(Buffer.byteLength(n.Message)).toBeLessThan(250_000);
    expect(email).toContain('Feed health:\n  ! feed_late: no warehouse-inventory (partner p0) file for 1d 6h');
    expect(email).toContain('! … and 4,988 more feed warnings');
    expect(email).toContain('… and 4,988 more feeds');
    expect(dflt).toContain('Feed health: feed_late: no warehouse-inventory (partner p0) file for 1d 6h');
    expect(chat.content.description.length).toBeLessThanOrEqual(3000);
    expect(chat.content.description).toContain('Feed health: `feed_late` no warehouse-inventory (partner p0) file for 1d 6h');
    expect(chat.content.nextSteps).toContain('Check the feed health: a partner feed is late, empty or much smaller than before (the report lists each feed and partner).');
  });
});
