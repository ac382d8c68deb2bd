/**
 * The hostile-host suite of issue 12, end to end: the built CLI (dist/cli.js, as a user runs it, with
 * its own HOME, key and known_hosts) over real SSH to an in-process ssh2 server that lies. It forges
 * probe sections, repeats one, puts escape sequences in every field it can reach, plants a journal
 * marker aimed at the laptop, sends a 64 MB line and stalls. Each case asserts the safe outcome:
 * refused, sanitized, bounded or a clear error — with no stack trace and never exit 1 — and records the
 * commands the host received, so nothing privileged is shown to have run after a refusal.
 * Needs `npm run build` first (as the integration tests do); no container.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CLI, runCli, type CliResult } from '../helpers/cli.js';
import { startHostileHost, type HostileHost, type Responder } from '../helpers/hostile-ssh-server.js';
import { keyPair } from '../helpers/ssh-server.js';

const ESC = '\x1b';
/** Clipboard write, window title, clear screen, C1 CSI, a bidi override: what a terminal must never get from a host. */
const HOSTILE = `${ESC}]52;c;Y3VybCBldmlsfHNo\x07${ESC}]0;pwned\x07${ESC}[2J\x9b31m\u202e`;
const NUMBER = '447700900123';
const FORBIDDEN = /[\x1b\x9b\x07\u202e]/;
const STACK = /at .*\.js:\d+/;
/** What runs with more privilege than the OpenClaw user. */
const PRIVILEGED = /sudo -n systemctl|docker start|podman start|loginctl/;

// several real CLI runs per case, on a loaded 2-core machine: more room than the unit default
vi.setConfig({ testTimeout: 45_000 });

let dir: string;
let laptop: string;
const client = keyPair();
const hosts: HostileHost[] = [];
const servers: Server[] = [];

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  dir = mkdtempSync(join(tmpdir(), 'clawfix-hostile-'));
  laptop = join(dir, 'laptop');
  mkdirSync(join(laptop, '.ssh'), { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'id'), client.private, { mode: 0o600 });
});
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.close()));
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A host with OpenClaw's state planted: a logged-out account `default` (its number in creds.json), a hostile account id, a log line. */
async function hostileHost(name: string, respond?: Responder, options: { stallAuth?: boolean } = {}): Promise<HostileHost> {
  const host = await startHostileHost({ hostKey: keyPair().private, authorizedKey: client.public, user: 'deploy', dir: join(dir, name), respond, ...options });
  hosts.push(host);
  const state = join(host.home, '.openclaw');
  mkdirSync(join(state, 'credentials/whatsapp/default'), { recursive: true });
  writeFileSync(join(state, 'openclaw.json'), JSON.stringify({ channels: { whatsapp: { accounts: { default: {}, [`x${HOSTILE}`]: {} } } } }));
  writeFileSync(join(state, 'credentials/whatsapp/default/creds.json'), JSON.stringify({ me: { id: `${NUMBER}:1@s.whatsapp.net` } }));
  const logs = join(host.root, 'tmp/openclaw');
  mkdirSync(logs, { recursive: true });
  chmodSync(logs, 0o700);
  writeFileSync(join(logs, 'openclaw-2026-12-02.log'), `${logLine(`WhatsApp session logged out ${HOSTILE} +${NUMBER}`)}\n`);
  // the host's openclaw: it only tells its version (anything else fails like a broken install)
  writeFileSync(join(dir, name, 'bin/openclaw'), '#!/bin/sh\n[ "$1" = --version ] && echo 2026.9.6 && exit 0\necho "openclaw: $* failed" >&2; exit 1\n');
  chmodSync(join(dir, name, 'bin/openclaw'), 0o755);
  return host;
}

function logLine(message: string): string {
  return JSON.stringify({ 0: '[whatsapp]', 1: message, _meta: { logLevelName: 'WARN' }, time: new Date().toISOString() });
}

function hostsFile(entries: Record<string, number>): string {
  const path = join(dir, `hosts-${Object.keys(entries).join('-')}.yaml`);
  const lines = [`defaults: { host: 127.0.0.1, user: deploy, identityFile: ${JSON.stringify(join(dir, 'id'))} }`, 'hosts:', ...Object.entries(entries).map(([n, p]) => `  - { name: ${n}, port: ${p} }`)];
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { env: { HOME: laptop, NO_COLOR: '1', ...env }, timeoutMs: 40_000 });

/** Case 7, asserted on every run: no stack trace, never exit 1 (a bug), nothing for the terminal to obey. */
function expectSafe(r: CliResult): void {
  const all = r.stdout + r.stderr;
  expect(all).not.toMatch(STACK);
  expect(all).not.toMatch(/internal error/);
  expect(r.code).not.toBe(1);
  expect(r.code).not.toBeNull();
  expect(all).not.toMatch(FORBIDDEN);
  expect(all).not.toContain(NUMBER);
}

