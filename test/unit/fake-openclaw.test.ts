// The fake `openclaw` CLI (docker/openclaw): contract with the facts file, gateway lifecycle,
// QR login through the simulated phone, backups and scenario set-up. Runs the fake locally with
// HOME in temp dirs and short timings; every gateway started here is killed in afterAll.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as jsqrModule from 'jsqr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type JsQr = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const jsQR: JsQr = ((jsqrModule as unknown as { default?: JsQr }).default ?? (jsqrModule as unknown as JsQr));

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SRC_PKG = path.join(REPO, 'docker/openclaw/lib/node_modules/openclaw');
const SRC_CLI = path.join(SRC_PKG, 'openclaw.mjs');

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-openclaw-'));
const pids = new Set<number>();
let prefix = '';

const FAST_ENV: Record<string, string> = {
  OPENCLAW_FAKE_TIME_SCALE: '0.01',
  OPENCLAW_FAKE_GATEWAY_WAIT_MS: '300',
  OPENCLAW_FAKE_GATEWAY_STARTUP_MS: '0',
  OPENCLAW_FAKE_QR_DELAY_MS: '20',
  NO_COLOR: '1',
};

function baseEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OPENCLAW_') && k !== 'NO_COLOR') env[k] = v;
  return { ...env, ...FAST_ENV, HOME: home, ...extra };
}

function run(cli: string, args: string[], home: string, extra: Record<string, string> = {}, timeoutMs = 10_000): Promise<RunResult> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env: baseEnv(home, extra), cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timeout: openclaw ${args.join(' ')}\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

const oc = (args: string[], home: string, extra?: Record<string, string>, timeoutMs?: number) => run(SRC_CLI, args, home, extra, timeoutMs);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function newHome(name: string): string {
  const home = path.join(tmpRoot, name);
  fs.mkdirSync(home, { recursive: true });
  return home;
}

function writeConfig(home: string, port: number, extra: Record<string, unknown> = {}): string {
  const dir = path.join(home, '.openclaw');
  fs.mkdirSync(dir, { recursive: true });
  const cfg = {
    gateway: { mode: 'local', port, bind: 'loopback', auth: { mode: 'token', token: 'test-token-0123456789abcdef' } },
    logging: { file: path.join(home, 'openclaw.log') },
    channels: { whatsapp: { dmPolicy: 'pairing', allowFrom: ['+447700900456'] } },
    plugins: { entries: { whatsapp: { enabled: true } } },
    ...extra,
  };
  fs.writeFileSync(path.join(dir, 'openclaw.json'), JSON.stringify(cfg, null, 2));
  return dir;
}

function lockFiles(stateDir: string): string[] {
  const dir = path.join(stateDir, 'tmp', `openclaw-${process.getuid?.() ?? 0}`);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((n) => /^gateway\.[0-9a-f]{8}\.lock$/.test(n))
    .map((n) => path.join(dir, n));
}

/** Parses the compact half-block QR back into an image and decodes it with jsQR. */
function decodeTerminalQr(block: string): string | null {
  const lines = block.split('\n').map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''));
  const width = lines[0]?.length ?? 0;
  const rows: boolean[][] = [];
  for (const line of lines) {
    const top: boolean[] = [];
    const bottom: boolean[] = [];
    for (const ch of line) {
      top.push(ch === '█' || ch === '▀');
      bottom.push(ch === '█' || ch === '▄');
    }
    rows.push(top, bottom);
  }
  const quiet = 4;
  const scale = 4;
  const w = (width + 2 * quiet) * scale;
  const h = (rows.length + 2 * quiet) * scale;
  const data = new Uint8ClampedArray(w * h * 4).fill(255);
  rows.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (!dark) return;
      for (let dy = 0; dy < scale; dy++)
        for (let dx = 0; dx < scale; dx++) {
          const i = ((y + quiet) * scale + dy) * w + (x + quiet) * scale + dx;
          data[i * 4] = data[i * 4 + 1] = data[i * 4 + 2] = 0;
        }
    }),
  );
  return jsQR(data, w, h)?.data ?? null;
}

