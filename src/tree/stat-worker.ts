// Worker thread body: runs lstat and hash jobs for the scanner's pool (stat-pool.ts).
import { parentPort } from 'node:worker_threads';
import { hashFileSync } from './hash-file.js';
import { lstatJob } from './lstat-paths.js';
import { splitNames, type StatJobMessage, type StatReplyMessage } from './stat-protocol.js';

const port = parentPort;
if (port === null) throw new Error('stat-worker.ts must run as a worker thread');
const buffer = Buffer.allocUnsafe(1 << 16);

port.on('message', (job: StatJobMessage) => {
  if (job.kind === 'lstat') {
    const batch = lstatJob({ dirs: job.dirs, counts: job.counts, names: splitNames(job.names) });
    const reply: StatReplyMessage = {
      id: job.id,
      kind: 'lstat',
      fields: batch.fields,
      targets: [...batch.targets],
      errors: [...batch.errors],
    };
    port.postMessage(reply, [batch.fields.buffer as ArrayBuffer]);
  } else {
    const outcomes = splitNames(job.paths).map((p) => hashFileSync(p, buffer));
    const reply: StatReplyMessage = { id: job.id, kind: 'hash', outcomes };
    port.postMessage(reply);
  }
});
