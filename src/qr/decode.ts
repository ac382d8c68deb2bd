import jsqrModule from 'jsqr';
import { rasterize, type QrMatrix } from './matrix.js';

// jsqr is CommonJS with an ES-style `default` in its typings; Node hands us module.exports, whose
// `default` is the same function.
const jsQR = jsqrModule.default;

export type DecodeResult = { ok: true; payload: string } | { ok: false; reason: string };

/**
 * Reads a matrix back the way a phone would, from a clean black-on-white image, so that a QR we
 * reconstructed wrongly is reported instead of shown. 4 px per module is plenty for a synthetic image.
 */
export function decodeMatrix(matrix: QrMatrix, pixelsPerModule = 4): DecodeResult {
  const { width, height, pixels } = rasterize(matrix, pixelsPerModule);
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < pixels.length; i += 1) {
    const v = pixels[i]!;
    rgba[i * 4] = v;
    rgba[i * 4 + 1] = v;
    rgba[i * 4 + 2] = v;
    rgba[i * 4 + 3] = 255;
  }
  const found = jsQR(rgba, width, height, { inversionAttempts: 'dontInvert' });
  if (!found) return { ok: false, reason: 'the modules do not decode as a QR code' };
  const expectedVersion = (matrix.size - 17) / 4;
  if (found.version !== expectedVersion) return { ok: false, reason: `decoded as version ${found.version}, expected ${expectedVersion}` };
  if (found.data.length === 0) return { ok: false, reason: 'the QR code decodes to an empty payload' };
  return { ok: true, payload: found.data };
}
