// Issue 12, item 4: nothing a user or a host sends makes clawfix work without bound. Each attack is
// replayed as it was reported; each must end bounded, or in a one-line error with exit 2.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LIMITS, boundedInt } from '../../src/cli-args.js';
import { HostsFileError, MAX_HOSTS_FILE_BYTES, parseHostsFile, readHostsFile } from '../../src/inventory/load.js';
import { LineSplitter, MAX_LINE_BYTES } from '../../src/lines.js';
import { KeyFileError, KeyLoader } from '../../src/ssh/keys.js';
import { consumeCapped } from '../../src/read-capped.js';
import { noStack, runMain } from '../fixtures/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'clawfix-bounds-'));

function split(chunks: Buffer[], max?: number): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line), max);
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return lines;
}

describe('line splitter of step output and logs', () => {
  it('splits across chunks, keeps a UTF-8 character split in two whole, drops CR before LF', () => {
    const text = Buffer.from('a€b\r\nsecond\nlast');
    const chunks = [...text].map((byte) => Buffer.from([byte]));
    expect(split(chunks)).toEqual(['a€b', 'second', 'last']);
  });

  it('a 64 MB line from the host (it took 210 s) is held to 64 KiB while it comes, then cut with a marker', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    const chunk = Buffer.alloc(32 * 1024, 'x');
    let mostHeld = 0;
    for (let sent = 0; sent < 64 * 1024 * 1024; sent += chunk.length) {
      splitter.push(chunk);
      mostHeld = Math.max(mostHeld, splitter.heldBytes);
    }
    splitter.push(Buffer.from('\nnext\n'));
    expect(mostHeld).toBe(MAX_LINE_BYTES);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(`${'x'.repeat(MAX_LINE_BYTES)} … [line cut: ${64 * 1024 * 1024} bytes]`);
    expect(lines[1]).toBe('next');
  });

  it('many short lines: eight times the input costs about eight times the work, not sixty-four', () => {
    // a ratio of two sizes, best of three each, so a loaded machine does not decide the outcome
    const cost = (count: number) => {
      const chunk = Buffer.from('line\n'.repeat(count));
      let best = Infinity;
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        expect(split([chunk])).toHaveLength(count);
        best = Math.min(best, performance.now() - started);
      }
      return best;
    };
    expect(cost(1_600_000) / cost(200_000)).toBeLessThan(24);
  });

  it('a cut line never ends in half a UTF-8 character', () => {
    const [line] = split([Buffer.from(`ab${'€'.repeat(10)}\n`)], 6);
    expect(line).toBe('ab€ … [line cut: 32 bytes]');
  });
});

describe('numeric flags have upper bounds', () => {
  it('boundedInt takes 1…max and nothing else', () => {
    const parse = boundedInt('--n', 10);
    expect(parse('10')).toBe(10);
    for (const bad of ['0', '11', '-1', '1.5', '1e3', '0x10', '', 'ten', '99999999999999999999']) expect(() => parse(bad), bad).toThrow(/--n must be a whole number from 1 to 10/);
  });

  it.each([
    [['--connect-timeout', '3000000', 'hosts'], /--connect-timeout must be a whole number from 1 to 86400/],
    [['--concurrency', '100000000', 'hosts'], /--concurrency must be a whole number from 1 to 1024/],
    [['logs', 'web-1', '--lines', '999999999999'], /--lines must be a whole number from 1 to 100000/],
  ])('%j is a usage error (exit 2) before anything connects', async (args, message) => {
    const r = await runMain(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(noStack(r.stderr)).toBe(true);
  });

  it('the bound of --connect-timeout fits a Node timer (2^31-1 ms)', () => {
    expect(LIMITS.connectTimeoutSeconds * 1000).toBeLessThan(2 ** 31 - 1);
  });
});

describe('hosts file size and YAML aliases', () => {
  it('a hosts file over the size limit is refused without parsing it (exit 2)', async () => {
    const path = join(dir, 'huge.yaml');
    writeFileSync(path, `hosts:\n${'  - name: a\n'.repeat(MAX_HOSTS_FILE_BYTES / 10)}`);
    const error = await readHostsFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostsFileError);
    expect((error as HostsFileError).message).toMatch(/is larger than 4 MB: not a hosts file/);
    expect((error as HostsFileError).exitCode).toBe(2);
  });

  it('/dev/zero as the hosts file ends at the cap', async () => {
    await expect(readHostsFile('/dev/zero')).rejects.toThrow(/larger than 4 MB/);
  });

  it('a YAML alias bomb is a one-line hosts-file error, not a stack', async () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i += 1) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const bomb = `${levels.join('\n')}\nhosts:\n  - name: web-1\n    tags: *i\n`;
    expect(() => parseHostsFile(bomb, 'bomb.yaml')).toThrow(HostsFileError);
    expect(() => parseHostsFile(bomb, 'bomb.yaml')).toThrow(/expands its aliases too often/);
    const path = join(dir, 'bomb.yaml');
    writeFileSync(path, bomb);
    const r = await runMain(['--hosts', path, 'hosts']);
    expect(r.code).toBe(2);
    expect(noStack(r.stderr)).toBe(true);
  });

  it('a few aliases, as a hosts file uses them, still work', () => {
    const file = parseHostsFile('defaults:\n  openclaw: &oc {user: claw}\nhosts:\n  - name: a\n    openclaw: *oc\n  - name: b\n    openclaw: *oc\n', 'h.yaml');
    expect(file.hosts.map((h) => h.openclaw?.user)).toEqual(['claw', 'claw']);
  });

  it('YAML nested past the stack is a hosts-file error', () => {
    const deep = `hosts: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`;
    expect(() => parseHostsFile(deep, 'deep.yaml')).toThrow(HostsFileError);
  });
});

