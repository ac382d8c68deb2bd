import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  fingerprintSha256,
  formatKnownHostsLine,
  hostFieldMatches,
  knownHostsName,
  knownKeyTypes,
  lookupHostKey,
  parseKnownHosts,
  removeKnownHostCommand,
} from '../../src/ssh/known-hosts.js';
import { FileKnownHostsWriter, readKnownHostsFiles } from '../../src/ssh/known-hosts-store.js';
import { keyPair } from '../helpers/ssh-server.js';

const a = keyPair();
const b = keyPair();
const b64 = (blob: Buffer): string => blob.toString('base64');
const ed = (blob: Buffer): string => `ssh-ed25519 ${b64(blob)}`;
const parse = (text: string) => [parseKnownHosts(text, '/kh')];

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clawfix-kh-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fingerprints and names', () => {
  it('formats SHA256 fingerprints exactly like ssh-keygen -l', async () => {
    const file = join(dir, 'key.pub');
    await writeFile(file, `${a.public}\n`);
    const out = execFileSync('ssh-keygen', ['-l', '-f', file], { encoding: 'utf8' });
    expect(out.split(' ')[1]).toBe(fingerprintSha256(a.blob));
    expect(fingerprintSha256(a.blob)).not.toContain('=');
  });

  it('uses [host]:port only for ports other than 22, lowercased', () => {
    expect(knownHostsName('Example.COM', 22)).toBe('example.com');
    expect(knownHostsName('10.0.0.1', 2222)).toBe('[10.0.0.1]:2222');
  });

  it('suggests ssh-keygen -R with the bracketed name and the file', () => {
    expect(removeKnownHostCommand('10.0.0.1', 2222, '/home/u/.ssh/known_hosts')).toBe("ssh-keygen -R '[10.0.0.1]:2222' -f /home/u/.ssh/known_hosts");
    expect(removeKnownHostCommand('web', 22, '/k')).toBe('ssh-keygen -R web -f /k');
  });
});

describe('parsing', () => {
  it('keeps comments, blank and broken lines out, with the reasons', () => {
    const file = parseKnownHosts(
      ['# comment', '', 'onlyhost', `web ssh-ed25519 !!!notbase64`, `web ssh-rsa ${b64(a.blob)}`, '@weird web ssh-ed25519 AAAA', `web ${ed(a.blob)} a comment`, '|1|bad|hash ssh-ed25519 ' + b64(a.blob)].join('\n'),
      '/kh',
    );
    expect(file.entries).toHaveLength(1);
    expect(file.entries[0]).toMatchObject({ line: 7, hosts: 'web', keyType: 'ssh-ed25519' });
    expect(file.skipped.map((s) => s.line)).toEqual([3, 4, 5, 6, 8]);
  });

  it('reads markers', () => {
    const file = parseKnownHosts(`@revoked * ${ed(a.blob)}\n@cert-authority *.example.com ${ed(b.blob)}\n`, '/kh');
    expect(file.entries.map((e) => e.marker)).toEqual(['revoked', 'cert-authority']);
  });
});

