// How to watch the tree: the shipped Python inotify helper against Node's fs.watch (libuv) and
// inotifywait (inotify-tools), on what the daemon needs: latency from a write to the event in Node,
// CPU at idle, start-up cost on a big tree, and whether a finished write (IN_CLOSE_WRITE) and lost
// events (IN_Q_OVERFLOW) can be seen at all. Prints a markdown report (docs/watching.md quotes it).
//   node --import tsx bench/watch-candidates.ts [samples=200]
import { spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  watch,
  writeFileSync,
  writeSync,
  type FSWatcher,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSystemPython } from '../src/watch/find-python.js';
import { InotifyHelper } from '../src/watch/inotify-helper.js';
import { eventKind } from '../src/watch/inotify-mask.js';

interface SeenEvent {
  readonly name: string;
  readonly kind: string;
  readonly at: bigint;
}

interface Running {
  /** The process that holds the inotify instance, when it is not this one. */
  readonly pid?: number;
  stop(): Promise<void>;
}

interface Candidate {
  readonly name: string;
  start(dirs: readonly string[], onEvent: (event: SeenEvent) => void): Promise<Running>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const now = (): bigint => process.hrtime.bigint();
const python = findSystemPython();
if (python === undefined) throw new Error('no system python3');

const helperCandidate: Candidate = {
  name: 'python inotify helper (shipped)',
  async start(dirs, onEvent) {
    const helper = await InotifyHelper.start(python, {
      onEvents: (events) => {
        const at = now();
        for (const e of events) onEvent({ name: e.name.toString('utf8'), kind: eventKind(e.mask), at });
      },
      onExit: () => undefined,
    });
    await Promise.all(dirs.map((dir) => helper.addWatch(dir)));
    return { pid: helper.pid ?? 0, stop: () => helper.stop() };
  },
};

const fsWatchCandidate: Candidate = {
  name: 'fs.watch per directory (libuv)',
  async start(dirs, onEvent) {
    const watchers: FSWatcher[] = dirs.map((dir) => {
      const w = watch(dir, (eventType, filename) =>
        onEvent({ name: String(filename), kind: eventType, at: now() }),
      );
      w.on('error', (error) => onEvent({ name: '', kind: `error: ${error.message}`, at: now() }));
      return w;
    });
    return {
      stop: async () => {
        for (const w of watchers) w.close();
      },
    };
  },
};

const inotifywaitCandidate: Candidate = {
  name: 'inotifywait -m (inotify-tools)',
  async start(dirs, onEvent) {
    const events = 'modify,close_write,attrib,create,delete,moved_from,moved_to,delete_self,move_self';
    const child: ChildProcess = spawn('inotifywait', ['-m', '-e', events, '--format', '%e %f', ...dirs], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let partial = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      const at = now();
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const space = line.indexOf(' ');
        const flags = space === -1 ? line : line.slice(0, space);
        onEvent({
          name: space === -1 ? '' : line.slice(space + 1),
          kind: flags.split(',')[0]?.toLowerCase() ?? '',
          at,
        });
      }
    });
    await new Promise<void>((resolve, reject) => {
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('Watches established')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`inotifywait exited ${code}: ${stderr}`)));
    });
    return {
      pid: child.pid ?? 0,
      stop: async () => {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      },
    };
  },
};

const candidates: readonly Candidate[] = [helperCandidate, fsWatchCandidate, inotifywaitCandidate];

/** An /etc-like tree: 40 directories, 8 files each, plus the usual top-level files. */
function makeTree(base: string, dirCount: number): string[] {
  const dirs = [base];
  for (const name of ['passwd', 'group', 'shadow', 'hosts']) writeFileSync(join(base, name), `${name}\n`);
  for (let d = 0; d < dirCount; d++) {
    const dir = join(base, `conf${String(d).padStart(4, '0')}.d`);
    mkdirSync(dir);
    for (let f = 0; f < 8; f++) writeFileSync(join(dir, `f${f}.conf`), 'x = 1\n');
    dirs.push(dir);
  }
  return dirs;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]); // utime + stime, in clock ticks (1/100 s)
}

function rssKiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.replace(/\D+/g, '') ?? NaN);
}

/** Runs `body` with a fresh watcher; events go to `sink`, replaceable per step. */
async function withCandidate<T>(
  candidate: Candidate,
  dirs: readonly string[],
  body: (running: Running, setSink: (sink: (e: SeenEvent) => void) => void) => Promise<T>,
): Promise<T> {
  let sink: (e: SeenEvent) => void = () => undefined;
  const running = await candidate.start(dirs, (e) => sink(e));
  try {
    return await body(running, (s) => {
      sink = s;
    });
  } finally {
    await running.stop();
  }
}

interface Latency {
  readonly firstMs: number[];
  readonly closeMs: number[];
}

/** Appends one line to a rotating /etc file; time until the first event and until IN_CLOSE_WRITE. */
async function measureLatency(
  candidate: Candidate,
  base: string,
  dirs: readonly string[],
  samples: number,
): Promise<Latency> {
  const files = ['passwd', 'group', 'shadow', 'hosts'];
  const firstMs: number[] = [];
  const closeMs: number[] = [];
  await withCandidate(candidate, dirs, async (_running, setSink) => {
    for (let i = 0; i < samples; i++) {
      const name = files[i % files.length] ?? 'passwd';
      let first: bigint | undefined;
      let close: bigint | undefined;
      setSink((e) => {
        if (e.name !== name) return;
        first ??= e.at;
        if (e.kind === 'close-write' || e.kind === 'close_write') close ??= e.at;
      });
      const t0 = now();
      appendFileSync(join(base, name), `line ${i}\n`);
      const deadline = Date.now() + 1000;
      while (first === undefined && Date.now() < deadline) await sleep(0);
      await sleep(5 + Math.random() * 10); // let the rest of this write's events arrive
      if (first !== undefined) firstMs.push(Number(first - t0) / 1e6);
      if (close !== undefined) closeMs.push(Number(close - t0) / 1e6);
    }
  });
  return { firstMs, closeMs };
}

async function measureIdle(
  candidate: Candidate,
  dirs: readonly string[],
  seconds: number,
): Promise<{ nodeMs: number; childMs?: number }> {
  return withCandidate(candidate, dirs, async (running) => {
    await sleep(2000); // let the previous step's garbage collection and late events settle
    const nodeBefore = process.cpuUsage();
    const childBefore = running.pid !== undefined ? cpuTicks(running.pid) : 0;
    await sleep(seconds * 1000);
    const node = process.cpuUsage(nodeBefore);
    const nodeMs = (node.user + node.system) / 1000;
    return running.pid !== undefined
      ? { nodeMs, childMs: (cpuTicks(running.pid) - childBefore) * 10 }
      : { nodeMs };
  });
}

async function measureStartup(
  candidate: Candidate,
  dirs: readonly string[],
): Promise<{ ms: number; childRssKiB?: number }> {
  const t0 = now();
  let ms = 0;
  const rss = await withCandidate(candidate, dirs, async (running) => {
    ms = Number(now() - t0) / 1e6;
    return running.pid !== undefined ? rssKiB(running.pid) : undefined;
  });
  return rss !== undefined ? { ms, childRssKiB: rss } : { ms };
}

/** open, write, 200 ms, write, 200 ms, close: which events say the file is complete? */
async function observeSlowWriter(
  candidate: Candidate,
  base: string,
  dirs: readonly string[],
): Promise<string> {
  return withCandidate(candidate, dirs, async (_running, setSink) => {
    const seen: string[] = [];
    const t0 = now();
    setSink((e) => {
      if (e.name === 'slow.conf') seen.push(`${e.kind}@${Math.round(Number(e.at - t0) / 1e6)}`);
    });
    const fd = openSync(join(base, 'slow.conf'), 'w');
    writeSync(fd, 'part 1\n');
    await sleep(200);
    writeSync(fd, 'part 2\n');
    await sleep(200);
    closeSync(fd);
    await sleep(100);
    rmSync(join(base, 'slow.conf'));
    await sleep(50);
    return seen.join(', ');
  });
}

