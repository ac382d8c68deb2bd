// The web-login fallback: QR PNGs as the gateway sends them (the `qrcode` package with OpenClaw's
// scale 6 / margin 4, the fake's adaptive-filter RGBA, our own grey PNG) read back to the exact
// modules; and runLogin falling back from a CLI that "does not support login" to
// `openclaw gateway call web.login.start|wait`, scripted the way the 2026.9 gateway answers.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { LoginFailed, runLogin } from '../../src/fix/relink.js';
import { failureReason } from '../../src/fix/web-login.js';
import { decodeMatrix } from '../../src/qr/decode.js';
import { matrixFromPngDataUrl } from '../../src/qr/image.js';
import { encodeQrPng } from '../../src/qr/png.js';
import type { ExecOptions, ExecResult, Transport } from '../../src/transport/types.js';
import { readDrawnQr } from '../fixtures/fix/helpers.js';
import { scriptedSession } from '../fixtures/fix/session.js';
import { qrMatrix } from '../fixtures/qr/openclaw-cli.js';

const A = '2@AAAAqUZyJ0QTuOtSg4DJnxnKzpYtHjIeMHc1RXMvpbVdTjs2NBqvYC6W5wzRl9CXMGf8Mw==,noise=,identity=,secret=';
const B = '2@BBBBqUZyJ0QTuOtSg4DJnxnKzpYtHjIeMHc1RXMvpbVdTjs2NBqvYC6W5wzRl9CXMGf8Mw==,noise=,identity=,secret=';
const UNSUPPORTED = 'Channel login failed: Channel "whatsapp" does not support login. Run `openclaw channels status --channel whatsapp` to inspect supported actions.';

/** What OpenClaw's renderQrPngDataUrl does: qrcode's toBuffer with margin 4, scale 6. */
const realDataUrl = async (payload: string) => `data:image/png;base64,${(await QRCode.toBuffer(payload, { margin: 4, scale: 6 })).toString('base64')}`;
const payloadOf = (dataUrl: string) => decodeMatrix(matrixFromPngDataUrl(dataUrl));

describe('QR PNG data URL → module matrix', () => {
  it('reads the qrcode package PNG (what the real gateway sends) back to the same modules', async () => {
    const matrix = matrixFromPngDataUrl(await realDataUrl(A));
    expect(Buffer.from(matrix.modules).equals(Buffer.from(qrMatrix(A).modules))).toBe(true);
    expect(payloadOf(await realDataUrl(A))).toEqual({ ok: true, payload: A });
  });

  it("reads the fake gateway's RGBA PNG (every filter type) and a grey PNG", async () => {
    const fake = (await import(pathToFileURL(resolve('docker/openclaw/lib/node_modules/openclaw/fake/qr-png.mjs')).href)) as { renderQrPngDataUrl(t: string): string };
    expect(payloadOf(fake.renderQrPngDataUrl(B))).toEqual({ ok: true, payload: B });
    const grey = `data:image/png;base64,${encodeQrPng(qrMatrix(A), { pixelsPerModule: 3 }).toString('base64')}`;
    expect(payloadOf(grey)).toEqual({ ok: true, payload: A });
  });

  it('refuses what is not a QR PNG', () => {
    expect(() => matrixFromPngDataUrl('data:image/jpeg;base64,AAAA')).toThrow(/not a PNG data URL/);
    expect(() => matrixFromPngDataUrl('data:image/png;base64,AAAA')).toThrow(/not a PNG image/);
  });

  it('maps web-login messages to the failure reasons of the CLI path', () => {
    expect(failureReason('WhatsApp login failed: QR refs attempts ended')).toBe('ended');
    expect(failureReason('The login QR expired. Ask me to generate a new one.')).toBe('ended');
    expect(failureReason("WhatsApp login failed: Can't link new devices right now. Try again later.")).toBe('cooldown');
    expect(failureReason('WhatsApp reported the session is logged out.')).toBe('logged-out');
  });
});

type Reply = { stdout?: string; exitCode?: number };

