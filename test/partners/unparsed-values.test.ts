/**
 * SPEC "Values a comparison does not use": a value that does not parse in an optional field
 * the boundary neither compares nor uses keeps its row, without the value, and the file gets
 * one `unparsed_values` warning per column. A bad value in a key, a compared or a required
 * field still rejects the row. Both for the canonical codecs and for a mapping's `format`.
 */
import { describe, expect, it } from 'vitest';
import { found } from '../support/feeds.ts';
import { readWith, reconcileWith } from './mapping-support.ts';

describe('values a comparison does not use', () => {
  it('intake, canonical columns: a placed_at that is no timestamp keeps its row; one warning for the column, with count, first line and example', async () => {
    // Act: text rows (unquoted) and a quoted row both go through the decoder
    const r = await readWith('channel-orders', 'channel,channel_order_id,placed_at,total\nweb,1,yesterday,5\nweb,2,2026-11-20,6\nweb,3,"Feb 19, 2025",7\nweb,4,soon,8\n', []);
    // Assess
    expect(r.rejected).toEqual([]);
    expect(r.records.map((x) => [x.channel_order_id, x.placed_at])).toEqual([['1', undefined], ['2', '2026-11-20T00:00:00.000Z'], ['3', undefined], ['4', undefined]]);
    expect(r.warnings).toEqual([{
      code: 'unparsed_values', file: r.stats.file, column: 'placed_at', count: 3, line: 2, example: 'yesterday',
      message: expect.stringMatching(/^3 values of column "placed_at" could not be read and were left out .* first on line 2: not a timestamp: "yesterday"$/),
    }]);
  });

  it("a mapping's format that does not fit: the column named as the file has it, the rows kept and compared", async () => {
    // Prepare: the channel writes dates one way, then another; the OMS agrees on every total but one
    const mapping = {
      name: 'shop', feed: 'channel-orders', match: { headers: ['Order Date'] },
      columns: { channel_order_id: 'Order', placed_at: { column: 'Order Date', format: '%b %d, %Y' }, total: 'Total' }, constants: { channel: 'shop' },
    };
    // Act
    const report = await reconcileWith('intake', [
      { side: 'channel', name: 'orders.csv', text: 'Order,Order Date,Total\n1,"Feb 19, 2025",5\n2,02/19/2025,6\n3,02/20/2025,7\n' },
      { side: 'oms', name: 'oms.csv', text: 'channel,channel_order_id,created_at,total\nshop,1,2025-02-19,5\nshop,2,someday,6\nshop,3,2025-02-20,7.5\n' },
    ], [mapping]);
    // Assess
    expect(found(report)).toEqual(['field_mismatch channel=shop channel_order_id=3']);
    expect(report.rejected).toEqual([]);
    expect(report.warnings.filter((w) => w.code === 'unparsed_values').map((w) => ({ ...w, message: undefined }))).toEqual([
      { code: 'unparsed_values', file: expect.stringMatching(/orders\.csv$/), column: 'Order Date', count: 2, line: 3, example: '02/19/2025', message: undefined },
      { code: 'unparsed_values', file: expect.stringMatching(/oms\.csv$/), column: 'created_at', count: 1, line: 3, example: 'someday', message: undefined },
    ]);
  });

  it('financial: a posting date that does not parse keeps the invoice', async () => {
    // Act
    const r = await readWith('erp-transactions', 'order_id,type,amount,posted_at\nA,INV,10,31/10/2026\nB,INV,5,2026-10-31\n', []);
    // Assess
    expect(r.records.map((x) => [x.order_id, x.posted_at])).toEqual([['A', undefined], ['B', '2026-10-31T00:00:00.000Z']]);
    expect(r.warnings.map((w) => w.code)).toEqual(['unparsed_values']);
  });

  it('a bad value in a compared, a required or a used field still rejects the row, with no warning', async () => {
    // Act: total is compared; the type of a transaction is required; the inventory count time orders snapshots
    const intake = await readWith('channel-orders', 'channel,channel_order_id,placed_at,total\nweb,1,2026-11-20,five\n', []);
    const financial = await readWith('erp-transactions', 'order_id,type,amount\nA,bill,10\n', []);
    const inventory = await readWith('warehouse-inventory', 'sku,facility_id,on_hand,counted_at\nS,F,1,yesterday\n', []);
    const mapped = await readWith('channel-orders', 'Order,Total\n1,5 dollars\n', [{
      name: 'm', feed: 'channel-orders', match: { headers: ['Order'] }, columns: { channel_order_id: 'Order', total: { column: 'Total', currencySign: true } }, constants: { channel: 'x' },
    }]);
    // Assess
    expect(intake.rejected.map((x) => x.reason)).toEqual(['total: not a number: "five"']);
    expect(financial.rejected.map((x) => x.reason)).toEqual([expect.stringMatching(/^type: unknown value "bill"/)]);
    expect(inventory.rejected.map((x) => x.reason)).toEqual(['counted_at: not a timestamp: "yesterday"']);
    expect(mapped.rejected.map((x) => x.line)).toEqual([2]);
    for (const r of [intake, financial, inventory, mapped]) expect(r.warnings.filter((w) => w.code === 'unparsed_values')).toEqual([]);
  });

  it('fulfillment: allocated_at is left out when no SLA reads it, and rejects the row when one does', async () => {
    // Prepare
    const text = 'order_id,line_id,location_id,quantity,allocated_at\nSO-1,1,DAL1,1,tomorrow\n';
    // Act
    const noSla = await readWith('oms-allocations', text, []);
    const sla = await readWith('oms-allocations', text, [], 'alloc.csv', { fulfillment: { slaHours: 24 } });
    // Assess
    const unparsed = (r: typeof sla) => r.warnings.filter((w) => w.code === 'unparsed_values').length;
    expect([noSla.stats.used, unparsed(noSla)]).toEqual([1, 1]);
    expect([sla.stats.rejected, unparsed(sla)]).toEqual([1, 0]);
  });
});