describe('lookup', () => {
  it('finds plain names among several per line, and [host]:port entries', () => {
    const files = parse(`alpha,web.example.com,10.0.0.5 ${ed(a.blob)}\n[10.0.0.5]:2222 ${ed(b.blob)}\n`);
    expect(lookupHostKey(files, 'web.example.com', 22, a.blob)).toEqual({ status: 'known', file: '/kh', line: 1 });
    expect(lookupHostKey(files, '10.0.0.5', 2222, b.blob)).toEqual({ status: 'known', file: '/kh', line: 2 });
    // port 2222 is not port 22: the plain entry does not apply to it
    expect(lookupHostKey(files, 'alpha', 2222, a.blob)).toEqual({ status: 'unknown' });
  });

  it('matches hashed entries produced by the real ssh-keygen -H', async () => {
    const file = join(dir, 'known_hosts');
    await writeFile(file, `[127.0.0.1]:2200 ${ed(a.blob)}\nweb.example.com ${ed(b.blob)}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('127.0.0.1');
    expect(text).not.toContain('web.example.com');
    const files = await readKnownHostsFiles([file]);
    expect(lookupHostKey(files, '127.0.0.1', 2200, a.blob).status).toBe('known');
    expect(lookupHostKey(files, 'web.example.com', 22, b.blob).status).toBe('known');
    expect(lookupHostKey(files, '127.0.0.1', 2201, a.blob).status).toBe('unknown');
  });

  it('reports a different key of the same type as changed, with the stored fingerprint and file:line', () => {
    const files = parse(`# x\nweb ${ed(a.blob)}\n`);
    expect(lookupHostKey(files, 'web', 22, b.blob)).toEqual({
      status: 'changed',
      sameType: true,
      stored: [{ type: 'ssh-ed25519', fingerprint: fingerprintSha256(a.blob), file: '/kh', line: 2 }],
    });
  });

  it('treats a host known only with other algorithms as changed (sameType false)', () => {
    const rsa = Buffer.concat([Buffer.from([0, 0, 0, 7]), Buffer.from('ssh-rsa'), Buffer.from([0, 0, 0, 1, 3, 0, 0, 0, 1, 5])]);
    const files = parse(`web ssh-rsa ${b64(rsa)}\n`);
    const result = lookupHostKey(files, 'web', 22, a.blob);
    expect(result).toMatchObject({ status: 'changed', sameType: false, stored: [{ type: 'ssh-rsa', line: 1 }] });
    expect(knownKeyTypes(files, 'web', 22)).toEqual(['ssh-rsa']);
  });

  it('prefers a line with the very key over another line with a different one', () => {
    const files = parse(`web ${ed(b.blob)}\nweb ${ed(a.blob)}\n`);
    expect(lookupHostKey(files, 'web', 22, a.blob)).toEqual({ status: 'known', file: '/kh', line: 2 });
  });

  it('refuses @revoked keys even when another line knows them', () => {
    const files = [parseKnownHosts(`web ${ed(a.blob)}\n`, '/user'), parseKnownHosts(`@revoked * ${ed(a.blob)}\n`, '/global')];
    expect(lookupHostKey(files, 'web', 22, a.blob)).toEqual({ status: 'revoked', file: '/global', line: 1 });
    expect(lookupHostKey(files, 'web', 22, b.blob).status).toBe('changed');
  });

  it('ignores @cert-authority lines for matching', () => {
    const files = parse(`@cert-authority * ${ed(a.blob)}\n`);
    expect(lookupHostKey(files, 'web', 22, a.blob)).toEqual({ status: 'unknown' });
  });

  it('honours wildcards and negation', () => {
    const files = parse(`*.example.com,!bad.example.com ${ed(a.blob)}\nweb?? ${ed(b.blob)}\n`);
    expect(lookupHostKey(files, 'good.example.com', 22, a.blob).status).toBe('known');
    expect(lookupHostKey(files, 'bad.example.com', 22, a.blob).status).toBe('unknown');
    expect(lookupHostKey(files, 'web01', 22, b.blob).status).toBe('known');
    expect(lookupHostKey(files, 'web1', 22, b.blob).status).toBe('unknown');
    expect(hostFieldMatches('!a,*', 'a')).toBe(false);
  });
});

describe('writing', () => {
  it('appends a hashed line that OpenSSH itself finds, creating ~/.ssh 0700 and the file 0600', async () => {
    const file = join(dir, 'home', '.ssh', 'known_hosts');
    const writer = new FileKnownHostsWriter();
    const result = await writer.record({ file, host: '127.0.0.1', port: 2222, key: a.blob, lookupFiles: [file] });
    expect(result).toEqual({ status: 'added', file });
    const text = await readFile(file, 'utf8');
    expect(text).toMatch(/^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+ ssh-ed25519 AAAA\S+\n$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'home', '.ssh'))).mode & 0o777).toBe(0o700);
    const found = execFileSync('ssh-keygen', ['-F', '[127.0.0.1]:2222', '-f', file], { encoding: 'utf8' });
    expect(found).toContain('found: line 1');
  });

  it('adds a newline first when the file does not end with one', async () => {
    const file = join(dir, 'known_hosts');
    await writeFile(file, `web ${ed(b.blob)}`);
    await new FileKnownHostsWriter().record({ file, host: 'other', port: 22, key: a.blob, lookupFiles: [file] });
    const files = await readKnownHostsFiles([file]);
    expect(files[0]?.entries).toHaveLength(2);
  });

  it('keeps 50 concurrent appends intact, one line each', async () => {
    const file = join(dir, 'known_hosts');
    const writer = new FileKnownHostsWriter();
    const keys = Array.from({ length: 50 }, () => keyPair());
    await Promise.all(keys.map((k, i) => writer.record({ file, host: `10.0.0.${i}`, port: 22, key: k.blob, lookupFiles: [file] })));
    const text = await readFile(file, 'utf8');
    expect(text.trimEnd().split('\n')).toHaveLength(50);
    const files = await readKnownHostsFiles([file]);
    expect(files[0]?.skipped).toEqual([]);
    keys.forEach((k, i) => expect(lookupHostKey(files, `10.0.0.${i}`, 22, k.blob).status).toBe('known'));
  });

  it('records a bastion once when many connections meet it at the same time', async () => {
    const file = join(dir, 'known_hosts');
    const writer = new FileKnownHostsWriter();
    const results = await Promise.all(Array.from({ length: 20 }, () => writer.record({ file, host: 'bastion', port: 22, key: a.blob, lookupFiles: [file] })));
    expect(results.filter((r) => r.status === 'added')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'known')).toHaveLength(19);
    expect((await readFile(file, 'utf8')).trimEnd().split('\n')).toHaveLength(1);
  });

  it('reports changed instead of adding when another key was recorded meanwhile', async () => {
    const file = join(dir, 'known_hosts');
    const writer = new FileKnownHostsWriter();
    const [first, second] = await Promise.all([
      writer.record({ file, host: 'web', port: 22, key: a.blob, lookupFiles: [file] }),
      writer.record({ file, host: 'web', port: 22, key: b.blob, lookupFiles: [file] }),
    ]);
    expect(first?.status).toBe('added');
    expect(second).toMatchObject({ status: 'changed', stored: [{ fingerprint: fingerprintSha256(a.blob) }] });
  });

  it('formats lines with a given salt deterministically', () => {
    const salt = Buffer.alloc(20, 7);
    expect(formatKnownHostsLine('web', 22, a.blob, salt)).toBe(formatKnownHostsLine('WEB', 22, a.blob, salt));
    expect(hostFieldMatches(formatKnownHostsLine('web', 22, a.blob, salt).split(' ')[0] ?? '', 'web')).toBe(true);
  });
});