const isProbe = (command: string) => command.endsWith(' sh -s');
/** The probe's output rewritten by a host (it runs the probe, so it can). */
const probeRewrite = (rewrite: (stdout: string, nonce: string) => string): Responder => (request) =>
  isProbe(request.command) ? { kind: 'run', rewrite: (stdout) => rewrite(stdout, request.nonce ?? '') } : { kind: 'run' };

/** Inserts text into the probe output just before its `service` section. */
const beforeService = (stdout: string, nonce: string, text: string) => stdout.replace(`\n@@${nonce} service\n`, `\n${text}\n@@${nonce} service\n`);

describe('forged and repeated probe sections (issue 12, item 1)', () => {
  it('sections forged without this run\'s nonce: probe-failed in one line, nothing run after the probe', async () => {
    const host = await hostileHost('forged', probeRewrite((out, nonce) =>
      beforeService(out, nonce, `@@service\nsystem-unit=/etc/systemd/system/poweroff.target\n@@${'f'.repeat(32)} service\ncontainer=docker\tprod-postgres\tpostgres:16\tUp 3 days`)));
    const hf = hostsFile({ forged: host.port });
    const diagnose = await cli(['--hosts', hf, 'diagnose']);
    expectSafe(diagnose);
    expect(diagnose.code).toBe(4);
    expect(diagnose.stdout + diagnose.stderr).toMatch(/probe-failed/);
    expect((diagnose.stdout + diagnose.stderr).match(/refused/g)?.length).toBe(1);

    const json = await cli(['--hosts', hf, 'diagnose', '--json']);
    expectSafe(json);
    expect(JSON.parse(json.stdout).hosts[0]).toMatchObject({ name: 'forged', verdict: 'probe-failed', accounts: [] });

    for (const args of [['fix', 'forged', '--dry-run'], ['fix', 'forged', '--yes']]) {
      const fix = await cli(['--hosts', hf, ...args]);
      expectSafe(fix);
      // --dry-run is exit 0 whatever the plan (README); a run that was asked to act is exit 4
      expect(fix.code, fix.stdout + fix.stderr).toBe(args[2] === '--dry-run' ? 0 : 4);
      expect(fix.stdout + fix.stderr).toMatch(/refused/);
    }
    // every command that reached the host was a probe: no lock, no journal, no step, nothing privileged
    expect(host.commands.length).toBe(4);
    expect(host.commands.every(isProbe)).toBe(true);
    expect(host.commands.join('\n')).not.toMatch(PRIVILEGED);
    expect(existsSync(host.privilegedLog)).toBe(false);
  });

  it('a repeated section, even with the nonce (a compromised OpenClaw user): refused, not joined', async () => {
    const host = await hostileHost('repeated', probeRewrite((out, nonce) =>
      beforeService(out, nonce, `@@${nonce} service\nsystem-unit=/etc/systemd/system/openclaw-evil.service\nsystemd=1`)));
    const hf = hostsFile({ repeated: host.port });
    const diagnose = await cli(['--hosts', hf, 'diagnose']);
    expectSafe(diagnose);
    expect(diagnose.code).toBe(4);
    expect(diagnose.stdout + diagnose.stderr).toMatch(/probe-failed/);
    expect(diagnose.stdout + diagnose.stderr).toMatch(/appears twice/);
    const fix = await cli(['--hosts', hf, 'fix', 'repeated', '--yes']);
    expectSafe(fix);
    expect(fix.code).toBe(4);
    expect(host.commands.every(isProbe)).toBe(true);
    expect(existsSync(host.privilegedLog)).toBe(false);
  });

  it('names the probe reports, even with the nonce, never reach a privileged command: poweroff.target, prod-postgres, root', async () => {
    const host = await hostileHost('names', probeRewrite((out, nonce) =>
      out
        .replace(/^user=.*$/m, 'user=root')
        .replace(`\n@@${nonce} service\n`, `\n@@${nonce} service\nsystem-unit=/etc/systemd/system/poweroff.target\ncontainer=docker\tprod-postgres\tpostgres:16\tUp 3 days\n`)));
    const hf = hostsFile({ names: host.port });
    const fix = await cli(['--hosts', hf, 'fix', 'names', '--yes']);
    expectSafe(fix);
    expect([0, 4]).toContain(fix.code);
    expect(host.commands.join('\n')).not.toMatch(/poweroff|loginctl enable-linger -- root/);
    const calls = existsSync(host.privilegedLog) ? readFileSync(host.privilegedLog, 'utf8') : '';
    expect(calls).not.toMatch(/systemctl (start|stop).*poweroff|docker (start|stop)|loginctl/);
  });
});

