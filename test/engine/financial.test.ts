import { describe, expect, it } from 'vitest';
import { csv, found, reconcileTexts, tempDir } from '../support/feeds.ts';

const dir = tempDir();
const OMS = 'order_id,type,amount,document_id,currency,date';
const ERP = 'order_id,type,amount,document_id,currency,posted_at';

describe('financial: OMS sales/returns vs ERP invoices/credits', () => {
  it('adds several documents exactly and compares credits by absolute value', async () => {
    const oms = csv(OMS, 'F1,sale,100.30,S1,USD,2026-11-01', 'F1,return,20.00,R1,USD,2026-11-02');
    const erp = csv(ERP, 'F1,INV,33.10,I1,USD,', 'F1,invoice,33.10,I2,USD,', 'F1,Invoice,34.10,I3,USD,', 'F1,CM,-20,C1,USD,');
    const r = await reconcileTexts(dir, 'financial', { oms, erp });
    expect(found(r)).toEqual([]);
    expect(r.summary).toMatchObject({ left: 1, right: 1, matched: 1 });
  });

  it('finds every financial discrepancy type', async () => {
    const oms = csv(
      OMS,
      'NB,sale,10,,USD,', // not booked
      'RN,sale,5,,USD,', 'RN,refund,5,,USD,', // return not credited
      'CW,sale,7,,USD,', // credit without return
      'AM,sale,10.00,,USD,', // amount mismatch
      'BO,sale,10,,USD,', 'BO,RMA,3,,USD,', // both a sales and a returns discrepancy
    );
    const erp = csv(
      ERP,
      'UE,invoice,8,,USD,', // unexpected in ERP
      'RN,invoice,5,,USD,',
      'CW,invoice,7,,USD,', 'CW,credit_memo,-7,,USD,',
      'AM,invoice,10.01,,USD,',
      'BO,invoice,9,,USD,', 'BO,credit,4,,USD,',
    );
    const r = await reconcileTexts(dir, 'financial', { oms, erp });
    expect(found(r)).toEqual([
      'amount_mismatch order_id=AM',
      'amount_mismatch order_id=BO',
      'amount_mismatch order_id=BO',
      'credit_without_return order_id=CW',
      'not_booked order_id=NB',
      'return_not_credited order_id=RN',
      'unexpected_in_erp order_id=UE',
    ]);
    const am = r.discrepancies.find((d) => d.key.order_id === 'AM')!;
    expect(am).toMatchObject({ kind: 'sale', oms: { amount: '10.00' }, erp: { amount: '10.01' }, delta: '-0.01' });
    expect(r.discrepancies.filter((d) => d.key.order_id === 'BO').map((d) => d.kind).sort()).toEqual(['return', 'sale']);
    // 10 + 5 + 7 + 0.01 + 1 + 1 + 8
    expect(r.summary.atRisk.money).toEqual({ USD: '32.01' });
  });

  it('reads transaction types case-insensitively and rejects unknown ones with the line', async () => {
    const oms = csv(OMS, 'T1,SALE,1,,,', 'T2,bogus,1,,,');
    const erp = csv(ERP, 'T1,inv,1,,,');
    const r = await reconcileTexts(dir, 'financial', { oms, erp });
    expect(found(r)).toEqual([]);
    expect(r.rejected).toEqual([expect.objectContaining({ line: 3, reason: expect.stringContaining('unknown value "bogus"') })]);
  });
});
