/** Running one command on an ssh2 session channel, and SFTP downloads. */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Client, ClientChannel, PseudoTtyOptions, SFTPWrapper } from 'ssh2';
import { connectionLostError, describeTarget, oneLine, SshError, type SshTarget } from '../ssh/errors.js';
import { OutputCollector } from './output.js';
import { DEFAULT_MAX_OUTPUT_BYTES, type ExecOptions, type ExecResult } from './types.js';

/** How long to wait for the channel to close after KILL before reporting anyway (a hung server). */
const KILL_GRACE_MS = 2000;
/** SIGTERM first, so the remote shell's traps can clean up (temp files, a container's copy); then SIGKILL. */
const TERM_GRACE_MS = 300;

export interface ExecContext {
  client: Client;
  target: SshTarget;
  /** Why the connection is gone, if it is. */
  lost: () => string | undefined;
}

interface ChannelInternals {
  outgoing?: { id: number; state: string };
  _client?: { _protocol?: { signal(channelId: number, name: string): void } };
}

/**
 * ssh2's channel.signal() silently does nothing once our side has sent EOF, which is always the
 * case for a command without stdin; the request is still valid then (RFC 4254 6.9), so send it
 * through the protocol object directly.
 */
function sendSignal(channel: ClientChannel, name: string): void {
  const { outgoing, _client } = channel as unknown as ChannelInternals;
  const protocol = _client?._protocol;
  if (outgoing !== undefined && protocol !== undefined && (outgoing.state === 'open' || outgoing.state === 'eof')) {
    protocol.signal(outgoing.id, name);
  } else {
    channel.signal(name);
  }
}

function ptyOptions(pty: ExecOptions['pty']): PseudoTtyOptions | undefined {
  if (pty === undefined || pty === false) return undefined;
  return pty === true ? { term: 'xterm-256color' } : { cols: pty.cols, rows: pty.rows, term: 'xterm-256color' };
}

export function runExec(ctx: ExecContext, command: string, options: ExecOptions = {}): Promise<ExecResult> {
  const started = performance.now();
  const limit = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const stdout = new OutputCollector(limit, options.onStdout);
  const stderr = new OutputCollector(limit, options.onStderr);
  const pty = ptyOptions(options.pty);

  return new Promise<ExecResult>((resolve, reject) => {
    let channel: ClientChannel | undefined;
    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    let timedOut = false;
    let interrupted = false;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let grace: NodeJS.Timeout | undefined;

    const result = (extraStderr = ''): ExecResult => ({
      command,
      stdout: stdout.text(),
      stderr: stderr.text() + extraStderr,
      exitCode,
      signal: exitSignal,
      durationMs: Math.round(performance.now() - started),
      timedOut,
      truncated: stdout.truncated || stderr.truncated,
    });
    const settle = (outcome: () => void): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(grace);
      options.signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    const finish = (): void => {
      const lost = ctx.lost();
      // A channel torn down with the connection has no answer to give: that is not a command result.
      if (lost !== undefined && exitCode === null && exitSignal === null && !timedOut && !interrupted) {
        return settle(() => reject(connectionLostError(ctx.target, lost)));
      }
      settle(() => resolve(result()));
    };
    const kill = (): void => {
      if (channel === undefined) return finish();
      const ch = channel;
      try {
        sendSignal(ch, 'TERM');
      } catch {
        // the channel may already be gone; the grace timer reports either way
      }
      grace = setTimeout(() => {
        try {
          sendSignal(ch, 'KILL');
          ch.close();
        } catch {
          // as above
        }
        grace = setTimeout(finish, KILL_GRACE_MS);
      }, TERM_GRACE_MS);
    };
    const onAbort = (): void => {
      interrupted = true;
      kill();
    };

    if (options.timeoutMs !== undefined && options.timeoutMs > 0) {
      timer = setTimeout(() => {
        timedOut = true;
        kill();
      }, options.timeoutMs);
    }
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const onChannel = (error: Error | undefined, ch: ClientChannel): void => {
      if (error) {
        const lost = ctx.lost();
        if (lost !== undefined) return settle(() => reject(connectionLostError(ctx.target, lost)));
        // The link is fine but the server refused a session (MaxSessions, policy): a failed command.
        return settle(() => resolve(result(`clawfix: the server refused a session channel: ${oneLine(error.message)}\n`)));
      }
      channel = ch;
      if (done) return void ch.close();
      ch.on('data', (chunk: Buffer) => stdout.push(chunk));
      ch.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      ch.on('exit', (code: number | null, signalName?: string) => {
        if (typeof code === 'number') exitCode = code;
        else if (signalName) exitSignal = signalName;
      });
      ch.on('close', finish);
      // Without stdin the command gets EOF at once (like ssh -n), so nothing hangs waiting for input;
      // with a pty, stdin stays open as in an interactive ssh session.
      if (options.stdin !== undefined) ch.end(options.stdin);
      else if (pty === undefined) ch.end();
    };
    try {
      if (pty) ctx.client.exec(command, { pty }, onChannel);
      else ctx.client.exec(command, onChannel);
    } catch (error) {
      settle(() => reject(connectionLostError(ctx.target, ctx.lost() ?? (error as Error).message)));
    }
  });
}

/** Downloads through SFTP into a 0600 temporary file renamed into place, so a failure leaves nothing half-written. */
export async function sftpDownload(ctx: ExecContext, remotePath: string, localPath: string): Promise<void> {
  const fail = (error: unknown): SshError =>
    new SshError('download-failed', `${describeTarget(ctx.target)}: could not download ${remotePath}: ${oneLine((error as Error).message ?? String(error))}`, {
      target: ctx.target,
      cause: error,
      hint: 'Check that the file exists on the host and that the SSH user may read it.',
    });
  let sftp: SFTPWrapper;
  try {
    sftp = await new Promise<SFTPWrapper>((resolve, reject) => ctx.client.sftp((err, s) => (err ? reject(err) : resolve(s))));
  } catch (error) {
    const lost = ctx.lost();
    if (lost !== undefined) throw connectionLostError(ctx.target, lost);
    // the channel itself was refused (e.g. `Unable to start subsystem: sftp`): callers may stream instead
    throw new SshError('sftp-unavailable', `${describeTarget(ctx.target)}: ${oneLine((error as Error).message ?? String(error))}`, {
      target: ctx.target,
      cause: error,
      hint: "The server's sshd offers no SFTP (Subsystem sftp).",
    });
  }
  const temp = `${localPath}.${randomBytes(6).toString('hex')}.part`;
  try {
    const handle = await open(temp, 'wx', 0o600);
    await pipeline(sftp.createReadStream(remotePath), handle.createWriteStream());
    await rename(temp, localPath);
  } catch (error) {
    await rm(temp, { force: true });
    const lost = ctx.lost();
    throw lost !== undefined ? connectionLostError(ctx.target, lost) : fail(error);
  } finally {
    sftp.end();
  }
}