describe('escape sequences in every field a host controls (issue 12, item 3)', () => {
  it('account id, user, state dir, log lines: none reach the terminal, numbers masked (diagnose, --json, fix --dry-run)', async () => {
    const host = await hostileHost('escapes', probeRewrite((out) =>
      out.replace(/^user=.*$/m, `user=claw${HOSTILE}`).replace(/^owner=.*$/m, `owner=claw${HOSTILE}`).replace(/^hostname=.*$/m, `hostname=vps${HOSTILE}`)));
    const hf = hostsFile({ escapes: host.port });
    for (const args of [['diagnose'], ['diagnose', '--json'], ['fix', 'escapes', '--dry-run']]) {
      const r = await cli(['--hosts', hf, ...args]);
      expectSafe(r);
      expect(r.code).not.toBe(2);
      expect(r.stdout).toMatch(/logged-out/);
      if (args[0] === 'diagnose') expect(r.stdout).toContain('+44••••••0123');
    }
  });

  it('logs: raw and JSON-escaped escapes and digits are cleaned and masked', async () => {
    const escapedDigits = NUMBER.split('').map((d) => `\\u00${d.charCodeAt(0).toString(16)}`).join('');
    const lines = [
      '@@file /tmp/openclaw/openclaw-2026-12-02.log',
      logLine(`WhatsApp logged out ${HOSTILE} +${NUMBER}`),
      logLine('WhatsApp logged out PLACEHOLDER').replace('PLACEHOLDER', `\\u001b]52;c;ZXZpbA==\\u0007 \\u001b[2J \\u009b31m +${escapedDigits}`),
      `plain whatsapp line ${HOSTILE} +${NUMBER}`,
    ];
    const host = await hostileHost('logs', (request) => (request.command.includes('@@file') ? { kind: 'answer', stdout: `${lines.join('\n')}\n` } : { kind: 'run' }));
    const r = await cli(['--hosts', hostsFile({ logs: host.port }), 'logs', 'logs']);
    expectSafe(r);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter((l) => /logged out|plain whatsapp/.test(l))).toHaveLength(3);
    expect(r.stdout).toContain('+44••••••0123');
    expect(r.stdout).not.toMatch(/\\u00(1b|9b|07)/i);
  });

  it('a lock holder with C1 controls and a bidi override is printed clean', async () => {
    const host = await hostileHost('lock');
    const clawfixDir = join(host.home, '.openclaw/.clawfix');
    mkdirSync(clawfixDir, { recursive: true });
    writeFileSync(join(clawfixDir, 'lock'), `${JSON.stringify({ by: `evil\u202e\x9b2J\x9d0;t\x9c@host`, pid: 4242, since: '2026-12-01T10:00:00Z', run: '0123456789abcdef' })}\n`);
    const r = await cli(['--hosts', hostsFile({ lock: host.port }), 'fix', 'lock', '--yes']);
    expectSafe(r);
    expect(r.code).toBe(4);
    expect(r.stdout + r.stderr).toMatch(/evil.*@host/);
    expect(existsSync(host.privilegedLog)).toBe(false);
  });

  it('backups: archive names with escape sequences refuse the listing in one line', async () => {
    const host = await hostileHost('backups');
    const backups = join(host.home, '.openclaw/.clawfix/backups');
    mkdirSync(backups, { recursive: true });
    writeFileSync(join(backups, '2026-12-01T10-00-00.000+00-00-openclaw-backup.tar.gz'), 'x');
    writeFileSync(join(backups, `evil${HOSTILE}.tar.gz`), 'x');
    for (const args of [['backups', 'backups'], ['backups', 'backups', '--json']]) {
      const r = await cli(['--hosts', hostsFile({ backups: host.port }), ...args]);
      expectSafe(r);
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/backup listing holds a line clawfix does not accept/);
      expect(r.stderr.split('\n').filter((l) => l.startsWith('clawfix:'))).toHaveLength(1);
    }
  });
});

