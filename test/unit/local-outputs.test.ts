// Issue 12, item 5: what clawfix writes and starts on the laptop. --qr-png never follows a symlink
// and always makes a fresh 0600 file; --qr-browser never puts the page's token on a command line;
// the recap of a restore that was not verified does not call it "not destructive"; a bad --account
// is a usage error.
import { chmodSync, existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ApplyResult } from '../../src/fix/apply.js';
import type { Journal } from '../../src/fix/journal.js';
import { planRestore } from '../../src/fix/plan.js';
import { renderRecap } from '../../src/fix/report.js';
import { openInBrowser, serveQrPage } from '../../src/qr/browser.js';
import { writeQrPng } from '../../src/qr/png.js';
import { setColor } from '../../src/ui/style.js';
import { HOST, diagnosisFor } from '../fixtures/fix/diagnosis.js';
import { prng, qrMatrix, whatsappRef } from '../fixtures/qr/openclaw-cli.js';
import { noStack, runMain } from '../fixtures/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'clawfix-local-out-'));

describe('--qr-png', () => {
  it('replaces a symlink planted at the path instead of writing through it', async () => {
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious');
    const path = join(dir, 'link.png');
    symlinkSync(victim, path);
    await writeQrPng(path, qrMatrix(whatsappRef(prng(5))));
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(path).isSymbolicLink()).toBe(false);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('an existing file with a loose mode becomes a fresh 0600 file', async () => {
    const path = join(dir, 'loose.png');
    writeFileSync(path, 'old');
    chmodSync(path, 0o644);
    const before = statSync(path).ino;
    await writeQrPng(path, qrMatrix(whatsappRef(prng(6))));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(path).ino).not.toBe(before);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('a path it cannot write is a one-line ClawfixError', async () => {
    await expect(writeQrPng(join(dir, 'no-such-dir/qr.png'), qrMatrix(whatsappRef(prng(7))))).rejects.toThrow(/cannot write the QR to .*qr\.png: ENOENT/);
  });
});

describe('--qr-browser', () => {
  it("the opener's argv holds a file:// launcher, never the page's token", async () => {
    const page = await serveQrPage();
    try {
      const argvFile = join(dir, 'argv.txt');
      const opener = join(dir, 'opener.sh');
      // written whole, then renamed: the test never reads it half written
      writeFileSync(opener, `#!/bin/sh\nprintf '%s\\n' "$@" > '${argvFile}.tmp' && mv '${argvFile}.tmp' '${argvFile}'\n`, { mode: 0o700 });
      const { opened, cleanup } = await openInBrowser(page.url, { opener });
      expect(opened).toBe(true);
      for (let i = 0; i < 250 && !existsSync(argvFile); i += 1) await new Promise((r) => setTimeout(r, 20));
      const argv = readFileSync(argvFile, 'utf8').trim();
      const token = new URL(page.url).pathname.split('/')[1]!;
      expect(token.length).toBeGreaterThan(20);
      expect(argv).not.toContain(token);
      expect(argv).toMatch(/^file:\/\/.*\/open\.html$/);
      const launcher = fileURLToPath(argv);
      expect(statSync(launcher).mode & 0o777).toBe(0o600);
      expect(statSync(join(launcher, '..')).mode & 0o777).toBe(0o700);
      expect(readFileSync(launcher, 'utf8')).toContain(`url=${page.url}`);
      await cleanup();
      expect(existsSync(launcher)).toBe(false);
    } finally {
      await page.close();
    }
  });
});

describe('restore recap', () => {
  it('a restore that was not verified is said to stand unverified, not "not destructive"', () => {
    setColor(false);
    const plan = planRestore(diagnosisFor({ verdict: 'healthy' }), { host: HOST, archive: '/b/x.tar.gz', download: false });
    const journal = {
      restore: { archive: '/b/x.tar.gz', stage: '/s/.clawfix/restore-t', aside: '/s/.clawfix/replaced-t' },
      backup: { remotePath: '/b/safety.tar.gz', sha256: 'a'.repeat(64), sizeBytes: 1, tool: 'tar' },
    } as unknown as Journal;
    const result: ApplyResult = { status: 'failed', done: ['backup', 'stop-gateway', 'restore', 'start-gateway'], failed: { id: 'verify', error: new Error('not connected') }, rolledBack: [], rollbackFailed: false };
    const recap = renderRecap({ plan, result, journal, durationMs: 1000 });
    expect(recap).not.toMatch(/not destructive/);
    expect(recap).toMatch(/the restore stands, unverified: it was not rolled back; what it replaced is kept in \/s\/\.clawfix\/replaced-t; to go back: clawfix restore vps1 \/b\/safety\.tar\.gz/);
  });
});

describe('--account', () => {
  it('a path as account id is a usage error before anything connects', async () => {
    const r = await runMain(['fix', 'web-1', '--account', '../../../victim']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^clawfix: not an account id: "..\/..\/..\/victim"/m);
    expect(noStack(r.stderr)).toBe(true);
  });
});
