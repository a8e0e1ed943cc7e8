// dynalite in a process of its own (bench/dynalite-child.ts starts it): the bench process's CPU
// time and RSS are then the handlers' own (what a Lambda would spend), not the stand-in's, and
// dynalite gets an event loop (and a core) of its own, as the real service is remote.
// In memory (memory-level), unless DYNALITE_PATH names a LevelDB folder.
// IPC: it sends { port } once listening; on 'stats' it answers { stats: { rss, heapUsed, cpuSeconds, maxRss } }.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const path = process.env.DYNALITE_PATH;
const server = require('dynalite')({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(path ? { path } : {}) });
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (m) => {
  if (m !== 'stats') return;
  globalThis.gc?.();
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  process.send({ stats: { rss: mem.rss, heapUsed: mem.heapUsed, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRss: process.resourceUsage().maxRSS * 1024 } });
});
process.on('disconnect', () => server.close(() => process.exit(0)));
