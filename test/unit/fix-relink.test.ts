// runLogin against a scripted transport that streams what `openclaw channels login` prints on a PTY:
// a garbled QR is reported and not drawn, good ones are drawn (and written to --qr-png), outcomes map
// to success or a LoginFailed that the caller rolls back on.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLogin, LoginFailed } from '../../src/fix/relink.js';
import type { ExecOptions, ExecResult, Transport } from '../../src/transport/types.js';
import { readDrawnQr } from '../fixtures/fix/helpers.js';
import { scriptedSession } from '../fixtures/fix/session.js';
import { cliQrBlock, LINKED } from '../fixtures/qr/openclaw-cli.js';
import { decodeGrayPng, scanGray } from '../fixtures/qr/png-decode.js';

const A = '2@AAAAqUZyJ0QTuOtSg4DJnxnKzpYtHjIeMHc1RXMvpbVdTjs2NBqvYC6W5wzRl9CXMGf8Mw==,noise=,identity=,secret=';
const B = '2@BBBBqUZyJ0QTuOtSg4DJnxnKzpYtHjIeMHc1RXMvpbVdTjs2NBqvYC6W5wzRl9CXMGf8Mw==,noise=,identity=,secret=';

class ScriptedTransport implements Transport {
  commands: { command: string; options: ExecOptions }[] = [];
  constructor(private readonly chunks: string[], private readonly exitCode = 0) {}
  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    this.commands.push({ command, options });
    for (const chunk of this.chunks) {
      if (options.signal?.aborted) break;
      options.onStdout?.(Buffer.from(chunk));
      await new Promise((r) => setTimeout(r, 5));
    }
    const killed = options.signal?.aborted ?? false;
    return { command, stdout: '', stderr: '', exitCode: killed ? null : this.exitCode, signal: killed ? 'KILL' : null, durationMs: 1, timedOut: false, truncated: false };
  }
  async close(): Promise<void> {}
}

function setup(chunks: string[], exitCode = 0) {
  return scriptedSession(new ScriptedTransport(chunks, exitCode));
}

/** A QR whose finder patterns were lost on the way (a line of blanks): garbled, whatever error correction can do. */
function garbled(payload: string): string {
  const block = cliQrBlock(payload, { tty: true }).split('\r\n');
  block[3] = block[3]!.replace(/[█▀▄]/g, ' ');
  return block.join('\r\n');
}

describe('runLogin', () => {
  it('draws every QR that decodes (and writes the PNG), reports a garbled one without drawing it, and ends on Linked!', async () => {
    const png = join(mkdtempSync(join(tmpdir(), 'clawfix-qr-')), 'qr.png');
    const lines: string[] = [];
    const { transport, remote, out, text } = setup(['Waiting for WhatsApp connection...\r\n', garbled(A), cliQrBlock(B, { tty: true }), `${LINKED}\r\n`]);
    const result = await runLogin(remote, { out, hostName: 'box', pngPath: png, onLine: (l) => lines.push(l) });
    expect(result.qrCodes).toBe(1);
    expect(result.drawDelaysMs).toHaveLength(1);
    expect(readDrawnQr(text())?.payload).toBe(B);
    expect(text()).toMatch(/a QR from the host did not decode .*it is not shown/);
    expect(text()).not.toContain(A.slice(0, 12));
    expect(scanGray(decodeGrayPng(readFileSync(png)))).toBe(B);
    expect(lines).toEqual(['Waiting for WhatsApp connection...', LINKED]);
    const sent = transport.commands[0]!;
    expect(sent.command).toContain('channels login --channel whatsapp --account work');
    expect(sent.options.pty).toBeTruthy();
  });

  it('QR codes that expire: LoginFailed(ended)', async () => {
    const { remote, out } = setup([cliQrBlock(A), 'WhatsApp Web connection ended before fully opening. QR refs attempts ended\r\n', 'Channel login failed: QR refs attempts ended\r\n'], 1);
    await expect(runLogin(remote, { out, hostName: 'box' })).rejects.toMatchObject({ reason: 'ended', message: expect.stringMatching(/expired before a scan/) });
  });

  it('the phone in cooldown: LoginFailed(cooldown), never retried', async () => {
    const { remote, out } = setup([cliQrBlock(A), "Channel login failed: Can't link new devices right now. Try again later.\r\n"], 1);
    const error = await runLogin(remote, { out, hostName: 'box' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoginFailed);
    expect((error as LoginFailed).reason).toBe('cooldown');
  });

  it('Ctrl-C while waiting: the command is killed and the failure says interrupted', async () => {
    const abort = new AbortController();
    const { remote, out } = setup([cliQrBlock(A), ...Array.from({ length: 50 }, () => '')]);
    setTimeout(() => abort.abort(), 30);
    await expect(runLogin(remote, { out, hostName: 'box', signal: abort.signal })).rejects.toMatchObject({ reason: 'interrupted' });
  });

  it('a CLI that exits without linking or saying why: LoginFailed(exited)', async () => {
    const { remote, out } = setup(['Waiting for WhatsApp connection...\r\n'], 1);
    await expect(runLogin(remote, { out, hostName: 'box' })).rejects.toMatchObject({ reason: 'exited' });
  });
});
