// clawfix against hosts running the real OpenClaw 2026.9.6 (test/helpers/real-openclaw.ts): everything
// is the real CLI and the real gateway but the network part of `channels login` (a stand-in that
// prints a real QR and writes credentials when the test scans it). The hosts have no route out, so
// a linked account ends "linked and running, WhatsApp out of reach".
//
// One file, one set of hosts started at once (a real gateway needs 30–90 s to listen and ~1 GB):
// first `diagnose` over all of them in one run, each state with its verdict; then backup, the relink
// end to end, a relink rolled back, a stopped gateway started, and a restore, on the hosts that the
// diagnosis left as they were.
import { stat } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeHome, runCli, writeHostsFile } from '../helpers/cli.js';
import type { SshHost } from '../helpers/containers.js';
import { createKeyDir, type ClientKey, type KeyDir } from '../helpers/keys.js';
import { describeWithRealOpenclaw, realCli, REAL_CREDS, REAL_STATE, startRealHost, waitForGateway, type RealGateway, type RealState } from '../helpers/real-openclaw.js';
import { credsHash, fakeOnHost, fixCli, scanDrawnQr, startFix, stepTimes, type FakeFiles } from '../fixtures/fix/helpers.js';

/** A real gateway stops in seconds but starts in 30–90 s on a loaded machine; a relink does both twice when it rolls back. */
const TIMEOUT = 900_000;

/** The stand-in login's files (the "phone") on a real host: the state dir is openclaw's. */
const phoneOf = (host: SshHost): FakeFiles => fakeOnHost(host, REAL_STATE, 'openclaw');

/** What the real gateway says of the default account now. */
async function liveAccount(host: SshHost): Promise<Record<string, unknown>> {
  const r = await realCli(host, 'channels status --json --timeout 8000');
  const doc = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { channelAccounts?: { whatsapp?: Record<string, unknown>[] } };
  return doc.channelAccounts?.whatsapp?.find((a) => a.accountId === 'default') ?? {};
}

const timings: string[] = [];
/** Recorded for the summary at the end, and printed at once (a long file's output otherwise comes only when it ends). */
const record = (line: string): void => {
  timings.push(line);
  console.log(`[real OpenClaw] ${line}`);
};
const timed = async <T extends { durationMs: number }>(what: string, work: Promise<T>): Promise<T> => {
  const r = await work;
  record(`${what}: ${(r.durationMs / 1000).toFixed(1)} s`);
  return r;
};

interface RealHostCase {
  name: string;
  state: RealState;
  gateway: RealGateway;
  verdict: string;
}

/** Each host of the file, and the verdict `diagnose` must give it before anything is fixed. */
const HOSTS: RealHostCase[] = [
  { name: 'not-linked', state: 'not-linked', gateway: 'run', verdict: 'not-linked' },
  // linked, gateway running, no network: the real reconnect loop
  { name: 'relink', state: 'linked', gateway: 'run', verdict: 'network-dns' },
  { name: 'rollback', state: 'linked', gateway: 'run', verdict: 'network-dns' },
  { name: 'stopped', state: 'linked', gateway: 'none', verdict: 'gateway-not-running' },
  { name: 'no-whatsapp', state: 'whatsapp-not-configured', gateway: 'none', verdict: 'whatsapp-not-configured' },
  { name: 'no-plugin', state: 'plugin-missing', gateway: 'none', verdict: 'plugin-missing' },
];

