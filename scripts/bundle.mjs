// scripts/bundle.mjs - run by `npm run build` after tsc: the CLI as one CommonJS file plus its
// V8 code cache, which is what the installed binary runs (src/cli/launch.cts says why).
//   dist/bundle/clsync-hpc.js          dist/src/cli/main.js and everything it imports (ssh2, execa…)
//   dist/bundle/stat-worker.js         the scan's worker thread (stat-pool.ts starts it by URL)
//   dist/bundle/*.node                 ssh2's native crypto and cpu-features, copied
//   dist/bundle/tree-lister.node       native/tree-lister.c as npm ci built it (if it could)
//   dist/bundle/clsync-hpc.js.v8cache  what warm-up runs compiled (see below)
//   dist/bundle/package.json           {"type": "commonjs"}: the .js files here are CommonJS
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { generateKeyPair } from '../dist/test/helpers/ssh-keys.js';
import { startWarmupServer } from './warmup-ssh-server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'bundle');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// Two CPU costs of ssh2 are cut in the bundle by rewriting a few of its lines:
// - its packet ciphers take their padding bytes from a pool (src/transport/ssh/padding-random.ts);
// - its sign/verify get KeyObjects instead of PEM strings (src/transport/ssh/pem-key-objects.ts).
// The build fails if ssh2's source no longer has a line that is replaced.
// (Tried and left out: skipping ssh2's automatic hostkeys-prove request, which costs the node a
// signature and us a verification per connection. Without that request the channel-open
// confirmation came ~40 ms later, a one-shot push to 8 nodes took 25 ms longer: by the look of
// it our delayed ACK meeting Nagle in sshd, which sets TCP_NODELAY for interactive sessions only.)
const ours = (module) => JSON.stringify(join(root, 'dist/src/transport/ssh', module));
const ssh2Patches = {
  'crypto.js': [
    [
      "createHmac, randomFillSync, timingSafeEqual\n} = require('crypto');",
      `createHmac, timingSafeEqual\n} = require('crypto');\nconst { randomFillSync } = require(${ours('padding-random.js')});`,
    ],
  ],
  'keyParser.js': [
    [
      "const { Ber } = require('asn1');",
      `const { Ber } = require('asn1');\nconst { keyObjectForPem } = require(${ours('pem-key-objects.js')});`,
    ],
    ['return sign_(algo, data, pem);', 'return sign_(algo, data, keyObjectForPem(pem, true));'],
    [
      'return verify_(algo, data, pem, signature);',
      'return verify_(algo, data, keyObjectForPem(pem, false), signature);',
    ],
  ],
};
const ssh2Patched = {
  name: 'ssh2-patched',
  setup(build) {
    build.onLoad({ filter: /[\\/]ssh2[\\/]lib[\\/]protocol[\\/](crypto|keyParser)\.js$/ }, (args) => {
      let contents = readFileSync(args.path, 'utf8');
      for (const [from, to] of ssh2Patches[args.path.replace(/.*[\\/]/, '')]) {
        if (contents.split(from).length !== 2)
          throw new Error(
            `${args.path}: expected exactly one ${JSON.stringify(from)}; update scripts/bundle.mjs`,
          );
        contents = contents.replace(from, to);
      }
      return { contents, loader: 'js' };
    });
  },
};

await esbuild.build({
  entryPoints: {
    'clsync-hpc': join(root, 'dist/src/cli/main.js'),
    'stat-worker': join(root, 'dist/src/tree/stat-worker.js'),
  },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outdir: out,
  // ssh2 loads its native crypto with require('./crypto/build/Release/sshcrypto.node')
  loader: { '.node': 'copy' },
  // stat-pool.ts and version.ts find their neighbours from import.meta.url
  define: { 'import.meta.url': '__bundle_url' },
  banner: { js: 'var __bundle_url = require("node:url").pathToFileURL(__filename).href;' },
  // import.meta.resolve is only reached when running the TypeScript sources under tsx
  logOverride: { 'empty-import-meta': 'silent' },
  logLevel: 'warning',
  legalComments: 'none',
  plugins: [ssh2Patched],
});
// One non-ASCII character anywhere (esbuild escapes strings, not the comments it keeps) makes V8
// hold the whole 1.6 MB source as a two-byte string, and makes the launcher's utf8 read 4 ms
// slower. \uXXXX means the same inside comments, strings and regular expressions.
for (const file of ['clsync-hpc.js', 'stat-worker.js']) {
  const path = join(out, file);
  const text = readFileSync(path, 'utf8');
  const ascii = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (ascii !== text) writeFileSync(path, ascii);
}
writeFileSync(join(out, 'package.json'), '{ "type": "commonjs" }\n');
// tree-lister-addon.ts looks next to the bundle first; without a build, scans use find(1)
const treeLister = join(root, 'build', 'Release', 'tree_lister.node');
if (existsSync(treeLister)) copyFileSync(treeLister, join(out, 'tree-lister.node'));

