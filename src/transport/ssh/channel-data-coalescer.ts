// SFTP is a byte stream inside one SSH channel, and ssh2 sends every SFTP request as its own
// CHANNEL_DATA packet: a small file is five requests (open, write, fsync, fsetstat, close), so
// five packets to encrypt here, five for sshd to decrypt and five writes into sftp-server's pipe,
// on the same few cores. This gathers the requests issued in one tick into as few packets as the
// node's maximum packet size allows; the bytes on the channel, their order and ssh2's window
// accounting stay what they were, only the packet boundaries move.

/** The one call of ssh2's Protocol that is coalesced. */
export type SendChannelData = (channel: number, data: Buffer) => void;

export class ChannelDataCoalescer {
  private channel = -1;
  private chunks: Buffer[] = [];
  private length = 0;

  /**
   * `send` is the real channelData; `maxPacket` is the peer's maximum packet size for the
   * channel (ssh2 never hands over more than that in one call).
   */
  constructor(
    private readonly send: SendChannelData,
    private readonly maxPacket: number,
  ) {}

  get pendingBytes(): number {
    return this.length;
  }

  /** Queue `data` for `channel`; a full packet's worth goes out at once. */
  add(channel: number, data: Buffer): void {
    if (data.length * 2 >= this.maxPacket) {
      // a bulk write: nothing to gain, and not worth a copy; what was queued goes first
      this.flush();
      this.send(channel, data);
      return;
    }
    if (this.chunks.length > 0 && (channel !== this.channel || this.length + data.length > this.maxPacket))
      this.flush();
    this.channel = channel;
    this.chunks.push(data);
    this.length += data.length;
  }

  /** Send what is queued, as one packet. */
  flush(): void {
    const { chunks } = this;
    if (chunks.length === 0) return;
    const data = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, this.length);
    this.chunks = [];
    this.length = 0;
    this.send(this.channel, data);
  }
}