describe('a hostile journal marker (issue 12, item 2)', () => {
  it('host ../../x/victim: refused in one line, the laptop file it aims at is still there', async () => {
    const host = await hostileHost('journal');
    const stateDir = join(host.home, '.openclaw');
    mkdirSync(join(stateDir, '.clawfix'), { recursive: true });
    const now = new Date().toISOString();
    const marker = {
      version: 1, host: '../../x/victim', account: 'default', stateDir, startedAt: now, updatedAt: now, by: 'me@laptop (pid 1, run 0123456789abcdef)',
      run: '0123456789abcdef', kind: 'relink', verdict: 'logged-out', steps: ['backup', 'quarantine'], done: ['backup'], gatewayWasRunning: false,
      lingerWasEnabled: null, stamp: '2026-12-01T10-00-00Z', state: 'running',
    };
    writeFileSync(join(stateDir, '.clawfix/journal.json'), JSON.stringify(marker));
    // where <local state>/journal/<host>.json would land with that host name
    const victim = join(laptop, '.local/state/x/victim.json');
    mkdirSync(join(laptop, '.local/state/x'), { recursive: true });
    writeFileSync(victim, 'keep me');
    const hf = hostsFile({ journal: host.port });
    for (const args of [['fix', 'journal', '--yes'], ['fix', 'journal', '--dry-run']]) {
      const r = await cli(['--hosts', hf, ...args]);
      expectSafe(r);
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/journal marker .* is not one clawfix wrote for this host/);
      expect(r.stderr.split('\n').filter((l) => l.startsWith('clawfix:'))).toHaveLength(1);
      expect(readFileSync(victim, 'utf8')).toBe('keep me');
    }
    expect(host.commands.join('\n')).not.toMatch(/\bmv\b|rm -f/);
    expect(existsSync(host.privilegedLog)).toBe(false);
  });
});

describe('bounded input and stalls (issue 12, item 4)', () => {
  /** Runs the CLI with a preload that writes its own peak RSS (KiB) at exit. */
  async function cliWithRss(args: string[]): Promise<{ result: CliResult; maxRssKiB: number }> {
    const preload = join(dir, 'rss.mjs');
    const out = join(dir, `rss-${Date.now()}`);
    writeFileSync(preload, "import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(process.env.CLAWFIX_TEST_RSS, String(process.resourceUsage().maxRSS)));\n");
    const result = await cli(args, { NODE_OPTIONS: `--import=${preload}`, CLAWFIX_TEST_RSS: out });
    return { result, maxRssKiB: Number(readFileSync(out, 'utf8')) };
  }

  const GIANT = 64 * 1024 * 1024;

  it('logs: a 64 MB line is cut with a marker, the output stays small and memory bounded', async () => {
    const host = await hostileHost('giant-logs', (request) =>
      request.command.includes('@@file')
        ? { kind: 'giant', bytes: GIANT, before: '@@file /tmp/openclaw/openclaw-2026-12-02.log\n', after: `\n${logLine('WhatsApp gateway connected after the giant')}\n` }
        : { kind: 'run' });
    const { result, maxRssKiB } = await cliWithRss(['--hosts', hostsFile({ 'giant-logs': host.port }), 'logs', 'giant-logs', '--all']);
    expectSafe(result);
    expect(result.code).toBe(0);
    // (booleans: a failure must not print 64 KB of the line)
    expect(result.stdout.length).toBeLessThan(256 * 1024);
    expect(/A{1000} … \[line cut: 67108864 bytes\]\n/.test(result.stdout)).toBe(true);
    expect(result.stdout.includes('connected after the giant')).toBe(true);
    // the line itself would be 64 MB as bytes and twice that as a string: far below one copy of it
    expect(maxRssKiB).toBeLessThan(200 * 1024);
  });

  it('diagnose: a 64 MB probe line is capped, the host gets a verdict, memory bounded', async () => {
    const host = await hostileHost('giant-probe', (request) =>
      isProbe(request.command) ? { kind: 'giant', bytes: GIANT, before: `@@clawfix-probe 2 ${request.nonce}\n\n@@${request.nonce} id\nuser=` } : { kind: 'run' });
    const { result, maxRssKiB } = await cliWithRss(['--hosts', hostsFile({ 'giant-probe': host.port }), 'diagnose']);
    expectSafe(result);
    expect(result.code).toBe(4);
    expect(result.stdout.length).toBeLessThan(64 * 1024);
    expect(maxRssKiB).toBeLessThan(200 * 1024);
  });

  it('hosts that stall (silent TCP, an SSH handshake that never ends) are unreachable after --connect-timeout; the others get their verdicts', async () => {
    const good = await hostileHost('fine');
    const stallAuth = await hostileHost('stall-auth', undefined, { stallAuth: true });
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as { port: number }).port;
    const hf = hostsFile({ fine: good.port, 'silent-tcp': silentPort, 'stall-auth': stallAuth.port });
    const r = await cli(['--hosts', hf, '--connect-timeout', '2', 'diagnose', '--json']);
    for (const s of sockets) s.destroy();
    expectSafe(r);
    // exit 3: a host unreachable wins over a host that needs attention (README, exit codes)
    expect(r.code).toBe(3);
    const byName = Object.fromEntries((JSON.parse(r.stdout).hosts as { name: string; verdict: string; status: string }[]).map((h) => [h.name, h]));
    expect(byName.fine).toMatchObject({ verdict: 'logged-out' });
    expect(byName['silent-tcp']?.status).toMatch(/unreachable|timeout/);
    expect(byName['stall-auth']?.status).toMatch(/unreachable|timeout/);
  });
});
