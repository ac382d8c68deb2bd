/**
 * A QR image (the gateway's web login sends one as a PNG data URL) back to its module matrix, so it
 * is drawn exactly like a QR read from the CLI's terminal output. The image is synthetic (square
 * modules of whole pixels, black on white), so sampling each module's centre is exact; the
 * caller still decodes the result before showing it.
 */
import { isValidQrSize, structuralProblem, type GrayRaster, type QrMatrix } from './matrix.js';
import { decodePng } from './png-decode.js';

const DATA_URL = /^data:image\/png;base64,([A-Za-z0-9+/=\s]+)$/;

export function matrixFromPngDataUrl(dataUrl: string): QrMatrix {
  const match = DATA_URL.exec(dataUrl.trim());
  if (!match) throw new Error('the QR is not a PNG data URL');
  return matrixFromRaster(decodePng(Buffer.from(match[1]!, 'base64')));
}

export function matrixFromRaster(image: GrayRaster, threshold = 128): QrMatrix {
  const dark = (x: number, y: number) => image.pixels[y * image.width + x]! < threshold;
  let top = -1;
  let left = image.width;
  let right = -1;
  let bottom = -1;
  for (let y = 0; y < image.height; y += 1) {
    for (let x = 0; x < image.width; x += 1) {
      if (!dark(x, y)) continue;
      if (top < 0) top = y;
      bottom = y;
      left = Math.min(left, x);
      right = Math.max(right, x);
    }
  }
  if (top < 0) throw new Error('the QR image is blank');
  // The top-left finder's first row is 7 dark modules: that gives the module size in pixels.
  let run = 0;
  while (left + run <= right && dark(left + run, top)) run += 1;
  const symbolWidth = right - left + 1;
  const size = Math.round(symbolWidth / (run / 7));
  if (!isValidQrSize(size) || Math.abs(bottom - top + 1 - symbolWidth) > run / 7) throw new Error(`the QR image does not look like a QR symbol (${symbolWidth} px wide, finder ${run} px)`);
  const module = symbolWidth / size;
  const modules = new Uint8Array(size * size);
  for (let r = 0; r < size; r += 1) {
    for (let c = 0; c < size; c += 1) {
      const x = Math.min(right, Math.floor(left + (c + 0.5) * module));
      const y = Math.min(bottom, Math.floor(top + (r + 0.5) * module));
      modules[r * size + c] = dark(x, y) ? 1 : 0;
    }
  }
  const matrix = { size, modules };
  const problem = structuralProblem(matrix);
  if (problem) throw new Error(`the QR image is damaged: ${problem}`);
  return matrix;
}
