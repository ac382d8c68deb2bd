import { describe, expect, it } from 'vitest';
import { qrLifetimeSeconds, QrStreamWatcher, visibleText, type QrStreamEvent } from '../../src/qr/stream.js';
import { cliQrBlock, LINKED, prng, qrModules, randomChunks, renderCompactTerminalQr, whatsappRef } from '../fixtures/qr/openclaw-cli.js';

function feedAll(watcher: QrStreamWatcher, chunks: (Uint8Array | string)[]): QrStreamEvent[] {
  return [...chunks.flatMap((chunk) => watcher.feed(chunk)), ...watcher.end()];
}

function crlf(text: string): string {
  return text.replace(/\n/g, '\r\n');
}

function of<K extends QrStreamEvent['kind']>(events: QrStreamEvent[], kind: K): Extract<QrStreamEvent, { kind: K }>[] {
  return events.filter((e): e is Extract<QrStreamEvent, { kind: K }> => e.kind === kind);
}

/** A full login as the CLI streams it over a PTY: two rotations, then success. */
function loginSession(payloads: string[], tty: boolean): Buffer {
  const body = payloads.map((p) => cliQrBlock(p, { tty })).join('');
  return Buffer.from(`${crlf('Waiting for WhatsApp connection...\n')}${body}${crlf(`${LINKED}\n`)}`, 'utf8');
}

