// `clawfix fix` against a real sshd container with the fake OpenClaw: dry run, each non-relink
// remedy, a full relink where the test plays the phone from the QR clawfix drew, expiry and Ctrl-C
// rollbacks, the host lock, and a hostile hosts file.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { makeHome, writeHostsFile } from '../helpers/cli.js';
import { describeWithEngine } from '../helpers/containers.js';
import { CREDS, STATE, diagnosedVerdict, credsHash, scanDrawnQr, setScenario, stateTree, fixCli, startFix, hostsYaml, stepTimes } from '../fixtures/fix/helpers.js';
import { useFixWorld } from '../fixtures/fix/world.js';
import type { SshHost } from '../helpers/containers.js';

/**
 * Drops the CLI's SSH connection to `host`: from this side when it may (`ss -K` on the client's
 * socket, as root: no container engine in the way, whose exec podman 4.3 can lose under load), else
 * by killing the connection's sshd in the container.
 */
async function dropConnection(host: SshHost): Promise<void> {
  const killed = await promisify(execFile)('ss', ['-K', '-t', 'dst', '127.0.0.1', 'dport', '=', `:${host.port}`]).catch(() => null);
  if (killed && /ESTAB/.test(killed.stdout)) return;
  await host.exec("pkill -f 'sshd: claw'", { timeoutMs: 15_000 });
}