function qrBlocks(stdout: string): string[] {
  const marker = 'Open the WhatsApp app, go to Linked Devices, then scan this QR:\n';
  return stdout
    .split(marker)
    .slice(1)
    .map((part) => part.split('\n').filter((l) => l.startsWith('\x1b[47m\x1b[30m')).join('\n'));
}

async function scenario(name: string, home: string, args: string[] = []): Promise<{ gateways: { pid: number; port: number }[]; stateDir: string; logFile: string }> {
  const r = await run(path.join(prefix, 'lib/node_modules/openclaw/fake/scenario.mjs'), [name, '--home', home, '--log-file', path.join(home, 'openclaw.log'), ...args], home);
  expect(r.stderr, r.stderr).toBe('');
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout) as { gateways: { pid: number; port: number }[]; stateDir: string; logFile: string };
  for (const g of out.gateways) pids.add(g.pid);
  return out;
}

beforeAll(() => {
  prefix = path.join(tmpRoot, 'prefix');
  const r = spawnSync('sh', [path.join(REPO, 'docker/openclaw/install.sh'), prefix], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
});

afterAll(async () => {
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGTERM');
  await waitFor(() => [...pids].every((p) => !alive(p)), 3000, 'gateways to exit').catch(() => {
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });
  fs.rmSync(tmpRoot, { recursive: true, force: true });
});

describe('fake openclaw: identity and help', () => {
  it('prints the version, help flags and the unknown-command error like 2026.9.6', async () => {
    const home = newHome('identity');
    const v = await oc(['--version'], home);
    expect(v).toMatchObject({ code: 0, stdout: 'OpenClaw 2026.9.6 (eb377ac)\n' });
    const help = await oc(['channels', 'status', '--help'], home);
    expect(help.code).toBe(0);
    expect(help.stdout.startsWith('\nOpenClaw 2026.9.6 (eb377ac) — All your chats, one OpenClaw.\n\nUsage: openclaw channels status [options]')).toBe(true);
    for (const flag of ['--channel <name>', '--json', '--probe', '--timeout <ms>']) expect(help.stdout).toContain(flag);
    const unknown = await oc(['frobnicate'], home);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('OpenClaw does not know the command "frobnicate".\nTry: openclaw --help\nPlugin command? openclaw plugins list\nDocs: https://docs.openclaw.ai/cli\n');
    const badOpt = await oc(['channels', 'status', '--bogus'], home);
    expect(badOpt).toMatchObject({ code: 1, stderr: "error: unknown option '--bogus'\n" });
  });

  it('resolves --profile, OPENCLAW_STATE_DIR and OPENCLAW_CONFIG_PATH', async () => {
    const home = newHome('paths');
    const a = await oc(['--profile', 'work', 'config', 'file'], home);
    expect(a.stdout.trim()).toBe(path.join(home, '.openclaw-work', 'openclaw.json'));
    const b = await oc(['config', 'file'], home, { OPENCLAW_STATE_DIR: path.join(home, 'state') });
    expect(b.stdout.trim()).toBe(path.join(home, 'state', 'openclaw.json'));
    const c = await oc(['config', 'file'], home, { OPENCLAW_CONFIG_PATH: path.join(home, 'x.json') });
    expect(c.stdout.trim()).toBe(path.join(home, 'x.json'));
  });
});

describe('fake openclaw: gateway down', () => {
  it('channels status --json waits for --timeout, then prints the config-only document (rc 0)', async () => {
    const home = newHome('down');
    const dir = writeConfig(home, await freePort());
    const r = await oc(['channels', 'status', '--json', '--timeout', '400'], home);
    expect(r.code).toBe(0);
    expect(r.ms).toBeGreaterThanOrEqual(400);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(['gatewayReachable', 'error', 'gatewayAuthUnavailable', 'configOnly', 'config', 'configuredChannels']);
    expect(doc).toMatchObject({
      gatewayReachable: false,
      error: 'Gateway not reachable after waiting 0.4 s.\nwaiting for managed service\nRun openclaw gateway status --deep to diagnose.',
      configOnly: true,
      config: { path: path.join(dir, 'openclaw.json'), mode: 'local' },
      configuredChannels: ['whatsapp'],
    });
    expect(r.stderr).toBe('');
  });

  it('status --json reports the probe budget error; gateway start/stop follow a host without systemd', async () => {
    const home = newHome('down-status');
    writeConfig(home, await freePort());
    const s = await oc(['status', '--json'], home);
    const doc = JSON.parse(s.stdout) as { gateway: Record<string, unknown> } & Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(['runtimeVersion', 'hostDesktop', 'heartbeat', 'channelSummary', 'queuedSystemEvents', 'degradedSecretOwners', 'degradedPlugins', 'tasks', 'taskAudit', 'sessions', 'os', 'update', 'updateChannel', 'updateChannelSource', 'memory', 'memoryPlugin', 'gateway', 'gatewayService', 'nodeService', 'agents', 'secretDiagnostics']);
    expect(doc.gateway).toMatchObject({ reachable: false, error: 'Gateway probe budget exhausted.', connectLatencyMs: null });

    const accountHome = { OPENCLAW_FAKE_ACCOUNT_HOME: home };
    const start = await oc(['gateway', 'start'], home, accountHome);
    expect(start.code).toBe(1);
    expect(start.stderr).toBe('Gateway service disabled.\n');
    expect(start.stdout).toContain('Tip: openclaw gateway install\n');
    const stop = await oc(['gateway', 'stop'], home, accountHome);
    expect(stop.code).toBe(1);
    expect(stop.stderr).toContain('re-run with --force if you really mean it.');
    const stopForce = await oc(['gateway', 'stop', '--force'], home, accountHome);
    expect(stopForce).toMatchObject({ code: 0, stdout: 'Gateway service disabled.\n' });
    const nonDefault = await oc(['gateway', 'start'], home);
    expect(nonDefault.stderr).toContain('[openclaw] Reason: service management skipped: non-default state dir or config path.');
  });

  // What the real 2026.9.6 answered to the same commands (facts section 12; checked against its dist).
  it('backup create refuses an output inside what it archives, as the real one does, dry run or not', async () => {
    const home = newHome('backup-refusal');
    const ws = path.join(home, 'ws');
    fs.mkdirSync(ws);
    const state = fs.realpathSync(writeConfig(home, await freePort(), { agents: { defaults: { workspace: ws } } }));
    const stamped = (dir: string) => new RegExp(`^${dir.replace(/[.+]/g, '\\$&')}/\\d{4}-\\d\\d-\\d\\dT[\\d.+-]+-openclaw-backup\\.tar\\.gz$`);

    const json = await oc(['backup', 'create', '--verify', '--json', '--output', `${home}/.openclaw/.clawfix/backups/`], home);
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout) as { ok: boolean; error: { type: string; message: string } };
    expect(Object.keys(doc)).toEqual(['ok', 'error']);
    expect(doc.error.type).toBe('cli_error');
    const [, output, source] = /^Backup output must not be written inside a source path: (\S+) is inside (\S+)$/.exec(doc.error.message) ?? [];
    expect(output).toMatch(stamped(`${home}/.openclaw/.clawfix/backups`));
    expect(source).toBe(state);
    expect(json.stderr).toBe(`[openclaw] The CLI command failed.\n[openclaw] Reason: ${doc.error.message}\n[openclaw] Debug: set OPENCLAW_DEBUG=1 to include the stack trace.\n[openclaw] Try: openclaw doctor\n[openclaw] Help: openclaw --help\n`);
    expect(fs.existsSync(path.join(state, '.clawfix'))).toBe(false);

    // through a symlink into the state dir: compared canonically, the output named as given
    fs.symlinkSync(state, path.join(home, 'link'));
    const text = await oc(['backup', 'create', '--dry-run', '--output', `${home}/link/b.tar.gz`], home);
    expect(text).toMatchObject({ code: 1, stdout: '', stderr: `Backup output must not be written inside a source path: ${home}/link/b.tar.gz is inside ${state}\n` });

    const inWorkspace = await oc(['backup', 'create', '--dry-run', '--json', '--output', `${ws}/b/`], home);
    expect(inWorkspace.code).toBe(1);
    expect((JSON.parse(inWorkspace.stdout) as typeof doc).error.message).toMatch(new RegExp(`is inside ${fs.realpathSync(ws).replace(/[.+]/g, '\\$&')}$`));

    // the config file is archived, not its dir: an output beside a config kept outside the state dir is fine
    const cfgDir = path.join(home, 'cfg');
    fs.mkdirSync(cfgDir);
    fs.copyFileSync(path.join(state, 'openclaw.json'), path.join(cfgDir, 'openclaw.json'));
    const beside = await oc(['backup', 'create', '--dry-run', '--json', '--output', `${cfgDir}/`], home, { OPENCLAW_CONFIG_PATH: path.join(cfgDir, 'openclaw.json') });
    expect(beside.code, beside.stderr).toBe(0);
    expect((JSON.parse(beside.stdout) as { archivePath: string }).archivePath).toMatch(stamped(cfgDir));
  });
});

