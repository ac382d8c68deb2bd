/**
 * A QR symbol as plain data, so the terminal, the PNG and the browser page all draw the same
 * modules, and so the parser can be checked against a generator in tests.
 */
export interface QrMatrix {
  readonly size: number;
  /** Row-major, size × size; 1 is a dark module. */
  readonly modules: Uint8Array;
}

/** ISO/IEC 18004 asks for a light border of 4 modules; phones fail more often with less. */
export const QUIET_ZONE = 4;

export function isValidQrSize(size: number): boolean {
  return Number.isInteger(size) && size >= 21 && size <= 177 && (size - 21) % 4 === 0;
}

/** Outside the symbol everything is light, as the quiet zone is. */
export function isDark(matrix: QrMatrix, row: number, col: number): boolean {
  if (row < 0 || col < 0 || row >= matrix.size || col >= matrix.size) return false;
  return matrix.modules[row * matrix.size + col] === 1;
}

export function matrixFromRows(rows: readonly (readonly boolean[])[]): QrMatrix {
  const size = rows.length;
  const modules = new Uint8Array(size * size);
  rows.forEach((row, r) => row.forEach((dark, c) => (modules[r * size + c] = dark ? 1 : 0)));
  return { size, modules };
}

/** From the `qrcode` package's BitMatrix (what OpenClaw draws from): `get(row, col)`. */
export function matrixFromBitMatrix(bits: { size: number; get(row: number, col: number): number | boolean }): QrMatrix {
  const modules = new Uint8Array(bits.size * bits.size);
  for (let r = 0; r < bits.size; r += 1) for (let c = 0; c < bits.size; c += 1) modules[r * bits.size + c] = bits.get(r, c) ? 1 : 0;
  return { size: bits.size, modules };
}

/**
 * Checks what any reader relies on to find the symbol at all: the three finder patterns with their
 * light separators and the two timing lines. Returns what is wrong, or undefined.
 */
export function structuralProblem(matrix: QrMatrix): string | undefined {
  const { size } = matrix;
  if (!isValidQrSize(size)) return `size ${size} is not a QR size (21..177, 4k+1)`;
  const corners: [string, number, number][] = [['top-left', 0, 0], ['top-right', 0, size - 7], ['bottom-left', size - 7, 0]];
  for (const [name, top, left] of corners) {
    for (let r = -1; r <= 7; r += 1) {
      for (let c = -1; c <= 7; c += 1) {
        const row = top + r;
        const col = left + c;
        if (row < 0 || col < 0 || row >= size || col >= size) continue;
        const ring = r === 0 || r === 6 || c === 0 || c === 6;
        const core = r >= 2 && r <= 4 && c >= 2 && c <= 4;
        const inside = r >= 0 && r <= 6 && c >= 0 && c <= 6;
        if (isDark(matrix, row, col) !== (inside && (ring || core))) return `${name} finder pattern is damaged at row ${row}, column ${col}`;
      }
    }
  }
  for (let i = 8; i < size - 8; i += 1) {
    if (isDark(matrix, 6, i) !== (i % 2 === 0)) return `horizontal timing pattern is damaged at column ${i}`;
    if (isDark(matrix, i, 6) !== (i % 2 === 0)) return `vertical timing pattern is damaged at row ${i}`;
  }
  return undefined;
}

export interface GrayRaster {
  width: number;
  height: number;
  /** One byte per pixel: 0 black, 255 white. */
  pixels: Uint8Array;
}

/** Black on white pixels with a quiet zone; shared by the PNG writer and the self-check decoder. */
export function rasterize(matrix: QrMatrix, pixelsPerModule: number, quietZone = QUIET_ZONE): GrayRaster {
  const side = (matrix.size + 2 * quietZone) * pixelsPerModule;
  const pixels = new Uint8Array(side * side).fill(255);
  for (let r = 0; r < matrix.size; r += 1) {
    for (let c = 0; c < matrix.size; c += 1) {
      if (!isDark(matrix, r, c)) continue;
      const y0 = (r + quietZone) * pixelsPerModule;
      const x0 = (c + quietZone) * pixelsPerModule;
      for (let y = y0; y < y0 + pixelsPerModule; y += 1) pixels.fill(0, y * side + x0, y * side + x0 + pixelsPerModule);
    }
  }
  return { width: side, height: side, pixels };
}
