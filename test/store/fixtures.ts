/**
 * Realistic keyed records for store tests and bench/pipeline.bench.ts: one maker per canonical
 * feed, with the S3-shaped file names and versions the ingest handler produces.
 */
import type { FeedName } from '../../lib/feeds/catalog.ts';
import type { KeyedRecord } from '../../lib/store/types.ts';
import { fileIdOf, recordVersion } from '../../lib/store/keys.ts';

export const BUCKET = 'oms-recon-inbox-123456789012-eu-west-1';

export function sourceOf(feed: FeedName, day: string, name: string, eventTime = `${day}T06:15:42.118Z`) {
  const key = `inbound/${feed}/${day}/${name}`;
  return {
    file: `s3://${BUCKET}/${key}`,
    fileId: fileIdOf({ bucket: BUCKET, key, objectVersion: '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY' }),
    eventTime,
    sequencer: '0061C3A4F3E2B1D8A7',
  };
}

const pad = (n: number, w = 6) => String(n).padStart(w, '0');
const FACILITIES = ['DAL1', 'ATL2', 'RNO1', 'PHL3', 'ONT8'];

/** The i-th record of a feed (deterministic). */
export function makeRecord(feed: FeedName, i: number, src = sourceOf(feed, '2026-11-26', `${feed}-2026-11-26.csv`)): KeyedRecord {
  const line = i + 2;
  const snapshot = feed === 'oms-inventory' ? '2026-11-26T06:00:00.000Z' : feed === 'warehouse-inventory' ? '2026-11-26T05:30:00.000Z' : undefined;
  const version = recordVersion({ snapshot, eventTime: src.eventTime, sequencer: src.sequencer, line });
  const base = { feed, file: src.file, fileId: src.fileId, version, line };
  const order = `SO-${pad(100000 + Math.floor(i / 3), 7)}`;
  switch (feed) {
    case 'channel-orders':
      return { ...base, boundary: 'intake', side: 'channel', group: ['shopify', `#${1000 + i}`], identity: [],
        fields: { channel: 'shopify', channel_order_id: `#${1000 + i}`, placed_at: '2026-11-25T18:04:11.000Z', total: '129.95', currency: 'USD', status: 'paid' } };
    case 'oms-orders':
      return { ...base, boundary: 'intake', side: 'oms', group: ['shopify', `#${1000 + i}`], identity: [`OMS-${pad(i, 8)}`],
        fields: { channel: 'shopify', channel_order_id: `#${1000 + i}`, oms_order_id: `OMS-${pad(i, 8)}`, created_at: '2026-11-25T18:04:19.000Z', total: '129.95', currency: 'USD', status: 'released' } };
    case 'oms-allocations':
      return { ...base, boundary: 'fulfillment', side: 'oms', group: [order, String((i % 3) + 1)], identity: [FACILITIES[i % 5], `#k2Vd8qPzX0aL:${line}`],
        fields: { order_id: order, line_id: String((i % 3) + 1), location_id: FACILITIES[i % 5], quantity: '2', sku: `SKU-${pad(i % 20000, 5)}`, status: 'fulfilled', allocated_at: '2026-11-25T18:10:00.000Z' } };
    case 'shipments':
      return { ...base, boundary: 'fulfillment', side: 'warehouse', group: [order, String((i % 3) + 1)], identity: [FACILITIES[i % 5], `PKG-${pad(i, 9)}`],
        fields: { order_id: order, line_id: String((i % 3) + 1), location_id: FACILITIES[i % 5], quantity: '2', shipment_id: `PKG-${pad(i, 9)}`, sku: `SKU-${pad(i % 20000, 5)}`, shipped_at: '2026-11-26T14:22:05.000Z', carrier: 'UPS', tracking_number: `1Z999AA1${pad(i, 10)}` } };
    case 'oms-inventory':
      return { ...base, boundary: 'inventory', side: 'oms', group: [`SKU-${pad(Math.floor(i / 5), 6)}`], identity: [FACILITIES[i % 5]],
        fields: { sku: `SKU-${pad(Math.floor(i / 5), 6)}`, facility_id: FACILITIES[i % 5], on_hand: String((i * 7) % 500), as_of: '2026-11-26T06:00:00.000Z' } };
    case 'warehouse-inventory':
      return { ...base, boundary: 'inventory', side: 'warehouse', group: [`SKU-${pad(Math.floor(i / 5), 6)}`], identity: [FACILITIES[i % 5]],
        fields: { sku: `SKU-${pad(Math.floor(i / 5), 6)}`, facility_id: FACILITIES[i % 5], on_hand: String((i * 7) % 500), counted_at: '2026-11-26T05:30:00.000Z' } };
    case 'oms-transactions':
      return { ...base, boundary: 'financial', side: 'oms', group: [order], identity: [i % 4 === 3 ? 'return' : 'sale', `#k2Vd8qPzX0aL:${line}`],
        fields: { order_id: order, type: i % 4 === 3 ? 'return' : 'sale', amount: '1234.50', currency: 'USD', date: '2026-11-25T18:04:19.000Z' } };
    case 'erp-transactions':
      return { ...base, boundary: 'financial', side: 'erp', group: [order], identity: [i % 4 === 3 ? 'return' : 'sale', `INV-${pad(i, 8)}`],
        fields: { order_id: order, type: i % 4 === 3 ? 'return' : 'sale', amount: i % 4 === 3 ? '-1234.50' : '1234.50', document_id: `INV-${pad(i, 8)}`, currency: 'USD', posted_at: '2026-11-26T02:00:00.000Z' } };
  }
}

