/**
 * The fallback link where the host's CLI cannot print a QR (`channels login` answers that the
 * channel "does not support login"): the gateway's own QR login, the one its Control UI uses,
 * driven through `openclaw gateway call`. `web.login.start` answers `{ qrDataUrl, message }` (or
 * `{ connected: true }` when an existing session recovered); `web.login.wait` blocks up to its
 * `timeoutMs` and answers `{ connected, message, qrDataUrl? }`, where a new `qrDataUrl` means the
 * code rotated. Each PNG is turned back into modules, decoded, and drawn like a CLI QR.
 */
import { z } from 'zod';
import { decodeMatrix } from '../qr/decode.js';
import { matrixFromPngDataUrl } from '../qr/image.js';
import { sh } from '../shell.js';
import { openclaw, type RemoteCommand } from './commands.js';
import { QrDisplay } from './qr-display.js';
import { LoginFailed, type LoginOptions, type LoginResult } from './relink.js';
import type { RemoteHost } from './remote.js';
import type { FixTarget } from './target.js';

export type WebLoginMethod = 'web.login.start' | 'web.login.wait';

/** How long one `web.login.wait` may block on the gateway; the CLI's own RPC timeout is set above it. */
export const WAIT_SLICE_MS = 25_000;
/** The gateway waits up to this long for WhatsApp to hand it the first QR. */
const START_QR_TIMEOUT_MS = 30_000;

const WebLoginAnswer = z.object({
  connected: z.boolean().optional(),
  message: z.string().optional(),
  qrDataUrl: z.string().optional(),
  code: z.string().optional(),
});
export type WebLoginAnswer = z.infer<typeof WebLoginAnswer>;

const CallFailure = z.object({ ok: z.literal(false), error: z.object({ message: z.string() }) });

/** `openclaw gateway call <method> --params <json> --json`, as the service user. */
export function webLoginCall(t: FixTarget, method: WebLoginMethod, params: Record<string, unknown>, rpcTimeoutMs: number): RemoteCommand {
  const args = ['gateway', 'call', method, '--params', JSON.stringify(params), '--json', '--timeout', String(rpcTimeoutMs)];
  return { as: 'service', script: sh`${openclaw(t, ...args)}`.text, timeoutMs: rpcTimeoutMs + 30_000 };
}

/** The JSON object the CLI printed, whatever else (warnings, banners) came with it. */
export function parseCallOutput(stdout: string): unknown {
  const start = stdout.indexOf('{');
  const end = stdout.lastIndexOf('}');
  if (start < 0 || end < start) return undefined;
  try {
    return JSON.parse(stdout.slice(start, end + 1));
  } catch {
    return undefined;
  }
}

/** A web-login message that ends the attempt, by the same reasons the CLI path reports. */
export function failureReason(message: string): LoginFailed['reason'] {
  if (/Can[’']t link new devices/i.test(message)) return 'cooldown';
  if (/logged out/i.test(message)) return 'logged-out';
  if (/expired|attempts ended|Timed out waiting/i.test(message)) return 'ended';
  return 'login-failed';
}

export async function runWebLogin(remote: RemoteHost, options: LoginOptions): Promise<LoginResult> {
  const started = Date.now();
  const t = remote.target;
  const deadline = started + (options.timeoutMs ?? 900_000);
  const display = new QrDisplay({ ...options, note: (line) => display.interject(`  ${line}`) });
  const drawDelays: number[] = [];
  let firstQr: number | null = null;
  let current: string | undefined;
  let linked = false;

  const call = async (method: WebLoginMethod, params: Record<string, unknown>, rpcTimeoutMs: number): Promise<WebLoginAnswer> => {
    const result = await remote.run(webLoginCall(t, method, { channel: 'whatsapp', accountId: t.account, ...params }, rpcTimeoutMs), options.signal ? { signal: options.signal } : {});
    if (options.signal?.aborted) throw new LoginFailed('interrupted', 'the link was interrupted (Ctrl-C) before a scan');
    const parsed = parseCallOutput(result.stdout);
    const failure = CallFailure.safeParse(parsed);
    if (result.exitCode !== 0 || result.timedOut || failure.success) {
      const why = failure.success ? remote.clean(failure.data.error.message) : remote.describe(result);
      throw new LoginFailed('login-failed', `not linked: the gateway's web login (${method}) failed: ${why}`);
    }
    const answer = WebLoginAnswer.safeParse(parsed);
    if (!answer.success) throw new LoginFailed('login-failed', `not linked: ${method} gave an answer clawfix does not understand`);
    return answer.data;
  };
  const show = async (dataUrl: string, arrivedAt: number): Promise<void> => {
    current = dataUrl;
    let matrix;
    try {
      matrix = matrixFromPngDataUrl(dataUrl);
    } catch (error) {
      display.interject(`  the gateway's QR image could not be read (${(error as Error).message}); waiting for the next one`);
      return;
    }
    const decoded = decodeMatrix(matrix);
    if (!decoded.ok) {
      display.interject(`  a QR from the gateway did not decode (${decoded.reason}); it is not shown, waiting for the next one`);
      return;
    }
    await display.show(matrix, display.shown + 1);
    drawDelays.push(Date.now() - arrivedAt);
    firstQr ??= Date.now() - started;
  };

  try {
    options.onLine?.("the host's CLI cannot show a QR; using the gateway's web login instead");
    const start = await call('web.login.start', { timeoutMs: START_QR_TIMEOUT_MS }, START_QR_TIMEOUT_MS + 15_000);
    if (start.connected) linked = true;
    else if (start.qrDataUrl) await show(start.qrDataUrl, Date.now());
    else throw new LoginFailed(failureReason(start.message ?? ''), `not linked: the gateway's web login gave no QR (${remote.clean(start.message ?? 'no message')})`);
    while (!linked) {
      const left = deadline - Date.now();
      if (left <= 0) throw new LoginFailed('timed-out', 'the login did not finish in time');
      const slice = Math.max(1000, Math.min(WAIT_SLICE_MS, left));
      const answer = await call('web.login.wait', { timeoutMs: slice, ...(current ? { currentQrDataUrl: current } : {}) }, slice + 15_000);
      if (answer.connected) linked = true;
      else if (answer.qrDataUrl && answer.qrDataUrl !== current) await show(answer.qrDataUrl, Date.now());
      else if (!/Still waiting/i.test(answer.message ?? '')) {
        const message = remote.clean(answer.message ?? 'the login ended');
        throw new LoginFailed(failureReason(message), `not linked: ${message}`);
      }
    }
    await display.finish('Linked. You can close this page.');
    options.onLine?.('✅ Linked (gateway web login).');
    return { qrCodes: display.shown, drawDelaysMs: drawDelays, firstQrMs: firstQr, durationMs: Date.now() - started };
  } finally {
    if (!linked) await display.finish('Not linked.');
  }
}
