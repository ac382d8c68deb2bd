import { isValidQrSize, matrixFromRows, type QrMatrix } from './matrix.js';

/** Each character stands for two module rows: [top dark, bottom dark]. */
const HALF_BLOCKS: Readonly<Record<string, readonly [boolean, boolean]>> = {
  ' ': [false, false],
  '▀': [true, false],
  '▄': [false, true],
  '█': [true, true],
};

/** A line drawn only with half blocks and spaces (colour codes already stripped). */
export function isHalfBlockLine(text: string): boolean {
  return /^[ █▀▄]*$/.test(text);
}

export type HalfBlockParse = { ok: true; matrix: QrMatrix } | { ok: false; reason: string };

/** Text lines needed for a symbol of `size` drawn with `margin` light modules on each side. */
export function halfBlockLineCount(size: number, margin: number): number {
  return Math.ceil((size + 2 * margin) / 2);
}

/**
 * The symbol size that a first line of `width` columns implies, or undefined. Trailing spaces may
 * have been trimmed on the way, which only ever removes light margin on the right.
 */
export function sizeFromWidth(width: number, margin: number): number | undefined {
  for (let trimmed = 0; trimmed <= margin; trimmed += 1) {
    const size = width + trimmed - 2 * margin;
    if (isValidQrSize(size)) return size;
  }
  return undefined;
}

/**
 * Rebuilds the module matrix from half-block lines: row 2i is the top half of line i, row 2i+1 the
 * bottom half, and `margin` light modules surround the symbol (1 in OpenClaw's compact QR; the
 * half-line past the bottom margin is light too). The margin must be light, or the text is not
 * what we think it is.
 */
export function parseHalfBlockQr(lines: readonly string[], margin: number): HalfBlockParse {
  const first = lines[0];
  if (first === undefined) return { ok: false, reason: 'no QR lines' };
  const size = sizeFromWidth(first.length, margin);
  if (size === undefined) return { ok: false, reason: `a QR line ${first.length} columns wide fits no QR size` };
  const width = size + 2 * margin;
  const expected = halfBlockLineCount(size, margin);
  if (lines.length !== expected) return { ok: false, reason: `a ${size}×${size} QR needs ${expected} lines, got ${lines.length}` };

  const grid: boolean[][] = Array.from({ length: expected * 2 }, () => new Array<boolean>(width).fill(false));
  for (const [i, line] of lines.entries()) {
    if (line.length > width) return { ok: false, reason: `line ${i + 1} is ${line.length} columns wide, expected ${width}` };
    for (let x = 0; x < line.length; x += 1) {
      const cell = HALF_BLOCKS[line[x]!];
      if (!cell) return { ok: false, reason: `line ${i + 1} has a character that is not a half block` };
      grid[2 * i]![x] = cell[0];
      grid[2 * i + 1]![x] = cell[1];
    }
  }
  for (const [y, row] of grid.entries()) {
    for (const [x, dark] of row.entries()) {
      const inSymbol = y >= margin && y < margin + size && x >= margin && x < margin + size;
      if (dark && !inSymbol) return { ok: false, reason: `dark module in the margin at line ${Math.floor(y / 2) + 1}, column ${x + 1}` };
    }
  }
  return { ok: true, matrix: matrixFromRows(grid.slice(margin, margin + size).map((row) => row.slice(margin, margin + size))) };
}
