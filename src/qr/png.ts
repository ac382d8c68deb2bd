import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { ClawfixError, ExitCode } from '../errors.js';
import { QUIET_ZONE, rasterize, type GrayRaster, type QrMatrix } from './matrix.js';

export interface QrPngOptions {
  pixelsPerModule?: number;
  quietZone?: number;
}

/** Black on white, 8 px per module and a 4-module quiet zone unless told otherwise. */
export function encodeQrPng(matrix: QrMatrix, options: QrPngOptions = {}): Buffer {
  return encodeGrayPng(rasterize(matrix, options.pixelsPerModule ?? 8, options.quietZone ?? QUIET_ZONE));
}

/**
 * Only the owner may read it: the QR is a credential for as long as it is valid. Written to a new
 * file (O_EXCL, 0600, a random name beside it) and renamed over `path`: a symlink planted at `path`
 * is replaced, never followed, and an existing file's looser mode is not kept.
 */
export async function writeQrPng(path: string, matrix: QrMatrix, options: QrPngOptions = {}): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      await handle.writeFile(encodeQrPng(matrix, options));
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw new ClawfixError('QR_PNG', `cannot write the QR to ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      hint: 'give --qr-png a file in a directory you can write',
      exitCode: ExitCode.NEEDS_ATTENTION,
    });
  }
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A minimal PNG: 8-bit greyscale, no interlace, every scanline with filter 0. */
export function encodeGrayPng({ width, height, pixels }: GrayRaster): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8); // bit depth 8, colour type 0 (grey), deflate, filter 0, no interlace
  const scanlines = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y += 1) scanlines.set(pixels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(scanlines, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

// zlib.crc32 only arrived in Node 20.15; the table costs 1 KiB.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
