import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { readKnownHostsFiles } from '../../src/ssh/known-hosts-store.js';
import { KeyLoader } from '../../src/ssh/keys.js';
import { freePort, useSshClient } from '../helpers/ssh-client.js';
import { keyPair, startSshServer, type TestSshServer } from '../helpers/ssh-server.js';

const clientKey = keyPair();
const f = useSshClient(clientKey);
let server: TestSshServer;

beforeAll(async () => {
  server = await startSshServer({ authorizedKeys: [clientKey.public] });
});
afterAll(async () => {
  await server.close();
});

describe('ProxyJump', () => {
  let bastion: TestSshServer;
  beforeAll(async () => {
    bastion = await startSshServer({ authorizedKeys: [clientKey.public], user: 'jumper' });
  });
  afterAll(async () => {
    await bastion.close();
  });
  const jump = () => ({ host: '127.0.0.1', port: bastion.port, user: 'jumper', identityFiles: [f.keyPath] });

  it('tunnels through a jump host, checking and recording both host keys', async () => {
    const before = server.connections;
    const c = await f.connect(f.hostFor(server, { proxyJump: [jump()] }));
    expect((await c.transport.exec('echo through')).stdout).toBe('through\n');
    expect(bastion.forwards.at(-1)).toEqual({ host: '127.0.0.1', port: server.port });
    expect(server.connections - before).toBe(1);
    expect(c.jumpHostKeys).toEqual([{ status: 'accepted', type: 'ssh-ed25519', fingerprint: bastion.hostKey.fingerprint }]);
    expect(c.hostKey).toMatchObject({ status: 'accepted', fingerprint: server.hostKey.fingerprint });
    const files = await readKnownHostsFiles([f.knownHosts]);
    expect(files[0]?.entries).toHaveLength(2);
    await c.transport.close();
    const again = await f.connect(f.hostFor(server, { proxyJump: [jump()] }));
    expect([again.hostKey.status, again.jumpHostKeys[0]?.status]).toEqual(['known', 'known']);
  });

  it('goes through two hops', async () => {
    const c = await f.connect(f.hostFor(server, { proxyJump: [jump(), jump()] }));
    expect(c.jumpHostKeys).toHaveLength(2);
    expect((await c.transport.exec('echo two')).stdout).toBe('two\n');
  });

  it('refuses a jump host whose key changed, naming it as the jump host', async () => {
    const other = keyPair();
    await writeFile(f.knownHosts, `[127.0.0.1]:${bastion.port} ssh-ed25519 ${other.blob.toString('base64')}\n`);
    const error = await f.connectError(f.hostFor(server, { proxyJump: [jump()] }));
    expect(error.kind).toBe('host-key-changed');
    expect(error.message).toMatch(/^jump host 127\.0\.0\.1 for box \(jumper@127\.0\.0\.1:\d+\): host key for \[127\.0\.0\.1\]:\d+ has CHANGED/);
  });

  it('says which jump host could not reach the target', async () => {
    const port = await freePort();
    const error = await f.connectError(f.hostFor({ port }, { proxyJump: [jump()] }));
    expect(error.kind).toBe('unreachable');
    expect(error.message).toContain(`box (tester@127.0.0.1:${port} via jump host 127.0.0.1:${bastion.port})`);
  });
});