describe('triage on endless or binary input', () => {
  it('--log /dev/zero ends at once with a clear message (exit 2), not a RangeError', async () => {
    const r = await runMain(['triage', '--log', '/dev/zero']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^clawfix: \/dev\/zero is binary \(a NUL byte at offset 0\), not a log/m);
    expect(noStack(r.stderr)).toBe(true);
  });

  it('--status /dev/zero too', async () => {
    const r = await runMain(['triage', '--status', '/dev/zero']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is binary/);
  });

  it('an endless text stream stops at the byte cap', async () => {
    let produced = 0;
    const endless = new Readable({
      read() {
        produced += 65536;
        this.push(Buffer.alloc(65536, 'y\n'));
      },
    });
    expect(await consumeCapped(endless, 8 * 1024 * 1024, () => undefined)).toBe(false);
    expect(produced).toBeLessThan(16 * 1024 * 1024);
  });

  it('a log with one giant line is judged, the line cut', async () => {
    const path = join(dir, 'one-line.log');
    writeFileSync(path, `${'z'.repeat(8 * 1024 * 1024)}\n`);
    const r = await runMain(['triage', '--log', path, '--json']);
    expect([0, 4]).toContain(r.code);
    expect(JSON.parse(r.stdout).verdict).toBeTypeOf('string');
  });

  it('a missing file is a usage error naming it', async () => {
    const r = await runMain(['triage', '--log', join(dir, 'nope.log')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read .*nope\.log: ENOENT/);
  });
});

describe('other files a user names', () => {
  it('-F /dev/zero (ssh config) ends at the cap with exit 2', async () => {
    const hosts = join(dir, 'ok.yaml');
    writeFileSync(hosts, 'hosts:\n  - name: web-1\n');
    const r = await runMain(['--hosts', hosts, '-F', '/dev/zero', 'hosts']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\/dev\/zero is larger than 4 MB: not an ssh config/);
    expect(noStack(r.stderr)).toBe(true);
  });

  it('a host pattern that is no valid class ([z-a]) is a usage error, not an internal one', async () => {
    const hosts = join(dir, 'ok2.yaml');
    writeFileSync(hosts, 'hosts:\n  - name: web-1\n');
    const r = await runMain(['--hosts', hosts, 'hosts', '[z-a]']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^clawfix: not a valid host pattern: \[z-a\]/m);
    expect(noStack(r.stderr)).toBe(true);
  });

  it('identityFile: /dev/zero is a key-file error, read no further than 1 MB', async () => {
    const loader = new KeyLoader();
    expect(await loader.publicKey('/dev/zero')).toBeUndefined();
    const error = await loader.privateKey('/dev/zero', undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyFileError);
    expect((error as KeyFileError).message).toMatch(/larger than 1 MB: not a key file/);
  });
});
