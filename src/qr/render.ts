import { isDark, QUIET_ZONE, type QrMatrix } from './matrix.js';

/**
 * `full`: a module is two cells wide and one line tall, each cell filled by its background colour,
 * which scans best. `half`: two module rows per line with half blocks, half the height.
 */
export type QrDrawMode = 'full' | 'half';

/**
 * Colours are explicit both ways (black modules on a white ground) so that the theme cannot turn
 * the code grey-on-grey or inverted. `none` is for terminals without SGR (TERM=dumb, a log
 * file): dark modules as `█`, which reads right on a light background only.
 */
export type QrPalette = 'ansi' | 'truecolor' | 'none';

export interface TerminalSize {
  columns: number;
  rows: number;
}

export type QrRender =
  | { ok: true; text: string; lines: string[]; mode: QrDrawMode; width: number; height: number }
  | { ok: false; reason: 'too-small'; needed: TerminalSize };

const SGR = {
  ansi: { fg: '30', light: '47', dark: '40' },
  truecolor: { fg: '38;2;0;0;0', light: '48;2;255;255;255', dark: '48;2;0;0;0' },
} as const;
const RESET = '\x1b[0m';
const HALF = [' ', '▄', '▀', '█'] as const; // index: top * 2 + bottom

/**
 * NO_COLOR is deliberately not honoured here: it asks for no decorative colour, while a QR's
 * colours are its content, and a theme-coloured QR is exactly what users cannot scan.
 */
export function pickPalette(env: NodeJS.ProcessEnv, isTTY: boolean): QrPalette {
  if (!isTTY || env.TERM === 'dumb') return 'none';
  return /^(truecolor|24bit)$/i.test(env.COLORTERM ?? '') ? 'truecolor' : 'ansi';
}

/** Cells a symbol of `size` modules takes, quiet zone included. */
export function qrFootprint(size: number, mode: QrDrawMode): TerminalSize {
  const side = size + 2 * QUIET_ZONE;
  return mode === 'full' ? { columns: side * 2, rows: side } : { columns: side, rows: Math.ceil(side / 2) };
}

/**
 * The drawing must leave the last column free (a line that fills it wraps early on some
 * terminals, which breaks redrawing in place) and `reserveLines` rows for the text around it.
 */
export function fitsTerminal(size: number, mode: QrDrawMode, terminal: TerminalSize, reserveLines = 0): boolean {
  const need = qrFootprint(size, mode);
  return need.columns < terminal.columns && need.rows + reserveLines <= terminal.rows;
}

/** The most robust mode that fits: full blocks, else half blocks, else none. */
export function chooseMode(size: number, terminal: TerminalSize, reserveLines = 0): QrDrawMode | undefined {
  return (['full', 'half'] as const).find((mode) => fitsTerminal(size, mode, terminal, reserveLines));
}

export function renderQr(
  matrix: QrMatrix,
  options: { terminal: TerminalSize; reserveLines?: number; palette?: QrPalette; mode?: QrDrawMode | 'auto' },
): QrRender {
  const reserve = options.reserveLines ?? 0;
  const wanted = options.mode ?? 'auto';
  const mode = wanted === 'auto' ? chooseMode(matrix.size, options.terminal, reserve) : fitsTerminal(matrix.size, wanted, options.terminal, reserve) ? wanted : undefined;
  if (!mode) {
    const smallest = qrFootprint(matrix.size, wanted === 'auto' ? 'half' : wanted);
    return { ok: false, reason: 'too-small', needed: { columns: smallest.columns + 1, rows: smallest.rows + reserve } };
  }
  const lines = drawQr(matrix, mode, options.palette ?? 'ansi');
  const { columns, rows } = qrFootprint(matrix.size, mode);
  return { ok: true, text: lines.join('\n'), lines, mode, width: columns, height: rows };
}

