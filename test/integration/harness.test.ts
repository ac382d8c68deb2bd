/**
 * Proves the integration harness itself: real sshd containers, host keys that survive (or not) a
 * restart, a target reachable only through a bastion, and both clients (system ssh, ssh2) against them.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import { getContainerRuntimeClient } from 'testcontainers';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeWithEngine,
  engine,
  runSsh,
  startBastionAndTarget,
  startSshHost,
  writeSshClientConfig,
  type SshHost,
} from '../helpers/containers.js';
import { createKeyDir, fingerprintOfPublicKey, knownHostsLine, type ClientKey, type HostKey, type KeyDir } from '../helpers/keys.js';

const timings: Record<string, number> = {};
async function timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    timings[name] = Math.round(performance.now() - t0);
  }
}

/** Logs in with ssh2 and runs one command; resolves with stdout and the host key fingerprint seen. */
function ssh2Run(opts: { host: string; port: number; privateKey: string; passphrase?: string; command: string }) {
  return new Promise<{ stdout: string; code: number | null; hostFingerprint: string }>((done, fail) => {
    const client = new ssh2.Client();
    let hostFingerprint = '';
    client
      .on('ready', () => {
        client.exec(opts.command, (err, stream) => {
          if (err) return fail(err);
          let stdout = '';
          stream.on('data', (d: Buffer) => (stdout += d.toString()));
          stream.stderr.on('data', () => {});
          stream.on('close', (code: number | null) => {
            client.end();
            done({ stdout, code, hostFingerprint });
          });
        });
      })
      .on('error', fail)
      .connect({
        host: opts.host,
        port: opts.port,
        username: 'claw',
        privateKey: opts.privateKey,
        ...(opts.passphrase ? { passphrase: opts.passphrase } : {}),
        readyTimeout: 10_000,
        hostVerifier: (key: Buffer) => {
          hostFingerprint = `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
          return true;
        },
      });
  });
}

describeWithEngine('integration harness', () => {
  let keys: KeyDir;
  let user: ClientKey;
  let locked: ClientKey;
  let stranger: ClientKey;
  let hostKeyA: HostKey;
  let hostKeyB: HostKey;
  let host: SshHost;

  beforeAll(async () => {
    keys = await createKeyDir();
    [user, locked, stranger, hostKeyA, hostKeyB] = await Promise.all([
      keys.clientKey({ name: 'user' }),
      keys.clientKey({ name: 'locked', passphrase: 'open sesame' }),
      keys.clientKey({ name: 'stranger' }),
      keys.hostKey({ name: 'host_a' }),
      keys.hostKey({ name: 'host_b' }),
    ]);
    host = await timed('container start (first, cold)', () =>
      startSshHost({
        authorizedKeys: [user.publicKey, locked.publicKey],
        authorizedKeysFor: { nosudo: [user.publicKey] },
        hostKey: hostKeyA,
      }),
    );
  });

  afterAll(async () => {
    await keys?.cleanup();
    if (engine) {
      console.log(
        `[harness timings] image build (global setup): ${engine.imageBuildMs} ms; ` +
          Object.entries(timings)
            .map(([k, v]) => `${k}: ${v} ms`)
            .join('; '),
      );
    }
  });

  it('the system ssh client logs in as claw with the test key', async () => {
    const knownHosts = keys.path('kh-login');
    const r = await runSsh([
      '-i', user.privateKeyPath,
      '-p', String(host.port),
      '-F', '/dev/null',
      '-o', `UserKnownHostsFile=${knownHosts}`,
      '-o', 'StrictHostKeyChecking=accept-new',
      '-o', 'BatchMode=yes',
      '-o', 'IdentitiesOnly=yes',
      `claw@${host.host}`,
      'id -un; openclaw --version || true',
    ]);
    expect(r.stderr).not.toMatch(/Permission denied/);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('claw');
    // accept-new recorded exactly the key we gave the container
    const recorded = await readFile(knownHosts, 'utf8');
    expect(recorded).toContain(hostKeyA.publicKey);
    expect(host.hostPublicKey).toBe(hostKeyA.publicKey);
    expect(host.host).toBe('127.0.0.1');
  });

  it('sudo: claw -> openclaw without password; nosudo has no sudo; no password logins', async () => {
    const cfg = await writeSshClientConfig(keys.dir, { identityFile: user.privateKeyPath, name: 'cfg-sudo' });
    const asOpenclaw = await runSsh(['-F', cfg.configPath, '-p', String(host.port), host.host, 'sudo -n -u openclaw id -un']);
    expect(asOpenclaw.stdout.trim()).toBe('openclaw');
    const asRoot = await runSsh(['-F', cfg.configPath, '-p', String(host.port), host.host, 'sudo -n id -un']);
    expect(asRoot.code).not.toBe(0);
    const nosudo = await runSsh(['-F', cfg.configPath, '-p', String(host.port), `nosudo@${host.host}`, 'id -u; sudo -n -u openclaw true']);
    expect(nosudo.stdout.trim()).toBe('1002');
    expect(nosudo.code).not.toBe(0);
    const strangerCfg = await writeSshClientConfig(keys.dir, { identityFile: stranger.privateKeyPath, name: 'cfg-stranger' });
    const denied = await runSsh(['-F', strangerCfg.configPath, '-p', String(host.port), host.host, 'true']);
    expect(denied.code).toBe(255);
    expect(denied.stderr).toMatch(/Permission denied \(publickey\)/);
    // the openclaw service user has no authorized key
    const openclawLogin = await runSsh(['-F', cfg.configPath, '-p', String(host.port), `openclaw@${host.host}`, 'true']);
    expect(openclawLogin.code).toBe(255);
  });

  it('ssh2 logs in with the passphrase-protected ed25519 key and sees the host key', async () => {
    const r = await ssh2Run({ host: host.host, port: host.port, privateKey: locked.privateKey, passphrase: 'open sesame', command: 'id -u; node --version' });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('1000');
    expect(r.stdout).toMatch(/^v18\./m);
    expect(r.hostFingerprint).toBe(hostKeyA.fingerprint);
    expect(fingerprintOfPublicKey(host.hostPublicKey)).toBe(hostKeyA.fingerprint);
  });

  it('restart keeps the host key and the port; a new key is seen as a changed host key', async () => {
    const knownHosts = await keys.writeKnownHosts('kh-restart', [knownHostsLine(host.host, host.port, hostKeyA.publicKey)]);
    const cfg = await writeSshClientConfig(keys.dir, {
      identityFile: user.privateKeyPath,
      knownHostsPath: knownHosts,
      strictHostKeyChecking: 'yes',
      name: 'cfg-restart',
    });
    const before = { port: host.port, id: host.container.getId() };

    await timed('restart, same key', () => host.restart());
    expect(host.container.getId()).not.toBe(before.id);
    expect(host.port).toBe(before.port);
    expect(host.hostPublicKey).toBe(hostKeyA.publicKey);
    const same = await runSsh(['-F', cfg.configPath, '-p', String(host.port), host.host, 'id -un']);
    expect(same.stderr).toBe('');
    expect(same.stdout.trim()).toBe('claw');

    await timed('restart, new key', () => host.restart({ hostKey: hostKeyB }));
    expect(host.port).toBe(before.port);
    expect(host.hostPublicKey).toBe(hostKeyB.publicKey);
    const changed = await runSsh(['-F', cfg.configPath, '-p', String(host.port), host.host, 'id -un']);
    expect(changed.code).toBe(255);
    expect(changed.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED/);
    expect(changed.stdout).toBe('');

    // no key given: the container makes one, and restart() keeps that one
    await host.restart({ hostKey: null });
    const generated = host.hostPublicKey;
    expect([hostKeyA.publicKey, hostKeyB.publicKey]).not.toContain(generated);
    await host.restart();
    expect(host.hostPublicKey).toBe(generated);
  });

  it('a target behind a bastion: nothing published, reachable with ssh -J', async () => {
    const pair = await timed('bastion + target start', () => startBastionAndTarget({ authorizedKeys: [user.publicKey] }));
    const { bastion, target } = pair;

    // the target publishes nothing: inspect shows no host port for 22/tcp
    const client = await getContainerRuntimeClient();
    const info = await client.container.inspect(client.container.getById(target.container.getId()));
    const published = Object.values(info.NetworkSettings.Ports ?? {}).flat().filter((b) => b && b.HostPort);
    expect(published).toEqual([]);
    expect(target.port).toBe(22);
    expect(target.host).toBe('target.internal');
    expect(info.NetworkSettings.Networks && Object.keys(info.NetworkSettings.Networks)).toEqual([pair.network.getName()]);

    const cfg = await writeSshClientConfig(keys.dir, { identityFile: user.privateKeyPath, name: 'cfg-jump' });
    // from this machine the target's name does not even resolve
    const direct = await runSsh(['-F', cfg.configPath, pair.targetAlias, 'true'], { timeoutMs: 20_000 });
    expect(direct.code).toBe(255);

    const viaJump = await timed('ssh -J round trip', () =>
      runSsh(['-F', cfg.configPath, '-J', pair.jump, `claw@${pair.targetAlias}`, 'hostname; id -un']),
    );
    expect(viaJump.stderr).toBe('');
    expect(viaJump.code).toBe(0);
    const [targetHostname, who] = viaJump.stdout.trim().split('\n');
    expect(who).toBe('claw');
    const bastionHostname = (await bastion.execOk('hostname')).stdout.trim();
    expect(targetHostname).not.toBe(bastionHostname);
    expect(targetHostname).toBe((await target.execOk('hostname')).stdout.trim());
    // both host keys were recorded under the names the client used
    const recorded = await readFile(cfg.knownHostsPath, 'utf8');
    expect(recorded).toContain(`[127.0.0.1]:${bastion.port} ${bastion.hostPublicKey}`);
    expect(recorded).toContain(`${pair.targetAlias} ${target.hostPublicKey}`);

    // the internal network has no way out: no default route in the target
    const routes = await target.execOk('ip -4 route');
    expect(routes.stdout).not.toMatch(/^default/m);

    await pair.stop();
  });

  it('scenarios: applied before sshd starts; an unknown one fails the start with its output', async () => {
    const noSudo = await startSshHost({ authorizedKeys: [user.publicKey], scenario: 'claw-nosudo' });
    const r = await noSudo.exec('sudo -n -u openclaw true', { user: 'claw' });
    expect(r.exitCode).not.toBe(0);
    await noSudo.stop();

    await expect(startSshHost({ authorizedKeys: [user.publicKey], scenario: 'no-such-scenario' })).rejects.toThrow(
      /unknown scenario 'no-such-scenario'/,
    );
  });
});
