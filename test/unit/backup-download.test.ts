// Downloading a backup: SFTP when the server offers it; when it does not (hardened sshd without
// `Subsystem sftp`), the file is streamed with `cat` over an exec channel instead, said in one line,
// and checked against the host's sha256 either way. Against the in-process ssh2 server.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { downloadBackup, type BackupRecord } from '../../src/fix/backup.js';
import { RemoteHost } from '../../src/fix/remote.js';
import type { FixTarget } from '../../src/fix/target.js';
import { useSshClient } from '../helpers/ssh-client.js';
import { keyPair, startSshServer, type TestSshServer } from '../helpers/ssh-server.js';

const clientKey = keyPair();
const f = useSshClient(clientKey);
let withSftp: TestSshServer;
let withoutSftp: TestSshServer;
let savedXdg: string | undefined;

beforeAll(async () => {
  withSftp = await startSshServer({ authorizedKeys: [clientKey.public] });
  withoutSftp = await startSshServer({ authorizedKeys: [clientKey.public], sftp: false });
});
afterAll(async () => {
  await withSftp.close();
  await withoutSftp.close();
});
beforeEach(() => {
  // downloads land in $XDG_STATE_HOME/clawfix/backups/<host>/: the test's temp home, not the real one
  savedXdg = process.env.XDG_STATE_HOME;
  process.env.XDG_STATE_HOME = join(f.home, 'laptop-state');
});
afterEach(() => {
  if (savedXdg === undefined) delete process.env.XDG_STATE_HOME;
  else process.env.XDG_STATE_HOME = savedXdg;
});

/** A backup "on the host" (this machine, through the server) and a RemoteHost whose SSH user runs OpenClaw. */
async function setUp(server: TestSshServer): Promise<{ remote: RemoteHost; record: BackupRecord; content: Buffer }> {
  const content = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7) % 256));
  const remotePath = join(f.home, "host's 2026-12-02T10-00-00.000+00-00-openclaw-backup.tar.gz");
  writeFileSync(remotePath, content);
  const host = f.hostFor(server);
  const { transport } = await f.connect(host);
  const target: FixTarget = {
    host,
    account: 'default',
    stateDir: join(f.home, '.openclaw'),
    openclawBin: 'openclaw',
    serviceUser: host.user,
    gateway: { manager: 'process', serviceName: null, running: false, pid: null, port: 18789, lingerEnabled: null },
  };
  const record: BackupRecord = { remotePath, sha256: createHash('sha256').update(content).digest('hex'), sizeBytes: content.length, tool: 'openclaw' };
  return { remote: new RemoteHost(transport, target), record, content };
}

describe('downloading a backup', () => {
  it('uses SFTP when the server offers it, and says nothing about it', async () => {
    const { remote, record, content } = await setUp(withSftp);
    const lines: string[] = [];
    const local = await downloadBackup(remote, record, { onLine: (l) => lines.push(l) });
    expect(local).toBe(join(f.home, 'laptop-state/clawfix/backups/box', record.remotePath.slice(record.remotePath.lastIndexOf('/') + 1)));
    expect(readFileSync(local).equals(content)).toBe(true);
    expect(statSync(local).mode & 0o777).toBe(0o600);
    expect(lines).toEqual([]);
    expect(withSftp.execs.some((e) => /(^|; )cat '/.test(e.command))).toBe(false);
  });

  it('without SFTP: streams it with cat over an exec channel, says so in one line, same checksum, 0600', async () => {
    const { remote, record, content } = await setUp(withoutSftp);
    await expect(remote.download(record.remotePath, join(f.home, 'x'))).rejects.toMatchObject({ kind: 'sftp-unavailable' });
    const lines: string[] = [];
    const local = await downloadBackup(remote, record, { onLine: (l) => lines.push(l) });
    expect(readFileSync(local).equals(content)).toBe(true);
    expect(statSync(local).mode & 0o777).toBe(0o600);
    expect(lines).toEqual(['SFTP is not available on box (Unable to start subsystem: sftp): streaming the backup over SSH with cat instead']);
    expect(withoutSftp.execs.some((e) => /(^|; )cat '/.test(e.command))).toBe(true);
  });

  it('without SFTP, a stream that does not match the host checksum fails and leaves nothing behind', async () => {
    const { remote, record } = await setUp(withoutSftp);
    const wrong = { ...record, sha256: '0'.repeat(64) };
    await expect(downloadBackup(remote, wrong)).rejects.toThrow(/the downloaded backup does not match the host's checksum/);
    expect(existsSync(join(f.home, 'laptop-state/clawfix/backups/box', record.remotePath.slice(record.remotePath.lastIndexOf('/') + 1)))).toBe(false);
  });
});
