// The "local" transport: each host is the directory <root>/<host> on this machine (cf. pdsh's
// pcptest module), and destDir lands at <root>/<host>/<destDir>. It runs the very apply.sh the
// pdcp transport runs on nodes, from a per-host copy of the stage (what pdcp would have put in
// the node's /tmp), so fast tests exercise the real apply contract without ssh.
import { execa } from 'execa';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pLimit from 'p-limit';
import type { Batch, HostFailure, HostResult, PushOptions, Transport } from '../../types.js';
import { applyFailure, clip, foldApplyLines } from '../shared/parse-apply-output.js';
import { isSafeHostName } from '../shared/safe-words.js';
import { buildStagePlan } from '../shared/stage-plan.js';
import { stageDirName, writeStageDir } from '../shared/write-stage.js';

export interface LocalTransportOptions {
  /** Directory holding one directory per host. */
  readonly root: string;
  /** Per-host limit for one apply run; none by default. */
  readonly operationTimeoutMs?: number;
  /** The shell that runs apply.sh (default `sh`); tests run it under dash and bash. */
  readonly shell?: string;
}

export function createLocalTransport(options: LocalTransportOptions): Transport {
  const root = resolve(options.root);
  return {
    name: 'local',
    async push(batch: Batch, hosts: readonly string[], push: PushOptions): Promise<HostResult[]> {
      const plan = buildStagePlan(batch);
      const work = await mkdtemp(join(tmpdir(), 'clsync-hpc-local-'));
      const limit = pLimit(Math.max(1, push.fanout));
      try {
        return await Promise.all(
          [...new Set(hosts)].map((host, i) =>
            limit(async () => {
              const startedAt = Date.now();
              const error = await applyOnHost(host, join(work, String(i)));
              const result: HostResult = {
                host,
                batchId: batch.id,
                ok: error === undefined,
                ...(error ? { error } : {}),
                startedAt,
                finishedAt: Date.now(),
              };
              push.onHostDone?.(result);
              return result;
            }),
          ),
        );
      } finally {
        await rm(work, { recursive: true, force: true });
      }

      async function applyOnHost(host: string, hostWork: string): Promise<HostFailure | undefined> {
        if (push.signal?.aborted === true)
          return { class: 'other', message: 'aborted before this host was started', code: 'aborted' };
        if (!isSafeHostName(host))
          return {
            class: 'other',
            message: `not a usable host name: ${JSON.stringify(host)}`,
            code: 'invalid-host-name',
          };
        const stage = join(hostWork, stageDirName(batch.id));
        try {
          await mkdir(hostWork);
          await writeStageDir(stage, plan, { link: false });
        } catch (err) {
          return {
            class: 'other',
            message: `cannot stage the batch locally: ${(err as Error).message}`,
            code: 'local-stage',
          };
        }
        const run = await execa(options.shell ?? 'sh', [join(stage, 'apply.sh'), join(root, host)], {
          reject: false,
          stdin: 'ignore',
          ...(options.operationTimeoutMs !== undefined ? { timeout: options.operationTimeoutMs } : {}),
          ...(push.signal !== undefined ? { cancelSignal: push.signal } : {}),
        });
        const result = foldApplyLines(String(run.stdout).split('\n'), batch.id);
        if (result?.ok === true) return undefined;
        if (result !== undefined) return applyFailure(result, batch);
        if (run.isCanceled) return { class: 'other', message: 'aborted', code: 'aborted' };
        if (run.timedOut)
          return {
            class: 'timeout',
            message: `apply did not finish within ${options.operationTimeoutMs} ms`,
          };
        return {
          class: 'other',
          message: clip(
            `apply printed no result (exit ${run.exitCode ?? run.signal}): ${String(run.stderr)}`,
            600,
          ),
          code: 'no-result',
        };
      }
    },
    async close(): Promise<void> {},
  };
}
