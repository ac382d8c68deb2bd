/**
 * Where a link QR is shown on the laptop: the terminal (redrawn in place on each rotation, with a
 * countdown), and on request a PNG file and a loopback browser page. Without a terminal (a pipe, a
 * log, a test) each QR is printed once in full blocks, plain characters, so it can be read back.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { QrPage } from '../qr/browser.js';
import type { QrMatrix } from '../qr/matrix.js';
import { writeQrPng } from '../qr/png.js';
import { pickPalette, renderFrame, replaceFrame, updateCountdown, type Frame } from '../qr/render.js';
import { qrLifetimeSeconds } from '../qr/stream.js';
import { localStateDir } from './local-state.js';

export interface QrDisplayOptions {
  out: NodeJS.WriteStream;
  hostName: string;
  /** --qr-png FILE */
  pngPath?: string;
  /** --qr-browser */
  browser?: boolean;
  env?: NodeJS.ProcessEnv;
  note?: (line: string) => void;
}

export class QrDisplay {
  private frame: Frame | undefined;
  private timer: NodeJS.Timeout | undefined;
  private expiresAt = 0;
  private page: QrPage | undefined;
  private pngPath: string | undefined;
  private readonly live: boolean;
  shown = 0;

  constructor(private readonly options: QrDisplayOptions) {
    this.live = Boolean(options.out.isTTY);
    this.pngPath = options.pngPath;
  }

  async show(matrix: QrMatrix, version: number): Promise<void> {
    const seconds = qrLifetimeSeconds(version);
    this.expiresAt = Date.now() + seconds * 1000;
    this.shown += 1;
    const { out, hostName } = this.options;
    if (this.live) {
      const terminal = { columns: out.columns || 80, rows: out.rows || 24 };
      const next = renderFrame({ matrix, secondsLeft: seconds, hostName, rotation: version, terminal, palette: pickPalette(this.options.env ?? process.env, true) });
      out.write(replaceFrame(this.frame, next));
      this.frame = next;
      if (next.mode === 'too-small' && !this.pngPath && !this.page) await this.tooSmall();
      this.tick();
    } else {
      out.write(renderFrame({ matrix, secondsLeft: seconds, hostName, rotation: version, terminal: { columns: 1000, rows: 1000 }, palette: 'none', mode: 'full' }).text);
    }
    if (this.pngPath) await writeQrPng(this.pngPath, matrix);
    if (this.options.browser) await this.browser(matrix, seconds);
  }

  /** A line printed while a QR is on screen: the QR is drawn again below it, so redraws stay in place. */
  interject(line: string): void {
    const { out } = this.options;
    if (this.live && this.frame) out.write(`${this.frame.erase}${line}\n${this.frame.text}`);
    else out.write(`${line}\n`);
  }

  /** The QR is spent (linked) or dead (failed): take it off the screen and the page. */
  async finish(message: string): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.live && this.frame) this.options.out.write(this.frame.erase);
    this.frame = undefined;
    if (this.page) {
      this.page.finish(message);
      const page = this.page;
      this.page = undefined;
      setTimeout(() => void page.close(), 1500).unref();
    }
  }

  private tick(): void {
    clearInterval(this.timer);
    const columns = this.options.out.columns || 80;
    this.timer = setInterval(() => {
      if (!this.frame) return;
      this.options.out.write(updateCountdown((this.expiresAt - Date.now()) / 1000, columns));
    }, 1000);
    this.timer.unref();
  }

  /** Too small for a scannable QR: a PNG is written at once, and the browser page is offered. */
  private async tooSmall(): Promise<void> {
    const dir = join(localStateDir(), 'qr');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    this.pngPath = join(dir, `${this.options.hostName}.png`);
    this.options.note?.(`the QR is also in ${this.pngPath} (open it in an image viewer); or run again with --qr-browser`);
  }

  private async browser(matrix: QrMatrix, seconds: number): Promise<void> {
    if (!this.page) {
      const { serveQrPage, openInBrowser } = await import('../qr/browser.js');
      const launched: { cleanup?: () => Promise<void> } = {};
      this.page = await serveQrPage({ title: `clawfix: link WhatsApp on ${this.options.hostName}`, onClose: () => void launched.cleanup?.() });
      const { opened, cleanup } = await openInBrowser(this.page.url);
      launched.cleanup = cleanup;
      this.options.note?.(`${opened ? 'opened' : 'open'} ${this.page.url} in your browser (this machine only)`);
    }
    this.page.update(matrix, seconds);
  }
}