describe('fake openclaw: gateway lifecycle, QR login, logout', () => {
  let home = '';
  let port = 0;
  let gwPid = 0;

  beforeAll(async () => {
    home = newHome('lifecycle');
    port = await freePort();
    writeConfig(home, port);
    const install = await oc(['plugins', 'install', '@openclaw/whatsapp'], home);
    expect(install.stdout).toContain('Installed plugin: whatsapp');
    const child = spawn(process.execPath, [SRC_CLI, 'gateway', 'run'], { env: baseEnv(home), detached: true, stdio: 'ignore' });
    child.unref();
    gwPid = child.pid ?? 0;
    pids.add(gwPid);
    await waitFor(() => portOpen(port), 5000, 'gateway port');
  });

  it('runs a real process titled openclaw-gateway with the lock file and answers channels status', async () => {
    if (process.platform === 'linux') {
      expect(fs.readFileSync(`/proc/${gwPid}/cmdline`, 'utf8').replace(/\0+$/, '')).toBe('openclaw-gateway');
    }
    const [lock] = lockFiles(path.join(home, '.openclaw'));
    expect(lock).toBeDefined();
    const body = JSON.parse(fs.readFileSync(lock ?? '', 'utf8')) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['pid', 'ownerId', 'cronOwnerProjection', 'createdAt', 'configPath', 'stateDir', 'port', 'startTime']);
    expect(body).toMatchObject({ pid: gwPid, port });
    const r = await oc(['channels', 'status', '--json'], home);
    const doc = JSON.parse(r.stdout) as { channels: { whatsapp: Record<string, unknown> }; channelAccounts: { whatsapp: Record<string, unknown>[] }; statusIssues: unknown[] };
    expect(Object.keys(doc)).toEqual(['ts', 'channelOrder', 'channelLabels', 'channelDetailLabels', 'channelSystemImages', 'channelMeta', 'eventLoop', 'channels', 'channelAccounts', 'channelDefaultAccountId', 'statusIssues']);
    expect(doc.channels.whatsapp).toMatchObject({ configured: true, statusState: 'not-linked', linked: false, running: false, healthState: 'stopped', lifecycle: 'stopped' });
    expect(doc.channelAccounts.whatsapp[0]).toMatchObject({ accountId: 'default', stateReason: 'not linked', allowFrom: ['+447700900456'] });
    expect(doc.statusIssues).toEqual([{ channel: 'whatsapp', accountId: 'default', kind: 'auth', message: 'Not linked (no WhatsApp Web session).', fix: 'Run: openclaw channels login (scan QR on the gateway host).' }]);
  });

  it('prints a decodable QR, links when the phone scans it, and the gateway starts the channel', async () => {
    const fake = path.join(home, '.openclaw', '.fake');
    const login = run(SRC_CLI, ['channels', 'login', '--channel', 'whatsapp'], home, { OPENCLAW_FAKE_QR_TTL_MS: '4000' });
    await waitFor(() => fs.existsSync(path.join(fake, 'qr-current')), 4000, 'qr-current');
    const payload = fs.readFileSync(path.join(fake, 'qr-current'), 'utf8').trim();
    expect(payload).toMatch(/^2@[A-Za-z0-9+/=]+,[A-Za-z0-9+/=]{44},[A-Za-z0-9+/=]{44},[A-Za-z0-9+/=]{44}$/);
    fs.writeFileSync(path.join(fake, 'scan'), payload);
    const r = await login;
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('Waiting for WhatsApp connection...');
    const [block] = qrBlocks(r.stdout);
    expect(block).toBeDefined();
    for (const line of (block ?? '').split('\n')) expect(line).toMatch(/^\x1b\[47m\x1b\[30m[ █▀▄]+\x1b\[0m$/);
    expect(decodeTerminalQr(block ?? '')).toBe(payload);
    expect(r.stdout).toContain('✅ Linked! Credentials saved for future sends.\n');
    const creds = JSON.parse(fs.readFileSync(path.join(home, '.openclaw/credentials/whatsapp/default/creds.json'), 'utf8')) as { me: { id: string } };
    expect(creds.me.id).toMatch(/^447700900123:\d+@s\.whatsapp\.net$/);
    await waitFor(async () => {
      const s = JSON.parse((await oc(['channels', 'status', '--json'], home)).stdout) as { channels: { whatsapp: { connected: boolean } } };
      return s.channels.whatsapp.connected;
    }, 4000, 'channel connected');
  });

  it('refuses a second login while the gateway owns the connection, then logs out', async () => {
    const busy = await oc(['channels', 'login', '--channel', 'whatsapp'], home);
    expect(busy).toMatchObject({ code: 1, stderr: 'Channel login failed: Another process owns this WhatsApp connection.\n' });
    const out1 = await oc(['channels', 'logout', '--channel', 'whatsapp'], home);
    expect(out1).toMatchObject({ code: 0, stdout: 'Cleared saved auth for whatsapp/default.\n' });
    expect(fs.existsSync(path.join(home, '.openclaw/credentials/whatsapp/default'))).toBe(false);
    const out2 = await oc(['channels', 'logout', '--channel', 'whatsapp'], home);
    expect(out2.stdout).toBe('No saved auth was cleared for whatsapp/default. Other credentials may still be active.\n');
    const s = JSON.parse((await oc(['channels', 'status', '--json'], home)).stdout) as { channels: { whatsapp: Record<string, unknown> } };
    expect(s.channels.whatsapp).toMatchObject({ linked: false, lastError: 'logged out' });
  });

  it('fails with the real text when the QR codes expire', async () => {
    const r = await oc(['channels', 'login', '--channel', 'whatsapp'], home, { OPENCLAW_FAKE_QR_TTL_MS: '150', OPENCLAW_FAKE_QR_ROTATE_MS: '100', OPENCLAW_FAKE_QR_ROTATIONS: '2' });
    expect(r.code).toBe(1);
    expect(qrBlocks(r.stdout)).toHaveLength(4);
    expect(r.stdout).toContain('WhatsApp connection timed out before login; retrying with a fresh socket…\n');
    expect(r.stderr).toBe('WhatsApp Web connection ended before fully opening. QR refs attempts ended\nChannel login failed: QR refs attempts ended\n');
  });

  it('writes a verifiable tar.gz backup in the real layout', async () => {
    const out = path.join(home, 'backups');
    fs.mkdirSync(out);
    const r = await oc(['backup', 'create', '--verify', '--json', '--output', out], home);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as { archivePath: string; archiveRoot: string; verified: boolean; assets: { kind: string }[] };
    expect(Object.keys(plan)).toEqual(['createdAt', 'archiveRoot', 'archivePath', 'dryRun', 'includeWorkspace', 'onlyConfig', 'verified', 'assets', 'agentRoots', 'skipped', 'skippedVolatileCount']);
    expect(plan.archiveRoot).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}[+-]\d\d-\d\d-openclaw-backup$/);
    expect(plan.verified).toBe(true);
    const list = spawnSync('tar', ['-tzf', plan.archivePath], { encoding: 'utf8' }).stdout.split('\n');
    const state = `${plan.archiveRoot}/payload/posix${path.join(home, '.openclaw')}`;
    expect(list).toContain(`${plan.archiveRoot}/manifest.json`);
    expect(list).toContain(`${state}/openclaw.json`);
    expect(list.some((e) => e.startsWith(`${state}/npm`) || e.startsWith(`${state}/tmp/`) || e.startsWith(`${state}/.fake`))).toBe(false);
    const verify = await oc(['backup', 'verify', plan.archivePath, '--json'], home);
    expect(Object.keys(JSON.parse(verify.stdout) as object)).toEqual(['ok', 'archivePath', 'archiveRoot', 'createdAt', 'runtimeVersion', 'assetCount', 'entryCount', 'symlinkCount']);
  });

  it('stops on SIGTERM with the shutdown lines and removes the lock', async () => {
    process.kill(gwPid, 'SIGTERM');
    await waitFor(() => !alive(gwPid), 4000, 'gateway exit');
    expect(lockFiles(path.join(home, '.openclaw'))).toEqual([]);
    expect(await portOpen(port)).toBe(false);
    const log = fs.readFileSync(path.join(home, 'openclaw.log'), 'utf8');
    expect(log).toContain('"message":"received SIGTERM; shutting down"');
    const logs = await oc(['logs', '--limit', '5'], home);
    expect(logs.stderr.split('\n')[0]).toBe('Local Gateway RPC unavailable; reading configured file log instead.');
    expect(logs.stdout.split('\n')[0]).toBe(`Log file: ${path.join(home, 'openclaw.log')}`);
  });
});

