/**
 * The Recipes of docs/feeds.md, exactly as written there: each recipe's mapping file and its
 * sample export are taken from the page, and reconciled against an OMS that agrees — nothing
 * but the planted difference may come out.
 */
import { describe, expect, it } from 'vitest';
import { found } from '../support/feeds.ts';
import { readWith, recipe, reconcileWith } from './mapping-support.ts';

describe('docs/feeds.md recipes, as written', () => {
  it('a second store of one platform: two Shopify stores numbering from #1001 give only the planted difference', async () => {
    // Prepare
    const { mappings } = recipe('A second store of one platform');
    const header = 'Name,Email,Financial Status,Fulfillment Status,Currency,Total,Created at,Lineitem quantity,Lineitem name,Lineitem sku';
    const store = (currency: string, totals: string[]) =>
      [header, ...totals.flatMap((t, i) => [`#${1001 + i},a@example.com,paid,fulfilled,${currency},${t},2026-11-20 10:00:00 -0500,1,Tee,TEE-1`, `#${1001 + i},a@example.com,,,,,,1,Mug,MUG-1`])].join('\n') + '\n';
    // Act
    const report = await reconcileWith('intake', [
      { side: 'channel', name: 'shopify-us-orders.csv', text: store('USD', ['10.00', '20.00']) },
      { side: 'channel', name: 'shopify-eu-orders.csv', text: store('EUR', ['15.00', '25.00']) },
      { side: 'oms', name: 'oms-orders.csv', text: 'channel,channel_order_id,oms_order_id,total,currency\nshopify,#1001,O1,10,USD\nshopify,#1002,O2,20,USD\nshopify-eu,#1001,O3,15,EUR\nshopify-eu,#1002,O4,26,EUR\n' },
    ], mappings);
    // Assess
    expect(found(report)).toEqual(['field_mismatch channel=shopify-eu channel_order_id=#1002']);
    expect(report.files.map((f) => f.preset)).toEqual(['shopify-orders', 'shopify-eu', undefined]);
  });

  it('a marketplace with local date formats: the sample reads as the page says, and agrees with the OMS', async () => {
    // Prepare
    const { mappings, sample } = recipe('A marketplace with local date formats');
    // Act
    const read = await readWith('channel-orders', sample!, mappings, 'flipkart-orders.csv');
    const report = await reconcileWith('intake', [
      { side: 'channel', name: 'flipkart-orders.csv', text: sample! },
      { side: 'oms', name: 'oms.csv', text: 'channel,channel_order_id,total,currency\nflipkart,OD3336123456,1749.5,INR\nflipkart,OD3336123999,100000,INR\n' },
    ], mappings);
    // Assess
    expect(read.records[0]).toMatchObject({ channel: 'flipkart', channel_order_id: 'OD3336123456', total: 1_749_500_000n, currency: 'INR', placed_at: '2025-03-02T08:35:00.000Z' });
    expect(read.stats).toMatchObject({ read: 3, used: 3, rejected: 0 });
    expect(found(report)).toEqual([]);
    expect(report.summary.matched).toBe(2);
  });

  it("an ERP's invoice lines: quantity × unit price per invoice, C… as credits, no false discrepancy", async () => {
    // Prepare
    const { mappings, sample } = recipe("An ERP's invoice lines");
    // Act
    const read = await readWith('erp-transactions', sample!, mappings, 'invoice-lines.csv');
    const report = await reconcileWith('financial', [
      { side: 'oms', name: 'oms-transactions.csv', text: 'order_id,type,amount,currency\n536365,sale,35.64,GBP\n536379,return,27.5,GBP\n' },
      { side: 'erp', name: 'invoice-lines.csv', text: sample! },
    ], mappings);
    // Assess
    expect(read.records.map((r) => [r.order_id, r.type, r.document_id, r.amount, r.posted_at])).toEqual([
      ['536365', 'sale', '536365', 35_640_000n, '2010-12-01T08:26:00.000Z'],
      ['536379', 'return', 'C536379', -27_500_000n, '2010-12-01T09:41:00.000Z'],
    ]);
    expect(found(report)).toEqual([]);
    expect(report.summary.matched).toBe(2);
  });

  it('a 3PL that drops the # from order names: #5581 and 5581 are one order', async () => {
    // Prepare
    const { mappings, sample } = recipe('A 3PL that drops the `#` from order names');
    // Act
    const report = await reconcileWith('fulfillment', [
      { side: 'oms', name: 'oms-allocations.csv', text: 'order_id,line_id,location_id,quantity,status\n#5581,1,DAL1,2,fulfilled\n#5582,1,DAL1,1,fulfilled\n' },
      { side: 'warehouse', name: '3pl-shipments.csv', text: sample! },
    ], mappings);
    // Assess
    expect(found(report)).toEqual([]);
    expect(report.summary.matched).toBe(2);
    expect(report.files[1]).toMatchObject({ preset: '3pl-shipments', read: 2, used: 2 });
  });
});
