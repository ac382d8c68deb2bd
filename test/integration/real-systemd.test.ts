// The real OpenClaw 2026.9.6 as a systemd user unit (systemd test host: systemd as PID 1, logind,
// linger on for `openclaw`), the unit installed but stopped: diagnose says so, fix starts it through
// `systemctl --user`, and systemd (not clawfix's shell) runs the gateway afterwards.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeHome, runCli, writeHostsFile } from '../helpers/cli.js';
import type { SshHost } from '../helpers/containers.js';
import { createKeyDir, type KeyDir } from '../helpers/keys.js';
import { describeWithRealOpenclaw, startRealHost, waitForGateway } from '../helpers/real-openclaw.js';
import { fixCli } from '../fixtures/fix/helpers.js';

describeWithRealOpenclaw('clawfix fix of a stopped systemd user unit running the real OpenClaw', () => {
  let keys: KeyDir;
  let host: SshHost;
  let home: string;
  let hostsFile: string;

  beforeAll(async () => {
    keys = await createKeyDir();
    const key = await keys.clientKey();
    host = await startRealHost({ authorizedKeys: [key.publicKey], state: 'linked', gateway: 'user-unit-stopped', systemd: true });
    home = await makeHome();
    hostsFile = await writeHostsFile(home, `hosts:\n  - { name: unit, host: 127.0.0.1, port: ${host.port}, user: claw, identityFile: ${key.privateKeyPath}, openclaw: { user: openclaw } }\n`);
  }, 900_000);

  afterAll(async () => {
    await keys?.cleanup();
  }, 900_000);

  const verdict = async () => {
    const r = await runCli(['--hosts', hostsFile, 'diagnose', '--json'], { env: { HOME: home }, timeoutMs: 120_000 });
    return JSON.parse(r.stdout).hosts[0].accounts[0].verdict as string;
  };

  it('is diagnosed as not running, started by systemd on fix, and runs under its user manager afterwards', async () => {
    expect(await verdict()).toBe('gateway-not-running');
    const r = await fixCli(['--hosts', hostsFile, 'fix', 'unit', '--yes'], home, 600_000);
    console.log(`real OpenClaw, systemd user unit started by fix: ${(r.durationMs / 1000).toFixed(1)} s`);
    expect(r.stdout, r.stderr).toMatch(/systemctl --user/);
    expect(r.stdout).toMatch(/✓ start-gateway/);
    expect(r.stdout).toMatch(/✓ verify .*cannot reach WhatsApp/);
    expect(r.code).toBe(4);
    await waitForGateway(host, 18789, 30);
    const unit = await host.exec(`su - openclaw -c 'XDG_RUNTIME_DIR=/run/user/$(id -u) systemctl --user is-active openclaw-gateway.service'`);
    expect(unit.stdout.trim()).toBe('active');
    expect(await verdict()).toBe('network-dns');
  }, 900_000);
});
