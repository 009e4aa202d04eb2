// scripts/warmup-ssh-server.mjs - a throwaway ssh server on loopback for the code-cache warm-up in
// scripts/bundle.mjs: one push of the real binary to it compiles ssh2's key exchange, host key
// check, public key authentication and the SFTP requests of a file write, which a failing connect
// never reaches (measured: the binary then starts a 1 x 4 KiB push to 8 nodes about 20 ms sooner).
// It stores nothing: its SFTP side answers every request with success, a directory for stat, and
// a handle for open, in SFTP v3 with the OpenSSH extensions the copier needs. Build-time only.
import ssh2 from 'ssh2';
// ssh2's generateKeyPairSync now and then makes a key its own parseKey rejects; this draws again
// (built by tsc before this script runs)
import { generateKeyPair } from '../dist/test/helpers/ssh-keys.js';

const FXP = {
  INIT: 1,
  VERSION: 2,
  OPEN: 3,
  LSTAT: 7,
  FSTAT: 8,
  STAT: 17,
  STATUS: 101,
  HANDLE: 102,
  ATTRS: 105,
};
const EXTENSIONS = [
  'posix-rename@openssh.com',
  'fsync@openssh.com',
  'lsetstat@openssh.com',
  'statvfs@openssh.com',
];
const ATTR_PERMISSIONS = 0x4;

/** Listens on 127.0.0.1 (a free port); resolves with what a client needs to trust it. */
export async function startWarmupServer() {
  const hostKey = generateKeyPair();
  const server = new ssh2.Server({ hostKeys: [hostKey.private] }, (client) => {
    client.on('error', () => undefined);
    client.on('authentication', (ctx) =>
      ctx.method === 'publickey' ? ctx.accept() : ctx.reject(['publickey']),
    );
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('subsystem', (accept, reject, info) =>
          info.name === 'sftp' ? serveSftp(accept()) : reject(),
        );
      });
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  const publicKey = hostKey.public.split(' ').slice(0, 2).join(' ');
  return {
    port,
    knownHostsLine: `[127.0.0.1]:${port} ${publicKey}\n`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function serveSftp(channel) {
  let pending = Buffer.alloc(0);
  let handles = 0;
  channel.on('data', (data) => {
    pending = Buffer.concat([pending, data]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
      const packet = pending.subarray(4, 4 + pending.readUInt32BE(0));
      pending = pending.subarray(4 + packet.length);
      channel.write(answer(packet, () => handles++));
    }
  });
}

function answer(packet, nextHandle) {
  const type = packet[0];
  if (type === FXP.INIT) {
    return frame(FXP.VERSION, u32(3), ...EXTENSIONS.flatMap((name) => [str(name), str('1')]));
  }
  const id = u32(packet.readUInt32BE(1));
  switch (type) {
    case FXP.OPEN:
      return frame(FXP.HANDLE, id, str(String(nextHandle())));
    case FXP.STAT:
    case FXP.LSTAT:
    case FXP.FSTAT:
      return frame(FXP.ATTRS, id, u32(ATTR_PERMISSIONS), u32(0o40755));
    default:
      return frame(FXP.STATUS, id, u32(0), str('Success'), str(''));
  }
}

function frame(type, ...parts) {
  const body = Buffer.concat([Buffer.from([type]), ...parts]);
  return Buffer.concat([u32(body.length), body]);
}

function u32(n) {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function str(s) {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([u32(b.length), b]);
}