// The code cache: what warm-up runs of the real binary compiled, so that it holds the functions a
// cron run uses and not the whole bundle (an eagerly compiled cache is 2.4 times bigger and made a
// 1 x 4 KiB push to 8 nodes 50 ms slower to start). The runs touch only a temp dir and loopback:
// a local-transport push and its no-change rerun, a dry run with the example rules, an ssh push
// to a closed loopback port (key parsing, connect and failure paths) and one to a throwaway ssh
// server on loopback (key exchange, authentication, the SFTP requests of a write).
const launcher = join(root, 'dist', 'src', 'cli', 'launch.cjs');
const work = mkdtempSync(join(tmpdir(), 'clsync-hpc-warmup-'));
// A machine that cannot listen on loopback still gets a cache, without the handshake paths.
const server = await startWarmupServer().catch((error) => {
  console.warn(
    `bundle: no loopback ssh server for the warm-up (${error.message}); the code cache lacks the ssh push paths`,
  );
  return undefined;
});
try {
  const tree = join(work, 'etc');
  mkdirSync(join(tree, 'ssh'), { recursive: true });
  writeFileSync(join(tree, 'passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  writeFileSync(join(tree, 'ssh', 'sshd_config'), 'PermitRootLogin prohibit-password\n');
  symlinkSync('passwd', join(tree, 'passwd-'));
  const key = generateKeyPair();
  writeFileSync(join(work, 'id_ed25519'), key.private, { mode: 0o600 });
  writeFileSync(join(work, 'known_hosts'), server?.knownHostsLine ?? '');
  writeFileSync(
    join(work, 'ssh_config'),
    `Host warmup\n  HostName 127.0.0.1\n  Port 9\nHost warmup-ok\n  HostName 127.0.0.1\n  Port ${server?.port ?? 9}\n`,
  );
  const ssh = [
    '--transport',
    'ssh',
    '--once',
    '--retries',
    '0',
    '--connect-timeout',
    '2',
    '--ssh-config',
    join(work, 'ssh_config'),
    '-i',
    join(work, 'id_ed25519'),
    '--known-hosts',
    join(work, 'known_hosts'),
  ];
  const common = ['-W', tree, '-D', '/srv/warmup', '--state-dir', join(work, 'state'), '-q'];
  const local = [
    ...common,
    '-w',
    'n[1-2]',
    '--transport',
    'local',
    '--local-root',
    join(work, 'nodes'),
    '--once',
  ];
  const runs = [
    { args: ['--help'], ok: [0] },
    { args: local, ok: [0] },
    { args: local, ok: [0] },
    {
      args: [
        ...local,
        '--dry-run',
        '-R',
        join(root, 'rules', 'etc-common.rules'),
        '--report',
        join(work, 'r.json'),
      ],
      ok: [0],
    },
    { args: [...common, '-w', 'warmup', ...ssh], ok: [1] },
    ...(server === undefined
      ? []
      : [{ args: [...common, '--state-dir', join(work, 'ssh-state'), '-w', 'warmup-ok', ...ssh], ok: [0] }]),
  ];
  for (const { args, ok } of runs) {
    // asynchronous: the warm-up ssh server answers from this process
    const { status, stderr } = await runLauncher(args);
    if (!ok.includes(status)) {
      throw new Error(`warm-up run failed (exit ${status}): clsync-hpc ${args.join(' ')}\n${stderr}`);
    }
  }
} finally {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
}

function runLauncher(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [launcher, ...args], {
      env: { ...process.env, CLSYNC_HPC_CODE_CACHE: 'write' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text) => (stderr += text));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ status: code ?? signal, stderr }));
  });
}
