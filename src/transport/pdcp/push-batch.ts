// One push of the pdcp transport: stage, round 1 (pdcp), round 2 (pdsh apply) and the cleanup of
// half-copied stages. See pdcp-transport.ts for the overview, docs/transports.md for the why.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Batch, ConnectionSettings, HostFailure, HostResult, PushOptions } from '../../types.js';
import { isSafeHostName } from '../shared/safe-words.js';
import { buildStagePlan } from '../shared/stage-plan.js';
import { stageDirName, writeStageDir } from '../shared/write-stage.js';
import { buildApplyArgv, buildCleanupArgv, buildPdcpArgv, type RoundSettings } from './build-argv.js';
import { makeHostLabelResolver } from './resolve-host-label.js';
import { applyRoundResults, stageRoundFailures } from './round-results.js';
import { runTool } from './run-tool.js';
import { pdshEnvironment, renderSshConfig } from './ssh-config.js';

/**
 * After a stop, removing a node's stage may take this long (pdsh -u), after a connect of at most
 * STOPPED_CONNECT_MS (pdsh -t): a node that does not answer at once (frozen, gone) is left as it is.
 */
const STOPPED_CLEANUP_MS = 10_000;
const STOPPED_CONNECT_MS = 3_000;

export interface PushContext {
  readonly settings: ConnectionSettings;
  readonly remoteTmp: string;
  readonly pdcp: string;
  readonly pdsh: string;
  readonly remotePdcpPath?: string;
  /** Where this push's local work dir goes (see makeWorkDir); TMPDIR when unset. */
  readonly workRoot?: string;
  /** In the remote stage's name, so that apply.sh can remove the job's stages that a kill -9 left. */
  readonly jobTag?: string;
}

