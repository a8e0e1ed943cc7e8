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
    const channel = csv(CH, 'web,B1,2025-01-01T00:00:00Z,,,shipped');
    const oms = csv(OMS, 'web,B1,O1,2026-03-01T00:00:00Z,99.99,GBP,open');
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

describe('intake: cancelled orders (SPEC "Cancelled orders")', () => {
  it('takes a cancelled channel order that the OMS never captured as agreement, in any spelling and case', async () => {
    // Prepare: four cancelled spellings, and two statuses that only mention cancelling
    const channel = csv(CH,
      'web,K1,,10.00,EUR,cancelled', 'web,K2,,20.00,EUR,CANCELED', 'web,K3,,30.00,EUR,Voided', 'web,K4,,40.00,EUR,void',
      'web,K5,,50.00,EUR,cancel_requested', 'web,K6,,60.00,EUR,not cancelled',
      'web,K7,,7.00,EUR,paid');
    const oms = csv(OMS, 'web,K7,O7,,7.00,EUR,captured');
    // Act
    const r = await reconcileTexts(dir, 'intake', { channel, oms });
    // Assess
    expect(found(r)).toEqual(['missing_in_oms channel=web channel_order_id=K5', 'missing_in_oms channel=web channel_order_id=K6']);
    expect(r.summary).toMatchObject({ keys: 7, matched: 5, discrepancies: 2 });
    expect(r.summary.atRisk.money).toEqual({ EUR: '110.00' });
  });

  it('matches an order cancelled on both sides without comparing totals or currencies', async () => {
    const channel = csv(CH, 'web,L1,,10.00,EUR,cancelled');
    const oms = csv(OMS, 'web,L1,O1,,0.00,USD,VOID');
    const r = await reconcileTexts(dir, 'intake', { channel, oms });
    expect(found(r)).toEqual([]);
    expect(r.summary).toMatchObject({ keys: 1, left: 1, right: 1, matched: 1 });
  });

  it('reports an order cancelled on the channel and live in the OMS as cancellation_mismatch in place of a field_mismatch', async () => {
    // Prepare: the OMS total also differs: one discrepancy, not two
    const channel = csv(CH, 'web,M1,,25.00,EUR,Cancelled');
    const oms = csv(OMS, 'web,M1,O1,,24.00,EUR,released');
    // Act
    const r = await reconcileTexts(dir, 'intake', { channel, oms });
    // Assess
    expect(r.discrepancies).toEqual([{
      type: 'cancellation_mismatch', key: { channel: 'web', channel_order_id: 'M1' }, cancelled_on: 'channel',
      channel: { total: '25.00', currency: 'EUR', status: 'Cancelled' },
      oms: { oms_order_id: 'O1', total: '24.00', currency: 'EUR', status: 'released' },
      impact: { money: { amount: '25.00', currency: 'EUR' } },
      sources: [expect.objectContaining({ side: 'channel', line: 2 }), expect.objectContaining({ side: 'oms', line: 2 })],
    }]);
    expect(r.summary.byType).toEqual({ cancellation_mismatch: 1 });
    expect(r.summary.matched).toBe(0);
  });

  it('reports an order cancelled in the OMS and live on the channel as cancellation_mismatch, with the channel total at risk (else the OMS total)', async () => {
    const channel = csv(CH, 'web,N1,,12.50,EUR,paid', 'web,N2,,,,paid');
    const oms = csv(OMS, 'web,N1,O1,,12.50,EUR,canceled', 'web,N2,O2,,8.00,GBP,cancelled');
    const r = await reconcileTexts(dir, 'intake', { channel, oms });
    expect(r.discrepancies.map((d) => [d.type, d.key.channel_order_id, d.cancelled_on, d.impact])).toEqual([
      ['cancellation_mismatch', 'N1', 'oms', { money: { amount: '12.50', currency: 'EUR' } }],
      ['cancellation_mismatch', 'N2', 'oms', { money: { amount: '8.00', currency: 'GBP' } }],
    ]);
    expect(r.summary.atRisk.money).toEqual({ EUR: '12.50', GBP: '8.00' });
  });

  it('does not count a cancelled OMS capture toward duplicate_in_oms, nor compare its total', async () => {
    // Prepare: P1 captured twice, the first capture voided (with another total); P2 captured twice, both live
    const channel = csv(CH, 'web,P1,,30.00,EUR,paid', 'web,P2,,30.00,EUR,paid');
    const oms = csv(OMS, 'web,P1,O1,,31.00,EUR,cancelled', 'web,P1,O1b,,30.00,EUR,captured', 'web,P2,O2,,30.00,EUR,', 'web,P2,O2b,,30.00,EUR,');
    // Act
    const r = await reconcileTexts(dir, 'intake', { channel, oms });
    // Assess
    expect(found(r)).toEqual(['duplicate_in_oms channel=web channel_order_id=P2']);
    expect(r.summary).toMatchObject({ keys: 2, matched: 1 });
  });

  it('does not report a cancelled OMS order that no channel placed as unexpected_in_oms; a live capture beside it still is', async () => {
    const channel = csv(CH, 'web,Q0,,1.00,EUR,');
    const oms = csv(OMS, 'web,Q0,O0,,1.00,EUR,', 'web,Q1,O1,,5.00,EUR,Void', 'web,Q2,O2,,6.00,EUR,voided', 'web,Q2,O2b,,6.00,EUR,captured');
    const r = await reconcileTexts(dir, 'intake', { channel, oms });
    expect(found(r)).toEqual(['unexpected_in_oms channel=web channel_order_id=Q2']);
    const q2 = r.discrepancies[0];
    expect(q2).toMatchObject({ oms: { oms_order_id: 'O2b' }, impact: { money: { amount: '6.00', currency: 'EUR' } } });
    expect(q2.sources).toEqual([expect.objectContaining({ side: 'oms', line: 5 })]);
    expect(r.summary).toMatchObject({ keys: 3, matched: 2 });
  });

  it('with several OMS captures, takes the OMS side as cancelled only when every capture is', async () => {
    // Prepare: R1 both captures cancelled, channel live; R2 channel cancelled, one capture live;
    // R3 channel cancelled, two live captures (still a duplicate: both may ship)
    const channel = csv(CH, 'web,R1,,10.00,EUR,paid', 'web,R2,,20.00,EUR,cancelled', 'web,R3,,30.00,EUR,cancelled');
    const oms = csv(OMS,
      'web,R1,O1,,10.00,EUR,cancelled', 'web,R1,O1b,,10.00,EUR,void',
      'web,R2,O2,,20.00,EUR,cancelled', 'web,R2,O2b,,20.00,EUR,captured',
      'web,R3,O3,,30.00,EUR,captured', 'web,R3,O3b,,30.00,EUR,captured');
    // Act
    const r = await reconcileTexts(dir, 'intake', { channel, oms });
    // Assess
    expect(r.discrepancies.map((d) => `${d.type} ${d.key.channel_order_id} ${d.cancelled_on ?? ''}`.trim())).toEqual([
      'duplicate_in_oms R3',
      'cancellation_mismatch R1 oms',
      'cancellation_mismatch R2 channel',
      'cancellation_mismatch R3 channel',
    ]);
    // R1: both cancelled captures are shown; R2: only the live capture is what disagrees
    expect(r.discrepancies[1].oms).toEqual({ captures: [expect.objectContaining({ oms_order_id: 'O1' }), expect.objectContaining({ oms_order_id: 'O1b' })] });
    expect(r.discrepancies[2].oms).toMatchObject({ oms_order_id: 'O2b', status: 'captured' });
  });
});