describeWithRealOpenclaw('clawfix against the real OpenClaw', () => {
  let keys: KeyDir;
  let key: ClientKey;
  let home: string;
  let hostsFile: string;
  const hosts = new Map<string, SshHost>();
  const host = (name: string) => hosts.get(name)!;

  beforeAll(async () => {
    keys = await createKeyDir();
    key = await keys.clientKey();
    const started = Date.now();
    await Promise.all(HOSTS.map(async (c) => hosts.set(c.name, await startRealHost({ authorizedKeys: [key.publicKey], state: c.state, gateway: c.gateway }))));
    record(`${HOSTS.length} real hosts started, their gateways listening: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    home = await makeHome();
    const entry = (name: string, h: SshHost, serviceUser = true) =>
      `  - { name: ${name}, host: 127.0.0.1, port: ${h.port}, user: claw, identityFile: ${key.privateKeyPath}${serviceUser ? ', openclaw: { user: openclaw }' : ''} }`;
    // wrong-user: the stopped host's state belongs to `openclaw`; this entry probes as the login user `claw`
    const lines = [...HOSTS.map((c) => entry(c.name, host(c.name))), entry('wrong-user', host('stopped'), false)];
    hostsFile = await writeHostsFile(home, `hosts:\n${lines.join('\n')}\n`);
  }, TIMEOUT);

  it('diagnose: each state of the real OpenClaw gets its verdict, in one run over all hosts', async () => {
    // the offline gateways must have tried WhatsApp at least once before they say "reconnecting"
    for (const name of ['relink', 'rollback']) {
      await expect.poll(async () => (await host(name).exec(`grep -qs 'ENOTFOUND\\|EAI_AGAIN' /tmp/openclaw*/openclaw-*.log`).catch(() => null))?.exitCode, { timeout: 120_000, interval: 1000 }).toBe(0);
    }
    const r = await timed('diagnose of 7 hosts entries (6 real hosts)', runCli(['--hosts', hostsFile, 'diagnose', '--json'], { env: { HOME: home }, timeoutMs: 300_000 }));
    const doc = JSON.parse(r.stdout) as { hosts: { name: string; accounts: { verdict: string; evidence?: { text: string }[] }[] }[] };
    const got = Object.fromEntries(doc.hosts.map((h) => [h.name, h.accounts[0]?.verdict]));
    // on a mismatch, what each host's verdict rested on
    const why = doc.hosts.map((h) => `${h.name}: ${(h.accounts[0]?.evidence ?? []).map((e) => e.text).join(' | ')}`).join('\n');
    expect(got, why).toEqual({ ...Object.fromEntries(HOSTS.map((c) => [c.name, c.verdict])), 'wrong-user': 'wrong-user-or-state-dir' });
  }, TIMEOUT);

  afterAll(async () => {
    console.log(`real OpenClaw timings:\n  ${timings.join('\n  ')}`);
    await keys?.cleanup();
  }, TIMEOUT);

  it('backup: the real `backup create --verify` archive, downloaded, and `openclaw backup verify` reads it here', async () => {
    const r = await timed('backup', runCli(['--hosts', hostsFile, 'backup', 'relink'], { env: { HOME: home }, timeoutMs: 600_000 }));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const remote = /backup (\S+) \(/.exec(r.stdout)?.[1] ?? '';
    expect(remote.startsWith(`${REAL_STATE}/`)).toBe(false);
    const local = /downloaded to (\S+) \(0600/.exec(r.stdout)?.[1] ?? '';
    expect(((await stat(local)).mode & 0o777).toString(8)).toBe('600');
    // the real CLI reads what was downloaded: copied back onto the host (its /tmp/openclaw, not this machine's)
    await host('relink').container.copyFilesToContainer([{ source: local, target: '/tmp/downloaded-backup.tar.gz' }]);
    await host('relink').execOk('chmod 0644 /tmp/downloaded-backup.tar.gz');
    const verify = await realCli(host('relink'), 'backup verify /tmp/downloaded-backup.tar.gz --json');
    expect(verify.exitCode, verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout.slice(verify.stdout.indexOf('{')))).toMatchObject({ ok: true });
    const list = JSON.parse((await runCli(['--hosts', hostsFile, 'backups', 'relink', '--json'], { env: { HOME: home }, timeoutMs: 120_000 })).stdout);
    expect(list.backups.map((b: { where: string }) => b.where).sort()).toEqual(['here', 'host']);
  }, TIMEOUT);

  it('relink end to end: backup, stop, quarantine, start, login, verified linked by the real gateway', async () => {
    const oldCreds = await credsHash(host('relink'), REAL_CREDS);
    const live = startFix(['--hosts', hostsFile, 'fix', 'relink', '--relink', '--yes'], home, 900_000);
    const seen = await live.waitFor(/Link a device/, 400_000);
    await scanDrawnQr(phoneOf(host('relink')), live.output());
    const scanned = Date.now();
    const r = await live.done;
    record(`relink: ${(r.durationMs / 1000).toFixed(1)} s, ${((r.durationMs - (scanned - seen.at)) / 1000).toFixed(1)} s without the scan wait; steps ${JSON.stringify(stepTimes(r.stdout))}`);
    // linked and running, WhatsApp out of reach (no route here): verified, not rolled back, exit 4
    expect(r.stdout, r.stderr).toMatch(/✓ verify .*linked and running .*cannot reach WhatsApp/);
    expect(r.stdout).toMatch(/linked, not connected/);
    expect(r.stdout).not.toMatch(/Rolling back/);
    expect(r.code).toBe(4);
    const quarantined = /quarantine: the old credentials are in (\S+)/.exec(r.stdout)?.[1];
    expect(quarantined).toMatch(new RegExp(`^${REAL_STATE}/\\.clawfix/quarantine/[0-9T-]+Z/default$`));
    expect(await credsHash(host('relink'), quarantined)).toBe(oldCreds);
    expect(await credsHash(host('relink'), REAL_CREDS)).not.toBe(oldCreds);
    expect(await liveAccount(host('relink'))).toMatchObject({ linked: true, running: true, connected: false });
  }, TIMEOUT);

  it('a failure after the quarantine (WhatsApp refuses the link) rolls back: old credentials back, the gateway running again', async () => {
    const oldCreds = await credsHash(host('rollback'), REAL_CREDS);
    // the stand-in's phone: "Can't link new devices right now" after the scan
    await phoneOf(host('rollback')).write(`${REAL_STATE}/.fake/phone.json`, JSON.stringify({ linkCooldown: true }));
    // and QR codes that expire in seconds rather than the ~5 minutes of two sockets' rotations
    await host('rollback').execOk(`mkdir -p /etc/clawfix-test && printf '%s\\n' OPENCLAW_FAKE_QR_TTL_MS=20000 OPENCLAW_FAKE_QR_ROTATE_MS=5000 OPENCLAW_FAKE_QR_ROTATIONS=2 OPENCLAW_FAKE_QR_SOCKETS=1 > /etc/clawfix-test/login.env`);
    const live = startFix(['--hosts', hostsFile, 'fix', 'rollback', '--relink', '--yes'], home, 900_000);
    await live.waitFor(/Link a device/, 400_000);
    await scanDrawnQr(phoneOf(host('rollback')), live.output());
    const r = await live.done;
    record(`relink rolled back: ${(r.durationMs / 1000).toFixed(1)} s`);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stdout).toMatch(/✓ quarantine[\s\S]*✗ login[\s\S]*Rolling back/);
    expect(r.stdout).toMatch(/rolled back: the host is as it was before/);
    expect(await credsHash(host('rollback'), REAL_CREDS)).toBe(oldCreds);
    await waitForGateway(host('rollback'), 18789, 30);
  }, TIMEOUT);

  it('a stopped gateway (bare process) is started by fix; the verdict afterwards is the network, not the gateway', async () => {
    const r = await timed('fix of a stopped gateway', fixCli(['--hosts', hostsFile, 'fix', 'stopped', '--yes'], home, 600_000));
    expect(r.stdout, r.stderr).toMatch(/✓ start-gateway/);
    expect(r.stdout).toMatch(/✓ verify .*cannot reach WhatsApp/);
    expect(r.code).toBe(4);
    const after = await runCli(['--hosts', hostsFile, 'diagnose', 'stopped', '--json'], { env: { HOME: home }, timeoutMs: 120_000 });
    expect(JSON.parse(after.stdout).hosts[0].accounts[0].verdict).toBe('network-dns');
  }, TIMEOUT);

  it('restore: the real archive back in place, what it replaced kept, the gateway running again', async () => {
    const made = await runCli(['--hosts', hostsFile, 'backup', 'relink', '--no-download'], { env: { HOME: home }, timeoutMs: 600_000 });
    expect(made.code, made.stdout + made.stderr).toBe(0);
    const name = /backup \S+\/([^/\s]+) \(/.exec(made.stdout)?.[1] ?? '';
    const r = await timed('restore', runCli(['--hosts', hostsFile, 'restore', 'relink', name, '--yes'], { env: { HOME: home }, timeoutMs: 900_000 }));
    expect(r.stdout, r.stderr).toMatch(/✓ backup[\s\S]*✓ stop-gateway[\s\S]*✓ restore[\s\S]*✓ start-gateway[\s\S]*✓ verify/);
    expect([0, 4]).toContain(r.code);
    expect(r.stdout).toMatch(/replaced by the restore \(kept\): \S+\/\.clawfix\/replaced-/);
    await waitForGateway(host('relink'), 18789, 30);
  }, TIMEOUT);
});
