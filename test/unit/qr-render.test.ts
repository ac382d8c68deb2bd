import { describe, expect, it } from 'vitest';
import { decodeMatrix } from '../../src/qr/decode.js';
import { parseHalfBlockQr } from '../../src/qr/halfblock.js';
import { isValidQrSize, matrixFromRows, QUIET_ZONE, type QrMatrix } from '../../src/qr/matrix.js';
import {
  chooseMode,
  drawQr,
  FRAME_CHROME_LINES,
  LINK_INSTRUCTION,
  pickPalette,
  renderFrame,
  renderQr,
  replaceFrame,
  updateCountdown,
  type QrPalette,
} from '../../src/qr/render.js';
import { visibleText } from '../../src/qr/stream.js';
import { prng, qrMatrix, whatsappRef } from '../fixtures/qr/openclaw-cli.js';

const payload = whatsappRef(prng(21), 60); // 217 characters: version 11 at M, as WhatsApp's are
const matrix = qrMatrix(payload);

/** Reads a full-block drawing cell by cell, honouring background colours as a terminal would. */
function parseFullBlock(lines: string[]): { matrix: QrMatrix; backgroundsAgree: boolean } {
  let backgroundsAgree = true;
  const rows = lines.map((line) => {
    const cells: { char: string; bg: string | undefined }[] = [];
    let bg: string | undefined;
    for (const token of line.match(/\x1b\[[0-9;]*m|[^\x1b]/gu) ?? []) {
      if (!token.startsWith('\x1b')) {
        cells.push({ char: token, bg });
        continue;
      }
      const codes = token.slice(2, -1);
      if (codes === '0') bg = undefined;
      else if (/(^|;)(40|48;2;0;0;0)$/.test(codes)) bg = 'dark';
      else if (/(^|;)(47|48;2;255;255;255)$/.test(codes)) bg = 'light';
    }
    const modules: boolean[] = [];
    for (let i = 0; i < cells.length; i += 2) {
      const [left, right] = [cells[i]!, cells[i + 1]!];
      expect(left.char).toBe(right.char);
      const dark = left.char === '█';
      if (left.bg !== undefined && (left.bg === 'dark') !== dark) backgroundsAgree = false;
      modules.push(dark);
    }
    return modules;
  });
  return { matrix: matrixFromRows(rows), backgroundsAgree };
}

function quietZoneIsLight(drawn: QrMatrix, quiet: number): boolean {
  for (let r = 0; r < drawn.size; r += 1) {
    for (let c = 0; c < drawn.size; c += 1) {
      const inside = r >= quiet && c >= quiet && r < drawn.size - quiet && c < drawn.size - quiet;
      if (!inside && drawn.modules[r * drawn.size + c]) return false;
    }
  }
  return true;
}

function crop(drawn: QrMatrix, quiet: number): QrMatrix {
  const size = drawn.size - 2 * quiet;
  const rows = Array.from({ length: size }, (_, r) => Array.from({ length: size }, (_, c) => drawn.modules[(r + quiet) * drawn.size + c + quiet] === 1));
  return matrixFromRows(rows);
}

describe('drawQr', () => {
  it.each(['ansi', 'truecolor', 'none'] as QrPalette[])('half blocks read back to the same payload with a 4-module quiet zone (%s)', (palette) => {
    const lines = drawQr(matrix, 'half', palette);
    expect(lines).toHaveLength(Math.ceil((matrix.size + 8) / 2));
    const parsed = parseHalfBlockQr(lines.map(visibleText), QUIET_ZONE); // fails on any dark module in the zone
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.matrix.modules).toEqual(matrix.modules);
    expect(decodeMatrix(parsed.matrix)).toEqual({ ok: true, payload });
    if (palette === 'ansi') for (const line of lines) expect(line).toMatch(/^\x1b\[30;47m[ █▀▄]+\x1b\[0m$/);
    if (palette === 'truecolor') for (const line of lines) expect(line.startsWith('\x1b[38;2;0;0;0;48;2;255;255;255m')).toBe(true);
  });

  it.each(['ansi', 'truecolor', 'none'] as QrPalette[])('full blocks read back to the same payload with a 4-module quiet zone (%s)', (palette) => {
    const lines = drawQr(matrix, 'full', palette);
    expect(lines).toHaveLength(matrix.size + 8);
    for (const line of lines) expect(visibleText(line)).toHaveLength((matrix.size + 8) * 2);
    const { matrix: drawn, backgroundsAgree } = parseFullBlock(lines);
    expect(backgroundsAgree).toBe(true);
    expect(quietZoneIsLight(drawn, QUIET_ZONE)).toBe(true);
    const symbol = crop(drawn, QUIET_ZONE);
    expect(symbol.modules).toEqual(matrix.modules);
    expect(decodeMatrix(symbol)).toEqual({ ok: true, payload });
  });
});

describe('renderQr and size selection', () => {
  const sizes = Array.from({ length: 40 }, (_, i) => 21 + 4 * i);
  const largest = (mode: 'full' | 'half', columns: number, rows: number, reserve: number) =>
    sizes.filter((n) => {
      const chosen = chooseMode(n, { columns, rows }, reserve);
      return mode === 'half' ? chosen !== undefined : chosen === 'full';
    }).at(-1);

  it('finds the limits of an 80×24 terminal', () => {
    expect(largest('full', 80, 24, 0)).toBeUndefined();
    expect(largest('half', 80, 24, 0)).toBe(37); // version 5
    expect(largest('half', 80, 24, FRAME_CHROME_LINES)).toBe(29); // version 3: far below a WhatsApp QR
    expect(renderQr(matrix, { terminal: { columns: 80, rows: 24 }, reserveLines: FRAME_CHROME_LINES })).toEqual({
      ok: false,
      reason: 'too-small',
      needed: { columns: matrix.size + 9, rows: Math.ceil((matrix.size + 8) / 2) + FRAME_CHROME_LINES },
    });
  });

  it('finds the limits of a 200×50 terminal', () => {
    expect(largest('full', 200, 50, 0)).toBe(41); // version 6
    expect(largest('full', 200, 50, FRAME_CHROME_LINES)).toBe(37); // version 5
    expect(largest('half', 200, 50, FRAME_CHROME_LINES)).toBe(81); // version 16
    // Versions 5..10 all fit; from version 7 (45 modules + 8 of quiet zone = 53 rows) only in half blocks.
    for (const version of [5, 6, 7, 8, 9, 10]) {
      const size = 17 + 4 * version;
      expect(chooseMode(size, { columns: 200, rows: 50 }, 0)).toBe(version <= 6 ? 'full' : 'half');
    }
  });

  it('prefers full blocks when they fit and reports the size drawn', () => {
    const small = qrMatrix('2@short,ref');
    const full = renderQr(small, { terminal: { columns: 200, rows: 50 } });
    expect(full).toMatchObject({ ok: true, mode: 'full', width: (small.size + 8) * 2, height: small.size + 8 });
    const half = renderQr(matrix, { terminal: { columns: 200, rows: 50 }, reserveLines: 4 });
    expect(half).toMatchObject({ ok: true, mode: 'half', width: matrix.size + 8, height: Math.ceil((matrix.size + 8) / 2) });
    expect(renderQr(matrix, { terminal: { columns: 200, rows: 50 }, mode: 'full' })).toMatchObject({ ok: false, reason: 'too-small' });
  });

  it('only reports valid QR sizes', () => {
    expect(sizes.every(isValidQrSize)).toBe(true);
    expect([20, 22, 25.5, 181].some(isValidQrSize)).toBe(false);
  });
});

describe('renderFrame', () => {
  const terminal = { columns: 120, rows: 50 };

  it('draws header, QR, instruction and countdown within the terminal', () => {
    const frame = renderFrame({ matrix, secondsLeft: 19.2, hostName: 'vps-1', rotation: 2, terminal });
    const lines = frame.text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(frame.height);
    expect(frame.height).toBeLessThan(terminal.rows);
    for (const line of lines) expect(visibleText(line).length).toBeLessThan(terminal.columns);
    expect(frame.mode).toBe('half');
    expect(lines[0]).toBe('vps-1: scan with WhatsApp to link (code 2)');
    expect(lines.at(-2)).toBe(LINK_INSTRUCTION);
    expect(lines.at(-1)).toBe('Code expires in 20s; a new one follows automatically.');
    const parsed = parseHalfBlockQr(lines.slice(1, -2).map(visibleText), QUIET_ZONE);
    expect(parsed.ok && decodeMatrix(parsed.matrix)).toEqual({ ok: true, payload });
  });

  it('redraws in place: back up over every line of the previous frame, then clear', () => {
    const first = renderFrame({ matrix, secondsLeft: 60, hostName: 'vps-1', rotation: 1, terminal });
    const next = renderFrame({ matrix: qrMatrix(whatsappRef(prng(22), 60)), secondsLeft: 20, hostName: 'vps-1', rotation: 2, terminal });
    expect(first.erase).toBe(`\r\x1b[${first.height}A\x1b[J`);
    expect(replaceFrame(first, next)).toBe(`${first.erase}${next.text}`);
    expect(replaceFrame(undefined, first)).toBe(first.text);
    expect(updateCountdown(0)).toBe('\r\x1b[1A\x1b[2KCode expired; waiting for the next one…\n');
  });

  it('says what size is needed when the terminal is too small', () => {
    const frame = renderFrame({ matrix, secondsLeft: 20, hostName: 'vps-1', rotation: 1, terminal: { columns: 80, rows: 24 } });
    expect(frame.mode).toBe('too-small');
    expect(frame.text).toContain(`needs ${matrix.size + 9}×${Math.ceil((matrix.size + 8) / 2) + FRAME_CHROME_LINES}, this one is 80×24`);
    expect(frame.text).not.toMatch(/[█▀▄]/);
    for (const line of frame.text.split('\n')) expect(line.length).toBeLessThan(80);
  });
});

describe('pickPalette', () => {
  it('keeps explicit colours under NO_COLOR, since they are the content, and drops them only without a terminal', () => {
    expect(pickPalette({ NO_COLOR: '1', TERM: 'xterm-256color' }, true)).toBe('ansi');
    expect(pickPalette({ COLORTERM: 'truecolor' }, true)).toBe('truecolor');
    expect(pickPalette({ TERM: 'dumb', COLORTERM: 'truecolor' }, true)).toBe('none');
    expect(pickPalette({}, false)).toBe('none');
  });
});