describe('QrStreamWatcher', () => {
  it.each([
    [1, false],
    [2, true],
    [3, false],
    [4, true],
    [5, true],
    [6, false],
  ])('decodes two rotations cut into random chunks (seed %i, tty %s)', (seed, tty) => {
    const random = prng(seed);
    const payloads = [whatsappRef(random, 20 + Math.floor(random() * 100)), whatsappRef(random, 20 + Math.floor(random() * 100))];
    let clock = 1000;
    const watcher = new QrStreamWatcher({ now: () => (clock += 1) });
    const events = feedAll(watcher, randomChunks(loginSession(payloads, tty), random));

    const qrs = of(events, 'qr');
    expect(qrs.map((q) => q.payload)).toEqual(payloads);
    expect(qrs.map((q) => q.version)).toEqual([1, 2]);
    expect(qrs[0]!.receivedAt).toBeLessThan(qrs[1]!.receivedAt);
    expect(qrs[0]!.matrix.size).toBe(qrModules(payloads[0]!).size);
    expect(of(events, 'garbled')).toEqual([]);
    expect(of(events, 'linked')).toEqual([{ kind: 'linked', text: LINKED }]);
    expect(of(events, 'line').map((l) => l.text)).toEqual([
      'Waiting for WhatsApp connection...',
      'Open the WhatsApp app, go to Linked Devices, then scan this QR:',
      'Open the WhatsApp app, go to Linked Devices, then scan this QR:',
    ]);
  });

  it('decodes a session fed one byte at a time', () => {
    const random = prng(99);
    const payloads = [whatsappRef(random), whatsappRef(random)];
    const bytes = loginSession(payloads, true);
    const events = feedAll(new QrStreamWatcher(), Array.from({ length: bytes.length }, (_, i) => new Uint8Array(bytes.subarray(i, i + 1))));
    expect(of(events, 'qr').map((q) => q.payload)).toEqual(payloads);
    expect(events.at(-1)).toEqual({ kind: 'linked', text: LINKED });
  });

  it('reads every QR size a WhatsApp ref can take, and the largest versions', () => {
    const random = prng(42);
    for (const [refBytes, ec] of [[10, 'L'], [60, 'M'], [140, 'Q'], [900, 'L']] as const) {
      const payload = whatsappRef(random, refBytes);
      const events = feedAll(new QrStreamWatcher(), [cliQrBlock(payload, { ec })]);
      expect(of(events, 'qr').map((q) => q.payload)).toEqual([payload]);
    }
  });

  it('emits the QR as soon as its last line arrives, before anything follows', () => {
    const payload = whatsappRef(prng(7));
    const watcher = new QrStreamWatcher();
    const events = watcher.feed(cliQrBlock(payload, { tty: true }));
    expect(of(events, 'qr').map((q) => q.payload)).toEqual([payload]);
  });

  it('reports a damaged finder pattern as garbled, never as a QR', () => {
    const payload = whatsappRef(prng(8));
    const modules = qrModules(payload);
    const flipped = { size: modules.size, get: (row: number, col: number) => (row === 3 && col === 1 ? !modules.get(row, col) : modules.get(row, col)) };
    const events = feedAll(new QrStreamWatcher(), [crlf(`${renderCompactTerminalQr(flipped)}\n${LINKED}\n`)]);
    expect(of(events, 'qr')).toEqual([]);
    expect(of(events, 'garbled')).toHaveLength(1);
    expect(of(events, 'garbled')[0]!.reason).toMatch(/finder/);
    expect(of(events, 'linked')).toHaveLength(1);
  });

  it('reports a damaged top row (first line of the drawing) as garbled', () => {
    const modules = qrModules(whatsappRef(prng(9)));
    const flipped = { size: modules.size, get: (row: number, col: number) => (row === 0 && col === 2 ? !modules.get(row, col) : modules.get(row, col)) };
    const events = feedAll(new QrStreamWatcher(), [crlf(renderCompactTerminalQr(flipped))]);
    expect(of(events, 'qr')).toEqual([]);
    expect(of(events, 'garbled')).toHaveLength(1);
  });

  it('reports data damage beyond error correction as garbled', () => {
    const modules = qrModules(whatsappRef(prng(10)), 'L');
    const random = prng(11);
    const damaged = new Set<string>();
    // Blot out a block of data modules away from finder, timing and format areas.
    for (let r = 20; r < 40; r += 1) for (let c = 20; c < 40; c += 1) if (random() < 0.5) damaged.add(`${r},${c}`);
    const garbled = { size: modules.size, get: (row: number, col: number) => (damaged.has(`${row},${col}`) ? !modules.get(row, col) : modules.get(row, col)) };
    const events = feedAll(new QrStreamWatcher(), [crlf(renderCompactTerminalQr(garbled))]);
    expect(of(events, 'qr')).toEqual([]);
    expect(of(events, 'garbled')).toHaveLength(1);
  });

  it('reports a block cut short, whether by a line, a clear-screen or the end of the stream', () => {
    const [first, second] = [whatsappRef(prng(12)), whatsappRef(prng(13))];
    const lines = crlf(renderCompactTerminalQr(qrModules(first))).split('\r\n');
    const cut = lines.slice(0, lines.length - 3).join('\r\n') + '\r\n';

    const byLine = feedAll(new QrStreamWatcher(), [cut, 'Channel login failed: boom\r\n']);
    expect(byLine.map((e) => e.kind)).toEqual(['garbled', 'failed']);
    expect(of(byLine, 'garbled')[0]!.reason).toMatch(/cut short/);

    // A rotation drawn on a TTY starts with a clear-screen, even straight after the cut.
    const byClear = feedAll(new QrStreamWatcher(), [cut, `\x1b[2J\x1b[H${crlf(renderCompactTerminalQr(qrModules(second)))}\r\n`]);
    expect(byClear.map((e) => e.kind)).toEqual(['garbled', 'qr']);
    expect(of(byClear, 'qr')[0]!.payload).toBe(second);

    const byEnd = feedAll(new QrStreamWatcher(), [cut]);
    expect(byEnd.map((e) => e.kind)).toEqual(['garbled']);
  });

  it('ignores a half-block drawing of no QR size once, then carries on', () => {
    const art = ' ▄▄▄▄ ▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄\r\n ████ █████ ▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀\r\nhello\r\n';
    const events = feedAll(new QrStreamWatcher(), [art]);
    expect(events).toEqual([
      { kind: 'garbled', reason: expect.stringMatching(/fits no QR size/) },
      { kind: 'line', text: 'hello' },
    ]);
  });

  it.each([
    ['✅ Linked! Credentials saved for future sends.', { kind: 'linked' }],
    ['WhatsApp Web connection ended before fully opening. Stream Errored (conflict)', { kind: 'failed', reason: 'ended' }],
    ['Channel login failed: Connection Closed', { kind: 'failed', reason: 'login-failed' }],
    ['WhatsApp reported the session is logged out. Run the login again to relink.', { kind: 'failed', reason: 'logged-out' }],
    ["Can't link new devices right now. Try again later.", { kind: 'failed', reason: 'cooldown' }],
    ['WhatsApp Web connection ended before fully opening. Can’t link new devices right now', { kind: 'failed', reason: 'cooldown' }],
    ['\x1b[32m✅ Linked! Credentials saved for future sends.\x1b[39m', { kind: 'linked' }],
  ])('classifies %j', (line, expected) => {
    const events = feedAll(new QrStreamWatcher(), [Buffer.from(`${line}\r\n`)]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject(expected);
    expect(events[0]).toHaveProperty('text', visibleText(line));
  });

  it('strips control sequences from other lines and handles a last line without newline', () => {
    const events = feedAll(new QrStreamWatcher(), ['\x1b[2J\x1b[H\x1b]0;title\x07\x1b[1mWaiting\x1b[0m for WhatsApp connection...\r', '\nspin 1\rspin 2\r\n\r\n', 'tail']);
    expect(events).toEqual([
      { kind: 'line', text: 'Waiting for WhatsApp connection...' },
      { kind: 'line', text: 'spin 2' },
      { kind: 'line', text: 'tail' },
    ]);
  });

  it('knows how long each code lasts', () => {
    expect([1, 2, 3].map(qrLifetimeSeconds)).toEqual([60, 20, 20]);
  });

  it('keeps memory bounded on a line that never ends', () => {
    const watcher = new QrStreamWatcher({ maxLineLength: 100 });
    for (let i = 0; i < 1000; i += 1) expect(watcher.feed('x'.repeat(1000))).toEqual([]);
    const events = watcher.feed('\nnext\n');
    expect(events).toEqual([
      { kind: 'line', text: 'x'.repeat(100) },
      { kind: 'line', text: 'next' },
    ]);
  });
});
