import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeHome, runCli, writeHostsFile } from '../helpers/cli.js';
import { describeWithEngine, startSshHost, type SshHost } from '../helpers/containers.js';
import { createKeyDir, type ClientKey, type KeyDir } from '../helpers/keys.js';

/** One test host per scenario, and the verdict `clawfix diagnose` must give it. */
const FLEET: [scenario: string, verdict: string][] = [
  ['healthy', 'healthy'],
  ['transient-reconnect', 'transient-reconnect'],
  ['logged-out', 'logged-out'],
  ['not-linked', 'not-linked'],
  ['network-dns', 'network-dns'],
  ['conflict', 'conflict'],
  ['monitor-stopped', 'monitor-stopped'],
  ['gateway-not-running', 'gateway-not-running'],
  ['plugin-missing', 'plugin-missing'],
  ['wrong-user-or-state-dir', 'wrong-user-or-state-dir'],
  ['whatsapp-not-configured', 'whatsapp-not-configured'],
];

describeWithEngine('clawfix diagnose across a fleet of real sshd hosts', () => {
  let keys: KeyDir;
  let key: ClientKey;
  let home: string;
  const hosts = new Map<string, SshHost>();

  beforeAll(async () => {
    keys = await createKeyDir();
    key = await keys.clientKey({ name: 'fleet' });
    home = await makeHome();
    const started = await Promise.all(
      FLEET.map(([scenario]) =>
        startSshHost({ authorizedKeys: [key.publicKey], authorizedKeysFor: { nosudo: [key.publicKey] }, env: { OPENCLAW_SCENARIO: scenario }, role: scenario }),
      ),
    );
    FLEET.forEach(([scenario], i) => hosts.set(scenario, started[i]!));
  });
  afterAll(async () => {
    await keys?.cleanup();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('gives every host its verdict in one run, and marks the unreachable one', async () => {
    const entries = [...hosts].map(([scenario, host]) => `  - name: ${scenario}\n    port: ${host.port}\n`).join('');
    const hostsFile = await writeHostsFile(
      home,
      `defaults:\n  host: 127.0.0.1\n  user: claw\n  identityFile: ${key.privateKeyPath}\nhosts:\n${entries}  - name: down\n    port: 1\n`,
    );
    const result = await runCli(['diagnose', '--hosts', hostsFile, '--json'], { env: { HOME: home }, timeoutMs: 90_000 });
    const report = JSON.parse(result.stdout) as { hosts: { name: string; status: string; verdict: string; accounts: { id: string; verdict: string; evidence: { text: string }[]; remedy: { destructive: boolean } }[]; timings: { connectMs: number; probeMs: number } }[] };
    const verdicts = Object.fromEntries(report.hosts.map((h) => [h.name, h.verdict]));
    expect(verdicts).toEqual({ ...Object.fromEntries(FLEET), down: 'unreachable' });
    expect(report.hosts.find((h) => h.name === 'down')?.status).toBe('unreachable');
    // Unreachable wins over "needs attention" in the exit code.
    expect(result.code).toBe(3);

    // Only a real logout calls for a destructive remedy.
    const destructive = report.hosts.flatMap((h) => h.accounts.filter((a) => a.remedy.destructive).map(() => h.name));
    expect(destructive).toEqual(['logged-out']);
    // Phone numbers never leave unmasked.
    expect(result.stdout).not.toMatch(/\+?447700900\d{3}/);
    // Hosts run in parallel: the whole fleet takes about as long as its slowest host.
    const slowest = Math.max(...report.hosts.map((h) => h.timings.connectMs + h.timings.probeMs));
    expect(result.durationMs).toBeLessThan(slowest + 5_000);
  });

  it('prints a readable table with the next step and exits 4 when hosts need attention', async () => {
    const logged = hosts.get('logged-out')!;
    const healthy = hosts.get('healthy')!;
    const hostsFile = await writeHostsFile(
      home,
      `defaults:\n  host: 127.0.0.1\n  user: claw\n  identityFile: ${key.privateKeyPath}\nhosts:\n  - name: ok-host\n    port: ${healthy.port}\n  - name: lost-host\n    port: ${logged.port}\n`,
    );
    const result = await runCli(['diagnose', '--hosts', hostsFile], { env: { HOME: home } });
    expect(result.code).toBe(4);
    expect(result.stdout).toMatch(/ok-host\s+default\s+healthy/);
    expect(result.stdout).toMatch(/lost-host\s+default\s+logged-out/);
    expect(result.stdout).toContain('clawfix fix lost-host');
    expect(result.stdout).toMatch(/2 hosts: .*1 fine.*1 need attention|2 hosts: 1 fine, 1 need attention/);
  });

  it('acts as the service user through sudo -n, and says so clearly when sudo wants a password', async () => {
    const host = hosts.get('healthy')!;
    const hostsFile = await writeHostsFile(
      home,
      `defaults:\n  host: 127.0.0.1\n  port: ${host.port}\n  identityFile: ${key.privateKeyPath}\n  openclaw:\n    user: claw\nhosts:\n  - name: as-openclaw\n    user: claw\n    openclaw:\n      user: openclaw\n  - name: via-sudo\n    user: nosudo\n`,
    );
    const result = await runCli(['diagnose', '--hosts', hostsFile, '--json'], { env: { HOME: home } });
    const report = JSON.parse(result.stdout) as { hosts: { name: string; verdict: string; error?: string; hint?: string; openclaw: { user: string; stateDir: string } | null }[] };
    const byName = Object.fromEntries(report.hosts.map((h) => [h.name, h]));
    // claw may become openclaw without a password: the probe ran as openclaw, in openclaw's home.
    expect(byName['as-openclaw']?.openclaw).toMatchObject({ user: 'openclaw', stateDir: '/home/openclaw/.openclaw' });
    expect(byName['via-sudo']).toMatchObject({ verdict: 'sudo-password-required' });
    expect(byName['via-sudo']?.error).toContain('sudo needs a password to act as claw');
    expect(byName['via-sudo']?.hint).toMatch(/NOPASSWD/);
    expect(result.code).toBe(4);
  });

  it('changes nothing on the host it probes', async () => {
    const host = hosts.get('logged-out')!;
    const snapshot = () => host.execOk(['sh', '-c', 'cd /home/claw && find . -path ./.openclaw/tmp -prune -o -type f -print0 | sort -z | xargs -0 sha256sum']);
    const before = (await snapshot()).stdout;
    const hostsFile = await writeHostsFile(home, `hosts:\n  - name: h\n    host: 127.0.0.1\n    port: ${host.port}\n    user: claw\n    identityFile: ${key.privateKeyPath}\n`);
    await runCli(['diagnose', '--hosts', hostsFile, '--json'], { env: { HOME: home } });
    expect((await snapshot()).stdout).toBe(before);
  });
});