class GatewayTransport implements Transport {
  commands: string[] = [];
  constructor(private readonly replies: Reply[]) {}
  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    this.commands.push(command);
    const reply = this.replies.shift() ?? { exitCode: 1 };
    if (reply.stdout && command.includes('channels login')) options.onStdout?.(Buffer.from(reply.stdout));
    const stdout = command.includes('channels login') ? '' : reply.stdout ?? '';
    return { command, stdout, stderr: '', exitCode: reply.exitCode ?? 0, signal: null, durationMs: 1, timedOut: false, truncated: false };
  }
  async close(): Promise<void> {}
}

function setup(replies: Reply[]) {
  return scriptedSession(new GatewayTransport(replies));
}

const cliUnsupported: Reply = { stdout: `Waiting for WhatsApp connection...\r\n${UNSUPPORTED}\r\n`, exitCode: 1 };
const json = (value: unknown): Reply => ({ stdout: `${JSON.stringify(value, null, 2)}\n` });

describe('runLogin falls back to the gateway web login', () => {
  it('draws the QR from web.login.start, redraws on rotation, ends linked', async () => {
    const [urlA, urlB] = [await realDataUrl(A), await realDataUrl(B)];
    const lines: string[] = [];
    const { transport, remote, out, text } = setup([
      cliUnsupported,
      json({ qrDataUrl: urlA, message: 'Scan this QR in WhatsApp → Linked Devices.' }),
      json({ connected: false, message: 'Still waiting for the QR scan. Let me know when you’ve scanned it.' }),
      json({ connected: false, message: 'QR refreshed. Scan the latest code in WhatsApp → Linked Devices.', qrDataUrl: urlB }),
      json({ connected: true, message: '✅ Linked! WhatsApp is ready.' }),
    ]);
    const result = await runLogin(remote, { out, hostName: 'box', onLine: (l) => lines.push(l) });
    expect(result.qrCodes).toBe(2);
    const first = readDrawnQr(text());
    expect(first?.payload).toBe(A);
    expect(readDrawnQr(text(), first!.end)?.payload).toBe(B);
    const [, start, wait1, wait2] = transport.commands;
    expect(start).toMatch(/gateway call web\.login\.start --params .*"channel":"whatsapp","accountId":"work".* --json --timeout \d+/);
    expect(wait1).toMatch(/gateway call web\.login\.wait --params .*"currentQrDataUrl":"data:image\/png;base64,/);
    expect(wait2).toContain(urlA.slice(-40));
    expect(lines.some((l) => l.includes('does not support login'))).toBe(true);
    expect(lines.some((l) => l.includes("using the gateway's web login"))).toBe(true);
  });

  it('a web login whose QR codes run out fails as ended (the caller rolls back)', async () => {
    const { remote, out } = setup([cliUnsupported, json({ qrDataUrl: await realDataUrl(A), message: 'Scan this QR' }), json({ connected: false, message: 'WhatsApp login failed: QR refs attempts ended' })]);
    await expect(runLogin(remote, { out, hostName: 'box' })).rejects.toMatchObject({ reason: 'ended' });
  });

  it("a gateway without a web login provider: LoginFailed naming the gateway's answer", async () => {
    const error = { ok: false, error: { type: 'gateway_request_error', code: 'INVALID_REQUEST', message: 'web login provider is not available', retryable: false } };
    const { remote, out } = setup([cliUnsupported, { ...json(error), exitCode: 1 }]);
    const failure = runLogin(remote, { out, hostName: 'box' });
    await expect(failure).rejects.toBeInstanceOf(LoginFailed);
    await expect(failure).rejects.toThrow(/web\.login\.start\) failed: web login provider is not available/);
  });

  it('a CLI failure that is not about QR support does not fall back', async () => {
    const { transport, remote, out } = setup([{ stdout: 'Channel login failed: Another process owns this WhatsApp connection.\r\n', exitCode: 1 }]);
    await expect(runLogin(remote, { out, hostName: 'box' })).rejects.toMatchObject({ reason: 'login-failed' });
    expect(transport.commands).toHaveLength(1);
  });
});