export async function pushBatch(
  ctx: PushContext,
  batch: Batch,
  hosts: readonly string[],
  push: PushOptions,
): Promise<HostResult[]> {
  const startedAt = Date.now();
  const unique = [...new Set(hosts)];
  const results = new Map<string, HostResult>();
  const finish = (host: string, error: HostFailure | undefined) => {
    const result: HostResult = {
      host,
      batchId: batch.id,
      ok: error === undefined,
      ...(error ? { error } : {}),
      startedAt,
      finishedAt: Date.now(),
    };
    results.set(host, result);
    push.onHostDone?.(result);
  };
  const plan = buildStagePlan(batch); // a batch no node could apply throws before anything is sent
  for (const host of unique) {
    if (!isSafeHostName(host))
      finish(host, {
        class: 'other',
        code: 'invalid-host-name',
        message: `not a usable host name: ${JSON.stringify(host)}`,
      });
  }
  let pending = unique.filter((host) => !results.has(host));
  if (pending.length === 0) return unique.map((host) => results.get(host) as HostResult);
  const resolveHost = makeHostLabelResolver(pending);
  const work = await makeWorkDir(ctx.workRoot);
  try {
    const stageName = stageDirName(batch.id, ctx.jobTag);
    const remoteStage = `${ctx.remoteTmp === '/' ? '' : ctx.remoteTmp}/${stageName}`;
    await writeStageDir(join(work, stageName), plan, { link: true });
    const sshConfig = join(work, 'ssh_config');
    await writeFile(sshConfig, renderSshConfig(ctx.settings), { mode: 0o600 });
    const env = pdshEnvironment(process.env, sshConfig);
    let rounds = 0;
    const round = async (hostsOfRound: readonly string[]): Promise<RoundSettings> => {
      const hostsFile = join(work, `hosts.${rounds++}`);
      await writeFile(hostsFile, `${hostsOfRound.join('\n')}\n`);
      return {
        hostsFile,
        fanout: push.fanout,
        connectTimeoutMs: ctx.settings.connectTimeoutMs,
        operationTimeoutMs: ctx.settings.operationTimeoutMs,
      };
    };
    // pdsh enforces both timeouts per host; this bound only catches a pdsh that hangs itself
    const hardLimit = (n: number) =>
      Math.ceil(n / Math.max(1, push.fanout)) *
        (ctx.settings.connectTimeoutMs + ctx.settings.operationTimeoutMs + 2_000) +
      30_000;
    const run = async (tool: string, argv: string[], n: number) =>
      runTool(tool, argv, {
        env,
        timeoutMs: hardLimit(n),
        ...(push.signal !== undefined ? { signal: push.signal } : {}),
      });

    if (push.signal?.aborted === true) {
      for (const host of pending)
        finish(host, { class: 'other', code: 'aborted', message: 'aborted before the push started' });
      pending = [];
    }

    // Round 1: the stage to every host.
    const cleanup: string[] = [];
    if (pending.length > 0) {
      const staged = await run(
        ctx.pdcp,
        buildPdcpArgv(await round(pending), join(work, stageName), ctx.remoteTmp, ctx.remotePdcpPath),
        pending.length,
      );
      for (const [host, failure] of stageRoundFailures(pending, staged, resolveHost)) {
        if (failure.partial) cleanup.push(host); // a stop (SIGINT/SIGTERM) cut the copy short too
        finish(host, {
          class: failure.class,
          message: failure.message,
          ...(failure.code !== undefined ? { code: failure.code } : {}),
        });
      }
      pending = pending.filter((host) => !results.has(host));
      if (push.signal?.aborted === true) {
        // stopped with the stage on these nodes: it is not applied, only removed
        for (const host of pending) {
          cleanup.push(host);
          finish(host, { class: 'other', code: 'aborted', message: 'aborted before the stage was applied' });
        }
        pending = [];
      }
    }
    const removeStages = async (): Promise<unknown> => {
      const r = await round(cleanup);
      if (push.signal?.aborted !== true)
        return run(ctx.pdsh, buildCleanupArgv(r, remoteStage), cleanup.length);
      // stopped: still remove what round 1 left on the nodes, but briefly and without the stop
      // signal (which would cancel this at once); a second SIGINT/SIGTERM exits anyway
      const connectTimeoutMs = Math.min(ctx.settings.connectTimeoutMs, STOPPED_CONNECT_MS);
      const quick = { ...r, connectTimeoutMs, operationTimeoutMs: STOPPED_CLEANUP_MS };
      return runTool(ctx.pdsh, buildCleanupArgv(quick, remoteStage), {
        env,
        timeoutMs:
          Math.ceil(cleanup.length / Math.max(1, push.fanout)) * (connectTimeoutMs + STOPPED_CLEANUP_MS) +
          5_000,
      });
    };

    // Round 2: apply where the stage arrived; meanwhile remove half-copied stages elsewhere.
    const [applied] = await Promise.all([
      pending.length > 0
        ? round(pending).then((r) => run(ctx.pdsh, buildApplyArgv(r, remoteStage), pending.length))
        : undefined,
      cleanup.length > 0 ? removeStages() : undefined,
    ]);
    if (applied !== undefined) {
      const { results: outcome, staleStage } = applyRoundResults(pending, applied, batch, resolveHost);
      for (const [host, failure] of outcome) finish(host, failure);
      if (staleStage.length > 0 && push.signal?.aborted !== true) {
        await run(ctx.pdsh, buildCleanupArgv(await round(staleStage), remoteStage), staleStage.length);
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return unique.map((host) => results.get(host) as HostResult);
}

/**
 * The push's local work dir: the stage pdcp copies (hard links to the batch's frozen copies, the
 * small files written out), the hosts files and the ssh_config. Inside the job's stage dir in the
 * state dir, where the links cannot cross a filesystem and where the job's next run clears what a
 * `kill -9` left (it holds the job's lock); in TMPDIR, which every job shares, nobody could tell a
 * dead one from a live one. TMPDIR still serves when the state dir cannot (full, read-only).
 */
async function makeWorkDir(workRoot: string | undefined): Promise<string> {
  if (workRoot !== undefined) {
    try {
      await mkdir(workRoot, { recursive: true, mode: 0o700 });
      return await mkdtemp(join(workRoot, 'pdcp-'));
    } catch {
      // the TMPDIR fallback below
    }
  }
  return mkdtemp(join(tmpdir(), 'clsync-hpc-pdcp-'));
}
