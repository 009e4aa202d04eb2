// The requests a big-tree lister (find-lister.ts, native-lister.ts) works from, and what it
// answers. Directories asked for in the same event-loop turn (the sub-directories of one listing)
// are handed to the lister together, at the end of that turn, so they share a find process or an
// addon job.
import type { LstatBatch } from './raw-stat.js';

/** What a lister answers: the listing, and the stats of all of its entries. */
export interface FoundListing {
  readonly paths: readonly string[];
  readonly kinds: Uint8Array;
  readonly undecodable: number;
  readonly batch: LstatBatch;
}

/**
 * The caller lists this directory itself: the lister could not (empty, unreadable or gone for
 * find, which prints nothing then; not openable for the addon: readdir tells which), the request
 * came in a batch too small for a process, or the lister is closed or unavailable.
 */
export const LIST_IN_THREAD = 'list-in-thread';

export interface DirectoryRequest {
  readonly relDir: string;
  readonly resolve: (found: FoundListing | typeof LIST_IN_THREAD) => void;
  readonly reject: (error: Error) => void;
}

export class DirectoryRequests {
  private pending: DirectoryRequest[] = [];
  private scheduled = false;

  /** `onTurn` runs once at the end of each turn in which requests were added. */
  constructor(private readonly onTurn: () => void) {}

  get size(): number {
    return this.pending.length;
  }

  add(relDir: string): Promise<FoundListing | typeof LIST_IN_THREAD> {
    return new Promise((resolve, reject) => {
      this.pending.push({ relDir, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.onTurn();
      });
    });
  }

  /** The oldest `max` requests (all by default), now the caller's to answer. */
  take(max = Infinity): DirectoryRequest[] {
    return this.pending.splice(0, max);
  }

  /** Answers every waiting request with LIST_IN_THREAD. */
  releaseAll(): void {
    for (const r of this.take()) r.resolve(LIST_IN_THREAD);
  }
}
