import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { serveQrPage, type QrPage } from '../../src/qr/browser.js';
import { LINK_INSTRUCTION } from '../../src/qr/render.js';
import { decodeGrayPng, scanGray } from '../fixtures/qr/png-decode.js';
import { prng, qrMatrix, whatsappRef } from '../fixtures/qr/openclaw-cli.js';

let page: QrPage | undefined;
afterEach(async () => {
  await page?.close();
  page = undefined;
});

async function png(url: string): Promise<Buffer> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('image/png');
  return Buffer.from(await res.arrayBuffer());
}

describe('serveQrPage', () => {
  it('serves the page, the state and the current QR under the token only', async () => {
    let clock = 1_000_000;
    page = await serveQrPage({ now: () => clock });
    const { url } = page;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{32}\/$/);
    const origin = new URL(url).origin;

    const html = await fetch(url);
    expect(html.status).toBe(200);
    expect(html.headers.get('cache-control')).toBe('no-store');
    expect(html.headers.get('content-security-policy')).toContain("default-src 'none'");
    const body = await html.text();
    expect(body).toContain(LINK_INSTRUCTION);
    // The inline script runs only under the CSP nonce, and must at least parse.
    const script = /<script nonce="([^"]+)">([\s\S]*)<\/script>/.exec(body);
    expect(html.headers.get('content-security-policy')).toContain(`script-src 'nonce-${script?.[1]}'`);
    expect(() => new Function(script?.[2] ?? 'syntax error')).not.toThrow();

    for (const path of ['/', '/qr.png', '/state', `/${'x'.repeat(32)}/`, `/${'x'.repeat(32)}/qr.png`, `${new URL(url).pathname.slice(0, -2)}/qr.png`]) {
      expect((await fetch(`${origin}${path}`)).status, path).toBe(404);
    }
    const bare = await fetch(url.slice(0, -1), { redirect: 'manual' });
    expect(bare.status).toBe(308);
    expect(bare.headers.get('location')).toBe(new URL(url).pathname);

    expect(await (await fetch(`${url}state`)).json()).toEqual({ version: 0, secondsLeft: 0, message: null });
    expect((await fetch(`${url}qr.png`)).status).toBe(404);

    const [first, second] = [whatsappRef(prng(31)), whatsappRef(prng(32))];
    page.update(qrMatrix(first), 60);
    clock += 15_500;
    expect(await (await fetch(`${url}state`)).json()).toEqual({ version: 1, secondsLeft: 45, message: null });
    const firstPng = await png(`${url}qr.png?v=1`);
    expect(scanGray(decodeGrayPng(firstPng))).toBe(first);

    page.update(qrMatrix(second), 20);
    expect(await (await fetch(`${url}state`)).json()).toMatchObject({ version: 2, secondsLeft: 20 });
    const secondPng = await png(`${url}qr.png?v=2`);
    expect(secondPng.equals(firstPng)).toBe(false);
    expect(scanGray(decodeGrayPng(secondPng))).toBe(second);

    page.finish('Linked. You can close this tab.');
    expect(await (await fetch(`${url}state`)).json()).toMatchObject({ version: 3, message: 'Linked. You can close this tab.' });
    expect((await fetch(`${url}qr.png`)).status).toBe(404);
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);
  });

  it('answers 404 to a request for another host name, even with the token (DNS rebinding)', async () => {
    page = await serveQrPage();
    const target = new URL(page.url);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: target.port, path: target.pathname, headers: { Host: `evil.example:${target.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(404);
  });

  it('calls onClose once the server has stopped, and refuses connections after', async () => {
    let closed = 0;
    const served = await serveQrPage({ onClose: () => (closed += 1) });
    await fetch(served.url); // leaves a kept-alive connection behind
    await Promise.all([served.close(), served.close()]);
    expect(closed).toBe(1);
    await expect(fetch(served.url)).rejects.toThrow();
  });
});