describeWithEngine('clawfix fix on a host with the fake OpenClaw', () => {
  const w = useFixWorld();

  const verdict = () => diagnosedVerdict(w.hosts, w.home);

  it('--dry-run prints the plan and leaves the state dir byte-identical', async () => {
    await setScenario(w.host, 'logged-out');
    const before = await stateTree(w.host);
    const r = await fixCli(['--hosts', w.hosts, 'fix', 'box', '--dry-run'], w.home);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/logged-out/);
    expect(r.stdout).toMatch(/Move this account's WhatsApp credentials into quarantine.*\[destructive/);
    expect(r.stdout).toContain('--dry-run: nothing was changed on the host.');
    expect(await stateTree(w.host)).toBe(before);
  });

  it('without a terminal and without --yes, fix refuses with exit 2 before touching anything', async () => {
    const r = await fixCli(['--hosts', w.hosts, 'fix', 'box'], w.home);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no terminal to ask on[\s\S]*--yes/);
  });

  it.each([
    ['monitor-stopped', 'restart-gateway'],
    ['restart-required', 'restart-gateway'],
    ['gateway-not-running', 'start-gateway'],
    ['plugin-missing', 'repair-plugin'],
  ])('%s: the remedy runs, is verified, and the verdict is healthy afterwards', async (scenario, stepId) => {
    await setScenario(w.host, scenario);
    expect(await verdict()).toBe(scenario);
    const r = await fixCli(['--hosts', w.hosts, 'fix', 'box', '--yes'], w.home);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`✓ ${stepId} `));
    expect(r.stdout).toMatch(/✓ verify .*running and connected/);
    expect(r.stdout).not.toMatch(/✓ backup|✓ quarantine/);
    expect(await verdict()).toBe('healthy');
    expect((await w.host.exec(`ls ${STATE}/.clawfix`)).stdout.trim()).toBe('');
  });

  it('relinks a logged-out account end to end: the test scans the QR clawfix drew, the old credentials wait in quarantine', async () => {
    await setScenario(w.host, 'logged-out');
    const oldCreds = await credsHash(w.host);
    const run = startFix(['--hosts', w.hosts, 'fix', 'box', '--yes'], w.home);
    const seen = await run.waitFor(/Link a device/, 90_000);
    const written = Number((await w.host.execOk(`stat -c %.Y ${STATE}/.fake/qr-current`)).stdout) * 1000;
    await scanDrawnQr(w.host, run.output());
    const scanned = Date.now();
    const r = await run.done;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/✅ Linked!/);
    expect(r.stdout).toMatch(/fixed: logged-out → account running and connected \(verified\)/);
    const quarantined = /quarantine: the old credentials are in (\S+)/.exec(r.stdout)?.[1];
    expect(quarantined).toMatch(new RegExp(`^${STATE}/\\.clawfix/quarantine/[0-9T-]+Z/default$`));
    expect(await credsHash(w.host, quarantined)).toBe(oldCreds);
    expect(await credsHash(w.host)).not.toBe(oldCreds);
    const local = /; (\S+) here \(sha256/.exec(r.stdout)?.[1];
    expect(local).toContain(`${w.home}/.local/state/clawfix/backups/box/`);
    expect(await verdict()).toBe('healthy');
    // the backup is in claw's own backup dir, outside the state dir (the real CLI refuses one inside)
    expect((await w.host.exec(`ls -A ${STATE}/.clawfix`)).stdout.split('\n').sort().filter(Boolean)).toEqual(['quarantine']);
    expect(r.stdout).toMatch(/✓ backup .*\/home\/claw\/\.local\/state\/clawfix\/backups\/openclaw-[0-9a-f]{8}\/\S+-openclaw-backup\.tar\.gz/);
    // Timings for the record: the scan wait is the test's own reaction (QR seen → scan file written).
    const steps = stepTimes(r.stdout);
    const drawn = /drawn (\d+) ms after arriving/.exec(r.stdout)?.[1];
    console.log(
      `relink: ${r.durationMs.toFixed(0)} ms end to end, ${(r.durationMs - (scanned - seen.at)).toFixed(0)} ms without the scan wait; ` +
        `steps ${JSON.stringify(steps)}; QR: qr-current written → frame seen by the test ${(seen.at - written).toFixed(0)} ms, ` +
        `last byte over SSH → drawn ${drawn} ms`,
    );
  });

  it('creds-corrupt: relinked the same way; the unreadable credentials are kept in quarantine, not deleted', async () => {
    await setScenario(w.host, 'creds-corrupt');
    expect(await verdict()).toBe('creds-corrupt');
    const oldCreds = await credsHash(w.host);
    const run = startFix(['--hosts', w.hosts, 'fix', 'box', '--yes'], w.home);
    await run.waitFor(/Link a device/, 90_000);
    await scanDrawnQr(w.host, run.output());
    const r = await run.done;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/fixed: creds-corrupt → account running and connected \(verified\)/);
    const quarantined = /quarantine: the old credentials are in (\S+)/.exec(r.stdout)?.[1];
    expect(await credsHash(w.host, quarantined)).toBe(oldCreds);
    expect(await verdict()).toBe('healthy');
  });

  it('not-linked: linked without backup or purge, then healthy', async () => {
    await setScenario(w.host, 'not-linked');
    const run = startFix(['--hosts', w.hosts, 'fix', 'box', '--yes'], w.home);
    await run.waitFor(/Link a device/, 90_000);
    await scanDrawnQr(w.host, run.output());
    const r = await run.done;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/✓ (backup|quarantine)/);
    expect(await verdict()).toBe('healthy');
  });

  it('gateway-dies-on-logout (systemd user unit): linger on, started the way it is managed, healthy', async () => {
    await setScenario(w.host, 'gateway-dies-on-logout');
    // The test host has no systemd: a stub loginctl stands in for the OS; the fake is the service manager.
    await w.host.execOk(`mkdir -p /var/lib/systemd/linger && chmod 1777 /var/lib/systemd/linger && printf '%s\n' '#!/bin/sh' 'u=$2; [ "$u" = -- ] && u=$3' 'case "$1" in enable-linger) touch "/var/lib/systemd/linger/$u";; disable-linger) rm -f "/var/lib/systemd/linger/$u";; *) exit 1;; esac' > /usr/local/bin/loginctl && chmod 755 /usr/local/bin/loginctl`);
    try {
      expect(await verdict()).toBe('gateway-dies-on-logout');
      const r = await fixCli(['--hosts', w.hosts, 'fix', 'box', '--yes'], w.home);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/systemctl --user start openclaw-gateway\.service/);
      expect(r.stdout).toMatch(/Started systemd service: openclaw-gateway\.service/);
      expect(await verdict()).toBe('healthy');
    } finally {
      await w.host.exec('rm -f /usr/local/bin/loginctl /var/lib/systemd/linger/claw');
    }
  });

  it('a QR rotation before the scan: the second code is drawn and scanned', async () => {
    await setScenario(w.host, 'logged-out', { OPENCLAW_FAKE_QR_TTL_MS: '2500', OPENCLAW_FAKE_QR_ROTATE_MS: '20000' });
    const run = startFix(['--hosts', w.hosts, 'fix', 'box', '--yes'], w.home);
    const second = await run.waitFor(/scan with WhatsApp to link \(code 2\)\n/, 90_000);
    await run.waitFor(/Link a device/, 10_000, second.index);
    await scanDrawnQr(w.host, run.output(), second.index);
    const r = await run.done;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/link: 2 QR codes/);
  });

  it('QR codes that expire: rollback puts the credentials back and the gateway back up', async () => {
    await setScenario(w.host, 'logged-out', { OPENCLAW_FAKE_QR_TTL_MS: '1200', OPENCLAW_FAKE_QR_ROTATE_MS: '800', OPENCLAW_FAKE_QR_ROTATIONS: '2', OPENCLAW_FAKE_QR_SOCKETS: '1' });
    const oldCreds = await credsHash(w.host);
    const r = await fixCli(['--hosts', w.hosts, 'fix', 'box', '--yes'], w.home);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stdout).toMatch(/the QR codes expired before a scan/);
    expect(r.stdout).toMatch(/Rolling back: start-gateway, quarantine, stop-gateway/);
    expect(r.stdout).toMatch(/↺ quarantine: credentials back in/);
    expect(r.stdout).toMatch(/rolled back: the host is as it was before/);
    expect(await credsHash(w.host)).toBe(oldCreds);
    expect(await verdict()).toBe('logged-out');
    expect((await w.host.exec(`ls -A ${STATE}/.clawfix`)).stdout).not.toMatch(/lock|journal/);
  });

  it('Ctrl-C while the QR waits: rollback, exit 130', async () => {
    await setScenario(w.host, 'logged-out');
    const oldCreds = await credsHash(w.host);
    const run = startFix(['--hosts', w.hosts, 'fix', 'box', '--yes'], w.home);
    await run.waitFor(/Link a device/, 90_000);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code, r.stdout + r.stderr).toBe(130);
    expect(r.stdout).toMatch(/↺ quarantine: credentials back in/);
    expect(await credsHash(w.host)).toBe(oldCreds);
    expect(await verdict()).toBe('logged-out');
  });

  it('two fix runs at once: the second is refused by the lock, which names the holder', async () => {
    await setScenario(w.host, 'logged-out');
    const first = startFix(['--hosts', w.hosts, 'fix', 'box', '--yes'], w.home);
    await first.waitFor(/Link a device/, 90_000);
    const second = await fixCli(['--hosts', w.hosts, 'fix', 'box', '--yes'], w.home, 60_000);
    expect(second.code).toBe(4);
    expect(second.stderr).toMatch(/box is locked by another clawfix run: \S+@\S+ \(pid \d+\) since \d{4}-/);
    expect(second.stderr).toMatch(/--break-lock/);
    await scanDrawnQr(w.host, first.output());
    expect((await first.done).code).toBe(0);
  });

  it('a run killed after the purge leaves a journal; the next run shows it, rolls it back and starts over', async () => {
    await setScenario(w.host, 'logged-out');
    const oldCreds = await credsHash(w.host);
    const run = startFix(['--hosts', w.hosts, 'fix', 'box', '--yes'], w.home);
    await run.waitFor(/\[4\/6\]/, 90_000);
    run.child.kill('SIGKILL');
    await run.done;
    expect((await w.host.exec(`test -d ${CREDS}`)).exitCode).not.toBe(0);
    const dry = await fixCli(['--hosts', w.hosts, 'fix', 'box', '--dry-run'], w.home);
    expect(dry.stdout).toMatch(/An earlier clawfix fix on this host did not finish/);
    expect(dry.stdout).toMatch(/credentials moved to .*quarantine/);
    const next = startFix(['--hosts', w.hosts, 'fix', 'box', '--yes'], w.home);
    await next.waitFor(/Link a device/, 90_000);
    expect(next.output()).toMatch(/Rolling back the earlier run/);
    expect(next.output()).toMatch(/↺ quarantine: credentials back in/);
    expect(next.output()).toMatch(/box  account default: logged-out/);
    const quarantineOfSecondRun = /moved \S+ to (\S+)\n/.exec(next.output())?.[1];
    expect(await credsHash(w.host, quarantineOfSecondRun)).toBe(oldCreds);
    await scanDrawnQr(w.host, next.output());
    expect((await next.done).code).toBe(0);
  });

  it('the connection dropped after the stop: the rollback reconnects, puts everything back, and says so', async () => {
    await setScenario(w.host, 'logged-out');
    const oldCreds = await credsHash(w.host);
    const run = startFix(['--hosts', w.hosts, 'fix', 'box', '--yes'], w.home, 100_000);
    await run.waitFor(/✓ stop-gateway/, 60_000);
    await dropConnection(w.host);
    const r = await run.done;
    expect([3, 4], r.stdout + r.stderr).toContain(r.code);
    expect(r.stdout).toMatch(/connection lost/);
    expect(r.stdout).toMatch(/↺ stop-gateway: gateway started again/);
    expect(await credsHash(w.host)).toBe(oldCreds);
    expect(await verdict()).toBe('logged-out');
    expect((await w.host.exec(`ls -A ${STATE}/.clawfix`)).stdout).not.toMatch(/lock|journal/);
  }, 150_000);

  it('a hostile value in the hosts file is refused by the schema; nothing runs on the host', async () => {
    await w.host.exec('rm -f /tmp/pwned');
    for (const extra of ['    openclaw:\n      stateDir: "/home/claw/.openclaw; touch /tmp/pwned"\n', '    openclaw:\n      account: "default$(touch /tmp/pwned)"\n']) {
      const bad = await writeHostsFile(await makeHome(), hostsYaml(w.host.port, w.key.privateKeyPath, extra));
      const r = await fixCli(['--hosts', bad, 'fix', 'box', '--yes'], w.home);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/openclaw\.(stateDir|account)/);
    }
    expect((await w.host.exec('test -e /tmp/pwned')).exitCode).not.toBe(0);
  });
});
