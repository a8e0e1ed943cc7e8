/** The summarize step alone in a process of its own, for bench/summarize.bench.ts: reports its peak heap and RSS. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DEFAULT_CONFIG } from '../lib/config.ts';
import { summarize } from '../lib/pipeline/summarize.ts';
import { inMemoryReport, type Fixture } from '../test/support/summarize-fixture.ts';

const input = JSON.parse(process.env.BENCH_INPUT!) as { fixture: Fixture; count: number; shards: number; inMemory: boolean };
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const s3 = new S3Client({ region: 'us-east-1', endpoint: process.env.BENCH_S3, credentials, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
const dynamo = new DynamoDBClient({ region: 'us-east-1', endpoint: process.env.BENCH_DDB, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
const mb = (n: number) => n / 1024 / 1024;
let peakHeap = 0, peakRss = 0;
const sample = () => {
  const m = process.memoryUsage();
  peakHeap = Math.max(peakHeap, m.heapUsed);
  peakRss = Math.max(peakRss, m.rss);
};
const timer = setInterval(sample, 10);
(globalThis as { gc?: () => void }).gc?.();
const t0 = Date.now();
const cpu0 = process.cpuUsage();
try {
  let n: number;
  if (input.inMemory) {
    const r = inMemoryReport(input.fixture, input.count, input.shards);
    n = r.report.discrepancies.length + r.files.json.length * 0;
  } else {
    const out = await summarize({
      s3, dynamo, now: () => new Date(input.fixture.now),
      settings: () => ({ tableName: process.env.BENCH_TABLE!, bucketName: process.env.BENCH_BUCKET!, shards: input.shards, retentionDays: 35, config: DEFAULT_CONFIG, debounceSeconds: 0, maxWaitSeconds: 60, reportLinkBase: 'https://reports.example.com/' }),
    }, input.fixture.input);
    n = out.discrepancies;
  }
  sample();
  clearInterval(timer);
  const cpu = process.cpuUsage(cpu0);
  process.send!({ ok: true, ms: Date.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, peakHeapMb: mb(peakHeap), peakRssMb: mb(peakRss), discrepancies: n });
} catch (e) {
  clearInterval(timer);
  process.send!({ ok: false, error: (e as Error).message, ms: Date.now() - t0, peakHeapMb: mb(peakHeap), peakRssMb: mb(peakRss) });
}
s3.destroy();
dynamo.destroy();
process.exit(0);
