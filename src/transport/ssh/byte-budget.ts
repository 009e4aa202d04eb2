// Bounds the bytes a host has in flight (written, not yet acknowledged), so pipelining large files
// to many hosts at once cannot buffer unbounded data in ssh2's channel queue.
export class ByteBudget {
  private used = 0;
  private readonly waiters: { n: number; resolve: () => void }[] = [];

  constructor(private readonly limit: number) {}

  /** Resolves when `n` more bytes fit; a request larger than the whole budget waits for an empty budget. */
  acquire(n: number): Promise<void> {
    if (this.fits(n) && this.waiters.length === 0) {
      this.used += n;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  release(n: number): void {
    this.used -= n;
    while (this.waiters.length > 0) {
      const next = this.waiters[0];
      if (next === undefined || !this.fits(next.n)) break;
      this.waiters.shift();
      this.used += next.n;
      next.resolve();
    }
  }

  private fits(n: number): boolean {
    return this.used === 0 || this.used + n <= this.limit;
  }
}
