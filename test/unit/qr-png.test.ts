import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeQrPng, writeQrPng } from '../../src/qr/png.js';
import { decodeGrayPng, scanGray } from '../fixtures/qr/png-decode.js';
import { prng, qrMatrix, whatsappRef } from '../fixtures/qr/openclaw-cli.js';

describe('QR PNG', () => {
  it.each([
    [20, 'L'],
    [60, 'M'],
    [120, 'Q'],
  ] as const)('writes a PNG that scans back to the payload (ref of %i bytes, EC %s)', (refBytes, ec) => {
    const payload = whatsappRef(prng(refBytes), refBytes);
    const matrix = qrMatrix(payload, ec);
    const png = decodeGrayPng(encodeQrPng(matrix));
    expect(png.width).toBe((matrix.size + 8) * 8);
    expect(png.height).toBe(png.width);
    expect(scanGray(png)).toBe(payload);
    expect(new Set(png.gray)).toEqual(new Set([0, 255]));
  });

  it('keeps a 4-module quiet zone, all white, on every side', () => {
    const matrix = qrMatrix(whatsappRef(prng(3)));
    const { width, gray } = decodeGrayPng(encodeQrPng(matrix, { pixelsPerModule: 5 }));
    const zone = 4 * 5;
    for (let y = 0; y < width; y += 1) {
      for (let x = 0; x < width; x += 1) {
        const inZone = x < zone || y < zone || x >= width - zone || y >= width - zone;
        if (inZone) expect(gray[y * width + x]).toBe(255);
      }
    }
    // The finder pattern's corner starts right after the zone.
    expect(gray[zone * width + zone]).toBe(0);
  });

  it('writes a file only its owner can read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clawfix-qr-'));
    try {
      const payload = whatsappRef(prng(4));
      const path = join(dir, 'qr.png');
      await writeQrPng(path, qrMatrix(payload));
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect(scanGray(decodeGrayPng(await readFile(path)))).toBe(payload);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
