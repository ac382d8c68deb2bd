import { spawn } from 'node:child_process';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { QrMatrix } from './matrix.js';
import { encodeQrPng } from './png.js';
import { LINK_INSTRUCTION } from './render.js';

export interface QrPage {
  /** `http://127.0.0.1:<port>/<token>/`; anything not under the token is a 404. */
  url: string;
  /** Shows a new QR (a rotation); open pages pick it up within a second. */
  update(matrix: QrMatrix, secondsLeft: number): void;
  /** Replaces the QR with a last message, e.g. "Linked" or why the login failed. */
  finish(message: string): void;
  close(): Promise<void>;
}

export interface QrPageOptions {
  /** Called once, when the server has stopped. */
  onClose?: () => void;
  title?: string;
  now?: () => number;
}

interface PageState {
  version: number;
  png: Buffer | undefined;
  expiresAt: number;
  message: string | undefined;
}

/**
 * A page on the loopback interface that shows the current QR as a PNG and follows rotations by
 * polling a small JSON state. The random token in the path keeps other local users and web pages
 * (DNS rebinding) out; nothing is cached, nothing is sent to a referrer.
 */
export async function serveQrPage(options: QrPageOptions = {}): Promise<QrPage> {
  const now = options.now ?? Date.now;
  const token = randomBytes(24).toString('base64url');
  const nonce = randomBytes(16).toString('base64');
  const state: PageState = { version: 0, png: undefined, expiresAt: 0, message: undefined };
  const page = pageHtml(options.title ?? 'clawfix: link WhatsApp', nonce);
  let host = '';

  const server = createServer((req, res) => {
    const route = routeOf(req, token, host);
    if (route === undefined) return send(res, 404, 'text/plain; charset=utf-8', 'Not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'Method not allowed\n');
    if (route === '') {
      res.writeHead(308, { Location: `/${token}/`, 'Cache-Control': 'no-store' }).end();
      return;
    }
    if (route === '/') return send(res, 200, 'text/html; charset=utf-8', page, { 'Content-Security-Policy': csp(nonce) });
    if (route === '/state') {
      const secondsLeft = Math.max(0, Math.ceil((state.expiresAt - now()) / 1000));
      return send(res, 200, 'application/json', JSON.stringify({ version: state.version, secondsLeft, message: state.message ?? null }));
    }
    if (route === '/qr.png' && state.png && state.message === undefined) return send(res, 200, 'image/png', state.png);
    return send(res, 404, 'text/plain; charset=utf-8', 'Not found\n');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  host = `127.0.0.1:${port}`;
  server.once('close', () => options.onClose?.());

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}/${token}/`,
    update(matrix, secondsLeft) {
      state.png = encodeQrPng(matrix);
      state.expiresAt = now() + secondsLeft * 1000;
      state.message = undefined;
      state.version += 1;
    },
    finish(message) {
      state.message = message;
      state.version += 1;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Browsers keep polling connections alive; do not wait for them to time out.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** The part of the path after the token ('' for the bare token), or undefined for a 404. */
function routeOf(req: IncomingMessage, token: string, host: string): string | undefined {
  if (req.headers.host !== host) return undefined;
  const path = (req.url ?? '').split('?')[0] ?? '';
  const match = /^\/([A-Za-z0-9_-]+)(\/.*)?$/.exec(path);
  if (!match) return undefined;
  const given = Buffer.from(match[1]!);
  const expected = Buffer.from(token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  return match[2] ?? '';
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function csp(nonce: string): string {
  return `default-src 'none'; img-src 'self'; connect-src 'self'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; frame-ancestors 'none'`;
}

function pageHtml(title: string, nonce: string): string {
  const escaped = title.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escaped}</title>
<style nonce="${nonce}">
  body { margin: 0; min-height: 100vh; display: flex; flex-direction: column; align-items: center; justify-content: center;
         background: #fff; color: #111; font: 16px/1.4 system-ui, sans-serif; }
  img { width: min(80vmin, 560px); image-rendering: pixelated; }
  #status { margin-top: 0.5em; color: #555; }
</style></head>
<body>
  <h1 id="title">${escaped}</h1>
  <img id="qr" alt="WhatsApp link QR code" hidden>
  <p id="instruction">${LINK_INSTRUCTION}</p>
  <p id="status">Waiting for the first QR code…</p>
<script nonce="${nonce}">
  const img = document.getElementById('qr'), status = document.getElementById('status');
  let shown = 0, timer;
  async function poll() {
    try {
      const s = await (await fetch('state', { cache: 'no-store' })).json();
      if (s.message !== null) return stop(s.message);
      if (s.version === 0) return;
      if (s.version !== shown) { img.src = 'qr.png?v=' + s.version; img.hidden = false; shown = s.version; }
      status.textContent = s.secondsLeft > 0 ? 'Code expires in ' + s.secondsLeft + 's; a new one appears by itself.' : 'Waiting for the next code…';
    } catch { stop('clawfix has stopped; you can close this tab.'); }
  }
  function stop(message) { img.hidden = true; img.removeAttribute('src'); status.textContent = message; clearInterval(timer); }
  timer = setInterval(poll, 1000); poll();
</script>
</body></html>
`;
}

export interface OpenedPage {
  /** false when no opener could be started (the URL is then for the user to open). */
  opened: boolean;
  /** Removes the launcher file; called when the page closes. */
  cleanup(): Promise<void>;
}

/**
 * Asks the desktop to open `url` without putting it on a command line: any local user can read
 * another's argv (ps, /proc/<pid>/cmdline), and the URL's token is the page's only lock. The opener
 * gets a `file://` launcher instead, a page in a fresh 0700 dir (0600, O_EXCL) that redirects to
 * the URL. `opener` replaces the platform's command (tests).
 */
export async function openInBrowser(url: string, options: { platform?: NodeJS.Platform; opener?: string } = {}): Promise<OpenedPage> {
  const dir = await mkdtemp(join(tmpdir(), 'clawfix-qr-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  const launcher = join(dir, 'open.html');
  const href = url.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  await writeFile(launcher, `<!doctype html><meta charset="utf-8"><meta name="referrer" content="no-referrer"><meta http-equiv="refresh" content="0; url=${href}"><title>clawfix</title><a href="${href}">Open the clawfix QR page</a>
`, { mode: 0o600, flag: 'wx' });
  const target = pathToFileURL(launcher).href;
  const platform = options.platform ?? process.platform;
  const [command, args]: [string, string[]] = options.opener
    ? [options.opener, [target]]
    : platform === 'darwin' ? ['open', [target]] : platform === 'win32' ? ['cmd', ['/c', 'start', '', target]] : ['xdg-open', [target]];
  const opened = await new Promise<boolean>((resolve) => {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
  if (!opened) await cleanup();
  return { opened, cleanup };
}
