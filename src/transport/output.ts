/** Bounded collection of a command's output, shared by the SSH and local transports. */

export class OutputCollector {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(
    private readonly limit: number,
    private readonly onChunk?: (chunk: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    // Streaming callers see everything; only what is kept in memory is bounded.
    this.onChunk?.(chunk);
    const room = this.limit - this.size;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.size += kept.length;
  }

  /** Decoded once at the end, so a multi-byte character split across chunks stays whole. */
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