/** 20,000 creations while the watcher cannot read (stopped, or this event loop blocked). */
async function observeOverflow(
  candidate: Candidate,
  dirs: readonly string[],
  target: string,
): Promise<{ events: number; overflowSeen: boolean; errors: string[] }> {
  mkdirSync(target, { recursive: true });
  return withCandidate(candidate, [...dirs, target], async (running, setSink) => {
    let events = 0;
    let overflowSeen = false;
    const errors: string[] = [];
    let last = Date.now();
    setSink((e) => {
      events++;
      last = Date.now();
      if (e.kind === 'overflow' || e.kind === 'q_overflow') overflowSeen = true;
      if (e.kind.startsWith('error')) errors.push(e.kind);
    });
    if (running.pid !== undefined) process.kill(running.pid, 'SIGSTOP');
    // synchronous: for fs.watch this blocks the only thread that reads the inotify fd
    for (let i = 0; i < 20_000; i++) closeSync(openSync(join(target, `n${i}`), 'w'));
    if (running.pid !== undefined) process.kill(running.pid, 'SIGCONT');
    last = Date.now();
    while (Date.now() - last < 1500) await sleep(100);
    rmSync(target, { recursive: true });
    return { events, overflowSeen, errors };
  });
}

async function main(): Promise<void> {
  const samples = Number(process.argv[2] ?? 200);
  const scratch = mkdtempSync(join(tmpdir(), 'clsync-watch-bench-'));
  try {
    const small = join(scratch, 'etc');
    mkdirSync(small);
    const smallDirs = makeTree(small, 40);
    const big = join(scratch, 'big');
    mkdirSync(big);
    const bigDirs = makeTree(big, 2000);
    const maxQueued = readFileSync('/proc/sys/fs/inotify/max_queued_events', 'utf8').trim();
    console.log(
      `# watch candidates — ${samples} samples, node ${process.version}, ${python}, max_queued_events=${maxQueued}\n`,
    );
    console.log(
      '| candidate | latency p50 ms | p90 ms | max ms | close-write p50 ms | idle CPU 10 s (node / helper) ms | watch 2,001 dirs ms | helper RSS KiB |',
    );
    console.log('|---|---|---|---|---|---|---|---|');
    const behaviour: string[] = [];
    for (const candidate of candidates) {
      const latency = await measureLatency(candidate, small, smallDirs, samples);
      const first = [...latency.firstMs].sort((a, b) => a - b);
      const close = [...latency.closeMs].sort((a, b) => a - b);
      const idle = await measureIdle(candidate, smallDirs, 10);
      const startup = await measureStartup(candidate, bigDirs);
      const f = (n: number): string => (Number.isNaN(n) ? '–' : n.toFixed(3));
      console.log(
        `| ${candidate.name} | ${f(percentile(first, 0.5))} | ${f(percentile(first, 0.9))} | ${f(first.at(-1) ?? NaN)} | ` +
          `${close.length === 0 ? 'never seen' : f(percentile(close, 0.5))} | ` +
          `${idle.nodeMs.toFixed(0)} / ${idle.childMs?.toFixed(0) ?? '–'} | ${startup.ms.toFixed(0)} | ${startup.childRssKiB ?? '–'} |`,
      );
      if (first.length < samples)
        behaviour.push(`${candidate.name}: only ${first.length} of ${samples} writes seen within 1 s`);
      const slow = await observeSlowWriter(candidate, small, smallDirs);
      const overflow = await observeOverflow(candidate, smallDirs, join(scratch, 'flood'));
      behaviour.push(
        `${candidate.name}: slow writer (write, 200 ms, write, 200 ms, close) → ${slow || 'nothing'}; ` +
          `20,000 creations unread → ${overflow.events} events, overflow ${overflow.overflowSeen ? 'REPORTED' : 'NOT reported'}` +
          `${overflow.errors.length > 0 ? `, errors: ${overflow.errors.join('; ')}` : ', no error'}`,
      );
    }
    console.log('');
    for (const line of behaviour) console.log(`- ${line}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
