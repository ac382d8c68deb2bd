import { inflateSync } from 'node:zlib';
import type { GrayRaster } from './matrix.js';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Samples per pixel by colour type: grey, -, RGB, palette, grey+alpha, -, RGBA. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const MAX_SIDE = 4096;

/**
 * A PNG as grey levels, composited over white (a transparent pixel is light, as on the page the
 * gateway's Control UI shows it on). Covers what QR renderers write: 8-bit grey, RGB, palette,
 * with or without alpha, 1/2/4-bit grey and palette, every filter type. Not 16-bit, not interlaced.
 */
export function decodePng(png: Buffer): GrayRaster {
  if (png.length < 8 || !png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG image');
  let width = 0;
  let height = 0;
  let depth = 0;
  let type = -1;
  let palette: Buffer | undefined;
  let alphas: Buffer | undefined;
  const data: Buffer[] = [];
  for (let at = 8; at + 8 <= png.length; ) {
    const length = png.readUInt32BE(at);
    const kind = png.toString('latin1', at + 4, at + 8);
    const body = png.subarray(at + 8, at + 8 + length);
    at += 12 + length;
    if (kind === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      depth = body[8]!;
      type = body[9]!;
      if (body[12] !== 0) throw new Error('interlaced PNG images are not supported');
    } else if (kind === 'PLTE') palette = body;
    else if (kind === 'tRNS') alphas = body;
    else if (kind === 'IDAT') data.push(body);
    else if (kind === 'IEND') break;
  }
  const channels = CHANNELS[type];
  if (!channels || ![1, 2, 4, 8].includes(depth) || (depth < 8 && channels !== 1)) throw new Error(`unsupported PNG format (colour type ${type}, ${depth}-bit)`);
  if (width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) throw new Error(`unexpected PNG size ${width}×${height}`);
  if (type === 3 && !palette) throw new Error('palette PNG without a palette');

  const stride = Math.ceil((width * channels * depth) / 8);
  const bpp = Math.max(1, (channels * depth) / 8);
  const raw = inflateSync(Buffer.concat(data));
  if (raw.length < (stride + 1) * height) throw new Error('PNG image data is truncated');
  const rows = unfilter(raw, stride, height, bpp);

  const pixels = new Uint8Array(width * height);
  const max = (1 << depth) - 1;
  for (let y = 0; y < height; y += 1) {
    const row = rows.subarray(y * stride, (y + 1) * stride);
    for (let x = 0; x < width; x += 1) {
      let grey: number;
      let alpha = 255;
      if (depth < 8) {
        const bit = x * depth;
        const v = (row[bit >> 3]! >> (8 - depth - (bit & 7))) & max;
        if (type === 3) [grey, alpha] = paletteGrey(palette!, alphas, v);
        else grey = Math.round((v * 255) / max);
      } else {
        const p = x * channels;
        if (type === 3) [grey, alpha] = paletteGrey(palette!, alphas, row[p]!);
        else if (channels <= 2) grey = row[p]!;
        else grey = luma(row[p]!, row[p + 1]!, row[p + 2]!);
        if (channels === 2 || channels === 4) alpha = row[p + channels - 1]!;
      }
      pixels[y * width + x] = Math.round((grey * alpha + 255 * (255 - alpha)) / 255);
    }
  }
  return { width, height, pixels };
}

function unfilter(raw: Buffer, stride: number, height: number, bpp: number): Uint8Array {
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y += 1) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    for (let i = 0; i < stride; i += 1) {
      const a = i >= bpp ? out[row + i - bpp]! : 0;
      const b = y > 0 ? out[row - stride + i]! : 0;
      const c = y > 0 && i >= bpp ? out[row - stride + i - bpp]! : 0;
      const predictor = filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : filter === 4 ? paeth(a, b, c) : -1;
      if (predictor < 0) throw new Error(`unknown PNG filter type ${filter}`);
      out[row + i] = (raw[src + i]! + predictor) & 0xff;
    }
  }
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

const luma = (r: number, g: number, b: number): number => Math.round(0.299 * r + 0.587 * g + 0.114 * b);

function paletteGrey(palette: Buffer, alphas: Buffer | undefined, index: number): [number, number] {
  const p = index * 3;
  return [luma(palette[p] ?? 0, palette[p + 1] ?? 0, palette[p + 2] ?? 0), alphas?.[index] ?? 255];
}
