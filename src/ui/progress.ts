import { clip, dim } from './style.js';

/**
 * Per-host progress on stderr: on a terminal, one line per host redrawn in place; otherwise one
 * plain line each time a host finishes, so logs and CI output stay readable.
 */
export class Progress {
  private readonly lines = new Map<string, string>();
  private drawn = 0;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly live: boolean;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    options: { quiet?: boolean } = {},
  ) {
    this.quiet = options.quiet ?? false;
    this.live = Boolean(stream.isTTY) && !this.quiet;
  }

  private readonly quiet: boolean;

  update(host: string, text: string): void {
    if (this.stopped) return;
    this.lines.set(host, `${host}  ${dim(text)}`);
    this.schedule();
  }

  /** A final line for the host; printed at once when not on a terminal. */
  done(host: string, text: string): void {
    // A host still winding down after Ctrl-C must not print under the final report.
    if (this.stopped) return;
    const line = `${host}  ${text}`;
    this.lines.set(host, line);
    if (!this.live) {
      if (!this.quiet) this.stream.write(`${line}\n`);
      return;
    }
    this.schedule();
  }

  /** Clears the live block so that the final report replaces it. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.live) this.erase();
  }

  private schedule(): void {
    if (!this.live || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.draw();
    }, 60);
  }

  private draw(): void {
    this.erase();
    const columns = this.stream.columns || 80;
    const rows = Math.max(3, (this.stream.rows || 24) - 2);
    let shown = [...this.lines.values()];
    if (shown.length > rows) shown = [...shown.slice(0, rows - 1), dim(`… ${shown.length - rows + 1} more`)];
    const text = shown.map((line) => clip(line, columns - 1)).join('\n');
    this.stream.write(`${text}\n`);
    this.drawn = shown.length;
  }

  private erase(): void {
    if (this.drawn > 0) this.stream.write(`\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }
}
