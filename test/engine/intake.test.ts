import { describe, expect, it } from 'vitest';
import { csv, found, reconcileTexts, tempDir } from '../support/feeds.ts';

const dir = tempDir();
const CH = 'channel,channel_order_id,placed_at,total,currency,status';
const OMS = 'channel,channel_order_id,oms_order_id,created_at,total,currency,status';

describe('intake: channel orders vs OMS orders', () => {
  it('matches orders whose totals are written differently and whose channel differs in case', async () => {
    // Prepare
    const channel = csv(CH, 'Shopify,#1001,2026-11-01T10:00:00Z,"1,234.50",USD,paid', 'shopify,#1002,2026-11-01 10:05:00 +0100,12.3,usd,paid');
    const oms = csv(OMS, 'shopify,#1001,O-1,2026-11-01T10:00:02Z,1234.5,USD,CAPTURED', 'SHOPIFY,#1002,O-2,2026-11-01T09:05:03Z,12.30,USD,new');
    // Act
    const r = await reconcileTexts(dir, 'intake', { channel, oms });
    // Assess
    expect(found(r)).toEqual([]);
    expect(r.summary).toMatchObject({ left: 2, right: 2, matched: 2, discrepancies: 0 });
  });

  it('finds missing, unexpected, duplicate and mismatched orders', async () => {
    const channel = csv(CH, 'web,A1,,10.00,EUR,', 'web,A2,,20.00,EUR,', 'web,A3,,30.00,EUR,', 'web,A4,,40.00,EUR,', 'web,A5,,5,EUR,');
    const oms = csv(
      OMS,
      'web,A1,O1,,10.00,EUR,',
      'web,A3,O3,,30.00,EUR,', 'web,A3,O3b,,30.00,EUR,', // captured twice
      'web,A4,O4,,41.00,EUR,', // total differs
      'web,A5,O5,,5,USD,', // currency differs
      'web,A9,O9,,9.00,EUR,', // never placed
    );
    const r = await reconcileTexts(dir, 'intake', { channel, oms });
    expect(found(r)).toEqual([
      'duplicate_in_oms channel=web channel_order_id=A3',
      'field_mismatch channel=web channel_order_id=A4',
      'field_mismatch channel=web channel_order_id=A5',
      'missing_in_oms channel=web channel_order_id=A2',
      'unexpected_in_oms channel=web channel_order_id=A9',
    ]);
    const a4 = r.discrepancies.find((d) => d.key.channel_order_id === 'A4')!;
    expect(a4).toMatchObject({ fields: ['total'], channel: { total: '40.00' }, oms: { total: '41.00' }, delta: '-1.00' });
    expect(r.discrepancies.find((d) => d.key.channel_order_id === 'A5')).toMatchObject({ fields: ['currency'] });
    // missing 20.00 + duplicate 30.00 + unexpected 9.00 + total off by 1.00 (a currency mismatch puts no amount at risk)
    expect(r.summary.atRisk.money).toEqual({ EUR: '60.00' });
    expect(r.summary.byType).toMatchObject({ missing_in_oms: 1, duplicate_in_oms: 1, unexpected_in_oms: 1, field_mismatch: 2 });
  });

  it('does not compare statuses, timestamps, or totals that one side lacks', async () => {
    const channel = csv(CH, 'web,B1,2026-01-01T00:00:00Z,,,shipped');
    const oms = csv(OMS, 'web,B1,O1,2027-01-01T00:00:00Z,99.99,GBP,open');
    const r = await reconcileTexts(dir, 'intake', { channel, oms });
    expect(found(r)).toEqual([]);
  });

  it('treats one OMS order listed twice as a warning naming both lines, not a duplicate capture', async () => {
    const channel = csv(CH, 'web,C1,,1,EUR,');
    const oms = csv(OMS, 'web,C1,O1,,1,EUR,', 'web,C1,O1,,1,EUR,');
    const r = await reconcileTexts(dir, 'intake', { channel, oms });
    expect(found(r)).toEqual([]);
    const w = r.warnings.find((x) => x.code === 'duplicate_key')!;
    expect(w.lines).toEqual([2, 3]);
    expect(w.message).toContain('channel_order_id=C1');
  });

  it('leaves orders of channels that sent no feed out of scope: counted, not flagged', async () => {
    const channel = csv(CH, 'web,D1,,1,EUR,');
    const oms = csv(OMS, 'web,D1,O1,,1,EUR,', 'amazon,111-222,O2,,3,EUR,', 'amazon,111-333,O3,,3,EUR,');
    const r = await reconcileTexts(dir, 'intake', { channel, oms });
    expect(found(r)).toEqual([]);
    expect(r.summary.outOfScope).toBe(2);
    expect(r.warnings.find((w) => w.code === 'out_of_scope')?.message).toContain('amazon');
  });

  it('applies the money tolerance from the config', async () => {
    const channel = csv(CH, 'web,E1,,10.00,EUR,');
    const oms = csv(OMS, 'web,E1,O1,,10.01,EUR,');
    expect(found(await reconcileTexts(dir, 'intake', { channel, oms }))).toHaveLength(1);
    expect(found(await reconcileTexts(dir, 'intake', { channel, oms }, { tolerances: { money: '0.01' } }))).toEqual([]);
  });
});
