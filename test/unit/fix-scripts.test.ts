// The host-side scripts of a fix (lock, quarantine, restore, tar backup), run for real by `sh`
// through the local transport in a temp dir, with a path that needs quoting.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checksumScript, enoughSpace, parseBackupJson, parseSpace, spaceScript, tarScript } from '../../src/fix/backup.js';
import { gatewayCommands } from '../../src/fix/commands.js';
import { acquireLock, acquireScript, newHolder, parseHolder, releaseLock } from '../../src/fix/lock.js';
import { quarantinePaths, quarantineScript, restoreScript, stamp } from '../../src/fix/quarantine.js';
import { RemoteHost } from '../../src/fix/remote.js';
import type { FixTarget } from '../../src/fix/target.js';
import { quote } from '../../src/shell.js';
import { LocalTransport } from '../../src/transport/local.js';
import { localTarget } from '../fixtures/fix/diagnosis.js';

let root: string;
let stateDir: string;
let remote: RemoteHost;
const transport = new LocalTransport();
const sh = (script: string) => transport.exec(script);

let savedXdg: string | undefined;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "clawfix it's-"));
  // a lock holder's machine id is kept in $XDG_STATE_HOME/clawfix: the test's, not the real one
  savedXdg = process.env.XDG_STATE_HOME;
  process.env.XDG_STATE_HOME = join(root, 'laptop-state');
  stateDir = join(root, '.openclaw');
  mkdirSync(join(stateDir, 'credentials/whatsapp/default'), { recursive: true });
  writeFileSync(join(stateDir, 'openclaw.json'), '{}');
  writeFileSync(join(stateDir, 'credentials/whatsapp/default/creds.json'), '{"me":1}');
  const target = localTarget(stateDir);
  remote = new RemoteHost(transport, target);
});
afterEach(async () => {
  if (savedXdg === undefined) delete process.env.XDG_STATE_HOME;
  else process.env.XDG_STATE_HOME = savedXdg;
  await sh(`rm -rf '${root.replaceAll("'", `'\\''`)}'`);
});

describe('host lock', () => {
  it('is taken once; a second holder is refused with the first one named; release removes only its own', async () => {
    const first = newHolder();
    await acquireLock(remote, first, false);
    const held = parseHolder(readFileSync(join(stateDir, '.clawfix/lock'), 'utf8'));
    expect(held).toEqual(first);
    const other = { ...newHolder(), by: 'alice@laptop', pid: 1 };
    await expect(acquireLock(remote, other, false)).rejects.toThrow(/locked by another clawfix run: \S+ \(pid \d+\) since/);
    await releaseLock(remote, other);
    expect(existsSync(join(stateDir, '.clawfix/lock'))).toBe(true);
    await releaseLock(remote, first);
    expect(existsSync(join(stateDir, '.clawfix/lock'))).toBe(false);
    // nothing else was left in .clawfix/: it goes too, so a run that did nothing leaves no trace
    expect(existsSync(join(stateDir, '.clawfix'))).toBe(false);
    await acquireLock(remote, first, false);
    writeFileSync(join(stateDir, '.clawfix/journal.json'), '{}');
    await releaseLock(remote, first);
    expect(readdirSync(join(stateDir, '.clawfix'))).toEqual(['journal.json']);
  });

  it('a lock left by a gone process of this user is taken over; --break-lock removes anyone\'s', async () => {
    const gone = { ...newHolder(), pid: 2 ** 22 + 12345 };
    await acquireLock(remote, gone, false);
    const said: string[] = [];
    const mine = newHolder();
    await acquireLock(remote, mine, false, (l) => said.push(l));
    expect(said[0]).toMatch(/taking over the lock of an earlier run that is gone/);
    const stranger = { ...newHolder(), by: 'bob@elsewhere' };
    await expect(acquireLock(remote, stranger, false)).rejects.toThrow(/--break-lock|locked/);
    await acquireLock(remote, stranger, true);
    expect(parseHolder(readFileSync(join(stateDir, '.clawfix/lock'), 'utf8'))?.by).toBe('bob@elsewhere');
  });

  it('touches nothing in a directory that is not an OpenClaw state dir', async () => {
    const empty = join(root, 'not-openclaw');
    mkdirSync(empty);
    const r = await sh(acquireScript(empty, newHolder(), false).text);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('not an OpenClaw state dir');
    expect(readdirSync(empty)).toEqual([]);
  });
});

describe('quarantine', () => {
  const at = '2026-11-26T16-00-00Z';

  it('moves the account dir (never deletes), and restore puts it back', async () => {
    const q = quarantinePaths(stateDir, 'default', at);
    const moved = await sh(quarantineScript(stateDir, q).text);
    expect(moved.exitCode, moved.stderr).toBe(0);
    expect(existsSync(q.source)).toBe(false);
    expect(readFileSync(join(q.moved, 'creds.json'), 'utf8')).toBe('{"me":1}');
    const back = await sh(restoreScript(q, stamp()).text);
    expect(back.stdout).toMatch(/^restored /m);
    expect(readFileSync(join(q.source, 'creds.json'), 'utf8')).toBe('{"me":1}');
  });

  it('on restore, what a failed login left is moved aside, not removed', async () => {
    const q = quarantinePaths(stateDir, 'default', at);
    await sh(quarantineScript(stateDir, q).text);
    mkdirSync(q.source);
    writeFileSync(join(q.source, 'creds.json'), '{"half":true}');
    const back = await sh(restoreScript(q, 'later').text);
    expect(back.exitCode, back.stderr).toBe(0);
    expect(readFileSync(join(q.source, 'creds.json'), 'utf8')).toBe('{"me":1}');
    expect(readFileSync(join(`${q.moved}.replaced-later`, 'creds.json'), 'utf8')).toBe('{"half":true}');
  });

  it('restore with nothing in quarantine changes nothing and says so; quarantine never overwrites', async () => {
    const q = quarantinePaths(stateDir, 'default', at);
    const r = await sh(restoreScript(q, 'x').text);
    expect(r.stdout).toMatch(/nothing to restore/);
    expect(readFileSync(join(q.source, 'creds.json'), 'utf8')).toBe('{"me":1}');
    mkdirSync(q.moved, { recursive: true });
    const refused = await sh(quarantineScript(stateDir, q).text);
    expect(refused.exitCode).toBe(1);
    expect(existsSync(join(q.source, 'creds.json'))).toBe(true);
  });
});

describe('tar backup', () => {
  it('writes a gzip tar without .clawfix, reads it back, and checksums it', async () => {
    mkdirSync(join(stateDir, '.clawfix/backups'), { recursive: true });
    writeFileSync(join(stateDir, '.clawfix/backups/old.tar.gz'), 'x');
    const backups = join(root, 'backups');
    mkdirSync(backups);
    const archive = join(backups, 'b.tar.gz');
    const r = await sh(tarScript(stateDir, archive).text);
    expect(r.exitCode, r.stderr).toBe(0);
    const list = await sh(`tar tzf '${archive.replaceAll("'", `'\\''`)}'`);
    expect(list.stdout).toContain('.openclaw/credentials/whatsapp/default/creds.json');
    expect(list.stdout).not.toContain('.clawfix');
    const sum = await sh(checksumScript(archive).text);
    expect(sum.stdout).toMatch(/^[0-9a-f]{64} /);
    // the state dir's size (all of it: .clawfix too, as backup create archives it) against the backup dir's free space
    const space = parseSpace((await sh(`backup_dir=${quote(backups)}\n${spaceScript(stateDir).text}`)).stdout);
    expect(space?.freeKb).toBeGreaterThan(0);
    expect(space?.usedKb).toBeGreaterThan(0);
  });

  it('parses free space and openclaw backup JSON', () => {
    expect(parseSpace('used=100 free=50000')).toEqual({ usedKb: 100, freeKb: 50000 });
    expect(enoughSpace({ usedKb: 100, freeKb: 50000 })).toBe(true);
    expect(enoughSpace({ usedKb: 100, freeKb: 1000 })).toBe(false);
    expect(parseBackupJson('Warning: x\n{"archivePath":"/a.tar.gz","verified":true}\n')).toEqual({ archivePath: '/a.tar.gz', verified: true });
    expect(parseBackupJson('error')).toBeNull();
  });
});

