/**
 * Reading what a user points clawfix at (a hosts file, a log, a status output) with a byte cap:
 * `/dev/zero`, a FIFO that never ends or a 50 GB file ends in a clear error, not a RangeError or
 * an exhausted heap.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';

/** Streams `input` to `onChunk`; stops and returns false as soon as more than `maxBytes` arrived. */
export async function consumeCapped(input: Readable, maxBytes: number, onChunk: (chunk: Buffer) => void): Promise<boolean> {
  let size = 0;
  try {
    for await (const data of input) {
      const chunk = typeof data === 'string' ? Buffer.from(data) : (data as Buffer);
      size += chunk.length;
      if (size > maxBytes) return false;
      onChunk(chunk);
    }
    return true;
  } finally {
    // stdin is the user's: left open; a file stream is closed at once (also on an early return)
    if (input !== process.stdin) input.destroy();
  }
}

/** A whole file as bytes, or null when it is larger than `maxBytes` (`-` is a file name here, not stdin). */
export async function readCapped(path: string, maxBytes: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  const input = createReadStream(path, { highWaterMark: 64 * 1024 });
  const whole = await consumeCapped(input, maxBytes, (chunk) => chunks.push(chunk));
  return whole ? Buffer.concat(chunks) : null;
}

export function mebibytes(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MB`;
}
