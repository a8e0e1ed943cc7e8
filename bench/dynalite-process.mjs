// dynalite in a process of its own, for bench/pipeline.bench.ts: the bench process's CPU time
// is then the handlers' own (what a Lambda would spend), not the stand-in's.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const server = require('dynalite')({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => server.close(() => process.exit(0)));
