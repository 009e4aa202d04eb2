// Plain typed values that cross the layers (rules → tree → plan → fanout → transport → report).
// Nothing here does I/O; every layer takes and returns these.

/** What a path in the source tree is. Symlinks are objects of their own and are never followed. */
export type EntryType = 'file' | 'dir' | 'symlink';

/**
 * One permitted object of the source tree, as scanned. `path` is relative to the watch dir, with
 * `/` separators and no leading slash (clsync's convention); the root itself is never an entry.
 */
export interface TreeEntry {
  readonly path: string;
  readonly type: EntryType;
  /** Permission bits including setuid/setgid/sticky (st_mode & 0o7777). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Files: byte size; 0 for directories and symlinks. */
  readonly size: number;
  /** Files: modification time in whole milliseconds since the epoch; 0 for directories and symlinks. */
  readonly mtimeMs: number;
  /** Files: sha256 of the content, lowercase hex. */
  readonly hash?: string;
  /** Symlinks: the link target, verbatim (not resolved). */
  readonly target?: string;
}

/** The permitted tree at one moment: path → entry, iteration order = sorted by path. */
export type Snapshot = ReadonlyMap<string, TreeEntry>;

/**
 * What has to happen to one path on a host.
 *  write   create or replace a regular file (content + metadata), atomically
 *  mkdir   create a directory (or fix its mode/owner)
 *  symlink create or replace a symlink, atomically
 *  delete  remove whatever is at the path (file, symlink or empty directory)
 *  meta    content is already right: change mode, owner, group or mtime only
 */
export type Op = 'write' | 'mkdir' | 'symlink' | 'delete' | 'meta';

export interface Change {
  readonly path: string;
  readonly op: Op;
  /** The desired state (every op but delete). */
  readonly entry?: TreeEntry;
  /** delete: the type the host had there, as the ledger knows it. */
  readonly previousType?: EntryType;
}

/**
 * A set of changes that goes to a set of hosts together. Changes are in apply order: deletes
 * (deepest first), then mkdirs (shallowest first), then writes/symlinks, then meta.
 */
export interface Batch {
  readonly id: string;
  readonly createdAt: number;
  /** Absolute destination root on the hosts. */
  readonly destDir: string;
  readonly changes: readonly Change[];
  /**
   * Frozen copy of every `write` change's content, whose sha256 equals `change.entry.hash`:
   * path → an absolute local file, or the bytes themselves (small files are held in memory).
   * Transports read content from here, never from the live tree.
   */
  readonly staged: ReadonlyMap<string, StagedContent>;
  /**
   * The hosts have no ledger record (first contact, or a lost state dir): a transport that can look
   * at the node first may leave alone what is already in place there, as rsync's quick check does (a
   * file with the same size, mtime in whole seconds, mode, owner and group; a symlink with the same
   * target and owner; a directory with the same mode and owner). Transports that cannot look (pdcp)
   * send everything.
   */
  readonly quickCheck?: boolean;
}

/** A staged copy: a local file (frozen, never changed) or, for small files, the bytes. */
export type StagedContent = string | Buffer;

export type HostErrorClass =
  | 'unreachable' // refused, no route, DNS, reset
  | 'timeout' // connect, banner or operation timeout
  | 'auth' // key refused
  | 'hostkey' // unknown or changed host key
  | 'remote-io' // EROFS, ENOSPC, EACCES… on the node
  | 'validation' // content check on the node failed (hash mismatch)
  | 'other';

export interface HostFailure {
  readonly class: HostErrorClass;
  /** The node's own words where there are any (ssh/pdcp/sftp message). */
  readonly message: string;
  /** A stable machine-readable detail, e.g. 'remote-pdcp-missing'. */
  readonly code?: string;
}

/** One result per host per push, every time; transports return failures, they do not throw them. */
export interface HostResult {
  readonly host: string;
  readonly batchId: string;
  readonly ok: boolean;
  readonly error?: HostFailure;
  readonly startedAt: number;
  readonly finishedAt: number;
  /** Changes of a quickCheck batch that the node already had, so were not applied (ok results). */
  readonly inPlace?: number;
}

/** How nodes are reached; shared by every transport. */
export interface ConnectionSettings {
  /** OpenSSH client config file (pdsh/pdcp get `-F`); undefined = ssh's default (~/.ssh/config). */
  readonly sshConfigFile?: string;
  readonly identityFiles: readonly string[];
  /** known_hosts file; undefined = what the ssh config says, else ~/.ssh/known_hosts. */
  readonly knownHostsFile?: string;
  /** Accept and record unknown host keys on first contact (never a changed one). */
  readonly acceptNewHostKeys: boolean;
  /** Default login user when the ssh config names none. */
  readonly user: string;
  readonly connectTimeoutMs: number;
  /** Whole-operation timeout per host per push (a frozen node must not stall the run). */
  readonly operationTimeoutMs: number;
}

export interface PushOptions {
  readonly fanout: number;
  readonly signal?: AbortSignal;
  /** Called as hosts finish, for progress output. */
  readonly onHostDone?: (result: HostResult) => void;
  /** Called as each change is applied on a host, by transports that can tell (ssh), for progress. */
  readonly onChangeApplied?: (host: string) => void;
}

export type TransportName = 'pdcp' | 'ssh' | 'local';

export interface Transport {
  readonly name: TransportName;
  /** Push `batch` to every host; resolves with exactly one result per host. */
  push(batch: Batch, hosts: readonly string[], options: PushOptions): Promise<HostResult[]>;
  /**
   * These hosts are about to get a push (optional): a transport that connects may start now, so
   * that handshakes overlap the staging. Failures are not reported here but by the push.
   */
  prewarm?(hosts: readonly string[]): void;
  /** Release kept connections and temp files. */
  close(): Promise<void>;
}

/** Final state of one host in a run (report layer); 'planned' only in --dry-run reports. */
export type HostStatus = 'ok' | 'unchanged' | 'failed' | 'planned';

export interface HostReport {
  readonly host: string;
  readonly status: HostStatus;
  readonly attempts: number;
  /** Paths written, made or changed on this host in this run. */
  readonly sent: number;
  readonly deleted: number;
  /** First contact: paths the node already had as wanted (quick check), left alone; not in `sent`. */
  readonly inPlace?: number;
  readonly error?: HostFailure;
  /** Transport that finally served the host (auto mode may fall back). */
  readonly transport?: TransportName;
}

export interface RunReport {
  readonly ok: boolean;
  readonly dryRun: boolean;
  readonly label: string;
  readonly transport: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly changes: readonly { readonly path: string; readonly op: Op }[];
  readonly hosts: readonly HostReport[];
}