/** The drawing alone, quiet zone included, one string per terminal line. */
export function drawQr(matrix: QrMatrix, mode: QrDrawMode, palette: QrPalette = 'ansi'): string[] {
  const from = -QUIET_ZONE;
  const to = matrix.size + QUIET_ZONE;
  const lines: string[] = [];
  if (mode === 'half') {
    for (let y = from; y < to; y += 2) {
      let cells = '';
      for (let x = from; x < to; x += 1) cells += HALF[Number(isDark(matrix, y, x)) * 2 + Number(isDark(matrix, y + 1, x))];
      lines.push(palette === 'none' ? cells : `\x1b[${SGR[palette].fg};${SGR[palette].light}m${cells}${RESET}`);
    }
    return lines;
  }
  for (let y = from; y < to; y += 1) {
    let line = palette === 'none' ? '' : `\x1b[${SGR[palette].fg}m`;
    let previous: boolean | undefined;
    for (let x = from; x < to; x += 1) {
      const dark = isDark(matrix, y, x);
      // Background colour fills the whole cell, where a font's █ may leave hairlines between lines.
      if (palette !== 'none' && dark !== previous) line += `\x1b[${dark ? SGR[palette].dark : SGR[palette].light}m`;
      line += dark ? '██' : '  ';
      previous = dark;
    }
    lines.push(palette === 'none' ? line : `${line}${RESET}`);
  }
  return lines;
}

export const LINK_INSTRUCTION = 'WhatsApp → Settings → Linked Devices → Link a device';

/** Header, instruction and countdown around the QR, plus the line the cursor is left on. */
export const FRAME_CHROME_LINES = 4;

export interface FrameInput {
  matrix: QrMatrix;
  secondsLeft: number;
  hostName: string;
  /** 1 for the first QR, 2 after the first rotation… */
  rotation: number;
  instruction?: string;
  mode?: QrDrawMode | 'auto';
  terminal?: TerminalSize;
  palette?: QrPalette;
}

export interface Frame {
  /** Ends with a newline; `height` lines. */
  text: string;
  height: number;
  mode: QrDrawMode | 'too-small';
  /** Written after this frame: moves back to its first line and clears to the end of the screen. */
  erase: string;
}

/** One screenful for a QR; `replaceFrame(previous, next)` draws a rotation over the last one. */
export function renderFrame(input: FrameInput): Frame {
  const terminal = input.terminal ?? { columns: 80, rows: 24 };
  const rendered = renderQr(input.matrix, { terminal, reserveLines: FRAME_CHROME_LINES, palette: input.palette ?? 'ansi', mode: input.mode ?? 'auto' });
  const body = rendered.ok
    ? rendered.lines
    : [
        `Terminal too small for a scannable QR: it needs ${rendered.needed.columns}×${rendered.needed.rows}, this one is ${terminal.columns}×${terminal.rows}.`,
        'Enlarge the window (or shrink the font), or open the QR in a browser.',
      ].map((line) => clip(line, terminal.columns));
  const lines = [
    clip(`${input.hostName}: scan with WhatsApp to link (code ${input.rotation})`, terminal.columns),
    ...body,
    clip(input.instruction ?? LINK_INSTRUCTION, terminal.columns),
    clip(countdownText(input.secondsLeft), terminal.columns),
  ];
  return { text: `${lines.join('\n')}\n`, height: lines.length, mode: rendered.ok ? rendered.mode : 'too-small', erase: eraseLines(lines.length) };
}

export function replaceFrame(previous: Frame | undefined, next: Frame): string {
  return `${previous?.erase ?? ''}${next.text}`;
}

/** Rewrites only the frame's last line, so a ticking countdown does not redraw the QR. */
export function updateCountdown(secondsLeft: number, columns = 80): string {
  return `\r\x1b[1A\x1b[2K${clip(countdownText(secondsLeft), columns)}\n`;
}

export function countdownText(secondsLeft: number): string {
  const seconds = Math.max(0, Math.ceil(secondsLeft));
  return seconds > 0 ? `Code expires in ${seconds}s; a new one follows automatically.` : 'Code expired; waiting for the next one…';
}

function eraseLines(count: number): string {
  return `\r\x1b[${count}A\x1b[J`;
}

function clip(text: string, columns: number): string {
  const width = Math.max(1, columns - 1);
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}
