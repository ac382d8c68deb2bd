/**
 * Complete lines from a byte stream in linear time and bounded memory: a step's output, `clawfix
 * logs`, a log given to `triage`. What a host sends is not trusted to be short: a line longer than
 * `maxLineBytes` is cut there and marked, and nothing beyond that is kept while waiting for its end.
 */

/** Long enough for any real log line (JSON lines with a stack included), short enough to print. */
export const MAX_LINE_BYTES = 64 * 1024;

export function cutMarker(bytes: number): string {
  return ` … [line cut: ${bytes} bytes]`;
}

/** cutMarker's text at the end of a line, for a reader that must keep it apart. */
export const CUT_MARKER = / … \[line cut: \d+ bytes\]$/;

export class LineSplitter {
  /** The start of the line under way, at most maxLineBytes in all. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes of the current line seen so far (kept or not). */
  private lineBytes = 0;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineBytes = MAX_LINE_BYTES,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      this.keep(chunk.subarray(start, nl));
      this.emit(true);
      start = nl + 1;
    }
    if (start < chunk.length) this.keep(chunk.subarray(start));
  }

  end(): void {
    if (this.lineBytes > 0) this.emit(false);
  }

  /** Bytes held while a line is under way: never more than maxLineBytes, however long the line. */
  get heldBytes(): number {
    return this.pendingBytes;
  }

  private keep(part: Buffer): void {
    this.lineBytes += part.length;
    const room = this.maxLineBytes - this.pendingBytes;
    if (room <= 0 || part.length === 0) return;
    // a copy: the caller may reuse its chunk's memory
    const kept = Buffer.from(part.subarray(0, room));
    this.pending.push(kept);
    this.pendingBytes += kept.length;
  }

  private emit(complete: boolean): void {
    const bytes = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    const cut = this.lineBytes > this.maxLineBytes;
    let text = (cut ? bytes.subarray(0, utf8Boundary(bytes)) : bytes).toString('utf8');
    if (complete && !cut) text = text.replace(/\r$/, '');
    this.pending = [];
    this.pendingBytes = 0;
    const total = this.lineBytes;
    this.lineBytes = 0;
    this.onLine(cut ? `${text}${cutMarker(total)}` : text);
  }
}

/** The length of `bytes` without a UTF-8 character cut in two at its end. */
function utf8Boundary(bytes: Buffer): number {
  let end = bytes.length;
  let back = 0;
  while (end - back - 1 >= 0 && back < 3 && (bytes[end - back - 1]! & 0xc0) === 0x80) back += 1;
  const lead = bytes[end - back - 1];
  if (lead === undefined) return end;
  const size = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return size > back + 1 ? end - back - 1 : end;
}
