// Worker thread body: readdir, lstat and hash jobs for the scanner's pool (stat-pool.ts).
import { parentPort } from 'node:worker_threads';
import { hashFileSync } from './hash-file.js';
import { listDirectory } from './list-directory.js';
import { lstatJob } from './lstat-job.js';
import type { LstatBatch } from './raw-stat.js';
import { relPathsOf, splitNames, type StatJobMessage, type StatReplyMessage } from './stat-protocol.js';

const port = parentPort;
if (port === null) throw new Error('stat-worker.ts must run as a worker thread');
const buffer = Buffer.allocUnsafe(1 << 16);
/** Listings waiting for their lstat-listed job: id → directory and names. */
const listings = new Map<number, { dir: string; names: string[] }>();

function lstatReply(id: number, batch: LstatBatch): void {
  const reply: StatReplyMessage = {
    id,
    kind: 'lstat',
    fields: batch.fields,
    targets: [...batch.targets],
    errors: [...batch.errors],
  };
  port?.postMessage(reply, [batch.fields.buffer as ArrayBuffer]);
}

port.on('message', (job: StatJobMessage) => {
  switch (job.kind) {
    case 'list': {
      const listing = listDirectory(job.dir);
      if (listing.names.length > 0) listings.set(job.id, { dir: job.dir, names: listing.names });
      const reply: StatReplyMessage = {
        id: job.id,
        kind: 'list',
        paths: relPathsOf(job.relDir, listing.names),
        kinds: listing.kinds,
        undecodable: listing.undecodable,
        ...(listing.problem !== undefined && { problem: listing.problem }),
      };
      port.postMessage(reply, [listing.kinds.buffer as ArrayBuffer]);
      return;
    }
    case 'lstat-listed': {
      const listing = listings.get(job.listId);
      listings.delete(job.listId);
      const names = listing === undefined ? [] : Array.from(job.indices, (i) => listing.names[i] as string);
      lstatReply(job.id, lstatJob({ dirs: [listing?.dir ?? '/'], counts: [names.length], names }));
      return;
    }
    case 'forget':
      listings.delete(job.listId);
      return;
    case 'lstat':
      lstatReply(job.id, lstatJob({ dirs: job.dirs, counts: job.counts, names: splitNames(job.names) }));
      return;
    case 'hash': {
      const outcomes = splitNames(job.paths).map((p) => hashFileSync(p, buffer));
      const reply: StatReplyMessage = { id: job.id, kind: 'hash', outcomes };
      port.postMessage(reply);
    }
  }
});
