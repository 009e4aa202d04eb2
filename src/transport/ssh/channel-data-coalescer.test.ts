import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import type { SFTPWrapper } from 'ssh2';
import { ChannelDataCoalescer } from './channel-data-coalescer.js';
import { SftpSession } from './sftp-session.js';

type Sent = [channel: number, text: string];

function recorder(maxPacket = 64): { sent: Sent[]; coalescer: ChannelDataCoalescer } {
  const sent: Sent[] = [];
  const coalescer = new ChannelDataCoalescer(
    (channel, data) => sent.push([channel, data.toString()]),
    maxPacket,
  );
  return { sent, coalescer };
}

describe('ChannelDataCoalescer', () => {
  it('sends the queued payloads as one, in order, on flush', () => {
    const { sent, coalescer } = recorder();
    coalescer.add(3, Buffer.from('open;'));
    coalescer.add(3, Buffer.from('write;'));
    coalescer.add(3, Buffer.from('close;'));
    assert.deepEqual(sent, []);
    assert.equal(coalescer.pendingBytes, 17);
    coalescer.flush();
    assert.deepEqual(sent, [[3, 'open;write;close;']]);
    assert.equal(coalescer.pendingBytes, 0);
    coalescer.flush();
    assert.equal(sent.length, 1, 'nothing left to send');
  });

  it('never makes a packet bigger than the peer allows', () => {
    const { sent, coalescer } = recorder(16);
    for (const word of ['aaaaa', 'bbbbb', 'ccccc', 'ddddd']) coalescer.add(0, Buffer.from(word));
    coalescer.flush();
    assert.deepEqual(sent, [
      [0, 'aaaaabbbbbccccc'],
      [0, 'ddddd'],
    ]);
    for (const [, text] of sent) assert.ok(text.length <= 16);
  });

  it('sends a bulk payload at once, after what was queued before it', () => {
    const { sent, coalescer } = recorder(16);
    coalescer.add(0, Buffer.from('small'));
    coalescer.add(0, Buffer.from('x'.repeat(12)));
    assert.deepEqual(sent, [
      [0, 'small'],
      [0, 'x'.repeat(12)],
    ]);
  });

  it('keeps the order when a bulk payload would have fitted next to the queued ones', () => {
    // the tail of one 64 KiB SFTP write, then the first piece of the next one (found by the bench:
    // sftp-server read a length out of the middle of a write and quit, "bad message", exit 11)
    const { sent, coalescer } = recorder(64);
    coalescer.add(0, Buffer.from('tail;'));
    coalescer.add(0, Buffer.from('B'.repeat(40)));
    coalescer.add(0, Buffer.from('open;'));
    coalescer.flush();
    assert.deepEqual(sent, [
      [0, 'tail;'],
      [0, 'B'.repeat(40)],
      [0, 'open;'],
    ]);
  });

  it('whatever the sizes, the bytes leave in the order they came, in packets no bigger than allowed', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 200; round++) {
      const maxPacket = 8 + random(120);
      const sent: Buffer[] = [];
      const coalescer = new ChannelDataCoalescer((_, data) => sent.push(Buffer.from(data)), maxPacket);
      const input: Buffer[] = [];
      for (let i = 0; i < 30; i++) {
        const piece = Buffer.alloc(1 + random(maxPacket), i);
        input.push(piece);
        coalescer.add(0, piece);
        if (random(5) === 0) coalescer.flush();
      }
      coalescer.flush();
      assert.deepEqual(Buffer.concat(sent), Buffer.concat(input), `round ${round}`);
      for (const packet of sent)
        assert.ok(packet.length <= maxPacket, `round ${round}: ${packet.length} > ${maxPacket}`);
    }
  });

  it('keeps channels apart', () => {
    const { sent, coalescer } = recorder();
    coalescer.add(1, Buffer.from('one'));
    coalescer.add(2, Buffer.from('two'));
    coalescer.add(2, Buffer.from('2'));
    coalescer.flush();
    assert.deepEqual(sent, [
      [1, 'one'],
      [2, 'two2'],
    ]);
  });
});

