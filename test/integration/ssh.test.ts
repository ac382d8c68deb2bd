import { execFileSync, spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeHome, runCli, writeHostsFile } from '../helpers/cli.js';
import { describeWithEngine, startBastionAndTarget, startSshHost, type SshHost } from '../helpers/containers.js';
import { createKeyDir, fingerprintOfPublicKey, type ClientKey, type KeyDir } from '../helpers/keys.js';
import type { ResolvedHost } from '../../src/inventory/types.js';
import { FileKnownHostsWriter } from '../../src/ssh/known-hosts-store.js';
import { KeyLoader } from '../../src/ssh/keys.js';
import { connectSsh } from '../../src/transport/ssh.js';

describeWithEngine('clawfix over a real OpenSSH sshd', () => {
  let keys: KeyDir;
  let plain: ClientKey;
  let encrypted: ClientKey;
  let host: SshHost;
  let home: string;

  beforeAll(async () => {
    keys = await createKeyDir();
    plain = await keys.clientKey({ name: 'plain' });
    encrypted = await keys.clientKey({ name: 'encrypted', passphrase: 'correct horse battery staple' });
    host = await startSshHost({ authorizedKeys: [plain.publicKey, encrypted.publicKey] });
  });
  afterAll(async () => {
    await keys?.cleanup();
  });

  const hostsYaml = (extra = '', identity = plain.privateKeyPath) =>
    `hosts:\n  - name: box\n    host: 127.0.0.1\n    port: ${host.port}\n    user: claw\n    identityFile: ${identity}\n${extra}`;

  it('logs in with a key, records the new host key hashed, and is silent about it the second time', async () => {
    home = await makeHome();
    const hosts = await writeHostsFile(home, hostsYaml());
    const first = await runCli(['hosts', '--check', '--hosts', hosts, '--json'], { env: { HOME: home } });
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout);
    expect(report.hosts[0]).toMatchObject({ name: 'box', status: 'ok', hostKey: { status: 'accepted', type: 'ssh-ed25519', fingerprint: fingerprintOfPublicKey(host.hostPublicKey) } });

    const knownHosts = await readFile(join(home, '.ssh', 'known_hosts'), 'utf8');
    expect(knownHosts).toMatch(/^\|1\|[^|]+\|[^ ]+ ssh-ed25519 AAAA/);
    expect(knownHosts).not.toContain('127.0.0.1');
    // OpenSSH itself must accept what we wrote.
    const found = execFileSync('ssh-keygen', ['-F', `[127.0.0.1]:${host.port}`, '-f', join(home, '.ssh', 'known_hosts')], { encoding: 'utf8' });
    expect(found).toContain('Host [127.0.0.1]:' + host.port + ' found');

    const second = await runCli(['hosts', '--check', '--hosts', hosts], { env: { HOME: home } });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/box\s+reachable\s+[\d.]+s\s+host key known ssh-ed25519 SHA256:/);
    expect(await readFile(join(home, '.ssh', 'known_hosts'), 'utf8')).toBe(knownHosts);
  });

  it('authenticates through a real ssh-agent when no key file is named', async () => {
    const agentHome = await makeHome();
    const socket = join(agentHome, 'agent.sock');
    const agent = execFileSync('ssh-agent', ['-a', socket, '-s'], { encoding: 'utf8' });
    const pid = /SSH_AGENT_PID=(\d+)/.exec(agent)?.[1];
    try {
      execFileSync('ssh-add', [plain.privateKeyPath], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'pipe' });
      const hosts = await writeHostsFile(agentHome, `hosts:\n  - name: box\n    host: 127.0.0.1\n    port: ${host.port}\n    user: claw\n`);
      const result = await runCli(['hosts', '--check', '--hosts', hosts], { env: { HOME: agentHome, SSH_AUTH_SOCK: socket } });
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toMatch(/box\s+reachable/);
      // Without the agent the same call has nothing to offer.
      const without = await runCli(['hosts', '--check', '--hosts', hosts], { env: { HOME: agentHome } });
      expect(without.code).toBe(3);
      expect(without.stdout).toMatch(/box\s+auth-failed/);
    } finally {
      if (pid) process.kill(Number(pid));
      await rm(agentHome, { recursive: true, force: true });
    }
  });

  it('asks for the passphrase of an encrypted key on a terminal, and refuses clearly without one', async () => {
    const keyHome = await makeHome();
    const hosts = await writeHostsFile(keyHome, hostsYaml('', encrypted.privateKeyPath));
    const noTty = await runCli(['hosts', '--check', '--hosts', hosts], { env: { HOME: keyHome } });
    expect(noTty.code).toBe(3);
    expect(noTty.stdout + noTty.stderr).toMatch(/encrypted.*no terminal|passphrase/i);
    expect(noTty.stdout + noTty.stderr).not.toContain('correct horse');

    // `script` gives the CLI a real pseudo-terminal; the passphrase is typed into it.
    const command = `${process.execPath} dist/cli.js hosts --check --hosts ${hosts}`;
    const typed = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn('script', ['-qfec', command, '/dev/null'], { env: { PATH: process.env.PATH!, HOME: keyHome, TERM: 'dumb' } });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk;
        if (/Passphrase for/.test(out) && !out.includes('\u0000sent')) {
          out += '\u0000sent';
          child.stdin.write(`${encrypted.passphrase}\r`);
        }
      });
      child.on('close', (code) => resolve({ code, out }));
    });
    expect(typed.out).toContain(`Passphrase for ${encrypted.privateKeyPath}`);
    const screen = typed.out.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    expect(screen).toMatch(/box\s+reachable/);
    expect(screen).not.toContain('correct horse');
    expect(typed.code).toBe(0);
    await rm(keyHome, { recursive: true, force: true });
  });

  it('refuses a changed host key with exit 5, both fingerprints and the command to clear it', async () => {
    const keyHome = await makeHome();
    const hosts = await writeHostsFile(keyHome, hostsYaml());
    expect((await runCli(['hosts', '--check', '--hosts', hosts], { env: { HOME: keyHome } })).code).toBe(0);
    const oldFingerprint = fingerprintOfPublicKey(host.hostPublicKey);
    const newKey = await keys.hostKey({ name: 'rotated' });
    host = await host.restart({ hostKey: newKey });
    const result = await runCli(['hosts', '--check', '--hosts', hosts], { env: { HOME: keyHome } });
    expect(result.code).toBe(5);
    const output = result.stdout + result.stderr;
    expect(output).toContain(oldFingerprint);
    expect(output).toContain(newKey.fingerprint);
    expect(output).toContain(`ssh-keygen -R '[127.0.0.1]:${host.port}'`);
    // Even accept-new never replaces a changed key, and nothing was written.
    const again = await runCli(['hosts', '--check', '--hosts', hosts, '--host-key-policy', 'accept-new'], { env: { HOME: keyHome } });
    expect(again.code).toBe(5);
    await rm(keyHome, { recursive: true, force: true });
  });

  it('refuses an unknown host key under --host-key-policy strict, and records nothing', async () => {
    const keyHome = await makeHome();
    const hosts = await writeHostsFile(keyHome, hostsYaml());
    const result = await runCli(['hosts', '--check', '--hosts', hosts, '--host-key-policy', 'strict'], { env: { HOME: keyHome } });
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/box\s+host-key-unknown/);
    await expect(readFile(join(keyHome, '.ssh', 'known_hosts'), 'utf8')).rejects.toThrow();
    await rm(keyHome, { recursive: true, force: true });
  });

  it('reports a closed port as unreachable (exit 3) within the connect timeout', async () => {
    const keyHome = await makeHome();
    const hosts = await writeHostsFile(keyHome, `hosts:\n  - name: closed\n    host: 127.0.0.1\n    port: 1\n    user: claw\n    identityFile: ${plain.privateKeyPath}\n  - name: box\n    host: 127.0.0.1\n    port: ${host.port}\n    user: claw\n    identityFile: ${plain.privateKeyPath}\n`);
    const result = await runCli(['hosts', '--check', '--hosts', hosts, '--connect-timeout', '3'], { env: { HOME: keyHome } });
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/closed\s+unreachable/);
    expect(result.stdout + result.stderr).toMatch(/refused/i);
    expect(result.stdout).toMatch(/box\s+reachable/); // one bad host never stops the others
    expect(result.durationMs).toBeLessThan(8_000);
    await rm(keyHome, { recursive: true, force: true });
  });

  it('a command past its timeout gets SIGTERM first, to its whole process group, so its own trap cleans up', async () => {
    const known = join(await makeHome(), 'known_hosts');
    const target: ResolvedHost = {
      name: 'box', hostname: '127.0.0.1', port: host.port, user: 'claw', identityFiles: [plain.privateKeyPath], identitiesOnly: true,
      proxyJump: [], knownHostsFiles: [known], hostKeyPolicy: 'accept-new', tags: [], openclaw: { account: 'default' }, sources: {},
    };
    const { transport } = await connectSsh(target, {
      home: tmpdir(), agentSocket: null, globalKnownHostsFiles: [], keyLoader: new KeyLoader(), knownHostsWriter: new FileKnownHostsWriter(), connectTimeoutMs: 5000,
    });
    try {
      // sleep is the shell's foreground child: the trap runs at once only if sleep got the TERM too (sshd's killpg)
      const result = await transport.exec(`rm -f /tmp/cleaned; trap 'echo cleaned > /tmp/cleaned; exit 143' TERM; sleep 30`, { timeoutMs: 500 });
      expect(result).toMatchObject({ timedOut: true, exitCode: 143 });
      expect(result.durationMs).toBeLessThan(2000);
      expect((await transport.exec('cat /tmp/cleaned')).stdout).toBe('cleaned\n');
    } finally {
      await transport.close();
    }
  });

  it('gives exit 2 and the line number for a hosts file with errors, without a stack trace', async () => {
    const keyHome = await makeHome();
    const hosts = await writeHostsFile(keyHome, 'hosts:\n  - name: box\n    host: 127.0.0.1\n    prot: 22\n');
    const result = await runCli(['hosts', '--check', '--hosts', hosts], { env: { HOME: keyHome } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${hosts}:4:5: hosts[0].prot: unknown key "prot" (did you mean "port"?)`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    await rm(keyHome, { recursive: true, force: true });
  });
});

describeWithEngine('ProxyJump through a bastion', () => {
  it('reaches a target only the bastion can reach, checking both host keys', async () => {
    const keys = await createKeyDir();
    const key = await keys.clientKey({ name: 'jump' });
    const pair = await startBastionAndTarget({ authorizedKeys: [key.publicKey] });
    const home = await makeHome();
    try {
      await writeHostsFile(home, '');
      // The jump host's key comes from ssh config, as with `ssh -J`.
      await writeFile(join(home, '.ssh', 'config'), `Host bastion\n  HostName 127.0.0.1\n  Port ${pair.bastion.port}\n  User claw\n  IdentityFile ${key.privateKeyPath}\n`);
      const hosts = await writeHostsFile(home, `hosts:\n  - name: inside\n    host: ${pair.targetAlias}\n    user: claw\n    identityFile: ${key.privateKeyPath}\n    proxyJump: bastion\n`);
      const result = await runCli(['hosts', '--check', '--hosts', hosts, '--json'], { env: { HOME: home } });
      expect(result.code, result.stderr + result.stdout).toBe(0);
      expect(JSON.parse(result.stdout).hosts[0]).toMatchObject({ status: 'ok', hostKey: { fingerprint: fingerprintOfPublicKey(pair.target.hostPublicKey) } });
      const knownHosts = execFileSync('ssh-keygen', ['-F', `[127.0.0.1]:${pair.bastion.port}`, '-f', join(home, '.ssh', 'known_hosts')], { encoding: 'utf8' });
      expect(knownHosts).toContain('found');
      expect(execFileSync('ssh-keygen', ['-F', pair.targetAlias, '-f', join(home, '.ssh', 'known_hosts')], { encoding: 'utf8' })).toContain('found');
    } finally {
      await pair.stop();
      await keys.cleanup();
      await rm(home, { recursive: true, force: true });
    }
  });
});