describe('fake openclaw: scenarios', () => {
  const expectations: Record<string, (stateDir: string, log: string) => void> = {
    healthy: (_s, log) => expect(log).toContain('WhatsApp session logged out. Run `openclaw channels login --channel whatsapp` to relink.'),
    'transient-reconnect': (_s, log) => expect(log).toContain('[default] auto-restart attempt 1/10 in 5s'),
    'network-dns': (_s, log) => expect(log).toMatch(/connection closed during setup \(status 408\)\. Retry 5\/12/),
    'monitor-stopped': (_s, log) => expect(log).toContain('WhatsApp Web reconnect: max attempts reached (12/12). Stopping web monitoring.'),
    conflict: (_s, log) => expect(log).toContain('(status 440: session conflict)'),
    'logged-out': (s) => expect(fs.existsSync(path.join(s, 'credentials/whatsapp/default/creds.json'))).toBe(true),
    'restart-required': (_s, log) => expect(log).toContain('(Stream Errored (restart required))'),
    'qr-timeout': (_s, log) => expect(log).toContain('Channel login failed: QR refs attempts ended'),
    'link-cooldown': (s) => expect(JSON.parse(fs.readFileSync(path.join(s, '.fake/phone.json'), 'utf8'))).toMatchObject({ linkCooldown: true }),
    'protocol-upgrade': (_s, log) => expect(log).toContain('(status 405)'),
    'listener-missing': (_s, log) => expect(log).toContain('No active WhatsApp Web listener (account: default)'),
    'plugin-missing': (s) => expect(fs.existsSync(path.join(s, 'npm/projects'))).toBe(false),
    'not-linked': (s) => expect(fs.existsSync(path.join(s, 'credentials/whatsapp/default'))).toBe(false),
    'creds-corrupt': (s) => {
      expect(() => JSON.parse(fs.readFileSync(path.join(s, 'credentials/whatsapp/default/creds.json'), 'utf8'))).toThrow();
      expect(fs.existsSync(path.join(s, 'credentials/whatsapp/default/creds.json.bak'))).toBe(false);
    },
    'gateway-not-running': (s) => expect(lockFiles(s)).toHaveLength(1),
    'gateway-dies-on-logout': (s) => expect(fs.existsSync(path.join(path.dirname(s), '.config/systemd/user/openclaw-gateway.service'))).toBe(true),
    'wrong-user-or-state-dir': (s) => expect(fs.existsSync(path.join(s, 'credentials/whatsapp'))).toBe(false),
    'wrong-state-dir-profile': (s) => expect(fs.existsSync(path.join(path.dirname(s), '.openclaw-work/credentials/whatsapp/default/creds.json'))).toBe(true),
    'whatsapp-not-configured': (s) => expect(JSON.parse(fs.readFileSync(path.join(s, 'openclaw.json'), 'utf8'))).not.toHaveProperty('channels'),
    'old-version-healthy': (_s, log) => expect(log).toContain('Listening for personal WhatsApp inbound messages.'),
    'multi-account': (s) => expect(fs.existsSync(path.join(s, 'credentials/whatsapp/work/creds.json'))).toBe(true),
  };

  it('lists a scenario for every verdict', async () => {
    const r = await run(path.join(prefix, 'lib/node_modules/openclaw/fake/scenario.mjs'), ['--list', '--json'], tmpRoot);
    const names = (JSON.parse(r.stdout) as { name: string }[]).map((x) => x.name);
    expect(names.sort()).toEqual(Object.keys(expectations).sort());
  });

  it('sets up the expected files and log history (no gateway)', async () => {
    // in-process (no node start-up per scenario); the install's copy, since some scenarios pin a version
    type Built = { stateDir: string; logFile: string; version: string };
    const mod = (await import(pathToFileURL(path.join(prefix, 'lib/node_modules/openclaw/fake/scenario.mjs')).href)) as {
      buildScenario: (name: string, opts: Record<string, unknown>) => Promise<Built>;
    };
    for (const name of Object.keys(expectations)) {
      const home = newHome(`sc-${name}`);
      const out = await mod.buildScenario(name, { home, logFile: path.join(home, 'openclaw.log'), gateway: false });
      const log = fs.readFileSync(out.logFile, 'utf8');
      const unparsable = log
        .trim()
        .split('\n')
        .filter((line) => {
          try {
            JSON.parse(line);
            return false;
          } catch {
            return true;
          }
        });
      expect(unparsable, name).toEqual([]);
      expectations[name]?.(out.stateDir, log);
    }
  });

  it('starts the scenario gateway in the scenario state (logged-out) and reports it', async () => {
    const home = newHome('sc-live');
    const out = await scenario('logged-out', home, ['--port', String(await freePort())]);
    expect(out.gateways).toHaveLength(1);
    const r = await run(path.join(prefix, 'bin/openclaw'), ['channels', 'status', '--json'], home);
    const doc = JSON.parse(r.stdout) as { channels: { whatsapp: Record<string, unknown> } };
    expect(doc.channels.whatsapp).toMatchObject({ linked: true, running: false, healthState: 'logged-out', lifecycle: 'blocked', terminalDisconnect: true, lastDisconnect: { status: 401, error: 'Connection Failure', loggedOut: true } });
  });

  it('doctor --fix reinstalls a missing WhatsApp plugin', async () => {
    const home = newHome('sc-doctor');
    const out = await scenario('plugin-missing', home, ['--no-gateway']);
    const lint = JSON.parse((await run(path.join(prefix, 'bin/openclaw'), ['doctor', '--json'], home)).stdout) as { findings: { checkId: string }[] };
    expect(lint.findings.map((f) => f.checkId)).toContain('core/doctor/plugins');
    const fix = await run(path.join(prefix, 'bin/openclaw'), ['doctor', '--fix', '--non-interactive'], home);
    expect(fix.stdout).toContain('Installed plugin: whatsapp');
    expect(fs.existsSync(path.join(out.stateDir, 'npm/projects/openclaw-whatsapp-290d7f7427/node_modules/@openclaw/whatsapp/package.json'))).toBe(true);
  });
});
