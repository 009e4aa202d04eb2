// bench/ssh-push.ts [N=8] [RUNS=5]: wall time of one push to N lab nodes with the ssh transport
// (fresh connections, as a one-shot run; and over kept connections, as watch mode) against pdcp on
// the same lab. Payloads: 1 × 4 KiB, 50 × 2 KiB, 1 × 10 MiB. Lab slot 21. Not a test.
//   node --import tsx bench/ssh-push.ts 8 5
// Knobs (env): SSH_CIPHER (e.g. chacha20-poly1305@openssh.com), SSH_KEX, CHUNK (bytes per SFTP write),
// INFLIGHT (bytes in flight per host), PAYLOADS (comma list of small,dir,big).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Algorithms, CipherAlgorithm, KexAlgorithm } from 'ssh2';
import { createSshTransport, type SshTransportOptions } from '../src/transport/ssh/ssh-transport.js';
import type { Batch, Change } from '../src/types.js';
import { startLab, type Lab } from '../test/helpers/lab.js';

const N = Number(process.argv[2] ?? 8);
const RUNS = Number(process.argv[3] ?? 5);
const PAYLOADS = (process.env.PAYLOADS ?? 'small,dir,big').split(',');

interface Payload {
  readonly name: string;
  readonly files: readonly { readonly rel: string; readonly data: Buffer }[];
  /** pdcp argv after `-w hosts`. */
  readonly pdcpArgs: (dest: string) => string[];
}

function payloads(stage: string): Payload[] {
  const small = { rel: 'small.conf', data: Buffer.alloc(4096, 's') };
  const dirFiles = Array.from({ length: 50 }, (_, i) => ({
    rel: `dir/f${String(i).padStart(2, '0')}.conf`,
    data: Buffer.alloc(2048, 'd'),
  }));
  const big = {
    rel: 'big.bin',
    data: Buffer.from(Array.from({ length: 10 * 1024 * 1024 }, (_, i) => (i * 7919) % 251)),
  };
  for (const f of [small, ...dirFiles, big]) {
    mkdirSync(join(stage, f.rel, '..'), { recursive: true });
    writeFileSync(join(stage, f.rel), f.data);
  }
  const all: Payload[] = [
    { name: '1 × 4 KiB', files: [small], pdcpArgs: (dest) => [join(stage, small.rel), `${dest}/small.conf`] },
    { name: '50 × 2 KiB', files: dirFiles, pdcpArgs: (dest) => ['-r', join(stage, 'dir'), dest] },
    { name: '1 × 10 MiB', files: [big], pdcpArgs: (dest) => [join(stage, big.rel), `${dest}/big.bin`] },
  ];
  return all.filter((_, i) => PAYLOADS.includes(['small', 'dir', 'big'][i] ?? ''));
}

