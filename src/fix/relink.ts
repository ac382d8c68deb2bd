/**
 * The link itself: `openclaw channels login` runs on the host under a PTY, as the service user; its
 * output is fed to the QR stream watcher, and every QR that decodes is drawn again locally (a QR
 * that does not decode is reported, never shown). Success is the CLI's "Linked!" line; expiry,
 * cooldown, a logged-out answer, Ctrl-C or a lost connection end it as a failure (the caller rolls back).
 * Where the CLI cannot print a QR at all, the gateway's own web login takes over (web-login.ts).
 */
import { ClawfixError, ExitCode } from '../errors.js';
import { QrStreamWatcher, type LoginFailure, type QrStreamEvent } from '../qr/stream.js';
import { loginCommand } from './commands.js';
import { QrDisplay, type QrDisplayOptions } from './qr-display.js';
import type { RemoteHost } from './remote.js';

export interface LoginOptions extends Omit<QrDisplayOptions, 'note'> {
  signal?: AbortSignal;
  onLine?: (line: string) => void;
  /** Whole login, all rotations included (the real CLI gives up after ~5 min). */
  timeoutMs?: number;
  /** How long the CLI may take to exit after "Linked!" (it asks the gateway to start the channel). */
  exitGraceMs?: number;
}

export interface LoginResult {
  qrCodes: number;
  /** Milliseconds from the QR's last byte arriving over SSH to it being drawn (decoding included), per QR. */
  drawDelaysMs: number[];
  /** Start of the command to the first QR drawn. */
  firstQrMs: number | null;
  durationMs: number;
}

export class LoginFailed extends ClawfixError {
  constructor(readonly reason: LoginFailure | 'interrupted' | 'exited' | 'timed-out', message: string) {
    super('LOGIN_FAILED', message, { exitCode: reason === 'interrupted' ? ExitCode.INTERRUPTED : ExitCode.NEEDS_ATTENTION });
    this.name = 'LoginFailed';
  }
}

const INSTRUCTION = /^Open the WhatsApp app, go to Linked Devices/;
/** What `channels login` says when this CLI has no QR login for the channel (its plugin lacks `auth.login`). */
export const CLI_QR_UNAVAILABLE = /does not support login|Unsupported channel/i;
const REASONS: Record<LoginFailure, string> = {
  ended: 'the QR codes expired before a scan',
  cooldown: "WhatsApp refuses new linked devices for now (\"Can't link new devices right now\"): wait hours before trying again",
  'logged-out': 'WhatsApp answered that the session is logged out',
  'login-failed': 'the login failed',
};

export async function runLogin(remote: RemoteHost, options: LoginOptions): Promise<LoginResult> {
  const started = Date.now();
  const display = new QrDisplay({ ...options, note: (line) => display.interject(`  ${line}`) });
  const watcher = new QrStreamWatcher();
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let linked = false;
  let failure: { reason: LoginFailure; text: string } | undefined;
  let exitTimer: NodeJS.Timeout | undefined;
  const drawDelays: number[] = [];
  let firstQr: number | null = null;
  let queue = Promise.resolve();

  /** `arrivedAt`: when the chunk that completed the event came off the connection (decoding included in the delay). */
  const handle = async (event: QrStreamEvent, arrivedAt: number): Promise<void> => {
    switch (event.kind) {
      case 'qr':
        await display.show(event.matrix, event.version);
        drawDelays.push(Date.now() - arrivedAt);
        firstQr ??= Date.now() - started;
        return;
      case 'garbled':
        display.interject(`  a QR from the host did not decode (${event.reason}); it is not shown, waiting for the next one`);
        return;
      case 'linked':
        linked = true;
        await display.finish('Linked. You can close this page.');
        options.onLine?.(remote.clean(event.text));
        exitTimer = setTimeout(() => stop.abort(), options.exitGraceMs ?? 60_000);
        return;
      case 'failed':
        failure ??= { reason: event.reason, text: remote.clean(event.text) };
        await display.finish(`Not linked: ${REASONS[event.reason]}.`);
        options.onLine?.(remote.clean(event.text));
        return;
      case 'line':
        if (INSTRUCTION.test(event.text) || display.shown > 0) return;
        options.onLine?.(remote.clean(event.text));
    }
  };
  const feed = (chunk: Buffer | null) => {
    const arrivedAt = Date.now();
    const events = chunk ? watcher.feed(chunk) : watcher.end();
    for (const event of events) queue = queue.then(() => handle(event, arrivedAt)).catch(() => undefined);
  };

  let result;
  try {
    result = await remote.run({ ...loginCommand(remote.target), timeoutMs: options.timeoutMs ?? 900_000 }, {
      pty: { cols: 200, rows: 100 },
      signal: stop.signal,
      maxOutputBytes: 1024 * 1024,
      onStdout: (chunk) => feed(chunk),
    });
    feed(null);
    await queue;
  } finally {
    clearTimeout(exitTimer);
    options.signal?.removeEventListener('abort', onAbort);
    if (!linked) await display.finish('Not linked.');
  }
  const summary = { qrCodes: display.shown, drawDelaysMs: drawDelays, firstQrMs: firstQr, durationMs: Date.now() - started };
  if (linked) return summary;
  if (options.signal?.aborted) throw new LoginFailed('interrupted', 'the link was interrupted (Ctrl-C) before a scan');
  if (failure && display.shown === 0 && CLI_QR_UNAVAILABLE.test(failure.text)) {
    const { runWebLogin } = await import('./web-login.js');
    return runWebLogin(remote, options);
  }
  if (failure) throw new LoginFailed(failure.reason, `not linked: ${REASONS[failure.reason]} (${failure.text})`);
  if (result.timedOut) throw new LoginFailed('timed-out', 'the login did not finish in time');
  throw new LoginFailed('exited', `not linked: openclaw channels login ended without linking (${remote.describe(result)})`);
}
