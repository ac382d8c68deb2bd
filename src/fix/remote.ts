/**
 * The one place a fix runs commands on its host: wraps each command for the right user (or
 * container), streams its output line by line with control sequences removed and numbers masked,
 * and, for rollback, opens a new connection once when the old one was lost.
 */
import { ClawfixError, ExitCode } from '../errors.js';
import { asServiceUser } from '../probe/run.js';
import { ShellFragment, sh } from '../shell.js';
import { printableLines } from '../ui/printable.js';
import { LineSplitter } from '../lines.js';
import { isSshError } from '../ssh/errors.js';
import type { ExecOptions, ExecResult, Transport } from '../transport/types.js';
import { preamble, type RemoteCommand } from './commands.js';
import type { FixTarget } from './target.js';

/** A step that failed on the host: exit 4, with the command's last lines in the message. */
export class StepFailed extends ClawfixError {
  constructor(message: string, readonly result?: ExecResult) {
    super('FIX_STEP_FAILED', message, { exitCode: ExitCode.NEEDS_ATTENTION });
    this.name = 'StepFailed';
  }
}

export interface RunOptions {
  onLine?: (line: string) => void;
  stdin?: string | Buffer;
  pty?: ExecOptions['pty'];
  onStdout?: (chunk: Buffer) => void;
  maxOutputBytes?: number;
  /** Usually the session's Ctrl-C signal; rollback runs without one. */
  signal?: AbortSignal;
}

export interface RemoteHostOptions {
  reconnect?: () => Promise<Transport>;
  /** --verbose: each remote command as sent. */
  onCommand?: (text: string) => void;
  showNumbers?: boolean;
}

export class RemoteHost {
  constructor(
    private transport: Transport,
    readonly target: FixTarget,
    private readonly options: RemoteHostOptions = {},
  ) {}

  get connection(): Transport {
    return this.transport;
  }

  /** The exact text sent to the host's shell. */
  wrap(command: RemoteCommand): string {
    if (command.as === 'login') return command.script;
    const { host } = this.target;
    return asServiceUser(host, host.user, sh`${preamble(this.target)}${new ShellFragment(command.script)}`).text;
  }

  async run(command: RemoteCommand, options: RunOptions = {}): Promise<ExecResult> {
    const text = this.wrap(command);
    this.options.onCommand?.(text);
    const lines = options.onLine ? new LineSplitter((line) => options.onLine!(this.clean(line))) : undefined;
    const result = await this.transport.exec(text, {
      ...(command.timeoutMs ? { timeoutMs: command.timeoutMs } : {}),
      ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
      ...(options.pty ? { pty: options.pty } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.maxOutputBytes ? { maxOutputBytes: options.maxOutputBytes } : {}),
      onStdout: (chunk) => {
        options.onStdout?.(chunk);
        lines?.push(chunk);
      },
      onStderr: (chunk) => lines?.push(chunk),
    });
    lines?.end();
    return result;
  }

  /** Like run, but a failure (non-zero, timeout, killed) throws StepFailed with what the command said. */
  async ok(command: RemoteCommand, what: string, options: RunOptions = {}): Promise<ExecResult> {
    const result = await this.run(command, options);
    if (result.exitCode === 0 && !result.timedOut) return result;
    throw new StepFailed(`${what} failed on ${this.target.host.name}: ${this.describe(result)}`, result);
  }

  /** Rollback must reach the host even after the link dropped: one fresh connection is tried. */
  async runRecovering(command: RemoteCommand, options: RunOptions = {}): Promise<ExecResult> {
    try {
      return await this.run(command, options);
    } catch (error) {
      if (!isSshError(error, 'connection-lost') || !this.options.reconnect) throw error;
      await this.transport.close().catch(() => undefined);
      this.transport = await this.options.reconnect();
      return this.run(command, options);
    }
  }

  async download(remotePath: string, localPath: string): Promise<void> {
    if (!this.transport.download) throw new StepFailed('this connection cannot download files');
    await this.transport.download(remotePath, localPath);
  }

  describe(result: ExecResult): string {
    const why = result.timedOut ? 'timed out' : result.exitCode === null ? `killed (${result.signal ?? 'no exit status'})` : `exit ${result.exitCode}`;
    const tail = this.clean(`${result.stderr}\n${result.stdout}`).split('\n').map((l) => l.trim()).filter(Boolean).slice(-3).join(' / ');
    return tail ? `${why}: ${tail}` : why;
  }

  /** What the host printed, fit for the terminal (src/ui/printable.ts). */
  clean(text: string): string {
    return printableLines(text, { showNumbers: this.options.showNumbers === true });
  }
}