/** Enough of ssh2's SFTP object for SftpSession: each request is one channelData call. */
class FakeSftp extends EventEmitter {
  readonly log: string[] = [];
  readonly outgoing = { id: 7, packetSize: 1024 };
  readonly _protocol = {
    channelData: (channel: number, data: Buffer): void => {
      this.log.push(`data ${channel} ${data.toString()}`);
    },
    channelClose: (channel: number): void => {
      this.log.push(`close ${channel}`);
    },
  };
  private readonly callbacks: ((err: unknown) => void)[] = [];

  private send(text: string, cb: (err: unknown) => void): void {
    this.callbacks.push(cb);
    (this._protocol.channelData as (c: number, d: Buffer) => void)(this.outgoing.id, Buffer.from(text));
  }
  unlink(path: string, cb: (err: unknown) => void): void {
    this.send(`unlink ${path};`, cb);
  }
  rmdir(path: string, cb: (err: unknown) => void): void {
    this.send(`rmdir ${path};`, cb);
  }
  end(): void {
    (this._protocol.channelClose as (c: number) => void)(this.outgoing.id);
  }
  answerAll(): void {
    for (const cb of this.callbacks.splice(0)) cb(undefined);
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('SftpSession request coalescing', () => {
  it('sends the requests of one tick as one packet, and the socket write is corked around it', async () => {
    const sftp = new FakeSftp();
    const corks: string[] = [];
    const socket = { cork: () => corks.push('cork'), uncork: () => corks.push('uncork') };
    const session = new SftpSession(sftp as unknown as SFTPWrapper, { stallTimeoutMs: 5000, socket });
    const done = Promise.all([session.unlink('/a'), session.unlink('/b c'), session.rmdir('/d')]);
    assert.deepEqual(sftp.log, [], 'nothing leaves before the end of the tick');
    await tick();
    assert.deepEqual(sftp.log, ['data 7 unlink /a;unlink /b c;rmdir /d;']);
    assert.deepEqual(corks, ['cork', 'uncork']);
    sftp.answerAll();
    await done;
    session.end();
  });

  it('lets no close overtake the requests queued before it', () => {
    const sftp = new FakeSftp();
    const session = new SftpSession(sftp as unknown as SFTPWrapper, { stallTimeoutMs: 5000 });
    void session.unlink('/a').catch(() => undefined);
    session.end();
    assert.deepEqual(sftp.log, ['data 7 unlink /a;', 'close 7']);
    session.kill(new Error('test over'));
  });

  it('flushes before data for another channel', () => {
    const sftp = new FakeSftp();
    const session = new SftpSession(sftp as unknown as SFTPWrapper, { stallTimeoutMs: 5000 });
    void session.unlink('/a').catch(() => undefined);
    (sftp._protocol.channelData as (c: number, d: Buffer) => void)(9, Buffer.from('exec data'));
    assert.deepEqual(sftp.log, ['data 7 unlink /a;', 'data 9 exec data']);
    session.kill(new Error('test over'));
  });

  it('drops what is queued once the session is dead (the connection is being torn down)', async () => {
    const sftp = new FakeSftp();
    const session = new SftpSession(sftp as unknown as SFTPWrapper, { stallTimeoutMs: 5000 });
    const lost = session.unlink('/a');
    session.kill(new Error('connection lost'));
    await assert.rejects(lost, /connection lost/);
    await tick();
    assert.deepEqual(sftp.log, []);
  });

  it('sends one packet per request when ssh2 lacks the expected internals', async () => {
    const sftp = new FakeSftp();
    (sftp.outgoing as { packetSize: unknown }).packetSize = undefined;
    const session = new SftpSession(sftp as unknown as SFTPWrapper, { stallTimeoutMs: 5000 });
    void session.unlink('/a');
    void session.unlink('/b');
    assert.deepEqual(sftp.log, ['data 7 unlink /a;', 'data 7 unlink /b;']);
    sftp.answerAll();
    await tick();
    session.end();
  });
});
