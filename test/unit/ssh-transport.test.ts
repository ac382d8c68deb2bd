import { readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server as NetServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { hostKeyAlgorithmsFor } from '../../src/ssh/connect.js';
import { classifyConnectError } from '../../src/ssh/errors.js';
import { freePort, useSshClient } from '../helpers/ssh-client.js';
import { keyPair, startSshServer, type TestSshServer } from '../helpers/ssh-server.js';

const clientKey = keyPair();
const f = useSshClient(clientKey);
let server: TestSshServer;

beforeAll(async () => {
  server = await startSshServer({ authorizedKeys: [clientKey.public], scripts: { 'no-exit-status': { stdout: 'partial', exitCode: null } } });
});
afterAll(async () => {
  await server.close();
});

describe('exec', () => {
  it('returns stdout, stderr, exit code and timing over one reused connection', async () => {
    const before = server.connections;
    const { transport } = await f.connect(f.hostFor(server));
    const result = await transport.exec('echo out; echo err >&2; exit 3');
    expect(result).toMatchObject({ command: 'echo out; echo err >&2; exit 3', stdout: 'out\n', stderr: 'err\n', exitCode: 3, signal: null, timedOut: false, truncated: false });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect((await transport.exec('true')).exitCode).toBe(0);
    expect(server.connections - before).toBe(1);
    expect(transport.stats()).toMatchObject({ commands: 2 });
    expect(transport.stats().packetsSent).toBeGreaterThan(5);
  });

  it('reports null when the channel closes without an exit status', async () => {
    const { transport } = await f.connect(f.hostFor(server));
    expect(await transport.exec('no-exit-status')).toMatchObject({ stdout: 'partial', exitCode: null, timedOut: false });
  });

  it('kills a command that runs past its timeout', async () => {
    const lines: string[] = [];
    const { transport } = await f.connect(f.hostFor(server), { debug: (line) => lines.push(line) });
    const marker = join(f.home, 'marker');
    const started = Date.now();
    const result = await transport.exec(`sleep 1 && touch ${marker}`, { timeoutMs: 200 });
    expect(result).toMatchObject({ timedOut: true, exitCode: null });
    expect(Date.now() - started).toBeLessThan(3000);
    // KILL is requested even though our side already sent EOF (ssh2's channel.signal() would not).
    expect(lines.some((l) => /CHANNEL_REQUEST \(r:\d+, signal: KILL\)/.test(l))).toBe(true);
    await new Promise((r) => setTimeout(r, 1300));
    await expect(stat(marker)).rejects.toThrow();
    // The connection is still good for the next command.
    expect((await transport.exec('echo again')).stdout).toBe('again\n');
  });

  it('bounds collected output but streams all of it', async () => {
    const { transport } = await f.connect(f.hostFor(server));
    let streamed = 0;
    const result = await transport.exec("head -c 100000 /dev/zero | tr '\\0' a", { maxOutputBytes: 1000, onStdout: (c) => (streamed += c.length) });
    expect(result.stdout).toBe('a'.repeat(1000));
    expect(result.truncated).toBe(true);
    expect(streamed).toBe(100000);
    expect(result.exitCode).toBe(0);
  });

  it('writes stdin, and gives EOF when there is none', async () => {
    const { transport } = await f.connect(f.hostFor(server));
    expect((await transport.exec('cat', { stdin: 'hello\n' })).stdout).toBe('hello\n');
    expect(await transport.exec('cat', { timeoutMs: 3000 })).toMatchObject({ stdout: '', exitCode: 0, timedOut: false });
  });

  it('requests a pty with the given size', async () => {
    const { transport } = await f.connect(f.hostFor(server));
    await transport.exec('echo pty-check', { pty: { cols: 100, rows: 40 }, stdin: '' });
    expect(server.execs.find((e) => e.command === 'echo pty-check')?.pty).toEqual({ cols: 100, rows: 40 });
  });

  it('throws connection-lost once the connection is gone', async () => {
    const own = await startSshServer({ authorizedKeys: [clientKey.public] });
    const { transport } = await f.connect(f.hostFor(own));
    await own.close();
    await new Promise((r) => setTimeout(r, 100));
    await expect(transport.exec('true')).rejects.toMatchObject({ kind: 'connection-lost', exitCode: ExitCode.UNREACHABLE });
  });

  it('rejects a running command with connection-lost when the connection drops', async () => {
    const own = await startSshServer({ authorizedKeys: [clientKey.public] });
    const { transport } = await f.connect(f.hostFor(own));
    const running = transport.exec('sleep 5');
    await new Promise((r) => setTimeout(r, 200));
    await own.close();
    await expect(running).rejects.toMatchObject({ kind: 'connection-lost' });
  });

  it('stops a command when its signal aborts, without calling it a timeout', async () => {
    const { transport } = await f.connect(f.hostFor(server));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const result = await transport.exec('sleep 5', { signal: controller.signal });
    expect(result).toMatchObject({ timedOut: false, exitCode: null });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('downloads over SFTP into a 0600 file', async () => {
    const remote = join(f.home, 'remote.json');
    await writeFile(remote, JSON.stringify({ big: 'x'.repeat(70000) }), { mode: 0o644 });
    const { transport } = await f.connect(f.hostFor(server));
    const local = join(f.home, 'copy.json');
    await transport.download?.(remote, local);
    expect(await readFile(local, 'utf8')).toBe(await readFile(remote, 'utf8'));
    expect((await stat(local)).mode & 0o777).toBe(0o600);
    await expect(transport.download?.(join(f.home, 'missing'), join(f.home, 'x'))).rejects.toMatchObject({ kind: 'download-failed' });
  });
});

describe('host keys', () => {
  it('accept-new records a hashed key, then the next connection finds it known', async () => {
    const first = await f.connect(f.hostFor(server));
    expect(first.hostKey).toEqual({ status: 'accepted', type: 'ssh-ed25519', fingerprint: server.hostKey.fingerprint });
    const text = await readFile(f.knownHosts, 'utf8');
    expect(text).toMatch(/^\|1\|/);
    expect(text).not.toContain('127.0.0.1');
    const second = await f.connect(f.hostFor(server));
    expect(second.hostKey.status).toBe('known');
    expect(await readFile(f.knownHosts, 'utf8')).toBe(text);
  });

  it('refuses a changed key with both fingerprints, file:line and the ssh-keygen -R command', async () => {
    const old = keyPair();
    await writeFile(f.knownHosts, `# mine\n[127.0.0.1]:${server.port} ssh-ed25519 ${old.blob.toString('base64')}\n`);
    const error = await f.connectError(f.hostFor(server));
    expect(error.kind).toBe('host-key-changed');
    expect(error.exitCode).toBe(ExitCode.HOST_KEY_CHANGED);
    expect(error.message).toContain(old.fingerprint);
    expect(error.message).toContain(server.hostKey.fingerprint);
    expect(error.message).toContain(`${f.knownHosts}:2`);
    expect(error.message).toContain(`ssh-keygen -R '[127.0.0.1]:${server.port}' -f ${f.knownHosts}`);
    expect(error.message).not.toContain('\n');
    expect(error.hint).toContain('ssh-keygen -R');
  });

  it('refuses a changed key even when the policy would accept new ones, and strict refuses unknown ones', async () => {
    const error = await f.connectError(f.hostFor(server, { hostKeyPolicy: 'strict' }));
    expect(error.kind).toBe('host-key-unknown');
    expect(error.exitCode).toBe(ExitCode.UNREACHABLE);
    expect(error.message).toContain(server.hostKey.fingerprint);
    await expect(stat(f.knownHosts)).rejects.toThrow();
    // The override wins over the host's own policy.
    expect((await f.connectError(f.hostFor(server), { hostKeyPolicy: 'strict' })).kind).toBe('host-key-unknown');
  });

  it('refuses a @revoked key', async () => {
    await writeFile(f.knownHosts, `[127.0.0.1]:${server.port} ssh-ed25519 ${server.hostKey.blob.toString('base64')}\n@revoked * ssh-ed25519 ${server.hostKey.blob.toString('base64')}\n`);
    const error = await f.connectError(f.hostFor(server));
    expect(error).toMatchObject({ kind: 'host-key-revoked', exitCode: ExitCode.HOST_KEY_CHANGED });
    expect(error.message).toContain(`${f.knownHosts}:2`);
  });

  it('reads read-only global files too, without writing to them', async () => {
    const global = join(f.home, 'ssh_known_hosts');
    await writeFile(global, `[127.0.0.1]:${server.port} ssh-ed25519 ${server.hostKey.blob.toString('base64')}\n`);
    const c = await f.connect(f.hostFor(server), { globalKnownHostsFiles: [global] });
    expect(c.hostKey.status).toBe('known');
    await expect(stat(f.knownHosts)).rejects.toThrow();
  });
});

describe('connection failures', () => {
  it('names the user and the keys tried when authentication fails, never key material', async () => {
    const stranger = keyPair();
    const strangerPath = join(f.home, '.ssh', 'stranger');
    await writeFile(strangerPath, stranger.private, { mode: 0o600 });
    const error = await f.connectError(f.hostFor(server, { identityFiles: [strangerPath, join(f.home, '.ssh', 'missing')] }));
    expect(error).toMatchObject({ kind: 'auth-failed', exitCode: ExitCode.UNREACHABLE });
    expect(error.message).toContain('tester@127.0.0.1');
    expect(error.message).toContain('~/.ssh/stranger');
    expect(error.message).toContain('~/.ssh/missing: no such identity file');
    expect(error.message).not.toContain(stranger.private.split('\n')[1]?.slice(0, 20));
    expect(server.offeredKeys).toContain(stranger.fingerprint);
  });

  it('says refused when nothing listens on the port', async () => {
    const port = await freePort();
    const error = await f.connectError(f.hostFor({ port }));
    expect(error).toMatchObject({ kind: 'refused', exitCode: ExitCode.UNREACHABLE });
    expect(error.message).toContain(`:${port}`);
  });

  it('times out when the server never answers the handshake', async () => {
    const silent: NetServer = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const started = Date.now();
      const error = await f.connectError(f.hostFor({ port }), { connectTimeoutMs: 300 });
      expect(error.kind).toBe('timeout');
      expect(error.message).toMatch(/handshake did not complete within 0.3s/);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      silent.close();
    }
  });

  it('classifies socket errors', () => {
    const target = { label: 'box', host: 'h', port: 22, user: 'u' };
    const err = (code: string) => Object.assign(new Error(`x ${code}`), { code });
    expect(classifyConnectError(err('ENOTFOUND'), target).kind).toBe('dns');
    expect(classifyConnectError(err('EAI_AGAIN'), target).kind).toBe('dns');
    expect(classifyConnectError(err('ECONNREFUSED'), target).kind).toBe('refused');
    expect(classifyConnectError(err('ETIMEDOUT'), target).kind).toBe('timeout');
    expect(classifyConnectError(err('EHOSTUNREACH'), target).kind).toBe('unreachable');
    expect(classifyConnectError(err('ENETUNREACH'), target).message).toContain('box (u@h:22)');
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    controller.abort();
    expect((await f.connectError(f.hostFor(server), { signal: controller.signal })).kind).toBe('aborted');
  });
});

describe('host key algorithms', () => {
  it('prefers the algorithm known_hosts already has, like ssh, so a second key type is not "changed"', async () => {
    const ecdsa = keyPair({ type: 'ecdsa' });
    const multi = await startSshServer({ authorizedKeys: [clientKey.public], extraHostKeys: [ecdsa.private] });
    try {
      await writeFile(f.knownHosts, `[127.0.0.1]:${multi.port} ecdsa-sha2-nistp256 ${ecdsa.blob.toString('base64')}\n`);
      const c = await f.connect(f.hostFor(multi));
      expect(c.hostKey).toMatchObject({ status: 'known', type: 'ecdsa-sha2-nistp256' });
    } finally {
      await multi.close();
    }
  });

  it('orders algorithms with the known ones first', () => {
    expect(hostKeyAlgorithmsFor(['ssh-rsa']).slice(0, 4)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519']);
    expect(hostKeyAlgorithmsFor([])[0]).toBe('ssh-ed25519');
  });
});
