// The QR as clawfix prints it without a terminal can be read back (what the integration test does to
// play the phone), and the display redraws in place on a terminal.
import QRCode from 'qrcode';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { QrDisplay } from '../../src/fix/qr-display.js';
import { matrixFromBitMatrix } from '../../src/qr/matrix.js';
import { readDrawnQr } from '../fixtures/fix/helpers.js';

const PAYLOAD = '2@Gr84JAp4GysGeJzKLGP6fsrOOBVOf+9upC8dlOEsUkU9ZFWhwXIjZ4cC9FI73te0SjIIpk4aI8KW/AdaSxjj2ckR,4/ZLEYnIg8Lt9YZu87nzA3NV3P4VrpsJ5TOo2sRHXtw=,Zn/kF94i8O5ZK4IwWIOOy5n0q38LP4hDR8IY5cUjx5k=,uJV2ouAQ2FImTaOlBPoA0Cfi6SscngRMCWQL6CvoKII=';
const matrix = () => matrixFromBitMatrix(QRCode.create(PAYLOAD, { errorCorrectionLevel: 'M' }).modules);

function stream(isTTY: boolean) {
  const out = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number; rows?: number };
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  Object.assign(out, { isTTY, columns: 200, rows: 80 });
  return { out: out as unknown as NodeJS.WriteStream, text: () => text };
}

describe('QrDisplay', () => {
  it('without a terminal: full blocks in plain characters, which decode back to the payload', async () => {
    const { out, text } = stream(false);
    const display = new QrDisplay({ out, hostName: 'box' });
    await display.show(matrix(), 1);
    await display.show(matrix(), 2);
    await display.finish('done');
    expect(text()).not.toMatch(/\x1b/);
    const first = readDrawnQr(text());
    expect(first?.payload).toBe(PAYLOAD);
    expect(readDrawnQr(text(), first!.end)?.payload).toBe(PAYLOAD);
    expect(text()).toMatch(/code 2/);
  });

  it('on a terminal: black on white, the next code drawn over the last one, erased once spent', async () => {
    const { out, text } = stream(true);
    const display = new QrDisplay({ out, hostName: 'box', env: { TERM: 'xterm-256color' } });
    await display.show(matrix(), 1);
    const firstFrame = text();
    expect(firstFrame).toMatch(/\x1b\[30m/);
    expect(firstFrame).toMatch(/\x1b\[47m/);
    const height = firstFrame.split('\n').length - 1;
    await display.show(matrix(), 2);
    expect(text().slice(firstFrame.length)).toMatch(new RegExp(`^\\r\\x1b\\[${height}A\\x1b\\[J`));
    await display.finish('Linked');
    expect(text().endsWith(`\r\x1b[${height}A\x1b[J`)).toBe(true);
  });
});