function batchFor(p: Payload, stage: string, destDir: string, id: string): Batch {
  const changes: Change[] = [];
  const staged = new Map<string, string>();
  if (p.files.some((f) => f.rel.startsWith('dir/'))) {
    changes.push({
      path: 'dir',
      op: 'mkdir',
      entry: { path: 'dir', type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtimeMs: 0 },
    });
  }
  for (const f of p.files) {
    staged.set(f.rel, join(stage, f.rel));
    const hash = createHash('sha256').update(f.data).digest('hex');
    changes.push({
      path: f.rel,
      op: 'write',
      entry: {
        path: f.rel,
        type: 'file',
        mode: 0o644,
        uid: 0,
        gid: 0,
        size: f.data.length,
        mtimeMs: 1_700_000_000_000,
        hash,
      },
    });
  }
  return { id, createdAt: Date.now(), destDir, changes, staged };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const cpuSeconds = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1e6;

async function main(): Promise<void> {
  const lab: Lab = startLab(N, 21);
  const stage = mkdtempSync(join(tmpdir(), 'ssh-bench-'));
  try {
    const settings = {
      sshConfigFile: lab.sshConfig,
      identityFiles: [],
      acceptNewHostKeys: false,
      user: 'root',
      connectTimeoutMs: 10_000,
      operationTimeoutMs: 600_000,
    };
    const algorithms: Algorithms = {};
    if (process.env.SSH_CIPHER !== undefined) algorithms.cipher = [process.env.SSH_CIPHER as CipherAlgorithm];
    if (process.env.SSH_KEX !== undefined) algorithms.kex = [process.env.SSH_KEX as KexAlgorithm];
    const tuning = {
      ...(process.env.CHUNK !== undefined ? { chunkSize: Number(process.env.CHUNK) } : {}),
      ...(process.env.INFLIGHT !== undefined ? { bytesInFlight: Number(process.env.INFLIGHT) } : {}),
    };
    const environment = { home: stage, localUser: 'root', agentSocket: undefined };
    const options: SshTransportOptions = { environment, algorithms, tuning };
    console.log(
      `N=${N} runs=${RUNS} load=${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} algorithms=${JSON.stringify(algorithms)} tuning=${JSON.stringify(tuning)}`,
    );
    console.log(
      '| payload | ssh one-shot (s) | client CPU (s) | ssh kept conn. (s) | pdcp (s) | pdcp client CPU (s) | ssh / pdcp |',
    );
    console.log('|---|---|---|---|---|---|---|');
    let run = 0;
    for (const p of payloads(stage)) {
      const oneShot: number[] = [];
      const oneShotCpu: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const t = createSshTransport(settings, options);
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        const results = await t.push(batchFor(p, stage, `/etc/bench/ssh${++run}`, `b${run}`), lab.nodes, {
          fanout: 32,
        });
        oneShot.push((performance.now() - t0) / 1000);
        oneShotCpu.push(cpuSeconds(process.cpuUsage(cpu0)));
        await t.close();
        const bad = results.filter((x) => !x.ok);
        if (bad.length > 0) throw new Error(`ssh push failed: ${JSON.stringify(bad[0]?.error)}`);
      }
      const kept: number[] = [];
      const t = createSshTransport(settings, { ...options, keepConnections: true });
      await t.push(batchFor(p, stage, `/etc/bench/warm${++run}`, `b${run}`), lab.nodes, { fanout: 32 });
      for (let r = 0; r < RUNS; r++) {
        const t0 = performance.now();
        await t.push(batchFor(p, stage, `/etc/bench/kept${++run}`, `b${run}`), lab.nodes, { fanout: 32 });
        kept.push((performance.now() - t0) / 1000);
      }
      await t.close();
      const pdcp: number[] = [];
      const pdcpCpu: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const dest = `/etc/bench/pdcp${++run}`;
        execFileSync('pdsh', ['-R', 'ssh', '-w', lab.range, 'mkdir', '-p', dest], { env: lab.env });
        const args = ['-R', 'ssh', '-f', '32', '-w', lab.range, ...p.pdcpArgs(dest)];
        const out = spawnSync(
          'bash',
          ['-c', 'TIMEFORMAT="%R %U %S"; time pdcp "$@" 2>&1 >/dev/null', 'pdcp', ...args],
          {
            env: lab.env,
            encoding: 'utf8',
          },
        );
        const m = /(\d+\.\d+) (\d+\.\d+) (\d+\.\d+)\s*$/.exec(out.stderr);
        if (out.status !== 0 || m === null || /pdcp@/.test(out.stderr))
          throw new Error(`pdcp failed: ${out.stderr}`);
        pdcp.push(Number(m[1]));
        pdcpCpu.push(Number(m[2]) + Number(m[3]));
      }
      const s = median(oneShot);
      const pd = median(pdcp);
      console.log(
        `| ${p.name} | ${s.toFixed(3)} | ${median(oneShotCpu).toFixed(2)} | ${median(kept).toFixed(3)} | ${pd.toFixed(3)} | ${median(pdcpCpu).toFixed(2)} | ${(s / pd).toFixed(2)} |`,
      );
    }
  } finally {
    lab.down();
    rmSync(stage, { recursive: true, force: true });
  }
}

await main();