describe('starting a bare gateway', () => {
  /** An `openclaw` stand-in in the temp dir (whose name needs quoting); the start runs in TMPDIR=<root>/tmp. */
  const startWith = async (body: string, port: number) => {
    const bin = join(root, 'bin');
    mkdirSync(bin);
    mkdirSync(join(root, 'tmp'));
    writeFileSync(join(bin, 'openclaw'), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, 'openclaw'), 0o755);
    const t = { ...remote.target, openclawBin: join(bin, 'openclaw'), gateway: { ...remote.target.gateway, port } };
    const [start] = gatewayCommands(t, 'start');
    const started = performance.now();
    const r = await new RemoteHost(transport, t).run({ ...start!, script: `TMPDIR='${join(root, 'tmp').replaceAll("'", `'\\''`)}'; export TMPDIR\n${start!.script}`, timeoutMs: 20_000 });
    return { ...r, ms: performance.now() - started, left: readdirSync(join(root, 'tmp')) };
  };
  const freePort = () =>
    new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });

  it('a gateway that exits during start-up fails the start at once, with its own error, and leaves no temp file', async () => {
    const r = await startWith('echo "Gateway failed to start: another gateway instance is already listening on ws://127.0.0.1:18789" >&2; echo "Port 18789 is already in use." >&2; exit 1', await freePort());
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/the gateway process exited during start-up\nGateway failed to start: another gateway instance[^\n]*\nPort 18789 is already in use\./);
    expect(r.ms).toBeLessThan(5000);
    expect(r.left).toEqual([]);
  });

  it('a systemd unit in a crash loop (auto-restart) fails the wait after the grace period, with its journal', async () => {
    // systemctl and journalctl stand-ins: the unit restarts forever, its journal says why
    const bin = join(root, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'systemctl'), '#!/bin/sh\nprintf "ActiveState=activating\\nSubState=auto-restart\\n"\n');
    writeFileSync(join(bin, 'journalctl'), '#!/bin/sh\necho "openclaw-gateway.service: Main process exited, code=exited, status=1/FAILURE"\n');
    for (const tool of ['systemctl', 'journalctl']) chmodSync(join(bin, tool), 0o755);
    const t: FixTarget = { ...remote.target, gateway: { ...remote.target.gateway, manager: 'systemd-system', serviceName: 'openclaw-gateway.service', port: await freePort() } };
    const wait = gatewayCommands(t, 'start').at(-1)!;
    const r = await new RemoteHost(transport, t).run({ ...wait, script: `PATH='${bin.replaceAll("'", `'\\''`)}':$PATH\n${wait.script}`, timeoutMs: 30_000 });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/the gateway process exited during start-up\nopenclaw-gateway\.service: Main process exited/);
  }, 40_000);

  it('a gateway that listens: the start succeeds and the temp file is gone', async () => {
    const port = await freePort();
    const r = await startWith(`exec node -e "require('net').createServer().listen(${port}, '127.0.0.1'); setTimeout(() => process.exit(0), 8000)"`, port);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`started openclaw gateway run \\(pid \\d+\\)\ngateway listening on port ${port}`));
    expect(r.left).toEqual([]);
    const pid = Number(/pid (\d+)/.exec(r.stdout)?.[1]);
    process.kill(pid, 'SIGTERM');
  });
});
