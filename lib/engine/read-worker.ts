/**
 * A worker thread of the CLI's run (see parallel.ts): reads the feed files it is given, each
 * into a group index of its own, and posts each file's index (as data, its typed arrays
 * transferred), counts, facts, rejected rows and warnings — or the error that stopped it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BOUNDARY } from '../boundaries/index.ts';
import { GroupIndex } from './groups.ts';
import { errorData, readFileInto, type FileJob, type WorkerInput, type WorkerMessage } from './parallel.ts';

const input = workerData as WorkerInput;
const boundary = BOUNDARY[input.boundary];
const post = (m: WorkerMessage, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(m, transfer);

for (const job of input.jobs as FileJob[]) {
  try {
    const index = new GroupIndex(boundary);
    const read = await readFileInto(index, boundary, job, input.config, input.spillDir);
    const { state, transfer } = index.state();
    post({ at: job.at, read, state }, transfer);
  } catch (e) {
    post({ at: job.at, error: errorData(e) });
    break;
  }
}