describe('authentication material', () => {
  it('falls back to the default ~/.ssh/id_* keys when none is named', async () => {
    const c = await f.connect(f.hostFor(server, { identityFiles: [], identitiesOnly: false }));
    expect((await c.transport.exec('echo ok')).stdout).toBe('ok\n');
  });

  it('asks an encrypted key passphrase once for parallel connections, only after the server accepted the key', async () => {
    const secret = keyPair({ passphrase: 'open sesame' });
    const secretPath = join(f.home, '.ssh', 'id_secret');
    await writeFile(secretPath, secret.private, { mode: 0o600 });
    const own = await startSshServer({ authorizedKeys: [secret.public] });
    try {
      const asked: string[] = [];
      const askPassphrase = async (path: string) => {
        asked.push(path);
        await new Promise((r) => setTimeout(r, 50));
        return 'open sesame';
      };
      const keyLoader = new KeyLoader();
      const host = f.hostFor(own, { identityFiles: [secretPath] });
      const [a, b] = await Promise.all([f.connect(host, { askPassphrase, keyLoader }), f.connect(host, { askPassphrase, keyLoader })]);
      expect(asked).toEqual([secretPath]);
      expect((await a.transport.exec('echo a')).stdout).toBe('a\n');
      expect((await b.transport.exec('echo b')).stdout).toBe('b\n');

      // A server that does not take the key never triggers a prompt.
      const refusing: string[] = [];
      const error = await f.connectError(f.hostFor(server, { identityFiles: [secretPath] }), { askPassphrase: async (p) => (refusing.push(p), 'x') });
      expect(error.kind).toBe('auth-failed');
      expect(refusing).toEqual([]);
    } finally {
      await own.close();
    }
  });

  it('fails with passphrase-needed when there is no way to ask, and notes a wrong passphrase', async () => {
    const secret = keyPair({ passphrase: 'right' });
    const secretPath = join(f.home, '.ssh', 'id_secret');
    await writeFile(secretPath, secret.private, { mode: 0o600 });
    const own = await startSshServer({ authorizedKeys: [secret.public] });
    try {
      const host = f.hostFor(own, { identityFiles: [secretPath] });
      const needed = await f.connectError(host);
      expect(needed).toMatchObject({ kind: 'passphrase-needed', exitCode: ExitCode.UNREACHABLE });
      expect(needed.message).toContain(secretPath);
      expect(needed.message).toContain('box (tester@127.0.0.1');
      expect(needed.hint).toContain(`ssh-add ${secretPath}`);

      let attempts = 0;
      const wrong = await f.connectError(host, { askPassphrase: async () => (attempts++, 'wrong') });
      expect(attempts).toBe(3);
      expect(wrong.kind).toBe('auth-failed');
      expect(wrong.message).toContain('~/.ssh/id_secret: wrong passphrase');
      expect(wrong.message).not.toContain('wrong,');
    } finally {
      await own.close();
    }
  });

  it('ignores a private key others can read, as ssh does', async () => {
    const loose = join(f.home, '.ssh', 'loose');
    await writeFile(loose, clientKey.private, { mode: 0o644 });
    const error = await f.connectError(f.hostFor(server, { identityFiles: [loose] }));
    expect(error.kind).toBe('auth-failed');
    expect(error.message).toContain('permissions 0644');
  });

  describe('with a real ssh-agent', () => {
    let agentDir: string;
    let socket: string;
    let agentPid: number;
    beforeAll(async () => {
      agentDir = await mkdtemp(join(tmpdir(), 'clawfix-agent-'));
      socket = join(agentDir, 'agent.sock');
      const out = execFileSync('ssh-agent', ['-a', socket, '-s'], { encoding: 'utf8' });
      agentPid = Number(/SSH_AGENT_PID=(\d+)/.exec(out)?.[1]);
      const keyFile = join(agentDir, 'k');
      await writeFile(keyFile, clientKey.private, { mode: 0o600 });
      execFileSync('ssh-add', [keyFile], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
    });
    afterAll(async () => {
      if (agentPid > 0) process.kill(agentPid, 'SIGTERM');
      await rm(agentDir, { recursive: true, force: true });
    });

    it('uses the agent first, then skips a key file the agent already offered', async () => {
      await rm(f.keyPath);
      const c = await f.connect(f.hostFor(server, { identityFiles: [], identitiesOnly: false }), { agentSocket: socket });
      expect((await c.transport.exec('echo agent')).stdout).toBe('agent\n');

      const stranger = keyPair();
      const strangerPath = join(f.home, '.ssh', 'stranger');
      await writeFile(strangerPath, stranger.private, { mode: 0o600 });
      execFileSync('ssh-add', [strangerPath], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
      const own = await startSshServer({ authorizedKeys: [] });
      try {
        const error = await f.connectError(f.hostFor(own, { identityFiles: [strangerPath], identitiesOnly: false }), { agentSocket: socket });
        expect(error.message).toContain('ssh-agent (2 keys)');
        expect(own.offeredKeys.filter((f) => f === stranger.fingerprint)).toHaveLength(1);
      } finally {
        await own.close();
        execFileSync('ssh-add', ['-d', strangerPath], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
      }
    });

    it('with IdentitiesOnly offers only the configured keys from the agent', async () => {
      const stranger = keyPair();
      const strangerPath = join(f.home, '.ssh', 'stranger');
      await writeFile(strangerPath, stranger.private, { mode: 0o600 });
      const error = await f.connectError(f.hostFor(server, { identityFiles: [strangerPath], identitiesOnly: true }), { agentSocket: socket });
      expect(error.kind).toBe('auth-failed');
      expect(error.message).not.toContain('ssh-agent');
    });
  });
});
